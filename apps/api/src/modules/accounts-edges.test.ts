import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTrail,
  createAccount,
  missingId,
  refusedFields as paths,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// Accounts, memberships, API keys and workload clusters through REST against a real database, each test
// with its own account: the field and reason of every refusal, the limits at their edges, roles, the audit
// trail, ordering and tenant isolation.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `acct-edges-${++n}`);

/** A key of the given role in the account of `ownerKey`. */
async function keyOf(ownerKey: string, role: 'owner' | 'admin' | 'viewer') {
  const k = await call('POST', '/api-keys', ownerKey, { name: `a ${role}`, role });
  expect(k.status, k.raw).toBe(201);
  return k.body as { id: string; secret: string };
}

describe('accounts', () => {
  it('create: the display name defaults to the name, the quota to 100; one owner key named for what it is', async () => {
    const name = `acct-edges-${++n}`;
    const r = await call('POST', '/accounts', env.adminKey, { name });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.account).toMatchObject({ name, displayName: name, gatewayQuota: 100, system: false });
    expect(r.body.apiKey).toMatchObject({ name: 'initial owner key', role: 'owner', revokedAt: null });
    const keys = await call('GET', '/api-keys', r.body.apiKey.secret);
    expect(keys.body.items.map((k: { name: string; role: string }) => [k.name, k.role])).toEqual([
      ['initial owner key', 'owner'],
    ]);
    const trail = await auditTrail(env, env.adminKey, 'Account');
    expect(trail).toContainEqual(['account.create', r.body.account.id, { name }]);
  });

  it('create refuses each bad field by name, at the edges of its limits', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ name: 'Upper' }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'a'.repeat(64) }, 'name'],
      [{ name: 'ok-1', displayName: '' }, 'displayName'],
      [{ name: 'ok-1', displayName: 'd'.repeat(201) }, 'displayName'],
      [{ name: 'ok-1', gatewayQuota: -1 }, 'gatewayQuota'],
      [{ name: 'ok-1', gatewayQuota: 100001 }, 'gatewayQuota'],
      [{ name: 'ok-1', gatewayQuota: 1.5 }, 'gatewayQuota'],
    ];
    for (const [payload, field] of bad) {
      const r = await call('POST', '/accounts', env.adminKey, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(paths(r), JSON.stringify(payload)).toEqual([field]);
    }
    const extra = await call('POST', '/accounts', env.adminKey, { name: 'ok-1', owner: 'me' });
    expect(extra.status).toBe(400);
    const name = `e${'d'.repeat(61)}e`;
    const edge = await call('POST', '/accounts', env.adminKey, {
      name,
      displayName: 'd'.repeat(200),
      gatewayQuota: 100000,
    });
    expect(edge.status, edge.raw).toBe(201);
    expect(edge.body.account).toMatchObject({ name, displayName: 'd'.repeat(200), gatewayQuota: 100000 });
    const zero = await call('POST', '/accounts', env.adminKey, { name: 'quota-zero', gatewayQuota: 0 });
    expect(zero.status, zero.raw).toBe(201);
    expect(zero.body.account.gatewayQuota).toBe(0);
  });

  it('a duplicate name is a conflict naming the account; a tenant may not create accounts', async () => {
    const name = `acct-edges-${++n}`;
    expect((await call('POST', '/accounts', env.adminKey, { name })).status).toBe(201);
    const again = await call('POST', '/accounts', env.adminKey, { name, displayName: 'other' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`account "${name}" already exists`);
    const { key } = await account();
    const tenant = await call('POST', '/accounts', key, { name: 'by-tenant' });
    expect(tenant.status).toBe(403);
    expect(tenant.body.message).toBe('this operation is reserved to platform operators');
  });

  it("a new account gets a copy of every starter template, with the starter's settings", async () => {
    const starter = await call('POST', '/templates', env.adminKey, {
      name: 'starter-edges',
      starter: true,
      description: 'copied',
      poolName: 'edge-pool',
      envoyImage: 'envoyproxy/envoy:v1.99.0',
      replicas: 3,
      allowSharing: true,
      dnsNameTemplate: '{gateway}.{account}.starter.example.com',
      envoyFragments: { listenerOptions: { per_connection_buffer_limit_bytes: 32768 } },
    });
    expect(starter.status, starter.raw).toBe(201);
    try {
      const { key, id } = await account();
      const list = await call('GET', '/templates', key);
      const copies = list.body.items.filter((t: { name: string }) => t.name === 'starter-edges');
      expect(copies).toEqual([
        expect.objectContaining({
          accountId: id,
          description: 'copied',
          poolName: 'edge-pool',
          envoyImage: 'envoyproxy/envoy:v1.99.0',
          replicas: 3,
          allowSharing: true,
          dnsNameTemplate: '{gateway}.{account}.starter.example.com',
          envoyFragments: { listenerOptions: { per_connection_buffer_limit_bytes: 32768 } },
        }),
      ]);
      expect(copies[0].id).not.toBe(starter.body.id);
    } finally {
      await env.db.template.delete({ where: { id: starter.body.id } });
    }
  });

  it('the operators list every account by name; a tenant sees only its own', async () => {
    const z = await createAccount(env, `zz-acct-edges-${++n}`);
    await createAccount(env, `aa-acct-edges-${n}`);
    const all = (await call('GET', '/accounts', env.adminKey)).body.items.map(
      (a: { name: string }) => a.name,
    );
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['epic-system', `zz-acct-edges-${n}`, `aa-acct-edges-${n}`]));
    const own = await call('GET', '/accounts', z.key);
    expect(own.body.items.map((a: { name: string }) => a.name)).toEqual([`zz-acct-edges-${n}`]);
  });

  it("get: another account's id is not found for a tenant, found for the operators; a bad id is refused on id", async () => {
    const a = await account();
    const b = await account();
    const foreign = await call('GET', `/accounts/${b.id}`, a.key);
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe(`account "${b.id}" not found`);
    expect((await call('GET', `/accounts/${b.id}`, env.adminKey)).body.id).toBe(b.id);
    const viewer = await keyOf(a.key, 'viewer');
    expect((await call('GET', `/accounts/${a.id}`, viewer.secret)).body.id).toBe(a.id);
    const missing = await call('GET', `/accounts/${missingId}`, env.adminKey);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`account "${missingId}" not found`);
    const bad = await call('GET', '/accounts/nope', env.adminKey);
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['id']);
  });

  it('update needs the owner role; the quota only the operators; each change is audited in the account', async () => {
    const a = await account();
    const admin = await keyOf(a.key, 'admin');
    const byAdmin = await call('PATCH', `/accounts/${a.id}`, admin.secret, { displayName: 'Admin' });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.message).toBe('this operation needs the owner role; the caller has admin');
    const quota = await call('PATCH', `/accounts/${a.id}`, a.key, { gatewayQuota: 5 });
    expect(quota.status).toBe(403);
    expect(quota.body.message).toBe('this operation is reserved to platform operators');

    const own = await call('PATCH', `/accounts/${a.id}`, a.key, { displayName: 'd'.repeat(200) });
    expect(own.status, own.raw).toBe(200);
    expect(own.body).toMatchObject({ displayName: 'd'.repeat(200), gatewayQuota: 100 });
    const op = await call('PATCH', `/accounts/${a.id}`, env.adminKey, { gatewayQuota: 0 });
    expect(op.status, op.raw).toBe(200);
    expect(op.body).toMatchObject({ displayName: 'd'.repeat(200), gatewayQuota: 0 });
    expect((await call('GET', `/accounts/${a.id}`, a.key)).body.gatewayQuota).toBe(0);
    // The operator's change is in the account's own trail, not only the operators'.
    expect(await auditTrail(env, a.key, 'Account')).toEqual([
      ['account.update', a.id, { displayName: 'd'.repeat(200) }],
      ['account.update', a.id, { gatewayQuota: 0 }],
    ]);

    for (const [payload, field] of [
      [{ displayName: '' }, 'displayName'],
      [{ displayName: 'd'.repeat(201) }, 'displayName'],
      [{ gatewayQuota: 100001 }, 'gatewayQuota'],
      [{ gatewayQuota: -1 }, 'gatewayQuota'],
    ] as const) {
      const r = await call('PATCH', `/accounts/${a.id}`, env.adminKey, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(paths(r)).toEqual([field]);
    }
    expect((await call('PATCH', `/accounts/${a.id}`, env.adminKey, { name: 'renamed' })).status).toBe(400);
    const max = await call('PATCH', `/accounts/${a.id}`, env.adminKey, { gatewayQuota: 100000 });
    expect(max.body.gatewayQuota).toBe(100000);
    const missing = await call('PATCH', `/accounts/${missingId}`, env.adminKey, { displayName: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`account "${missingId}" not found`);
    const b = await account();
    const foreign = await call('PATCH', `/accounts/${a.id}`, b.key, { displayName: 'x' });
    expect(foreign.status).toBe(404);
  });
});

