import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// A real API process (`apps/api/src/main.ts` under tsx), for the suites that kill, restart or watch it start.
// Its output is always drained (an undrained pipe blocks the child once ~64 KiB of logs pile up) and kept, so a
// start-up that fails says why instead of timing out silently.

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once `/readyz` answers 200 on `port`; rejects with the output if the process exits first. */
  ready: (port: number, timeoutMs?: number) => Promise<void>;
}

export function startApiProcess(env: Record<string, string>): ApiProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const output = () => out;
  // A cold tsx transform of the whole API plus Prisma start-up takes tens of seconds on a loaded 2-core machine.
  const ready = async (port: number, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`API exited during start-up (${child.exitCode ?? child.signalCode}):\n${out}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`API did not become ready on port ${port} within ${timeoutMs} ms:\n${out}`);
  };
  return { child, output, exited, ready };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
