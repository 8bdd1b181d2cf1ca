import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

describe('smoke', () => {
  it('creates a pool, a template, a gateway and an HTTPRoute', async () => {
    const acct = await createAccount(env, 'acme');
    const pool = await env.app.inject({
      method: 'POST',
      url: '/api/v1/address-pools',
      headers: auth(acct.key),
      payload: { name: 'public', spec: '198.51.100.0/30' },
    });
    expect(pool.statusCode, pool.body).toBe(201);
    const tpl = await env.app.inject({
      method: 'POST',
      url: '/api/v1/templates',
      headers: auth(acct.key),
      payload: { name: 'web', poolName: 'public', dnsNameTemplate: '{gateway}.{account}.example.com' },
    });
    expect(tpl.statusCode, tpl.body).toBe(201);
    const gw = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(acct.key),
      payload: { name: 'shop', template: 'web', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    expect(gw.statusCode, gw.body).toBe(201);
    // the first host address: 198.51.100.0 is the /30's network address
    expect(gw.json().address).toBe('198.51.100.1');
    const route = await env.app.inject({
      method: 'POST',
      url: '/api/v1/routes',
      headers: auth(acct.key),
      payload: {
        kind: 'HTTPRoute',
        name: 'shop',
        spec: { parentRefs: [{ name: 'shop' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
      },
    });
    expect(route.statusCode, route.body).toBe(201);
    expect(route.json().parents).toEqual([{ gatewayId: gw.json().id, refIndex: 0 }]);
  });
});
