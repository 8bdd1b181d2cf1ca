import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, rest, testEnv, type RestArgs, type TestEnv } from '../test-support/harness.js';
import { testCertA } from '../test-support/tls-fixture.js';
import { loadTranslateInput } from './render.js';

// loadTranslateInput reads a gateway's whole input in one statement; the Services, slices and namespaces are
// selected in SQL from the routes' specs. What it selects must be exactly what the translator is given when
// every reference is read on its own: rule-level and backend-level mirrors, cross-namespace references, the
// listeners' certificates, and nothing the routes do not name.

let env: TestEnv;
let key: string;
let gatewayId: string;
let routeId: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'perf2-load-input')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.82.0.0/28' });
  await call('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  expect((await call('PUT', '/certificates', { name: 'edge-tls', ...testCertA })).status).toBe(201);
  const gw = await call('POST', '/gateways', {
    name: 'edge',
    template: 'gw',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'edge-tls' }] } },
    ],
  });
  expect(gw.status, gw.raw).toBe(201);
  gatewayId = gw.body.id;
  for (const [ns, name, address] of [
    ['default', 'cart', '10.1.0.5'],
    ['default', 'shadow', '10.1.0.6'],
    ['other', 'mirror', '10.1.0.7'],
    ['default', 'unused', '10.1.0.8'],
  ] as const) {
    const r = await call('PUT', `/static-endpoints/${ns}/${name}`, {
      ports: [{ port: 8080 }],
      endpoints: [{ address }],
    });
    expect(r.status, r.raw).toBeLessThan(300);
  }
  const route = await call('POST', '/routes', {
    kind: 'HTTPRoute',
    name: 'web',
    spec: {
      parentRefs: [{ name: 'edge' }],
      rules: [
        {
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'mirror', namespace: 'other', port: 8080 } },
            },
          ],
          backendRefs: [
            {
              name: 'cart',
              port: 8080,
              filters: [
                { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 } } },
              ],
            },
          ],
        },
      ],
    },
  });
  expect(route.status, route.raw).toBe(201);
  routeId = route.body.id;
});
afterAll(() => env?.close());

describe('loadTranslateInput', () => {
  it('reads every referenced Service in the order the routes name them, and nothing else', async () => {
    const c = new pg.Client({ connectionString: env.url });
    await c.connect();
    try {
      const loaded = await loadTranslateInput(c, gatewayId);
      expect(loaded?.accountName).toBe('perf2-load-input');
      const input = loaded!.input;
      expect(input.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
        'other/mirror',
        'default/cart',
        'default/shadow',
      ]);
      expect(input.services[0]!.endpoints).toEqual([
        expect.objectContaining({ address: '10.1.0.7', port: 8080, ready: true }),
      ]);
      expect(input.routes.map((r) => r.id)).toEqual([routeId]);
      const stored = await env.db.route.findUniqueOrThrow({ where: { id: routeId } });
      expect(input.routes[0]!.creationTimestamp).toBe(stored.createdAt.toISOString());
      expect(input.certificates.map((x) => x.name)).toEqual(['edge-tls']);
      expect(input.namespaces.map((n) => n.name)).toEqual(['default', 'other']);
      expect(await loadTranslateInput(c, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    } finally {
      await c.end();
    }
  });
});
