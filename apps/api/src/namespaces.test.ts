import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreedLabels } from './modules/namespaces.js';
import { reconcile } from './test-support/conformance.js';
import {
  auditTrail,
  createAccount,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from './test-support/harness.js';

// Namespaces with their labels: stored per cluster and name, validated as Kubernetes labels, and given to the
// translator so that listeners' allowedRoutes.namespaces.selector match them.

let env: TestEnv;
let key: string;
let c1: string;
let c2: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'ns-labels')).key;
  c1 = (await call('POST', '/clusters', { name: 'one' })).body['id'];
  c2 = (await call('POST', '/clusters', { name: 'two' })).body['id'];
});
afterAll(() => env?.close());

describe('namespaces (REST)', () => {
  it('creates by client uid, updates the labels on a re-send, lists, gets and deletes, with an audit trail', async () => {
    const first = await call('PUT', '/namespaces', {
      clusterId: c1,
      clientUid: 'uid-shop',
      name: 'shop',
      labels: { team: 'web', 'example.com/tier': 'front', empty: '' },
    });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({
      clusterId: c1,
      clientUid: 'uid-shop',
      name: 'shop',
      labels: { team: 'web', 'example.com/tier': 'front', empty: '' },
    });
    const again = await call('PUT', '/namespaces', {
      clusterId: c1,
      clientUid: 'uid-shop',
      name: 'shop',
      labels: { team: 'api', 'kubernetes.io/metadata.name': 'shop' },
    });
    expect(again.status).toBe(200);
    // The implied label is accepted when it tells the truth, and never stored.
    expect(again.body).toMatchObject({ id: first.body['id'], labels: { team: 'api' } });
    expect(Object.keys(again.body['labels'])).toEqual(['team']);
    const api = await call('PUT', '/namespaces', { name: 'shop', labels: { team: 'api' } });
    expect(api.status).toBe(201);
    expect(api.body).toMatchObject({ clusterId: null, clientUid: 'api:none:Namespace:shop' });
    const list = await call('GET', `/namespaces?clusterId=${c1}`);
    expect(list.body['items'].map((n: { id: string }) => n.id)).toEqual([first.body['id']]);
    expect((await call('GET', '/namespaces?name=shop')).body['items']).toHaveLength(2);
    expect((await call('GET', `/namespaces/${api.body['id']}`)).body).toMatchObject({ name: 'shop' });
    expect((await call('DELETE', `/namespaces/${api.body['id']}`)).status).toBe(204);
    expect((await call('GET', `/namespaces/${api.body['id']}`)).status).toBe(404);
    expect((await call('DELETE', `/namespaces/${api.body['id']}`)).status).toBe(404);
    expect(await auditTrail(env, key, 'Namespace')).toEqual([
      ['namespace.create', first.body['id'], { name: 'shop', labels: first.body['labels'] }],
      ['namespace.update', first.body['id'], { name: 'shop', labels: { team: 'api' } }],
      ['namespace.create', api.body['id'], { name: 'shop', labels: { team: 'api' } }],
      ['namespace.delete', api.body['id'], { name: 'shop' }],
    ]);
  });

  it.each([
    ['a label key that is not one', { name: 'x', labels: { 'bad key': 'v' } }, 'labels["bad key"]'],
    [
      'a label key with an upper-case prefix',
      { name: 'x', labels: { 'Example.com/a': 'v' } },
      'labels["Example.com/a"]',
    ],
    [
      'a label key whose name is too long',
      { name: 'x', labels: { ['k'.repeat(64)]: 'v' } },
      `labels.${'k'.repeat(64)}`,
    ],
    ['a label value with a space', { name: 'x', labels: { team: 'a b' } }, 'labels.team'],
    ['a label value too long', { name: 'x', labels: { team: 'v'.repeat(64) } }, 'labels.team'],
    ['a label value ending in "-"', { name: 'x', labels: { team: 'web-' } }, 'labels.team'],
    [
      'too many labels',
      { name: 'x', labels: Object.fromEntries([...Array(65).keys()].map((i) => [`k${i}`, 'v'])) },
      'labels',
    ],
    [
      'a kubernetes.io/metadata.name that is not the name',
      { name: 'x', labels: { 'kubernetes.io/metadata.name': 'y' } },
      'labels["kubernetes.io/metadata.name"]',
    ],
    ['a name that is not a DNS label', { name: 'Shop', labels: {} }, 'name'],
    ['an unknown cluster', { clusterId: '00000000-0000-4000-8000-000000000000', name: 'x' }, 'clusterId'],
    ['an unknown field', { name: 'x', label: {} }, ''],
  ])('refuses %s with a 400 naming the field', async (_what, body, field) => {
    const r = await call('PUT', '/namespaces', body);
    expect(r.status, r.raw).toBe(400);
    if (field !== '') expect(r.body['issues'].map((i: { path: string }) => i.path)).toContain(field);
  });

  it('refuses to rename a namespace under the same client uid', async () => {
    expect((await call('PUT', '/namespaces', { clientUid: 'uid-rename', name: 'before' })).status).toBe(201);
    const r = await call('PUT', '/namespaces', { clientUid: 'uid-rename', name: 'after' });
    expect(r.status).toBe(400);
    expect(r.body['issues'][0].path).toBe('name');
  });

  it('keeps a cluster that still holds namespaces', async () => {
    const c = (await call('POST', '/clusters', { name: 'held' })).body['id'];
    const ns = await call('PUT', '/namespaces', { clusterId: c, name: 'held' });
    const refused = await call('DELETE', `/clusters/${c}`);
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toMatch(/1 namespaces/);
    await call('DELETE', `/namespaces/${ns.body['id']}`);
    expect((await call('DELETE', `/clusters/${c}`)).status).toBe(204);
  });
});

