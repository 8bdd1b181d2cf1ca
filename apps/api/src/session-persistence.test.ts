import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from './reconciler/reconciler.js';
import { auth, createAccount, rest, testEnv, type RestArgs, type TestEnv } from './test-support/harness.js';

// HTTPRoute rules[].sessionPersistence (GEP-1619) through both faces: validated with the CRD's rules,
// rendered as Envoy's stateful_session per route (docs/adr/0461-udp-route-and-session-persistence.md).

let env: TestEnv;
let key: string;
let gatewayId: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

const rule = (sessionPersistence: unknown) => ({
  backendRefs: [{ name: 'web', port: 8080 }],
  sessionPersistence,
});

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'sessions')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.83.0.0/28' });
  await call('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  const gw = await call('POST', '/gateways', {
    name: 'edge',
    template: 'gw',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  });
  expect(gw.status, gw.raw).toBe(201);
  gatewayId = gw.body.id;
  await call('PUT', '/static-endpoints/default/web', {
    ports: [{ port: 8080 }],
    endpoints: [{ address: '10.1.0.5' }, { address: '10.1.0.6' }],
  });
});
afterAll(() => env?.close());

describe('HTTPRoute sessionPersistence', () => {
  it('REST: a cookie session renders stateful_session on its route', async () => {
    const r = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'sticky',
      spec: {
        parentRefs: [{ name: 'edge' }],
        rules: [
          rule({ sessionName: 'shop', absoluteTimeout: '2h', cookieConfig: { lifetimeType: 'Permanent' } }),
        ],
      },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.spec.rules[0].sessionPersistence).toEqual({
      sessionName: 'shop',
      absoluteTimeout: '2h',
      type: 'Cookie',
      cookieConfig: { lifetimeType: 'Permanent' },
    });
    await createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log: pino({ level: 'silent' }),
      resyncSeconds: 3600,
    }).drain();
    const row = (
      await env.db.$pool.query<{
        resources: { routes: { resource: any }[]; listeners: { resource: any }[] };
      }>(
        `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
        [gatewayId],
      )
    ).rows[0]!;
    const route = row.resources.routes[0]!.resource.virtualHosts[0].routes[0];
    expect(route.typedPerFilterConfig['envoy.filters.http.stateful_session']).toMatchObject({
      statefulSession: {
        sessionState: {
          name: 'envoy.http.stateful_session.cookie',
          typedConfig: { cookie: { name: 'shop', path: '/', ttl: '7200s' } },
        },
      },
    });
    const hcm = row.resources.listeners[0]!.resource.filterChains[0].filters[0].typedConfig;
    expect(hcm.httpFilters.map((f: { name: string }) => f.name)).toEqual([
      'envoy.filters.http.stateful_session',
      'envoy.filters.http.router',
    ]);
  });

  it('REST: refuses what the CRD refuses, naming the field', async () => {
    const r = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'bad',
      spec: { rules: [rule({ cookieConfig: { lifetimeType: 'Permanent' } })] },
    });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      {
        path: 'spec.rules[0].sessionPersistence',
        message: 'AbsoluteTimeout must be specified when cookie lifetimeType is Permanent',
      },
    ]);
  });

  it('GraphQL: a header session is accepted; a cookieConfig on it is refused on the field', async () => {
    const gql = async (spec: unknown) =>
      (
        await env.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: auth(key),
          payload: {
            query: 'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created } }',
            variables: { i: { kind: 'HTTPRoute', name: 'hdr', spec } },
          },
        })
      ).json() as { data: any; errors?: { extensions?: { issues?: { path: string }[] } }[] };
    const good = await gql({ rules: [rule({ type: 'Header', sessionName: 'x-session' })] });
    expect(good.errors, JSON.stringify(good.errors)).toBeUndefined();
    expect(good.data.upsertRoute.created).toBe(true);
    const bad = await gql({ rules: [rule({ type: 'Header', cookieConfig: {} })] });
    expect(bad.errors?.[0]?.extensions?.issues?.map((i) => i.path)).toEqual([
      'spec.rules[0].sessionPersistence',
    ]);
  });
});
