import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from './reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

// Regressions: bugs found by the API suites, each pinned by the test that found it.
let env: TestEnv;
let key: string;
beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'bugs')).key;
});
afterAll(() => env?.close());

const gql = (query: string, variables: Record<string, unknown> = {}) =>
  env.app.inject({ method: 'POST', url: '/graphql', headers: auth(key), payload: { query, variables } });

describe('GraphQL: malformed documents are user input, never a 5xx', () => {
  it.each([
    ['unknown field', '{ gateways { nope } }', {}],
    ['syntax error', '{ whoami { ', {}],
    ['missing selection set', '{ whoami }', {}],
    [
      'variable of the wrong type',
      'query($x: Int) { gateways(first: $x) { pageInfo { endCursor } } }',
      { x: 'abc' },
    ],
  ])('%s → 400 Validation', async (_n, query, variables) => {
    const r = await gql(query, variables);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().errors[0].extensions.code, r.body).toBe('Validation');
  });
});

describe('REST bodies', () => {
  it('text/plain is refused with 415 like any other non-JSON media type', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { ...auth(key), 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    expect(r.statusCode, r.body).toBe(415);
  });

  it('a JSON array instead of an object is a 400 naming body', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: auth(key),
      payload: [{ name: 'x' }] as never,
    });
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().issues[0].path, r.body).toBe('body');
  });

  it('a value of the wrong type is reported as such, not as "Required value"', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: auth(key),
      payload: { name: 123 },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().issues[0]).toMatchObject({ path: 'name' });
    expect(r.json().issues[0].message, r.body).not.toBe('Required value');
    const limit = await env.app.inject({
      method: 'GET',
      url: '/api/v1/gateways?limit=ten',
      headers: auth(key),
    });
    expect(limit.json().issues[0].message, limit.body).not.toBe('Required value');
  });

  it('the 413 message states the limit', async () => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/clusters',
      headers: { ...auth(key), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', description: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().message, r.body).toMatch(/1048576/);
  });
});

describe('object integrity', () => {
  const call = async (method: string, url: string, payload?: unknown, k = key) => {
    const r = await env.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: auth(k),
      ...(payload ? { payload: payload as object } : {}),
    });
    return { status: r.statusCode, body: r.body ? r.json() : {} };
  };

  it('a cluster still referenced by gateways, routes or endpoint slices is not deleted out from under them', async () => {
    const c = (await call('POST', '/clusters', { name: 'in-use' })).body;
    await call('POST', '/address-pools', { name: 'p', spec: '10.1.0.0/28' });
    await call('POST', '/templates', { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.example.com' });
    expect(
      (
        await call('POST', '/gateways', {
          name: 'g',
          template: 't',
          clusterId: c.id,
          listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }],
        })
      ).status,
    ).toBe(201);
    const del = await call('DELETE', `/clusters/${c.id}`);
    // either refused (409) or the references are cleaned up; today: 204 and dangling clusterIds
    if (del.status === 204) {
      const gws = (await call('GET', '/gateways')).body.items as Array<{
        clients: Array<{ clusterId: string | null }>;
      }>;
      expect(gws.flatMap((g) => g.clients.map((x) => x.clusterId))).not.toContain(c.id);
    } else {
      expect(del.status).toBe(409);
    }
  });

  it("a cluster's EndpointSlice cannot take over the static endpoints through a colliding client uid", async () => {
    const st = (
      await call('PUT', '/static-endpoints/web/legacy', {
        ports: [{ port: 80 }],
        endpoints: [{ address: '10.9.9.9' }],
      })
    ).body;
    const c = (await call('POST', '/clusters', { name: 'other' })).body;
    const r = await call('PUT', '/endpoint-slices', {
      clusterId: c.id,
      clientUid: 'static:web/legacy',
      namespace: 'web',
      name: 'x',
      serviceName: 'other',
      endpoints: [{ addresses: ['10.6.6.6'] }],
    });
    expect(r.body.id).not.toBe(st.id);
    expect((await call('GET', `/endpoint-slices/${st.id}`)).body).toMatchObject({
      serviceName: 'legacy',
      endpoints: [expect.objectContaining({ addresses: ['10.9.9.9'] })],
    });
  });

  it('an admin key cannot revoke an owner key (a role above its own)', async () => {
    const a = await createAccount(env, 'revoker');
    const keys = (await call('GET', '/api-keys', undefined, a.key)).body.items as Array<{
      id: string;
      role: string;
    }>;
    const admin = (await call('POST', '/api-keys', { name: 'adm', role: 'admin' }, a.key)).body;
    const r = await call(
      'DELETE',
      `/api-keys/${keys.find((k) => k.role === 'owner')!.id}`,
      undefined,
      admin.secret,
    );
    expect(r.status).toBe(403);
    expect((await call('GET', '/whoami', undefined, a.key)).status).toBe(200);
  });
});

