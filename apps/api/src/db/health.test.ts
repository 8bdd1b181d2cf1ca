import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freezableProxy, type FreezableProxy } from '../test-support/freezable-proxy.js';
import { freshDatabase } from '../test-support/harness.js';
import { connectionConfig, DEFAULT_DB_TIMEOUTS, type Db } from './client.js';
import { createDbHealth, type DbHealth } from './health.js';

let db: Db;
let proxy: FreezableProxy;
let health: DbHealth;

beforeAll(async () => {
  const fresh = await freshDatabase();
  db = fresh.db;
  proxy = await freezableProxy(fresh.url);
  health = createDbHealth({
    connection: connectionConfig(proxy.url, DEFAULT_DB_TIMEOUTS),
    intervalMs: 100,
    timeoutMs: 500,
  });
});
afterAll(async () => {
  await health?.stop();
  proxy?.close();
  await db?.$disconnect();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('database health', () => {
  it('answers a probe within its deadline, false while the server is frozen, true again after', async () => {
    expect(await health.probe()).toBe(true);
    proxy.frozen = true;
    try {
      const started = Date.now();
      expect(await health.probe()).toBe(false);
      // The deadline is 500 ms; the bound leaves room for a loaded machine, far below a hang.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(health.available).toBe(false);
    } finally {
      proxy.frozen = false;
    }
    expect(await health.probe()).toBe(true);
    expect(health.available).toBe(true);
  });

  it('does not report an outage when only its own connection was killed', async () => {
    expect(await health.probe()).toBe(true);
    const killed = await db.$pool.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'SELECT 1'`,
    );
    expect(killed.rows[0]!.n).toBeGreaterThan(0);
    expect(await health.probe()).toBe(true);
  });

  it('keeps probing in the background once started', async () => {
    health.start();
    proxy.frozen = true;
    try {
      const deadline = Date.now() + 5_000;
      while (health.available && Date.now() < deadline) await sleep(20);
      expect(health.available).toBe(false);
    } finally {
      proxy.frozen = false;
    }
    const deadline = Date.now() + 5_000;
    while (!health.available && Date.now() < deadline) await sleep(20);
    expect(health.available).toBe(true);
    await health.stop();
  });
});
