import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const bpfObject = join(repoRoot, 'bpf/.output/gue.bpf.o');
export const testRunner = join(repoRoot, 'bpf/.output/gue-test-run');
export const vectorsFile = join(repoRoot, 'packages/gue-wire/testdata/vectors.json');

/** Builds the programs if needed (a missing toolchain fails the build loudly rather than skipping). */
export function buildBpf(): void {
  const r = spawnSync('node', ['scripts/build-bpf.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building bpf/ failed');
}

/**
 * Why BPF tests cannot run here, or undefined when they can: root, and a kernel that lets us mount a
 * bpffs and load a program. Only this case skips the tests (printing the reason).
 */
export function bpfUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/sys/kernel/btf/vmlinux') && !existsSync('/proc/sys/net/core/bpf_jit_enable')) {
    return 'kernel without BPF';
  }
  const dir = mkdtempSync(join(tmpdir(), 'gue-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'bpf', 'bpf', dir]);
    if (r.status !== 0) return `kernel cannot mount a bpffs: ${r.stderr.toString().trim()}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
