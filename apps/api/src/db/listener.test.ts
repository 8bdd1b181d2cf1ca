import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezableProxy } from '../test-support/freezable-proxy.js';
import { freshDatabase } from '../test-support/harness.js';
import { connectionConfig, DEFAULT_DB_TIMEOUTS, type Db } from './client.js';
import { backoffDelay, createPgListener, type PgListener } from './listener.js';

const log = pino({ level: 'silent' });
let url: string;
let db: Db;

beforeAll(async () => {
  ({ url, db } = await freshDatabase());
});
afterAll(() => db?.$disconnect());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Kills the server side of every LISTEN connection on `channel`, as a database restart does. */
async function terminateListeners(channel: string): Promise<number> {
  const r = await db.$pool.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND query = $1`,
    [`LISTEN "${channel}"`],
  );
  return r.rows[0]!.n;
}

describe('backoffDelay', () => {
  it('doubles up to the ceiling, with jitter between half and all of it', () => {
    const low = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1_000, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1_000, () => 0.999999));
    expect(low).toEqual([50, 100, 200, 400, 500, 500, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    // A huge attempt count neither overflows nor exceeds the ceiling.
    expect(backoffDelay(10_000, 100, 1_000, () => 0.5)).toBe(750);
  });
});

describe('resilient LISTEN client', () => {
  it('reconnects after its connection is killed, LISTENs again and asks for a resync', async () => {
    const heard: string[] = [];
    const resyncs: Date[] = [];
    const listener: PgListener = createPgListener({
      connection: connectionConfig(url, DEFAULT_DB_TIMEOUTS),
      channels: ['unit_reconnect'],
      log,
      heartbeatMs: 60_000, // this case is about the error/end path
      backoff: { initialMs: 20, maxMs: 200 },
      onNotification: (n) => heard.push(n.payload ?? ''),
      onReconnect: ({ downSince }) => void resyncs.push(downSince),
    });
    await listener.start();
    try {
      await db.$pool.query(`SELECT pg_notify('unit_reconnect', 'before')`);
      await until('first notification', () => heard.includes('before'));

      const startedAt = Date.now();
      expect(await terminateListeners('unit_reconnect')).toBe(1);
      await until('reconnected', () => listener.reconnects === 1);
      expect(resyncs).toHaveLength(1);
      expect(resyncs[0]!.getTime()).toBeLessThanOrEqual(startedAt);
      expect(listener.connected).toBe(true);

      await db.$pool.query(`SELECT pg_notify('unit_reconnect', 'after')`);
      await until('notification after the reconnect', () => heard.includes('after'));
    } finally {
      await listener.stop();
    }
    expect(listener.connected).toBe(false);
  });

  it('backs off while the server refuses, and retries a reconnect whose resync failed', async () => {
    // A port nobody listens on stands in for a stopped server; after a few refusals it "comes back".
    const delays: number[] = [];
    let attempts = 0;
    let resyncCalls = 0;
    let lastAttemptAt = 0;
    const real = connectionConfig(url, DEFAULT_DB_TIMEOUTS);
    const listener = createPgListener({
      connection: real,
      channels: ['unit_backoff'],
      log,
      heartbeatMs: 60_000,
      backoff: { initialMs: 40, maxMs: 400 },
      random: () => 0,
      createClient: (config) => {
        attempts++;
        const now = Date.now();
        if (lastAttemptAt) delays.push(now - lastAttemptAt);
        lastAttemptAt = now;
        // The first connection (start) and the attempts from the 6th on reach the server; 2–5 are refused.
        const refused = attempts >= 2 && attempts <= 5;
        return new pg.Client(
          refused ? { ...config, connectionString: 'postgresql://x:y@127.0.0.1:1/none' } : config,
        );
      },
      onReconnect: () => {
        resyncCalls++;
        if (resyncCalls === 1) throw new Error('resync failed');
      },
      onNotification: () => undefined,
    });
    await listener.start();
    try {
      await terminateListeners('unit_backoff');
      await until('reconnected after refusals and a failed resync', () => listener.reconnects === 1);
    } finally {
      await listener.stop();
    }
    // Attempts 2–5 refused, 6 connected but its resync failed (dropped), 7 connected and resynced.
    expect(attempts).toBe(7);
    expect(resyncCalls).toBe(2);
    // Jitter pinned at 0: each wait is half its ceiling, doubling from 20 ms up to the 200 ms cap; the failed
    // resync counts as one more failed attempt, so the wait before the 7th attempt stays at the cap.
    const waits = delays.slice(1); // the first delay spans the healthy period before the kill
    const expected = [40, 80, 160, 200, 200];
    expect(waits).toHaveLength(expected.length);
    waits.forEach((w, i) => expect(w).toBeGreaterThanOrEqual(expected[i]! - 5));
  });

  it('notices a server that stops answering (heartbeat deadline) and reconnects', async () => {
    const proxy = await freezableProxy(url);
    let resynced = 0;
    const listener = createPgListener({
      connection: connectionConfig(proxy.url, { ...DEFAULT_DB_TIMEOUTS, connectMs: 500 }),
      channels: ['unit_frozen'],
      log,
      heartbeatMs: 100,
      heartbeatTimeoutMs: 300,
      backoff: { initialMs: 20, maxMs: 200 },
      onNotification: () => undefined,
      onReconnect: () => void resynced++,
    });
    await listener.start();
    try {
      proxy.frozen = true;
      await until('connection given up', () => !listener.connected, 5_000);
      await sleep(600); // reconnects time out against the frozen proxy meanwhile
      expect(listener.connected).toBe(false);
      proxy.frozen = false;
      await until('reconnected', () => listener.reconnects === 1, 10_000);
      expect(resynced).toBe(1);
    } finally {
      await listener.stop();
      proxy.close();
    }
  });
});
