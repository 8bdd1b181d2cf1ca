import pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from './client.js';

/**
 * A LISTEN connection that survives its server. pg.Client stays dead once its connection drops (a restart,
 * a failover) and never notices a server that stopped answering (SIGSTOP, a stalled host): this one watches
 * for both — `error`/`end` events and a `SELECT 1` heartbeat with a deadline — and reconnects with
 * exponential backoff and jitter, LISTENs again, then calls `onReconnect`. Notifications sent while it was
 * away are lost, so `onReconnect` is where each user resynchronises from the database (level-triggered).
 */
export interface PgListenerOptions {
  /** Connection settings (e.g. `db.$connection`, with its connect timeout and keepalive). */
  connection: pg.ClientConfig;
  channels: string[];
  log: Logger;
  onNotification: (n: pg.Notification) => void;
  /**
   * After a lost connection is back and LISTENing again. `downSince` is when the previous connection was last
   * known to work. A rejection counts as a failed reconnect: the listener drops the connection and tries again.
   */
  onReconnect?: (info: { downSince: Date }) => Promise<void> | void;
  /** Heartbeat period; a heartbeat unanswered for `heartbeatTimeoutMs` (default: the connect timeout) kills the connection. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** Reconnect delays: attempt n waits between half and all of min(maxMs, initialMs·2ⁿ). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Source of jitter in [0, 1) (tests pin it). */
  random?: () => number;
  /** Creates the client (tests wrap it to count or break connections). */
  createClient?: (config: pg.ClientConfig) => pg.Client;
}

export interface PgListener {
  /** Connects and LISTENs; rejects when the first connection fails (start-up should stop, loudly). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether a connection is up and LISTENing. */
  readonly connected: boolean;
  /** Completed reconnects since start (for metrics and tests). */
  readonly reconnects: number;
}

/** Delay before reconnect attempt `attempt` (0-based): equal jitter over an exponential ceiling. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Ends a client without waiting on a server that may never answer the goodbye. */
function discard(client: pg.Client): void {
  client.removeAllListeners('notification');
  client.on('error', () => undefined);
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  client.end().catch(() => undefined);
  stream?.destroy();
}

export function createPgListener(opts: PgListenerOptions): PgListener {
  const { log } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? opts.connection.connectionTimeoutMillis ?? 2_000;
  const initialMs = opts.backoff?.initialMs ?? 100;
  const maxMs = opts.backoff?.maxMs ?? 5_000;
  const random = opts.random ?? Math.random;
  const newClient = opts.createClient ?? ((c: pg.ClientConfig) => new pg.Client(c));

  let stopped = false;
  let client: pg.Client | undefined;
  let reconnects = 0;
  let loop: Promise<void> | undefined;
  /** Wakes the loop early (stop). */
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** Connects and LISTENs on every channel, each step bounded. */
  async function open(): Promise<pg.Client> {
    const c = newClient({ ...opts.connection });
    c.on('error', () => undefined); // reported through `lost` below
    c.on('notification', (n) => {
      try {
        opts.onNotification(n);
      } catch (err) {
        log.error({ err, channel: n.channel }, 'notification handler failed');
      }
    });
    try {
      await c.connect();
      for (const ch of opts.channels) await withDeadline(c.query(`LISTEN ${pg.escapeIdentifier(ch)}`));
      return c;
    } catch (err) {
      discard(c);
      throw err;
    }
  }

  function withDeadline<T>(p: Promise<T>): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`PostgreSQL did not answer within ${heartbeatTimeoutMs} ms`)),
        heartbeatTimeoutMs,
      );
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(t));
  }

  /** Resolves with the reason once `c` is dead: an error, its end, or an unanswered heartbeat. */
  function lost(c: pg.Client): { dead: Promise<unknown>; lastAlive: () => Date } {
    let alive = new Date();
    let timer: NodeJS.Timeout | undefined;
    const dead = new Promise<unknown>((resolve) => {
      c.on('error', resolve);
      c.on('end', () => resolve(new Error('connection ended')));
      const beat = () => {
        if (stopped) return resolve(undefined);
        withDeadline(c.query('SELECT 1')).then(() => {
          alive = new Date();
          timer = setTimeout(beat, heartbeatMs);
        }, resolve);
      };
      timer = setTimeout(beat, heartbeatMs);
      wake = () => resolve(undefined);
    }).finally(() => clearTimeout(timer));
    return { dead, lastAlive: () => alive };
  }

  async function run(first: pg.Client): Promise<void> {
    let current: pg.Client | undefined = first;
    let downSince = new Date();
    let attempt = 0;
    while (!stopped) {
      if (current) {
        const watch = lost(current);
        const reason = await watch.dead;
        downSince = watch.lastAlive();
        client = undefined;
        discard(current);
        current = undefined;
        if (stopped) break;
        log.warn({ err: reason, channels: opts.channels }, 'LISTEN connection lost; reconnecting');
      }
      await sleep(backoffDelay(attempt++, initialMs, maxMs, random));
      if (stopped) break;
      let next: pg.Client;
      try {
        next = await open();
      } catch (err) {
        log.debug({ err, attempt }, 'LISTEN reconnect failed');
        continue;
      }
      if (stopped) {
        discard(next);
        break;
      }
      try {
        client = next;
        await opts.onReconnect?.({ downSince });
      } catch (err) {
        log.warn({ err, channels: opts.channels }, 'resync after reconnect failed; reconnecting');
        client = undefined;
        discard(next);
        continue;
      }
      attempt = 0;
      reconnects++;
      current = next;
      log.info({ channels: opts.channels, downSince }, 'LISTEN connection restored');
    }
  }

  return {
    get connected() {
      return client !== undefined;
    },
    get reconnects() {
      return reconnects;
    },
    async start() {
      stopped = false;
      const first = await open();
      client = first;
      loop = run(first);
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      if (client) discard(client);
      client = undefined;
    },
  };
}

/** The connection, heartbeat and backoff settings of `db` for a listener on `url`. */
export function listenerSettings(
  db: Pick<Db, '$connection' | '$timeouts'>,
  url: string,
): Pick<PgListenerOptions, 'connection' | 'heartbeatMs' | 'backoff'> {
  return {
    connection: { ...db.$connection, connectionString: url },
    heartbeatMs: db.$timeouts.heartbeatMs,
    backoff: { maxMs: db.$timeouts.reconnectMaxMs },
  };
}
