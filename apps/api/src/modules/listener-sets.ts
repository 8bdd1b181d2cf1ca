import { z } from 'zod';
import { ListenerSetSpec } from '@epic/gateway-api';
import { canonicalize, type JsonValue } from '@epic/gateway-translator';
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
  json,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
  requireSameCluster,
} from './common.js';
import { reattachListenerSetRoutes } from './routes.js';

/**
 * ListenerSets (gateway.networking.k8s.io/v1, GEP-1713): listeners attached to the parent Gateway their parentRef
 * names, per account and optional cluster, upserted by client uid like BackendTLSPolicies. The spec is
 * `@epic/gateway-api`'s ListenerSetSpec (the CRD's schema and CEL rules), so REST and GraphQL take the same typed
 * input. The status (conditions, listeners) is written by the parent gateway's reconcile
 * (reconciler/reconcile-gateway.ts); a change re-renders the parent gateway(s), before and after
 * (docs/adr/0463-listener-sets-api.md).
 */

/**
 * SQL for a gateway's listeners as the fleet and the EPIC nodes expose them: its own (`g.listeners`) and the
 * accepted listeners of the ListenerSets attached to it (their status, written by the gateway's reconcile,
 * says which were accepted). `g` is the "Gateway" row in the query.
 */
export const EXPOSED_LISTENERS_SQL = `(g.listeners || COALESCE((
    SELECT jsonb_agg(l ORDER BY s.namespace, s.name, ord) FROM "ListenerSet" s
    CROSS JOIN LATERAL jsonb_array_elements(s.spec->'listeners') WITH ORDINALITY x(l, ord)
    WHERE s."accountId" = g."accountId" AND s.status->>'gatewayId' = g.id::text
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(s.status->'listeners', '[]'::jsonb)) st
                  WHERE st->>'name' = l->>'name'
                    AND st->'conditions' @> '[{"type": "Accepted", "status": "True"}]'::jsonb)), '[]'::jsonb))`;

export const upsertListenerSetInput = z.strictObject({
  clusterId: uuid.optional(),
  clientUid: clientUid.optional().describe('uid of the object in its cluster; a re-sent object updates'),
  namespace: dnsLabel,
  name: dnsSubdomain,
  creationTimestamp: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      "the object's creationTimestamp in its cluster (the oldest ListenerSet's listeners win a conflict); default: now",
    ),
  spec: ListenerSetSpec.describe('the Gateway API ListenerSet spec, as v1 defines it'),
});

export const listListenerSetsQuery = pageQuery.extend({
  namespace: dnsLabel.optional(),
  name: dnsSubdomain.optional(),
  clusterId: uuid.optional(),
});

/** What the parent gateway's reconcile stores in ListenerSet.status. */
export interface StoredListenerSetStatus {
  /** The EPIC gateway that wrote it (the parent). */
  gatewayId?: string;
  conditions?: unknown[];
  listeners?: unknown[];
}

interface Row {
  id: string;
  clusterId: string | null;
  clientUid: string;
  namespace: string;
  name: string;
  spec: unknown;
  generation: number;
  creationTimestamp: Date | null;
  status: unknown;
  createdAt: Date;
  updatedAt: Date;
}

