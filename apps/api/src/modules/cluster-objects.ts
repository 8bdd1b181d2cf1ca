import { z } from 'zod';
import { ReferenceGrantSpec } from '@epic/gateway-api';
import { requireRole, tenant } from '../auth/principal.js';
import type { Db, Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
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
 * Kubernetes objects that gateways depend on but do not own — Services (port → targetPort) and
 * ReferenceGrants — mirrored from workload clusters (or set through the API), upserted by client uid.
 * Any change re-renders every gateway of the account that routes to the object's namespace (for a ReferenceGrant,
 * also every gateway that refers to an object there: gatewaysRoutingInto).
 */
export const servicePortSchema = z.strictObject({
  name: z.string().max(63).optional(),
  port: z.number().int().min(1).max(65535),
  targetPort: z.number().int().min(1).max(65535).optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
  appProtocol: z.string().max(253).optional(),
});

const objectFields = {
  clusterId: uuid.optional(),
  clientUid: clientUid.optional().describe('uid of the object in its cluster; a re-sent object updates'),
  namespace: dnsLabel.default('default'),
  name: dnsSubdomain,
};
export const upsertServiceInput = z.strictObject({
  ...objectFields,
  ports: z.array(servicePortSchema).min(1).max(100),
});
export const upsertReferenceGrantInput = z.strictObject({
  ...objectFields,
  spec: z.record(z.string(), z.unknown()),
});
export const listClusterObjectsQuery = pageQuery.extend({
  namespace: dnsLabel.optional(),
  clusterId: uuid.optional(),
});

type Kind = 'Service' | 'ReferenceGrant';
interface Row {
  id: string;
  clusterId: string | null;
  clientUid: string;
  namespace: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Gateways of the account with routes in (or pointing into) the namespace; for a ReferenceGrant also those whose
 * listeners, ListenerSets' listeners or TLS settings name an object there (a listener certificate, a CA bundle,
 * a client certificate: a grant in that namespace is what allows it).
 */
async function gatewaysRoutingInto(
  tx: Tx,
  accountId: string,
  namespace: string,
  kind: Kind = 'Service',
): Promise<string[]> {
  const ns = Prisma.sql`jsonb_build_object('ns', ${namespace}::text)`;
  const referring =
    kind === 'ReferenceGrant'
      ? Prisma.sql`
    UNION SELECT g.id FROM "Gateway" g
    WHERE g."accountId" = ${accountId}::uuid
      AND (jsonb_path_exists(g.listeners, 'lax $.**.namespace ? (@ == $ns)', ${ns})
        OR jsonb_path_exists(COALESCE(g.tls, '{}'::jsonb), 'lax $.**.namespace ? (@ == $ns)', ${ns}))
    UNION SELECT g.id FROM "ListenerSet" s JOIN "Gateway" g ON g.id::text = s.status->>'gatewayId'
    WHERE s."accountId" = ${accountId}::uuid
      AND jsonb_path_exists(COALESCE(s.spec->'listeners', '[]'::jsonb), 'lax $.**.namespace ? (@ == $ns)', ${ns})`
      : Prisma.empty;
  const rows = await tx.$queryRaw<Array<{ gatewayId: string }>>`
    SELECT rp."gatewayId" FROM "Route" r JOIN "RouteParent" rp ON rp."routeId" = r.id
    WHERE r."accountId" = ${accountId}::uuid
      AND (r.namespace = ${namespace} OR jsonb_path_exists(r.spec, '$.rules[*].backendRefs[*] ? (@.namespace == $ns)', ${ns}))
    ${referring}`;
  return [...new Set(rows.map((r) => r.gatewayId))];
}

function clusterObjects<T extends Row>(
  db: Db,
  kind: Kind,
  delegate: (tx: Tx | Db) => {
    findFirst(args: unknown): Promise<T | null>;
    findMany(args: unknown): Promise<T[]>;
    upsert(args: unknown): Promise<T>;
    delete(args: unknown): Promise<T>;
  },
) {
  const what = kind === 'Service' ? 'service' : 'reference grant';
  return {
    async upsert(
      meta: CallMeta,
      data: {
        clusterId?: string | undefined;
        clientUid?: string | undefined;
        namespace: string;
        name: string;
      },
      fields: Record<string, unknown>,
    ) {
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const uid = data.clientUid ?? `api:${data.clusterId ?? 'none'}:${kind}:${data.namespace}/${data.name}`;
      return db.$transaction(async (tx) => {
        if (
          data.clusterId &&
          !(await tx.cluster.findFirst({ where: { ...tenant(p), id: data.clusterId } }))
        ) {
          throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
        }
        const prior = await delegate(tx).findFirst({ where: { ...tenant(p), clientUid: uid } });
        requireSameCluster(prior, data.clusterId, what, uid);
        const row = await delegate(tx).upsert({
          where: { accountId_clientUid: { accountId: p.accountId, clientUid: uid } },
          create: {
            ...tenant(p),
            clientUid: uid,
            clusterId: data.clusterId ?? null,
            namespace: data.namespace,
            name: data.name,
            ...fields,
          },
          update: fields,
        });
        // An update keeps the object's namespace and name (a uid names one object): re-render and audit
        // what is stored, not what a re-send claims.
        await enqueueReconcile(tx, await gatewaysRoutingInto(tx, p.accountId, row.namespace, kind));
        await audit(tx, meta, `${kind.toLowerCase()}.${prior ? 'update' : 'create'}`, kind, row.id, {
          namespace: row.namespace,
          name: row.name,
        });
        return { item: row, created: !prior };
      });
    },
    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listClusterObjectsQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.namespace) where.namespace = q.namespace;
      if (q.clusterId) where.clusterId = q.clusterId;
      return pageOf(await delegate(db).findMany({ where, orderBy: page.orderBy, take: page.take }), q.limit);
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await delegate(db).findFirst({ where: { ...tenant(meta.principal), id } });
      if (!row) throw AppError.notFound(what, id);
      return row;
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await delegate(tx).findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound(what, id);
        await delegate(tx).delete({ where: { id } });
        await enqueueReconcile(
          tx,
          await gatewaysRoutingInto(tx, meta.principal.accountId, row.namespace, kind),
        );
        await audit(tx, meta, `${kind.toLowerCase()}.delete`, kind, id, {
          namespace: row.namespace,
          name: row.name,
        });
      });
    },
  };
}

export function servicesService({ db }: ServiceDeps) {
  const base = clusterObjects(db, 'Service', (tx) => tx.service as never);
  return {
    ...base,
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertServiceInput, input);
      return base.upsert(meta, d, { ports: json(d.ports) });
    },
  };
}

export function referenceGrantsService({ db }: ServiceDeps) {
  const base = clusterObjects(db, 'ReferenceGrant', (tx) => tx.referenceGrant as never);
  return {
    ...base,
    async upsert(meta: CallMeta, input: unknown) {
      const d = parseInput(upsertReferenceGrantInput, input);
      const spec = parseInput(ReferenceGrantSpec, d.spec, 'spec');
      return base.upsert(meta, d, { spec: json(spec) });
    },
  };
}
