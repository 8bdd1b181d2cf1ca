import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from './http/routes.js';
import { createReconciler } from './reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';
import { snapshotDb } from './test-support/snapshot.js';
import { testCertA, testCertB } from './test-support/tls-fixture.js';

// Every REST route of /api/v1 through app.inject, against a real database.
let env: TestEnv;
let acct: { id: string; key: string };

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
async function call(method: Method, url: string, key: string | undefined, payload?: unknown) {
  const r = await env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: key ? auth(key) : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  return { status: r.statusCode, body: r.body ? (safeJson(r.body) as Record<string, any>) : {}, raw: r };
}
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const http80 = [{ name: 'http', port: 80, protocol: 'HTTP' }];

beforeAll(async () => {
  env = await testEnv();
  acct = await createAccount(env, 'acme');
});
afterAll(() => env?.close());

describe('accounts', () => {
  it('a platform operator creates an account and sees its owner key exactly once', async () => {
    const r = await call('POST', '/accounts', env.adminKey, {
      name: 'beta',
      displayName: 'Beta Inc',
      gatewayQuota: 5,
    });
    expect(r.status, r.raw.body).toBe(201);
    expect(r.body.account).toMatchObject({
      name: 'beta',
      displayName: 'Beta Inc',
      gatewayQuota: 5,
      system: false,
    });
    expect(r.body.apiKey.role).toBe('owner');
    expect(r.body.apiKey.secret).toMatch(/^epic_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    const who = await call('GET', '/whoami', r.body.apiKey.secret);
    expect(who.body).toMatchObject({ accountId: r.body.account.id, role: 'owner', system: false });
    const keys = await call('GET', '/api-keys', r.body.apiKey.secret);
    expect(keys.body.items).toHaveLength(1);
    expect(keys.body.items[0]).not.toHaveProperty('secret');
    expect(keys.body.items[0]).not.toHaveProperty('hash');
  });

  it('a duplicate account name is a 409', async () => {
    const r = await call('POST', '/accounts', env.adminKey, { name: 'acme' });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/acme/);
  });

  it('a tenant cannot create accounts (403)', async () => {
    const r = await call('POST', '/accounts', acct.key, { name: 'sneaky' });
    expect(r.status).toBe(403);
  });

  it('lists every account for the operators and only its own for a tenant', async () => {
    const all = await call('GET', '/accounts', env.adminKey);
    expect(all.body.items.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['acme', 'epic-system']),
    );
    const own = await call('GET', '/accounts', acct.key);
    expect(own.body.items.map((a: { id: string }) => a.id)).toEqual([acct.id]);
  });

  it('gets an account by id', async () => {
    const r = await call('GET', `/accounts/${acct.id}`, acct.key);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: acct.id, name: 'acme' });
  });

  it('the owner patches the display name; only operators change the quota', async () => {
    const r = await call('PATCH', `/accounts/${acct.id}`, acct.key, { displayName: 'ACME Corp' });
    expect(r.status, r.raw.body).toBe(200);
    expect(r.body.displayName).toBe('ACME Corp');
    const q = await call('PATCH', `/accounts/${acct.id}`, acct.key, { gatewayQuota: 1000 });
    expect(q.status).toBe(403);
    const op = await call('PATCH', `/accounts/${acct.id}`, env.adminKey, { gatewayQuota: 120 });
    expect(op.status).toBe(200);
    expect(op.body.gatewayQuota).toBe(120);
  });

  it('adds, lists, re-roles and removes memberships', async () => {
    const add = await call('POST', `/accounts/${acct.id}/memberships`, acct.key, {
      login: 'octocat',
      role: 'viewer',
    });
    expect(add.status, add.raw.body).toBe(201);
    expect(add.body).toMatchObject({ role: 'viewer', user: { login: 'octocat' } });
    const again = await call('POST', `/accounts/${acct.id}/memberships`, acct.key, {
      login: 'octocat',
      role: 'admin',
    });
    expect(again.body).toMatchObject({ id: add.body.id, role: 'admin' });
    const list = await call('GET', `/accounts/${acct.id}/memberships`, acct.key);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: add.body.id,
        role: 'admin',
        user: expect.objectContaining({ login: 'octocat' }),
      }),
    ]);
    const del = await call('DELETE', `/accounts/${acct.id}/memberships/${add.body.id}`, acct.key);
    expect(del.status).toBe(204);
    expect((await call('GET', `/accounts/${acct.id}/memberships`, acct.key)).body.items).toEqual([]);
    expect((await call('DELETE', `/accounts/${acct.id}/memberships/${add.body.id}`, acct.key)).status).toBe(
      404,
    );
  });
});

describe('api-keys', () => {
  it('create shows the secret once, list never shows it, revoke makes the key stop working', async () => {
    const c = await call('POST', '/api-keys', acct.key, { name: 'ci', role: 'viewer' });
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body.secret).toMatch(/^epic_/);
    expect(c.body.secret.startsWith(`epic_${c.body.prefix}_`)).toBe(true);
    const list = await call('GET', '/api-keys', acct.key);
    const listed = list.body.items.find((k: { id: string }) => k.id === c.body.id);
    expect(listed).toMatchObject({ name: 'ci', role: 'viewer', revokedAt: null });
    expect(JSON.stringify(list.body)).not.toContain(c.body.secret.slice('epic_'.length + 13));
    expect((await call('GET', '/whoami', c.body.secret)).body.role).toBe('viewer');

    const rev = await call('DELETE', `/api-keys/${c.body.id}`, acct.key);
    expect(rev.status).toBe(200);
    expect(rev.body.revokedAt).not.toBeNull();
    const after = await call('GET', '/whoami', c.body.secret);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('Unauthorized');
  });

  it('a key cannot create a key above its own role', async () => {
    const admin = await call('POST', '/api-keys', acct.key, { name: 'admin', role: 'admin' });
    const r = await call('POST', '/api-keys', admin.body.secret, { name: 'escalate', role: 'owner' });
    expect(r.status).toBe(400);
    expect(r.body.issues[0].path).toBe('role');
    const viewer = await call('POST', '/api-keys', acct.key, { name: 'viewer', role: 'viewer' });
    expect((await call('POST', '/api-keys', viewer.body.secret, { name: 'v2', role: 'viewer' })).status).toBe(
      403,
    );
  });

  it('revoking an unknown key is a 404', async () => {
    expect((await call('DELETE', '/api-keys/00000000-0000-4000-8000-000000000000', acct.key)).status).toBe(
      404,
    );
  });
});

