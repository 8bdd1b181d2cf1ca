import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER_NAME } from '../reconciler/reconcile-gateway.js';
import {
  auditTrail,
  createAccount,
  missingId,
  rest,
  testEnv,
  viewerKey,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// GatewayClasses through REST against a real database, each test with its own account so that no test
// depends on another's rows: clusters, list filters and pages, tenant scope, refusals and the audit trail.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `gwc-edges-${++n}`);
const spec = { controllerName: CONTROLLER_NAME };
const put = (key: string, body: Record<string, unknown>) => call('PUT', '/gateway-classes', key, body);

describe('GatewayClasses of a cluster', () => {
  it('stores the cluster, defaults the uid to the cluster, and refuses a cluster the account does not have', async () => {
    const a = await account();
    const b = await account();
    const cluster = (await call('POST', '/clusters', a.key, { name: 'c1' })).body.id as string;
    const made = await put(a.key, { clusterId: cluster, name: 'epic', spec });
    expect(made.status, made.raw).toBe(201);
    expect(made.body).toMatchObject({
      clusterId: cluster,
      clientUid: `api:${cluster}:GatewayClass:epic`,
    });
    const api = await put(a.key, { name: 'epic', spec });
    expect(api.status, api.raw).toBe(201);
    expect(api.body).toMatchObject({ clusterId: null, clientUid: 'api:none:GatewayClass:epic' });

    for (const [key, id] of [
      [a.key, missingId],
      [b.key, cluster],
    ] as const) {
      const r = await put(key, { clusterId: id, name: 'x', spec });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${id} not found` }]);
    }
    // Nothing was stored by the refusals.
    expect((await call('GET', '/gateway-classes?name=x', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/gateway-classes', b.key)).body.items).toEqual([]);
  });
});

describe('listing GatewayClasses', () => {
  it('filters by name and by cluster, pages oldest first, and shows only the account’s classes', async () => {
    const a = await account();
    const b = await account();
    const cluster = (await call('POST', '/clusters', a.key, { name: 'c1' })).body.id as string;
    const ids: string[] = [];
    for (const [name, clusterId] of [
      ['one', undefined],
      ['two', cluster],
      ['three', undefined],
    ] as const)
      ids.push((await put(a.key, { name, spec, ...(clusterId ? { clusterId } : {}) })).body.id as string);
    await put(b.key, { name: 'one', spec });

    const list = async (query: string) =>
      (await call('GET', `/gateway-classes${query}`, a.key)).body as {
        items: { id: string }[];
        nextCursor: string | null;
      };
    expect((await list('')).items.map((c) => c.id)).toEqual(ids);
    expect((await list('?name=two')).items.map((c) => c.id)).toEqual([ids[1]]);
    expect((await list(`?clusterId=${cluster}`)).items.map((c) => c.id)).toEqual([ids[1]]);

    const first = await list('?limit=2');
    expect(first.items.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((c) => c.id)).toEqual(ids.slice(2));
    expect(second.nextCursor).toBeNull();
  });
});

describe('one GatewayClass by id', () => {
  it('is not found, nor deleted, from another account, and names the id that is not one', async () => {
    const a = await account();
    const b = await account();
    const c = await put(a.key, { name: 'mine', spec });
    const id = c.body.id as string;
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, `/gateway-classes/${id}`, b.key);
      expect(r.status, r.raw).toBe(404);
      expect(r.body.message).toBe(`gateway class "${id}" not found`);
      const missing = await call(method, `/gateway-classes/${missingId}`, a.key);
      expect(missing.status, missing.raw).toBe(404);
      expect(missing.body.message).toBe(`gateway class "${missingId}" not found`);
      const bad = await call(method, '/gateway-classes/not-an-id', a.key);
      expect(bad.status, bad.raw).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
    }
    expect((await call('GET', `/gateway-classes/${id}`, a.key)).status).toBe(200);
    expect((await auditTrail(env, a.key, 'GatewayClass')).map(([action]) => action)).toEqual([
      'gatewayclass.create',
    ]);
  });

  it('is deleted by an admin with an audit entry naming it, and not by a viewer', async () => {
    const a = await account();
    const id = (await put(a.key, { name: 'gone', spec })).body.id as string;
    const viewer = await viewerKey(env, a.key);
    expect((await call('DELETE', `/gateway-classes/${id}`, viewer)).status).toBe(403);
    expect((await call('DELETE', `/gateway-classes/${id}`, a.key)).status).toBe(204);
    expect(await auditTrail(env, a.key, 'GatewayClass')).toEqual([
      ['gatewayclass.create', id, { name: 'gone' }],
      ['gatewayclass.delete', id, { name: 'gone' }],
    ]);
  });
});

describe('GatewayClass refusals', () => {
  it('names the uid and the class on a rename, and says a Template is not namespaced', async () => {
    const a = await account();
    await put(a.key, { clientUid: 'uid-1', name: 'first', spec });
    const renamed = await put(a.key, { clientUid: 'uid-1', name: 'second', spec });
    expect(renamed.status).toBe(400);
    expect(renamed.body.issues).toEqual([
      { path: 'name', message: 'client uid uid-1 is GatewayClass first; a class cannot be renamed' },
    ]);
    const namespaced = await put(a.key, {
      name: 'ns',
      spec: {
        ...spec,
        parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'web', namespace: 'infra' },
      },
    });
    expect(namespaced.status, namespaced.raw).toBe(201);
    const accepted = (namespaced.body.status.conditions as { type: string; message: string }[]).find(
      (c) => c.type === 'Accepted',
    );
    expect(accepted?.message).toBe('parametersRef: a Template is not namespaced');
  });
});
