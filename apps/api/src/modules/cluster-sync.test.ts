import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { testCertA } from '../test-support/tls-fixture.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(async () => {
  await env?.close();
});

const drain = () =>
  createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();

let poolNumber = 60;
async function setUp(name: string) {
  const acct = await createAccount(env, name);
  await call(acct.key, 'POST', '/address-pools', { name: 'pub', spec: `10.${poolNumber++}.0.0/24` });
  await call(acct.key, 'POST', '/templates', {
    name: 'gw',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
  const cluster = await call(acct.key, 'POST', '/clusters', { name: 'c1' });
  return {
    key: acct.key,
    sync: `/clusters/${cluster.body.id}/sync`,
    status: `/clusters/${cluster.body.id}/status`,
  };
}

async function call(key: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  const r = await env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload ? { payload } : {}),
  });
  return { status: r.statusCode, body: r.json() };
}

/** A Gateway item of a sync: `gw` in `default` from the template `gw`, one HTTP listener on 80. */
const syncGateway = (clientUid: string, more: Record<string, unknown> = {}) => ({
  clientUid,
  namespace: 'default',
  name: 'gw',
  template: 'gw',
  listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  ...more,
});

const route = (i: number) => ({
  kind: 'HTTPRoute',
  clientUid: `route-${i}`,
  namespace: 'default',
  name: `r-${i}`,
  spec: {
    parentRefs: [{ name: 'gw' }],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }],
        backendRefs: [{ name: 'svc', port: 80 }],
      },
    ],
  },
});