describe('clusters', () => {
  it('registers, lists, gets and removes a workload cluster', async () => {
    const c = await call('POST', '/clusters', acct.key, { name: 'prod-eu', description: 'EU' });
    expect(c.status, c.raw.body).toBe(201);
    expect((await call('POST', '/clusters', acct.key, { name: 'prod-eu' })).status).toBe(409);
    expect(
      (await call('GET', '/clusters', acct.key)).body.items.map((x: { name: string }) => x.name),
    ).toContain('prod-eu');
    expect((await call('GET', `/clusters/${c.body.id}`, acct.key)).body).toMatchObject({
      name: 'prod-eu',
      description: 'EU',
    });
    expect((await call('DELETE', `/clusters/${c.body.id}`, acct.key)).status).toBe(204);
    expect((await call('GET', `/clusters/${c.body.id}`, acct.key)).status).toBe(404);
    expect((await call('DELETE', `/clusters/${c.body.id}`, acct.key)).status).toBe(404);
  });
});

describe('address-pools', () => {
  let pools: { acme: { id: string; key: string } };
  beforeAll(async () => {
    pools = { acme: await createAccount(env, 'pools') };
  });

  it('creates IPv4 CIDR, IPv4 range and IPv6 CIDR pools with their bounds and size', async () => {
    const k = pools.acme.key;
    const v4 = await call('POST', '/address-pools', k, { name: 'v4', spec: '10.1.0.0/24' });
    expect(v4.status, v4.raw.body).toBe(201);
    expect(v4.body).toMatchObject({
      family: 'ipv4',
      firstAddress: '10.1.0.0',
      lastAddress: '10.1.0.255',
      size: '256',
      aggregation: 32,
      global: false,
      allocated: 0,
    });
    const range = await call('POST', '/address-pools', k, { name: 'range', spec: '10.1.1.10-10.1.1.19' });
    expect(range.body).toMatchObject({
      family: 'ipv4',
      firstAddress: '10.1.1.10',
      lastAddress: '10.1.1.19',
      size: '10',
    });
    const v6 = await call('POST', '/address-pools', k, {
      name: 'v6',
      spec: '2001:db8:1::/120',
      aggregation: 64,
    });
    expect(v6.status, v6.raw.body).toBe(201);
    expect(v6.body).toMatchObject({
      family: 'ipv6',
      firstAddress: '2001:db8:1::',
      lastAddress: '2001:db8:1::ff',
      size: '256',
      aggregation: 64,
    });
    const list = await call('GET', '/address-pools', k);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['v4', 'range', 'v6']),
    );
    expect((await call('GET', `/address-pools/${v6.body.id}`, k)).body.spec).toBe('2001:db8:1::/120');
  });

  it('refuses an overlapping pool with 409, across accounts too', async () => {
    const r = await call('POST', '/address-pools', pools.acme.key, {
      name: 'overlap',
      spec: '10.1.0.128/25',
    });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/overlaps/);
    const other = await call('POST', '/address-pools', acct.key, {
      name: 'mine',
      spec: '10.1.1.15-10.1.1.30',
    });
    expect(other.status).toBe(409);
    const v6 = await call('POST', '/address-pools', acct.key, { name: 'mine6', spec: '2001:db8:1::80/121' });
    expect(v6.status).toBe(409);
  });

  it('global pools are reserved to platform operators (403 for tenants)', async () => {
    const t = await call('POST', '/address-pools', pools.acme.key, {
      name: 'glob',
      spec: '10.9.0.0/24',
      global: true,
    });
    expect(t.status).toBe(403);
    const g = await call('POST', '/address-pools', env.adminKey, {
      name: 'glob',
      spec: '10.9.0.0/24',
      global: true,
    });
    expect(g.status, g.raw.body).toBe(201);
    expect(g.body.global).toBe(true);
    // every account sees the global pool, but cannot delete it
    const seen = await call('GET', `/address-pools/${g.body.id}`, pools.acme.key);
    expect(seen.body.global).toBe(true);
    expect((await call('DELETE', `/address-pools/${g.body.id}`, pools.acme.key)).status).toBe(403);
    expect((await call('DELETE', `/address-pools/${g.body.id}`, env.adminKey)).status).toBe(204);
  });

  it('counts allocations and refuses to delete a pool in use (409)', async () => {
    const k = pools.acme.key;
    const pool = await call('POST', '/address-pools', k, { name: 'used', spec: '10.1.2.0/30' });
    await call('POST', '/templates', k, {
      name: 'used',
      poolName: 'used',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const gw = await call('POST', '/gateways', k, { name: 'g1', template: 'used', listeners: http80 });
    expect(gw.status, gw.raw.body).toBe(201);
    expect((await call('GET', `/address-pools/${pool.body.id}`, k)).body.allocated).toBe(1);
    const listed = (await call('GET', '/address-pools', k)).body.items.find(
      (p: { id: string }) => p.id === pool.body.id,
    );
    expect(listed.allocated).toBe(1);
    const del = await call('DELETE', `/address-pools/${pool.body.id}`, k);
    expect(del.status).toBe(409);
    expect(del.body.message).toMatch(/used/);
    expect((await call('DELETE', `/gateways/${gw.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/address-pools/${pool.body.id}`, k)).body.allocated).toBe(0);
    expect((await call('DELETE', `/address-pools/${pool.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/address-pools/${pool.body.id}`, k)).status).toBe(404);
  });
});

