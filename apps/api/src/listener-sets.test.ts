import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadInfraInput } from './provisioner/fleet.js';
import { createReconciler } from './reconciler/reconciler.js';
import { applyConformanceTest, reconcile, type AppliedTest } from './test-support/conformance.js';
import { infraInputOf } from './test-support/infra-input.js';
import {
  auditTrail,
  createAccount,
  refusedFields,
  rest,
  testEnv,
  type TestEnv,
} from './test-support/harness.js';

// ListenerSets (GEP-1713) through the API: stored per account (and cluster), validated naming the field, their
// listeners merged into the parent Gateway's render, their status written by the parent's reconcile, and the 13
// upstream conformance manifests applied through the API (docs/adr/0463-listener-sets-api.md).

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

interface Condition {
  type: string;
  status: string;
  reason: string;
  observedGeneration: number;
}
interface LsStatus {
  gatewayId: string | null;
  conditions: Condition[];
  listeners: { name: string; attachedRoutes: number; conditions: Condition[] }[];
}
const cond = (cs: readonly Condition[] | undefined, type: string) => {
  const c = (cs ?? []).find((x) => x.type === type);
  return c === undefined ? undefined : { status: c.status, reason: c.reason };
};

const listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];
const lsSpec = (gateway: string, port = 8080) => ({
  parentRef: { name: gateway },
  listeners: [{ name: 'extra', port, protocol: 'HTTP', hostname: 'extra.example.com' }],
});

let pools = 0;
async function setup(name: string) {
  pools += 1;
  const { key } = await createAccount(env, name);
  const call = (method: 'PUT' | 'GET' | 'DELETE' | 'POST', url: string, payload?: unknown) =>
    rest(env, method, url, key, payload);
  await call('POST', '/address-pools', { name: 'pub', spec: `10.70.${pools}.0/28` });
  await call('POST', '/templates', {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
  return { key, call };
}

/** The listener ports the gateway's fleet exposes (the provisioner's input; the EPIC nodes read the same list). */
async function fleetPorts(gatewayId: string): Promise<number[]> {
  const input = await infraInputOf(env, gatewayId);
  return input.gateway.listeners.map((l) => l.port).sort((a, b) => a - b);
}

/**
 * Reconciles with a provisioner that records the listener ports it was given per gateway (it runs before the
 * render in each reconcile, as the real ones do), and answers the last ports each gateway's fleet got.
 */
async function reconcileProvisioned(): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  const creds = { secretKey: randomBytes(32), xds: { host: '127.0.0.1', port: 18000 }, tokenTtlSeconds: 60 };
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
    provisioner: {
      provision: async (c, gatewayId, now) => {
        const loaded = await loadInfraInput(c, gatewayId, creds, now);
        if ('input' in loaded)
          seen.set(
            gatewayId,
            loaded.input.gateway.listeners.map((l) => l.port).sort((a, b) => a - b),
          );
        return undefined;
      },
    },
  }).drain();
  return seen;
}

