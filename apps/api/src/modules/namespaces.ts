import { z } from 'zod';
import { requireRole, tenant } from '../auth/principal.js';
import type { Tx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  clientUid,
  dnsLabel,
  enqueueReconcile,
  json,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
  requireSameCluster,
} from './common.js';

/**
 * Namespaces of workload clusters (or set through the API) with their labels, upserted by client uid like
 * Services: listeners' `allowedRoutes.namespaces.selector` match these labels. A change re-renders the
 * gateways that routes of the namespace name as parents.
 */

/** The label the Kubernetes API server sets on every namespace; implied, so never stored. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const MAX_LABELS = 64;

const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelPrefix = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const labelKey = z
  .string()
  .min(1)
  .max(317)
  .refine((k) => {
    const slash = k.indexOf('/');
    const prefix = slash < 0 ? undefined : k.slice(0, slash);
    const name = slash < 0 ? k : k.slice(slash + 1);
    return (
      labelName.test(name) && (prefix === undefined || (prefix.length <= 253 && labelPrefix.test(prefix)))
    );
  }, 'must be a label key: an optional DNS-subdomain prefix and "/", then 1-63 letters, digits, "-", "_" or ".", starting and ending alphanumeric');

/** A Kubernetes label value: empty, or 1-63 letters, digits, "-", "_" or ".", starting and ending alphanumeric. */
export const labelValue = z
  .string()
  .max(63)
  .refine(
    (v) => v === '' || labelName.test(v),
    'must be a label value: empty, or up to 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric',
  );

export const upsertNamespaceInput = z
  .strictObject({
    clusterId: uuid.optional(),
    clientUid: clientUid.optional().describe('uid of the namespace in its cluster; a re-sent object updates'),
    name: dnsLabel,
    labels: z
      .record(labelKey, labelValue)
      .refine((l) => Object.keys(l).length <= MAX_LABELS, `must hold at most ${MAX_LABELS} labels`)
      .default({})
      .describe(`the namespace's labels (${NAMESPACE_NAME_LABEL} is implied)`),
  })
  .superRefine((d, ctx) => {
    const named = d.labels[NAMESPACE_NAME_LABEL];
    if (named !== undefined && named !== d.name)
      ctx.addIssue({
        code: 'custom',
        path: ['labels', NAMESPACE_NAME_LABEL],
        message: `must equal the namespace's name (${d.name}), as the Kubernetes API server sets it`,
      });
  });

export const listNamespacesQuery = pageQuery.extend({
  name: dnsLabel.optional(),
  clusterId: uuid.optional(),
});

interface Row {
  id: string;
  clusterId: string | null;
  clientUid: string;
  name: string;
  labels: unknown;
  createdAt: Date;
  updatedAt: Date;
}

/** Gateways that routes of the namespace name as parents: the ones whose attachments its labels decide. */
async function gatewaysWithRoutesIn(tx: Tx, accountId: string, namespace: string): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ gatewayId: string }>>`
    SELECT DISTINCT rp."gatewayId" FROM "Route" r JOIN "RouteParent" rp ON rp."routeId" = r.id
    WHERE r."accountId" = ${accountId}::uuid AND r.namespace = ${namespace}`;
  return rows.map((r) => r.gatewayId);
}

/**
 * The labels the translator sees for each namespace name: same-named namespaces of an account's clusters
 * are one namespace, and when clusters disagree only the labels they all carry with the same value count
 * (a selector never matches on a label one cluster does not give the namespace).
 */
export function agreedLabels(
  rows: readonly { name: string; labels: unknown }[],
): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const row of rows) {
    const labels = (row.labels ?? {}) as Record<string, string>;
    const prior = out.get(row.name);
    if (prior === undefined) {
      out.set(row.name, { ...labels });
      continue;
    }
    for (const [k, v] of Object.entries(prior)) if (labels[k] !== v) delete prior[k];
  }
  return out;
}

export function namespacesService({ db }: ServiceDeps) {
  const view = (r: Row) => ({ ...r, labels: (r.labels ?? {}) as Record<string, string> });
  return {
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertNamespaceInput, input);
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = d.clientUid ?? `api:${d.clusterId ?? 'none'}:Namespace:${d.name}`;
      const { [NAMESPACE_NAME_LABEL]: _implied, ...labels } = d.labels;
      return db.$transaction(async (tx) => {
        if (d.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: d.clusterId } }))) {
          throw AppError.field('clusterId', `cluster ${d.clusterId} not found`);
        }
        const prior = await tx.namespace.findFirst({ where: { ...tenant(p), clientUid: uid } });
        requireSameCluster(prior, d.clusterId, 'namespace', uid);
        if (prior && prior.name !== d.name)
          throw AppError.field(
            'name',
            `client uid ${uid} is namespace ${prior.name}; a namespace cannot be renamed`,
          );
        const row = await tx.namespace.upsert({
          where: { accountId_clientUid: { accountId: p.accountId, clientUid: uid } },
          create: {
            ...tenant(p),
            clientUid: uid,
            clusterId: d.clusterId ?? null,
            name: d.name,
            labels: json(labels),
          },
          update: { labels: json(labels) },
        });
        await enqueueReconcile(tx, await gatewaysWithRoutesIn(tx, p.accountId, d.name));
        await audit(tx, meta, `namespace.${prior ? 'update' : 'create'}`, 'Namespace', row.id, {
          name: d.name,
          labels,
        });
        return { item: view(row), created: !prior };
      });
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listNamespacesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.name) where.name = q.name;
      if (q.clusterId) where.clusterId = q.clusterId;
      const rows = await db.namespace.findMany({ where, orderBy: page.orderBy, take: page.take });
      const paged = pageOf(rows, q.limit);
      return { ...paged, items: paged.items.map(view) };
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.namespace.findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound('namespace', id);
      return view(row);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await tx.namespace.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound('namespace', id);
        await tx.namespace.delete({ where: { id } });
        await enqueueReconcile(tx, await gatewaysWithRoutesIn(tx, meta.principal.accountId, row.name));
        await audit(tx, meta, 'namespace.delete', 'Namespace', id, { name: row.name });
      });
    },
  };
}
