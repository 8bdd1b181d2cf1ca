import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(async () => {
  await env?.close();
});

async function call(key: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const r = await env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload ? { payload } : {}),
  });
  return { status: r.statusCode, body: r.json() };
}

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
    const gateway = {
      clientUid: 'gw-uid',
      namespace: 'default',
      name: 'gw',
      template: 'gw',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    };
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
    expect(status.body).toEqual({ gateways: [], routes: [] });
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
});