describe('templates', () => {
  it('creates, gets, lists, updates and deletes a template', async () => {
    const c = await call('POST', '/templates', acct.key, {
      name: 'tpl-a',
      poolName: 'nowhere',
      dnsNameTemplate: '{gateway}.{namespace}.{account}.example.com',
      replicas: 2,
      allowSharing: true,
    });
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body).toMatchObject({ name: 'tpl-a', poolName: 'nowhere', replicas: 2, allowSharing: true });
    expect(
      (
        await call('POST', '/templates', acct.key, {
          name: 'tpl-a',
          poolName: 'x',
          dnsNameTemplate: '{gateway}.example.com',
        })
      ).status,
    ).toBe(409);
    expect((await call('GET', `/templates/${c.body.id}`, acct.key)).body.name).toBe('tpl-a');
    expect(
      (await call('GET', '/templates', acct.key)).body.items.map((t: { name: string }) => t.name),
    ).toContain('tpl-a');
    const u = await call('PUT', `/templates/${c.body.id}`, acct.key, { replicas: 3, description: 'three' });
    expect(u.status, u.raw.body).toBe(200);
    expect(u.body).toMatchObject({ replicas: 3, description: 'three', poolName: 'nowhere' });
    expect((await call('DELETE', `/templates/${c.body.id}`, acct.key)).status).toBe(204);
    expect((await call('GET', `/templates/${c.body.id}`, acct.key)).status).toBe(404);
  });

  it('a bad DNS name template is a 400 naming dnsNameTemplate', async () => {
    for (const dnsNameTemplate of [
      '{gateway}.{bogus}.example.com',
      '{gateway}..example.com',
      'UPPER_{gateway}!',
    ]) {
      const r = await call('POST', '/templates', acct.key, {
        name: 'bad-dns',
        poolName: 'p',
        dnsNameTemplate,
      });
      expect(r.status, dnsNameTemplate).toBe(400);
      expect(r.body.issues.map((i: { path: string }) => i.path)).toContain('dnsNameTemplate');
    }
  });

  it('refuses to delete a template in use (409)', async () => {
    const a = await createAccount(env, 'tpl-use');
    await call('POST', '/address-pools', a.key, { name: 'p', spec: '10.2.0.0/30' });
    const t = await call('POST', '/templates', a.key, {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    await call('POST', '/gateways', a.key, { name: 'g', template: 't', listeners: http80 });
    const r = await call('DELETE', `/templates/${t.body.id}`, a.key);
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/used by 1 gateway/);
  });
});

