import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../test-support/conformance.js';
import {
  createAccount,
  missingId,
  refusedFields,
  rest,
  testEnv,
  viewerKey,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';
import { testCertA, testCertB } from '../test-support/tls-fixture.js';

// POST /clusters/:id/sync and GET /clusters/:id/status against a real database, each test with its own
// account and clusters: the cluster in the path, deletes by uid and by the full set for every collection
// (and only the cluster's own), a gateway shared by two clusters, and the client generation the status
// reports only once every condition describes the generation last sent.

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);
const drain = () => reconcile(env);

let poolNumber = 120;
/** An account with a pool, a template `gw` (sharing allowed) and `clusters` clusters. */
async function setUp(name: string, clusters = 1) {
  const acct = await createAccount(env, name);
  await call('POST', '/address-pools', acct.key, { name: 'pub', spec: `10.${poolNumber++}.0.0/24` });
  const t = await call('POST', '/templates', acct.key, {
    name: 'gw',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.{namespace}.example.com',
    allowSharing: true,
  });
  expect(t.status, t.raw).toBe(201);
  const ids: string[] = [];
  for (let i = 1; i <= clusters; i++) {
    const c = await call('POST', '/clusters', acct.key, { name: `c${i}` });
    expect(c.status, c.raw).toBe(201);
    ids.push(c.body.id as string);
  }
  return { key: acct.key, clusters: ids };
}
const sync = (key: string, cluster: string, body: unknown) =>
  call('POST', `/clusters/${cluster}/sync`, key, body);
const status = (key: string, cluster: string) => call('GET', `/clusters/${cluster}/status`, key);

const gateway = (clientUid: string, more: Record<string, unknown> = {}) => ({
  clientUid,
  namespace: 'default',
  name: 'gw',
  template: 'gw',
  listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  ...more,
});
const httpRoute = (clientUid: string, more: Record<string, unknown> = {}) => ({
  kind: 'HTTPRoute',
  clientUid,
  namespace: 'default',
  name: clientUid,
  spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
  ...more,
});

/** One object of every collection a sync carries, with the uids of `uids(p)`. */
const everyKind = (p: string, x = '') => ({
  gateways: [gateway(`${p}-gateway`, { name: `gw${x}`, allowedListeners: { namespaces: { from: 'Same' } } })],
  routes: [httpRoute(`${p}-route`)],
  services: [{ clientUid: `${p}-service`, namespace: 'default', name: `svc${x}`, ports: [{ port: 80 }] }],
  endpointSlices: [
    {
      clientUid: `${p}-slice`,
      namespace: 'default',
      name: `svc-abc${x}`,
      serviceName: 'svc',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }],
    },
  ],
  referenceGrants: [
    {
      clientUid: `${p}-grant`,
      namespace: 'default',
      name: `grant${x}`,
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'other' }],
        to: [{ group: '', kind: 'Service' }],
      },
    },
  ],
  namespaces: [{ clientUid: `${p}-namespace`, name: `default${x}`, labels: { team: 'web' } }],
  caBundles: [
    {
      clientUid: `${p}-bundle`,
      kind: 'ConfigMap',
      namespace: 'default',
      name: `ca${x}`,
      caCertificate: testCertA.certificate,
    },
  ],
  backendTlsPolicies: [
    {
      clientUid: `${p}-policy`,
      namespace: 'default',
      name: `svc-tls${x}`,
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'svc' }],
        validation: {
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
          hostname: 'svc.example.com',
        },
      },
    },
  ],
  listenerSets: [
    {
      clientUid: `${p}-listenerset`,
      namespace: 'default',
      name: `extra${x}`,
      spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP' }] },
    },
  ],
});
const collections = [
  ['gateways', '/gateways'],
  ['routes', '/routes'],
  ['services', '/services'],
  ['endpointSlices', '/endpoint-slices'],
  ['referenceGrants', '/reference-grants'],
  ['namespaces', '/namespaces'],
  ['caBundles', '/ca-bundles'],
  ['backendTlsPolicies', '/backend-tls-policies'],
  ['listenerSets', '/listener-sets'],
] as const;
const uids = (p: string) => ({
  gateways: `${p}-gateway`,
  routes: `${p}-route`,
  services: `${p}-service`,
  endpointSlices: `${p}-slice`,
  referenceGrants: `${p}-grant`,
  namespaces: `${p}-namespace`,
  caBundles: `${p}-bundle`,
  backendTlsPolicies: `${p}-policy`,
  listenerSets: `${p}-listenerset`,
});

