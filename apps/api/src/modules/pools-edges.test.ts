import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTrail,
  createAccount,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// Address pools through REST against a real database, each test with its own account (and its own
// address space, so that no test depends on another's rows): the field and reason of every refusal, the
// size and reserved-block limits at their edges, name and overlap conflicts, the audit trail and ordering.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `pool-edges-${++n}`);
const pool = (key: string, payload: Record<string, unknown>) => call('POST', '/address-pools', key, payload);

describe('address pool refusals name the field and the reason', () => {
  it('a spec that is neither a CIDR nor a range is refused on spec, with what is expected', async () => {
    const { key } = await account();
    const r = await pool(key, { name: 'p', spec: 'nope' });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      { path: 'spec', message: 'expected a CIDR ("192.0.2.0/24") or a range ("192.0.2.10-192.0.2.20")' },
    ]);
    const backwards = await pool(key, { name: 'p', spec: '198.18.1.20-198.18.1.10' });
    expect(backwards.body.issues).toEqual([{ path: 'spec', message: 'range end is lower than range start' }]);
  });

  it('aggregation may be the family width, not more', async () => {
    const { key } = await account();
    const over = await pool(key, { name: 'v4', spec: '198.18.2.0/28', aggregation: 33 });
    expect(over.status).toBe(400);
    expect(over.body.issues).toEqual([{ path: 'aggregation', message: 'must be at most 32 for ipv4' }]);
    const over6 = await pool(key, { name: 'v6', spec: '2001:db8:2::/120', aggregation: 129 });
    expect(over6.status).toBe(400);
    expect(new Set(over6.body.issues.map((i: { path: string }) => i.path))).toEqual(new Set(['aggregation']));
    expect(over6.body.issues.map((i: { message: string }) => i.message)).toContain(
      'must be at most 128 for ipv6',
    );
    const edge = await pool(key, { name: 'v4', spec: '198.18.2.0/28', aggregation: 32 });
    expect(edge.status, edge.raw).toBe(201);
    expect(edge.body.aggregation).toBe(32);
    const edge6 = await pool(key, { name: 'v6', spec: '2001:db8:2::/120', aggregation: 128 });
    expect(edge6.status, edge6.raw).toBe(201);
  });

  it("an account's pool may be a /16 (IPv4) or a /64 (IPv6), not larger; the answer says why", async () => {
    const { key } = await account();
    const big = await pool(key, { name: 'big', spec: '100.64.0.0/15' });
    expect(big.status).toBe(400);
    expect(big.body.issues).toEqual([
      {
        path: 'spec',
        message:
          "100.64.0.0/15 is larger than an account's pool may be (at most 65536 addresses, a /16); larger pools are global pools, created by platform operators",
      },
    ]);
    // A range one address over the limit is refused too; one of exactly the limit is not.
    const overByOne = await pool(key, { name: 'r', spec: '100.64.0.0-100.65.0.0' });
    expect(overByOne.status).toBe(400);
    expect(overByOne.body.issues[0].path).toBe('spec');
    const edge = await pool(key, { name: 'edge', spec: '100.64.0.0/16' });
    expect(edge.status, edge.raw).toBe(201);
    expect(edge.body.size).toBe('65536');
    const big6 = await pool(key, { name: 'big6', spec: '2001:db8:3::/63' });
    expect(big6.status).toBe(400);
    expect(big6.body.issues[0].message).toMatch(/^2001:db8:3::\/63 is larger .* a \/64\)/);
    const edge6 = await pool(key, { name: 'edge6', spec: '2001:db8:3::/64' });
    expect(edge6.status, edge6.raw).toBe(201);
  });

  it('the size limit holds for accounts only: a platform operator creates a larger global pool', async () => {
    const r = await pool(env.adminKey, { name: 'wide', spec: '100.80.0.0/15', global: true });
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({ name: 'wide', global: true, size: '131072' });
    const { key } = await account();
    const tenantGlobal = await pool(key, { name: 'g', spec: '100.90.0.0/24', global: true });
    expect(tenantGlobal.status).toBe(403);
  });

  it('a reserved block is refused for accounts, naming the block', async () => {
    const { key } = await account();
    const loop = await pool(key, { name: 'lo', spec: '127.0.0.0/24' });
    expect(loop.status).toBe(400);
    expect(loop.body.issues).toEqual([
      {
        path: 'spec',
        message: '127.0.0.0/24 is in loopback (127.0.0.0/8); only platform operators may create pools there',
      },
    ]);
  });
});

describe('address pool conflicts', () => {
  it('a second pool of the same name in one account is refused by name, even on another spec', async () => {
    const { key } = await account();
    expect((await pool(key, { name: 'dup', spec: '198.18.10.0/28' })).status).toBe(201);
    const again = await pool(key, { name: 'dup', spec: '198.18.11.0/28' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('name: address pool "dup" already exists');
    // Another account may use the name.
    const other = await account();
    expect((await pool(other.key, { name: 'dup', spec: '198.18.12.0/28' })).status).toBe(201);
  });

  it("an overlap names the account's own pool, never another account's", async () => {
    const a = await account();
    const b = await account();
    expect((await pool(a.key, { name: 'mine', spec: '198.18.20.0/28' })).status).toBe(201);
    const own = await pool(a.key, { name: 'again', spec: '198.18.20.8/29' });
    expect(own.status).toBe(409);
    expect(own.body.message).toBe('spec: 198.18.20.8/29 overlaps an existing address pool "mine"');
    const foreign = await pool(b.key, { name: 'theirs', spec: '198.18.20.0-198.18.20.3' });
    expect(foreign.status).toBe(409);
    expect(foreign.body.message).toBe('spec: 198.18.20.0-198.18.20.3 overlaps an existing address pool');
    // Adjacent is not overlapping.
    expect((await pool(b.key, { name: 'next', spec: '198.18.20.16/28' })).status).toBe(201);
  });
});

describe('address pool reads, deletes and the audit trail', () => {
  it('lists by name; get and delete refuse a malformed id on id and an unknown one as not found', async () => {
    const { key } = await account();
    for (const [name, spec] of [
      ['charlie', '198.18.30.0/29'],
      ['alpha', '198.18.30.8/29'],
      ['bravo', '198.18.30.16/29'],
    ])
      expect((await pool(key, { name, spec })).status).toBe(201);
    const list = await call('GET', '/address-pools', key);
    const mine = list.body.items
      .filter((p: { global: boolean }) => !p.global)
      .map((p: { name: string }) => p.name);
    expect(mine).toEqual(['alpha', 'bravo', 'charlie']);

    for (const method of ['GET', 'DELETE'] as const) {
      const bad = await call(method, '/address-pools/not-a-uuid', key);
      expect(bad.status).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
      const missing = await call(method, '/address-pools/00000000-0000-4000-8000-000000000000', key);
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/address pool/);
    }
  });

  it('create and delete are audited with what was asked', async () => {
    const { key } = await account();
    const c = await pool(key, { name: 'audited', spec: '198.18.40.0/29', skipNetworkAndBroadcast: false });
    expect(c.status, c.raw).toBe(201);
    expect((await call('DELETE', `/address-pools/${c.body.id}`, key)).status).toBe(204);
    expect(await auditTrail(env, key, 'AddressPool')).toEqual([
      [
        'pool.create',
        c.body.id,
        { name: 'audited', spec: '198.18.40.0/29', global: false, skipNetworkAndBroadcast: false },
      ],
      ['pool.delete', c.body.id, { name: 'audited' }],
    ]);
  });
});
