import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from './reconciler/reconciler.js';
import { auth, createAccount, rest, testEnv, type RestArgs, type TestEnv } from './test-support/harness.js';

// UDPRoute through both faces (docs/adr/0461-udp-route-and-session-persistence.md): accepted with the
// typed spec, attached to a gateway's UDP listener, rendered as an Envoy UDP listener with the UDP proxy,
// and reported in the route's status with the spec's reasons.

let env: TestEnv;
let key: string;
let gatewayId: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const r = await env.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: auth(key),
    payload: { query, variables },
  });
  return r.json() as {
    data: Record<string, any> | null;
    errors?: { message: string; extensions?: { issues?: { path: string }[] } }[];
  };
}

const reconcile = () =>
  createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();

async function servedResources(): Promise<{ listeners: { name: string; resource: any }[] }> {
  const row = (
    await env.db.$pool.query<{ resources: { listeners: { name: string; resource: any }[] } }>(
      `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
      [gatewayId],
    )
  ).rows[0];
  return row!.resources;
}

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'udp-route')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.82.0.0/28' });
  await call('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  const gw = await call('POST', '/gateways', {
    name: 'edge',
    template: 'gw',
    listeners: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'http', port: 80, protocol: 'HTTP' },
    ],
  });
  expect(gw.status, gw.raw).toBe(201);
  gatewayId = gw.body.id;
  for (const name of ['coredns', 'coredns-canary'])
    await call('PUT', `/static-endpoints/default/${name}`, {
      ports: [{ port: 53 }],
      endpoints: [{ address: name === 'coredns' ? '10.1.0.53' : '10.1.0.54' }],
    });
});
afterAll(() => env?.close());

describe('UDPRoute (REST)', () => {
  let routeId: string;

  it('accepts a UDPRoute and attaches it to the gateway', async () => {
    const r = await call('POST', '/routes', {
      kind: 'UDPRoute',
      name: 'dns',
      spec: {
        parentRefs: [{ name: 'edge', sectionName: 'dns' }],
        rules: [{ backendRefs: [{ name: 'coredns', port: 53 }] }],
      },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({ kind: 'UDPRoute', parents: [{ gatewayId, refIndex: 0 }] });
    // Defaults are applied as the CRD has them.
    expect(r.body.spec.rules[0].backendRefs[0]).toMatchObject({ group: '', kind: 'Service', weight: 1 });
    routeId = r.body.id;
    expect((await call('GET', '/routes?kind=UDPRoute')).body.items.map((x: any) => x.id)).toEqual([routeId]);
  });

  it('renders a UDP listener with the UDP proxy and reports the route Accepted with ResolvedRefs', async () => {
    await reconcile();
    const udp = (await servedResources()).listeners.find((l) => l.name === 'listener/udp/53');
    expect(udp?.resource).toMatchObject({
      address: { socketAddress: { protocol: 'UDP', portValue: 53 } },
      listenerFilters: [
        {
          name: 'envoy.filters.udp_listener.udp_proxy',
          typedConfig: {
            matcher: { onNoMatch: { action: { typedConfig: { cluster: 'service/default/coredns/53' } } } },
          },
        },
      ],
    });
    const route = (await call('GET', `/routes/${routeId}`)).body;
    const conditions = route.status.parents[0].conditions.map((c: any) => [c.type, c.status, c.reason]);
    expect(conditions).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['ResolvedRefs', 'True', 'ResolvedRefs'],
    ]);
    const gw = (await call('GET', `/gateways/${gatewayId}`)).body;
    const dns = gw.status.listeners.find((l: any) => l.name === 'dns');
    expect(dns).toMatchObject({
      attachedRoutes: 1,
      supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'UDPRoute' }],
    });
  });

  it('refuses a UDPRoute spec that breaks the CRD, naming the field', async () => {
    const r = await call('POST', '/routes', {
      kind: 'UDPRoute',
      name: 'bad',
      spec: { rules: [{ backendRefs: [{ name: 'coredns' }] }] },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues.map((i: { path: string }) => i.path)).toContain('spec.rules[0].backendRefs[0].port');
  });
});

describe('UDPRoute trace (REST and GraphQL)', () => {
  it('traces a datagram to the UDP port: the listener, the cluster and the endpoint; a port without a UDP proxy is refused', async () => {
    await reconcile();
    const r = await call('POST', `/gateways/${gatewayId}/trace-datagram`, { port: 53 });
    expect(r.status, r.raw).toBe(200);
    expect(r.body).toMatchObject({
      port: 53,
      connection: 'accepted',
      refusal: null,
      listener: 'listener/udp/53',
      cluster: 'service/default/coredns/53',
      backends: [
        {
          cluster: 'service/default/coredns/53',
          weight: 1,
          endpoints: [{ address: '10.1.0.53', port: 53, healthStatus: 'HEALTHY' }],
        },
      ],
    });
    expect(typeof r.body.revision).toBe('number');
    // TCP 80 has no UDP listener; the refusal is an answer, not an error.
    expect((await call('POST', `/gateways/${gatewayId}/trace-datagram`, { port: 80 })).body).toMatchObject({
      connection: 'refused',
      refusal: 'NoListener',
      listener: null,
      cluster: null,
      backends: [],
    });
    const bad = await call('POST', `/gateways/${gatewayId}/trace-datagram`, { port: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['port']);
    const missing = await call('POST', `/gateways/${gatewayId}/trace-datagram`, { port: 53, revision: 9999 });
    expect(missing.status).toBe(404);
    const q = await gql(
      'query($id: ID!, $i: TraceDatagramInput!) { traceDatagram(gatewayId: $id, input: $i) { connection listener backends { cluster endpoints { address } } } }',
      { id: gatewayId, i: { port: 53 } },
    );
    expect(q.errors, JSON.stringify(q.errors)).toBeUndefined();
    expect(q.data!['traceDatagram']).toEqual({
      connection: 'accepted',
      listener: 'listener/udp/53',
      backends: [{ cluster: 'service/default/coredns/53', endpoints: [{ address: '10.1.0.53' }] }],
    });
    // Another account cannot trace this gateway.
    const other = (await createAccount(env, 'udp-route-other')).key;
    expect(
      (await rest(env, 'POST', `/gateways/${gatewayId}/trace-datagram`, other, { port: 53 })).status,
    ).toBe(404);
  });
});

describe('UDPRoute (GraphQL)', () => {
  it('upserts a weighted UDPRoute through the typed input; a missing backend is ResolvedRefs=False', async () => {
    const r = await gql(
      'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created route { id kind parents { gatewayId } } } }',
      {
        i: {
          kind: 'UDPRoute',
          name: 'weighted',
          spec: {
            parentRefs: [{ name: 'edge', sectionName: 'dns' }],
            rules: [
              {
                backendRefs: [
                  { name: 'coredns', port: 53, weight: 9 },
                  { name: 'coredns-canary', port: 53, weight: 1 },
                  { name: 'missing', port: 53, weight: 1 },
                ],
              },
            ],
          },
        },
      },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data!['upsertRoute']).toMatchObject({
      created: true,
      route: { kind: 'UDPRoute', parents: [{ gatewayId }] },
    });
    await reconcile();
    const id = r.data!['upsertRoute'].route.id as string;
    const q = await gql(
      'query($id: ID!) { route(id: $id) { status { parents { conditions { type status reason } } } } }',
      { id },
    );
    expect(q.data!['route'].status.parents[0].conditions).toEqual([
      // The older route "dns" keeps the port; this one is attached but carries no traffic there.
      { type: 'Accepted', status: 'True', reason: 'Accepted' },
      { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound' },
    ]);
    const bad = await gql('mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created } }', {
      i: { kind: 'UDPRoute', name: 'bad', spec: { rules: [] } },
    });
    expect(bad.errors?.[0]?.extensions?.issues?.map((i) => i.path)).toContain('spec.rules');
  });
});
