import { z } from 'zod';
import { requireRole, tenant, type Principal } from '../auth/principal.js';
import type { Tx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { formatAddress, parsePoolSpec } from '../lib/ip.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  clientUid,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  json,
  lockKey,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';
import { listenersSchema } from './listeners.js';
import { renderDnsName } from './templates.js';
import { attachRoutesToGateway } from './routes.js';

export const createGatewayInput = z.strictObject({
  name: dnsSubdomain,
  namespace: dnsLabel.default('default'),
  template: dnsLabel.describe('name of one of the account\'s templates'),
  clusterId: uuid.optional().describe('workload cluster the Gateway object lives in'),
  clientUid: clientUid.optional().describe('uid of the Gateway object in its cluster; a re-sent create updates'),
  sharingKey: z.string().min(1).max(128).optional().describe('join the gateway created with the same key (e.g. the first Gateway\'s uid)'),
  listeners: listenersSchema,
});
export const updateListenersInput = z.strictObject({ listeners: listenersSchema });

export const listGatewaysQuery = pageQuery.extend({
  name: z.string().max(253).optional(),
  namespace: dnsLabel.optional(),
  template: dnsLabel.optional(),
  clusterId: uuid.optional(),
  condition: z
    .string()
    .regex(/^[A-Za-z]+=(True|False|Unknown)$/, 'must look like Accepted=True')
    .optional()
    .describe('only gateways with this condition, e.g. Accepted=True'),
});

const view = {
  id: true,
  accountId: true,
  name: true,
  namespace: true,
  sharingKey: true,
  listeners: true,
  address: true,
  dnsName: true,
  conditions: true,
  generation: true,
  observedGeneration: true,
  createdAt: true,
  updatedAt: true,
  template: { select: { id: true, name: true } },
  clients: { select: { clusterId: true, namespace: true, name: true, clientUid: true }, orderBy: { createdAt: 'asc' as const } },
  allocation: { select: { poolId: true } },
} as const;

/** Releases nothing itself: the allocation row cascades with the gateway. */
async function allocateAddress(tx: Tx, principal: Principal, poolName: string, templateName: string) {
  // The account's own pool of that name wins over a global one.
  const pools = await tx.addressPool.findMany({
    where: { name: poolName, OR: [{ accountId: principal.accountId }, { accountId: null }] },
  });
  const pool = pools.find((p) => p.accountId !== null) ?? pools[0];
  if (!pool) {
    throw new AppError('Conflict', `template ${JSON.stringify(templateName)} names address pool ${JSON.stringify(poolName)}, which does not exist`);
  }
  await lockKey(tx, `pool:${pool.id}`);
  // Lowest free offset: 0, or one past an allocated offset, that is itself free.
  const rows = await tx.$queryRaw<Array<{ o: string }>>`
    SELECT s.o::text AS o FROM (
      SELECT 0::numeric AS o
      UNION ALL
      SELECT a.ordinal + 1 FROM "AddressAllocation" a WHERE a."poolId" = ${pool.id}::uuid
    ) s
    WHERE s.o < ${pool.size.toString()}::numeric
      AND NOT EXISTS (SELECT 1 FROM "AddressAllocation" b WHERE b."poolId" = ${pool.id}::uuid AND b.ordinal = s.o)
    ORDER BY s.o LIMIT 1`;
  const free = rows[0];
  if (!free) {
    throw new AppError('Conflict', `address pool ${JSON.stringify(pool.name)} is exhausted (${pool.size.toString()} addresses allocated)`);
  }
  const range = parsePoolSpec(pool.spec);
  if (typeof range === 'string') throw new Error(`stored pool ${pool.id} has an invalid spec`);
  const address = formatAddress(range.family, range.first + BigInt(free.o));
  return { pool, ordinal: free.o, address };
}

export function gatewaysService({ db }: ServiceDeps) {
  async function get(principal: Principal, id: string) {
    parseInput(uuid, id, 'id');
    const g = await db.gateway.findFirst({ where: { ...tenant(principal), id }, select: view });
    if (!g) throw AppError.notFound('gateway', id);
    return g;
  }

  return {
    get: (meta: CallMeta, id: string) => get(meta.principal, id),

    /**
     * Creates a gateway from a template, or returns the existing one when the same client object is sent
     * again, or joins the gateway named by the sharing key. Address, quota and rows: one transaction.
     */
    async create(meta: CallMeta, input: unknown): Promise<{ gateway: Awaited<ReturnType<typeof get>>; created: boolean }> {
      requireRole(meta.principal, 'admin');
      const data = parseInput(createGatewayInput, input);
      const p = meta.principal;
      const id = await db.$transaction(
        async (tx) => {
          await lockKey(tx, `account-gateways:${p.accountId}`);
          if (data.clusterId && !(await tx.cluster.findFirst({ where: { ...tenant(p), id: data.clusterId } }))) {
            throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
          }
          if (data.clientUid) {
            const existing = await tx.gatewayClient.findUnique({
              where: { accountId_clientUid: { accountId: p.accountId, clientUid: data.clientUid } },
            });
            if (existing) {
              const gw = await tx.gateway.findUniqueOrThrow({ where: { id: existing.gatewayId } });
              if (JSON.stringify(gw.listeners) !== JSON.stringify(data.listeners)) {
                await tx.gateway.update({ where: { id: gw.id }, data: { listeners: json(data.listeners), generation: { increment: 1 } } });
                await enqueueReconcile(tx, [gw.id]);
                await audit(tx, meta, 'gateway.update', 'Gateway', gw.id, { listeners: data.listeners });
              }
              return { id: gw.id, created: false };
            }
          }
          if (data.sharingKey) {
            const shared = await tx.gateway.findFirst({
              where: {
                ...tenant(p),
                OR: [{ sharingKey: data.sharingKey }, { clients: { some: { clientUid: data.sharingKey } } }],
              },
              include: { template: true },
            });
            if (shared) {
              if (!shared.template.allowSharing) {
                throw new AppError('Conflict', `sharingKey: gateway ${shared.id} was built from template ${JSON.stringify(shared.template.name)}, which does not allow sharing`);
              }
              await tx.gatewayClient.create({
                data: {
                  ...tenant(p),
                  gatewayId: shared.id,
                  clusterId: data.clusterId ?? null,
                  namespace: data.namespace,
                  name: data.name,
                  clientUid: data.clientUid ?? `api:${data.clusterId ?? 'none'}:${data.namespace}/${data.name}:${shared.id}`,
                },
              });
              await attachRoutesToGateway(tx, p.accountId, shared.id, data.namespace, data.name, data.clusterId ?? null);
              await enqueueReconcile(tx, [shared.id]);
              await audit(tx, meta, 'gateway.join', 'Gateway', shared.id, { clientUid: data.clientUid, clusterId: data.clusterId });
              return { id: shared.id, created: false };
            }
          }
          const template = await tx.template.findFirst({ where: { ...tenant(p), name: data.template } });
          if (!template) throw AppError.field('template', `template ${JSON.stringify(data.template)} not found`);
          const account = await tx.account.findUniqueOrThrow({ where: { id: p.accountId } });
          const count = await tx.gateway.count({ where: tenant(p) });
          if (count >= account.gatewayQuota) {
            throw new AppError('Forbidden', `gateway quota exceeded: account ${account.name} may have ${account.gatewayQuota} gateways`);
          }
          const alloc = await allocateAddress(tx, p, template.poolName, template.name);
          const dnsName = renderDnsName(template.dnsNameTemplate, {
            gateway: data.name.replaceAll('.', '-'),
            namespace: data.namespace,
            account: account.name,
            address: alloc.address.replaceAll(/[.:]/g, '-'),
          });
          const gw = await tx.gateway.create({
            data: {
              ...tenant(p),
              templateId: template.id,
              name: data.name,
              namespace: data.namespace,
              sharingKey: data.sharingKey ?? null,
              listeners: json(data.listeners),
              address: alloc.address,
              dnsName,
              conditions: json([]),
            },
          });
          await tx.addressAllocation.create({
            data: { poolId: alloc.pool.id, accountId: p.accountId, ordinal: alloc.ordinal, address: alloc.address, gatewayId: gw.id },
          });
          await tx.gatewayClient.create({
            data: {
              ...tenant(p),
              gatewayId: gw.id,
              clusterId: data.clusterId ?? null,
              namespace: data.namespace,
              name: data.name,
              clientUid: data.clientUid ?? `api:${gw.id}`,
            },
          });
          await attachRoutesToGateway(tx, p.accountId, gw.id, data.namespace, data.name, data.clusterId ?? null);
          await enqueueReconcile(tx, [gw.id]);
          await audit(tx, meta, 'gateway.create', 'Gateway', gw.id, { name: data.name, address: alloc.address, pool: alloc.pool.name });
          return { id: gw.id, created: true };
        },
        { timeout: 30_000, maxWait: 30_000 },
      );
      return { gateway: await get(p, id.id), created: id.created };
    },

    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listGatewaysQuery, query);
      const page = pageArgs(q.cursor, q.limit);
      const where: Record<string, unknown> = { ...tenant(meta.principal), ...page.where };
      if (q.name) where.name = q.name;
      if (q.namespace) where.namespace = q.namespace;
      if (q.template) where.template = { name: q.template };
      if (q.clusterId) where.clients = { some: { clusterId: q.clusterId } };
      if (q.condition) {
        const [type, status] = q.condition.split('=');
        where.conditions = { array_contains: [{ type, status }] };
      }
      const rows = await db.gateway.findMany({ where, select: view, orderBy: page.orderBy, take: page.take });
      return pageOf(rows, q.limit);
    },

    async updateListeners(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateListenersInput, input);
      await db.$transaction(async (tx) => {
        const found = await tx.gateway.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!found) throw AppError.notFound('gateway', id);
        await tx.gateway.update({ where: { id }, data: { listeners: json(data.listeners), generation: { increment: 1 } } });
        await enqueueReconcile(tx, [id]);
        await audit(tx, meta, 'gateway.update', 'Gateway', id, { listeners: data.listeners });
      });
      return get(meta.principal, id);
    },

    /** Deletes the gateway; its address allocation, client refs and route attachments go with it. */
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const found = await tx.gateway.findFirst({ where: { ...tenant(meta.principal), id }, include: { routeParents: true } });
        if (!found) throw AppError.notFound('gateway', id);
        await tx.gateway.delete({ where: { id } });
        await tx.reconcileRequest.deleteMany({ where: { gatewayId: id } });
        await audit(tx, meta, 'gateway.delete', 'Gateway', id, { name: found.name, address: found.address });
      });
    },
  };
}
