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

// Services and ReferenceGrants mirrored from clusters, through REST against a real database, each test
// with its own account and cluster: the field and reason of every refusal, client-uid identity (one
// object of one cluster), the gateways re-rendered by a change, filters, roles, the audit trail and
// tenant isolation.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
async function account() {
  const a = await createAccount(env, `objects-edges-${++n}`);
  const c = await call('POST', '/clusters', a.key, { name: 'c1' });
  expect(c.status, c.raw).toBe(201);
  return { ...a, clusterId: c.body.id as string };
}
const service = (key: string, payload: Record<string, unknown>) =>
  call('PUT', '/services', key, { namespace: 'web', name: 'api', ports: [{ port: 80 }], ...payload });
const grantSpec = {
  from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
  to: [{ group: '', kind: 'Service' }],
};
const grant = (key: string, payload: Record<string, unknown>) =>
  call('PUT', '/reference-grants', key, { namespace: 'backend', name: 'allow', spec: grantSpec, ...payload });

describe('refusals name the field and the reason', () => {
  it('Service: each bad field by its path, at the edges of its limits', async () => {
    const a = await account();
    const bad: [Record<string, unknown>, string][] = [
      [{ ports: [] }, 'ports'],
      [{ ports: Array.from({ length: 101 }, (_, i) => ({ port: i + 1 })) }, 'ports'],
      [{ ports: [{ port: 0 }] }, 'ports[0].port'],
      [{ ports: [{ port: 65536 }] }, 'ports[0].port'],
      [{ ports: [{ port: 80, targetPort: 0 }] }, 'ports[0].targetPort'],
      [{ ports: [{ port: 80, targetPort: 65536 }] }, 'ports[0].targetPort'],
      [{ ports: [{ port: 80, protocol: 'HTTP' }] }, 'ports[0].protocol'],
      [{ ports: [{ port: 80, name: 'n'.repeat(64) }] }, 'ports[0].name'],
      [{ ports: [{ port: 80, appProtocol: 'a'.repeat(254) }] }, 'ports[0].appProtocol'],
      [{ namespace: 'Web' }, 'namespace'],
      [{ name: 'a_b' }, 'name'],
      [{ name: 'a'.repeat(254) }, 'name'],
      [{ clientUid: 'static:x' }, 'clientUid'],
      [{ clusterId: 'c1' }, 'clusterId'],
    ];
    for (const [extra, field] of bad) {
      const r = await service(a.key, extra);
      expect(r.status, JSON.stringify(extra).slice(0, 80)).toBe(400);
      expect(paths(r), JSON.stringify(extra).slice(0, 80)).toEqual([field]);
    }
    const edge = await service(a.key, {
      name: 'a'.repeat(253),
      ports: [
        {
          port: 65535,
          targetPort: 65535,
          protocol: 'SCTP',
          name: 'n'.repeat(63),
          appProtocol: 'a'.repeat(253),
        },
        { port: 1, targetPort: 1, protocol: 'UDP' },
      ],
    });
    expect(edge.status, edge.raw).toBe(201);
    expect(edge.body.ports[1]).toEqual({ port: 1, targetPort: 1, protocol: 'UDP' });
    expect((await call('GET', '/services', a.key)).body.items).toHaveLength(1);
  });

  it('ReferenceGrant: the spec is checked as Gateway API checks it, on spec', async () => {
    const a = await account();
    const empty = await grant(a.key, { spec: { ...grantSpec, from: [] } });
    expect([empty.status, paths(empty)]).toEqual([400, ['spec.from']]);
    const notObject = await grant(a.key, { spec: 'x' });
    expect([notObject.status, paths(notObject)]).toEqual([400, ['spec']]);
    const ok = await grant(a.key, {});
    expect(ok.status, ok.raw).toBe(201);
    expect(ok.body.spec).toMatchObject(grantSpec);
  });

  it('a cluster of another account is not found, on clusterId; nothing is written', async () => {
    const a = await account();
    const b = await account();
    for (const put of [service, grant]) {
      const r = await put(a.key, { clusterId: b.clusterId });
      expect(r.status).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${b.clusterId} not found` }]);
    }
    expect((await call('GET', '/services', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/reference-grants', b.key)).body.items).toEqual([]);
  });
});

describe('client-uid identity', () => {
  it('without a uid, cluster, kind, namespace and name identify the object; the namespace defaults to default', async () => {
    const a = await account();
    const s = await call('PUT', '/services', a.key, { name: 'api', ports: [{ port: 80 }] });
    expect(s.status, s.raw).toBe(201);
    expect(s.body).toMatchObject({
      namespace: 'default',
      clusterId: null,
      clientUid: 'api:none:Service:default/api',
    });
    const inCluster = await service(a.key, { clusterId: a.clusterId });
    expect(inCluster.body.clientUid).toBe(`api:${a.clusterId}:Service:web/api`);
    const g = await grant(a.key, { clusterId: a.clusterId });
    expect(g.body.clientUid).toBe(`api:${a.clusterId}:ReferenceGrant:backend/allow`);
    const again = await service(a.key, { clusterId: a.clusterId, ports: [{ port: 81 }] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: inCluster.body.id, ports: [{ port: 81, protocol: 'TCP' }] });
  });

  // Regression: a Service (or grant) of another cluster with the same client uid overwrote this one.
  it('the same uid from another cluster, or from none, is refused on clientUid and leaves the object as it was', async () => {
    const a = await account();
    const c2 = (await call('POST', '/clusters', a.key, { name: 'c2' })).body.id as string;
    const s = await service(a.key, { clusterId: a.clusterId, clientUid: 'k8s-uid-1' });
    expect(s.status).toBe(201);
    const other = await service(a.key, { clusterId: c2, clientUid: 'k8s-uid-1', ports: [{ port: 9 }] });
    expect(other.status).toBe(400);
    expect(other.body.issues).toEqual([
      { path: 'clientUid', message: `service k8s-uid-1 belongs to cluster ${a.clusterId}` },
    ]);
    const none = await service(a.key, { clientUid: 'k8s-uid-1', ports: [{ port: 9 }] });
    expect(none.status).toBe(400);
    expect((await call('GET', `/services/${s.body.id}`, a.key)).body.ports).toEqual([
      { port: 80, protocol: 'TCP' },
    ]);

    const g = await grant(a.key, { clientUid: 'rg-uid' });
    const moved = await grant(a.key, { clientUid: 'rg-uid', clusterId: c2 });
    expect(moved.status).toBe(400);
    expect(moved.body.issues).toEqual([
      { path: 'clientUid', message: 'reference grant rg-uid belongs to no cluster' },
    ]);
    expect((await call('GET', `/reference-grants/${g.body.id}`, a.key)).body.clusterId).toBeNull();
    // Another account may use the same uid.
    const b = await account();
    expect((await service(b.key, { clusterId: b.clusterId, clientUid: 'k8s-uid-1' })).status).toBe(201);
  });

  // Regression: an update was audited (and re-rendered) under the namespace and name the re-send claimed.
  it('a re-send keeps the namespace and name; the update is audited under what is stored', async () => {
    const a = await account();
    const s = await service(a.key, { clientUid: 'uid-s' });
    const u = await service(a.key, {
      clientUid: 'uid-s',
      namespace: 'shop',
      name: 'other',
      ports: [{ port: 81 }],
    });
    expect(u.status, u.raw).toBe(200);
    expect(u.body).toMatchObject({ id: s.body.id, namespace: 'web', name: 'api', ports: [{ port: 81 }] });
    expect((await call('DELETE', `/services/${s.body.id}`, a.key)).status).toBe(204);
    const what = { namespace: 'web', name: 'api' };
    expect(await auditTrail(env, a.key, 'Service')).toEqual([
      ['service.create', s.body.id, what],
      ['service.update', s.body.id, what],
      ['service.delete', s.body.id, what],
    ]);
  });

  it('ReferenceGrant create, update and delete are audited', async () => {
    const a = await account();
    const g = await grant(a.key, {});
    await grant(a.key, { spec: { ...grantSpec, to: [{ group: '', kind: 'Service', name: 'db' }] } });
    expect((await call('DELETE', `/reference-grants/${g.body.id}`, a.key)).status).toBe(204);
    const what = { namespace: 'backend', name: 'allow' };
    expect(await auditTrail(env, a.key, 'ReferenceGrant')).toEqual([
      ['referencegrant.create', g.body.id, what],
      ['referencegrant.update', g.body.id, what],
      ['referencegrant.delete', g.body.id, what],
    ]);
  });
});

describe('gateways re-rendered by a change', () => {
  /** The pool `p` and template `t` the account's gateways are created from. */
  const poolAndTemplate = async (key: string) => {
    await call('POST', '/address-pools', key, { name: 'p', spec: `198.18.${200 + n}.0/28` });
    await call('POST', '/templates', key, {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
    });
  };
  it('those with routes in the namespace, or with backends pointing into it; no others', async () => {
    const a = await account();
    await poolAndTemplate(a.key);
    const gw = async (name: string) => {
      const g = await call('POST', '/gateways', a.key, {
        name,
        namespace: 'web',
        template: 't',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      });
      expect(g.status, g.raw).toBe(201);
      return g.body.id as string;
    };
    const local = await gw('local');
    const cross = await gw('cross');
    const idle = await gw('idle');
    const route = async (
      name: string,
      parent: string,
      namespace: string,
      backend: Record<string, unknown>,
    ) => {
      const r = await call('POST', '/routes', a.key, {
        kind: 'HTTPRoute',
        name,
        namespace,
        spec: {
          parentRefs: [{ name: parent, namespace: 'web' }],
          rules: [{ backendRefs: [{ port: 80, ...backend }] }],
        },
      });
      expect(r.status, r.raw).toBe(201);
    };
    await route('local', 'local', 'shop', { name: 'api' });
    await route('cross', 'cross', 'web', { name: 'db', namespace: 'backend' });
    await route('idle', 'idle', 'web', { name: 'x' });
    const mine = [local, cross, idle];
    const queued = async () => {
      const rows = await env.db.reconcileRequest.findMany({ where: { gatewayId: { in: mine } } });
      await env.db.reconcileRequest.deleteMany({ where: { gatewayId: { in: mine } } });
      return [...new Set(rows.map((r) => r.gatewayId))].sort();
    };
    await queued();

    const shop = await service(a.key, { namespace: 'shop' });
    expect(await queued()).toEqual([local]);
    await service(a.key, { namespace: 'backend', name: 'db', clientUid: 'uid-db' });
    expect(await queued()).toEqual([cross]);
    await service(a.key, { namespace: 'elsewhere' });
    expect(await queued()).toEqual([]);
    const g = await grant(a.key, {});
    expect(await queued()).toEqual([cross]);
    await call('DELETE', `/services/${shop.body.id}`, a.key);
    expect(await queued()).toEqual([local]);
    await call('DELETE', `/reference-grants/${g.body.id}`, a.key);
    expect(await queued()).toEqual([cross]);
    // An update re-renders the gateways of the stored namespace, whatever the re-send claims.
    const moved = await service(a.key, {
      clientUid: 'uid-db',
      namespace: 'elsewhere',
      name: 'db',
      ports: [{ port: 5 }],
    });
    expect(moved.status, moved.raw).toBe(200);
    expect(await queued()).toEqual([cross]);
  });

  it('a ReferenceGrant also re-renders the gateways whose listeners or TLS settings name its namespace', async () => {
    const a = await account();
    await poolAndTemplate(a.key);
    const gw = async (name: string, extra: Record<string, unknown>) => {
      const g = await call('POST', '/gateways', a.key, { name, namespace: 'web', template: 't', ...extra });
      expect(g.status, g.raw).toBe(201);
      return g.body.id as string;
    };
    const https = (namespace: string) => [
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        tls: { certificateRefs: [{ kind: 'Secret', name: 'certificate', namespace }] },
      },
    ];
    // A listener certificate in the grant's namespace (no route at all), and one elsewhere.
    const certificate = await gw('certificate', { listeners: https('backend') });
    const elsewhere = await gw('elsewhere', { listeners: https('other') });
    const mine = [certificate, elsewhere];
    const queued = async () => {
      const rows = await env.db.reconcileRequest.findMany({ where: { gatewayId: { in: mine } } });
      await env.db.reconcileRequest.deleteMany({ where: { gatewayId: { in: mine } } });
      return [...new Set(rows.map((r) => r.gatewayId))].sort();
    };
    await queued();
    const secrets = { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'web' }] };
    const g = await grant(a.key, { spec: { ...secrets, to: [{ group: '', kind: 'Secret' }] } });
    expect(g.status, g.raw).toBe(201);
    expect(await queued()).toEqual([certificate]);
    // A Service there is no reference of theirs.
    await service(a.key, { namespace: 'backend' });
    expect(await queued()).toEqual([]);
    await call('DELETE', `/reference-grants/${g.body.id}`, a.key);
    expect(await queued()).toEqual([certificate]);
  });
});

describe('reads, deletes and roles', () => {
  it('lists filter by namespace and cluster and page oldest first; a bad filter is refused on its field', async () => {
    const a = await account();
    const s1 = (await service(a.key, { name: 's1', clusterId: a.clusterId })).body.id;
    const s2 = (await service(a.key, { name: 's2', namespace: 'shop' })).body.id;
    const s3 = (await service(a.key, { name: 's3' })).body.id;
    const ids = async (q: string) =>
      (await call('GET', `/services${q}`, a.key)).body.items.map((x: { id: string }) => x.id);
    expect(await ids('')).toEqual([s1, s2, s3]);
    expect(await ids('?namespace=shop')).toEqual([s2]);
    expect(await ids(`?clusterId=${a.clusterId}`)).toEqual([s1]);
    expect(await ids('?namespace=web')).toEqual([s1, s3]);
    const page = await call('GET', '/services?limit=2', a.key);
    expect(page.body.items.map((x: { id: string }) => x.id)).toEqual([s1, s2]);
    const rest2 = await call('GET', `/services?limit=2&cursor=${page.body.nextCursor}`, a.key);
    expect(rest2.body).toMatchObject({ items: [expect.objectContaining({ id: s3 })], nextCursor: null });
    for (const [q, field] of [
      ['?namespace=Web', 'namespace'],
      ['?clusterId=c1', 'clusterId'],
      ['?limit=501', 'limit'],
    ]) {
      const r = await call('GET', `/reference-grants${q}`, a.key);
      expect([r.status, paths(r)], q).toEqual([400, [field]]);
    }
    const b = await account();
    expect((await call('GET', '/services', b.key)).body.items).toEqual([]);
  });

  it("another account's objects are not found by get or delete; a bad id is refused on id", async () => {
    const a = await account();
    const b = await account();
    const s = (await service(b.key, {})).body.id;
    const g = (await grant(b.key, {})).body.id;
    for (const [base, id, what] of [
      ['/services', s, 'service'],
      ['/reference-grants', g, 'reference grant'],
    ]) {
      for (const method of ['GET', 'DELETE'] as const) {
        const r = await call(method, `${base}/${id}`, a.key);
        expect(r.status, `${method} ${base}`).toBe(404);
        expect(r.body.message).toBe(`${what} "${id}" not found`);
        const bad = await call(method, `${base}/nope`, a.key);
        expect([bad.status, paths(bad)]).toEqual([400, ['id']]);
      }
      expect((await call('GET', `${base}/${id}`, b.key)).status).toBe(200);
      const missing = await call('DELETE', `${base}/${missingId}`, b.key);
      expect(missing.body.message).toBe(`${what} "${missingId}" not found`);
    }
  });

  it('a viewer reads but writes neither Services nor ReferenceGrants', async () => {
    const a = await account();
    const viewer = (await call('POST', '/api-keys', a.key, { name: 'v', role: 'viewer' })).body
      .secret as string;
    const s = (await service(a.key, {})).body.id;
    const g = (await grant(a.key, {})).body.id;
    expect((await call('GET', `/services/${s}`, viewer)).status).toBe(200);
    expect((await call('GET', `/reference-grants/${g}`, viewer)).status).toBe(200);
    for (const w of [
      ['PUT', '/services', viewer, { name: 'v', ports: [{ port: 80 }] }],
      ['PUT', '/reference-grants', viewer, { name: 'v', spec: grantSpec }],
      ['DELETE', `/services/${s}`, viewer],
      ['DELETE', `/reference-grants/${g}`, viewer],
    ] as RestArgs[]) {
      const r = await call(...w);
      expect(r.status, `${w[0]} ${w[1]}`).toBe(403);
      expect(r.body.message).toBe('this operation needs the admin role; the caller has viewer');
    }
  });
});