/** The ports of the gateway's newest revision's Envoy listeners. */
async function renderedPorts(gatewayId: string): Promise<number[]> {
  const rows = await env.db.$queryRawUnsafe<{ resources: Record<string, any> }[]>(
    `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
    gatewayId,
  );
  return ((rows[0]?.resources['listeners'] ?? []) as { resource: Record<string, any> }[])
    .map((l) => l.resource['address']?.socketAddress?.portValue as number)
    .sort((a, b) => a - b);
}

describe('ListenerSets (REST)', () => {
  it('creates by client uid, updates on a re-send (generation), lists, gets and deletes, with an audit trail', async () => {
    const { key, call } = await setup('ls-crud');
    const spec = lsSpec('parent');
    const first = await call('PUT', '/listener-sets', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'extra',
      spec,
    });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'extra',
      generation: 1,
      spec: { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'parent' } },
      status: { gatewayId: null, conditions: [], listeners: [] },
    });
    const same = await call('PUT', '/listener-sets', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'extra',
      spec,
    });
    expect(same.status).toBe(200);
    expect(same.body['generation']).toBe(1);
    const changed = await call('PUT', '/listener-sets', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'extra',
      spec: lsSpec('parent', 8081),
    });
    expect(changed.body).toMatchObject({ id: first.body['id'], generation: 2 });
    const api = await call('PUT', '/listener-sets', { namespace: 'web', name: 'other', spec });
    expect(api.body['clientUid']).toBe('api:none:ListenerSet:web/other');
    const renamed = await call('PUT', '/listener-sets', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'x',
      spec,
    });
    expect(renamed.status).toBe(400);
    expect(refusedFields(renamed)).toEqual(['name']);
    const list = await call('GET', '/listener-sets?name=extra');
    expect(list.body['items'].map((p: { id: string }) => p.id)).toEqual([first.body['id']]);
    const paged = await call('GET', '/listener-sets?limit=1');
    expect(paged.body['items']).toHaveLength(1);
    expect(paged.body['nextCursor']).toEqual(expect.any(String));
    const next = await call('GET', `/listener-sets?limit=1&cursor=${paged.body['nextCursor']}`);
    expect(next.body['items'].map((p: { id: string }) => p.id)).toEqual([api.body['id']]);
    expect((await call('DELETE', `/listener-sets/${api.body['id']}`)).status).toBe(204);
    expect((await call('GET', `/listener-sets/${api.body['id']}`)).status).toBe(404);
    const trail = JSON.stringify(await auditTrail(env, key, 'ListenerSet'));
    expect(trail).toContain('listenerSet.create');
    expect(trail).toContain('listenerSet.update');
    expect(trail).toContain('listenerSet.delete');
  });

  it('refuses bad input naming the field', async () => {
    const { call } = await setup('ls-bad');
    const cases: [unknown, string][] = [
      [{ namespace: 'web', name: 'x', spec: { ...lsSpec('p'), listeners: [] } }, 'spec.listeners'],
      [{ namespace: 'web', name: 'x', spec: { listeners: lsSpec('p').listeners } }, 'spec.parentRef'],
      [
        {
          namespace: 'web',
          name: 'x',
          spec: { ...lsSpec('p'), listeners: [...lsSpec('p').listeners, ...lsSpec('p').listeners] },
        },
        'spec.listeners',
      ],
      [{ namespace: 'Web', name: 'x', spec: lsSpec('p') }, 'namespace'],
      [
        { namespace: 'web', name: 'x', spec: lsSpec('p'), clusterId: '00000000-0000-4000-8000-000000000000' },
        'clusterId',
      ],
      [{ namespace: 'web', name: 'x', spec: lsSpec('p'), extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const r = await call('PUT', '/listener-sets', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      if (field !== '')
        expect(
          refusedFields(r).some((f) => f.startsWith(field)),
          r.raw,
        ).toBe(true);
    }
    const gw = await call('POST', '/gateways', {
      name: 'g',
      namespace: 'web',
      template: 'web',
      listeners,
      allowedListeners: { namespaces: { from: 'Nobody' } },
    });
    expect(gw.status).toBe(400);
    expect(refusedFields(gw)).toEqual(['allowedListeners.namespaces.from']);
    expect((await call('GET', '/listener-sets/not-a-uuid')).status).toBe(400);
  });

  it('another account can neither see nor change it', async () => {
    const a = await setup('ls-tenant-a');
    const b = await setup('ls-tenant-b');
    const mine = await a.call('PUT', '/listener-sets', {
      clientUid: 'shared-uid',
      namespace: 'web',
      name: 'extra',
      spec: lsSpec('parent'),
    });
    const id = mine.body['id'] as string;
    expect((await b.call('GET', `/listener-sets/${id}`)).status).toBe(404);
    expect((await b.call('DELETE', `/listener-sets/${id}`)).status).toBe(404);
    expect((await b.call('GET', '/listener-sets')).body['items']).toEqual([]);
    // The same uid in another account is another object.
    const theirs = await b.call('PUT', '/listener-sets', {
      clientUid: 'shared-uid',
      namespace: 'web',
      name: 'extra',
      spec: lsSpec('parent', 9090),
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body['id']).not.toBe(id);
    expect((await a.call('GET', `/listener-sets/${id}`)).body['generation']).toBe(1);
  });

  it('attaches to the parent gateway when allowedListeners selects it: rendered, status written, re-rendered on change and delete', async () => {
    const { call } = await setup('ls-render');
    const gw = await call('POST', '/gateways', {
      name: 'parent',
      namespace: 'web',
      template: 'web',
      listeners,
    });
    expect(gw.status, gw.raw).toBe(201);
    const gwId = gw.body['id'] as string;
    const ls = await call('PUT', '/listener-sets', {
      namespace: 'web',
      name: 'extra',
      spec: lsSpec('parent'),
    });
    await reconcile(env);
    const status = async () =>
      (await call('GET', `/listener-sets/${ls.body['id']}`)).body['status'] as LsStatus;
    // Default allowedListeners: none.
    expect(cond((await status()).conditions, 'Accepted')).toEqual({ status: 'False', reason: 'NotAllowed' });
    expect((await status()).gatewayId).toBe(gwId);
    expect(await renderedPorts(gwId)).toEqual([80]);
    expect(await fleetPorts(gwId)).toEqual([80]);
    const allow = await call('PUT', `/gateways/${gwId}/allowed-listeners`, {
      allowedListeners: { namespaces: { from: 'Same' } },
    });
    expect(allow.status, allow.raw).toBe(200);
    expect(allow.body['allowedListeners']).toEqual({ namespaces: { from: 'Same' } });
    // The provisioner of the reconcile that attaches it ran before the status said so: another reconcile follows,
    // whose provisioner exposes the new port.
    expect((await reconcileProvisioned()).get(gwId)).toEqual([80, 8080]);
    const s = await status();
    expect(cond(s.conditions, 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
    expect(s.conditions.find((c) => c.type === 'Accepted')?.observedGeneration).toBe(1);
    // Not programmed before the parent's proxies acknowledged the revision that carries it; then programmed.
    expect(cond(s.conditions, 'Programmed')).toEqual({ status: 'Unknown', reason: 'Pending' });
    await env.db.$executeRawUnsafe(
      `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = $1::uuid`,
      gwId,
    );
    await env.db.$executeRawUnsafe(`INSERT INTO "ReconcileRequest" ("gatewayId") VALUES ($1::uuid)`, gwId);
    await reconcile(env);
    expect(cond((await status()).conditions, 'Programmed')).toEqual({ status: 'True', reason: 'Programmed' });
    expect(s.listeners.map((l) => l.name)).toEqual(['extra']);
    expect(await renderedPorts(gwId)).toEqual([80, 8080]);
    // The fleet's Service and the nodes expose the ListenerSet's accepted listener too.
    expect(await fleetPorts(gwId)).toEqual([80, 8080]);
    const g = (await call('GET', `/gateways/${gwId}`)).body;
    expect(cond(g['conditions'], 'AttachedListenerSets')).toEqual({
      status: 'True',
      reason: 'ListenerSetsAttached',
    });

    // A route whose parentRef is the ListenerSet attaches to its listener.
    const route = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      namespace: 'web',
      name: 'r',
      spec: { parentRefs: [{ kind: 'ListenerSet', group: 'gateway.networking.k8s.io', name: 'extra' }] },
    });
    expect(route.status, route.raw).toBe(201);
    expect(route.body['parents']).toEqual([{ gatewayId: gwId, refIndex: 0 }]);
    await reconcile(env);
    expect((await status()).listeners[0]?.attachedRoutes).toBe(1);

    // A port change re-renders the parent; a spec change bumps the generation the conditions observe.
    await call('PUT', '/listener-sets', { namespace: 'web', name: 'extra', spec: lsSpec('parent', 8181) });
    await reconcile(env);
    expect(await renderedPorts(gwId)).toEqual([80, 8181]);
    expect(await fleetPorts(gwId)).toEqual([80, 8181]);
    expect((await status()).conditions.find((c) => c.type === 'Accepted')?.observedGeneration).toBe(2);

    // Re-parented to a gateway that does not exist: the old parent drops it and clears the status it wrote.
    await call('PUT', '/listener-sets', { namespace: 'web', name: 'extra', spec: lsSpec('elsewhere', 8181) });
    await reconcile(env);
    expect(await renderedPorts(gwId)).toEqual([80]);
    expect(await fleetPorts(gwId)).toEqual([80]);
    expect(await status()).toEqual({ gatewayId: null, conditions: [], listeners: [] });
    expect((await call('GET', `/routes/${route.body['id']}`)).body['parents']).toEqual([]);

    await call('PUT', '/listener-sets', { namespace: 'web', name: 'extra', spec: lsSpec('parent', 8181) });
    await reconcile(env);
    expect(await renderedPorts(gwId)).toEqual([80, 8181]);
    expect((await call('DELETE', `/listener-sets/${ls.body['id']}`)).status).toBe(204);
    await reconcile(env);
    expect(await renderedPorts(gwId)).toEqual([80]);
    expect((await call('GET', `/routes/${route.body['id']}`)).body['parents']).toEqual([]);
  });

  it("stores the parent's status.attachedListenerSets with its status and returns it (REST, GraphQL, cluster status) as ListenerSets attach and detach", async () => {
    const { key, call } = await setup('ls-count');
    const cluster = await call('POST', '/clusters', { name: 'c1' });
    const gw = await call('POST', '/gateways', {
      name: 'parent',
      namespace: 'web',
      template: 'web',
      listeners,
      clusterId: cluster.body['id'],
      clientUid: 'gw-uid',
    });
    expect(gw.status, gw.raw).toBe(201);
    const gwId = gw.body['id'] as string;
    // In the Gateway's cluster: a ListenerSet's parentRef names a Gateway of its own cluster.
    const putSet = (name: string, spec: unknown) =>
      call('PUT', '/listener-sets', { clusterId: cluster.body['id'], namespace: 'web', name, spec });
    const counts = async () => {
      const g = await env.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${key}` },
        payload: {
          query: 'query($id: ID!) { gateway(id: $id) { status { attachedListenerSets } } }',
          variables: { id: gwId },
        },
      });
      const listed = (await call('GET', '/gateways?name=parent')).body['items'] as {
        status: { attachedListenerSets: number | null };
      }[];
      const synced = (await call('GET', `/clusters/${cluster.body['id']}/status`)).body['gateways'] as {
        attachedListenerSets: number | null;
      }[];
      const stored = await env.db.$queryRawUnsafe<{ n: number | null }[]>(
        'SELECT "attachedListenerSets" AS n FROM "Gateway" WHERE id = $1::uuid',
        gwId,
      );
      return {
        rest: (await call('GET', `/gateways/${gwId}`)).body['status']['attachedListenerSets'],
        list: listed.map((x) => x.status.attachedListenerSets),
        graphql: g.json().data?.gateway?.status?.attachedListenerSets,
        cluster: synced.map((x) => x.attachedListenerSets),
        stored: stored[0]?.n,
      };
    };
    const everywhere = (n: number | null) => ({ rest: n, list: [n], graphql: n, cluster: [n], stored: n });

    // Nothing to do with ListenerSets: absent.
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(null));
    // Named by a ListenerSet it does not allow: none attached.
    const first = await putSet('extra', lsSpec('parent'));
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(0));
    await call('PUT', `/gateways/${gwId}/allowed-listeners`, {
      allowedListeners: { namespaces: { from: 'Same' } },
    });
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(1));
    const second = await putSet('more', lsSpec('parent', 8081));
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(2));
    // A ListenerSet that is not accepted (its only listener conflicts with the Gateway's) is not counted.
    await putSet('more', {
      parentRef: { name: 'parent' },
      listeners: [{ name: 'clash', port: 80, protocol: 'HTTP' }],
    });
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(1));
    expect((await call('DELETE', `/listener-sets/${first.body['id']}`)).status).toBe(204);
    expect((await call('DELETE', `/listener-sets/${second.body['id']}`)).status).toBe(204);
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(0));
    await call('PUT', `/gateways/${gwId}/allowed-listeners`, { allowedListeners: null });
    await reconcile(env);
    expect(await counts()).toEqual(everywhere(null));
  });
});

