// Network namespaces and daemons for the EPIC node tests (root only). Everything created is recorded and
// removed by `cleanup()`, which the tests call in afterAll even when a test failed.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';

/** Why these tests cannot run here (not root, a binary missing), or undefined when they can. */
export function unavailableReason(binaries: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const b of ['ip', ...binaries]) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} is not installed`;
  }
  return undefined;
}

export function fileMissing(path: string): string | undefined {
  return existsSync(path) ? undefined : `${path} is missing`;
}

/** A port for a listener inside a private namespace (random, so parallel runs never meet). */
export function randomPort(): number {
  return randomInt(20_000, 60_000);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Lab {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'epic-node-it-'));
  private readonly namespaces: string[] = [];
  private readonly procs: ChildProcess[] = [];

  ns(role: string): string {
    const name = `en-${role}-${this.id}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.sh(name, 'ip', 'link', 'set', 'lo', 'up');
    return name;
  }

  sh(ns: string, cmd: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** A veth pair between two namespaces with an address (CIDR) on each end. */
  link(a: { ns: string; dev: string; cidr: string }, b: { ns: string; dev: string; cidr: string }): void {
    const tmp = `v${this.id}${randomBytes(2).toString('hex')}`;
    execFileSync('ip', ['link', 'add', `${tmp}a`, 'type', 'veth', 'peer', 'name', `${tmp}b`]);
    for (const [end, side] of [
      [`${tmp}a`, a],
      [`${tmp}b`, b],
    ] as const) {
      execFileSync('ip', ['link', 'set', end, 'netns', side.ns]);
      this.sh(side.ns, 'ip', 'link', 'set', end, 'name', side.dev);
      this.sh(side.ns, 'ip', 'addr', 'add', side.cidr, 'dev', side.dev);
      this.sh(side.ns, 'ip', 'link', 'set', side.dev, 'up');
    }
  }

  /** Starts a long-running process inside `ns`; killed by cleanup(). */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess & { output: () => string } {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-8000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.procs.push(child);
    return Object.assign(child, { output: () => out });
  }

  async cleanup(): Promise<void> {
    for (const p of this.procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(t);
    }
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