describe('memberships', () => {
  const members = (accountId: string, key: string) => call('GET', `/accounts/${accountId}/memberships`, key);
  const add = (accountId: string, key: string, payload: Record<string, unknown>) =>
    call('POST', `/accounts/${accountId}/memberships`, key, payload);

  it('logins are GitHub logins (1–39 characters, no leading or trailing "-"); roles are the three roles', async () => {
    const a = await account();
    for (const login of ['', '-lead', 'trail-', 'under_score', 'x'.repeat(40)]) {
      const r = await add(a.id, a.key, { login, role: 'viewer' });
      expect(r.status, login).toBe(400);
      expect(paths(r), login).toEqual(['login']);
    }
    const role = await add(a.id, a.key, { login: 'someone', role: 'superuser' });
    expect(role.status).toBe(400);
    expect(paths(role)).toEqual(['role']);
    for (const login of ['x', 'Mixed-Case-9', 'x'.repeat(39)]) {
      const r = await add(a.id, a.key, { login, role: 'viewer' });
      expect(r.status, login).toBe(201);
      expect(r.body.user.login).toBe(login);
    }
  });

  it('only an owner adds or removes members; a viewer may list them, oldest first', async () => {
    const a = await account();
    const admin = await keyOf(a.key, 'admin');
    const viewer = await keyOf(a.key, 'viewer');
    const byAdmin = await add(a.id, admin.secret, { login: 'zed', role: 'viewer' });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.message).toBe('this operation needs the owner role; the caller has admin');
    const zed = await add(a.id, a.key, { login: 'zed', role: 'owner' });
    const abe = await add(a.id, a.key, { login: 'abe', role: 'admin' });
    expect([zed.status, abe.status]).toEqual([201, 201]);
    const list = await members(a.id, viewer.secret);
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((m: { user: { login: string }; role: string }) => [m.user.login, m.role]),
    ).toEqual([
      ['zed', 'owner'],
      ['abe', 'admin'],
    ]);
    const del = await call('DELETE', `/accounts/${a.id}/memberships/${zed.body.id}`, admin.secret);
    expect(del.status).toBe(403);
    expect(del.body.message).toBe('this operation needs the owner role; the caller has admin');
  });

  it('adding twice changes the role; add, re-role and removal are audited in the account', async () => {
    const a = await account();
    const m = await add(a.id, a.key, { login: 'octo', role: 'viewer' });
    const again = await add(a.id, a.key, { login: 'octo', role: 'admin' });
    expect(again.body).toMatchObject({ id: m.body.id, role: 'admin' });
    expect((await call('DELETE', `/accounts/${a.id}/memberships/${m.body.id}`, a.key)).status).toBe(204);
    expect(await auditTrail(env, a.key, 'Membership')).toEqual([
      ['membership.upsert', m.body.id, { login: 'octo', role: 'viewer' }],
      ['membership.upsert', m.body.id, { login: 'octo', role: 'admin' }],
      ['membership.delete', m.body.id, {}],
    ]);
  });

  it("an operator manages another account's members, audited in that account; an unknown account is not found", async () => {
    const a = await account();
    const m = await add(a.id, env.adminKey, { login: 'ops-added', role: 'viewer' });
    expect(m.status, m.raw).toBe(201);
    expect(await auditTrail(env, a.key, 'Membership')).toEqual([
      ['membership.upsert', m.body.id, { login: 'ops-added', role: 'viewer' }],
    ]);
    const missing = await add(missingId, env.adminKey, { login: 'nobody', role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`account "${missingId}" not found`);
  });

  it("a member of one account cannot be removed through another account, nor another account's listed", async () => {
    const a = await account();
    const b = await account();
    const m = await add(a.id, a.key, { login: 'shared-login', role: 'viewer' });
    const mb = await add(b.id, b.key, { login: 'shared-login', role: 'owner' });
    expect(mb.body.user.id).toBe(m.body.user.id);
    const cross = await call('DELETE', `/accounts/${b.id}/memberships/${m.body.id}`, b.key);
    expect(cross.status).toBe(404);
    expect(cross.body.message).toBe(`membership "${m.body.id}" not found`);
    expect((await members(a.id, a.key)).body.items.map((x: { id: string }) => x.id)).toEqual([m.body.id]);
    expect((await members(a.id, b.key)).status).toBe(404);
    expect((await add(a.id, b.key, { login: 'intruder', role: 'owner' })).status).toBe(404);
    const bad = await call('DELETE', `/accounts/${a.id}/memberships/nope`, a.key);
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['membershipId']);
    const badAccount = await call('GET', '/accounts/nope/memberships', a.key);
    expect(badAccount.status).toBe(400);
    expect(paths(badAccount)).toEqual(['accountId']);
  });
});

