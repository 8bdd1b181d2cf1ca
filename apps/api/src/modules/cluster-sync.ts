import { z } from 'zod';
import { requireRole } from '../auth/principal.js';
import { withPgTx, type Db } from '../db/client.js';
import { AppError, isAppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import type { StoredCondition } from '../reconciler/conditions.js';
import { clientUid, dnsLabel, dnsSubdomain, enqueueReconcile, uuid, type CallMeta } from './common.js';
import type { gatewaysService } from './gateways.js';
import { routeKinds, type routesService } from './routes.js';
import type { referenceGrantsService, servicesService } from './cluster-objects.js';
import { servicePortSchema } from './cluster-objects.js';
import type { endpointsService } from './endpoints.js';
import type { namespacesService } from './namespaces.js';
import type { caBundlesService } from './ca-bundles.js';
import type { backendTlsPoliciesService } from './backend-tls-policies.js';
import type { listenerSetsService } from './listener-sets.js';

/**
 * One call per burst from a workload cluster's controller: every Gateway, route, Service, EndpointSlice,
 * ReferenceGrant, Namespace (its labels), CA bundle (the ConfigMaps and Secrets that Gateways' client-certificate
 * validation and BackendTLSPolicies name), BackendTLSPolicy and ListenerSet that changed, and the uids of those deleted, in one request (1,000 routes applied at once are
 * one HTTP call, not 1,000). With `full`, the set is everything the cluster has: this cluster's objects that
 * are not in it are deleted, so what was deleted while the controller was down is removed (the resync after a
 * restart). Each item is written by the same service as its single-object operation; a bad item is reported
 * in `errors` and does not stop the others.
 */
const objectKey = { clientUid, namespace: dnsLabel, name: dnsSubdomain };
const clientGeneration = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe('metadata.generation of the object in its cluster; status answers say which one EPIC has seen');
// The fields of POST /endpoint-slices without the cluster (the path names it), checked per item by that
// operation so that one bad slice is an item error, not a refused batch.
const syncEndpointSlice = z
  .looseObject({ ...objectKey, serviceName: dnsLabel })
  .describe('an EndpointSlice as POST /endpoint-slices takes it, without clusterId');
// Labels are checked per item by PUT /namespaces, so that one bad label is an item error.
// Checked per item by PUT /ca-bundles and PUT /backend-tls-policies, so that one bad object is an item error.
const syncCaBundle = z
  .looseObject({ clientUid, kind: z.enum(['ConfigMap', 'Secret']), namespace: dnsLabel, name: dnsSubdomain })
  .describe("a ConfigMap's or Secret's ca.crt as PUT /ca-bundles takes it, without clusterId");
const syncBackendTlsPolicy = z
  .looseObject({ ...objectKey, generation: clientGeneration })
  .describe(
    'a BackendTLSPolicy as PUT /backend-tls-policies takes it, without clusterId, with its generation',
  );
const syncListenerSet = z
  .looseObject({ ...objectKey, generation: clientGeneration })
  .describe('a ListenerSet as PUT /listener-sets takes it, without clusterId, with its generation');
const syncNamespace = z
  .strictObject({ clientUid, name: dnsLabel, labels: z.record(z.string(), z.string()).default({}) })
  .describe('a Namespace and its labels as PUT /namespaces takes it, without clusterId');
/** Client uids per collection (deleted, or kept by a chunked full set), each list bounded like the items. */
const uidsPerCollection = () =>
  z
    .strictObject({
      gateways: z.array(clientUid).max(5_000).default([]),
      routes: z.array(clientUid).max(20_000).default([]),
      services: z.array(clientUid).max(20_000).default([]),
      endpointSlices: z.array(clientUid).max(20_000).default([]),
      referenceGrants: z.array(clientUid).max(5_000).default([]),
      namespaces: z.array(clientUid).max(20_000).default([]),
      caBundles: z.array(clientUid).max(5_000).default([]),
      backendTlsPolicies: z.array(clientUid).max(5_000).default([]),
      listenerSets: z.array(clientUid).max(5_000).default([]),
    })
    .default({
      gateways: [],
      routes: [],
      services: [],
      endpointSlices: [],
      referenceGrants: [],
      namespaces: [],
      caBundles: [],
      backendTlsPolicies: [],
      listenerSets: [],
    });
export const syncClusterInput = z.strictObject({
  full: z
    .boolean()
    .default(false)
    .describe("the set is all the cluster has: this cluster's objects missing from it are deleted"),
  gateways: z
    .array(
      z.strictObject({
        ...objectKey,
        template: dnsLabel,
        sharingKey: z.string().min(1).max(128).optional(),
        generation: clientGeneration,
        listeners: z.array(z.record(z.string(), z.unknown())),
        // Checked per item by the gateway create, so that a bad one is an item error.
        addresses: z.array(z.record(z.string(), z.unknown())).optional(),
        infrastructure: z.record(z.string(), z.unknown()).optional(),
        tls: z.record(z.string(), z.unknown()).optional(),
        allowedListeners: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .max(5_000)
    .default([]),
  routes: z
    .array(
      z.strictObject({
        ...objectKey,
        kind: z.enum(routeKinds),
        generation: clientGeneration,
        spec: z.record(z.string(), z.unknown()),
      }),
    )
    .max(20_000)
    .default([]),
  services: z
    .array(z.strictObject({ ...objectKey, ports: z.array(servicePortSchema).min(1).max(100) }))
    .max(20_000)
    .default([]),
  endpointSlices: z.array(syncEndpointSlice).max(20_000).default([]),
  referenceGrants: z
    .array(z.strictObject({ ...objectKey, spec: z.record(z.string(), z.unknown()) }))
    .max(5_000)
    .default([]),
  namespaces: z.array(syncNamespace).max(20_000).default([]),
  caBundles: z.array(syncCaBundle).max(5_000).default([]),
  backendTlsPolicies: z.array(syncBackendTlsPolicy).max(5_000).default([]),
  listenerSets: z.array(syncListenerSet).max(5_000).default([]),
  deleted: uidsPerCollection(),
  keep: uidsPerCollection().describe(
    'with `full`: uids that are part of the full set but not sent again (they were sent in earlier calls): a full set too large for one call is sent in chunks, the last one `full`',
  ),
});

export const syncKinds = [
  'Gateway',
  'Route',
  'Service',
  'EndpointSlice',
  'ReferenceGrant',
  'Namespace',
  'CaBundle',
  'BackendTLSPolicy',
  'ListenerSet',
] as const;
export type SyncKind = (typeof syncKinds)[number];

/**
 * `observedClientGeneration` is the client object's metadata.generation that the conditions describe: the one
 * last sent, once EPIC has computed status for what was sent; null while that is still pending (a status
 * writer then keeps what it wrote before, whose observedGeneration is older and still true).
 */
export interface ClusterGatewayState {
  clientUid: string;
  id: string;
  address: string | null;
  dnsName: string | null;
  generation: number;
  observedGeneration: number;
  observedClientGeneration: number | null;
  conditions: StoredCondition[];
  listeners: Array<{ conditions: StoredCondition[] }>;
  /** GEP-1713 `status.attachedListenerSets`; null: absent (the Gateway has nothing to do with ListenerSets). */
  attachedListenerSets: number | null;
}
export interface ClusterRouteState {
  clientUid: string;
  id: string;
  kind: string;
  generation: number;
  observedClientGeneration: number | null;
  parents: Array<{ gatewayId: string; conditions: StoredCondition[] }>;
}
/** A BackendTLSPolicy's ancestors (one per gateway whose backends it targets), for its status in the cluster. */
export interface ClusterPolicyState {
  clientUid: string;
  id: string;
  generation: number;
  observedClientGeneration: number | null;
  ancestors: Array<{
    gatewayId: string;
    ancestorRef: { group: string; kind: string; namespace: string; name: string };
    controllerName: string;
    conditions: StoredCondition[];
  }>;
}
/** A ListenerSet's status as its parent gateway wrote it (conditions and listeners), for its status in the cluster. */
export interface ClusterListenerSetState {
  clientUid: string;
  id: string;
  generation: number;
  observedClientGeneration: number | null;
  /** The EPIC gateway that wrote the status; null: none yet (or that gateway is gone). */
  gatewayId: string | null;
  conditions: StoredCondition[];
  listeners: Array<{
    name: string;
    attachedRoutes: number;
    supportedKinds: Array<{ group: string; kind: string }>;
    conditions: StoredCondition[];
  }>;
}
export interface ClusterState {
  gateways: ClusterGatewayState[];
  routes: ClusterRouteState[];
  backendTlsPolicies: ClusterPolicyState[];
  listenerSets: ClusterListenerSetState[];
}
export interface SyncResult extends ClusterState {
  upserted: number;
  deleted: number;
  errors: Array<{ kind: SyncKind; clientUid: string; message: string }>;
}

interface Deps {
  db: Db;
  gateways: ReturnType<typeof gatewaysService>;
  routes: ReturnType<typeof routesService>;
  services: ReturnType<typeof servicesService>;
  endpoints: ReturnType<typeof endpointsService>;
  referenceGrants: ReturnType<typeof referenceGrantsService>;
  namespaces: ReturnType<typeof namespacesService>;
  caBundles: ReturnType<typeof caBundlesService>;
  backendTlsPolicies: ReturnType<typeof backendTlsPoliciesService>;
  listenerSets: ReturnType<typeof listenerSetsService>;
}

const TABLE: Record<Exclude<SyncKind, 'Gateway'>, string> = {
  Route: '"Route"',
  Service: '"Service"',
  EndpointSlice: '"EndpointSlice"',
  ReferenceGrant: '"ReferenceGrant"',
  Namespace: '"Namespace"',
  CaBundle: '"CaBundle"',
  BackendTLSPolicy: '"BackendTlsPolicy"',
  ListenerSet: '"ListenerSet"',
};

const allAt = (conditions: readonly StoredCondition[], generation: number) =>
  conditions.every((c) => c.observedGeneration === generation);

export function clusterSyncService({
  db,
  gateways,
  routes,
  services,
  endpoints,
  referenceGrants,
  namespaces,
  caBundles,
  backendTlsPolicies,
  listenerSets,
}: Deps) {
  async function requireCluster(meta: CallMeta, clusterId: string) {
    parseInput(uuid, clusterId, 'id');
    const r = await db.$pool.query('SELECT 1 FROM "Cluster" WHERE id = $1::uuid AND "accountId" = $2::uuid', [
      clusterId,
      meta.principal.accountId,
    ]);
    if (r.rowCount === 0) throw AppError.notFound('cluster', clusterId);
  }

  /** What EPIC says of the cluster's Gateways and routes: addresses, conditions, listener and route status. */
  async function state(meta: CallMeta, clusterId: string): Promise<ClusterState> {
    const accountId = meta.principal.accountId;
    const g = await db.$pool.query<
      Omit<ClusterGatewayState, 'observedClientGeneration'> & { cg: number | null }
    >(
      `SELECT c."clientUid", g.id, g.address, g."dnsName", g.generation, g."observedGeneration", g.conditions,
              g."listenerStatus" AS listeners, g."attachedListenerSets", c."clientGeneration" AS cg
       FROM "GatewayClient" c JOIN "Gateway" g ON g.id = c."gatewayId"
       WHERE c."accountId" = $1::uuid AND c."clusterId" = $2::uuid ORDER BY c."clientUid"`,
      [accountId, clusterId],
    );
    // Only the entries of gateways the route is attached to now: an entry of a gateway the route has left
    // is no longer true (the reconciler of that gateway no longer sees the route to clear it).
    const r = await db.$pool.query<
      Omit<ClusterRouteState, 'observedClientGeneration'> & { cg: number | null; attached: number }
    >(
      `SELECT r."clientUid", r.id, r.kind::text AS kind, r.generation, r."clientGeneration" AS cg,
              COALESCE((SELECT jsonb_agg(e ORDER BY ord) FROM jsonb_array_elements(r.status->'parents') WITH ORDINALITY x(e, ord)
                        WHERE EXISTS (SELECT 1 FROM "RouteParent" p WHERE p."routeId" = r.id AND p."gatewayId"::text = e->>'gatewayId')),
                       '[]'::jsonb) AS parents,
              (SELECT count(DISTINCT p."gatewayId")::int FROM "RouteParent" p WHERE p."routeId" = r.id) AS attached
       FROM "Route" r WHERE r."accountId" = $1::uuid AND r."clusterId" = $2::uuid ORDER BY r."clientUid"`,
      [accountId, clusterId],
    );
    // Ancestors of gateways that no longer exist are left out (their reconcile is gone and cannot clear them).
    const p = await db.$pool.query<
      Omit<ClusterPolicyState, 'observedClientGeneration'> & { cg: number | null }
    >(
      `SELECT b."clientUid", b.id, b.generation, b."clientGeneration" AS cg,
              COALESCE((SELECT jsonb_agg(e ORDER BY ord) FROM jsonb_array_elements(b.status->'ancestors') WITH ORDINALITY x(e, ord)
                        WHERE EXISTS (SELECT 1 FROM "Gateway" gw WHERE gw.id::text = e->>'gatewayId')),
                       '[]'::jsonb) AS ancestors
       FROM "BackendTlsPolicy" b WHERE b."accountId" = $1::uuid AND b."clusterId" = $2::uuid ORDER BY b."clientUid"`,
      [accountId, clusterId],
    );
    // A status written by a gateway that no longer exists is no status (its reconcile cannot clear it).
    const l = await db.$pool.query<
      Omit<ClusterListenerSetState, 'observedClientGeneration'> & { cg: number | null }
    >(
      `SELECT s."clientUid", s.id, s.generation, s."clientGeneration" AS cg, gw.id AS "gatewayId",
              CASE WHEN gw.id IS NULL THEN '[]'::jsonb ELSE COALESCE(s.status->'conditions', '[]'::jsonb) END AS conditions,
              CASE WHEN gw.id IS NULL THEN '[]'::jsonb ELSE COALESCE(s.status->'listeners', '[]'::jsonb) END AS listeners
       FROM "ListenerSet" s LEFT JOIN "Gateway" gw ON gw.id::text = s.status->>'gatewayId'
       WHERE s."accountId" = $1::uuid AND s."clusterId" = $2::uuid ORDER BY s."clientUid"`,
      [accountId, clusterId],
    );
    return {
      listenerSets: l.rows.map(({ cg, ...row }) => ({
        ...row,
        observedClientGeneration:
          cg !== null &&
          row.gatewayId !== null &&
          allAt(row.conditions, row.generation) &&
          row.listeners.every((x) => allAt(x.conditions, row.generation))
            ? cg
            : null,
      })),
      backendTlsPolicies: p.rows.map(({ cg, ...row }) => ({
        ...row,
        observedClientGeneration:
          cg !== null && row.ancestors.every((a) => allAt(a.conditions, row.generation)) ? cg : null,
      })),
      gateways: g.rows.map(({ cg, ...row }) => ({
        ...row,
        observedClientGeneration:
          cg !== null &&
          row.observedGeneration === row.generation &&
          allAt(row.conditions, row.generation) &&
          row.listeners.every((l) => allAt(l.conditions, row.generation))
            ? cg
            : null,
      })),
      routes: r.rows.map(({ cg, attached, ...row }) => ({
        ...row,
        observedClientGeneration:
          cg !== null &&
          new Set(row.parents.map((p) => p.gatewayId)).size === attached &&
          row.parents.every((p) => allAt(p.conditions, row.generation))
            ? cg
            : null,
      })),
    };
  }

  /** Removes one cluster's Gateway: the whole gateway, or only this cluster's share of a shared one. */
  async function removeGateway(meta: CallMeta, clusterId: string, uid: string): Promise<boolean> {
    const r = await db.$pool.query<{ id: string; gatewayId: string; clients: number }>(
      `SELECT c.id, c."gatewayId", (SELECT count(*)::int FROM "GatewayClient" o WHERE o."gatewayId" = c."gatewayId") AS clients
       FROM "GatewayClient" c WHERE c."accountId" = $1::uuid AND c."clusterId" = $2::uuid AND c."clientUid" = $3`,
      [meta.principal.accountId, clusterId, uid],
    );
    const row = r.rows[0];
    if (!row) return false;
    if (row.clients <= 1) {
      await gateways.remove(meta, row.gatewayId);
    } else {
      await withPgTx(db.$pool, async (c) => {
        await c.query('DELETE FROM "GatewayClient" WHERE id = $1::uuid', [row.id]);
        await enqueueReconcile(c, [row.gatewayId]);
      });
    }
    return true;
  }

  async function removeObject(
    meta: CallMeta,
    clusterId: string,
    kind: Exclude<SyncKind, 'Gateway'>,
    uid: string,
  ): Promise<boolean> {
    const r = await db.$pool.query<{ id: string }>(
      `SELECT id FROM ${TABLE[kind]} WHERE "accountId" = $1::uuid AND "clusterId" = $2::uuid AND "clientUid" = $3`,
      [meta.principal.accountId, clusterId, uid],
    );
    const id = r.rows[0]?.id;
    if (!id) return false;
    if (kind === 'Route') await routes.remove(meta, id);
    else if (kind === 'Service') await services.remove(meta, id);
    else if (kind === 'EndpointSlice') await endpoints.remove(meta, id);
    else if (kind === 'Namespace') await namespaces.remove(meta, id);
    else if (kind === 'CaBundle') await caBundles.remove(meta, id);
    else if (kind === 'BackendTLSPolicy') await backendTlsPolicies.remove(meta, id);
    else if (kind === 'ListenerSet') await listenerSets.remove(meta, id);
    else await referenceGrants.remove(meta, id);
    return true;
  }

  /** The uids of this cluster's objects of a kind that the full set does not name. */
  async function missing(
    meta: CallMeta,
    clusterId: string,
    kind: SyncKind,
    present: string[],
  ): Promise<string[]> {
    const table = kind === 'Gateway' ? '"GatewayClient"' : TABLE[kind];
    const r = await db.$pool.query<{ clientUid: string }>(
      `SELECT "clientUid" FROM ${table} WHERE "accountId" = $1::uuid AND "clusterId" = $2::uuid
         AND NOT ("clientUid" = ANY($3::text[]))`,
      [meta.principal.accountId, clusterId, present],
    );
    return r.rows.map((x) => x.clientUid);
  }

  return {
    state: async (meta: CallMeta, clusterId: string) => {
      await requireCluster(meta, clusterId);
      return state(meta, clusterId);
    },

    async sync(meta: CallMeta, clusterId: string, input: unknown): Promise<SyncResult> {
      requireRole(meta.principal, 'admin');
      await requireCluster(meta, clusterId);
      const data = parseInput(syncClusterInput, input);
      const errors: SyncResult['errors'] = [];
      let upserted = 0;
      let deleted = 0;
      /** Runs one item's write; an AppError is that item's error, anything else fails the call. */
      const attempt = async <T>(
        kind: SyncKind,
        uid: string,
        op: () => Promise<T>,
      ): Promise<T | undefined> => {
        try {
          return await op();
        } catch (e) {
          if (!isAppError(e)) throw e;
          errors.push({ kind, clientUid: uid, message: e.message });
          return undefined;
        }
      };
      const upsert = async (kind: SyncKind, uid: string, op: () => Promise<unknown>) => {
        if ((await attempt(kind, uid, async () => (await op(), true))) === true) upserted++;
      };
      // After the spec is written: a status read in between reports the older generation, which is true.
      // (Routes record theirs in the same transaction as their specs: routes.upsertMany.)
      const recordGeneration = (uid: string, generation?: number, table = '"GatewayClient"') =>
        generation === undefined
          ? Promise.resolve()
          : db.$pool
              .query(
                `UPDATE ${table} SET "clientGeneration" = $4 WHERE "accountId" = $1::uuid AND "clusterId" = $2::uuid AND "clientUid" = $3`,
                [meta.principal.accountId, clusterId, uid, generation],
              )
              .then(() => undefined);
      // Dependencies first (a route resolves its parents against gateways that exist), deletes last.
      for (const { generation, ...g } of data.gateways) {
        await upsert('Gateway', g.clientUid, async () => {
          await gateways.create(meta, { ...g, clusterId });
          await recordGeneration(g.clientUid, generation);
        });
      }
      for (const s of data.services) {
        await upsert('Service', s.clientUid, () => services.upsert(meta, { ...s, clusterId }));
      }
      for (const e of data.endpointSlices) {
        await upsert('EndpointSlice', e.clientUid, () => endpoints.upsert(meta, { ...e, clusterId }));
      }
      for (const rg of data.referenceGrants) {
        await upsert('ReferenceGrant', rg.clientUid, () =>
          referenceGrants.upsert(meta, { ...rg, clusterId }),
        );
      }
      for (const ns of data.namespaces) {
        await upsert('Namespace', ns.clientUid, () => namespaces.upsert(meta, { ...ns, clusterId }));
      }
      // CA bundles before the policies and gateways that name them are reconciled (they are queued, not run, here).
      for (const b of data.caBundles) {
        await upsert('CaBundle', b.clientUid, () => caBundles.upsert(meta, { ...b, clusterId }));
      }
      for (const { generation, ...b } of data.backendTlsPolicies) {
        await upsert('BackendTLSPolicy', b.clientUid, async () => {
          await backendTlsPolicies.upsert(meta, { ...b, clusterId });
          await recordGeneration(b.clientUid, generation, '"BackendTlsPolicy"');
        });
      }
      // ListenerSets after the gateways they name and before the routes that attach through them.
      for (const { generation, ...l } of data.listenerSets) {
        await upsert('ListenerSet', l.clientUid, async () => {
          await listenerSets.upsert(meta, { ...l, clusterId });
          await recordGeneration(l.clientUid, generation, '"ListenerSet"');
        });
      }
      // Routes are most of a burst: one transaction for all of them (a write per route cost tens of ms each).
      if (data.routes.length > 0) {
        const r = await routes.upsertMany(meta, clusterId, data.routes);
        upserted += r.ok.length;
        for (const e of r.errors) errors.push({ kind: 'Route', ...e });
      }
      const del: Record<SyncKind, string[]> = {
        Gateway: [...data.deleted.gateways],
        Route: [...data.deleted.routes],
        Service: [...data.deleted.services],
        EndpointSlice: [...data.deleted.endpointSlices],
        ReferenceGrant: [...data.deleted.referenceGrants],
        Namespace: [...data.deleted.namespaces],
        CaBundle: [...data.deleted.caBundles],
        BackendTLSPolicy: [...data.deleted.backendTlsPolicies],
        ListenerSet: [...data.deleted.listenerSets],
      };
      if (data.full) {
        const present: Record<SyncKind, string[]> = {
          Gateway: [...data.gateways.map((x) => x.clientUid), ...data.keep.gateways],
          Route: [...data.routes.map((x) => x.clientUid), ...data.keep.routes],
          Service: [...data.services.map((x) => x.clientUid), ...data.keep.services],
          EndpointSlice: [...data.endpointSlices.map((x) => x.clientUid), ...data.keep.endpointSlices],
          ReferenceGrant: [...data.referenceGrants.map((x) => x.clientUid), ...data.keep.referenceGrants],
          Namespace: [...data.namespaces.map((x) => x.clientUid), ...data.keep.namespaces],
          CaBundle: [...data.caBundles.map((x) => x.clientUid), ...data.keep.caBundles],
          BackendTLSPolicy: [
            ...data.backendTlsPolicies.map((x) => x.clientUid),
            ...data.keep.backendTlsPolicies,
          ],
          ListenerSet: [...data.listenerSets.map((x) => x.clientUid), ...data.keep.listenerSets],
        };
        for (const kind of syncKinds)
          del[kind].push(...(await missing(meta, clusterId, kind, present[kind])));
      }
      for (const kind of [
        'ListenerSet',
        'BackendTLSPolicy',
        'CaBundle',
        'Route',
        'EndpointSlice',
        'Service',
        'ReferenceGrant',
        'Namespace',
      ] as const) {
        for (const uid of new Set(del[kind])) {
          if (await attempt(kind, uid, () => removeObject(meta, clusterId, kind, uid))) deleted++;
        }
      }
      for (const uid of new Set(del.Gateway)) {
        if (await attempt('Gateway', uid, () => removeGateway(meta, clusterId, uid))) deleted++;
      }
      return { ...(await state(meta, clusterId)), upserted, deleted, errors };
    },
  };
}
