import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from './reconciler/reconciler.js';
import { auth, createAccount, rest, testEnv, type RestArgs, type TestEnv } from './test-support/harness.js';
import { testCertA } from './test-support/tls-fixture.js';

// The trace keeps the TLS server name and the Host apart, as a client that reuses one HTTPS connection for
// another origin sends them: the server name picks the filter chain, the Host the virtual host, so a Host
// that another HTTPS listener on the port owns shows the 421 (Misdirected Request) the proxies answer.

let env: TestEnv;
let key: string;
let gatewayId: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

const tls = { certificateRefs: [{ name: 'edge-tls' }] };

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'trace-sni')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.81.0.0/28' });
  await call('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  expect((await call('PUT', '/certificates', { name: 'edge-tls', ...testCertA })).status).toBe(201);
  const gw = await call('POST', '/gateways', {
    name: 'edge',
    template: 'gw',
    listeners: [
      { name: 'shop', port: 443, protocol: 'HTTPS', hostname: 'shop.example.com', tls },
      { name: 'any', port: 443, protocol: 'HTTPS', tls },
    ],
  });
  expect(gw.status, gw.raw).toBe(201);
  gatewayId = gw.body.id;
  await call('PUT', '/static-endpoints/default/cart', {
    ports: [{ port: 8080 }],
    endpoints: [{ address: '10.1.0.5' }],
  });
  const route = (name: string, sectionName: string, hostnames?: string[]) =>
    call('POST', '/routes', {
      kind: 'HTTPRoute',
      name,
      spec: {
        parentRefs: [{ name: 'edge', sectionName }],
        ...(hostnames !== undefined ? { hostnames } : {}),
        rules: [{ backendRefs: [{ name: 'cart', port: 8080 }] }],
      },
    });
  expect((await route('shop', 'shop')).status).toBe(201);
  expect((await route('www', 'any', ['www.example.com'])).status).toBe(201);
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();
});
afterAll(() => env?.close());

const trace = (input: Record<string, unknown>) => call('POST', `/gateways/${gatewayId}/trace`, input);

describe('trace with a TLS server name apart from the Host (REST)', () => {
  it('answers 421 when the Host names another HTTPS listener than the one the server name picked', async () => {
    const t = await trace({ serverName: 'shop.example.com', host: 'www.example.com', path: '/' });
    expect(t.status, t.raw).toBe(200);
    expect(t.body).toMatchObject({
      port: 443,
      serverName: 'shop.example.com',
      filterChain: 'https/shop',
      routeConfiguration: 'route/443/shop',
      outcome: { virtualHost: 'misdirected/*', status: 421, action: { type: 'directResponse', status: 421 } },
    });
    const back = await trace({ serverName: 'www.example.com', host: 'shop.example.com', path: '/' });
    expect(back.body).toMatchObject({
      serverName: 'www.example.com',
      filterChain: 'https/any',
      outcome: { virtualHost: 'misdirected/shop.example.com', status: 421 },
    });
  });

  it('routes when server name and Host name the same listener, and uses the Host as server name by default', async () => {
    const same = await trace({ serverName: 'www.example.com', host: 'www.example.com', path: '/' });
    expect(same.body).toMatchObject({
      filterChain: 'https/any',
      outcome: { virtualHost: 'www.example.com', action: { type: 'route' } },
    });
    expect(same.body.outcome.status).toBeUndefined();
    const implied = await trace({ scheme: 'https', host: 'shop.example.com', path: '/' });
    expect(implied.body).toMatchObject({
      serverName: 'shop.example.com',
      filterChain: 'https/shop',
      outcome: { virtualHost: 'shop.example.com', action: { type: 'route' } },
    });
  });

  it('answers 404 on the catch-all listener for a Host no listener owns and no route serves', async () => {
    const t = await trace({ serverName: 'other.example.org', host: 'other.example.org', path: '/' });
    expect(t.body).toMatchObject({ filterChain: 'https/any', outcome: { virtualHost: null, status: 404 } });
  });

  it('refuses an empty server name, naming the field', async () => {
    const t = await trace({ serverName: '', host: 'www.example.com', path: '/' });
    expect(t.status).toBe(400);
    expect(t.body.issues[0].path).toBe('serverName');
  });
});

describe('trace with a TLS server name apart from the Host (GraphQL)', () => {
  it('shows the chosen filter chain and the 421', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth(key),
      payload: {
        query:
          'query($g: ID!, $i: TraceRequestInput!) { traceRequest(gatewayId: $g, input: $i) { port serverName filterChain routeConfiguration outcome } }',
        variables: {
          g: gatewayId,
          i: { serverName: 'shop.example.com', host: 'www.example.com', path: '/' },
        },
      },
    });
    const body = r.json() as { data?: { traceRequest: Record<string, unknown> }; errors?: unknown };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data?.traceRequest).toMatchObject({
      port: 443,
      serverName: 'shop.example.com',
      filterChain: 'https/shop',
      routeConfiguration: 'route/443/shop',
      outcome: { status: 421 },
    });
  });
});
