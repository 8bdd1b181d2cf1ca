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

// BackendTLSPolicies through REST against a real database, each test with its own account so that no test
// depends on another's rows: creationTimestamp, renames, clusters, the gateways a change re-renders, list
// filters and pages, tenant scope and the audit trail.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `btls-edges-${++n}`);
const spec = {
  targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
  validation: { wellKnownCACertificates: 'System', hostname: 'api.example.com' },
};
const put = (key: string, body: Record<string, unknown>) =>
  call('PUT', '/backend-tls-policies', key, { namespace: 'web', name: 'p', spec, ...body });

describe('BackendTLSPolicy upsert', () => {
  it('keeps the creationTimestamp it is given; a re-send with another one is an update, without one a no-op', async () => {
    const a = await account();
    const at = '2026-01-02T03:04:05.678Z';
    const first = await put(a.key, { clientUid: 'u1', creationTimestamp: at });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({ generation: 1, creationTimestamp: at });
    // The same spec, with no creationTimestamp or the same one (in another offset): nothing changes.
    for (const creationTimestamp of [undefined, at, '2026-01-02T04:04:05.678+01:00']) {
      const same = await put(a.key, { clientUid: 'u1', ...(creationTimestamp ? { creationTimestamp } : {}) });
      expect(same.status, same.raw).toBe(200);
      expect(same.body).toMatchObject({ id: first.body.id, generation: 1, creationTimestamp: at });
    }
    const later = '2026-02-02T03:04:05.000Z';
    const moved = await put(a.key, { clientUid: 'u1', creationTimestamp: later });
    expect(moved.status, moved.raw).toBe(200);
    expect(moved.body).toMatchObject({ id: first.body.id, generation: 2, creationTimestamp: later });
    // A spec change without a creationTimestamp keeps the stored one.
    const changed = await put(a.key, {
      clientUid: 'u1',
      spec: { ...spec, validation: { ...spec.validation, hostname: 'b.example.com' } },
    });
    expect(changed.body).toMatchObject({ generation: 3, creationTimestamp: later });
    expect((await call('GET', `/backend-tls-policies/${first.body.id}`, a.key)).body).toMatchObject({
      generation: 3,
      creationTimestamp: later,
      spec: { validation: { hostname: 'b.example.com' } },
    });
    expect(await auditTrail(env, a.key, 'BackendTlsPolicy')).toEqual([
      ['backendTlsPolicy.create', first.body.id, { namespace: 'web', name: 'p', generation: 1 }],
      ['backendTlsPolicy.update', first.body.id, { namespace: 'web', name: 'p', generation: 2 }],
      ['backendTlsPolicy.update', first.body.id, { namespace: 'web', name: 'p', generation: 3 }],
    ]);
  });

  it('without a creationTimestamp shows its creation time', async () => {
    const a = await account();
    const r = await put(a.key, {});
    expect(r.status, r.raw).toBe(201);
    expect(r.body.creationTimestamp).toBe(r.body.createdAt);
    // A re-send that now gives one is an update that stores it.
    const at = '2026-03-04T05:06:07.089Z';
    const given = await put(a.key, { creationTimestamp: at });
    expect(given.status, given.raw).toBe(200);
    expect(given.body).toMatchObject({ id: r.body.id, generation: 2, creationTimestamp: at });
  });

  it('refuses a re-sent uid under another namespace or name, naming the policy it is', async () => {
    const a = await account();
    await put(a.key, { clientUid: 'u1' });
    for (const change of [{ namespace: 'other' }, { name: 'renamed' }]) {
      const r = await put(a.key, { clientUid: 'u1', ...change });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues).toEqual([
        { path: 'name', message: 'client uid u1 is BackendTLSPolicy web/p; an object cannot be renamed' },
      ]);
    }
    expect((await call('GET', '/backend-tls-policies', a.key)).body.items).toHaveLength(1);
  });

  it('stores the cluster, defaults the uid to it, and refuses a cluster the account does not have', async () => {
    const a = await account();
    const b = await account();
    const cluster = (await call('POST', '/clusters', a.key, { name: 'c1' })).body.id as string;
    const made = await put(a.key, { clusterId: cluster });
    expect(made.status, made.raw).toBe(201);
    expect(made.body).toMatchObject({
      clusterId: cluster,
      clientUid: `api:${cluster}:BackendTLSPolicy:web/p`,
    });
    expect((await put(a.key, {})).body).toMatchObject({ clusterId: null });
    for (const [key, id] of [
      [a.key, missingId],
      [b.key, cluster],
    ] as const) {
      const r = await put(key, { clusterId: id, name: 'x' });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'clusterId', message: `cluster ${id} not found` }]);
    }
    expect((await call('GET', '/backend-tls-policies?name=x', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/backend-tls-policies', b.key)).body.items).toEqual([]);
  });

  it("re-renders every gateway of the account on a change and a delete, and no other account's", async () => {
    const a = await account();
    const b = await account();
    const gateway = async (key: string, name: string) => {
      const r = await call('POST', '/gateways', key, {
        name,
        template: 'web',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      });
      expect(r.status, r.raw).toBe(201);
      return r.body.id as string;
    };
    for (const [key, i] of [
      [a.key, 1],
      [b.key, 2],
    ] as const) {
      await call('POST', '/address-pools', key, { name: 'pub', spec: `10.97.${i}.0/28` });
      await call('POST', '/templates', key, {
        name: 'web',
        poolName: 'pub',
        dnsNameTemplate: '{gateway}.example.com',
      });
    }
    const mine = [await gateway(a.key, 'one'), await gateway(a.key, 'two')].sort();
    const theirs = await gateway(b.key, 'three');
    const queued = async () => {
      const all = [...mine, theirs];
      const rows = await env.db.reconcileRequest.findMany({ where: { gatewayId: { in: all } } });
      await env.db.reconcileRequest.deleteMany({ where: { gatewayId: { in: all } } });
      return [...new Set(rows.map((r) => r.gatewayId))].sort();
    };
    await queued();
    const p = await put(a.key, {});
    expect(await queued()).toEqual(mine);
    await put(a.key, {});
    expect(await queued()).toEqual([]);
    expect((await call('DELETE', `/backend-tls-policies/${p.body.id}`, a.key)).status).toBe(204);
    expect(await queued()).toEqual(mine);
  });

  it('is refused for a viewer', async () => {
    const a = await account();
    const viewer = await viewerKey(env, a.key);
    expect((await put(viewer, {})).status).toBe(403);
    expect((await call('GET', '/backend-tls-policies', a.key)).body.items).toEqual([]);
  });
});