describe('cluster sync', () => {
  it('a burst of 200 routes is one call; full sync deletes what the set omits', async () => {
    const acct = await createAccount(env, 'syncer');
    await call(acct.key, 'POST', '/address-pools', { name: 'pub', spec: '10.50.0.0/24' });
    await call(acct.key, 'POST', '/templates', {
      name: 'gw',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const cluster = await call(acct.key, 'POST', '/clusters', { name: 'c1' });
    expect(cluster.status).toBe(201);
    const gateway = syncGateway('gw-uid');
    const first = await call(acct.key, 'POST', `/clusters/${cluster.body.id}/sync`, {
      gateways: [gateway],
      routes: Array.from({ length: 200 }, (_, i) => route(i)),
    });
    expect(first.status).toBe(200);
    expect(first.body.errors).toEqual([]);
    expect(first.body.upserted).toBe(201);
    expect(first.body.gateways).toHaveLength(1);
    expect(first.body.gateways[0].address).toBe('10.50.0.1');
    expect(first.body.routes).toHaveLength(200);

    // A listener edit re-sent through sync reaches the gateway.
    const edited = await call(acct.key, 'POST', `/clusters/${cluster.body.id}/sync`, {
      gateways: [{ ...gateway, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] }],
    });
    expect(edited.body.gateways[0].generation).toBe(2);
    const gw = await call(acct.key, 'GET', `/gateways/${first.body.gateways[0].id}`);
    expect(gw.body.listeners[0].port).toBe(8080);

    const full = await call(acct.key, 'POST', `/clusters/${cluster.body.id}/sync`, {
      full: true,
      gateways: [{ ...gateway, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] }],
      routes: [route(0)],
    });
    expect(full.body.deleted).toBe(199);
    expect(full.body.routes.map((r: { clientUid: string }) => r.clientUid)).toEqual(['route-0']);

    const gone = await call(acct.key, 'POST', `/clusters/${cluster.body.id}/sync`, { full: true });
    expect(gone.body.deleted).toBe(2);
    expect(gone.body.gateways).toEqual([]);
    const status = await call(acct.key, 'GET', `/clusters/${cluster.body.id}/status`);
    expect(status.body).toEqual({ gateways: [], routes: [], backendTlsPolicies: [], listenerSets: [] });
  });

  it('a full set sent in chunks: the last call is full, and what it keeps (sent earlier) is not deleted', async () => {
    const c = await setUp('chunked');
    const gateway = syncGateway('gw-uid');
    const first = await call(c.key, 'POST', c.sync, {
      gateways: [gateway],
      routes: Array.from({ length: 6 }, (_, i) => route(i)),
    });
    expect(first.body.upserted).toBe(7);
    // A restart: the full set is now gateway + routes 0..3 + 9, sent as two chunks.
    const chunk1 = await call(c.key, 'POST', c.sync, { gateways: [gateway], routes: [route(0), route(1)] });
    expect(chunk1.body.deleted).toBe(0);
    const last = await call(c.key, 'POST', c.sync, {
      full: true,
      routes: [route(2), route(3), route(9)],
      keep: { gateways: ['gw-uid'], routes: ['route-0', 'route-1'] },
    });
    expect(last.status).toBe(200);
    expect(last.body.errors).toEqual([]);
    expect(last.body.deleted).toBe(2);
    expect(last.body.gateways.map((g: { clientUid: string }) => g.clientUid)).toEqual(['gw-uid']);
    expect(last.body.routes.map((r: { clientUid: string }) => r.clientUid).sort()).toEqual([
      'route-0',
      'route-1',
      'route-2',
      'route-3',
      'route-9',
    ]);
    // keep is only a list of uids: a bad one is refused like any other input.
    const bad = await call(c.key, 'POST', c.sync, { full: true, keep: { routes: [''] } });
    expect(bad.status).toBe(400);
  });

  it('reports a bad item without failing the batch', async () => {
    const acct = await createAccount(env, 'syncer2');
    const cluster = await call(acct.key, 'POST', '/clusters', { name: 'c1' });
    const r = await call(acct.key, 'POST', `/clusters/${cluster.body.id}/sync`, {
      gateways: [
        {
          clientUid: 'g',
          namespace: 'default',
          name: 'g',
          template: 'missing',
          listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }],
        },
      ],
      routes: [route(1)],
    });
    expect(r.status).toBe(200);
    expect(r.body.errors).toEqual([
      { kind: 'Gateway', clientUid: 'g', message: expect.stringContaining('missing') },
    ]);
    expect(r.body.routes, JSON.stringify(r.body)).toHaveLength(1);
  });

  it('counts only the items it wrote; a bad EndpointSlice is an item error; slices are synced and deleted', async () => {
    const c = await setUp('syncer3');
    const slice = {
      clientUid: 'slice-1',
      namespace: 'default',
      name: 'svc-abc',
      serviceName: 'svc',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true }, nodeName: 'n1' }],
    };
    const r = await call(c.key, 'POST', c.sync, {
      services: [
        { clientUid: 'svc-1', namespace: 'default', name: 'svc', ports: [{ port: 80, targetPort: 8080 }] },
      ],
      endpointSlices: [
        slice,
        { ...slice, clientUid: 'slice-bad', name: 'bad', endpoints: [{ addresses: ['x'] }] },
      ],
      routes: [{ ...route(1), spec: { rules: 'not a list' } }],
    });
    expect(r.status).toBe(200);
    expect(r.body.upserted).toBe(2);
    expect(r.body.errors.map((e: { kind: string; clientUid: string }) => [e.kind, e.clientUid])).toEqual([
      ['EndpointSlice', 'slice-bad'],
      ['Route', 'route-1'],
    ]);
    const slices = await call(c.key, 'GET', '/endpoint-slices');
    expect(slices.body.items.map((x: { clientUid: string }) => x.clientUid)).toEqual(['slice-1']);
    const full = await call(c.key, 'POST', c.sync, { full: true });
    expect(full.body.deleted).toBe(2);
    expect((await call(c.key, 'GET', '/endpoint-slices')).body.items).toEqual([]);
  });

  it("answers the client generation its status describes, and null while EPIC's status is pending", async () => {
    const c = await setUp('syncer4');
    const gateway = syncGateway('gw-uid-4', { generation: 3 });
    const first = await call(c.key, 'POST', c.sync, {
      gateways: [gateway],
      routes: [{ ...route(4), generation: 7 }],
    });
    expect(first.body.errors).toEqual([]);
    // Not reconciled yet: no status EPIC computed for what was sent.
    expect(first.body.gateways[0].observedClientGeneration).toBeNull();
    expect(first.body.routes[0].observedClientGeneration).toBeNull();
    await drain();
    let s = await call(c.key, 'GET', c.status);
    expect(s.body.gateways[0].observedClientGeneration).toBe(3);
    expect(s.body.routes[0].observedClientGeneration).toBe(7);
    expect(s.body.routes[0].parents).toHaveLength(1);

    // A listener edit: pending until reconciled, then the new generation.
    await call(c.key, 'POST', c.sync, {
      gateways: [{ ...gateway, generation: 4, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] }],
    });
    s = await call(c.key, 'GET', c.status);
    expect(s.body.gateways[0].observedClientGeneration).toBeNull();
    await drain();
    s = await call(c.key, 'GET', c.status);
    expect(s.body.gateways[0].observedClientGeneration).toBe(4);

    // A metadata-only generation bump (nothing EPIC translates changed) is current at once.
    await call(c.key, 'POST', c.sync, {
      gateways: [{ ...gateway, generation: 5, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] }],
    });
    expect((await call(c.key, 'GET', c.status)).body.gateways[0].observedClientGeneration).toBe(5);

    // The route leaves the gateway: the gateway's entry is no longer reported.
    await call(c.key, 'POST', c.sync, {
      routes: [
        { ...route(4), generation: 8, spec: { ...route(4).spec, parentRefs: [{ name: 'elsewhere' }] } },
      ],
    });
    await drain();
    s = await call(c.key, 'GET', c.status);
    expect(s.body.routes[0].parents).toEqual([]);
    expect(s.body.routes[0].observedClientGeneration).toBe(8);
  });
  it('carries CA bundles and BackendTLSPolicies: stored for the cluster, their ancestors reported with the client generation, removed by delete and by the full set', async () => {
    const c = await setUp('syncer-btls');
    const cluster = c.sync.split('/')[2]!;
    const svc = {
      clientUid: 'svc-uid',
      namespace: 'default',
      name: 'svc',
      ports: [{ port: 443, protocol: 'TCP' }],
    };
    const bundle = {
      clientUid: 'cm-uid',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'ca',
      caCertificate: testCertA.certificate,
    };
    const policy = {
      clientUid: 'btls-uid',
      namespace: 'default',
      name: 'svc-tls',
      generation: 2,
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'svc' }],
        validation: {
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
          hostname: 'svc.example.com',
        },
      },
    };
    const tlsRoute = {
      ...route(9),
      spec: { ...route(9).spec, rules: [{ backendRefs: [{ name: 'svc', port: 443 }] }] },
    };
    const first = await call(c.key, 'POST', c.sync, {
      gateways: [syncGateway('gw-btls')],
      routes: [tlsRoute],
      services: [svc],
      caBundles: [bundle],
      backendTlsPolicies: [policy],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.errors).toEqual([]);
    expect(first.body.upserted).toBe(5);
    const stored = await call(c.key, 'GET', `/backend-tls-policies?clusterId=${cluster}`);
    expect(stored.body.items.map((p: { clientUid: string; spec: unknown }) => [p.clientUid, p.spec])).toEqual(
      [['btls-uid', policy.spec]],
    );
    const bundles = await call(c.key, 'GET', `/ca-bundles?clusterId=${cluster}`);
    expect(bundles.body.items.map((b: { clientUid: string; kind: string }) => [b.clientUid, b.kind])).toEqual(
      [['cm-uid', 'ConfigMap']],
    );

    await drain();
    const s = await call(c.key, 'GET', c.status);
    expect(s.body.backendTlsPolicies).toHaveLength(1);
    const p = s.body.backendTlsPolicies[0];
    expect(p).toMatchObject({ clientUid: 'btls-uid', generation: 1, observedClientGeneration: 2 });
    expect(p.ancestors).toHaveLength(1);
    expect(p.ancestors[0].ancestorRef).toEqual({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      namespace: 'default',
      name: 'gw',
    });
    expect(
      p.ancestors[0].conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`),
    ).toEqual(['Accepted=True', 'ResolvedRefs=True']);

    // A changed spec is pending until reconciled; a bad bundle or policy is an item error of its kind.
    const edited = await call(c.key, 'POST', c.sync, {
      backendTlsPolicies: [
        {
          ...policy,
          generation: 3,
          spec: { ...policy.spec, validation: { ...policy.spec.validation, hostname: 'b.example.com' } },
        },
        { ...policy, clientUid: 'bad-policy', name: 'bad', spec: { targetRefs: [] } },
      ],
      caBundles: [{ ...bundle, clientUid: 'bad-cm', name: 'bad', caCertificate: 'not a certificate' }],
    });
    expect(
      edited.body.errors.map((e: { kind: string; clientUid: string }) => `${e.kind}/${e.clientUid}`),
    ).toEqual(['CaBundle/bad-cm', 'BackendTLSPolicy/bad-policy']);
    expect(edited.body.backendTlsPolicies[0].observedClientGeneration).toBeNull();
    await drain();
    expect((await call(c.key, 'GET', c.status)).body.backendTlsPolicies[0].observedClientGeneration).toBe(3);

    // Deleted by uid, and by a full set that omits them.
    const del = await call(c.key, 'POST', c.sync, { deleted: { caBundles: ['cm-uid'] } });
    expect(del.body.deleted).toBe(1);
    expect((await call(c.key, 'GET', `/ca-bundles?clusterId=${cluster}`)).body.items).toEqual([]);
    const full = await call(c.key, 'POST', c.sync, {
      full: true,
      gateways: [syncGateway('gw-btls')],
      routes: [tlsRoute],
      services: [svc],
    });
    expect(full.body.deleted).toBe(1);
    expect(full.body.backendTlsPolicies).toEqual([]);
    expect((await call(c.key, 'GET', `/backend-tls-policies?clusterId=${cluster}`)).body.items).toEqual([]);
  });

  it('carries ListenerSets and Gateway allowedListeners: attached, routes through them, status with the client generation; deleted by uid and by the full set', async () => {
    const c = await setUp('syncer-ls');
    const cluster = c.sync.split('/')[2]!;
    const gateway = syncGateway('gw-ls', { allowedListeners: { namespaces: { from: 'Same' } } });
    const set = {
      clientUid: 'ls-uid',
      namespace: 'default',
      name: 'extra',
      generation: 4,
      creationTimestamp: '2026-01-01T00:00:00Z',
      spec: {
        parentRef: { name: 'gw' },
        listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP' }],
      },
    };
    const viaSet = {
      ...route(7),
      spec: { ...route(7).spec, parentRefs: [{ kind: 'ListenerSet', name: 'extra' }] },
    };
    const first = await call(c.key, 'POST', c.sync, {
      gateways: [gateway],
      listenerSets: [set],
      routes: [viaSet],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.errors).toEqual([]);
    expect(first.body.upserted).toBe(3);
    expect(first.body.listenerSets).toEqual([
      expect.objectContaining({
        clientUid: 'ls-uid',
        generation: 1,
        observedClientGeneration: null,
        gatewayId: null,
      }),
    ]);
    const gw = (await call(c.key, 'GET', `/gateways?clusterId=${cluster}`)).body.items[0];
    expect(gw.allowedListeners).toEqual({ namespaces: { from: 'Same' } });

    await drain();
    const s = (await call(c.key, 'GET', c.status)).body;
    expect(s.listenerSets).toHaveLength(1);
    const l = s.listenerSets[0];
    expect(l).toMatchObject({
      clientUid: 'ls-uid',
      generation: 1,
      observedClientGeneration: 4,
      gatewayId: gw.id,
    });
    expect(l.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`)).toEqual([
      'Accepted=True',
      // No proxy has acknowledged the gateway's revision: not programmed yet.
      'Programmed=Unknown',
    ]);
    expect(l.listeners).toEqual([expect.objectContaining({ name: 'extra', attachedRoutes: 1 })]);
    expect(s.routes[0].parents).toEqual([expect.objectContaining({ gatewayId: gw.id })]);

    // A changed spec is pending until reconciled; a bad one is an item error of its kind.
    const edited = await call(c.key, 'POST', c.sync, {
      listenerSets: [
        {
          ...set,
          generation: 5,
          spec: { ...set.spec, listeners: [{ name: 'extra', port: 8081, protocol: 'HTTP' }] },
        },
        { ...set, clientUid: 'bad-ls', name: 'bad', spec: { parentRef: { name: 'gw' }, listeners: [] } },
      ],
    });
    expect(
      edited.body.errors.map((e: { kind: string; clientUid: string }) => `${e.kind}/${e.clientUid}`),
    ).toEqual(['ListenerSet/bad-ls']);
    expect(edited.body.listenerSets[0].observedClientGeneration).toBeNull();
    await drain();
    expect((await call(c.key, 'GET', c.status)).body.listenerSets[0].observedClientGeneration).toBe(5);

    const del = await call(c.key, 'POST', c.sync, { deleted: { listenerSets: ['ls-uid'] } });
    expect(del.body.deleted).toBe(1);
    expect(del.body.listenerSets).toEqual([]);
    expect(del.body.routes[0].parents).toEqual([]);
    await call(c.key, 'POST', c.sync, { listenerSets: [set] });
    const full = await call(c.key, 'POST', c.sync, { full: true, gateways: [gateway], routes: [viaSet] });
    expect(full.body.deleted).toBe(1);
    expect((await call(c.key, 'GET', `/listener-sets?clusterId=${cluster}`)).body.items).toEqual([]);
  });

  it("carries Namespace labels: a selector listener accepts the labelled namespace's route; deletes and the full set remove them", async () => {
    const c = await setUp('syncer-ns');
    const clusterId = c.sync.split('/')[2]!;
    const gateway = syncGateway('gw-ns', {
      namespace: 'infra',
      listeners: [
        {
          name: 'http',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } },
        },
      ],
    });
    const webRoute = {
      ...route(1),
      namespace: 'web',
      spec: { ...route(1).spec, parentRefs: [{ name: 'gw', namespace: 'infra' }] },
    };
    const accepted = async () => {
      await drain();
      const s = await call(c.key, 'GET', c.status);
      const parent = s.body.routes[0].parents[0] as {
        conditions: { type: string; status: string; reason: string }[];
      };
      return parent.conditions.find((x) => x.type === 'Accepted');
    };
    const first = await call(c.key, 'POST', c.sync, {
      namespaces: [
        { clientUid: 'ns-web', name: 'web', labels: { team: 'web' } },
        { clientUid: 'ns-infra', name: 'infra' },
      ],
      gateways: [gateway],
      routes: [webRoute],
    });
    expect(first.status).toBe(200);
    expect(first.body.errors).toEqual([]);
    expect(first.body.upserted).toBe(4);
    const listed = await call(c.key, 'GET', `/namespaces?clusterId=${clusterId}`);
    expect(
      listed.body.items.map((n: { name: string; labels: unknown }) => [n.name, n.labels]).sort(),
    ).toEqual([
      ['infra', {}],
      ['web', { team: 'web' }],
    ]);
    expect(await accepted()).toMatchObject({ status: 'True', reason: 'Accepted' });

    // The label removed: the selector no longer matches.
    await call(c.key, 'POST', c.sync, { namespaces: [{ clientUid: 'ns-web', name: 'web', labels: {} }] });
    expect(await accepted()).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });

    // A bad label is an item error; the rest of the call is written.
    const bad = await call(c.key, 'POST', c.sync, {
      namespaces: [
        { clientUid: 'ns-web', name: 'web', labels: { team: 'web' } },
        { clientUid: 'ns-bad', name: 'bad', labels: { 'no spaces allowed': 'x' } },
      ],
    });
    expect(bad.status).toBe(200);
    expect(bad.body.errors).toEqual([
      { kind: 'Namespace', clientUid: 'ns-bad', message: expect.stringContaining('labels') },
    ]);
    expect(await accepted()).toMatchObject({ status: 'True', reason: 'Accepted' });

    // Deleted by uid, then a full set that omits infra: both gone.
    const del = await call(c.key, 'POST', c.sync, { deleted: { namespaces: ['ns-web'] } });
    expect(del.body.deleted).toBe(1);
    expect(await accepted()).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
    const full = await call(c.key, 'POST', c.sync, {
      full: true,
      gateways: [gateway],
      routes: [webRoute],
    });
    expect(full.body.deleted).toBe(1);
    expect((await call(c.key, 'GET', `/namespaces?clusterId=${clusterId}`)).body.items).toEqual([]);
  });
  it('writes the routes of a call together: bad items are item errors, the last of one uid wins, unchanged ones stay', async () => {
    const c = await setUp('syncer-batch');
    const gateway = syncGateway('gw-batch');
    const first = await call(c.key, 'POST', c.sync, {
      gateways: [gateway],
      routes: [
        route(1),
        {
          ...route(2),
          spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'Nope' } }] }] },
        },
        { ...route(3), spec: { ...route(3).spec, hostnames: ['first.example.com'] } },
        { ...route(3), generation: 4, spec: { ...route(3).spec, hostnames: ['last.example.com'] } },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.body.upserted).toBe(3);
    expect(first.body.errors).toEqual([
      {
        kind: 'Route',
        clientUid: 'route-2',
        message: expect.stringContaining('spec.rules[0].matches[0].path.type'),
      },
    ]);
    const listed = await call(c.key, 'GET', '/routes');
    const byUid = new Map(
      listed.body.items.map((r: { clientUid: string }) => [r.clientUid, r] as const),
    ) as Map<string, { id: string; generation: number; spec: { hostnames?: string[] }; parents: unknown[] }>;
    expect([...byUid.keys()].sort()).toEqual(['route-1', 'route-3']);
    expect(byUid.get('route-3')!.spec.hostnames).toEqual(['last.example.com']);
    expect(byUid.get('route-1')!.parents).toHaveLength(1);
    await drain();
    expect(
      (await call(c.key, 'GET', c.status)).body.routes.find(
        (r: { clientUid: string }) => r.clientUid === 'route-3',
      ).observedClientGeneration,
    ).toBe(4);

    // Sent again unchanged: nothing written (no generation bump, nothing queued); a kind change is refused.
    const again = await call(c.key, 'POST', c.sync, {
      routes: [route(1), { ...route(3), kind: 'GRPCRoute', spec: { parentRefs: [{ name: 'gw' }] } }],
    });
    expect(again.body.upserted).toBe(1);
    expect(again.body.errors).toEqual([
      { kind: 'Route', clientUid: 'route-3', message: expect.stringContaining('kind cannot change') },
    ]);
    const r1 = await call(c.key, 'GET', `/routes/${byUid.get('route-1')!.id}`);
    expect(r1.body.generation).toBe(byUid.get('route-1')!.generation);
    const queued = await env.db.$pool.query(
      'SELECT count(*)::int AS n FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid',
      [first.body.gateways[0].id],
    );
    expect(queued.rows[0].n).toBe(0);

    // A changed route moves to another gateway: both are queued, and its attachment follows.
    await call(c.key, 'POST', c.sync, {
      gateways: [{ ...gateway, clientUid: 'gw-batch-2', name: 'gw2' }],
    });
    await drain();
    const moved = await call(c.key, 'POST', c.sync, {
      routes: [{ ...route(1), spec: { ...route(1).spec, parentRefs: [{ name: 'gw2' }] } }],
    });
    expect(moved.body.errors).toEqual([]);
    const gws = (await call(c.key, 'GET', c.status)).body.gateways as { id: string; clientUid: string }[];
    const q = await env.db.$pool.query<{ gatewayId: string }>(
      'SELECT DISTINCT "gatewayId" FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[])',
      [gws.map((g) => g.id)],
    );
    expect(q.rows.map((r) => r.gatewayId).sort()).toEqual(gws.map((g) => g.id).sort());
    const after = await call(c.key, 'GET', `/routes/${byUid.get('route-1')!.id}`);
    expect(after.body.parents).toEqual([
      expect.objectContaining({ gatewayId: gws.find((g) => g.clientUid === 'gw-batch-2')!.id }),
    ]);
    const audits = await env.db.$pool.query<{ action: string }>(
      'SELECT action FROM "AuditEvent" WHERE "objectId" = $1 ORDER BY "createdAt"',
      [byUid.get('route-1')!.id],
    );
    expect(audits.rows.map((a) => a.action)).toEqual(['route.create', 'route.update']);
  });
});
