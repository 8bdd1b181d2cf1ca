import { z } from 'zod';
import { requireRole } from '../auth/principal.js';
import { withPgTx, type Db } from '../db/client.js';
import { AppError, isAppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { clientUid, dnsLabel, dnsSubdomain, enqueueReconcile, uuid, type CallMeta } from './common.js';
import type { gatewaysService } from './gateways.js';
import { routeKinds, type routesService } from './routes.js';
import type { referenceGrantsService, servicesService } from './cluster-objects.js';
import { servicePortSchema } from './cluster-objects.js';

/**
 * One call per burst from a workload cluster's controller: every Gateway, route, Service and ReferenceGrant
 * that changed, and the uids of those deleted, in one request (1,000 routes applied at once are one HTTP call,
 * not 1,000). With `full`, the set is everything the cluster has: this cluster's objects that are not in it
 * are deleted, so what was deleted while the controller was down is removed (the resync after a restart).
 * Each item is written by the same service as its single-object operation; a bad item is reported in
 * `errors` and does not stop the others.
 */
const objectKey = { clientUid, namespace: dnsLabel, name: dnsSubdomain };
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
        listeners: z.array(z.record(z.string(), z.unknown())),
      }),
    )
    .max(5_000)
    .default([]),
  routes: z
    .array(
      z.strictObject({ ...objectKey, kind: z.enum(routeKinds), spec: z.record(z.string(), z.unknown()) }),
    )
    .max(20_000)
    .default([]),
  services: z
    .array(z.strictObject({ ...objectKey, ports: z.array(servicePortSchema).min(1).max(100) }))
    .max(20_000)
    .default([]),
  referenceGrants: z
    .array(z.strictObject({ ...objectKey, spec: z.record(z.string(), z.unknown()) }))
    .max(5_000)
    .default([]),
  deleted: z
    .strictObject({
      gateways: z.array(clientUid).max(5_000).default([]),
      routes: z.array(clientUid).max(20_000).default([]),
      services: z.array(clientUid).max(20_000).default([]),
      referenceGrants: z.array(clientUid).max(5_000).default([]),
    })
    .default({ gateways: [], routes: [], services: [], referenceGrants: [] }),
});

export type SyncKind = 'Gateway' | 'Route' | 'Service' | 'ReferenceGrant';

export interface ClusterGatewayState {
  clientUid: string;
  id: string;
  address: string | null;
  dnsName: string | null;
  generation: number;
  observedGeneration: number;
  conditions: unknown;
  listeners: unknown;
}
export interface ClusterRouteState {
  clientUid: string;
  id: string;
  kind: string;
  generation: number;
  parents: unknown;
}
export interface ClusterState {
  gateways: ClusterGatewayState[];
  routes: ClusterRouteState[];
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
  referenceGrants: ReturnType<typeof referenceGrantsService>;
}

const TABLE: Record<Exclude<SyncKind, 'Gateway'>, string> = {
  Route: '"Route"',
  Service: '"Service"',
  ReferenceGrant: '"ReferenceGrant"',
};

export function clusterSyncService({ db, gateways, routes, services, referenceGrants }: Deps) {
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
    const g = await db.$pool.query<ClusterGatewayState>(
      `SELECT c."clientUid", g.id, g.address, g."dnsName", g.generation, g."observedGeneration", g.conditions,
              g."listenerStatus" AS listeners
       FROM "GatewayClient" c JOIN "Gateway" g ON g.id = c."gatewayId"
       WHERE c."accountId" = $1::uuid AND c."clusterId" = $2::uuid ORDER BY c."clientUid"`,
      [accountId, clusterId],
    );
    const r = await db.$pool.query<ClusterRouteState>(
      `SELECT "clientUid", id, kind::text AS kind, generation, COALESCE(status->'parents', '[]'::jsonb) AS parents
       FROM "Route" WHERE "accountId" = $1::uuid AND "clusterId" = $2::uuid ORDER BY "clientUid"`,
      [accountId, clusterId],
    );
    return { gateways: g.rows, routes: r.rows };
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
      const attempt = async (kind: SyncKind, uid: string, op: () => Promise<unknown>) => {
        try {
          const r = await op();
          return r;
        } catch (e) {
          if (!isAppError(e)) throw e;
          errors.push({ kind, clientUid: uid, message: e.message });
          return undefined;
        }
      };
      // Dependencies first (a route resolves its parents against gateways that exist), deletes last.
      for (const g of data.gateways) {
        await attempt('Gateway', g.clientUid, () => gateways.create(meta, { ...g, clusterId }));
        upserted++;
      }
      for (const s of data.services) {
        await attempt('Service', s.clientUid, () => services.upsert(meta, { ...s, clusterId }));
        upserted++;
      }
      for (const rg of data.referenceGrants) {
        await attempt('ReferenceGrant', rg.clientUid, () =>
          referenceGrants.upsert(meta, { ...rg, clusterId }),
        );
        upserted++;
      }
      for (const r of data.routes) {
        await attempt('Route', r.clientUid, () => routes.upsert(meta, { ...r, clusterId }));
        upserted++;
      }
      // Copies: zod hands out the same default object on every parse.
      const del = {
        gateways: [...data.deleted.gateways],
        routes: [...data.deleted.routes],
        services: [...data.deleted.services],
        referenceGrants: [...data.deleted.referenceGrants],
      };
      if (data.full) {
        del.routes.push(
          ...(await missing(
            meta,
            clusterId,
            'Route',
            data.routes.map((x) => x.clientUid),
          )),
        );
        del.services.push(
          ...(await missing(
            meta,
            clusterId,
            'Service',
            data.services.map((x) => x.clientUid),
          )),
        );
        del.referenceGrants.push(
          ...(await missing(
            meta,
            clusterId,
            'ReferenceGrant',
            data.referenceGrants.map((x) => x.clientUid),
          )),
        );
        del.gateways.push(
          ...(await missing(
            meta,
            clusterId,
            'Gateway',
            data.gateways.map((x) => x.clientUid),
          )),
        );
      }
      const removals: Array<[Exclude<SyncKind, 'Gateway'>, string[]]> = [
        ['Route', del.routes],
        ['Service', del.services],
        ['ReferenceGrant', del.referenceGrants],
      ];
      for (const [kind, uids] of removals) {
        for (const uid of new Set(uids)) {
          if (await attempt(kind, uid, () => removeObject(meta, clusterId, kind, uid))) deleted++;
        }
      }
      for (const uid of new Set(del.gateways)) {
        if (await attempt('Gateway', uid, () => removeGateway(meta, clusterId, uid))) deleted++;
      }
      return { ...(await state(meta, clusterId)), upserted, deleted, errors };
    },
  };
}