describe('listing BackendTLSPolicies', () => {
  it('filters by namespace, name and cluster, pages oldest first, and shows only the account’s policies', async () => {
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
      (await call('GET', `/backend-tls-policies${query}`, a.key)).body as {
        items: { id: string; status: unknown }[];
        nextCursor: string | null;
      };
    const all = await list('');
    expect(all.items.map((c) => c.id)).toEqual(ids);
    expect(all.items[0]!.status).toEqual({ ancestors: [] });
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

describe('one BackendTLSPolicy by id', () => {
  it('is not found, nor deleted, from another account, and names the id that is not one', async () => {
    const a = await account();
    const b = await account();
    const id = (await put(a.key, {})).body.id as string;
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, `/backend-tls-policies/${id}`, b.key);
      expect(r.status, r.raw).toBe(404);
      expect(r.body.message).toBe(`BackendTLSPolicy "${id}" not found`);
      const missing = await call(method, `/backend-tls-policies/${missingId}`, a.key);
      expect(missing.status, missing.raw).toBe(404);
      expect(missing.body.message).toBe(`BackendTLSPolicy "${missingId}" not found`);
      const bad = await call(method, '/backend-tls-policies/not-an-id', a.key);
      expect(bad.status, bad.raw).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
    }
    expect((await call('GET', `/backend-tls-policies/${id}`, a.key)).status).toBe(200);
  });

  it('is deleted with an audit entry naming it, and not by a viewer', async () => {
    const a = await account();
    const id = (await put(a.key, { namespace: 'infra', name: 'gone' })).body.id as string;
    const viewer = await viewerKey(env, a.key);
    expect((await call('DELETE', `/backend-tls-policies/${id}`, viewer)).status).toBe(403);
    expect((await call('DELETE', `/backend-tls-policies/${id}`, a.key)).status).toBe(204);
    expect((await auditTrail(env, a.key, 'BackendTlsPolicy')).at(-1)).toEqual([
      'backendTlsPolicy.delete',
      id,
      { namespace: 'infra', name: 'gone' },
    ]);
  });
});