describe('ListenerSets before their parent', () => {
  it('a gateway created after a ListenerSet and a route through it attaches the route', async () => {
    const { call } = await setup('ls-late-parent');
    await call('PUT', '/listener-sets', { namespace: 'web', name: 'extra', spec: lsSpec('late') });
    const route = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      namespace: 'web',
      name: 'r',
      spec: { parentRefs: [{ kind: 'ListenerSet', group: 'gateway.networking.k8s.io', name: 'extra' }] },
    });
    expect(route.body['parents']).toEqual([]);
    const gw = await call('POST', '/gateways', {
      name: 'late',
      namespace: 'web',
      template: 'web',
      listeners,
      allowedListeners: { namespaces: { from: 'Same' } },
    });
    expect(gw.status, gw.raw).toBe(201);
    expect((await call('GET', `/routes/${route.body['id']}`)).body['parents']).toEqual([
      { gatewayId: gw.body['id'], refIndex: 0 },
    ]);
    await reconcile(env);
    expect(await renderedPorts(gw.body['id'] as string)).toEqual([80, 8080]);
  });
});

describe('a shared gateway', () => {
  it('routes and ListenerSets that name it by another client (namespace and name) attach to it', async () => {
    const { call } = await setup('ls-shared');
    await call('POST', '/templates', {
      name: 'shared',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
      allowSharing: true,
    });
    const same = [
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
    ];
    const spec = {
      template: 'shared',
      sharingKey: 'shop',
      listeners: same,
      allowedListeners: { namespaces: { from: 'Same' } },
    };
    const first = await call('POST', '/gateways', { name: 'front', namespace: 'a', ...spec });
    const joined = await call('POST', '/gateways', { name: 'edge', namespace: 'b', ...spec });
    expect(joined.status, joined.raw).toBe(200);
    const id = first.body['id'] as string;
    expect(joined.body['id']).toBe(id);
    // In b, the gateway is b/edge: Same means b, for its routes and for its ListenerSets.
    const inB = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      namespace: 'b',
      name: 'shop',
      spec: { parentRefs: [{ name: 'edge' }] },
    });
    const fromC = await call('POST', '/routes', {
      kind: 'HTTPRoute',
      namespace: 'c',
      name: 'shop',
      spec: { parentRefs: [{ name: 'edge', namespace: 'b' }] },
    });
    const set = await call('PUT', '/listener-sets', { namespace: 'b', name: 'extra', spec: lsSpec('edge') });
    expect(set.status, set.raw).toBe(201);
    await reconcile(env);
    const parents = async (routeId: string) =>
      (
        (await call('GET', `/routes/${routeId}`)).body['status'].parents as {
          parentRef: unknown;
          conditions: Condition[];
        }[]
      ).map((p) => ({ parentRef: p.parentRef, accepted: cond(p.conditions, 'Accepted') }));
    expect(await parents(inB.body['id'] as string)).toEqual([
      {
        parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'b', name: 'edge' },
        accepted: { status: 'True', reason: 'Accepted' },
      },
    ]);
    expect((await parents(fromC.body['id'] as string))[0]!.accepted).toEqual({
      status: 'False',
      reason: 'NotAllowedByListeners',
    });
    const gw = (await call('GET', `/gateways/${id}`)).body;
    expect(gw['status'].listeners).toEqual([expect.objectContaining({ name: 'http', attachedRoutes: 1 })]);
    const ls = (await call('GET', `/listener-sets/${set.body['id']}`)).body['status'] as LsStatus;
    expect(cond(ls.conditions, 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
    expect(await renderedPorts(id)).toEqual([80, 8080]);
  });
});

