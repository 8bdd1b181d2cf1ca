import { mkdir, readFile, rm } from 'node:fs/promises';
import type { Runner } from './run.js';

/** True when `dir` is a mount point of a bpf filesystem in this process's mount namespace. */
export async function isBpffs(dir: string): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo.split('\n').some((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return f[4] === dir && sep > 0 && f[sep + 1] === 'bpf';
  });
}

/** Mounts a private bpffs at `dir` unless one is there: pinned maps live as long as this mount. */
export async function ensureBpffs(run: Runner, dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  if (await isBpffs(dir)) return false;
  await run('mount', ['-t', 'bpf', 'bpf', dir]);
  return true;
}

/** Unmounts the bpffs (dropping every pinned object in it) and removes the directory. */
export async function removeBpffs(run: Runner, dir: string): Promise<void> {
  if (await isBpffs(dir)) await run('umount', [dir]);
  await rm(dir, { recursive: true, force: true });
}
