import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTrail,
  createAccount,
  viewerKey,
  missingId,
  refusedFields as paths,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// EndpointSlices, static endpoints and the audit-event list through REST against a real database, each
// test with its own account and cluster: the field and reason of every refusal, the limits at their edges,
// client-uid ownership, filters and paging, roles, the audit trail and tenant isolation.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
/** An account with one workload cluster. */
async function account() {
  const a = await createAccount(env, `eps-edges-${++n}`);
  const c = await call('POST', '/clusters', a.key, { name: 'c1' });
  expect(c.status, c.raw).toBe(201);
  return { ...a, clusterId: c.body.id as string };
}
const slice = (clusterId: string, extra: Record<string, unknown> = {}) => ({
  clusterId,
  clientUid: 'eps-1',
  namespace: 'web',
  name: 'api-1',
  serviceName: 'api',
  ...extra,
});
const addresses = (count: number, base = 0) =>
  Array.from(
    { length: count },
    (_, i) =>
      `10.${Math.floor((base + i) / 65536) % 256}.${Math.floor((base + i) / 256) % 256}.${(base + i) % 256}`,
  );

describe('EndpointSlice refusals name the field and the reason', () => {
  it('each bad field is refused by its path', async () => {
    const a = await account();
    const bad: [Record<string, unknown>, string][] = [
      [{ clusterId: 'nope' }, 'clusterId'],
      [{ clientUid: 'static:web/api' }, 'clientUid'],
      [{ clientUid: '-x' }, 'clientUid'],
      [{ namespace: 'Web' }, 'namespace'],
      [{ name: 'API' }, 'name'],
      [{ serviceName: 'a.b' }, 'serviceName'],
      [{ addressType: 'FQDN' }, 'addressType'],
      [{ ports: [{ port: 0 }] }, 'ports[0].port'],
      [{ ports: [{ port: 65536 }] }, 'ports[0].port'],
      [{ ports: [{ port: 80, protocol: 'HTTP' }] }, 'ports[0].protocol'],
      [{ ports: [{ port: 80, name: 'n'.repeat(64) }] }, 'ports[0].name'],
      [{ ports: [{ port: 80, appProtocol: 'a'.repeat(254) }] }, 'ports[0].appProtocol'],
      [{ ports: Array.from({ length: 101 }, (_, i) => ({ port: i + 1 })) }, 'ports'],
      [{ endpoints: [{ addresses: [] }] }, 'endpoints[0].addresses'],
      [{ endpoints: [{ addresses: ['10.0.0.256'] }] }, 'endpoints[0].addresses[0]'],
      [{ endpoints: [{ addresses: addresses(101) }] }, 'endpoints[0].addresses'],
      [{ endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'N1' }] }, 'endpoints[0].nodeName'],
      [{ endpoints: [{ addresses: ['10.0.0.1'], zone: 'z'.repeat(254) }] }, 'endpoints[0].zone'],
      [
        { endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: 'yes' } }] },
        'endpoints[0].conditions.ready',
      ],
      [{ nodeAddresses: { n1: 'not-an-ip' } }, 'nodeAddresses.n1'],
    ];
    for (const [extra, field] of bad) {
      const r = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, extra));
      expect(r.status, JSON.stringify(extra).slice(0, 80)).toBe(400);
      expect(paths(r), JSON.stringify(extra).slice(0, 80)).toEqual([field]);
    }
  });

  it('an address of the other family is refused at its index, naming the addressType', async () => {
    const a = await account();
    const v4 = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, {
        endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2', '2001:db8::1'] }],
      }),
    );
    expect(v4.status).toBe(400);
    expect(v4.body.issues).toEqual([
      { path: 'endpoints[1].addresses[1]', message: 'must be an IPv4 address (addressType)' },
    ]);
    const v6 = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { addressType: 'IPv6', endpoints: [{ addresses: ['2001:db8::1', '10.0.0.1'] }] }),
    );
    expect(v6.body.issues).toEqual([
      { path: 'endpoints[0].addresses[1]', message: 'must be an IPv6 address (addressType)' },
    ]);
    const ok6 = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { addressType: 'IPv6', endpoints: [{ addresses: ['2001:db8::1'] }] }),
    );
    expect(ok6.status, ok6.raw).toBe(201);
    expect(ok6.body.addressType).toBe('IPv6');
  });

  it('a slice holds at most 1,000 addresses in all; 1,000 are accepted', async () => {
    const a = await account();
    const endpoints = (total: number) =>
      Array.from({ length: Math.ceil(total / 100) }, (_, i) => ({
        addresses: addresses(Math.min(100, total - i * 100), i * 100),
      }));
    const over = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { endpoints: endpoints(1001) }),
    );
    expect(over.status).toBe(400);
    expect(over.body.issues).toEqual([
      { path: 'endpoints', message: 'must hold at most 1000 addresses in all (has 1001)' },
    ]);
    const edge = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { endpoints: endpoints(1000) }),
    );
    expect(edge.status, edge.raw.slice(0, 300)).toBe(201);
    expect(edge.body.endpoints).toHaveLength(10);
  });

  it('a cluster of another account is not found, on clusterId; the slice is not created', async () => {
    const a = await account();
    const b = await account();
    const r = await call('PUT', '/endpoint-slices', a.key, slice(b.clusterId));
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${b.clusterId} not found` }]);
    expect((await call('GET', '/endpoint-slices', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/endpoint-slices', b.key)).body.items).toEqual([]);
  });
});

describe('EndpointSlice upserts', () => {
  it('defaults: IPv4, no ports, endpoints or node addresses; endpoint conditions empty; port protocol TCP', async () => {
    const a = await account();
    const r = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({
      clusterId: a.clusterId,
      clientUid: 'eps-1',
      namespace: 'web',
      name: 'api-1',
      serviceName: 'api',
      addressType: 'IPv4',
      static: false,
      ports: [],
      endpoints: [],
      nodeAddresses: {},
      generation: 1,
    });
    const p = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { ports: [{ port: 8080 }], endpoints: [{ addresses: ['10.0.0.1'] }] }),
    );
    expect(p.status).toBe(200);
    expect(p.body.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(p.body.endpoints).toEqual([{ addresses: ['10.0.0.1'], conditions: {} }]);
  });

  it('a re-sent slice updates the service, address type and contents, keeps its name, and counts generations', async () => {
    const a = await account();
    const c = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    const u = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, {
        serviceName: 'api2',
        addressType: 'IPv6',
        endpoints: [{ addresses: ['2001:db8::5'], nodeName: 'n1' }],
        nodeAddresses: { n1: '192.0.2.1' },
      }),
    );
    expect(u.status, u.raw).toBe(200);
    expect(u.body).toMatchObject({
      id: c.body.id,
      serviceName: 'api2',
      addressType: 'IPv6',
      nodeAddresses: { n1: '192.0.2.1' },
      generation: 2,
    });
    const third = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, { name: 'renamed' }));
    expect(third.body).toMatchObject({ id: c.body.id, name: 'api-1', generation: 3, endpoints: [] });
    expect((await call('GET', '/endpoint-slices', a.key)).body.items).toHaveLength(1);
  });

  it('the same client uid from another cluster is refused on clientUid, naming the owning cluster', async () => {
    const a = await account();
    const other = (await call('POST', '/clusters', a.key, { name: 'c2' })).body.id;
    expect((await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId))).status).toBe(201);
    const r = await call('PUT', '/endpoint-slices', a.key, slice(other));
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      { path: 'clientUid', message: `endpoint slice eps-1 belongs to cluster ${a.clusterId}` },
    ]);
    // Another account may use the same client uid.
    const b = await account();
    expect((await call('PUT', '/endpoint-slices', b.key, slice(b.clusterId))).status).toBe(201);
  });

  it('create, update and delete are audited with namespace and name', async () => {
    const a = await account();
    const c = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, { serviceName: 'other' }));
    expect((await call('DELETE', `/endpoint-slices/${c.body.id}`, a.key)).status).toBe(204);
    const what = { namespace: 'web', name: 'api-1' };
    expect(await auditTrail(env, a.key, 'EndpointSlice')).toEqual([
      ['endpointslice.create', c.body.id, what],
      ['endpointslice.update', c.body.id, what],
      ['endpointslice.delete', c.body.id, what],
    ]);
  });

  it('a viewer reads slices but writes none', async () => {
    const a = await account();
    const viewer = await viewerKey(env, a.key);
    const c = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    expect((await call('GET', `/endpoint-slices/${c.body.id}`, viewer)).body.id).toBe(c.body.id);
    const writes: RestArgs[] = [
      ['PUT', '/endpoint-slices', viewer, slice(a.clusterId)],
      ['DELETE', `/endpoint-slices/${c.body.id}`, viewer],
      ['PUT', '/static-endpoints/web/api', viewer, { ports: [{ port: 80 }], endpoints: [] }],
      ['DELETE', '/static-endpoints/web/api', viewer],
    ];
    for (const w of writes) {
      const r = await call(...w);
      expect(r.status, `${w[0]} ${w[1]}`).toBe(403);
      expect(r.body.message).toBe('this operation needs the admin role; the caller has viewer');
    }
    expect((await call('GET', `/endpoint-slices/${c.body.id}`, a.key)).body.generation).toBe(1);
  });

  it("another account's slice is not found; a bad id is refused on id", async () => {
    const a = await account();
    const b = await account();
    const theirs = await call('PUT', '/endpoint-slices', b.key, slice(b.clusterId));
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, `/endpoint-slices/${theirs.body.id}`, a.key);
      expect(r.status).toBe(404);
      expect(r.body.message).toBe(`endpoint slice "${theirs.body.id}" not found`);
      const bad = await call(method, '/endpoint-slices/nope', a.key);
      expect(bad.status).toBe(400);
      expect(paths(bad)).toEqual(['id']);
    }
    expect((await call('GET', `/endpoint-slices/${theirs.body.id}`, b.key)).status).toBe(200);
    const missing = await call('DELETE', `/endpoint-slices/${missingId}`, a.key);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`endpoint slice "${missingId}" not found`);
  });
});

describe('gateways re-rendered by a slice change', () => {
  // Regression: a slice moved to another service re-rendered only the new service's gateways (the old
  // ones kept routing to its endpoints), and an update was audited under the namespace the re-send claimed.
  it("those routing to the slice's service, and to the service it left; the audit names what is stored", async () => {
    const a = await account();
    await call('POST', '/address-pools', a.key, { name: 'p', spec: `198.18.${150 + n}.0/28` });
    await call('POST', '/templates', a.key, {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const gw = async (name: string, backend: string) => {
      const g = await call('POST', '/gateways', a.key, {
        name,
        namespace: 'web',
        template: 't',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      });
      expect(g.status, g.raw).toBe(201);
      const r = await call('POST', '/routes', a.key, {
        kind: 'HTTPRoute',
        name,
        namespace: 'web',
        spec: { parentRefs: [{ name }], rules: [{ backendRefs: [{ name: backend, port: 80 }] }] },
      });
      expect(r.status, r.raw).toBe(201);
      return g.body.id as string;
    };
    const toApi = await gw('to-api', 'api');
    const toApi2 = await gw('to-api2', 'api2');
    const idle = await gw('idle', 'other');
    const mine = [toApi, toApi2, idle];
    const queued = async () => {
      const rows = await env.db.reconcileRequest.findMany({ where: { gatewayId: { in: mine } } });
      await env.db.reconcileRequest.deleteMany({ where: { gatewayId: { in: mine } } });
      return [...new Set(rows.map((r) => r.gatewayId))].sort();
    };
    await queued();
    const c = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    expect(await queued()).toEqual([toApi]);
    const moved = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, { serviceName: 'api2' }));
    expect(moved.status, moved.raw).toBe(200);
    expect(await queued()).toEqual([toApi, toApi2].sort());
    const again = await call(
      'PUT',
      '/endpoint-slices',
      a.key,
      slice(a.clusterId, { serviceName: 'api2', namespace: 'shop', name: 'claimed' }),
    );
    expect(again.body).toMatchObject({ namespace: 'web', name: 'api-1' });
    expect(await queued()).toEqual([toApi2]);
    await call('DELETE', `/endpoint-slices/${c.body.id}`, a.key);
    expect(await queued()).toEqual([toApi2]);
    const what = { namespace: 'web', name: 'api-1' };
    expect(await auditTrail(env, a.key, 'EndpointSlice')).toEqual([
      ['endpointslice.create', c.body.id, what],
      ['endpointslice.update', c.body.id, what],
      ['endpointslice.update', c.body.id, what],
      ['endpointslice.delete', c.body.id, what],
    ]);
  });
});

describe('EndpointSlice lists', () => {
  it('filter by namespace, service, cluster and static; page oldest first', async () => {
    const a = await account();
    const c2 = (await call('POST', '/clusters', a.key, { name: 'c2' })).body.id;
    const put = async (extra: Record<string, unknown>) => {
      const r = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, extra));
      expect(r.status, r.raw).toBe(201);
      return r.body.id as string;
    };
    const s1 = await put({ clientUid: 'u1', name: 's1' });
    const s2 = await put({ clientUid: 'u2', name: 's2', namespace: 'shop' });
    const s3 = await put({ clientUid: 'u3', name: 's3', serviceName: 'cart' });
    const s4 = await put({ clientUid: 'u4', name: 's4', clusterId: c2 });
    const st = await call('PUT', '/static-endpoints/web/legacy', a.key, {
      ports: [{ port: 80 }],
      endpoints: [],
    });
    const ids = async (q: string) =>
      (await call('GET', `/endpoint-slices${q}`, a.key)).body.items.map((e: { id: string }) => e.id);
    expect(await ids('')).toEqual([s1, s2, s3, s4, st.body.id]);
    expect(await ids('?namespace=shop')).toEqual([s2]);
    expect(await ids('?serviceName=cart')).toEqual([s3]);
    expect(await ids(`?clusterId=${c2}`)).toEqual([s4]);
    expect(await ids('?static=true')).toEqual([st.body.id]);
    expect(await ids('?static=false')).toEqual([s1, s2, s3, s4]);
    expect(await ids('?namespace=web&serviceName=api')).toEqual([s1, s4]);

    const first = await call('GET', '/endpoint-slices?limit=2', a.key);
    expect(first.body.items.map((e: { id: string }) => e.id)).toEqual([s1, s2]);
    const next = await call('GET', `/endpoint-slices?limit=2&cursor=${first.body.nextCursor}`, a.key);
    expect(next.body.items.map((e: { id: string }) => e.id)).toEqual([s3, s4]);
    const last = await call('GET', `/endpoint-slices?limit=2&cursor=${next.body.nextCursor}`, a.key);
    expect(last.body).toMatchObject({
      items: [expect.objectContaining({ id: st.body.id })],
      nextCursor: null,
    });
    const exact = await call('GET', '/endpoint-slices?limit=5', a.key);
    expect(exact.body.nextCursor).toBeNull();

    for (const q of [
      '?static=yes',
      '?namespace=Web',
      '?serviceName=a.b',
      '?clusterId=x',
      '?limit=0',
      '?limit=501',
    ]) {
      const r = await call('GET', `/endpoint-slices${q}`, a.key);
      expect(r.status, q).toBe(400);
    }
    // Another account's list holds none of these.
    const b = await account();
    expect((await call('GET', '/endpoint-slices', b.key)).body.items).toEqual([]);
  });
});

describe('static endpoints', () => {
  it('one slice per service: ready defaults to true, serving follows ready, nodeName only when given', async () => {
    const a = await account();
    const r = await call('PUT', '/static-endpoints/web/legacy', a.key, {
      ports: [{ port: 443, name: 'https' }],
      endpoints: [
        { address: '192.0.2.10', nodeName: 'node-a' },
        { address: '192.0.2.11', ready: false },
      ],
    });
    expect(r.status, r.raw).toBe(200);
    expect(r.body).toMatchObject({
      clusterId: null,
      clientUid: 'static:web/legacy',
      namespace: 'web',
      name: 'legacy-static',
      serviceName: 'legacy',
      addressType: 'IPv4',
      static: true,
      nodeAddresses: {},
      ports: [{ port: 443, name: 'https', protocol: 'TCP' }],
    });
    expect(r.body.endpoints).toEqual([
      {
        addresses: ['192.0.2.10'],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: 'node-a',
      },
      { addresses: ['192.0.2.11'], conditions: { ready: false, serving: false, terminating: false } },
    ]);
    const none = await call('PUT', '/static-endpoints/web/empty', a.key, {
      ports: [{ port: 80 }],
      endpoints: [],
    });
    expect(none.body).toMatchObject({ addressType: 'IPv4', endpoints: [] });
  });

  it('refusals: path parts by name, one address family, at least one port, at most 1,000 endpoints', async () => {
    const a = await account();
    const put = (url: string, payload: Record<string, unknown>) => call('PUT', url, a.key, payload);
    const ok = { ports: [{ port: 80 }], endpoints: [] };
    const ns = await put('/static-endpoints/Web/svc', ok);
    expect([ns.status, paths(ns)]).toEqual([400, ['namespace']]);
    const svc = await put('/static-endpoints/web/svc.x', ok);
    expect([svc.status, paths(svc)]).toEqual([400, ['service']]);
    const mixed = await put('/static-endpoints/web/svc', {
      ports: [{ port: 80 }],
      endpoints: [{ address: '192.0.2.1' }, { address: '2001:db8::1' }],
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.issues).toEqual([
      { path: 'endpoints', message: 'all addresses must be of one family' },
    ]);
    const noPorts = await put('/static-endpoints/web/svc', { ports: [], endpoints: [] });
    expect([noPorts.status, paths(noPorts)]).toEqual([400, ['ports']]);
    const many = (count: number) => ({
      ports: [{ port: 80 }],
      endpoints: addresses(count).map((address) => ({ address })),
    });
    const over = await put('/static-endpoints/web/svc', many(1001));
    expect([over.status, paths(over)]).toEqual([400, ['endpoints']]);
    const edge = await put('/static-endpoints/web/svc', many(1000));
    expect(edge.status).toBe(200);
    expect(edge.body.endpoints).toHaveLength(1000);
    const v6 = await put('/static-endpoints/web/six', {
      ports: [{ port: 80 }],
      endpoints: [{ address: '2001:db8::1' }, { address: '2001:db8::2' }],
    });
    expect(v6.body.addressType).toBe('IPv6');
  });

  it('set, replace and remove are audited; removing what is not there is not found, naming it', async () => {
    const a = await account();
    const first = await call('PUT', '/static-endpoints/web/legacy', a.key, {
      ports: [{ port: 80 }],
      endpoints: [{ address: '192.0.2.1' }],
    });
    const second = await call('PUT', '/static-endpoints/web/legacy', a.key, {
      ports: [{ port: 81 }],
      endpoints: [],
    });
    expect(second.body).toMatchObject({
      id: first.body.id,
      generation: 2,
      ports: [{ port: 81 }],
      endpoints: [],
    });
    expect((await call('DELETE', '/static-endpoints/web/legacy', a.key)).status).toBe(204);
    const what = { namespace: 'web', name: 'legacy-static' };
    expect(await auditTrail(env, a.key, 'EndpointSlice')).toEqual([
      ['endpointslice.create', first.body.id, what],
      ['endpointslice.update', first.body.id, what],
      ['endpointslice.delete', first.body.id, what],
    ]);
    const again = await call('DELETE', '/static-endpoints/web/legacy', a.key);
    expect(again.status).toBe(404);
    expect(again.body.message).toBe('endpoint slice "web/legacy" not found');
    const bad = await call('DELETE', '/static-endpoints/web/Legacy', a.key);
    expect([bad.status, paths(bad)]).toEqual([400, ['service']]);
    const badNs = await call('DELETE', '/static-endpoints/-web/legacy', a.key);
    expect([badNs.status, paths(badNs)]).toEqual([400, ['namespace']]);
  });

  it("another account's static endpoints are its own: same service, separate slices", async () => {
    const a = await account();
    const b = await account();
    const body = { ports: [{ port: 80 }], endpoints: [{ address: '192.0.2.1' }] };
    const sa = await call('PUT', '/static-endpoints/web/legacy', a.key, body);
    const sb = await call('PUT', '/static-endpoints/web/legacy', b.key, body);
    expect(sb.body.id).not.toBe(sa.body.id);
    expect(sb.body.generation).toBe(1);
    expect((await call('DELETE', '/static-endpoints/web/legacy', a.key)).status).toBe(204);
    expect((await call('GET', `/endpoint-slices/${sb.body.id}`, b.key)).status).toBe(200);
  });
});

describe('audit events', () => {
  it('filter by action and object id; an over-long filter is refused on its field', async () => {
    const a = await account();
    const c = await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId));
    await call('PUT', '/endpoint-slices', a.key, slice(a.clusterId, { clientUid: 'other', name: 'other' }));
    const byAction = await call('GET', '/audit-events?action=endpointslice.create', a.key);
    expect(byAction.body.items.map((e: { objectId: string }) => e.objectId)).toHaveLength(2);
    const byObject = await call('GET', `/audit-events?objectId=${c.body.id}`, a.key);
    expect(byObject.body.items.map((e: { action: string }) => e.action)).toEqual(['endpointslice.create']);
    const both = await call('GET', `/audit-events?objectId=${c.body.id}&action=cluster.create`, a.key);
    expect(both.body.items).toEqual([]);
    const all = await call('GET', '/audit-events?limit=2', a.key);
    expect(all.body.items.map((e: { action: string }) => e.action)).toEqual([
      'cluster.create',
      'endpointslice.create',
    ]);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    for (const field of ['action', 'objectId']) {
      const long = await call('GET', `/audit-events?${field}=${'x'.repeat(101)}`, a.key);
      expect([long.status, paths(long)], field).toEqual([400, [field]]);
      const edge = await call('GET', `/audit-events?${field}=${'x'.repeat(100)}`, a.key);
      expect(edge.status, field).toBe(200);
    }
    // Another account's events are not listed.
    const b = await account();
    expect((await call('GET', `/audit-events?objectId=${c.body.id}`, b.key)).body.items).toEqual([]);
  });
});
