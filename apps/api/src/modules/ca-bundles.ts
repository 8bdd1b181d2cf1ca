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
  dnsSubdomain,
  enqueueReconcile,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
  requireSameCluster,
} from './common.js';

/**
 * CA bundles: the `ca.crt` key of a ConfigMap or Secret in a workload cluster (or set through the API), upserted
 * by client uid like Services. Gateway `spec.tls.frontend` validation names them in `caCertificateRefs`; a
 * change re-renders the gateways whose spec.tls names the bundle (docs/adr/0456-frontend-tls-validation.md).
 * CA certificates are public: they are stored and shown as given.
 */

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;
const MAX_PEM = 256 * 1024;

const caCertificate = z
  .string()
  .max(MAX_PEM)
  .refine(
    (s) => (s.match(PEM_BLOCK) ?? []).length > 0 && s.replace(PEM_BLOCK, '').trim() === '',
    'must be one or more PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----) and nothing else',
  );

export const upsertCaBundleInput = z.strictObject({
  clusterId: uuid.optional(),
  clientUid: clientUid.optional().describe('uid of the object in its cluster; a re-sent object updates'),
  kind: z.enum(['ConfigMap', 'Secret']).describe('the kind of object that holds the bundle'),
  namespace: dnsLabel,
  name: dnsSubdomain,
  caCertificate: caCertificate
    .nullish()
    .describe("the PEM certificates of the object's ca.crt key; null or absent when it has none"),
});

export const listCaBundlesQuery = pageQuery.extend({
  namespace: dnsLabel.optional(),
  name: dnsSubdomain.optional(),
  clusterId: uuid.optional(),
});

interface Row {
  id: string;
  clusterId: string | null;
  clientUid: string;
  kind: string;
  namespace: string;
  name: string;
  caCertificate: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Gateways whose spec.tls names a CA bundle of this name (any namespace: re-rendering more is harmless), and all
 * the account's gateways when a BackendTLSPolicy names it (docs/adr/0460-backend-tls-policy.md).
 */
async function gatewaysNaming(tx: Tx, accountId: string, name: string): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM "Gateway" WHERE "accountId" = ${accountId}::uuid AND ((tls IS NOT NULL
      AND jsonb_path_exists(tls, '$.frontend.**.caCertificateRefs[*] ? (@.name == $n)', jsonb_build_object('n', ${name}::text)))
      OR EXISTS (SELECT 1 FROM "BackendTlsPolicy" p WHERE p."accountId" = ${accountId}::uuid
        AND p.spec->'validation'->'caCertificateRefs' @> jsonb_build_array(jsonb_build_object('name', ${name}::text))))`;
  return rows.map((r) => r.id);
}

export function caBundlesService({ db }: ServiceDeps) {
  return {
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertCaBundleInput, input);
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = d.clientUid ?? `api:${d.clusterId ?? 'none'}:${d.kind}:${d.namespace}/${d.name}`;
      return db.$transaction(async (tx) => {
        if (d.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: d.clusterId } }))) {
          throw AppError.field('clusterId', `cluster ${d.clusterId} not found`);
        }
        const prior = await tx.caBundle.findFirst({ where: { ...tenant(p), clientUid: uid } });
        requireSameCluster(prior, d.clusterId, 'CA bundle', uid);
        if (prior && (prior.namespace !== d.namespace || prior.name !== d.name || prior.kind !== d.kind))
          throw AppError.field(
            'name',
            `client uid ${uid} is ${prior.kind} ${prior.namespace}/${prior.name}; an object cannot be renamed`,
          );
        const row = await tx.caBundle.upsert({
          where: { accountId_clientUid: { accountId: p.accountId, clientUid: uid } },
          create: {
            ...tenant(p),
            clientUid: uid,
            clusterId: d.clusterId ?? null,
            kind: d.kind,
            namespace: d.namespace,
            name: d.name,
            caCertificate: d.caCertificate ?? null,
          },
          update: { caCertificate: d.caCertificate ?? null },
        });
        await enqueueReconcile(tx, await gatewaysNaming(tx, p.accountId, d.name));
        await audit(tx, meta, `caBundle.${prior ? 'update' : 'create'}`, 'CaBundle', row.id, {
          kind: d.kind,
          namespace: d.namespace,
          name: d.name,
        });
        return { item: row as Row, created: !prior };
      });
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listCaBundlesQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.namespace) where.namespace = q.namespace;
      if (q.name) where.name = q.name;
      if (q.clusterId) where.clusterId = q.clusterId;
      const rows = await db.caBundle.findMany({ where, orderBy: page.orderBy, take: page.take });
      return pageOf(rows as Row[], q.limit);
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.caBundle.findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound('CA bundle', id);
      return row as Row;
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await tx.caBundle.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound('CA bundle', id);
        await tx.caBundle.delete({ where: { id } });
        await enqueueReconcile(tx, await gatewaysNaming(tx, meta.principal.accountId, row.name));
        await audit(tx, meta, 'caBundle.delete', 'CaBundle', id, {
          kind: row.kind,
          namespace: row.namespace,
          name: row.name,
        });
      });
    },
  };
}