describe('GraphQL transport errors are 4xx like REST, never 500', () => {
  const send = (o: Record<string, unknown>) =>
    env.app.inject({
      method: 'POST',
      url: '/graphql',
      ...o,
      headers: { ...auth(key), ...((o.headers as object) ?? {}) },
    } as never);
  it.each([
    ['a batched (array) payload', { payload: [{ query: '{ whoami { role } }' }] }, 400],
    [
      'a body over 1 MiB',
      {
        body: JSON.stringify({ query: '{ whoami { role } }', variables: { x: 'x'.repeat(1100000) } }),
        headers: { 'content-type': 'application/json' },
      },
      413,
    ],
    ['a text/plain body', { body: '{ whoami { role } }', headers: { 'content-type': 'text/plain' } }, 415],
    ['a body that is not JSON', { body: '{"query": ', headers: { 'content-type': 'application/json' } }, 400],
    ['a payload without a query', { payload: { variables: {} } }, 400],
  ] as const)('%s → 4xx (ideally %s)', async (_n, o, status) => {
    const r = await send(o as Record<string, unknown>);
    expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
    expect(r.statusCode, r.body).toBeLessThan(500);
    if (status === 413) expect(r.statusCode).toBe(413);
    expect(r.json().errors[0].extensions.code, r.body).not.toBe('Internal');
  });
  it('a mutation over GET → 405, not 500', async () => {
    const r = await env.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('mutation { createCluster(input: {name: "viaget"}) { id } }')}`,
      headers: auth(key),
    });
    expect(r.statusCode, r.body).toBe(405);
  });
});

describe('trace', () => {
  it('without a port traces through the first HTTP(S) listener, as traceInput.port documents', async () => {
    const a = await createAccount(env, 'tracer');
    const call = (method: string, url: string, payload?: unknown) =>
      env.app.inject({
        method: method as 'GET',
        url: `/api/v1${url}`,
        headers: auth(a.key),
        ...(payload ? { payload: payload as object } : {}),
      });
    await call('POST', '/address-pools', { name: 'p', spec: '10.2.0.0/28' });
    await call('POST', '/templates', { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.example.com' });
    const gw = (
      await call('POST', '/gateways', {
        name: 'g',
        template: 't',
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'tcp', port: 7000, protocol: 'TCP' },
        ],
      })
    ).json();
    await call('POST', '/routes', {
      kind: 'TCPRoute',
      name: 'db',
      spec: {
        parentRefs: [{ name: 'g', sectionName: 'tcp' }],
        rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }],
      },
    });
    await createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log: pino({ level: 'silent' }),
      resyncSeconds: 3600,
    }).drain();
    const r = await call('POST', `/gateways/${gw.id}/trace`, { host: 'g.example.com', path: '/' });
    expect(r.statusCode, r.body).toBe(200); // today: 400 "port: the listener on port 7000 does not route HTTP"
    expect(r.json().port).toBe(80);
  });
});

describe('re-sent objects', () => {
  it('a Gateway or route sent again unchanged keeps its generation (key order in storage does not matter)', async () => {
    const a = await createAccount(env, 'resend');
    const call = (method: string, url: string, payload?: unknown) =>
      env.app.inject({
        method: method as 'GET',
        url: `/api/v1${url}`,
        headers: auth(a.key),
        ...(payload ? { payload: payload as object } : {}),
      });
    await call('POST', '/address-pools', { name: 'p', spec: '10.3.0.0/28' });
    await call('POST', '/templates', { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.example.com' });
    const gw = {
      name: 'g',
      template: 't',
      clientUid: 'gw-uid-1',
      listeners: [{ name: 'http', protocol: 'HTTP', port: 80, hostname: 'a.example.com' }],
    };
    expect((await call('POST', '/gateways', gw)).statusCode).toBe(201);
    const again = await call('POST', '/gateways', gw);
    expect(again.statusCode).toBe(200);
    expect(again.json().generation).toBe(1);
    const route = {
      kind: 'HTTPRoute',
      name: 'r',
      clientUid: 'route-uid-1',
      spec: { parentRefs: [{ name: 'g' }], rules: [{ backendRefs: [{ name: 's', port: 80 }] }] },
    };
    expect((await call('POST', '/routes', route)).statusCode).toBe(201);
    const r2 = await call('POST', '/routes', route);
    expect(r2.statusCode).toBe(200);
    expect(r2.json().generation).toBe(1);
  });
});
