import { z } from 'zod';
import { BackendTLSPolicySpec } from '@epic/gateway-api';
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

/**
 * BackendTLSPolicies (gateway.networking.k8s.io/v1): which Service ports gateways connect to with TLS, per account
 * and optional cluster, upserted by client uid like Services. The spec is `@epic/gateway-api`'s
 * BackendTLSPolicySpec (the CRD's schema and CEL rules), so REST and GraphQL take the same typed input. The status
 * holds one ancestor entry per gateway whose backends the policy targets, written by that gateway's reconcile
 * (reconciler/reconcile-gateway.ts); a change re-renders the account's gateways
 * (docs/adr/0460-backend-tls-policy.md).
 */

export const upsertBackendTlsPolicyInput = z.strictObject({
  clusterId: uuid.optional(),
  clientUid: clientUid.optional().describe('uid of the object in its cluster; a re-sent object updates'),
  namespace: dnsLabel,
  name: dnsSubdomain,
  creationTimestamp: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      "the object's creationTimestamp in its cluster (the oldest policy wins a conflict); default: now",
    ),
  spec: BackendTLSPolicySpec.describe('the Gateway API BackendTLSPolicy spec, as v1 defines it'),
});

export const listBackendTlsPoliciesQuery = pageQuery.extend({
  namespace: dnsLabel.optional(),
  name: dnsSubdomain.optional(),
  clusterId: uuid.optional(),
});

export interface StoredAncestor {
  gatewayId: string;
  ancestorRef: { group: string; kind: string; namespace: string; name: string };
  controllerName: string;
  conditions: unknown[];
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
  const ancestors = (r.status as { ancestors?: StoredAncestor[] }).ancestors ?? [];
  return {
    id: r.id,
    clusterId: r.clusterId,
    clientUid: r.clientUid,
    namespace: r.namespace,
    name: r.name,
    spec: r.spec as Record<string, unknown>,
    generation: r.generation,
    creationTimestamp: (r.creationTimestamp ?? r.createdAt).toISOString(),
    status: { ancestors },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** The account's gateways (a policy may target any Service a route of any gateway uses; re-rendering more is harmless). */
export async function accountGateways(tx: Tx, accountId: string): Promise<string[]> {
  const rows = await tx.gateway.findMany({ where: { accountId }, select: { id: true } });
  return rows.map((r) => r.id);
}

export function backendTlsPoliciesService({ db }: ServiceDeps) {
  return {
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertBackendTlsPolicyInput, input);
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = d.clientUid ?? `api:${d.clusterId ?? 'none'}:BackendTLSPolicy:${d.namespace}/${d.name}`;
      return db.$transaction(async (tx) => {
        if (d.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: d.clusterId } }))) {
          throw AppError.field('clusterId', `cluster ${d.clusterId} not found`);
        }
        const prior = await tx.backendTlsPolicy.findFirst({ where: { ...tenant(p), clientUid: uid } });
        requireSameCluster(prior, d.clusterId, 'BackendTLSPolicy', uid);
        if (prior && (prior.namespace !== d.namespace || prior.name !== d.name))
          throw AppError.field(
            'name',
            `client uid ${uid} is BackendTLSPolicy ${prior.namespace}/${prior.name}; an object cannot be renamed`,
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
        const row = prior
          ? await tx.backendTlsPolicy.update({
              where: { id: prior.id },
              data: {
                spec: json(d.spec),
                generation: { increment: 1 },
                ...(created !== null ? { creationTimestamp: created } : {}),
              },
            })
          : await tx.backendTlsPolicy.create({
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
        await enqueueReconcile(tx, await accountGateways(tx, p.accountId));
        await audit(tx, meta, `backendTlsPolicy.${prior ? 'update' : 'create'}`, 'BackendTlsPolicy', row.id, {
          namespace: d.namespace,
          name: d.name,
          generation: row.generation,
        });
        return { item: view(row), created: !prior };
      });
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listBackendTlsPoliciesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.namespace) where.namespace = q.namespace;
      if (q.name) where.name = q.name;
      if (q.clusterId) where.clusterId = q.clusterId;
      const rows = await db.backendTlsPolicy.findMany({ where, orderBy: page.orderBy, take: page.take });
      const paged = pageOf(rows as Row[], q.limit);
      return { ...paged, items: paged.items.map(view) };
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.backendTlsPolicy.findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound('BackendTLSPolicy', id);
      return view(row);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await tx.backendTlsPolicy.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound('BackendTLSPolicy', id);
        await tx.backendTlsPolicy.delete({ where: { id } });
        await enqueueReconcile(tx, await accountGateways(tx, meta.principal.accountId));
        await audit(tx, meta, 'backendTlsPolicy.delete', 'BackendTlsPolicy', id, {
          namespace: row.namespace,
          name: row.name,
        });
      });
    },
  };
}
