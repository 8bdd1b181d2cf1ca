import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Whether the database answers, known within a bound: a dedicated connection (not the pool, which load can
 * exhaust) runs `SELECT 1` every `intervalMs` with a deadline of `timeoutMs`. One failed probe marks the
 * database unavailable: `/readyz` answers false and API requests are refused with 503 at once instead of
 * queueing on connections that will not answer; one answered probe marks it available again.
 */
export interface DbHealth {
  readonly available: boolean;
  /** Probes now (sharing a probe already in flight); resolves within the probe deadline. */
  probe(): Promise<boolean>;
  start(): void;
  stop(): Promise<void>;
}

export interface DbHealthOptions {
  connection: pg.ClientConfig;
  intervalMs?: number;
  timeoutMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export function createDbHealth(opts: DbHealthOptions): DbHealth {
  const intervalMs = opts.intervalMs ?? 250;
  const timeoutMs = opts.timeoutMs ?? 1_250;
  let available = true;
  let client: pg.Client | undefined;
  let inFlight: Promise<boolean> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  /** Ends `c` (default: the current connection) without waiting on a server that may not answer. */
  function drop(c: pg.Client | undefined = client) {
    if (!c) return;
    if (client === c) client = undefined;
    c.on('error', () => undefined);
    const stream = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    c.end().catch(() => undefined);
    stream?.destroy();
  }

  async function fresh(): Promise<pg.Client> {
    const c = new pg.Client({ ...opts.connection, connectionTimeoutMillis: timeoutMs });
    c.on('error', () => drop(c));
    client = c;
    await c.connect();
    return c;
  }

  async function once(): Promise<void> {
    const kept = client;
    if (kept) {
      try {
        await kept.query('SELECT 1');
        return;
      } catch {
        // This connection died (killed backend, restart): only a fresh one can tell whether the server did.
        drop(kept);
      }
    }
    await (await fresh()).query('SELECT 1');
  }

  function setAvailable(now: boolean, err?: unknown) {
    if (now === available) return;
    available = now;
    if (now) opts.log?.info('database available again');
    else opts.log?.warn({ err }, 'database unavailable');
  }

  function probe(): Promise<boolean> {
    inFlight ??= (async () => {
      let t: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          once(),
          new Promise<never>((_, reject) => {
            t = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        setAvailable(true);
      } catch (err) {
        drop();
        setAvailable(false, err);
      } finally {
        clearTimeout(t);
        inFlight = undefined;
      }
      return available;
    })();
    return inFlight;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => void probe().finally(schedule), intervalMs);
    timer.unref();
  }

  return {
    get available() {
      return available;
    },
    probe,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      drop();
    },
  };
}
