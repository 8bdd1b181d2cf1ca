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

// Gateways through REST against a real database, each test with its own account, cluster, pool and
// template: refusals and their messages, names in DNS names, joins through a sharing key, the reconcile
// queue, the audit trail, list filters and the OpenAPI descriptions of the create fields.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
/** An account with a cluster, a pool of its own (a /28) and a template. */
async function account(dnsNameTemplate = '{gateway}.{account}.example.com') {
  const a = await createAccount(env, `gateway-edges-${++n}`);
  const c = await call('POST', '/clusters', a.key, { name: 'c1' });
  const p = await call('POST', '/address-pools', a.key, { name: 'p', spec: `198.18.${150 + n}.0/28` });
  const t = await call('POST', '/templates', a.key, {
    name: 't',
    poolName: 'p',
    dnsNameTemplate,
    allowSharing: true,
  });
  expect([c.status, p.status, t.status], `${c.raw} ${p.raw} ${t.raw}`).toEqual([201, 201, 201]);
  return { ...a, name: `gateway-edges-${n}`, clusterId: c.body.id as string, poolId: p.body.id as string };
}
const listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];
/** Listeners as parsed and stored: with their defaults. */
const stored = (ls: typeof listeners) =>
  ls.map((l) => ({ ...l, allowedRoutes: { namespaces: { from: 'Same' } } }));
const create = (key: string, payload: Record<string, unknown>) =>
  call('POST', '/gateways', key, { template: 't', listeners, ...payload });
async function gateway(key: string, payload: Record<string, unknown>) {
  const g = await create(key, payload);
  expect(g.status, g.raw).toBe(201);
  return g.body.id as string;
}
const queued = async (ids: string[]) => {
  const rows = await env.db.reconcileRequest.findMany({ where: { gatewayId: { in: ids } } });
  await env.db.reconcileRequest.deleteMany({ where: { gatewayId: { in: ids } } });
  return [...new Set(rows.map((r) => r.gatewayId))].sort();
};

