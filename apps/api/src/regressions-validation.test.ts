import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueReconcile } from './modules/common.js';
import { createReconciler, type Reconciler } from './reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

// Issue 8, defects 2 and 7: what a proxy cannot run is refused at the field (4xx naming it), a route
// stored before a check existed is refused on that route alone, and no regex is evaluated by a
// backtracking engine.
let env: TestEnv;
let reconciler: Reconciler;
let key: string;
let viewer: string;
let gatewayId: string;
const log = pino({ level: 'silent' });

const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, as = key) =>
  env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(as),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

const route = (name: string, host: string, rule: Record<string, unknown>) => ({
  kind: 'HTTPRoute',
  name,
  spec: {
    parentRefs: [{ name: 'web' }],
    hostnames: [host],
    rules: [{ backendRefs: [{ name: 'cart', port: 8080 }], ...rule }],
  },
});

const issuesOf = (body: string) => (JSON.parse(body) as { issues?: Array<{ path: string }> }).issues ?? [];

const newestRevision = async () =>
  (
    (await call('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{
      version: number;
      status: string;
      error: string | null;
    }>
  )[0]!;

const traceShop = async () =>
  (await call('POST', `/gateways/${gatewayId}/trace`, { host: 'shop.example.com', path: '/basket' })).json();

beforeAll(async () => {
  env = await testEnv();
  reconciler = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
  key = (await createAccount(env, 'valid')).key;
  viewer = (await call('POST', '/api-keys', { name: 'look', role: 'viewer' })).json().secret;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.81.0.0/28' });
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
    endpoints: [{ address: '10.1.0.5' }],
  });
  const shop = await call('POST', '/routes', route('shop', 'shop.example.com', {}));
  expect(shop.statusCode, shop.body).toBe(201);
  await reconciler.drain();
}, 120_000);
afterAll(() => env?.close());