describe('gateways', () => {
  let g: { id: string; key: string };
  beforeAll(async () => {
    g = await createAccount(env, 'gwco', 100);
    // a global pool and the account's own pool under the same name: the account's wins
    expect(
      (
        await call('POST', '/address-pools', env.adminKey, {
          name: 'shared',
          spec: '203.0.113.0/28',
          global: true,
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', '/address-pools', g.key, { name: 'shared', spec: '198.51.100.16/29' })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/address-pools', g.key, { name: 'six', spec: '2001:db8:6::/126' })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/address-pools', g.key, { name: 'tiny', spec: '10.3.0.1-10.3.0.2' })).status,
    ).toBe(201);
    for (const [name, poolName, allowSharing] of [
      ['web', 'shared', true],
      ['v6', 'six', false],
      ['tiny', 'tiny', false],
      ['solo', 'shared', false],
    ] as const) {
      const t = await call('POST', '/templates', g.key, {
        name,
        poolName,
        allowSharing,
        dnsNameTemplate: '{gateway}.{namespace}.{account}.example.com',
      });
      expect(t.status, t.raw.body).toBe(201);
    }
  });

  it('creates a gateway from a template with the lowest free address of the account pool over the global one', async () => {
    const r = await call('POST', '/gateways', g.key, {
      name: 'shop',
      namespace: 'prod',
      template: 'web',
      listeners: http80,
    });
    expect(r.status, r.raw.body).toBe(201);
    expect(r.body).toMatchObject({
      name: 'shop',
      namespace: 'prod',
      // .16 is the /29's network address: skipped by default
      address: '198.51.100.17',
      dnsName: 'shop.prod.gwco.example.com',
      generation: 1,
      template: { name: 'web' },
    });
    expect(r.body.listeners).toEqual([expect.objectContaining({ name: 'http', port: 80, protocol: 'HTTP' })]);
    const got = await call('GET', `/gateways/${r.body.id}`, g.key);
    expect(got.body.address).toBe('198.51.100.17');
    const second = await call('POST', '/gateways', g.key, {
      name: 'shop2',
      namespace: 'prod',
      template: 'web',
      listeners: http80,
    });
    expect(second.body.address).toBe('198.51.100.18');
  });

  it('allocates from an IPv6 pool the same way', async () => {
    const a = await call('POST', '/gateways', g.key, { name: 'six-a', template: 'v6', listeners: http80 });
    const b = await call('POST', '/gateways', g.key, { name: 'six-b', template: 'v6', listeners: http80 });
    expect(a.status, a.raw.body).toBe(201);
    expect([a.body.address, b.body.address]).toEqual(['2001:db8:6::', '2001:db8:6::1']);
    expect(a.body.dnsName).toBe('six-a.default.gwco.example.com');
  });

  it('a re-sent create with the same clientUid answers 200 with the same gateway', async () => {
    const payload = { name: 'uid-gw', template: 'web', clientUid: 'uid-123', listeners: http80 };
    const first = await call('POST', '/gateways', g.key, payload);
    expect(first.status).toBe(201);
    const again = await call('POST', '/gateways', g.key, payload);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, address: first.body.address, generation: 1 });
    // a re-sent object with new listeners updates the gateway
    const changed = await call('POST', '/gateways', g.key, {
      ...payload,
      listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: first.body.id, generation: 2 });
    expect(await env.db.gateway.count({ where: { name: 'uid-gw' } })).toBe(1);
  });

  it('a sharing key joins an existing gateway when the template allows sharing, 409 when not', async () => {
    const first = await call('POST', '/gateways', g.key, {
      name: 'front',
      namespace: 'a',
      template: 'web',
      sharingKey: 'share-1',
      listeners: http80,
    });
    expect(first.status).toBe(201);
    const join = await call('POST', '/gateways', g.key, {
      name: 'front',
      namespace: 'b',
      template: 'web',
      sharingKey: 'share-1',
      listeners: http80,
    });
    expect(join.status, join.raw.body).toBe(200);
    expect(join.body.id).toBe(first.body.id);
    expect(join.body.clients.map((c: { namespace: string }) => c.namespace)).toEqual(['a', 'b']);
    expect(await env.db.addressAllocation.count({ where: { gatewayId: first.body.id } })).toBe(1);

    const solo = await call('POST', '/gateways', g.key, {
      name: 'lonely',
      template: 'solo',
      sharingKey: 'share-2',
      listeners: http80,
    });
    expect(solo.status).toBe(201);
    const refused = await call('POST', '/gateways', g.key, {
      name: 'lonely',
      namespace: 'other',
      template: 'solo',
      sharingKey: 'share-2',
      listeners: http80,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/sharing/);
  });

  it('updating listeners bumps the generation', async () => {
    const c = await call('POST', '/gateways', g.key, { name: 'listen', template: 'web', listeners: http80 });
    const u = await call('PUT', `/gateways/${c.body.id}/listeners`, g.key, {
      listeners: [...http80, { name: 'tcp', port: 5432, protocol: 'TCP' }],
    });
    expect(u.status, u.raw.body).toBe(200);
    expect(u.body.generation).toBe(2);
    expect(u.body.listeners.map((l: { name: string }) => l.name)).toEqual(['http', 'tcp']);
    expect(
      (
        await call('PUT', '/gateways/00000000-0000-4000-8000-000000000000/listeners', g.key, {
          listeners: http80,
        })
      ).status,
    ).toBe(404);
  });

  it('delete releases the address (the next create reuses it); a repeated delete is a 404 that changes nothing', async () => {
    const a = await call('POST', '/gateways', g.key, { name: 'tiny-a', template: 'tiny', listeners: http80 });
    const b = await call('POST', '/gateways', g.key, { name: 'tiny-b', template: 'tiny', listeners: http80 });
    expect([a.body.address, b.body.address]).toEqual(['10.3.0.1', '10.3.0.2']);
    expect((await call('DELETE', `/gateways/${a.body.id}`, g.key)).status).toBe(204);
    expect((await call('GET', `/gateways/${a.body.id}`, g.key)).status).toBe(404);
    const before = await snapshotDb(env.db.$pool);
    const again = await call('DELETE', `/gateways/${a.body.id}`, g.key);
    expect(again.status).toBe(404);
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
    const c = await call('POST', '/gateways', g.key, { name: 'tiny-c', template: 'tiny', listeners: http80 });
    expect(c.body.address).toBe('10.3.0.1');
  });

  it('an exhausted pool is a 409 naming the pool, and nothing is written', async () => {
    // the tiny pool is full (tiny-b, tiny-c)
    const before = await snapshotDb(env.db.$pool);
    const r = await call('POST', '/gateways', g.key, { name: 'tiny-d', template: 'tiny', listeners: http80 });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/"tiny"/);
    expect(r.body.message).toMatch(/exhausted/);
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it('an unknown template is a 400 naming template', async () => {
    const r = await call('POST', '/gateways', g.key, { name: 'x', template: 'nope', listeners: http80 });
    expect(r.status).toBe(400);
    expect(r.body.issues[0].path).toBe('template');
  });

  it('the account quota is enforced (403)', async () => {
    const q = await createAccount(env, 'quota', 1);
    await call('POST', '/address-pools', q.key, { name: 'p', spec: '10.4.0.0/29' });
    await call('POST', '/templates', q.key, {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    expect(
      (await call('POST', '/gateways', q.key, { name: 'one', template: 't', listeners: http80 })).status,
    ).toBe(201);
    const r = await call('POST', '/gateways', q.key, { name: 'two', template: 't', listeners: http80 });
    expect(r.status).toBe(403);
    expect(r.body.message).toMatch(/quota/);
  });
});

describe('xDS tokens of a gateway', () => {
  let gatewayId: string;
  beforeAll(async () => {
    expect(
      (await call('POST', '/address-pools', acct.key, { name: 'xds', spec: '10.84.0.0/28' })).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/templates', acct.key, {
          name: 'xds',
          poolName: 'xds',
          dnsNameTemplate: '{gateway}.example.com',
        })
      ).status,
    ).toBe(201);
    const g = await call('POST', '/gateways', acct.key, {
      name: 'tokens',
      template: 'xds',
      listeners: http80,
    });
    expect(g.status, g.raw.body).toBe(201);
    gatewayId = g.body.id;
  });

  it('issues a token for both node ids of the gateway with its expiry, and audits it', async () => {
    const r = await call('POST', `/gateways/${gatewayId}/xds-token`, acct.key, { ttlSeconds: 600 });
    expect(r.status, r.raw.body).toBe(201);
    expect(r.body).toMatchObject({
      nodeId: `acme.${gatewayId}`,
      proxylessNodeId: `acme.${gatewayId}.grpc`,
      generation: 1,
    });
    expect(r.body.token).toMatch(/^v2\.[\w-]+\.[\w-]{43}$/);
    const ttl = Date.parse(r.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(500_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const audit = await call('GET', `/audit-events?objectId=${gatewayId}&limit=500`, acct.key);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('gateway.xds-token.issue');
    expect(JSON.stringify(audit.body)).not.toContain(r.body.token);
  });

  it('refuses a lifetime beyond XDS_TOKEN_TTL_SECONDS, below a minute, of the wrong type or unknown fields (400 naming the field)', async () => {
    for (const [payload, path] of [
      [{ ttlSeconds: 604801 }, 'ttlSeconds'],
      [{ ttlSeconds: 59 }, 'ttlSeconds'],
      [{ ttlSeconds: '3600' }, 'ttlSeconds'],
      [{ ttlSeconds: 3600.5 }, 'ttlSeconds'],
      [{ nodeId: 'other.node' }, 'nodeId'],
    ] as const) {
      const r = await call('POST', `/gateways/${gatewayId}/xds-token`, acct.key, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const unknown = await call(
      'POST',
      '/gateways/00000000-0000-4000-8000-000000000000/xds-token',
      acct.key,
      {},
    );
    expect(unknown.status).toBe(404);
    const badId = await call('POST', '/gateways/nope/xds-token', acct.key, {});
    expect(badId.status).toBe(400);
  });

  it('revoking bumps the generation: tokens issued afterwards carry the new one; a repeated revoke bumps again', async () => {
    const r = await call('POST', `/gateways/${gatewayId}/xds-token/revoke`, acct.key, {});
    expect(r.status, r.raw.body).toBe(200);
    expect(r.body).toEqual({ gatewayId, generation: 2 });
    expect((await call('POST', `/gateways/${gatewayId}/xds-token`, acct.key, {})).body.generation).toBe(2);
    expect(
      (await call('POST', `/gateways/${gatewayId}/xds-token/revoke`, acct.key, {})).body.generation,
    ).toBe(3);
    // No body at all is the same as an empty one.
    const bare = await call('POST', `/gateways/${gatewayId}/xds-token/revoke`, acct.key);
    expect(bare.status, bare.raw.body).toBe(200);
    expect(bare.body.generation).toBe(4);
    const bad = await call('POST', `/gateways/${gatewayId}/xds-token/revoke`, acct.key, { all: true });
    expect(bad.status).toBe(400);
  });

  it('a viewer may neither issue nor revoke tokens (403, nothing written)', async () => {
    const viewer = (await call('POST', '/api-keys', acct.key, { name: 'xds-viewer', role: 'viewer' })).body
      .secret;
    const before = await snapshotDb(env.db.$pool);
    expect((await call('POST', `/gateways/${gatewayId}/xds-token`, viewer, {})).status).toBe(403);
    expect((await call('POST', `/gateways/${gatewayId}/xds-token/revoke`, viewer, {})).status).toBe(403);
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it('the bootstrap says in its headers when its token expires and where the next one comes from', async () => {
    const r = await call('GET', `/gateways/${gatewayId}/bootstrap`, acct.key);
    expect(r.status).toBe(200);
    expect(Date.parse(String(r.raw.headers['x-epic-xds-token-expires-at']))).toBeGreaterThan(Date.now());
    expect(r.raw.headers['x-epic-xds-token-refresh']).toBe(`POST /api/v1/gateways/${gatewayId}/xds-token`);
  });
});

describe('gateway listing', () => {
  let k: string;
  const ids: string[] = [];
  beforeAll(async () => {
    const a = await createAccount(env, 'lister');
    k = a.key;
    await call('POST', '/address-pools', k, { name: 'p', spec: '10.5.0.0/28' });
    await call('POST', '/templates', k, {
      name: 'alpha',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    await call('POST', '/templates', k, {
      name: 'beta',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    for (let i = 0; i < 7; i++) {
      const listeners = i === 6 ? [{ name: 'quic', port: 443, protocol: 'example.com/quic' }] : http80;
      const r = await call('POST', '/gateways', k, {
        name: `gw-${i}`,
        namespace: i % 2 ? 'odd' : 'even',
        template: i < 4 ? 'alpha' : 'beta',
        listeners,
      });
      expect(r.status, r.raw.body).toBe(201);
      ids.push(r.body.id);
    }
  });

  it('pages with limit and cursor return each of 7 gateways exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call(
        'GET',
        `/gateways?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        k,
      );
      expect(r.status, r.raw.body).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('a page walk stays exact while gateways are created behind and ahead of the cursor', async () => {
    const first = await call('GET', '/gateways?limit=4', k);
    const added = await call('POST', '/gateways', k, {
      name: 'gw-late',
      template: 'alpha',
      listeners: http80,
    });
    expect(added.status, added.raw.body).toBe(201);
    const rest = await call('GET', `/gateways?limit=100&cursor=${first.body.nextCursor}`, k);
    const seen = [...first.body.items, ...rest.body.items].map((x: { id: string }) => x.id);
    expect(seen).toEqual([...ids, added.body.id]);
    expect((await call('DELETE', `/gateways/${added.body.id}`, k)).status).toBe(204);
  });

  it('filters by name, namespace and template', async () => {
    const byName = await call('GET', '/gateways?name=gw-3', k);
    expect(byName.body.items.map((x: { id: string }) => x.id)).toEqual([ids[3]]);
    const odd = await call('GET', '/gateways?namespace=odd', k);
    expect(odd.body.items.map((x: { id: string }) => x.id)).toEqual([ids[1], ids[3], ids[5]]);
    const beta = await call('GET', '/gateways?template=beta', k);
    expect(beta.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(4));
    const both = await call('GET', '/gateways?template=alpha&namespace=even', k);
    expect(both.body.items.map((x: { id: string }) => x.id)).toEqual([ids[0], ids[2]]);
  });

  it('filters by condition once the reconciler has computed conditions', async () => {
    const reconciler = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log: pino({ level: 'silent' }),
      resyncSeconds: 3600,
    });
    await reconciler.drain();
    const accepted = await call('GET', '/gateways?condition=Accepted=True', k);
    expect(accepted.status, accepted.raw.body).toBe(200);
    expect(accepted.body.items.map((x: { id: string }) => x.id)).toEqual(ids.slice(0, 6));
    const refused = await call('GET', '/gateways?condition=Accepted=False', k);
    expect(refused.body.items.map((x: { id: string }) => x.id)).toEqual([ids[6]]);
    const got = await call('GET', `/gateways/${ids[0]}`, k);
    expect(got.body.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True' }),
        expect.objectContaining({ type: 'Programmed', status: 'Unknown' }),
      ]),
    );
    expect(got.body.observedGeneration).toBe(got.body.generation);
  });
});

describe('routes', () => {
  let k: string;
  let gwId: string;
  let clusterId: string;
  beforeAll(async () => {
    const a = await createAccount(env, 'router');
    k = a.key;
    await call('POST', '/address-pools', k, { name: 'p', spec: '10.6.0.0/28' });
    await call('POST', '/templates', k, {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    clusterId = (await call('POST', '/clusters', k, { name: 'c1' })).body.id;
    const gw = await call('POST', '/gateways', k, {
      name: 'edge',
      namespace: 'web',
      template: 't',
      clusterId,
      clientUid: 'gw-uid-1',
      listeners: [...http80, { name: 'tcp', port: 9000, protocol: 'TCP' }],
    });
    expect(gw.status, gw.raw.body).toBe(201);
    gwId = gw.body.id;
  });

  it('upserts an HTTPRoute by clientUid, attaching it to the gateway named in parentRefs', async () => {
    const body = {
      kind: 'HTTPRoute',
      name: 'shop',
      namespace: 'web',
      clusterId,
      clientUid: 'route-uid-1',
      spec: {
        parentRefs: [{ name: 'edge' }],
        hostnames: ['shop.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [{ name: 'api', port: 8080 }],
          },
        ],
      },
    };
    const c = await call('POST', '/routes', k, body);
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body).toMatchObject({
      kind: 'HTTPRoute',
      name: 'shop',
      clientUid: 'route-uid-1',
      generation: 1,
      parents: [{ gatewayId: gwId, refIndex: 0 }],
    });
    const again = await call('POST', '/routes', k, {
      ...body,
      spec: { ...body.spec, hostnames: ['shop.example.org'] },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: c.body.id, generation: 2 });
    expect(again.body.spec.hostnames).toEqual(['shop.example.org']);
    expect(await env.db.route.count({ where: { clientUid: 'route-uid-1' } })).toBe(1);
  });

  it('upserts a TCPRoute and a route whose parent is unknown has no attachment', async () => {
    const tcp = await call('POST', '/routes', k, {
      kind: 'TCPRoute',
      name: 'db',
      namespace: 'web',
      clusterId,
      clientUid: 'route-uid-2',
      spec: {
        parentRefs: [{ name: 'edge', sectionName: 'tcp' }],
        rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }],
      },
    });
    expect(tcp.status, tcp.raw.body).toBe(201);
    expect(tcp.body.parents).toEqual([{ gatewayId: gwId, refIndex: 0 }]);
    const orphan = await call('POST', '/routes', k, {
      kind: 'HTTPRoute',
      name: 'orphan',
      namespace: 'web',
      clusterId,
      spec: { parentRefs: [{ name: 'nowhere' }] },
    });
    expect(orphan.status, orphan.raw.body).toBe(201);
    expect(orphan.body.parents).toEqual([]);
  });

  it('lists, filters by gatewayId, gets, replaces the spec and deletes', async () => {
    const all = await call('GET', '/routes', k);
    expect(all.body.items).toHaveLength(3);
    const attached = await call('GET', `/routes?gatewayId=${gwId}`, k);
    expect(attached.body.items.map((r: { name: string }) => r.name).sort()).toEqual(['db', 'shop']);
    const tcpOnly = await call('GET', '/routes?kind=TCPRoute', k);
    expect(tcpOnly.body.items.map((r: { name: string }) => r.name)).toEqual(['db']);
    const shop = all.body.items.find((r: { name: string }) => r.name === 'shop');
    expect((await call('GET', `/routes/${shop.id}`, k)).body.name).toBe('shop');

    const put = await call('PUT', `/routes/${shop.id}`, k, {
      spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    expect(put.status, put.raw.body).toBe(200);
    expect(put.body.generation).toBe(3);
    expect(put.body.spec.rules[0].backendRefs[0].name).toBe('web');
    expect(put.body.parents).toEqual([{ gatewayId: gwId, refIndex: 0 }]);

    expect((await call('DELETE', `/routes/${shop.id}`, k)).status).toBe(204);
    expect((await call('GET', `/routes/${shop.id}`, k)).status).toBe(404);
    expect((await call('DELETE', `/routes/${shop.id}`, k)).status).toBe(404);
    expect(
      (await call('GET', `/routes?gatewayId=${gwId}`, k)).body.items.map((r: { name: string }) => r.name),
    ).toEqual(['db']);
  });

  it('pages through routes with limit and cursor, each exactly once', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push(
        (
          await call('POST', '/routes', k, {
            kind: 'HTTPRoute',
            name: `paged-${i}`,
            namespace: 'paging',
            spec: {},
          })
        ).body.id,
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof call>> = await call(
        'GET',
        `/routes?namespace=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        k,
      );
      seen.push(...r.body.items.map((x: { id: string }) => x.id));
      cursor = r.body.nextCursor;
    } while (cursor && seen.length < 20);
    expect(seen).toEqual(made);
    for (const id of made) expect((await call('DELETE', `/routes/${id}`, k)).status).toBe(204);
  });

  it('a gateway created after its route picks the route up; deleting the gateway removes the attachment', async () => {
    const r = await call('POST', '/routes', k, {
      kind: 'HTTPRoute',
      name: 'early',
      namespace: 'web',
      clusterId,
      spec: { parentRefs: [{ name: 'late' }] },
    });
    expect(r.body.parents).toEqual([]);
    const gw = await call('POST', '/gateways', k, {
      name: 'late',
      namespace: 'web',
      template: 't',
      clusterId,
      listeners: http80,
    });
    expect((await call('GET', `/routes/${r.body.id}`, k)).body.parents).toEqual([
      { gatewayId: gw.body.id, refIndex: 0 },
    ]);
    await call('DELETE', `/gateways/${gw.body.id}`, k);
    expect((await call('GET', `/routes/${r.body.id}`, k)).body.parents).toEqual([]);
  });
});

describe('endpoint slices and static endpoints', () => {
  let k: string;
  let clusterId: string;
  beforeAll(async () => {
    const a = await createAccount(env, 'ends');
    k = a.key;
    clusterId = (await call('POST', '/clusters', k, { name: 'c1' })).body.id;
  });

  it('upserts an EndpointSlice by clientUid: creates, then updates without duplicating', async () => {
    const body = {
      clusterId,
      clientUid: 'eps-1',
      namespace: 'web',
      name: 'api-abc',
      serviceName: 'api',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'n1' }],
      nodeAddresses: { n1: '192.168.1.1' },
    };
    const c = await call('PUT', '/endpoint-slices', k, body);
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body).toMatchObject({
      clientUid: 'eps-1',
      serviceName: 'api',
      addressType: 'IPv4',
      static: false,
      generation: 1,
    });
    const u = await call('PUT', '/endpoint-slices', k, {
      ...body,
      endpoints: [...body.endpoints, { addresses: ['10.0.0.2'] }],
    });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id: c.body.id, generation: 2 });
    expect(u.body.endpoints).toHaveLength(2);
    const list = await call('GET', '/endpoint-slices', k);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([c.body.id]);
    expect((await call('GET', `/endpoint-slices/${c.body.id}`, k)).body.nodeAddresses).toEqual({
      n1: '192.168.1.1',
    });
    expect((await call('DELETE', `/endpoint-slices/${c.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/endpoint-slices/${c.body.id}`, k)).status).toBe(404);
    expect((await call('DELETE', `/endpoint-slices/${c.body.id}`, k)).status).toBe(404);
  });

  it('sets, replaces and removes the static endpoints of a service', async () => {
    const put = await call('PUT', '/static-endpoints/web/legacy', k, {
      ports: [{ port: 443 }],
      endpoints: [{ address: '2001:db8::10' }, { address: '2001:db8::11', ready: false }],
    });
    expect(put.status, put.raw.body).toBe(200);
    expect(put.body).toMatchObject({
      static: true,
      serviceName: 'legacy',
      namespace: 'web',
      addressType: 'IPv6',
    });
    expect(put.body.endpoints[1]).toMatchObject({
      addresses: ['2001:db8::11'],
      conditions: { ready: false },
    });
    const again = await call('PUT', '/static-endpoints/web/legacy', k, {
      ports: [{ port: 443 }],
      endpoints: [{ address: '2001:db8::12' }],
    });
    expect(again.body).toMatchObject({ id: put.body.id, generation: 2 });
    const statics = await call('GET', '/endpoint-slices?static=true', k);
    expect(statics.body.items.map((e: { id: string }) => e.id)).toEqual([put.body.id]);
    expect((await call('DELETE', '/static-endpoints/web/legacy', k)).status).toBe(204);
    expect((await call('DELETE', '/static-endpoints/web/legacy', k)).status).toBe(404);
  });
});

describe('services, reference grants and certificates', () => {
  let k: string;
  let clusterId: string;
  beforeAll(async () => {
    const a = await createAccount(env, 'objects');
    k = a.key;
    clusterId = (await call('POST', '/clusters', k, { name: 'c1' })).body.id;
  });

  it('upserts a Service by clientUid, lists, gets and deletes it', async () => {
    const body = {
      clusterId,
      clientUid: 'svc-uid-1',
      namespace: 'web',
      name: 'api',
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    };
    const c = await call('PUT', '/services', k, body);
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body).toMatchObject({ clientUid: 'svc-uid-1', namespace: 'web', name: 'api', clusterId });
    expect(c.body.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 8080, protocol: 'TCP' })]);
    const u = await call('PUT', '/services', k, { ...body, ports: [{ port: 81 }] });
    expect(u.status).toBe(200);
    expect(u.body.id).toBe(c.body.id);
    expect(u.body.ports).toEqual([expect.objectContaining({ port: 81 })]);
    expect(
      (await call('GET', '/services?namespace=web', k)).body.items.map((x: { id: string }) => x.id),
    ).toEqual([c.body.id]);
    expect((await call('GET', '/services?namespace=other', k)).body.items).toEqual([]);
    expect((await call('GET', `/services/${c.body.id}`, k)).body.name).toBe('api');
    expect((await call('DELETE', `/services/${c.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/services/${c.body.id}`, k)).status).toBe(404);
  });

  it('upserts a ReferenceGrant by clientUid, lists, gets and deletes it', async () => {
    const spec = {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
      to: [{ group: '', kind: 'Service' }],
    };
    const c = await call('PUT', '/reference-grants', k, {
      clusterId,
      clientUid: 'rg-1',
      namespace: 'backend',
      name: 'allow-web',
      spec,
    });
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body.spec).toMatchObject(spec);
    const u = await call('PUT', '/reference-grants', k, {
      clusterId,
      clientUid: 'rg-1',
      namespace: 'backend',
      name: 'allow-web',
      spec: { ...spec, to: [{ group: '', kind: 'Service', name: 'db' }] },
    });
    expect(u.status).toBe(200);
    expect(u.body.id).toBe(c.body.id);
    expect(
      (await call('GET', `/reference-grants?clusterId=${clusterId}`, k)).body.items.map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([c.body.id]);
    expect((await call('GET', `/reference-grants/${c.body.id}`, k)).body.spec.to[0].name).toBe('db');
    const bad = await call('PUT', '/reference-grants', k, {
      namespace: 'backend',
      name: 'bad',
      spec: { from: [], to: [{ group: '', kind: 'Service' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('spec.from');
    expect((await call('DELETE', `/reference-grants/${c.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/reference-grants/${c.body.id}`, k)).status).toBe(404);
  });

  it('stores a certificate, never returns its key, replaces it by namespace/name and deletes it', async () => {
    const c = await call('PUT', '/certificates', k, { namespace: 'web', name: 'shop-tls', ...testCertA });
    expect(c.status, c.raw.body).toBe(201);
    expect(c.body).toMatchObject({
      namespace: 'web',
      name: 'shop-tls',
      subject: 'CN=shop-a.example.com',
      subjectAltName: 'DNS:shop-a.example.com',
      fingerprint256: expect.stringMatching(/^[0-9A-F:]+$/),
    });
    expect(c.raw.body).not.toContain('PRIVATE KEY');
    expect(c.body).not.toHaveProperty('encryptedKey');
    const row = await env.db.certificate.findUnique({ where: { id: c.body.id } });
    expect(JSON.stringify(row)).not.toContain(testCertA.privateKey.split('\n')[1]);
    const u = await call('PUT', '/certificates', k, { namespace: 'web', name: 'shop-tls', ...testCertB });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id: c.body.id, subject: 'CN=shop-b.example.com' });
    const mismatch = await call('PUT', '/certificates', k, {
      namespace: 'web',
      name: 'other',
      certificate: testCertA.certificate,
      privateKey: testCertB.privateKey,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.issues[0].path).toBe('privateKey');
    const list = await call('GET', '/certificates', k);
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([c.body.id]);
    expect(list.raw.body).not.toContain('PRIVATE KEY');
    expect((await call('GET', `/certificates/${c.body.id}`, k)).body.name).toBe('shop-tls');
    expect((await call('DELETE', `/certificates/${c.body.id}`, k)).status).toBe(204);
    expect((await call('GET', `/certificates/${c.body.id}`, k)).status).toBe(404);
  });
});

describe('audit, whoami and operations endpoints', () => {
  it('mutations appear in the audit log, paginated oldest first', async () => {
    const a = await createAccount(env, 'audited');
    for (let i = 0; i < 4; i++) await call('POST', '/clusters', a.key, { name: `c${i}` });
    const first = await call('GET', '/audit-events?limit=2', a.key);
    expect(first.status, first.raw.body).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await call('GET', `/audit-events?limit=10&cursor=${first.body.nextCursor}`, a.key);
    const actions = [...first.body.items, ...rest.body.items].map((e: { action: string }) => e.action);
    expect(actions.filter((x) => x === 'cluster.create')).toHaveLength(4);
    expect(rest.body.nextCursor).toBeNull();
    const filtered = await call('GET', '/audit-events?action=cluster.create', a.key);
    expect(filtered.body.items).toHaveLength(4);
    expect(filtered.body.items[0].actor).toMatch(/^apikey:/);
  });

  it('whoami names the caller', async () => {
    const r = await call('GET', '/whoami', acct.key);
    expect(r.body).toMatchObject({ accountId: acct.id, accountName: 'acme', role: 'owner', system: false });
    expect((await call('GET', '/whoami', env.adminKey)).body.system).toBe(true);
  });

  it('echoes a well-formed x-request-id in the header, the error body and the audit log', async () => {
    const a = await createAccount(env, 'reqid');
    const ok = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { ...auth(a.key), 'x-request-id': 'trace-123' },
      payload: { name: 'c1' },
    });
    expect(ok.headers['x-request-id']).toBe('trace-123');
    const bad = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { ...auth(a.key), 'x-request-id': 'trace-456' },
      payload: { name: 'c1' },
    });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().requestId).toBe('trace-456');
    const ev = await call('GET', '/audit-events?action=cluster.create', a.key);
    expect(ev.body.items[0].requestId).toBe('trace-123');
    const forged = await env.app.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/healthz and /readyz answer without a key', async () => {
    expect((await env.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await env.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('/metrics exposes request durations, gateways by condition and pool utilisation', async () => {
    const r = await env.app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toContain('epic_http_request_duration_seconds_bucket');
    expect(r.body).toMatch(/epic_gateways\{type="Accepted",status="True"\} \d+/);
    expect(r.body).toMatch(
      /epic_address_pool_utilisation_ratio\{pool_id="[0-9a-f-]{36}",scope="account"\} 0\.\d+/,
    );
  });

  it('/api/v1/openapi.json is an OpenAPI 3.1 document with one operation per REST route', async () => {
    const r = await env.app.inject({ url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const routes = restRoutes(env.app.services);
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) =>
      Object.keys(m).map((x) => `${x.toUpperCase()} ${p}`),
    );
    const expected = routes.map((x) => `${x.method} /api/v1${x.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(ops.sort()).toEqual(expected.sort());
    const opIds = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
      (m) => Object.values(m).map((o) => o.operationId),
    );
    expect(new Set(opIds).size).toBe(opIds.length);
    for (const [p, methods] of Object.entries(
      doc.paths as Record<
        string,
        Record<
          string,
          {
            parameters: Array<{ name: string; in: string }>;
            requestBody?: { content: Record<string, { schema: unknown }> };
          }
        >
      >,
    )) {
      const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(methods)) {
        expect(
          op.parameters.filter((x) => x.in === 'path').map((x) => x.name),
          `${method} ${p}`,
        ).toEqual(pathParams);
        const declared = routes.find(
          (x) => x.method === method.toUpperCase() && `/api/v1${x.path.replace(/:(\w+)/g, '{$1}')}` === p,
        )!;
        if (declared.body)
          expect(op.requestBody?.content['application/json']?.schema, `${method} ${p}`).toBeTypeOf('object');
        else expect(op.requestBody, `${method} ${p}`).toBeUndefined();
      }
    }
    const create = doc.paths['/api/v1/gateways'].post.requestBody.content['application/json'].schema;
    expect(create.properties).toHaveProperty('listeners');
    expect(create.additionalProperties).toBe(false);
    expect(doc.paths['/api/v1/gateways'].get.parameters.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'name', 'namespace', 'template', 'condition']),
    );
  });

  it('the placeholder UI is served at /', async () => {
    const r = await env.app.inject({ url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
  });
});
