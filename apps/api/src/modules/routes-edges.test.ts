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

// Routes through REST against a real database, each test with its own account, cluster, pool and
// template: the field and reason of every refusal, client-uid identity, parentRef resolution (position,
// namespace, group and kind, cluster, tenant), no-op re-sends, filters, roles, the audit trail and tenant
// isolation.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
/** An account with a cluster, a pool of its own (a /28 each) and a template. */
async function account() {
  const a = await createAccount(env, `route-edges-${++n}`);
  const c = await call('POST', '/clusters', a.key, { name: 'c1' });
  const p = await call('POST', '/address-pools', a.key, { name: 'p', spec: `198.18.${100 + n}.0/28` });
  const t = await call('POST', '/templates', a.key, {
    name: 't',
    poolName: 'p',
    dnsNameTemplate: '{gateway}.{account}.example.com',
  });
  expect([c.status, p.status, t.status], `${c.raw} ${p.raw} ${t.raw}`).toEqual([201, 201, 201]);
  return { ...a, clusterId: c.body.id as string };
}
async function gateway(key: string, payload: Record<string, unknown>) {
  const g = await call('POST', '/gateways', key, {
    template: 't',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    ...payload,
  });
  expect(g.status, g.raw).toBe(201);
  return g.body.id as string;
}
const route = (key: string, payload: Record<string, unknown>) =>
  call('POST', '/routes', key, { kind: 'HTTPRoute', name: 'r', namespace: 'web', spec: {}, ...payload });