/** What the account's REST lists hold per collection, as the names of the objects' clusters. */
async function holdings(key: string, names: Map<string, string>) {
  const out: Record<string, string[]> = {};
  for (const [field, path] of collections) {
    const r = await call('GET', `${path}?limit=100`, key);
    expect(r.status, `${path}: ${r.raw}`).toBe(200);
    const items = r.body.items as { clusterId?: string | null; clients?: { clusterId: string }[] }[];
    out[field] = items
      .flatMap((x) =>
        field === 'gateways' ? (x.clients ?? []).map((c) => c.clusterId) : [x.clusterId ?? 'none'],
      )
      .map((id) => names.get(id) ?? id)
      .sort();
  }
  return out;
}
const everywhere = (clusters: string[]) =>
  Object.fromEntries(collections.map(([field]) => [field, clusters])) as Record<string, string[]>;

describe('the cluster in the path', () => {
  it('a malformed id is a 400 naming `id`; another account’s cluster or none is a 404 naming it, and nothing is written', async () => {
    const a = await setUp('cs-edge-path-a');
    const b = await setUp('cs-edge-path-b');
    const bad = await sync(a.key, 'not-a-uuid', { services: everyKind('x').services });
    expect(bad.status, bad.raw).toBe(400);
    expect(refusedFields(bad)).toEqual(['id']);
    const badStatus = await status(a.key, 'not-a-uuid');
    expect(badStatus.status).toBe(400);
    expect(refusedFields(badStatus)).toEqual(['id']);

    for (const cluster of [b.clusters[0]!, missingId]) {
      const r = await sync(a.key, cluster, { full: true, services: everyKind('x').services });
      expect(r.status, r.raw).toBe(404);
      expect(r.body.message).toBe(`cluster "${cluster}" not found`);
      const s = await status(a.key, cluster);
      expect(s.status).toBe(404);
      expect(s.body.message).toBe(`cluster "${cluster}" not found`);
    }
    expect((await call('GET', '/services', a.key)).body.items).toEqual([]);
    expect((await call('GET', '/services', b.key)).body.items).toEqual([]);
  });

  it('a viewer may read the status but not sync', async () => {
    const a = await setUp('cs-edge-viewer');
    const viewer = await viewerKey(env, a.key);
    const r = await sync(viewer, a.clusters[0]!, { services: everyKind('x').services });
    expect(r.status, r.raw).toBe(403);
    expect((await call('GET', '/services', a.key)).body.items).toEqual([]);
    const s = await status(viewer, a.clusters[0]!);
    expect(s.status, s.raw).toBe(200);
    expect(s.body).toEqual({ gateways: [], routes: [], backendTlsPolicies: [], listenerSets: [] });
  });
});

