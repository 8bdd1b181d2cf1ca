import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueReconcile } from './modules/common.js';
import { createReconciler, type Reconciler } from './reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

let env: TestEnv;
let reconciler: Reconciler;
let key: string;
let gatewayId: string;
let routeId: string;
const log = pino({ level: 'silent' });

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
  env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

const httpRoute = (path: string) => ({
  parentRefs: [{ name: 'web' }],
  hostnames: ['shop.example.com'],
  rules: [
    { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'cart', port: 8080 }] },
  ],
});

beforeAll(async () => {
  env = await testEnv();
  reconciler = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
  key = (await createAccount(env, 'revs')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.80.0.0/28' });
  await call('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  gatewayId = (
    await call('POST', '/gateways', {
      name: 'web',
      template: 'gw',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    })
  ).json().id;
  await call('PUT', '/static-endpoints/default/cart', {
    ports: [{ port: 8080 }],
    endpoints: [{ address: '10.1.0.5' }, { address: '10.1.0.6' }],
  });
  routeId = (
    await call('POST', '/routes', { kind: 'HTTPRoute', name: 'shop', spec: httpRoute('/cart') })
  ).json().id;
  await reconciler.drain();
});
afterAll(() => env?.close());

const revisions = async () =>
  (await call('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{
    version: number;
    status: string;
    rollbackOf: number | null;
  }>;

describe('configuration revisions', () => {
  it('renders the gateway into a validated revision and reports Programmed as pending until proxies ACK', async () => {
    const list = await revisions();
    expect(list.map((r) => [r.version, r.status])).toEqual([[1, 'pending']]);
    const gw = (await call('GET', `/gateways/${gatewayId}`)).json();
    expect(gw.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Programmed', status: 'Unknown', reason: 'Pending' }),
      ]),
    );
    const route = (await call('GET', `/routes/${routeId}`)).json();
    expect(route.status.parents[0].conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True' }),
        expect.objectContaining({ type: 'ResolvedRefs', status: 'True' }),
      ]),
    );
    const rev = (await call('GET', `/gateways/${gatewayId}/revisions/1`)).json();
    expect(Object.keys(rev.resources).sort()).toEqual([
      'clusters',
      'endpoints',
      'listeners',
      'routes',
      'secrets',
    ]);
  });

  it('creates no revision when nothing changed', async () => {
    await env.db.$executeRawUnsafe(`INSERT INTO "ReconcileRequest" ("gatewayId") VALUES ('${gatewayId}')`);
    await reconciler.drain();
    expect((await revisions()).length).toBe(1);
  });

  it('a route change makes a new revision, and the diff names the changed resource and field', async () => {
    expect((await call('PUT', `/routes/${routeId}`, { spec: httpRoute('/basket') })).statusCode).toBe(200);
    await reconciler.drain();
    expect((await revisions()).map((r) => r.version)).toEqual([2, 1]);
    const diff = (await call('GET', `/gateways/${gatewayId}/revisions/diff?from=1&to=2`)).json();
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({
      typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      change: 'modified',
    });
    expect(diff.changes[0].paths.join(' ')).toMatch(/prefix|path/i);
  });

  it('traces a request through the served revision', async () => {
    const t = await call('POST', `/gateways/${gatewayId}/trace`, {
      host: 'shop.example.com',
      path: '/basket/items',
    });
    expect(t.statusCode, t.body).toBe(200);
    expect(t.json().revision).toBe(2);
    expect(t.json().outcome.action.type).toBe('route');
    const miss = await call('POST', `/gateways/${gatewayId}/trace`, {
      host: 'shop.example.com',
      path: '/cart',
    });
    expect(miss.json().outcome.status).toBe(404);
    const bad = await call('POST', `/gateways/${gatewayId}/trace`, {
      host: 'shop.example.com',
      path: 'nope',
      port: 81,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/path/);
  });

  it('traces a request on any revision it is given, not only the served one', async () => {
    const old = await call('POST', `/gateways/${gatewayId}/trace`, {
      revision: 1,
      host: 'shop.example.com',
      path: '/cart',
    });
    expect(old.statusCode, old.body).toBe(200);
    expect(old.json()).toMatchObject({ revision: 1, outcome: { action: { type: 'route' } } });
    const now = await call('POST', `/gateways/${gatewayId}/trace`, {
      revision: 2,
      host: 'shop.example.com',
      path: '/cart',
    });
    expect(now.json()).toMatchObject({ revision: 2, outcome: { status: 404 } });
    const missing = await call('POST', `/gateways/${gatewayId}/trace`, {
      revision: 99,
      host: 'shop.example.com',
      path: '/',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/^revision: revision 99 /);
  });

  it('rolls back to an older revision as a new one, which stays until the inputs change', async () => {
    const r = await call('POST', `/gateways/${gatewayId}/revisions/1/rollback`);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ version: 3, rollbackOf: 1 });
    await reconciler.drain();
    expect((await revisions()).map((x) => x.version)).toEqual([3, 2, 1]);
    const diff = (await call('GET', `/gateways/${gatewayId}/revisions/diff?from=1&to=3`)).json();
    expect(diff.changes).toEqual([]);
    const t = await call('POST', `/gateways/${gatewayId}/trace`, { host: 'shop.example.com', path: '/cart' });
    expect(t.json().outcome.action.type).toBe('route');
  });

  it('refuses to roll back to a revision that does not exist, naming the version', async () => {
    const r = await call('POST', `/gateways/${gatewayId}/revisions/99/rollback`);
    expect(r.statusCode).toBe(404);
    expect(r.json().message).toMatch(/version: revision 99/);
  });

  it("rejects a template whose native Envoy fragment does not fit Envoy's protos, with the proto path", async () => {
    const r = await call('POST', '/templates', {
      name: 'bad-frag',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
      envoyFragments: {
        clusterOptions: { connectTimeout: 'soon' },
        extraHttpFilters: [{ name: 'envoy.filters.http.router' }],
      },
    });
    expect(r.statusCode).toBe(400);
    const paths = (r.json().issues as Array<{ path: string }>).map((i) => i.path);
    // proto paths use the proto field names
    expect(paths).toContain('envoyFragments.clusterOptions.connect_timeout');
    expect(paths).toContain('envoyFragments.extraHttpFilters[0].name');
  });

  it('hands out a bootstrap whose node id and token name this gateway only', async () => {
    const b = (await call('GET', `/gateways/${gatewayId}/bootstrap`)).json();
    expect(b.node.id).toBe(`revs.${gatewayId}`);
    expect(JSON.stringify(b)).toMatch(/Bearer /);
  });

  it('a route Envoy could not run is refused on the route, and the rest of the gateway keeps being served', async () => {
    const brokenSpec = {
      parentRefs: [{ name: 'web' }],
      hostnames: ['broken.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'RegularExpression', value: '/(' } }],
          backendRefs: [{ name: 'cart', port: 8080 }],
        },
      ],
    };
    // The API refuses it at the field now (RE2 validation) ...
    const refused = await call('POST', '/routes', { kind: 'HTTPRoute', name: 'broken', spec: brokenSpec });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().issues[0].path).toBe('spec.rules[0].matches[0].path.value');
    // ... and one stored before that check (written straight into the store) is refused on the route alone.
    const bad = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'broken',
      spec: { ...brokenSpec, rules: [{ backendRefs: [{ name: 'cart', port: 8080 }] }] },
    });
    expect(bad.statusCode, bad.body).toBe(201);
    await env.db.$executeRawUnsafe(
      'UPDATE "Route" SET spec = $1::jsonb, generation = generation + 1 WHERE id = $2::uuid',
      JSON.stringify(brokenSpec),
      bad.json().id,
    );
    await enqueueReconcile(env.db, [gatewayId]);
    await reconciler.drain();
    const route = (await call('GET', `/routes/${bad.json().id}`)).json();
    const conds = route.status.parents[0].conditions as Array<{
      type: string;
      status: string;
      reason: string;
      message: string;
    }>;
    expect(
      conds.some((c) => c.status === 'False'),
      JSON.stringify(conds),
    ).toBe(true);
    const newest = (await revisions())[0]!;
    expect(newest.status).not.toBe('tainted');
    const t = await call('POST', `/gateways/${gatewayId}/trace`, {
      host: 'shop.example.com',
      path: '/basket',
    });
    expect(t.json().outcome.action.type).toBe('route');
  });

  it("accepts GEP-1731 retries on a rule and renders them as the route's retry policy", async () => {
    const r = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'retrying',
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: ['retry.example.com'],
        rules: [
          {
            backendRefs: [{ name: 'cart', port: 8080 }],
            retry: { attempts: 3, codes: [502, 503], backoff: '100ms' },
          },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    await reconciler.drain();
    const t = await call('POST', `/gateways/${gatewayId}/trace`, { host: 'retry.example.com', path: '/' });
    expect(t.json().outcome.retryPolicy).toMatchObject({ numRetries: 3 });
  });
});
