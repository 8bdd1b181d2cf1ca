import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from './test-support/harness.js';

// A start-up that cannot succeed says, in one line, which port or directory is at fault (it once printed
// "EPIC failed to start: undefined"), exits 1, and leaves nothing running.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
const blockers: Server[] = [];
let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(async () => {
  for (const b of blockers) b.close();
  await env?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const freePort = () => 20000 + Math.floor(Math.random() * 25000);

async function occupied(): Promise<number> {
  const port = freePort();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  blockers.push(server);
  return port;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'epic-startup-'));
  dirs.push(d);
  return d;
}

function startApi(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: '',
      EPIC_DATA_DIR: tempDir(),
      PORT: String(freePort()),
      XDS_PORT: '0',
      EMBEDDED_PG_PORT: String(freePort()),
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      ...vars,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

function postmastersOf(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv[argv.indexOf('-D') + 1] === path.join(dataDir, 'pg');
      } catch {
        return false;
      }
    })
    .map(Number);
}

function expectOneLine(stderr: string, message: RegExp): void {
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/undefined|\n\s+at /);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('start-up errors name what is at fault', { timeout: 180_000 }, () => {
  it('the API port in use: names host and port, and stops the embedded PostgreSQL it had started', async () => {
    const port = await occupied();
    const dataDir = tempDir();
    const r = await startApi({ PORT: String(port), EPIC_DATA_DIR: dataDir });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^EPIC failed to start: the API cannot listen on 127\\.0\\.0\\.1:${port} \\(HOST, PORT\\): the port is already in use`,
      ),
    );
    expect(postmastersOf(dataDir)).toEqual([]);
  });

  it('the xDS port in use', async () => {
    const port = await occupied();
    const r = await startApi({ DATABASE_URL: env.url, XDS_PORT: String(port) });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^EPIC failed to start: the xDS server cannot listen on 127\\.0\\.0\\.1:${port} \\(XDS_HOST, XDS_PORT\\): the port is already in use`,
      ),
    );
  });

  it('the embedded PostgreSQL port in use', async () => {
    const port = await occupied();
    const dataDir = tempDir();
    const r = await startApi({ EMBEDDED_PG_PORT: String(port), EPIC_DATA_DIR: dataDir });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^EPIC failed to start: the embedded PostgreSQL \\(EMBEDDED_PG_PORT, EPIC_DATA_DIR\\): .*127\\.0\\.0\\.1:${port}.* did not start: port ${port} is already in use`,
      ),
    );
    expect(postmastersOf(dataDir)).toEqual([]);
  });

  it('a data directory that cannot be created', async () => {
    const file = path.join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const r = await startApi({ EPIC_DATA_DIR: path.join(file, 'epic') });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^EPIC failed to start: cannot create the data directory ${file}/epic \\(EPIC_DATA_DIR\\): a file is in the way`,
      ),
    );
  });

  it('a database that cannot be reached: names where, not the password', async () => {
    const port = freePort();
    const r = await startApi({ DATABASE_URL: `postgresql://u:hunter2@127.0.0.1:${port}/epic` });
    expect(r.code).toBe(1);
    expectOneLine(
      r.stderr,
      new RegExp(
        `^EPIC failed to start: cannot reach the database at 127\\.0\\.0\\.1:${port}/epic \\(DATABASE_URL\\): connection refused`,
      ),
    );
    expect(r.stderr).not.toContain('hunter2');
  });
});
