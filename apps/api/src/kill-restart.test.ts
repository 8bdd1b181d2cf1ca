import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, type ApiProcess } from './test-support/api-process.js';

// Fault suite: `kill -9` of the API on its embedded default. The embedded PostgreSQL it started outlives
// it; the next start must notice that server, stop it cleanly and run on a server of its own, with every
// committed write intact and no second postmaster left behind.

let dataDir = '';
let pgDir = '';
const children: ChildProcess[] = [];
const base = 30000 + Math.floor(Math.random() * 15000);
const ports = { api: base, xds: base + 1, pg: base + 2 };

function startApi(): ApiProcess {
  const api = startApiProcess({
    DATABASE_URL: '',
    EPIC_DATA_DIR: dataDir,
    PORT: String(ports.api),
    XDS_PORT: String(ports.xds),
    EMBEDDED_PG_PORT: String(ports.pg),
    LOG_LEVEL: 'info',
  });
  children.push(api.child);
  return api;
}

const waitReady = (api: ApiProcess) => api.ready(ports.api);

/** Postmasters (not zombies) running on the data directory. */
function postmasters(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const state = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0];
        return state !== 'Z' && argv[argv.indexOf('-D') + 1] === pgDir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function call(key: string, method: string, url: string, body?: unknown) {
  const r = await fetch(`http://127.0.0.1:${ports.api}/api/v1${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as { items?: { name: string }[] } };
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'epic-kill9-'));
  pgDir = path.join(dataDir, 'pg');
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (!dataDir) return;
  for (const pid of postmasters()) process.kill(pid, 'SIGQUIT');
  rmSync(dataDir, { recursive: true, force: true });
});

// Two API start-ups, a PostgreSQL initdb and a clean stop of the stale server: minutes on a loaded CI machine.
describe('kill -9 of the API on its embedded PostgreSQL', { timeout: 300_000 }, () => {
  it('restarts on a server of its own: the stale one stopped, data intact, one postmaster, clean Ctrl-C', async () => {
    const first = startApi();
    await waitReady(first);
    const adminKey = /Platform admin key: (\S+)/.exec(first.output())?.[1];
    expect(adminKey).toBeDefined();
    const created = await call(adminKey!, 'POST', '/accounts', { name: 'survivor' });
    expect(created.status).toBe(201);
    const stale = postmasters();
    expect(stale).toHaveLength(1);

    first.child.kill('SIGKILL');
    await first.exited;
    // The server the killed API started is still running, orphaned.
    expect(postmasters()).toEqual(stale);

    const second = startApi();
    await waitReady(second);
    expect(second.output()).toMatch(new RegExp(`PostgreSQL server \\(pid ${stale[0]}\\) was left running`));
    const now = postmasters();
    expect(now).toHaveLength(1);
    expect(now).not.toEqual(stale);
    // Data intact: the admin key (stored as a hash) still works, and the last commit before the kill is there.
    const accounts = await call(adminKey!, 'GET', '/accounts');
    expect(accounts.status).toBe(200);
    expect(accounts.body.items?.map((a) => a.name)).toContain('survivor');

    // Ctrl-C: everything stops, quietly.
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(postmasters()).toEqual([]);
    expect(existsSync(`${pgDir}.owner`)).toBe(false);
    const shutdownLog = second.output().slice(second.output().indexOf('shutting down'));
    expect(shutdownLog).not.toMatch(/\n\s+at |Error/);
    const levels = shutdownLog
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels.filter((l) => l >= 40)).toEqual([]); // no warning or error while stopping
  });
});