describe('API keys', () => {
  it('the role defaults to admin; names are 1–100 characters; an unknown role is refused on role', async () => {
    const a = await account();
    const d = await call('POST', '/api-keys', a.key, { name: 'n'.repeat(100) });
    expect(d.status, d.raw).toBe(201);
    expect(d.body).toMatchObject({ name: 'n'.repeat(100), role: 'admin', revokedAt: null, lastUsedAt: null });
    for (const [payload, field] of [
      [{ name: '' }, 'name'],
      [{ name: 'n'.repeat(101) }, 'name'],
      [{ name: 'k', role: 'root' }, 'role'],
    ] as const) {
      const r = await call('POST', '/api-keys', a.key, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(paths(r)).toEqual([field]);
    }
  });

  it('a key creates keys up to its own role, never above; a viewer creates none', async () => {
    const a = await account();
    const admin = await keyOf(a.key, 'admin');
    expect((await call('POST', '/api-keys', admin.secret, { name: 'peer', role: 'admin' })).status).toBe(201);
    const up = await call('POST', '/api-keys', admin.secret, { name: 'up', role: 'owner' });
    expect(up.status).toBe(400);
    expect(up.body.issues).toEqual([
      { path: 'role', message: "cannot create a key with role owner above the caller's role admin" },
    ]);
    expect((await call('POST', '/api-keys', a.key, { name: 'owner-2', role: 'owner' })).status).toBe(201);
    const viewer = await keyOf(a.key, 'viewer');
    const byViewer = await call('POST', '/api-keys', viewer.secret, { name: 'v', role: 'viewer' });
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.message).toBe('this operation needs the admin role; the caller has viewer');
  });

  it('lists keys oldest first, revoked ones included; creation and revocation are audited', async () => {
    const a = await account();
    const first = await keyOf(a.key, 'viewer');
    const second = await keyOf(a.key, 'admin');
    const rev = await call('DELETE', `/api-keys/${first.id}`, a.key);
    expect(rev.status).toBe(200);
    const list = await call('GET', '/api-keys', second.secret);
    expect(
      list.body.items.map((k: { name: string; revokedAt: string | null }) => [k.name, !!k.revokedAt]),
    ).toEqual([
      ['initial owner key', false],
      ['a viewer', true],
      ['a admin', false],
    ]);
    expect(await auditTrail(env, a.key, 'ApiKey')).toEqual([
      ['apikey.create', first.id, { name: 'a viewer', role: 'viewer' }],
      ['apikey.create', second.id, { name: 'a admin', role: 'admin' }],
      ['apikey.revoke', first.id, {}],
    ]);
  });

  it('revoking again keeps the first revocation time', async () => {
    const a = await account();
    const k = await keyOf(a.key, 'viewer');
    const first = await call('DELETE', `/api-keys/${k.id}`, a.key);
    await new Promise((r) => setTimeout(r, 20));
    const second = await call('DELETE', `/api-keys/${k.id}`, a.key);
    expect(second.status).toBe(200);
    expect(first.body.revokedAt).toEqual(expect.any(String));
    expect(second.body.revokedAt).toBe(first.body.revokedAt);
  });

  it("an admin revokes admin and viewer keys but not an owner's; a viewer revokes none", async () => {
    const a = await account();
    const admin = await keyOf(a.key, 'admin');
    const peer = await keyOf(a.key, 'admin');
    const owner = await keyOf(a.key, 'owner');
    const viewer = await keyOf(a.key, 'viewer');
    const up = await call('DELETE', `/api-keys/${owner.id}`, admin.secret);
    expect(up.status).toBe(403);
    expect(up.body.message).toBe('a admin key cannot revoke a owner key');
    expect((await call('GET', '/whoami', owner.secret)).status).toBe(200);
    const byViewer = await call('DELETE', `/api-keys/${peer.id}`, viewer.secret);
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.message).toBe('this operation needs the admin role; the caller has viewer');
    expect((await call('DELETE', `/api-keys/${peer.id}`, admin.secret)).status).toBe(200);
    expect((await call('DELETE', `/api-keys/${viewer.id}`, admin.secret)).status).toBe(200);
    expect((await call('GET', '/whoami', peer.secret)).status).toBe(401);
  });

  it("another account's key is not found; a bad id is refused on id", async () => {
    const a = await account();
    const b = await account();
    const bk = await keyOf(b.key, 'viewer');
    const cross = await call('DELETE', `/api-keys/${bk.id}`, a.key);
    expect(cross.status).toBe(404);
    expect(cross.body.message).toBe(`API key "${bk.id}" not found`);
    expect((await call('GET', '/whoami', bk.secret)).status).toBe(200);
    const bad = await call('DELETE', '/api-keys/nope', a.key);
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['id']);
    const keys = (await call('GET', '/api-keys', a.key)).body.items.map((k: { id: string }) => k.id);
    expect(keys).not.toContain(bk.id);
  });
});

