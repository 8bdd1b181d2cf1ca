import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { isConnectionLost } from './errors.js';

/**
 * The Prisma client (through the pg driver adapter, no engine binary) plus the pg pool underneath it.
 * Hot paths whose latency is a product target (gateway create and list, API-key lookup) use SQL on the
 * same pool; everything else goes through Prisma (docs/adr/0003-hot-paths-in-sql.md).
 */
export type Db = PrismaClient & {
  $pool: pg.Pool;
  /** Settings for a dedicated connection (LISTEN, health probe): same server, same timeouts as the pool. */
  $connection: pg.ClientConfig;
  $timeouts: DbTimeouts;
};
export type { Prisma } from '../generated/prisma/client.js';

/**
 * Every wait on the database is bounded, so an outage turns into a quick, typed error (503) instead of a
 * request that hangs. A frozen server (SIGSTOP, a stalled host) enforces none of its own timeouts, so each
 * query also has a client-side limit, a little longer than the server's.
 */
export interface DbTimeouts {
  /** Opening a connection: TCP, startup and authentication. */
  connectMs: number;
  /** Server-side `statement_timeout`; also how long a request may wait for a free pool connection. */
  statementMs: number;
  /** Server-side `lock_timeout`: a statement waiting this long for a row, table or advisory lock fails. */
  lockMs: number;
  /** Server-side `idle_in_transaction_session_timeout`: a transaction left open this long is ended. */
  idleInTransactionMs: number;
  /** Idle time before TCP keepalive probes start (a vanished host or a cut network is noticed). */
  keepAliveMs: number;
  /** How often LISTEN connections check that their server still answers (`SELECT 1`). */
  heartbeatMs: number;
  /** Upper bound of the reconnect backoff of LISTEN connections. */
  reconnectMaxMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = {
  connectMs: 2_000,
  statementMs: 15_000,
  lockMs: 5_000,
  idleInTransactionMs: 30_000,
  keepAliveMs: 10_000,
  heartbeatMs: 5_000,
  reconnectMaxMs: 5_000,
};

/** How much longer than the server's statement_timeout the client waits for an answer. */
const CLIENT_GRACE_MS = 2_000;

/** pg settings that bound every wait of one connection. */
export function connectionConfig(url: string, t: DbTimeouts): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    query_timeout: t.statementMs + CLIENT_GRACE_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveMs,
  };
}

export function createDb(url: string, opts: { poolSize?: number; timeouts?: Partial<DbTimeouts> } = {}): Db {
  const timeouts = { ...DEFAULT_DB_TIMEOUTS, ...opts.timeouts };
  const connection = connectionConfig(url, timeouts);
  // Prisma writes `timestamp(3)` columns in UTC; read them back as UTC in SQL paths too.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 1114 ? (s: string) => new Date(`${s.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format),
  };
  // The pool hands its options to each client, and both read `connectionTimeoutMillis`: the pool as the wait
  // for a free connection (as long as a statement may run), each new client as its connect timeout.
  class BoundedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: timeouts.connectMs });
    }
  }
  const pool = new pg.Pool({
    ...connection,
    connectionTimeoutMillis: timeouts.statementMs,
    Client: BoundedClient,
    max: opts.poolSize ?? 20,
    types: types as pg.CustomTypesConfig,
  });
  pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const end = client.$disconnect.bind(client);
  return Object.assign(client, {
    $pool: pool,
    $connection: connection,
    $timeouts: timeouts,
    async $disconnect() {
      await end();
      await pool.end().catch(() => undefined);
    },
  }) as Db;
}

/** A transaction client: the Prisma client inside `$transaction`. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Runs `fn` in a pg transaction on the shared pool, rolling back on any error. */
export async function withPgTx<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient, first: pg.QueryResult | undefined) => Promise<T>,
  /**
   * A statement without parameters to send with BEGIN in one round trip (a simple-protocol query of two
   * statements); its result is fn's second argument.
   */
  first?: string,
): Promise<T> {
  return (await pgTx(pool, fn, first, undefined)).out;
}

/**
 * `withPgTx`, with a statement without parameters sent with COMMIT in one round trip. It runs after the commit,
 * outside the transaction (as a read on another connection after the commit would), and only if the commit
 * succeeded; resolves to fn's result and that statement's.
 */
export async function withPgTxThen<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient, first: pg.QueryResult | undefined) => Promise<T>,
  then: string,
  first?: string,
): Promise<{ out: T; then: pg.QueryResult }> {
  const r = await pgTx(pool, fn, first, then);
  return { out: r.out, then: r.then! };
}

async function pgTx<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient, first: pg.QueryResult | undefined) => Promise<T>,
  first: string | undefined,
  then: string | undefined,
): Promise<{ out: T; then?: pg.QueryResult }> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    let firstResult: pg.QueryResult | undefined;
    if (first === undefined) await c.query('BEGIN');
    else firstResult = ((await c.query(`BEGIN; ${first}`)) as unknown as pg.QueryResult[])[1];
    const out = await fn(c, firstResult);
    if (then === undefined) {
      await c.query('COMMIT');
      return { out };
    }
    const [, after] = (await c.query(`COMMIT; ${then}`)) as unknown as pg.QueryResult[];
    return { out, then: after! };
  } catch (e) {
    // A connection that timed out or lost its server is dropped, not rolled back: a ROLLBACK would queue
    // behind the unanswered query and wait out another timeout. After a COMMIT sent with a statement that then
    // failed, the ROLLBACK finds no transaction open (a warning) and the error is the statement's, as a read
    // after the commit would have failed.
    if (isConnectionLost(e)) broken = e as Error;
    else await c.query('ROLLBACK').catch((r: Error) => (broken = r));
    throw e;
  } finally {
    c.release(broken);
  }
}