describe('namespace labels in the translation', () => {
  it('counts only the labels every cluster that reports the namespace agrees on', async () => {
    await call('POST', '/address-pools', { name: 'pub', spec: '10.82.0.0/28' });
    await call('POST', '/templates', {
      name: 'gw',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const selector = (matchLabels: Record<string, string>) => ({
      namespaces: { from: 'Selector', selector: { matchLabels } },
    });
    const gw = await call('POST', '/gateways', {
      name: 'edge',
      namespace: 'infra',
      template: 'gw',
      listeners: [
        { name: 'team', port: 80, protocol: 'HTTP', allowedRoutes: selector({ team: 'shop' }) },
        { name: 'prod', port: 8080, protocol: 'HTTP', allowedRoutes: selector({ env: 'prod' }) },
      ],
    });
    expect(gw.status, gw.raw).toBe(201);
    await call('PUT', '/namespaces', { clusterId: c1, name: 'web', labels: { team: 'shop', env: 'prod' } });
    await call('PUT', '/namespaces', { clusterId: c2, name: 'web', labels: { team: 'shop', env: 'dev' } });
    const route = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'site',
      namespace: 'web',
      spec: { parentRefs: [{ name: 'edge', namespace: 'infra' }], rules: [{}] },
    });
    expect(route.status, route.raw).toBe(201);
    await reconcile(env);
    const attached = async () =>
      Object.fromEntries(
        (
          (await call('GET', `/gateways/${gw.body['id']}`)).body['status'].listeners as {
            name: string;
            attachedRoutes: number;
          }[]
        ).map((l) => [l.name, l.attachedRoutes]),
      );
    expect(await attached()).toEqual({ team: 1, prod: 0 });
    // Once the clusters agree, the label counts.
    await call('PUT', '/namespaces', { clusterId: c2, name: 'web', labels: { team: 'shop', env: 'prod' } });
    await reconcile(env);
    expect(await attached()).toEqual({ team: 1, prod: 1 });
  });

  it('agreedLabels keeps a label only when every row of the name has it with the same value', () => {
    const m = agreedLabels([
      { name: 'a', labels: { x: '1', y: '2', z: '3' } },
      { name: 'b', labels: { x: '9' } },
      { name: 'a', labels: { x: '1', y: '0' } },
      { name: 'a', labels: { x: '1', z: '3' } },
      { name: 'c', labels: null },
    ]);
    expect(Object.fromEntries(m)).toEqual({ a: { x: '1' }, b: { x: '9' }, c: {} });
  });
});