// ---- The upstream conformance manifests through the API ----

const conformanceDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  // The vendored copy (k8s/gateway-api/conformance), as test-support/conformance.ts reads it.
  '../../../k8s/gateway-api/conformance/tests',
);
const INFRA = 'gateway-conformance-infra';
let accounts = 0;
async function apply(file: string): Promise<AppliedTest> {
  accounts += 1;
  return applyConformanceTest(env, file, `conf-ls-${accounts}`);
}
async function lsStatus(t: AppliedTest, name: string, namespace = INFRA): Promise<LsStatus> {
  const id = t.listenerSets.get(`${namespace}/${name}`);
  expect(id, `${namespace}/${name}`).toBeDefined();
  const r = await rest(env, 'GET', `/listener-sets/${id}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return r.body['status'] as LsStatus;
}
async function gatewayOf(t: AppliedTest, name: string) {
  const r = await rest(env, 'GET', `/gateways/${t.gateways.get(`${INFRA}/${name}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return r.body as {
    conditions: Condition[];
    status: { listeners: { name: string; conditions: Condition[] }[] };
  };
}
async function routeParents(t: AppliedTest, route: string, namespace = INFRA) {
  const r = await rest(env, 'GET', `/routes/${t.routes.get(`${namespace}/${route}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return (r.body['status'].parents as { parentRef: Record<string, string>; conditions: Condition[] }[]).map(
    (p) => ({
      parent: `${p.parentRef['kind']}/${p.parentRef['name']}${p.parentRef['sectionName'] !== undefined ? `#${p.parentRef['sectionName']}` : ''}`,
      accepted: cond(p.conditions, 'Accepted'),
    }),
  );
}

describe('ListenerSet conformance manifests through the API', () => {
  const files = readdirSync(conformanceDir)
    .filter((f) => f.startsWith('listenerset-'))
    .sort();

  it('has the 13 manifests', () => expect(files).toHaveLength(13));

  it.each(files)(
    '%s: applied, rendered untainted, every ListenerSet naming a Gateway has a status',
    async (file) => {
      const t = await apply(file);
      expect(t.listenerSets.size).toBeGreaterThan(0);
      for (const [, gatewayId] of t.gateways) {
        const rev = await env.db.$queryRawUnsafe<{ status: string; error: string | null }[]>(
          `SELECT status::text, error FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
          gatewayId,
        );
        expect(rev[0]?.error ?? null, file).toBeNull();
      }
      const gatewayIds = new Set(t.gateways.values());
      let withStatus = 0;
      for (const [k] of t.listenerSets) {
        const [namespace, name] = k.split('/') as [string, string];
        const s = await lsStatus(t, name, namespace);
        if (s.gatewayId === null) continue;
        withStatus += 1;
        expect(gatewayIds.has(s.gatewayId)).toBe(true);
        expect(cond(s.conditions, 'Accepted')).toBeDefined();
        expect(cond(s.conditions, 'Programmed')).toBeDefined();
      }
      expect(withStatus).toBeGreaterThan(0);
    },
  );

  it('ListenerSetDefaultNotAllowed and ListenerSetAllowedNamespaceNone: NotAllowed, nothing attached', async () => {
    for (const [file, gw, ls] of [
      [
        'listenerset-default-not-allowed.yaml',
        'gateway-default-does-not-allow-listenerset',
        'listenerset-default-not-allowed',
      ],
      [
        'listenerset-allowed-namespace-none.yaml',
        'gateway-does-not-allow-listenerset',
        'listenerset-not-allowed',
      ],
    ] as const) {
      const t = await apply(file);
      const s = await lsStatus(t, ls);
      expect(cond(s.conditions, 'Accepted')).toEqual({ status: 'False', reason: 'NotAllowed' });
      expect(cond(s.conditions, 'Programmed')?.status).toBe('False');
      const g = await gatewayOf(t, gw);
      expect(cond(g.conditions, 'Accepted')?.status).toBe('True');
      expect(cond(g.conditions, 'AttachedListenerSets')?.status).toBe('False');
    }
  });

  it('ListenerSetAllowedNamespaceSame: the same-namespace ListenerSet attaches, the other is NotAllowed', async () => {
    const t = await apply('listenerset-allowed-namespace-same.yaml');
    expect(cond((await lsStatus(t, 'listenerset-in-same-namespace')).conditions, 'Accepted')).toEqual({
      status: 'True',
      reason: 'Accepted',
    });
    expect(
      cond(
        (await lsStatus(t, 'listenerset-in-different-namespace', 'gateway-api-listenerset-not-allowed-ns'))
          .conditions,
        'Accepted',
      ),
    ).toEqual({ status: 'False', reason: 'NotAllowed' });
    const g = await gatewayOf(t, 'gateway-allows-listenerset-in-same-namespace');
    expect(cond(g.conditions, 'AttachedListenerSets')).toEqual({
      status: 'True',
      reason: 'ListenerSetsAttached',
    });
  });

  it.each([
    ['listenerset-hostname-conflict.yaml', 'hostname', 'HostnameConflict'],
    ['listenerset-protocol-conflict.yaml', 'protocol', 'ProtocolConflict'],
  ] as const)(
    '%s: the later listener is Conflicted, a ListenerSet with only conflicts is not accepted',
    async (file, what, reason) => {
      const t = await apply(file);
      const withGateway1 = await lsStatus(t, `listenerset-with-${what}-conflict-with-gateway-1`);
      expect(cond(withGateway1.conditions, 'Accepted')).toEqual({
        status: 'True',
        reason: 'ListenersNotValid',
      });
      const rejected = withGateway1.listeners.find(
        (l) => l.name === `${what}-conflict-with-gateway-listener`,
      );
      expect(cond(rejected?.conditions, 'Conflicted')).toEqual({ status: 'True', reason });
      expect(cond(rejected?.conditions, 'Accepted')).toEqual({ status: 'False', reason });
      const winner = withGateway1.listeners.find(
        (l) => l.name === `${what}-conflict-with-listener-set-listener`,
      );
      expect(cond(winner?.conditions, 'Accepted')).toEqual({ status: 'True', reason: 'Accepted' });
      expect(
        cond((await lsStatus(t, `listenerset-with-${what}-conflict-with-gateway-2`)).conditions, 'Accepted'),
      ).toEqual({
        status: 'False',
        reason: 'ListenersNotValid',
      });
      expect(
        cond(
          (await lsStatus(t, `listenerset-with-${what}-conflict-with-listener-set-1`)).conditions,
          'Accepted',
        ),
      ).toEqual({ status: 'True', reason: 'ListenersNotValid' });
      const g = await gatewayOf(t, `gateway-with-listenerset-${what}-conflict`);
      for (const l of g.status.listeners) expect(cond(l.conditions, 'Conflicted')?.status).toBe('False');
    },
  );

  it('ListenerSetGatewayParentSectionNameNotFound: a ListenerSet listener is no sectionName of the Gateway', async () => {
    const t = await apply('listenerset-gateway-parent-section-name-not-found.yaml');
    expect(await routeParents(t, 'route-via-listenerset')).toEqual([
      {
        parent: 'ListenerSet/listenerset-section-name#ls-only-listener',
        accepted: { status: 'True', reason: 'Accepted' },
      },
    ]);
    expect(await routeParents(t, 'route-via-gateway')).toEqual([
      {
        parent: 'Gateway/gateway-section-name#ls-only-listener',
        accepted: { status: 'False', reason: 'NoMatchingParent' },
      },
    ]);
  });

  it('ListenerSetReferenceGrant: a ListenerSet certificate in another namespace needs a grant from ListenerSet', async () => {
    const t = await apply('listenerset-reference-grant.yaml');
    const granted = await lsStatus(t, 'listenerset-with-reference-grant');
    expect(cond(granted.listeners[0]?.conditions, 'ResolvedRefs')).toEqual({
      status: 'True',
      reason: 'ResolvedRefs',
    });
    // The translator's verdict is Programmed; through the API it waits for the parent's proxies (none here).
    expect(cond(granted.conditions, 'Programmed')).toEqual({ status: 'Unknown', reason: 'Pending' });
    const denied = await lsStatus(
      t,
      'listenerset-without-reference-grant',
      'gateway-api-listener-sets-test-reference-grant-ns',
    );
    expect(cond(denied.listeners[0]?.conditions, 'ResolvedRefs')).toEqual({
      status: 'False',
      reason: 'RefNotPermitted',
    });
    expect(cond(denied.listeners[0]?.conditions, 'Programmed')?.status).toBe('False');
    // Its only listener is not valid: the ListenerSet is neither accepted nor programmed (upstream test).
    expect(cond(denied.conditions, 'Accepted')).toEqual({ status: 'False', reason: 'ListenersNotValid' });
    expect(cond(denied.conditions, 'Programmed')).toEqual({ status: 'False', reason: 'ListenersNotValid' });
  });

  /** What the gateway's proxies do with a request (the trace of its rendered configuration). */
  async function trace(t: AppliedTest, gateway: string, host: string, path: string) {
    const r = await rest(env, 'POST', `/gateways/${t.gateways.get(`${INFRA}/${gateway}`)}/trace`, t.key, {
      host,
      path,
    });
    expect(r.status, r.raw).toBe(200);
    const o = r.body['outcome'] as { status?: number; action?: { clusters?: { name: string }[] } };
    return o.action?.clusters?.map((c) => c.name.split('/')[2]) ?? o.status;
  }

  it('ListenerSetAllowedNamespaceSelector: the ListenerSet of the labelled namespace attaches, the other is NotAllowed', async () => {
    const t = await apply('listenerset-allowed-namespace-selector.yaml');
    expect(
      cond(
        (
          await lsStatus(
            t,
            'listenerset-in-selected-namespace',
            'gateway-api-listenerset-selector-allowed-ns',
          )
        ).conditions,
        'Accepted',
      ),
    ).toEqual({ status: 'True', reason: 'Accepted' });
    expect(
      cond(
        (
          await lsStatus(
            t,
            'listenerset-not-in-selected-namespace',
            'gateway-api-listenerset-selector-not-allowed-ns',
          )
        ).conditions,
        'Accepted',
      ),
    ).toEqual({ status: 'False', reason: 'NotAllowed' });
  });

  it("ListenerSetAllowedRoutesNamespaces: a ListenerSet listener's allowedRoutes (All, Same = the ListenerSet's namespace, Selector) decide", async () => {
    const t = await apply('listenerset-allowed-routes-namespaces.yaml');
    const accepted = async (route: string, ns: string) =>
      (await routeParents(t, route, ns)).map((p) => p.accepted?.reason);
    expect(await accepted('route-in-same-namespace', INFRA)).toEqual(['Accepted']);
    expect(await accepted('route-in-selected-namespace', 'gateway-api-routes-allowed-ns')).toEqual([
      'Accepted',
    ]);
    // Accepted by the ListenerSet's `All` listener; its Selector listener does not take it (below).
    expect(await accepted('route-not-in-selected-namespace', 'gateway-api-routes-not-allowed-ns')).toEqual([
      'Accepted',
    ]);
    expect(await accepted('route-in-listenerset-namespace', 'gateway-api-ls-cross-ns')).toEqual(['Accepted']);
    expect(await accepted('route-in-gateway-namespace', INFRA)).toEqual(['NotAllowedByListeners']);
    const gw = 'gateway-with-listener-sets-test-allowed-routes';
    const host = (l: string) => `listener-set-listener-allowed-routes-${l}.com`;
    expect(await trace(t, gw, host('all'), '/route-not-in-selected-namespace')).toEqual(['infra-backend-v3']);
    expect(await trace(t, gw, host('selector'), '/route-not-in-selected-namespace')).toBe(404);
    expect(await trace(t, gw, host('selector'), '/route-in-selected-namespace')).toEqual([
      'infra-backend-v2',
    ]);
    expect(await trace(t, gw, host('same'), '/route-in-same-namespace')).toEqual(['infra-backend-v1']);
  });

  it('ListenerSetAllowedRoutesSupportedKinds: a TLS listener that allows only HTTPRoute has no supported kind', async () => {
    const t = await apply('listenerset-allowed-routes-supported-kinds.yaml');
    const s = await lsStatus(t, 'listenerset-test-allowed-routes-supported-kinds');
    const l = s.listeners.find((x) => x.name === 'listener-set-listener-allowed-routes-tls-only');
    expect(cond(l?.conditions, 'ResolvedRefs')).toEqual({ status: 'False', reason: 'InvalidRouteKinds' });
  });

  it('ListenerSetDualParentRefIndependence: a Gateway parentRef and a ListenerSet parentRef of one route are judged apart', async () => {
    const t = await apply('listenerset-dual-parentref-independence.yaml');
    expect(await routeParents(t, 'route-dual-parentref-both')).toEqual([
      { parent: 'Gateway/gateway-dual-parentref', accepted: { status: 'True', reason: 'Accepted' } },
      { parent: 'ListenerSet/ls-dual-parentref', accepted: { status: 'True', reason: 'Accepted' } },
    ]);
    expect(await routeParents(t, 'route-dual-parentref-one')).toEqual([
      {
        parent: 'Gateway/gateway-dual-parentref#ls-dual-parentref-listener',
        accepted: { status: 'False', reason: 'NoMatchingParent' },
      },
      {
        parent: 'ListenerSet/ls-dual-parentref#ls-dual-parentref-listener',
        accepted: { status: 'True', reason: 'Accepted' },
      },
    ]);
    const gw = 'gateway-dual-parentref';
    expect(await trace(t, gw, 'gw-dual.com', '/dualboth')).toEqual(['infra-backend-v1']);
    expect(await trace(t, gw, 'ls-dual.com', '/dualboth')).toEqual(['infra-backend-v1']);
    expect(await trace(t, gw, 'ls-dual.com', '/dualone')).toEqual(['infra-backend-v2']);
    expect(await trace(t, gw, 'gw-dual.com', '/dualone')).toBe(404);
  });

  it('ListenerSetHTTPRouting: routes reach the listeners of the parent they name, and only those', async () => {
    const t = await apply('listenerset-http-routing.yaml');
    const gw = 'gateway-with-listener-sets-http-routing';
    const ls1 = 'listener-set-http-routing-1-listener-1.com';
    const ls2 = 'listener-set-http-routing-2-listener-2.com';
    for (const host of ['gateway-listener-1.com', ls1, ls2])
      expect(await trace(t, gw, host, '/route'), host).toEqual(['infra-backend-v1']);
    expect(await trace(t, gw, 'gateway-listener-2.com', '/gateway-route')).toEqual(['infra-backend-v2']);
    expect(await trace(t, gw, ls1, '/gateway-route')).toBe(404);
    expect(await trace(t, gw, 'gateway-listener-1.com', '/gateway-section-route')).toEqual([
      'infra-backend-v3',
    ]);
    expect(await trace(t, gw, 'gateway-listener-2.com', '/gateway-section-route')).toBe(404);
    expect(await trace(t, gw, ls1, '/listener-set-http-routing-1-route')).toEqual(['infra-backend-v2']);
    expect(await trace(t, gw, ls2, '/listener-set-http-routing-1-route')).toBe(404);
    for (const name of ['listener-set-http-routing-1', 'listener-set-http-routing-2'])
      expect(cond((await lsStatus(t, name)).conditions, 'Accepted'), name).toEqual({
        status: 'True',
        reason: 'Accepted',
      });
  });

  it('ListenerSetRouteStatusScopedToParentRef: each route is accepted by, and routed on, only the parent it names', async () => {
    const t = await apply('listenerset-route-status-scoped-to-parentref.yaml');
    expect(await routeParents(t, 'route-parentref-gwonly')).toEqual([
      { parent: 'Gateway/gateway-parentref', accepted: { status: 'True', reason: 'Accepted' } },
    ]);
    expect(await routeParents(t, 'route-parentref-lsonly')).toEqual([
      { parent: 'ListenerSet/listenerset-parentref', accepted: { status: 'True', reason: 'Accepted' } },
    ]);
    const gw = 'gateway-parentref';
    expect(await trace(t, gw, 'gw-parentref.com', '/gwonly')).toEqual(['infra-backend-v1']);
    expect(await trace(t, gw, 'listenerset-parentref.com', '/gwonly')).toBe(404);
    expect(await trace(t, gw, 'listenerset-parentref.com', '/lsonly')).toEqual(['infra-backend-v2']);
    expect(await trace(t, gw, 'gw-parentref.com', '/lsonly')).toBe(404);
    const s = await lsStatus(t, 'listenerset-parentref');
    expect(s.listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['listenerset-parentref-listener', 1],
    ]);
  });
});