describe('deletes, for every collection, only the cluster’s own objects', () => {
  it('by uid: each listed uid once, unknown uids and another cluster’s uids not counted nor deleted', async () => {
    const a = await setUp('cs-edge-del', 2);
    const [c1, c2] = a.clusters as [string, string];
    const names = new Map([
      [c1, 'c1'],
      [c2, 'c2'],
    ]);
    for (const [c, p] of [
      [c1, 'one'],
      [c2, 'two'],
    ] as const) {
      const r = await sync(a.key, c, everyKind(p));
      expect(r.status, r.raw).toBe(200);
      expect(r.body.errors).toEqual([]);
      expect(r.body.upserted).toBe(9);
    }
    expect(await holdings(a.key, names)).toEqual(everywhere(['c1', 'c2']));

    const one = uids('one');
    const deleted = Object.fromEntries(
      collections.map(([field]) => [field, [one[field], one[field], `${field}-unknown`]]),
    );
    // Cluster 2 naming cluster 1's uids deletes nothing.
    const elsewhere = await sync(a.key, c2, { deleted });
    expect(elsewhere.body.deleted).toBe(0);
    expect(elsewhere.body.errors).toEqual([]);
    expect(await holdings(a.key, names)).toEqual(everywhere(['c1', 'c2']));

    const r = await sync(a.key, c1, { deleted });
    expect(r.status, r.raw).toBe(200);
    expect(r.body.errors).toEqual([]);
    expect(r.body.deleted).toBe(9);
    expect(r.body.upserted).toBe(0);
    expect(r.body).toMatchObject({ gateways: [], routes: [], backendTlsPolicies: [], listenerSets: [] });
    expect(await holdings(a.key, names)).toEqual(everywhere(['c2']));
    // The other cluster's status still shows its own.
    const s = (await status(a.key, c2)).body;
    expect(s.gateways.map((g: { clientUid: string }) => g.clientUid)).toEqual(['two-gateway']);
    expect(s.routes.map((x: { clientUid: string }) => x.clientUid)).toEqual(['two-route']);
    expect(s.backendTlsPolicies.map((x: { clientUid: string }) => x.clientUid)).toEqual(['two-policy']);
    expect(s.listenerSets.map((x: { clientUid: string }) => x.clientUid)).toEqual(['two-listenerset']);

    // Deleting them again deletes nothing.
    const again = await sync(a.key, c1, { deleted });
    expect(again.body.deleted).toBe(0);
    expect(again.body.errors).toEqual([]);
  });

  it('by the full set: what `keep` names stays, in every collection; an empty full set removes all of this cluster only', async () => {
    const a = await setUp('cs-edge-full', 2);
    const [c1, c2] = a.clusters as [string, string];
    const names = new Map([
      [c1, 'c1'],
      [c2, 'c2'],
    ]);
    expect((await sync(a.key, c1, everyKind('one'))).body.upserted).toBe(9);
    expect((await sync(a.key, c2, everyKind('two'))).body.upserted).toBe(9);
    const one = uids('one');

    // One more object of every collection, then the first set sent again as the full set: the sent
    // objects stay, the extra ones go.
    const extra = await sync(a.key, c1, everyKind('extra', '-x'));
    expect(extra.body.errors).toEqual([]);
    expect(extra.body.upserted).toBe(9);
    expect(await holdings(a.key, names)).toEqual(everywhere(['c1', 'c1', 'c2']));
    const resent = await sync(a.key, c1, { full: true, ...everyKind('one') });
    expect(resent.status, resent.raw).toBe(200);
    expect(resent.body.errors).toEqual([]);
    expect(resent.body.deleted).toBe(9);
    expect(await holdings(a.key, names)).toEqual(everywhere(['c1', 'c2']));

    const keep = Object.fromEntries(collections.map(([field]) => [field, [one[field]]]));
    const kept = await sync(a.key, c1, { full: true, keep });
    expect(kept.status, kept.raw).toBe(200);
    expect(kept.body.errors).toEqual([]);
    expect(kept.body.deleted).toBe(0);
    expect(await holdings(a.key, names)).toEqual(everywhere(['c1', 'c2']));

    // Each collection on its own: kept by `keep` of that collection only.
    for (const [field] of collections) {
      if (field === 'gateways') continue;
      const r = await sync(a.key, c1, {
        full: true,
        keep: Object.fromEntries(collections.filter(([f]) => f !== field).map(([f]) => [f, [one[f]]])),
      });
      expect(r.body.errors, field).toEqual([]);
      expect(r.body.deleted, field).toBe(1);
      const held = await holdings(a.key, names);
      expect(held[field], field).toEqual(['c2']);
      // Put it back for the next collection.
      const back = await sync(a.key, c1, { [field]: everyKind('one')[field] });
      expect(back.body.upserted, field).toBe(1);
    }

    const all = await sync(a.key, c1, { full: true });
    expect(all.body.deleted).toBe(9);
    expect(all.body.errors).toEqual([]);
    expect(await holdings(a.key, names)).toEqual(everywhere(['c2']));
  });
});