function view(r: Row & { accountId?: string }) {
  const s = r.status as StoredListenerSetStatus;
  return {
    id: r.id,
    clusterId: r.clusterId,
    clientUid: r.clientUid,
    namespace: r.namespace,
    name: r.name,
    spec: r.spec as Record<string, unknown>,
    generation: r.generation,
    creationTimestamp: (r.creationTimestamp ?? r.createdAt).toISOString(),
    status: {
      gatewayId: s.gatewayId ?? null,
      conditions: s.conditions ?? [],
      listeners: s.listeners ?? [],
    },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

type ParentRef = { group?: string; kind?: string; name: string; namespace?: string };

/**
 * The account's gateways a ListenerSet spec's parentRef names (through their client references, in the
 * ListenerSet's cluster: the same resolution as a route's parentRef), plus the gateway that wrote its status.
 */
async function parentGateways(
  tx: Tx,
  accountId: string,
  clusterId: string | null,
  namespace: string,
  spec: unknown,
  status: unknown,
): Promise<string[]> {
  const ref = (spec as { parentRef?: ParentRef }).parentRef;
  const out = new Set<string>();
  if (
    ref &&
    (ref.group ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io' &&
    (ref.kind ?? 'Gateway') === 'Gateway'
  ) {
    const rows = await tx.gatewayClient.findMany({
      where: { accountId, clusterId, namespace: ref.namespace ?? namespace, name: ref.name },
      select: { gatewayId: true },
    });
    for (const r of rows) out.add(r.gatewayId);
  }
  const wrote = (status as StoredListenerSetStatus | null)?.gatewayId;
  if (wrote) out.add(wrote);
  return [...out];
}

export function listenerSetsService({ db }: ServiceDeps) {
  return {
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertListenerSetInput, input);
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = d.clientUid ?? `api:${d.clusterId ?? 'none'}:ListenerSet:${d.namespace}/${d.name}`;
      return db.$transaction(async (tx) => {
        if (d.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: d.clusterId } }))) {
          throw AppError.field('clusterId', `cluster ${d.clusterId} not found`);
        }
        const prior = await tx.listenerSet.findFirst({ where: { ...tenant(p), clientUid: uid } });
        requireSameCluster(prior, d.clusterId, 'ListenerSet', uid);
        if (prior && (prior.namespace !== d.namespace || prior.name !== d.name))
          throw AppError.field(
            'name',
            `client uid ${uid} is ListenerSet ${prior.namespace}/${prior.name}; an object cannot be renamed`,
          );
        const created = d.creationTimestamp !== undefined ? new Date(d.creationTimestamp) : null;
        if (prior) {
          // jsonb keeps its own key order: compare canonical forms, so a re-sent object is a no-op.
          const same =
            JSON.stringify(canonicalize(prior.spec as JsonValue)) ===
              JSON.stringify(canonicalize(d.spec as JsonValue)) &&
            (created === null || prior.creationTimestamp?.getTime() === created.getTime());
          if (same) return { item: view(prior), created: false };
        }
        const before = prior
          ? await parentGateways(tx, p.accountId, prior.clusterId, prior.namespace, prior.spec, prior.status)
          : [];
        const row = prior
          ? await tx.listenerSet.update({
              where: { id: prior.id },
              data: {
                spec: json(d.spec),
                generation: { increment: 1 },
                ...(created !== null ? { creationTimestamp: created } : {}),
              },
            })
          : await tx.listenerSet.create({
              data: {
                ...tenant(p),
                clientUid: uid,
                clusterId: d.clusterId ?? null,
                namespace: d.namespace,
                name: d.name,
                spec: json(d.spec),
                creationTimestamp: created,
              },
            });
        const after = await parentGateways(tx, p.accountId, row.clusterId, row.namespace, row.spec, null);
        // Routes attached through it follow its parentRef.
        const routeGateways = await reattachListenerSetRoutes(
          tx,
          p.accountId,
          row.clusterId,
          row.namespace,
          row.name,
        );
        await enqueueReconcile(tx, new Set([...before, ...after, ...routeGateways]));
        await audit(tx, meta, `listenerSet.${prior ? 'update' : 'create'}`, 'ListenerSet', row.id, {
          namespace: d.namespace,
          name: d.name,
          generation: row.generation,
        });
        return { item: view(row), created: !prior };
      });
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listListenerSetsQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.namespace) where.namespace = q.namespace;
      if (q.name) where.name = q.name;
      if (q.clusterId) where.clusterId = q.clusterId;
      const rows = await db.listenerSet.findMany({ where, orderBy: page.orderBy, take: page.take });
      const paged = pageOf(rows as Row[], q.limit);
      return { ...paged, items: paged.items.map(view) };
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.listenerSet.findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound('ListenerSet', id);
      return view(row);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      await db.$transaction(async (tx) => {
        const row = await tx.listenerSet.findFirst({ where: { ...tenant(p), id } });
        if (!row) throw AppError.notFound('ListenerSet', id);
        const before = await parentGateways(
          tx,
          p.accountId,
          row.clusterId,
          row.namespace,
          row.spec,
          row.status,
        );
        await tx.listenerSet.delete({ where: { id } });
        const routeGateways = await reattachListenerSetRoutes(
          tx,
          p.accountId,
          row.clusterId,
          row.namespace,
          row.name,
        );
        await enqueueReconcile(tx, new Set([...before, ...routeGateways]));
        await audit(tx, meta, 'listenerSet.delete', 'ListenerSet', id, {
          namespace: row.namespace,
          name: row.name,
        });
      });
    },
  };
}
