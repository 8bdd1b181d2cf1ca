import { z } from 'zod';
import { routeSpecSchemas } from '@epic/gateway-api';
import { requireRole, tenant } from '../auth/principal.js';
import type { Tx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  clientUid,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  execSql,
  json,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
  type TxLike,
} from './common.js';

export const routeKinds = ['HTTPRoute', 'TCPRoute', 'GRPCRoute', 'TLSRoute'] as const;
export type RouteKind = (typeof routeKinds)[number];

export const upsertRouteInput = z.strictObject({
  kind: z.enum(routeKinds),
  name: dnsSubdomain,
  namespace: dnsLabel.default('default'),
  clusterId: uuid.optional(),
  clientUid: clientUid.optional().describe('uid of the route object in its cluster; a re-sent route updates'),
  spec: z
    .record(z.string(), z.unknown())
    .describe('the Gateway API spec of the route, exactly as the Gateway API v1 defines it'),
});
export const updateRouteInput = z.strictObject({ spec: z.record(z.string(), z.unknown()) });
export const listRoutesQuery = pageQuery.extend({
  kind: z.enum(routeKinds).optional(),
  namespace: dnsLabel.optional(),
  gatewayId: uuid.optional(),
});

interface ParentRefLike {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
}

export function parseRouteSpec(kind: RouteKind, spec: unknown): Record<string, unknown> {
  return parseInput(routeSpecSchemas[kind], spec, 'spec') as Record<string, unknown>;
}