describe('route refusals name the field and the reason', () => {
  it('each bad field is refused by its path', async () => {
    const a = await account();
    const bad: [Record<string, unknown>, string][] = [
      [{ kind: 'SCTPRoute' }, 'kind'],
      [{ name: 'Shop' }, 'name'],
      [{ namespace: 'a.b' }, 'namespace'],
      [{ clusterId: 'c1' }, 'clusterId'],
      [{ clientUid: 'api:x' }, 'clientUid'],
      [{ spec: [] }, 'spec'],
      [{ spec: { hostnames: ['Not_A_Host'] } }, 'spec.hostnames[0]'],
      [{ kind: 'TCPRoute', spec: { rules: [] } }, 'spec.rules'],
    ];
    for (const [extra, field] of bad) {
      const r = await route(a.key, extra);
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(paths(r), JSON.stringify(extra)).toEqual([field]);
    }
    expect((await route(a.key, { labels: {} })).status).toBe(400);
    expect((await call('GET', '/routes', a.key)).body.items).toEqual([]);
  });

  it('a cluster of another account is not found, on clusterId', async () => {
    const a = await account();
    const b = await account();
    const r = await route(a.key, { clusterId: b.clusterId });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${b.clusterId} not found` }]);
  });

  it('a re-sent route of another kind is refused on kind; it stays what it was', async () => {
    const a = await account();
    const c = await route(a.key, { clientUid: 'uid-1' });
    expect(c.status, c.raw).toBe(201);
    const r = await route(a.key, {
      clientUid: 'uid-1',
      kind: 'TCPRoute',
      spec: { rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      { path: 'kind', message: `route ${c.body.id} is a HTTPRoute; kind cannot change` },
    ]);
    expect((await call('GET', `/routes/${c.body.id}`, a.key)).body).toMatchObject({
      kind: 'HTTPRoute',
      generation: 1,
    });
  });
});

describe('route identity and re-sends', () => {
  it('without a client uid, kind, namespace and name identify the route; the namespace defaults to default', async () => {
    const a = await account();
    const first = await call('POST', '/routes', a.key, { kind: 'HTTPRoute', name: 'r', spec: {} });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({
      namespace: 'default',
      clusterId: null,
      clientUid: 'api:none:HTTPRoute:default/r',
    });
    const again = await call('POST', '/routes', a.key, {
      kind: 'HTTPRoute',
      name: 'r',
      spec: { hostnames: ['a.example.com'] },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, generation: 2 });
    const grpc = await call('POST', '/routes', a.key, { kind: 'GRPCRoute', name: 'r', spec: {} });
    expect(grpc.status).toBe(201);
    const otherNs = await route(a.key, {});
    expect(otherNs.status).toBe(201);
    const inCluster = await route(a.key, { clusterId: a.clusterId });
    expect(inCluster.status).toBe(201);
    expect(inCluster.body.clientUid).toBe(`api:${a.clusterId}:HTTPRoute:web/r`);
    expect(new Set([first.body.id, grpc.body.id, otherNs.body.id, inCluster.body.id]).size).toBe(4);
  });

  it('re-sending the same spec, keys in another order, changes nothing and is not audited', async () => {
    const a = await account();
    const spec = {
      hostnames: ['shop.example.com'],
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [{ name: 'a', port: 80 }] },
      ],
    };
    const c = await route(a.key, { clientUid: 'same', spec });
    const reordered = {
      rules: [
        { backendRefs: [{ port: 80, name: 'a' }], matches: [{ path: { value: '/a', type: 'PathPrefix' } }] },
      ],
      hostnames: ['shop.example.com'],
    };
    const r = await route(a.key, { clientUid: 'same', spec: reordered });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: c.body.id, generation: 1, updatedAt: c.body.updatedAt });
    const put = await call('PUT', `/routes/${c.body.id}`, a.key, { spec: reordered });
    expect(put.body.generation).toBe(1);
    expect(await auditTrail(env, a.key, 'HTTPRoute')).toEqual([
      ['route.create', c.body.id, { name: 'r', namespace: 'web' }],
    ]);
  });

  // Regression: an update was audited under the name and namespace the re-send claimed, not the route's.
  it('a re-send under the same uid keeps name and namespace, and is audited under them', async () => {
    const a = await account();
    const c = await route(a.key, { clientUid: 'uid-r' });
    const u = await route(a.key, {
      clientUid: 'uid-r',
      name: 'claimed',
      namespace: 'shop',
      spec: { hostnames: ['x.example.com'] },
    });
    expect(u.status, u.raw).toBe(200);
    expect(u.body).toMatchObject({ id: c.body.id, name: 'r', namespace: 'web', generation: 2 });
    expect(await auditTrail(env, a.key, 'HTTPRoute')).toEqual([
      ['route.create', c.body.id, { name: 'r', namespace: 'web' }],
      ['route.update', c.body.id, { name: 'r', namespace: 'web' }],
    ]);
  });

  it('create, update and delete are audited under the kind, with name and namespace', async () => {
    const a = await account();
    const c = await route(a.key, { kind: 'GRPCRoute', name: 'g', clientUid: 'g1' });
    await route(a.key, {
      kind: 'GRPCRoute',
      name: 'g',
      clientUid: 'g1',
      spec: { hostnames: ['g.example.com'] },
    });
    const put = await call('PUT', `/routes/${c.body.id}`, a.key, { spec: { hostnames: ['h.example.com'] } });
    expect(put.status, put.raw).toBe(200);
    expect(put.body).toMatchObject({ generation: 3, spec: { hostnames: ['h.example.com'] } });
    expect((await call('DELETE', `/routes/${c.body.id}`, a.key)).status).toBe(204);
    const what = { name: 'g', namespace: 'web' };
    expect(await auditTrail(env, a.key, 'GRPCRoute')).toEqual([
      ['route.create', c.body.id, what],
      ['route.update', c.body.id, what],
      ['route.update', c.body.id, what],
      ['route.delete', c.body.id, what],
    ]);
  });
});

describe('parentRefs resolve to gateways', () => {
  it('by position, namespace, group and kind; a ref to anything else attaches nothing', async () => {
    const a = await account();
    const web = await gateway(a.key, { name: 'edge', namespace: 'web' });
    const infra = await gateway(a.key, { name: 'edge', namespace: 'infra' });
    const r = await route(a.key, {
      spec: {
        parentRefs: [
          { name: 'edge', kind: 'Service', group: '' },
          { name: 'edge', namespace: 'infra' },
          { name: 'nowhere' },
          { name: 'edge', group: 'example.com', kind: 'Gateway' },
          { name: 'edge', group: 'gateway.networking.k8s.io', kind: 'Gateway', sectionName: 'http' },
        ],
      },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.parents).toEqual([
      { gatewayId: infra, refIndex: 1 },
      { gatewayId: web, refIndex: 4 },
    ]);
    const byGateway = await call('GET', `/routes?gatewayId=${infra}`, a.key);
    expect(byGateway.body.items.map((x: { id: string }) => x.id)).toEqual([r.body.id]);
  });

  it('a gateway in another cluster, or without one, is not a parent of a cluster route', async () => {
    const a = await account();
    const other = (await call('POST', '/clusters', a.key, { name: 'c2' })).body.id as string;
    const inC1 = await gateway(a.key, { name: 'edge', namespace: 'web', clusterId: a.clusterId });
    await gateway(a.key, { name: 'edge', namespace: 'web', clusterId: other });
    const apiOnly = await gateway(a.key, { name: 'edge', namespace: 'web' });
    const r = await route(a.key, { clusterId: a.clusterId, spec: { parentRefs: [{ name: 'edge' }] } });
    expect(r.body.parents).toEqual([{ gatewayId: inC1, refIndex: 0 }]);
    const plain = await route(a.key, { name: 'plain', spec: { parentRefs: [{ name: 'edge' }] } });
    expect(plain.body.parents).toEqual([{ gatewayId: apiOnly, refIndex: 0 }]);
  });

  it("another account's gateway of the same name is never a parent", async () => {
    const a = await account();
    const b = await account();
    await gateway(b.key, { name: 'edge', namespace: 'web' });
    const r = await route(a.key, { spec: { parentRefs: [{ name: 'edge' }] } });
    expect(r.body.parents).toEqual([]);
    const late = await gateway(a.key, { name: 'edge', namespace: 'web' });
    expect((await call('GET', `/routes/${r.body.id}`, a.key)).body.parents).toEqual([
      { gatewayId: late, refIndex: 0 },
    ]);
  });

  it('a gateway created later attaches the routes that name it, at their positions, in its namespace only', async () => {
    const a = await account();
    const r = await route(a.key, {
      spec: { parentRefs: [{ name: 'other' }, { name: 'late' }, { name: 'late', namespace: 'infra' }] },
    });
    const elsewhere = await route(a.key, {
      name: 'elsewhere',
      namespace: 'shop',
      spec: { parentRefs: [{ name: 'late' }] },
    });
    const wrongKind = await route(a.key, {
      name: 'svc',
      spec: { parentRefs: [{ name: 'late', kind: 'Service', group: '' }] },
    });
    const wrongGroup = await route(a.key, {
      name: 'grp',
      spec: { parentRefs: [{ name: 'late', group: 'example.com' }] },
    });
    const inCluster = await route(a.key, {
      name: 'cl',
      clusterId: a.clusterId,
      spec: { parentRefs: [{ name: 'late' }] },
    });
    const gw = await gateway(a.key, { name: 'late', namespace: 'web' });
    expect((await call('GET', `/routes/${r.body.id}`, a.key)).body.parents).toEqual([
      { gatewayId: gw, refIndex: 1 },
    ]);
    for (const x of [elsewhere, wrongKind, wrongGroup, inCluster])
      expect((await call('GET', `/routes/${x.body.id}`, a.key)).body.parents, x.body.name).toEqual([]);
    const infra = await gateway(a.key, { name: 'late', namespace: 'infra' });
    expect((await call('GET', `/routes/${r.body.id}`, a.key)).body.parents).toEqual([
      { gatewayId: gw, refIndex: 1 },
      { gatewayId: infra, refIndex: 2 },
    ]);
  });

  it('changing the parentRefs moves the attachments', async () => {
    const a = await account();
    const one = await gateway(a.key, { name: 'one', namespace: 'web' });
    const two = await gateway(a.key, { name: 'two', namespace: 'web' });
    const r = await route(a.key, { spec: { parentRefs: [{ name: 'one' }] } });
    expect(r.body.parents).toEqual([{ gatewayId: one, refIndex: 0 }]);
    const moved = await call('PUT', `/routes/${r.body.id}`, a.key, {
      spec: { parentRefs: [{ name: 'two' }, { name: 'one' }] },
    });
    expect(moved.body.parents).toEqual(
      [
        { gatewayId: one, refIndex: 1 },
        { gatewayId: two, refIndex: 0 },
      ].sort((x, y) => x.refIndex - y.refIndex),
    );
    const none = await call('PUT', `/routes/${r.body.id}`, a.key, { spec: {} });
    expect(none.body.parents).toEqual([]);
    expect((await call('GET', `/routes?gatewayId=${one}`, a.key)).body.items).toEqual([]);
  });

  it('an update queues every gateway attached before or after, audits once, and a no-op queues nothing', async () => {
    const a = await account();
    const one = await gateway(a.key, { name: 'q-one', namespace: 'web' });
    const two = await gateway(a.key, { name: 'q-two', namespace: 'web' });
    const r = await route(a.key, { spec: { parentRefs: [{ name: 'q-one' }] } });
    const queued = async () =>
      (
        await env.db.$pool.query<{ gatewayId: string }>(
          `SELECT "gatewayId" FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[]) ORDER BY id`,
          [[one, two]],
        )
      ).rows.map((x) => x.gatewayId);
    const audits = async () =>
      (
        await env.db.$pool.query<{ action: string; data: unknown }>(
          `SELECT action, data FROM "AuditEvent" WHERE "objectId" = $1 ORDER BY "createdAt", id`,
          [r.body.id],
        )
      ).rows;
    await env.db.$pool.query(`DELETE FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[])`, [
      [one, two],
    ]);
    const moved = await call('PUT', `/routes/${r.body.id}`, a.key, {
      spec: { parentRefs: [{ name: 'q-two' }] },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.parents).toEqual([{ gatewayId: two, refIndex: 0 }]);
    expect(moved.body.generation).toBe(r.body.generation + 1);
    expect((await queued()).sort()).toEqual([one, two].sort());
    expect((await audits()).map((x) => x.action)).toEqual(['route.create', 'route.update']);
    expect((await audits())[1]!.data).toEqual({ name: r.body.name, namespace: r.body.namespace });
    await env.db.$pool.query(`DELETE FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[])`, [
      [one, two],
    ]);
    const same = await call('PUT', `/routes/${r.body.id}`, a.key, {
      spec: { parentRefs: [{ name: 'q-two' }] },
    });
    expect(same.body.generation).toBe(moved.body.generation);
    expect(await queued()).toEqual([]);
    expect(await audits()).toHaveLength(2);
  });
});

describe('route reads, updates, deletes and roles', () => {
  it('lists by kind, namespace and gateway, oldest first; a bad filter is refused on its field', async () => {
    const a = await account();
    const gw = await gateway(a.key, { name: 'edge', namespace: 'web' });
    const h = (await route(a.key, { name: 'h', spec: { parentRefs: [{ name: 'edge' }] } })).body.id;
    const t = (
      await route(a.key, {
        kind: 'TCPRoute',
        name: 't',
        spec: { rules: [{ backendRefs: [{ name: 'db', port: 1 }] }] },
      })
    ).body.id;
    const s = (await route(a.key, { name: 's', namespace: 'shop' })).body.id;
    const ids = async (q: string) =>
      (await call('GET', `/routes${q}`, a.key)).body.items.map((x: { id: string }) => x.id);
    expect(await ids('')).toEqual([h, t, s]);
    expect(await ids('?kind=TCPRoute')).toEqual([t]);
    expect(await ids('?namespace=shop')).toEqual([s]);
    expect(await ids(`?gatewayId=${gw}`)).toEqual([h]);
    expect(await ids('?kind=HTTPRoute&namespace=web')).toEqual([h]);
    for (const [q, field] of [
      ['?kind=SCTPRoute', 'kind'],
      ['?namespace=Web', 'namespace'],
      ['?gatewayId=edge', 'gatewayId'],
    ]) {
      const r = await call('GET', `/routes${q}`, a.key);
      expect([r.status, paths(r)], q).toEqual([400, [field]]);
    }
    const b = await account();
    expect((await call('GET', '/routes', b.key)).body.items).toEqual([]);
  });

  it('PUT replaces the spec only: validated for the route kind, refused for unknown or foreign routes', async () => {
    const a = await account();
    const b = await account();
    const r = await route(a.key, {
      kind: 'TCPRoute',
      spec: { rules: [{ backendRefs: [{ name: 'db', port: 1 }] }] },
    });
    const invalid = await call('PUT', `/routes/${r.body.id}`, a.key, { spec: { rules: [] } });
    expect([invalid.status, paths(invalid)]).toEqual([400, ['spec.rules']]);
    const extra = await call('PUT', `/routes/${r.body.id}`, a.key, { kind: 'HTTPRoute', spec: {} });
    expect(extra.status).toBe(400);
    for (const [method, payload] of [
      ['GET', undefined],
      ['PUT', { spec: { rules: [{ backendRefs: [{ name: 'x', port: 2 }] }] } }],
      ['DELETE', undefined],
    ] as const) {
      const foreign = await call(method, `/routes/${r.body.id}`, b.key, payload);
      expect(foreign.status, method).toBe(404);
      expect(foreign.body.message).toBe(`route "${r.body.id}" not found`);
      const missing = await call(method, `/routes/${missingId}`, a.key, payload);
      expect(missing.status, method).toBe(404);
      expect(missing.body.message).toBe(`route "${missingId}" not found`);
      const bad = await call(method, '/routes/nope', a.key, payload);
      expect([bad.status, paths(bad)], method).toEqual([400, ['id']]);
    }
    const kept = await call('GET', `/routes/${r.body.id}`, a.key);
    expect(kept.body).toMatchObject({
      generation: 1,
      spec: { rules: [{ backendRefs: [{ name: 'db', port: 1 }] }] },
    });
  });

  it('a cluster route keeps its cluster through a PUT', async () => {
    const a = await account();
    const gw = await gateway(a.key, { name: 'edge', namespace: 'web', clusterId: a.clusterId });
    const r = await route(a.key, { clusterId: a.clusterId, clientUid: 'k8s-1' });
    const put = await call('PUT', `/routes/${r.body.id}`, a.key, {
      spec: { parentRefs: [{ name: 'edge' }] },
    });
    expect(put.status, put.raw).toBe(200);
    expect(put.body).toMatchObject({
      clusterId: a.clusterId,
      clientUid: 'k8s-1',
      parents: [{ gatewayId: gw, refIndex: 0 }],
    });
  });

  it('a viewer reads routes but writes none', async () => {
    const a = await account();
    const viewer = (await call('POST', '/api-keys', a.key, { name: 'v', role: 'viewer' })).body
      .secret as string;
    const r = await route(a.key, {});
    expect((await call('GET', `/routes/${r.body.id}`, viewer)).body.id).toBe(r.body.id);
    for (const w of [
      ['POST', '/routes', viewer, { kind: 'HTTPRoute', name: 'v', spec: {} }],
      ['PUT', `/routes/${r.body.id}`, viewer, { spec: { hostnames: ['v.example.com'] } }],
      ['DELETE', `/routes/${r.body.id}`, viewer],
    ] as RestArgs[]) {
      const res = await call(...w);
      expect(res.status, `${w[0]} ${w[1]}`).toBe(403);
      expect(res.body.message).toBe('this operation needs the admin role; the caller has viewer');
    }
    expect((await call('GET', `/routes/${r.body.id}`, a.key)).body.generation).toBe(1);
  });
});