describe('gateway refusals', () => {
  it('a cluster of another account is not found, on clusterId; nothing is created', async () => {
    const a = await account();
    const b = await account();
    const r = await create(a.key, { name: 'g', clusterId: b.clusterId });
    expect(r.status, r.raw).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${b.clusterId} not found` }]);
    expect((await call('GET', '/gateways', a.key)).body.items).toEqual([]);
  });

  it('a name held by another API gateway of the namespace names that gateway', async () => {
    const a = await account();
    const first = await gateway(a.key, { name: 'g', namespace: 'web' });
    const r = await create(a.key, { name: 'g', namespace: 'web' });
    expect(r.status, r.raw).toBe(409);
    expect(r.body.message).toBe(
      `name: a gateway named "g" already exists in namespace "web" (gateway ${first}): update that gateway instead, or choose another name`,
    );
  });

  it("a template whose pool is gone is a conflict naming both; a pool's exhaustion names its size", async () => {
    const a = await account();
    const t = await call('POST', '/templates', a.key, {
      name: 'lost',
      poolName: 'gone',
      dnsNameTemplate: '{gateway}.example.com',
    });
    expect(t.status, t.raw).toBe(201);
    const r = await create(a.key, { name: 'g', template: 'lost' });
    expect(r.status, r.raw).toBe(409);
    expect(r.body.message).toBe('template "lost" names address pool "gone", which does not exist');

    const made = [];
    for (let i = 0; i < 14; i++) made.push(await create(a.key, { name: `g${i}` }));
    expect(made.map((m) => m.status)).toEqual(Array(14).fill(201));
    const full = await create(a.key, { name: 'g14' });
    expect(full.status, full.raw).toBe(409);
    expect(full.body.message).toBe(
      'address pool "p" is exhausted (all 14 addresses it hands out are allocated)',
    );
  });

  it('an unknown template is refused on template with its name', async () => {
    const a = await account();
    const r = await create(a.key, { name: 'g', template: 'nope' });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'template', message: 'template "nope" not found' }]);
  });

  it('a missing gateway is not found by id on get, update and delete; nothing is audited', async () => {
    const a = await account();
    const message = `gateway "${missingId}" not found`;
    const got = await call('GET', `/gateways/${missingId}`, a.key);
    const put = await call('PUT', `/gateways/${missingId}/listeners`, a.key, { listeners });
    const del = await call('DELETE', `/gateways/${missingId}`, a.key);
    expect([got.status, put.status, del.status]).toEqual([404, 404, 404]);
    expect([got.body.message, put.body.message, del.body.message]).toEqual([message, message, message]);
    expect(await auditTrail(env, a.key, 'Gateway')).toEqual([]);
    expect(await queued([missingId])).toEqual([]);
  });

  it('a bad id is refused on id by delete and update', async () => {
    const a = await account();
    const del = await call('DELETE', '/gateways/not-a-uuid', a.key);
    const put = await call('PUT', '/gateways/not-a-uuid/listeners', a.key, { listeners });
    expect([del.status, put.status]).toEqual([400, 400]);
    expect([paths(del), paths(put)]).toEqual([['id'], ['id']]);
  });

  it('the condition filter must be a whole Type=Status', async () => {
    const a = await account();
    for (const condition of ['9Accepted=True', 'Accepted=True9', 'Accepted=Maybe']) {
      const r = await call('GET', `/gateways?condition=${condition}`, a.key);
      expect(r.status, condition).toBe(400);
      expect(r.body.issues, condition).toEqual([
        { path: 'condition', message: 'must look like Accepted=True' },
      ]);
    }
    expect((await call('GET', '/gateways?condition=Accepted=True', a.key)).status).toBe(200);
  });
});

describe('gateway names, joins and the reconcile queue', () => {
  it('the DNS name replaces dots of the name and of the address with dashes', async () => {
    const a = await account('{gateway}-{address}.{namespace}.example.com');
    const g = await create(a.key, { name: 'shop.v2', namespace: 'web' });
    expect(g.status, g.raw).toBe(201);
    const address = g.body.address as string;
    expect(g.body.dnsName).toBe(`shop-v2-${address.replaceAll('.', '-')}.web.example.com`);
  });

  it('an API client joining through a sharing key is kept by namespace and name; sent again it stays one', async () => {
    const a = await account();
    const id = await gateway(a.key, { name: 'g', sharingKey: 'k1' });
    await queued([id]);
    const joined = await create(a.key, { name: 'h', namespace: 'web', sharingKey: 'k1' });
    expect(joined.status, joined.raw).toBe(200);
    expect(joined.body.id).toBe(id);
    expect(await queued([id])).toEqual([id]);
    const again = await create(a.key, { name: 'h', namespace: 'web', sharingKey: 'k1' });
    expect(again.status, again.raw).toBe(200);
    expect(await queued([id])).toEqual([]);
    const clients = (await call('GET', `/gateways/${id}`, a.key)).body.clients as unknown[];
    expect(clients).toContainEqual({
      clusterId: null,
      namespace: 'web',
      name: 'h',
      clientUid: `api:none:web/h:${id}`,
    });
    expect(clients).toHaveLength(2);
    const held = await create(a.key, { name: 'g', sharingKey: 'k1', namespace: 'default' });
    expect(held.status, held.raw).toBe(200);
    expect((await call('GET', `/gateways/${id}`, a.key)).body.clients).toHaveLength(2);
  });

  it("a cluster's object joining is audited with its uid and cluster; its routes attach", async () => {
    const a = await account();
    const id = await gateway(a.key, { name: 'g', sharingKey: 'k2' });
    const joined = await create(a.key, {
      name: 'g',
      namespace: 'web',
      sharingKey: 'k2',
      clusterId: a.clusterId,
      clientUid: 'uid-2',
    });
    expect(joined.status, joined.raw).toBe(200);
    const trail = await auditTrail(env, a.key, 'Gateway');
    expect(trail.at(-1)).toEqual(['gateway.join', id, { clientUid: 'uid-2', clusterId: a.clusterId }]);
    expect((await call('GET', `/gateways/${id}`, a.key)).body.clients).toContainEqual({
      clusterId: a.clusterId,
      namespace: 'web',
      name: 'g',
      clientUid: 'uid-2',
    });
  });

  it('create, re-send with new listeners, listener update and delete are queued and audited', async () => {
    const a = await account();
    const c = await create(a.key, { name: 'g', clientUid: 'uid-1', clusterId: a.clusterId });
    expect(c.status, c.raw).toBe(201);
    const id = c.body.id as string;
    const address = c.body.address as string;
    expect(await queued([id])).toEqual([id]);
    const two = [...listeners, { name: 'alt', port: 8080, protocol: 'HTTP' }];
    const resent = await create(a.key, {
      name: 'g',
      clientUid: 'uid-1',
      clusterId: a.clusterId,
      listeners: two,
    });
    expect(resent.status, resent.raw).toBe(200);
    expect(await queued([id])).toEqual([id]);
    const same = await create(a.key, {
      name: 'g',
      clientUid: 'uid-1',
      clusterId: a.clusterId,
      listeners: two,
    });
    expect(same.status).toBe(200);
    expect(await queued([id])).toEqual([]);
    const put = await call('PUT', `/gateways/${id}/listeners`, a.key, { listeners });
    expect(put.status, put.raw).toBe(200);
    expect(await queued([id])).toEqual([id]);
    expect((await call('DELETE', `/gateways/${id}`, a.key)).status).toBe(204);
    expect(await auditTrail(env, a.key, 'Gateway')).toEqual([
      ['gateway.create', id, { name: 'g', address, pool: 'p' }],
      ['gateway.update', id, { listeners: stored(two) }],
      ['gateway.update', id, { listeners: stored(listeners) }],
      ['gateway.delete', id, { name: 'g', address }],
    ]);
  });

  it('a cluster is the authority on its names: its Gateway may take a name an API gateway holds', async () => {
    const a = await account();
    const api = await gateway(a.key, { name: 'g', namespace: 'web' });
    const own = await create(a.key, {
      name: 'g',
      namespace: 'web',
      clusterId: a.clusterId,
      clientUid: 'u-g',
    });
    expect(own.status, own.raw).toBe(201);
    expect(own.body.id).not.toBe(api);
    const shared = await gateway(a.key, { name: 's', sharingKey: 'k-auth' });
    const joined = await create(a.key, {
      name: 'g',
      namespace: 'web',
      clusterId: a.clusterId,
      sharingKey: 'k-auth',
    });
    expect(joined.status, joined.raw).toBe(200);
    expect(joined.body.id).toBe(shared);
  });

  it('an API client joining through a sharing key under a name another API gateway holds names that gateway', async () => {
    const a = await account();
    const shared = await gateway(a.key, { name: 's', sharingKey: 'k-held' });
    const holder = await gateway(a.key, { name: 'y' });
    const r = await create(a.key, { name: 'y', sharingKey: 'k-held' });
    expect(r.status, r.raw).toBe(409);
    expect(r.body.message).toBe(
      `name: a gateway named "y" already exists in namespace "default" (gateway ${holder}): update that gateway instead, or choose another name`,
    );
    expect((await call('GET', `/gateways/${shared}`, a.key)).body.clients).toHaveLength(1);
  });

  it("a cluster's object without a uid joins once, by cluster, namespace and name; its cluster's routes attach", async () => {
    const a = await account();
    const r = await call('POST', '/routes', a.key, {
      kind: 'HTTPRoute',
      name: 'r',
      namespace: 'web',
      clusterId: a.clusterId,
      spec: { parentRefs: [{ name: 'c' }] },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.parents).toEqual([]);
    const id = await gateway(a.key, { name: 's', sharingKey: 'k-once' });
    const payload = { name: 'c', namespace: 'web', clusterId: a.clusterId, sharingKey: 'k-once' };
    for (const attempt of [1, 2]) {
      const joined = await create(a.key, payload);
      expect([attempt, joined.status], joined.raw).toEqual([attempt, 200]);
      expect(joined.body.id).toBe(id);
    }
    const clients = (await call('GET', `/gateways/${id}`, a.key)).body.clients as unknown[];
    expect(clients).toHaveLength(2);
    expect(clients).toContainEqual({
      clusterId: a.clusterId,
      namespace: 'web',
      name: 'c',
      clientUid: `api:${a.clusterId}:web/c:${id}`,
    });
    expect((await call('GET', `/routes/${r.body.id}`, a.key)).body.parents).toEqual([
      { gatewayId: id, refIndex: 0 },
    ]);
  });

  it("a deleted gateway's queue holds only its final reconcile (the provisioner's clean-up), none of the earlier requests", async () => {
    const a = await account();
    const id = await gateway(a.key, { name: 'g' });
    const before = await env.db.reconcileRequest.findMany({ where: { gatewayId: id } });
    expect(before.length).toBeGreaterThan(0);
    expect((await call('DELETE', `/gateways/${id}`, a.key)).status).toBe(204);
    const after = await env.db.reconcileRequest.findMany({ where: { gatewayId: id } });
    expect(after).toHaveLength(1);
    expect(before.map((r) => r.id)).not.toContain(after[0]!.id);
  });

  it('the list filters by cluster', async () => {
    const a = await account();
    const inCluster = await gateway(a.key, { name: 'g', clusterId: a.clusterId, clientUid: 'u1' });
    await gateway(a.key, { name: 'h' });
    const r = await call('GET', `/gateways?clusterId=${a.clusterId}`, a.key);
    expect(r.status, r.raw).toBe(200);
    expect(r.body.items.map((g: { id: string }) => g.id)).toEqual([inCluster]);
  });

  it('the OpenAPI document describes the create fields', async () => {
    const doc = (await env.app.inject({ url: '/api/v1/openapi.json' })).body;
    for (const text of [
      "name of one of the account's templates (or give gatewayClassName)",
      'a GatewayClass of this controller: the gateway is built from its template',
      'workload cluster the Gateway object lives in',
      'uid of the Gateway object in its cluster; a re-sent create updates',
      "join the gateway created with the same key (e.g. the first Gateway's uid)",
      'only gateways with this condition, e.g. Accepted=True',
    ]) {
      expect(doc).toContain(JSON.stringify(text).slice(1, -1));
    }
  });
});
