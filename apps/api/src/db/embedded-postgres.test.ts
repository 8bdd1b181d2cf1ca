import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

const dirs: string[] = [];
const servers: EmbeddedDatabase[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'epic-embedded-pg-'));
  dirs.push(d);
  return d;
}
const freePort = () => 20000 + Math.floor(Math.random() * 20000);

async function start(dataDir: string, persistent: boolean, port = freePort()): Promise<EmbeddedDatabase> {
  const server = await startEmbeddedPostgres({ dataDir, port, persistent });
  servers.push(server);
  return server;
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The message a start-up rejects with (Vitest's `rejects.toThrow` passes on a rejection with `undefined`). */
async function failure(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(Error);
  return (e as Error).message;
}

const setting = async (url: string, name: string) =>
  (await query<Record<string, string>>(url, `SHOW ${name}`))[0]![name];

/** Postmasters running on a data directory, from /proc (any user's). */
function postmastersOf(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const state = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0];
        return state !== 'Z' && argv[argv.indexOf('-D') + 1] === path.resolve(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function refusedWith(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('embedded PostgreSQL', { timeout: 180_000 }, () => {
  it('is durable when persistent: fsync and synchronous commit on', async () => {
    const dir = path.join(tempDir(), 'pg');
    const server = await start(dir, true);
    const url = server.url('postgres');
    expect(await setting(url, 'fsync')).toBe('on');
    expect(await setting(url, 'synchronous_commit')).toBe('on');
    expect(await setting(url, 'full_page_writes')).toBe('on');
    expect(await setting(url, 'listen_addresses')).toBe('127.0.0.1');
    await server.stop();
  });

  it('trades durability for speed only when it is thrown away on stop (tests)', async () => {
    const dir = path.join(tempDir(), 'pg');
    const server = await start(dir, false);
    expect(await setting(server.url('postgres'), 'fsync')).toBe('off');
    expect(await setting(server.url('postgres'), 'synchronous_commit')).toBe('off');
    await server.stop();
    expect(() => statSync(dir)).toThrow();
    expect(() => statSync(`${dir}.password`)).toThrow();
  });

  it('has a generated superuser password kept next to its data (0600); postgres/postgres is refused', async () => {
    const dir = path.join(tempDir(), 'pg');
    const port = freePort();
    const server = await start(dir, true, port);
    const file = `${dir}.password`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(server.url('epic')).toBe(`postgresql://postgres:${password}@127.0.0.1:${port}/epic`);
    expect(await refusedWith(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe('28P01');
    expect(await refusedWith(`postgresql://postgres:@127.0.0.1:${port}/postgres`)).toBeDefined();
    expect(await refusedWith(server.url('postgres'))).toBeUndefined();
    // The next start keeps the password (and the data).
    await query(server.url('postgres'), 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    await server.stop();
    const again = await start(dir, true, port);
    expect(again.url('epic')).toBe(server.url('epic'));
    expect(await query(again.url('postgres'), 'SELECT x FROM kept')).toEqual([{ x: 42 }]);
    await again.stop();
  });

  it('gives a cluster made with the former postgres/postgres superuser a generated password', async () => {
    const dir = path.join(tempDir(), 'pg');
    const port = freePort();
    const first = await start(dir, true, port);
    await query(first.url('postgres'), "ALTER ROLE postgres PASSWORD 'postgres'");
    await first.stop();
    rmSync(`${dir}.password`);
    const upgraded = await start(dir, true, port);
    expect(statSync(`${dir}.password`).mode & 0o777).toBe(0o600);
    expect(await refusedWith(upgraded.url('postgres'))).toBeUndefined();
    expect(await refusedWith(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe('28P01');
    await upgraded.stop();
  });

  it('refuses a data directory whose server a live process still owns, naming that process', async () => {
    const dir = path.join(tempDir(), 'pg');
    const server = await start(dir, true);
    expect(await failure(start(dir, true))).toMatch(
      new RegExp(
        `data directory ${dir} is in use by process ${process.pid} \\(its PostgreSQL server is pid ${server.pid}\\)`,
      ),
    );
    expect(await refusedWith(server.url('postgres'))).toBeUndefined(); // untouched
    expect(postmastersOf(dir)).toEqual([server.pid]);
    await server.stop();
    expect(postmastersOf(dir)).toEqual([]);
  });

  it('names the port when it is taken, and leaves nothing running', async () => {
    const port = freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    const dir = path.join(tempDir(), 'pg');
    try {
      expect(await failure(start(dir, true, port))).toMatch(
        new RegExp(
          `127\\.0\\.0\\.1:${port}, data directory ${dir}\\) did not start: port ${port} is already in use`,
        ),
      );
      expect(postmastersOf(dir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('names the data directory it cannot create', async () => {
    const file = path.join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    expect(await failure(start(path.join(file, 'pg'), true))).toContain(
      `cannot create the data directory ${file}`,
    );
  });
});
