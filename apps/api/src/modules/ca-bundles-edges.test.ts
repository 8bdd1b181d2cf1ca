import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { testCertA, testCertB } from '../test-support/tls-fixture.js';

// CA bundles through REST against a real database, each test with its own account so that no test depends
// on another's rows: what an update stores, renames, clusters, list filters and pages, tenant scope, the
// PEM check at its edges and the audit trail.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `ca-edges-${++n}`);
const put = (key: string, body: Record<string, unknown>) =>
  call('PUT', '/ca-bundles', key, { kind: 'ConfigMap', namespace: 'default', name: 'ca', ...body });

describe('CA bundle upsert', () => {
  it('stores the new certificates on a re-send, and clears them when the object has none', async () => {
    const a = await account();
    const first = await put(a.key, { clientUid: 'u1', caCertificate: testCertA.certificate });
    expect(first.status, first.raw).toBe(201);
    const both = testCertA.certificate + testCertB.certificate;
    const again = await put(a.key, { clientUid: 'u1', caCertificate: both });
    expect(again.status, again.raw).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, caCertificate: both });
    expect((await call('GET', `/ca-bundles/${first.body.id}`, a.key)).body.caCertificate).toBe(both);
    const cleared = await put(a.key, { clientUid: 'u1' });
    expect(cleared.status, cleared.raw).toBe(200);
    expect(cleared.body.caCertificate).toBeNull();
    expect((await call('GET', `/ca-bundles/${first.body.id}`, a.key)).body.caCertificate).toBeNull();
    expect(await auditTrail(env, a.key, 'CaBundle')).toEqual([
      ['caBundle.create', first.body.id, { kind: 'ConfigMap', namespace: 'default', name: 'ca' }],
      ['caBundle.update', first.body.id, { kind: 'ConfigMap', namespace: 'default', name: 'ca' }],
      ['caBundle.update', first.body.id, { kind: 'ConfigMap', namespace: 'default', name: 'ca' }],
    ]);
  });

  it('refuses a re-sent uid under another kind, namespace or name, naming the object it is', async () => {
    const a = await account();
    await put(a.key, { clientUid: 'u1' });
    for (const change of [{ kind: 'Secret' }, { namespace: 'other' }, { name: 'renamed' }]) {
      const r = await put(a.key, { clientUid: 'u1', ...change });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues).toEqual([
        { path: 'name', message: 'client uid u1 is ConfigMap default/ca; an object cannot be renamed' },
      ]);
    }
    expect((await call('GET', '/ca-bundles', a.key)).body.items).toHaveLength(1);
  });

  it('stores the cluster, defaults the uid to it, and refuses a cluster the account does not have', async () => {
    const a = await account();
    const b = await account();
    const cluster = (await call('POST', '/clusters', a.key, { name: 'c1' })).body.id as string;
    const made = await put(a.key, { clusterId: cluster, kind: 'Secret' });
    expect(made.status, made.raw).toBe(201);
    expect(made.body).toMatchObject({
      clusterId: cluster,
      clientUid: `api:${cluster}:Secret:default/ca`,
    });
    const api = await put(a.key, {});
    expect(api.body).toMatchObject({ clusterId: null, clientUid: 'api:none:ConfigMap:default/ca' });
    for (const [key, id] of [
      [a.key, missingId],
      [b.key, cluster],
    ] as const) {
      const r = await put(key, { clusterId: id, name: 'x' });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${id} not found` }]);
    }
    expect((await call('GET', '/ca-bundles?name=x', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/ca-bundles', b.key)).body.items).toEqual([]);
  });

  it('takes PEM certificates only: nothing, blanks or text around them are refused', async () => {
    const a = await account();
    for (const caCertificate of ['', '   \n', `x${testCertA.certificate}`]) {
      const r = await put(a.key, { caCertificate });
      expect(r.status, `${JSON.stringify(caCertificate)}: ${r.raw}`).toBe(400);
      expect(r.body.issues.map((i: { path: string }) => i.path)).toEqual(['caCertificate']);
    }
    const spaced = await put(a.key, {
      caCertificate: `\n${testCertA.certificate}\n\n${testCertB.certificate}`,
    });
    expect(spaced.status, spaced.raw).toBe(201);
    expect((await call('GET', '/ca-bundles', a.key)).body.items).toHaveLength(1);
  });

  it('is refused for a viewer', async () => {
    const a = await account();
    const viewer = await viewerKey(env, a.key);
    expect((await put(viewer, {})).status).toBe(403);
    expect((await call('GET', '/ca-bundles', a.key)).body.items).toEqual([]);
  });
});

describe('listing CA bundles', () => {
  it('filters by namespace, name and cluster, pages oldest first, and shows only the account’s bundles', async () => {
    const a = await account();
    const b = await account();
    const cluster = (await call('POST', '/clusters', a.key, { name: 'c1' })).body.id as string;
    const ids: string[] = [];
    for (const body of [
      { namespace: 'default', name: 'one' },
      { namespace: 'infra', name: 'one', clusterId: cluster },
      { namespace: 'infra', name: 'two' },
    ])
      ids.push((await put(a.key, body)).body.id as string);
    await put(b.key, { name: 'one' });

    const list = async (query: string) =>
      (await call('GET', `/ca-bundles${query}`, a.key)).body as {
        items: { id: string }[];
        nextCursor: string | null;
      };
    expect((await list('')).items.map((c) => c.id)).toEqual(ids);
    expect((await list('?namespace=infra')).items.map((c) => c.id)).toEqual(ids.slice(1));
    expect((await list('?name=one')).items.map((c) => c.id)).toEqual(ids.slice(0, 2));
    expect((await list(`?clusterId=${cluster}`)).items.map((c) => c.id)).toEqual([ids[1]]);
    const first = await list('?limit=2');
    expect(first.items.map((c) => c.id)).toEqual(ids.slice(0, 2));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((c) => c.id)).toEqual(ids.slice(2));
    expect(second.nextCursor).toBeNull();
  });
});

describe('one CA bundle by id', () => {
  it('is not found, nor deleted, from another account, and names the id that is not one', async () => {
    const a = await account();
    const b = await account();
    const id = (await put(a.key, {})).body.id as string;
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, `/ca-bundles/${id}`, b.key);
      expect(r.status, r.raw).toBe(404);
      expect(r.body.message).toBe(`CA bundle "${id}" not found`);
      const missing = await call(method, `/ca-bundles/${missingId}`, a.key);
      expect(missing.status, missing.raw).toBe(404);
      expect(missing.body.message).toBe(`CA bundle "${missingId}" not found`);
      const bad = await call(method, '/ca-bundles/not-an-id', a.key);
      expect(bad.status, bad.raw).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
    }
    expect((await call('GET', `/ca-bundles/${id}`, a.key)).status).toBe(200);
  });

  it('is deleted with an audit entry naming the object, and not by a viewer', async () => {
    const a = await account();
    const id = (await put(a.key, { kind: 'Secret', namespace: 'infra', name: 'gone' })).body.id as string;
    const viewer = await viewerKey(env, a.key);
    expect((await call('DELETE', `/ca-bundles/${id}`, viewer)).status).toBe(403);
    expect((await call('DELETE', `/ca-bundles/${id}`, a.key)).status).toBe(204);
    expect((await auditTrail(env, a.key, 'CaBundle')).at(-1)).toEqual([
      'caBundle.delete',
      id,
      { kind: 'Secret', namespace: 'infra', name: 'gone' },
    ]);
  });
});