describe('ReDoS through trace (defect 2)', () => {
  it('a /(a+)+b path regex traced with a long path answers at once, and /healthz is not blocked', async () => {
    const r = await call(
      'POST',
      '/routes',
      route('redos', 'redos.example.com', {
        matches: [{ path: { type: 'RegularExpression', value: '/(a+)+b' } }],
      }),
    );
    expect(r.statusCode, r.body).toBe(201);
    await reconciler.drain();
    // JavaScript's backtracking engine needs ~2^n steps: 31 characters took 8.9 s, 40 would take over an hour.
    const started = Date.now();
    const [trace, health] = await Promise.all([
      call(
        'POST',
        `/gateways/${gatewayId}/trace`,
        { host: 'redos.example.com', path: `/${'a'.repeat(40)}` },
        viewer,
      ),
      env.app.inject({ method: 'GET', url: '/healthz' }),
    ]);
    expect(trace.statusCode, trace.body).toBe(200);
    expect(trace.json().outcome.action.type).toBe('notFound');
    expect(health.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const hit = await call(
      'POST',
      `/gateways/${gatewayId}/trace`,
      { host: 'redos.example.com', path: '/aaab' },
      viewer,
    );
    expect(hit.json().outcome.action.type, hit.body).toBe('route');
  });

  it.each([
    [
      'a{1001}',
      'spec.rules[0].matches[0].path.value',
      { path: { type: 'RegularExpression', value: '/a{1001}' } },
    ],
    ['\\Z', 'spec.rules[0].matches[0].path.value', { path: { type: 'RegularExpression', value: '/x\\Z' } }],
    [
      "a program over Envoy's size limit",
      'spec.rules[0].matches[0].path.value',
      { path: { type: 'RegularExpression', value: '/a{500}' } },
    ],
    [
      'lookbehind',
      'spec.rules[0].matches[0].path.value',
      { path: { type: 'RegularExpression', value: '/(?<=a)b' } },
    ],
    [
      'backreference',
      'spec.rules[0].matches[0].headers[0].value',
      { headers: [{ type: 'RegularExpression', name: 'x-a', value: '(a)\\1' }] },
    ],
    [
      'lookahead',
      'spec.rules[0].matches[0].queryParams[0].value',
      { queryParams: [{ type: 'RegularExpression', name: 'q', value: '(?=x)' }] },
    ],
  ])('a regex RE2 rejects (%s) is a 400 naming %s', async (_what, field, match) => {
    const r = await call('POST', '/routes', route('re2', 're2.example.com', { matches: [match] }));
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toEqual([field]);
  });

  it('a GRPCRoute method regex RE2 rejects is a 400 naming it', async () => {
    const r = await call('POST', '/routes', {
      kind: 'GRPCRoute',
      name: 'grpc-re2',
      spec: {
        parentRefs: [{ name: 'web' }],
        rules: [
          {
            matches: [{ method: { type: 'RegularExpression', service: 'a{1001}' } }],
            backendRefs: [{ name: 'cart', port: 8080 }],
          },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toEqual(['spec.rules[0].matches[0].method.service']);
  });
});

describe('unservable header values (defect 7)', () => {
  it.each([
    ['set', 'RequestHeaderModifier', 'requestHeaderModifier', 'set'],
    ['add', 'ResponseHeaderModifier', 'responseHeaderModifier', 'add'],
  ])(
    'a CR/LF in a header modifier %s value is a 400 naming it; the gateway keeps serving',
    async (_n, type, field, op) => {
      const before = await newestRevision();
      const r = await call(
        'POST',
        '/routes',
        route('crlf', 'crlf.example.com', {
          filters: [{ type, [field]: { [op]: [{ name: 'x-a', value: 'ok\r\nx-injected: 1' }] } }],
        }),
      );
      expect(r.statusCode, r.body).toBe(400);
      expect(issuesOf(r.body).map((i) => i.path)).toEqual([
        `spec.rules[0].filters[0].${field}.${op}[0].value`,
      ]);
      await reconciler.drain();
      const after = await newestRevision();
      expect(after.version).toBe(before.version);
      expect(after.status).not.toBe('tainted');
      expect((await traceShop()).outcome.action.type).toBe('route');
    },
  );

  it('a CR/LF in a redirect path, or a pseudo-header to remove, is a 400 naming it', async () => {
    const redirect = await call(
      'POST',
      '/routes',
      route('redir', 'redir.example.com', {
        backendRefs: [],
        filters: [
          {
            type: 'RequestRedirect',
            requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x\r\nSet-Cookie: a=b' } },
          },
        ],
      }),
    );
    expect(redirect.statusCode, redirect.body).toBe(400);
    expect(issuesOf(redirect.body).map((i) => i.path)).toEqual([
      'spec.rules[0].filters[0].requestRedirect.path.replaceFullPath',
    ]);
    const remove = await call(
      'POST',
      '/routes',
      route('rm', 'rm.example.com', {
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: [':authority'] } }],
      }),
    );
    expect(remove.statusCode, remove.body).toBe(400);
    expect(issuesOf(remove.body).map((i) => i.path)).toEqual([
      'spec.rules[0].filters[0].requestHeaderModifier.remove[0]',
    ]);
  });

  it('a route stored with a CR/LF value (before the check) is refused on that route; the gateway is not frozen', async () => {
    const created = await call('POST', '/routes', route('legacy', 'legacy.example.com', {}));
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    await reconciler.drain();
    // What an older API let through, written straight into the store.
    const spec = {
      parentRefs: [{ name: 'web' }],
      hostnames: ['legacy.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-a', value: 'a\r\nb' }] },
            },
          ],
          backendRefs: [{ name: 'cart', port: 8080 }],
        },
      ],
    };
    await env.db.$executeRawUnsafe(
      `UPDATE "Route" SET spec = $1::jsonb, generation = generation + 1 WHERE id = $2::uuid`,
      JSON.stringify(spec),
      id,
    );
    await enqueueReconcile(env.db, [gatewayId]);
    await reconciler.drain();
    const conds = (await call('GET', `/routes/${id}`)).json().status.parents[0].conditions as Array<{
      type: string;
      status: string;
      reason: string;
    }>;
    expect(conds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'UnsupportedValue' }),
      ]),
    );
    const newest = await newestRevision();
    expect(newest.status, newest.error ?? '').not.toBe('tainted');
    expect((await traceShop()).outcome.action.type).toBe('route');
    // A later, unrelated change still renders and is served.
    const more = await call('POST', '/routes', route('later', 'later.example.com', {}));
    expect(more.statusCode, more.body).toBe(201);
    await reconciler.drain();
    const later = await newestRevision();
    expect(later.version).toBeGreaterThan(newest.version);
    expect(later.status, later.error ?? '').not.toBe('tainted');
    const t = await call('POST', `/gateways/${gatewayId}/trace`, { host: 'later.example.com', path: '/' });
    expect(t.json().outcome.action.type, t.body).toBe('route');
  });

  it('a stored route Envoy rejects for a reason no schema knows is refused on that route; the rest is served', async () => {
    const created = await call('POST', '/routes', route('huge', 'huge.example.com', {}));
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    // Envoy's HeaderValue allows 16,384 bytes; the API allows 4,096, so only a stored route has more.
    const spec = {
      parentRefs: [{ name: 'web' }],
      hostnames: ['huge.example.com'],
      rules: [
        {
          filters: [
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { set: [{ name: 'x-huge', value: 'v'.repeat(20_000) }] },
            },
          ],
          backendRefs: [{ name: 'cart', port: 8080 }],
        },
      ],
    };
    await env.db.$executeRawUnsafe(
      `UPDATE "Route" SET spec = $1::jsonb, generation = generation + 1 WHERE id = $2::uuid`,
      JSON.stringify(spec),
      id,
    );
    await enqueueReconcile(env.db, [gatewayId]);
    await reconciler.drain();
    const conds = (await call('GET', `/routes/${id}`)).json().status.parents[0].conditions as Array<{
      type: string;
      status: string;
      reason: string;
      message: string;
    }>;
    expect(conds.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedValue',
      message: expect.stringContaining("rejected by Envoy's schema"),
    });
    const newest = await newestRevision();
    expect(newest.status, newest.error ?? '').not.toBe('tainted');
    expect((await traceShop()).outcome.action.type).toBe('route');
    const t = await call('POST', `/gateways/${gatewayId}/trace`, { host: 'huge.example.com', path: '/' });
    expect(t.json().outcome.action.type, t.body).toBe('notFound');
  });
});