function gatewayParentRefs(spec: Record<string, unknown>): ParentRefLike[] {
  const refs = (spec.parentRefs ?? []) as ParentRefLike[];
  return refs.filter(
    (r) =>
      (r.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io' &&
      (r.kind ?? 'Gateway') === 'Gateway',
  );
}

/**
 * Resolves a route's parentRefs to EPIC gateways through the gateways' client references
 * (same cluster, namespace and name) and rewrites its attachments. Returns every gateway affected.
 */
export async function resolveRouteParents(
  tx: Tx,
  route: {
    id: string;
    accountId: string;
    namespace: string;
    clusterId: string | null;
    spec: Record<string, unknown>;
  },
): Promise<string[]> {
  const before = await tx.routeParent.findMany({ where: { routeId: route.id }, select: { gatewayId: true } });
  await tx.routeParent.deleteMany({ where: { routeId: route.id } });
  const refs = (route.spec.parentRefs ?? []) as ParentRefLike[];
  const rows: Array<{ routeId: string; gatewayId: string; refIndex: number }> = [];
  for (const [refIndex, ref] of refs.entries()) {
    if (!gatewayParentRefs({ parentRefs: [ref] }).length) continue;
    const clients = await tx.gatewayClient.findMany({
      where: {
        accountId: route.accountId,
        clusterId: route.clusterId,
        namespace: ref.namespace ?? route.namespace,
        name: ref.name,
      },
      select: { gatewayId: true },
    });
    for (const c of clients) rows.push({ routeId: route.id, gatewayId: c.gatewayId, refIndex });
  }
  if (rows.length > 0) await tx.routeParent.createMany({ data: rows, skipDuplicates: true });
  return [...new Set([...before.map((b) => b.gatewayId), ...rows.map((r) => r.gatewayId)])];
}

/**
 * Attaches the routes whose parentRefs already name a gateway client that has just been created
 * (same cluster, namespace, name), in the caller's transaction.
 */
export async function attachRoutesToGateway(
  tx: TxLike,
  accountId: string,
  gatewayId: string,
  namespace: string,
  name: string,
  clusterId: string | null,
): Promise<void> {
  await execSql(
    tx,
    `INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
     SELECT r.id, $2::uuid, (e.ord - 1)::int
     FROM "Route" r, jsonb_array_elements(r.spec->'parentRefs') WITH ORDINALITY e(ref, ord)
     WHERE r."accountId" = $1::uuid AND r."clusterId" IS NOT DISTINCT FROM $5::uuid
       AND r.spec->'parentRefs' @> jsonb_build_array(jsonb_build_object('name', $4::text))
       AND e.ref->>'name' = $4 AND COALESCE(e.ref->>'namespace', r.namespace) = $3
       AND COALESCE(e.ref->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
       AND COALESCE(e.ref->>'kind', 'Gateway') = 'Gateway'
     ON CONFLICT DO NOTHING`,
    [accountId, gatewayId, namespace, name, clusterId],
  );
}

const view = {
  id: true,
  kind: true,
  name: true,
  namespace: true,
  clusterId: true,
  clientUid: true,
  spec: true,
  generation: true,
  status: true,
  createdAt: true,
  updatedAt: true,
  parents: { select: { gatewayId: true, refIndex: true }, orderBy: { refIndex: 'asc' as const } },
} as const;

export function routesService({ db }: ServiceDeps) {
  async function get(meta: CallMeta, id: string) {
    parseInput(uuid, id, 'id');
    const r = await db.route.findFirst({ where: { ...tenant(meta.principal), id }, select: view });
    if (!r) throw AppError.notFound('route', id);
    return r;
  }

  async function write(
    meta: CallMeta,
    existingId: string | undefined,
    data: z.output<typeof upsertRouteInput>,
    spec: Record<string, unknown>,
  ) {
    const p = meta.principal;
    const uid =
      data.clientUid ?? `api:${data.clusterId ?? 'none'}:${data.kind}:${data.namespace}/${data.name}`;
    return db.$transaction(async (tx) => {
      if (data.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: data.clusterId } }))) {
        throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
      }
      const prior = existingId
        ? await tx.route.findFirst({ where: { ...tenant(p), id: existingId } })
        : await tx.route.findUnique({
            where: { accountId_clientUid: { accountId: p.accountId, clientUid: uid } },
          });
      if (existingId && !prior) throw AppError.notFound('route', existingId);
      if (prior && prior.kind !== data.kind) {
        throw AppError.field('kind', `route ${prior.id} is a ${prior.kind}; kind cannot change`);
      }
      const unchanged = prior && JSON.stringify(prior.spec) === JSON.stringify(spec);
      const route = prior
        ? unchanged
          ? prior
          : await tx.route.update({
              where: { id: prior.id },
              data: { spec: json(spec), generation: { increment: 1 } },
            })
        : await tx.route.create({
            data: {
              ...tenant(p),
              kind: data.kind,
              name: data.name,
              namespace: data.namespace,
              clusterId: data.clusterId ?? null,
              clientUid: uid,
              spec: json(spec),
            },
          });
      if (!unchanged) {
        const affected = await resolveRouteParents(tx, { ...route, spec });
        await enqueueReconcile(tx, affected);
        await audit(tx, meta, prior ? 'route.update' : 'route.create', data.kind, route.id, {
          name: data.name,
          namespace: data.namespace,
        });
      }
      return { id: route.id, created: !prior };
    });
  }

  return {
    get,
    /** Creates a route, or updates the one with the same client uid (a re-sent object never duplicates). */
    async upsert(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const data = parseInput(upsertRouteInput, input);
      const spec = parseRouteSpec(data.kind, data.spec);
      const r = await write(meta, undefined, data, spec);
      return { route: await get(meta, r.id), created: r.created };
    },
    async update(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateRouteInput, input);
      const existing = await get(meta, id);
      const spec = parseRouteSpec(existing.kind, data.spec);
      await write(
        meta,
        id,
        {
          kind: existing.kind,
          name: existing.name,
          namespace: existing.namespace,
          clientUid: existing.clientUid,
          ...(existing.clusterId ? { clusterId: existing.clusterId } : {}),
          spec,
        },
        spec,
      );
      return get(meta, id);
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listRoutesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.kind) where.kind = q.kind;
      if (q.namespace) where.namespace = q.namespace;
      if (q.gatewayId) where.parents = { some: { gatewayId: q.gatewayId } };
      const rows = await db.route.findMany({ where, select: view, orderBy: page.orderBy, take: page.take });
      return pageOf(rows, q.limit);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const found = await tx.route.findFirst({
          where: { ...tenant(meta.principal), id },
          include: { parents: true },
        });
        if (!found) throw AppError.notFound('route', id);
        await tx.route.delete({ where: { id } });
        await enqueueReconcile(
          tx,
          found.parents.map((p) => p.gatewayId),
        );
        await audit(tx, meta, 'route.delete', found.kind, id, {
          name: found.name,
          namespace: found.namespace,
        });
      });
    },
  };
}