describe('item errors', () => {
  it('a Service, EndpointSlice or ReferenceGrant of another cluster sent under its uid is an item error of its kind and uid; the rest is written', async () => {
    const a = await setUp('cs-edge-items', 2);
    const [c1, c2] = a.clusters as [string, string];
    expect((await sync(a.key, c1, everyKind('one'))).body.upserted).toBe(9);
    const one = everyKind('one');
    const two = everyKind('two');
    const r = await sync(a.key, c2, {
      services: [...one.services, ...two.services],
      endpointSlices: one.endpointSlices,
      referenceGrants: one.referenceGrants,
    });
    expect(r.status, r.raw).toBe(200);
    expect(r.body.upserted).toBe(1);
    expect(r.body.errors).toEqual([
      { kind: 'Service', clientUid: 'one-service', message: expect.stringContaining(`cluster ${c1}`) },
      { kind: 'EndpointSlice', clientUid: 'one-slice', message: expect.stringContaining(`cluster ${c1}`) },
      { kind: 'ReferenceGrant', clientUid: 'one-grant', message: expect.stringContaining(`cluster ${c1}`) },
    ]);
    const services = (await call('GET', '/services', a.key)).body.items as {
      clientUid: string;
      clusterId: string;
    }[];
    expect(services.map((x) => [x.clientUid, x.clusterId === c1 ? 'c1' : 'c2']).sort()).toEqual([
      ['one-service', 'c1'],
      ['two-service', 'c2'],
    ]);
  });

  it('a Namespace, CA bundle, BackendTLSPolicy or ListenerSet of another cluster sent under its uid is an item error; nothing of it changes', async () => {
    const a = await setUp('cs-edge-items-2', 2);
    const [c1, c2] = a.clusters as [string, string];
    expect((await sync(a.key, c1, everyKind('one'))).body.upserted).toBe(9);
    const one = everyKind('one');
    const before = await Promise.all(
      ['/namespaces', '/ca-bundles', '/backend-tls-policies', '/listener-sets'].map(
        async (url) => (await call('GET', url, a.key)).body.items,
      ),
    );
    // Cluster 2 sends cluster 1's objects by their uids, with other labels, CA and specs.
    const r = await sync(a.key, c2, {
      namespaces: one.namespaces.map((n) => ({ ...n, labels: { team: 'taken' } })),
      caBundles: one.caBundles.map((b) => ({ ...b, caCertificate: testCertB.certificate })),
      backendTlsPolicies: one.backendTlsPolicies.map((b) => ({
        ...b,
        spec: { ...b.spec, validation: { ...b.spec.validation, hostname: 'taken.example.com' } },
      })),
      listenerSets: one.listenerSets.map((l) => ({
        ...l,
        spec: { ...l.spec, listeners: [{ name: 'taken', port: 9090, protocol: 'HTTP' }] },
      })),
    });
    expect(r.status, r.raw).toBe(200);
    expect(r.body.upserted).toBe(0);
    expect(r.body.errors).toEqual(
      ['Namespace', 'CaBundle', 'BackendTLSPolicy', 'ListenerSet'].map((kind) => ({
        kind,
        clientUid: expect.any(String),
        message: expect.stringContaining(`belongs to cluster ${c1}`),
      })),
    );
    const after = await Promise.all(
      ['/namespaces', '/ca-bundles', '/backend-tls-policies', '/listener-sets'].map(
        async (url) => (await call('GET', url, a.key)).body.items,
      ),
    );
    expect(after).toEqual(before);
  });
});