describe('workload clusters', () => {
  it('names are DNS labels; a description is at most 1,000 characters and null when left out', async () => {
    const { key } = await account();
    for (const [payload, field] of [
      [{ name: 'Prod' }, 'name'],
      [{ name: 'c', description: 'd'.repeat(1001) }, 'description'],
    ] as const) {
      const r = await call('POST', '/clusters', key, payload);
      expect(r.status).toBe(400);
      expect(paths(r)).toEqual([field]);
    }
    const edge = await call('POST', '/clusters', key, { name: 'c', description: 'd'.repeat(1000) });
    expect(edge.status, edge.raw).toBe(201);
    const bare = await call('POST', '/clusters', key, { name: 'bare' });
    expect(bare.body).toMatchObject({ name: 'bare', description: null });
  });

  it('lists by name; a duplicate is a conflict naming the cluster; create and delete are audited', async () => {
    const { key } = await account();
    const z = await call('POST', '/clusters', key, { name: 'zulu' });
    const al = await call('POST', '/clusters', key, { name: 'alpha' });
    const dup = await call('POST', '/clusters', key, { name: 'zulu', description: 'again' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe('cluster "zulu" already exists');
    const list = await call('GET', '/clusters', key);
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['alpha', 'zulu']);
    expect((await call('DELETE', `/clusters/${z.body.id}`, key)).status).toBe(204);
    expect(await auditTrail(env, key, 'Cluster')).toEqual([
      ['cluster.create', z.body.id, { name: 'zulu' }],
      ['cluster.create', al.body.id, { name: 'alpha' }],
      ['cluster.delete', z.body.id, {}],
    ]);
    // Another account may use the name.
    const other = await account();
    expect((await call('POST', '/clusters', other.key, { name: 'alpha' })).status).toBe(201);
  });

  it('a viewer reads clusters but neither registers nor removes one', async () => {
    const a = await account();
    const viewer = await keyOf(a.key, 'viewer');
    const c = await call('POST', '/clusters', a.key, { name: 'c' });
    expect((await call('GET', `/clusters/${c.body.id}`, viewer.secret)).body.name).toBe('c');
    for (const [method, url] of [
      ['POST', '/clusters'],
      ['DELETE', `/clusters/${c.body.id}`],
    ] as const) {
      const r = await call(method, url, viewer.secret, method === 'POST' ? { name: 'v' } : undefined);
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('this operation needs the admin role; the caller has viewer');
    }
  });

  it("another account's cluster is not found; a bad id is refused on id", async () => {
    const a = await account();
    const b = await account();
    const c = await call('POST', '/clusters', b.key, { name: 'theirs' });
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, `/clusters/${c.body.id}`, a.key);
      expect(r.status).toBe(404);
      expect(r.body.message).toBe(`cluster "${c.body.id}" not found`);
      const bad = await call(method, '/clusters/nope', a.key);
      expect(bad.status).toBe(400);
      expect(paths(bad)).toEqual(['id']);
    }
    expect((await call('GET', `/clusters/${c.body.id}`, b.key)).status).toBe(200);
    expect((await call('GET', '/clusters', a.key)).body.items).toEqual([]);
  });

  it('a cluster still in use is not removed; the refusal counts what uses it', async () => {
    const { key } = await account();
    const c = await call('POST', '/clusters', key, { name: 'busy' });
    const clusterId = c.body.id;
    const put = async (url: string, payload: Record<string, unknown>) => {
      const r = await call('PUT', url, key, { clusterId, ...payload });
      expect(r.status, r.raw).toBeLessThan(300);
      return r;
    };
    const s1 = await put('/services', { name: 'web', ports: [{ port: 80 }] });
    await put('/services', { name: 'api', ports: [{ port: 81 }] });
    const slice = await put('/endpoint-slices', {
      clientUid: 'slice-1',
      namespace: 'default',
      name: 'web-1',
      serviceName: 'web',
    });
    const grant = await put('/reference-grants', {
      name: 'g',
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'other' }],
        to: [{ group: '', kind: 'Service' }],
      },
    });
    const busy = await call('DELETE', `/clusters/${clusterId}`, key);
    expect(busy.status).toBe(409);
    expect(busy.body.message).toBe(
      'cluster "busy" is still used by 1 endpoint slices, 2 services, 1 reference grants',
    );

    await call('DELETE', `/services/${s1.body.id}`, key);
    await call('DELETE', `/endpoint-slices/${slice.body.id}`, key);
    await call('DELETE', `/reference-grants/${grant.body.id}`, key);
    const one = await call('DELETE', `/clusters/${clusterId}`, key);
    expect(one.status).toBe(409);
    expect(one.body.message).toBe('cluster "busy" is still used by 1 services');
    expect((await call('GET', `/clusters/${clusterId}`, key)).status).toBe(200);
  });
});
