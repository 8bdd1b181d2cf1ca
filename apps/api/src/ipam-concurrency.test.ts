import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EpicApp } from './app.js';
import { createDb, type Db } from './db/client.js';
import { parseAddress } from './lib/ip.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

// Two API instances, each with its own connection pool, on one database: what two replicas are.
let env: TestEnv;
let second: { app: EpicApp; db: Db };

beforeAll(async () => {
  env = await testEnv();
  const db = createDb(env.url);
  second = { app: await buildApp({ db, logger: false, secretKey: randomBytes(32) }), db };
  await second.app.ready();
});
afterAll(async () => {
  await second?.app.close();
  await second?.db.$disconnect();
  await env?.close();
});

const listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];

async function setup(
  account: string,
  quota: number,
  spec: string,
  poolOptions: Record<string, unknown> = {},
) {
  const acct = await createAccount(env, account, quota);
  const pool = await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(acct.key),
    payload: { name: 'pub', spec, ...poolOptions },
  });
  expect(pool.statusCode, pool.body).toBe(201);
  const tpl = await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(acct.key),
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.{account}.example.com' },
  });
  expect(tpl.statusCode, tpl.body).toBe(201);
  return acct;
}

function createMany(key: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      (i % 2 === 0 ? env.app : second.app).inject({
        method: 'POST',
        url: '/api/v1/gateways',
        headers: auth(key),
        payload: { name: `gw-${i}`, template: 'gw', listeners },
      }),
    ),
  );
}

describe('IPAM under concurrency', () => {
  it('200 concurrent creates through two instances: unique addresses and the quota respected exactly', async () => {
    const acct = await setup('busy', 150, '10.20.0.0/24');
    const results = await createMany(acct.key, 200);
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(150);
    expect(codes.filter((c) => c === 403)).toHaveLength(50);
    for (const r of results.filter((r) => r.statusCode === 403)) expect(r.json().message).toMatch(/quota/);

    const rows = await env.db.addressAllocation.findMany({ where: { accountId: acct.id } });
    expect(rows).toHaveLength(150);
    expect(new Set(rows.map((r) => r.address)).size).toBe(150);
    // lowest-first: exactly the first 150 addresses of the pool after its network address (skipped)
    const offsets = rows
      .map((r) => Number(parseAddress(r.address)!.value - parseAddress('10.20.0.0')!.value))
      .sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(await env.db.gateway.count({ where: { accountId: acct.id } })).toBe(150);
  });

  it('an exhausted pool answers 409 naming the pool and writes nothing', async () => {
    // every address of the /30 is handed out: network and broadcast too
    const acct = await setup('small', 100, '10.30.0.0/30', { skipNetworkAndBroadcast: false });
    const results = await createMany(acct.key, 10);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(4);
    const refused = results.filter((r) => r.statusCode !== 201);
    expect(refused).toHaveLength(6);
    for (const r of refused) {
      expect(r.statusCode).toBe(409);
      expect(r.json().message).toMatch(/address pool "pub" is exhausted/);
    }
    expect(await env.db.gateway.count({ where: { accountId: acct.id } })).toBe(4);
    expect(await env.db.gatewayClient.count({ where: { accountId: acct.id } })).toBe(4);
    expect(await env.db.addressAllocation.count({ where: { accountId: acct.id } })).toBe(4);
    expect(await env.db.reconcileRequest.count()).toBeGreaterThanOrEqual(4);
  });

  it('IPv6 pools allocate the same way', async () => {
    const acct = await setup('six', 10, '2001:db8:0:1::/126');
    const results = await createMany(acct.key, 5);
    const addrs = results
      .filter((r) => r.statusCode === 201)
      .map((r) => r.json().address)
      .sort();
    expect(addrs).toEqual(['2001:db8:0:1::', '2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1::3']);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(1);
  });

  it('reuses released addresses lowest first, then continues after the highest', async () => {
    const acct = await setup('holes', 100, '10.70.0.0/29', { skipNetworkAndBroadcast: false });
    const made = [];
    for (let i = 0; i < 6; i++) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/gateways',
        headers: auth(acct.key),
        payload: { name: `h${i}`, template: 'gw', listeners },
      });
      made.push(r.json() as { id: string; address: string });
    }
    expect(made.map((g) => g.address)).toEqual([
      '10.70.0.0',
      '10.70.0.1',
      '10.70.0.2',
      '10.70.0.3',
      '10.70.0.4',
      '10.70.0.5',
    ]);
    for (const i of [3, 1]) {
      expect(
        (
          await env.app.inject({
            method: 'DELETE',
            url: `/api/v1/gateways/${made[i]!.id}`,
            headers: auth(acct.key),
          })
        ).statusCode,
      ).toBe(204);
    }
    const next = [];
    for (let i = 0; i < 4; i++) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/v1/gateways',
        headers: auth(acct.key),
        payload: { name: `n${i}`, template: 'gw', listeners },
      });
      next.push(r.statusCode === 201 ? (r.json() as { address: string }).address : r.statusCode);
    }
    expect(next).toEqual(['10.70.0.1', '10.70.0.3', '10.70.0.6', '10.70.0.7']);
    const pool = await env.db.addressPool.findFirstOrThrow({ where: { accountId: acct.id } });
    expect(pool.allocated).toBe(8);
    const full = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(acct.key),
      payload: { name: 'full', template: 'gw', listeners },
    });
    expect(full.statusCode).toBe(409);
    expect((await env.db.account.findUniqueOrThrow({ where: { id: acct.id } })).gatewayCount).toBe(8);
  });
});
