import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../reconciler/reconciler.js';
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
import { SEALED_PREFIX } from '../xds/render.js';
import { jsonDiffPaths } from './revisions.js';

// Configuration revisions through REST against a real database, each test with its own account and
// gateway, and revisions written straight into the store (no reconciler runs here), so that each test
// states exactly the revisions it reads: pages, redaction, diffs, rollbacks and the trace's refusals.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
async function gateway() {
  const a = await createAccount(env, `rev-edges-${++n}`);
  await call('POST', '/address-pools', a.key, { name: 'pub', spec: `10.98.${n}.0/28` });
  await call('POST', '/templates', a.key, {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
  const g = await call('POST', '/gateways', a.key, {
    name: 'gw',
    template: 'web',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  });
  expect(g.status, g.raw).toBe(201);
  return { ...a, gatewayId: g.body.id as string };
}

const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const SECRET = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const cluster = (name: string, extra: Record<string, unknown> = {}) => ({
  typeUrl: CLUSTER,
  name,
  resource: { name, ...extra },
});

/** Writes revision `version` of the gateway with these resources, as the reconciler would. */
async function revision(
  gatewayId: string,
  version: number,
  resources: Record<string, unknown>,
  extra: { status?: string; error?: string; inputHash?: string } = {},
) {
  await env.db.$executeRawUnsafe(
    `INSERT INTO "ConfigRevision" (id, "gatewayId", version, hash, "inputHash", resources, status, error)
     VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5::jsonb, $6::"RevisionStatus", $7)`,
    gatewayId,
    version,
    `hash-${version}`,
    extra.inputHash ?? `input-${version}`,
    JSON.stringify(resources),
    extra.status ?? 'pending',
    extra.error ?? null,
  );
}

describe('jsonDiffPaths', () => {
  it('names each differing leaf by its path, keys sorted, array items by index', () => {
    expect(jsonDiffPaths({ a: 1 }, { a: 1 })).toEqual([]);
    expect(jsonDiffPaths(1, 2)).toEqual(['(root)']);
    expect(jsonDiffPaths({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toEqual(['a.c']);
    expect(jsonDiffPaths({ z: 1, a: 1 }, { z: 2, a: 2 })).toEqual(['a', 'z']);
    expect(jsonDiffPaths({ a: 1 }, {})).toEqual(['a']);
    expect(jsonDiffPaths({}, { b: 1 })).toEqual(['b']);
    expect(jsonDiffPaths([1, 2], [1, 3, 4])).toEqual(['[1]', '[2]']);
    expect(jsonDiffPaths({ x: [{ y: 1 }] }, { x: [{ y: 2 }] })).toEqual(['x[0].y']);
    expect(jsonDiffPaths({ x: [1] }, { x: { 0: 1 } })).toEqual(['x']);
    expect(jsonDiffPaths({ x: null }, { x: {} })).toEqual(['x']);
    expect(jsonDiffPaths({ x: {} }, { x: null })).toEqual(['x']);
    expect(jsonDiffPaths({ x: [] }, { x: 'a' })).toEqual(['x']);
  });

  it('stops at the limit', () => {
    const a = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    const b = Object.fromEntries(Object.keys(a).map((k) => [k, -1]));
    const all = jsonDiffPaths(a, b);
    expect(all).toHaveLength(50);
    expect(all.slice(0, 2)).toEqual(['k00', 'k01']);
    expect(jsonDiffPaths(a, b, '', [], 2)).toEqual(['k00', 'k01']);
    expect(jsonDiffPaths([1, 2, 3], [4, 5, 6], '', [], 1)).toEqual(['[0]']);
  });
});

describe('listing and reading revisions', () => {
  it('pages newest first with nextBefore, and only when more follow', async () => {
    const g = await gateway();
    for (const v of [1, 2, 3]) await revision(g.gatewayId, v, { clusters: [] });
    const list = async (q: string) =>
      (await call('GET', `/gateways/${g.gatewayId}/revisions${q}`, g.key)).body as {
        items: { version: number; hash: string; status: string; rollbackOf: number | null }[];
        nextBefore: number | null;
      };
    const all = await list('');
    expect(all.items.map((r) => r.version)).toEqual([3, 2, 1]);
    expect(all.items[0]).toMatchObject({ hash: 'hash-3', status: 'pending', rollbackOf: null });
    expect(all.nextBefore).toBeNull();
    expect(await list('?limit=3')).toMatchObject({ nextBefore: null });
    const first = await list('?limit=2');
    expect(first.items.map((r) => r.version)).toEqual([3, 2]);
    expect(first.nextBefore).toBe(2);
    // The last item of the page, whatever the page's size.
    expect(await list('?limit=1')).toMatchObject({ items: [{ version: 3 }], nextBefore: 3 });
    const second = await list('?limit=2&before=2');
    expect(second.items.map((r) => r.version)).toEqual([1]);
    expect(second.nextBefore).toBeNull();
  });

  it('redacts sealed private keys in a revision and in a diff, and names the revision that is missing', async () => {
    const g = await gateway();
    const secret = (key: string) => ({
      typeUrl: SECRET,
      name: 'site',
      resource: { name: 'site', tlsCertificate: { privateKey: { inlineString: key }, chain: 'pem' } },
    });
    await revision(g.gatewayId, 1, { secrets: [secret(`${SEALED_PREFIX}one`)], clusters: [cluster('a')] });
    await revision(g.gatewayId, 2, {
      secrets: [secret(`${SEALED_PREFIX}two`)],
      clusters: [cluster('a', { connectTimeout: '2s' }), cluster('b')],
    });
    await revision(g.gatewayId, 3, { secrets: [secret(`${SEALED_PREFIX}three`)] });
    const got = await call('GET', `/gateways/${g.gatewayId}/revisions/1`, g.key);
    expect(got.status, got.raw).toBe(200);
    expect(got.body.resources.secrets[0].resource.tlsCertificate).toEqual({
      privateKey: { inlineString: '[redacted]' },
      chain: 'pem',
    });
    expect(got.raw).not.toContain(SEALED_PREFIX);
    expect(got.body).not.toHaveProperty('typeVersions');

    const diff = async (from: number, to: number) =>
      call('GET', `/gateways/${g.gatewayId}/revisions/diff?from=${from}&to=${to}`, g.key);
    // The keys differ only sealed: no change is reported (and none shown).
    expect((await diff(1, 2)).body).toEqual({
      from: 1,
      to: 2,
      changes: [
        { typeUrl: CLUSTER, name: 'a', change: 'modified', paths: ['connectTimeout'] },
        { typeUrl: CLUSTER, name: 'b', change: 'added' },
      ],
    });
    expect((await diff(2, 3)).body.changes).toEqual([
      { typeUrl: CLUSTER, name: 'a', change: 'removed' },
      { typeUrl: CLUSTER, name: 'b', change: 'removed' },
    ]);
    for (const [q, field] of [
      ['from=9&to=1', 'from'],
      ['from=1&to=9', 'to'],
    ] as const) {
      const r = await call('GET', `/gateways/${g.gatewayId}/revisions/diff?${q}`, g.key);
      expect(r.status, r.raw).toBe(404);
      expect(r.body.message).toBe(`${field}: revision 9 of gateway ${g.gatewayId} not found`);
    }
    const missing = await call('GET', `/gateways/${g.gatewayId}/revisions/9`, g.key);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`version: revision 9 of gateway ${g.gatewayId} not found`);
  });

  it("is not found for another account's gateway, and names the id that is not one", async () => {
    const g = await gateway();
    const other = await createAccount(env, `rev-edges-other-${n}`);
    await revision(g.gatewayId, 1, { clusters: [] });
    const urls = [
      ['GET', `/gateways/${g.gatewayId}/revisions`],
      ['GET', `/gateways/${g.gatewayId}/revisions/1`],
      ['GET', `/gateways/${g.gatewayId}/revisions/diff?from=1&to=1`],
      ['POST', `/gateways/${g.gatewayId}/revisions/1/rollback`],
    ] as const;
    for (const [method, url] of urls) {
      const r = await call(method, url, other.key);
      expect(r.status, `${url}: ${r.raw}`).toBe(404);
      expect(r.body.message).toBe(`gateway "${g.gatewayId}" not found`);
    }
    const trace = await call('POST', `/gateways/${g.gatewayId}/trace`, other.key, { host: 'a', path: '/' });
    expect(trace.status).toBe(404);
    expect(trace.body.message).toBe(`gateway "${g.gatewayId}" not found`);
    const bad = await call('GET', '/gateways/not-an-id/revisions', g.key);
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
    expect((await call('GET', `/gateways/${missingId}/revisions`, g.key)).status).toBe(404);
  });
});

describe('rollback', () => {
  it('serves the old resources as a new revision with the newest input hash, audited; a tainted one is refused', async () => {
    const g = await gateway();
    await revision(g.gatewayId, 1, { clusters: [cluster('a')] });
    await revision(g.gatewayId, 2, { clusters: [cluster('b')] }, { status: 'tainted', error: 'bad regex' });
    await revision(g.gatewayId, 3, { clusters: [cluster('c')] }, { inputHash: 'newest' });
    const viewer = await viewerKey(env, g.key);
    expect((await call('POST', `/gateways/${g.gatewayId}/revisions/1/rollback`, viewer)).status).toBe(403);

    const tainted = await call('POST', `/gateways/${g.gatewayId}/revisions/2/rollback`, g.key);
    expect(tainted.status, tainted.raw).toBe(409);
    expect(tainted.body.message).toBe('version: revision 2 was rejected (bad regex) and cannot be served');
    const missing = await call('POST', `/gateways/${g.gatewayId}/revisions/9/rollback`, g.key);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`version: revision 9 of gateway ${g.gatewayId} not found`);

    await revision(g.gatewayId, 9, { clusters: [] }, { status: 'tainted' });
    const unexplained = await call('POST', `/gateways/${g.gatewayId}/revisions/9/rollback`, g.key);
    expect(unexplained.body.message).toBe('version: revision 9 was rejected (invalid) and cannot be served');
    await env.db.$executeRawUnsafe(
      `DELETE FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = 9`,
      g.gatewayId,
    );

    const r = await call('POST', `/gateways/${g.gatewayId}/revisions/1/rollback`, g.key);
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({ version: 4, hash: 'hash-1', status: 'pending', rollbackOf: 1 });
    expect(r.body).not.toHaveProperty('resources');
    const rows = await env.db.$queryRawUnsafe<{ inputHash: string; resources: unknown }[]>(
      `SELECT "inputHash", resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = 4`,
      g.gatewayId,
    );
    expect(rows).toEqual([{ inputHash: 'newest', resources: { clusters: [cluster('a')] } }]);
    expect(await auditTrail(env, g.key, 'Gateway')).toContainEqual([
      'gateway.rollback',
      g.gatewayId,
      { to: 1, version: 4 },
    ]);
    // The gateway is reconciled again (its inputs may have changed since).
    expect(await env.db.reconcileRequest.count({ where: { gatewayId: g.gatewayId } })).toBeGreaterThan(0);
  });
});

describe('trace refusals', () => {
  it('has nothing to trace before a revision is served, nor on a tainted one only', async () => {
    const g = await gateway();
    const trace = () => call('POST', `/gateways/${g.gatewayId}/trace`, g.key, { host: 'a', path: '/' });
    const none = await trace();
    expect(none.status, none.raw).toBe(409);
    expect(none.body.message).toBe(`gateway ${g.gatewayId} has no served configuration yet`);
    await revision(g.gatewayId, 1, { clusters: [] }, { status: 'tainted', error: 'x' });
    expect((await trace()).status).toBe(409);
    // A revision without listeners has none to trace either.
    await revision(g.gatewayId, 2, { clusters: [] });
    expect((await trace()).body.message).toBe(`gateway ${g.gatewayId} has no served configuration yet`);
    const given = await call('POST', `/gateways/${g.gatewayId}/trace`, g.key, {
      host: 'a',
      path: '/',
      revision: 1,
    });
    expect(given.status).toBe(409);
  });

  it('names the port when no listener routes HTTP, with the ports it has', async () => {
    const g = await gateway();
    await revision(g.gatewayId, 1, {
      listeners: [
        {
          typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener',
          name: 'tcp',
          resource: { name: 'tcp', address: { socketAddress: { address: '0.0.0.0', portValue: 9000 } } },
        },
      ],
    });
    const any = await call('POST', `/gateways/${g.gatewayId}/trace`, g.key, { host: 'a', path: '/' });
    expect(any.status, any.raw).toBe(400);
    expect(any.body.issues).toEqual([
      { path: 'port', message: 'no HTTP listener on any port; listeners: 9000' },
    ]);
    const given = await call('POST', `/gateways/${g.gatewayId}/trace`, g.key, {
      host: 'a',
      path: '/',
      port: 81,
    });
    expect(given.body.issues).toEqual([
      { path: 'port', message: 'no HTTP listener on port 81; listeners: 9000' },
    ]);
  });
});

// Last in the file: the reconciler renders every gateway with a pending reconcile request, those of the
// tests above included (they are done by then).
describe('trace on a rendered gateway', () => {
  it('traces on the port it is given, refuses one without an HTTP listener, and bounds headers and query', async () => {
    const g = await gateway();
    const reconciler = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log: pino({ level: 'silent' }),
      resyncSeconds: 3600,
    });
    await call('PUT', '/static-endpoints/default/cart', g.key, {
      ports: [{ port: 8080 }],
      endpoints: [{ address: '10.1.0.5' }],
    });
    const route = await call('POST', '/routes', g.key, {
      kind: 'HTTPRoute',
      name: 'shop',
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'cart', port: 8080 }] }] },
    });
    expect(route.status, route.raw).toBe(201);
    await reconciler.drain();
    const trace = (body: Record<string, unknown>) =>
      call('POST', `/gateways/${g.gatewayId}/trace`, g.key, { host: 'a.example.com', path: '/', ...body });
    const on80 = await trace({ port: 80 });
    expect(on80.status, on80.raw).toBe(200);
    expect(on80.body).toMatchObject({ revision: 1, port: 80, connection: 'accepted', refusal: null });
    const on81 = await trace({ port: 81 });
    expect(on81.status).toBe(400);
    expect(on81.body.issues).toEqual([
      { path: 'port', message: 'no HTTP listener on port 81; listeners: 80' },
    ]);

    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
    expect((await trace({ headers: many(100), query: many(100) })).status).toBe(200);
    for (const field of ['headers', 'query']) {
      const r = await trace({ [field]: many(101) });
      expect(r.status, r.raw).toBe(400);
      expect(r.body.issues.map((i: { path: string }) => i.path)).toEqual([field]);
    }
  });
});