describe('template fragments (defect 7)', () => {
  it('an extra cluster named epic_xds, the bootstrap cluster, is a 400 naming it', async () => {
    const r = await call('POST', '/templates', {
      name: 'hijack',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
      envoyFragments: {
        extraClusters: [
          {
            name: 'epic_xds',
            type: 'STATIC',
            connectTimeout: '1s',
            loadAssignment: {
              clusterName: 'epic_xds',
              endpoints: [
                {
                  lbEndpoints: [
                    { endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 9 } } } },
                  ],
                },
              ],
            },
          },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toContain('envoyFragments.extraClusters[0].name');
  });
});

describe('endpoint slices (defect 7)', () => {
  let clusterId: string;
  const slice = (extra: Record<string, unknown>) => ({
    clusterId,
    clientUid: 'eps-big',
    namespace: 'default',
    name: 'big',
    serviceName: 'big',
    ports: [{ port: 8080 }],
    endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n1' }],
    ...extra,
  });
  beforeAll(async () => {
    clusterId = (await call('POST', '/clusters', { name: 'c1' })).json().id;
  });

  it('more node addresses than a slice can have nodes is a 400 naming nodeAddresses', async () => {
    const nodeAddresses = Object.fromEntries(
      Array.from({ length: 1001 }, (_, i) => [`n${i}`, `192.168.${Math.floor(i / 250)}.${(i % 250) + 1}`]),
    );
    const r = await call('PUT', '/endpoint-slices', slice({ nodeAddresses }));
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toEqual(['nodeAddresses']);
  });

  it('a node name that is no DNS subdomain is a 400 naming it', async () => {
    const r = await call(
      'PUT',
      '/endpoint-slices',
      slice({ nodeAddresses: { ['x'.repeat(300)]: '192.168.0.1' } }),
    );
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body)[0]?.path).toMatch(/^nodeAddresses/);
  });

  it('more addresses in all than a slice may hold is a 400 naming endpoints', async () => {
    const endpoints = Array.from({ length: 11 }, (_, i) => ({
      addresses: Array.from({ length: 100 }, (_, j) => `10.${i}.${Math.floor(j / 250)}.${(j % 250) + 1}`),
    }));
    const r = await call('PUT', '/endpoint-slices', slice({ endpoints }));
    expect(r.statusCode, r.body).toBe(400);
    expect(issuesOf(r.body).map((i) => i.path)).toEqual(['endpoints']);
  });

  it('a slice within the limits is accepted', async () => {
    const r = await call(
      'PUT',
      '/endpoint-slices',
      slice({ clientUid: 'eps-ok', nodeAddresses: { n1: '192.168.0.1' } }),
    );
    expect(r.statusCode, r.body).toBe(201);
  });
});