describe('a gateway shared by two clusters', () => {
  it('one cluster’s delete removes only its share; the last share’s delete removes the gateway', async () => {
    const a = await setUp('cs-edge-shared', 2);
    const [c1, c2] = a.clusters as [string, string];
    const one = await sync(a.key, c1, { gateways: [gateway('gw-1', { sharingKey: 'edge' })] });
    const two = await sync(a.key, c2, { gateways: [gateway('gw-2', { sharingKey: 'edge' })] });
    expect(one.body.errors).toEqual([]);
    expect(two.body.errors).toEqual([]);
    const id = one.body.gateways[0].id as string;
    expect(two.body.gateways[0].id).toBe(id);
    expect((await call('GET', `/gateways/${id}`, a.key)).body.clients).toHaveLength(2);
    await drain();

    const gone1 = await sync(a.key, c1, { deleted: { gateways: ['gw-1'] } });
    expect(gone1.body.deleted).toBe(1);
    expect(gone1.body.gateways).toEqual([]);
    const still = await call('GET', `/gateways/${id}`, a.key);
    expect(still.status).toBe(200);
    expect(still.body.clients.map((c: { clusterId: string }) => c.clusterId)).toEqual([c2]);
    expect((await status(a.key, c2)).body.gateways.map((g: { id: string }) => g.id)).toEqual([id]);
    // Its reconcile is queued: the gateway's configuration follows the share that went.
    const queued = await env.db.$pool.query(
      'SELECT count(*)::int AS n FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid',
      [id],
    );
    expect(queued.rows[0].n).toBeGreaterThan(0);

    const gone2 = await sync(a.key, c2, { full: true });
    expect(gone2.body.deleted).toBe(1);
    expect((await call('GET', `/gateways/${id}`, a.key)).status).toBe(404);
  });
});

describe('the client generation a status reports', () => {
  // A status that EPIC wrote for an older generation (a reconcile not run yet since the last spec) is not a
  // status of the generation last sent: the object reports null until every part of it describes that one.
  it('is null while any condition, listener, parent entry or ancestor describes an older generation', async () => {
    const a = await setUp('cs-edge-gen');
    const [c1] = a.clusters as [string];
    const kinds = everyKind('gen');
    const body = {
      ...kinds,
      gateways: [
        {
          ...kinds.gateways[0]!,
          generation: 3,
          listeners: [
            { name: 'http', port: 80, protocol: 'HTTP' },
            { name: 'alt', port: 81, protocol: 'HTTP' },
          ],
        },
        gateway('gen-gateway-2', { name: 'gw2', generation: 6 }),
      ],
      routes: [
        {
          ...kinds.routes[0]!,
          generation: 7,
          spec: { ...kinds.routes[0]!.spec, parentRefs: [{ name: 'gw' }, { name: 'gw2' }] },
        },
      ],
      backendTlsPolicies: [{ ...kinds.backendTlsPolicies[0]!, generation: 2 }],
      listenerSets: [
        {
          ...kinds.listenerSets[0]!,
          generation: 4,
          spec: {
            parentRef: { name: 'gw' },
            listeners: [
              { name: 'extra', port: 8080, protocol: 'HTTP' },
              { name: 'more', port: 8081, protocol: 'HTTP' },
            ],
          },
        },
      ],
    };
    const r = await sync(a.key, c1, body);
    expect(r.body.errors).toEqual([]);
    await drain();
    const observed = async () => {
      const s = (await status(a.key, c1)).body;
      const of = (list: { clientUid: string; observedClientGeneration: number | null }[]) =>
        Object.fromEntries(list.map((x) => [x.clientUid, x.observedClientGeneration]));
      return {
        ...of(s.gateways),
        ...of(s.routes),
        ...of(s.backendTlsPolicies),
        ...of(s.listenerSets),
      };
    };
    const current = {
      'gen-gateway': 3,
      'gen-gateway-2': 6,
      'gen-route': 7,
      'gen-policy': 2,
      'gen-listenerset': 4,
    };
    expect(await observed()).toEqual(current);
    const s = (await status(a.key, c1)).body;
    expect(s.routes[0].parents).toHaveLength(2);
    // Two of each, so that one stale part among current ones is what is checked.
    expect(
      s.gateways.find((g: { clientUid: string }) => g.clientUid === 'gen-gateway').listeners,
    ).toHaveLength(2);
    expect(s.backendTlsPolicies[0].ancestors).toHaveLength(2);
    expect(s.listenerSets[0].conditions.length).toBeGreaterThan(0);
    expect(s.listenerSets[0].listeners).toHaveLength(2);
    const gw = s.gateways.find((g: { clientUid: string }) => g.clientUid === 'gen-gateway').id as string;

    /** Runs `sql` on the one row of `table` ($1 its id), checks which object turned null, restores the row. */
    const stale = async (table: string, column: string, id: string, sql: string, uid: string) => {
      const saved = await env.db.$pool.query(`SELECT ${column} AS v FROM "${table}" WHERE id = $1::uuid`, [
        id,
      ]);
      await env.db.$pool.query(`UPDATE "${table}" SET ${column} = ${sql} WHERE id = $1::uuid`, [id]);
      expect(await observed(), `${table}.${column}`).toEqual({ ...current, [uid]: null });
      await env.db.$pool.query(`UPDATE "${table}" SET ${column} = $2 WHERE id = $1::uuid`, [
        id,
        typeof saved.rows[0].v === 'number' ? saved.rows[0].v : JSON.stringify(saved.rows[0].v),
      ]);
      expect(await observed(), `${table}.${column} restored`).toEqual(current);
    };
    const older = (path: string) => `jsonb_set(${path.split('|')[0]}, '${path.split('|')[1]}', '0')`;
    await stale('Gateway', '"observedGeneration"', gw, 'generation - 1', 'gen-gateway');
    await stale('Gateway', 'conditions', gw, older('conditions|{0,observedGeneration}'), 'gen-gateway');
    await stale(
      'Gateway',
      '"listenerStatus"',
      gw,
      older('"listenerStatus"|{1,conditions,0,observedGeneration}'),
      'gen-gateway',
    );
    const route = s.routes[0].id as string;
    await stale(
      'Route',
      'status',
      route,
      older('status|{parents,1,conditions,0,observedGeneration}'),
      'gen-route',
    );
    // An entry missing for one of the gateways the route is attached to (written before it attached there).
    await stale(
      'Route',
      'status',
      route,
      `jsonb_set(status, '{parents}', (status->'parents') - 1)`,
      'gen-route',
    );
    const policy = s.backendTlsPolicies[0].id as string;
    await stale(
      'BackendTlsPolicy',
      'status',
      policy,
      older('status|{ancestors,1,conditions,0,observedGeneration}'),
      'gen-policy',
    );
    const set = s.listenerSets[0].id as string;
    await stale(
      'ListenerSet',
      'status',
      set,
      older('status|{conditions,0,observedGeneration}'),
      'gen-listenerset',
    );
    await stale(
      'ListenerSet',
      'status',
      set,
      older('status|{listeners,1,conditions,0,observedGeneration}'),
      'gen-listenerset',
    );
  });

  it('a ListenerSet whose status was written by a gateway that is gone reports no status', async () => {
    const a = await setUp('cs-edge-gen-gone');
    const [c1] = a.clusters as [string];
    const kinds = everyKind('gone');
    await sync(a.key, c1, {
      gateways: kinds.gateways,
      listenerSets: [{ ...kinds.listenerSets[0]!, generation: 4 }],
    });
    await drain();
    const before = (await status(a.key, c1)).body.listenerSets[0];
    expect(before.observedClientGeneration).toBe(4);
    expect(before.conditions.length).toBeGreaterThan(0);
    await env.db.$pool.query(
      `UPDATE "ListenerSet" SET status = jsonb_set(status, '{gatewayId}', to_jsonb($2::text)) WHERE id = $1::uuid`,
      [before.id, missingId],
    );
    const after = (await status(a.key, c1)).body.listenerSets[0];
    expect(after).toMatchObject({
      gatewayId: null,
      conditions: [],
      listeners: [],
      observedClientGeneration: null,
    });
  });
});
