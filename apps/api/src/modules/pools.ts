import { z } from 'zod';
import { requireRole, requireSystem, tenant } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import {
  allocatableOffsets,
  bits,
  formatAddress,
  overlaps,
  parsePoolSpec,
  reservedBlockOf,
  unified,
  type Family,
} from '../lib/ip.js';
import { parseInput } from '../lib/validate.js';
import { audit, dnsLabel, lockKey, uuid, type CallMeta, type ServiceDeps } from './common.js';

export const createPoolInput = z
  .strictObject({
    name: dnsLabel,
    spec: z
      .string()
      .min(3)
      .max(100)
      .describe('a CIDR ("192.0.2.0/24", "2001:db8::/120") or a range ("192.0.2.10-192.0.2.20")'),
    aggregation: z
      .number()
      .int()
      .min(0)
      .max(128)
      .optional()
      .describe('prefix length advertised per address; default /32 or /128'),
    global: z.boolean().default(false).describe('a pool every account can use (platform operators only)'),
    skipNetworkAndBroadcast: z
      .boolean()
      .default(true)
      .describe(
        "for an IPv4 CIDR of /30 or shorter: never hand out its network and broadcast addresses (like MetalLB's avoidBuggyIPs, which skips every .0 and .255); false allocates them too",
      ),
  })
  .superRefine((v, ctx) => {
    const r = parsePoolSpec(v.spec);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', path: ['spec'], message: r });
      return;
    }
    if (v.aggregation !== undefined && v.aggregation > bits(r.family)) {
      ctx.addIssue({
        code: 'custom',
        path: ['aggregation'],
        message: `must be at most ${bits(r.family)} for ${r.family}`,
      });
    }
  });

const view = {
  id: true,
  accountId: true,
  name: true,
  family: true,
  spec: true,
  firstAddress: true,
  lastAddress: true,
  size: true,
  aggregation: true,
  allocated: true,
  skipNetworkAndBroadcast: true,
  createdAt: true,
} as const;

export interface PoolView {
  id: string;
  accountId: string | null;
  name: string;
  family: 'ipv4' | 'ipv6';
  spec: string;
  firstAddress: string;
  lastAddress: string;
  size: string;
  aggregation: number;
  global: boolean;
  allocated: number;
  skipNetworkAndBroadcast: boolean;
  createdAt: Date;
}

/**
 * The largest pool an account may create for itself, as the shortest prefix (a range counts by its size):
 * pools of all accounts share one address space and may not overlap, so a tenant's `::/0` would block
 * everyone else. Larger pools are global pools, created by platform operators.
 */
export interface PoolLimits {
  tenantMaxPrefix: Record<Family, number>;
}
export const defaultPoolLimits: PoolLimits = { tenantMaxPrefix: { ipv4: 16, ipv6: 64 } };

export function poolsService({ db, limits = defaultPoolLimits }: ServiceDeps & { limits?: PoolLimits }) {
  function withUsage(
    rows: Array<
      { id: string; accountId: string | null; size: { toString(): string }; allocated: number } & Record<
        string,
        unknown
      >
    >,
  ) {
    return rows.map((r) => ({ ...r, size: r.size.toString(), global: r.accountId === null })) as PoolView[];
  }
  const scope = (meta: CallMeta) => ({ OR: [{ accountId: null }, tenant(meta.principal)] });

  return {
    async create(meta: CallMeta, input: unknown) {
      const data = parseInput(createPoolInput, input);
      if (data.global) requireSystem(meta.principal);
      else requireRole(meta.principal, 'admin');
      const range = parsePoolSpec(data.spec);
      if (typeof range === 'string') throw AppError.field('spec', range);
      const accountId = data.global ? null : meta.principal.accountId;
      if (!data.global) {
        const maxPrefix = limits.tenantMaxPrefix[range.family];
        const max = 1n << BigInt(bits(range.family) - maxPrefix);
        if (range.last - range.first + 1n > max)
          throw AppError.field(
            'spec',
            `${data.spec} is larger than an account's pool may be (at most ${max} addresses, a /${maxPrefix}); larger pools are global pools, created by platform operators`,
          );
        const reserved = reservedBlockOf(range);
        if (reserved)
          throw AppError.field(
            'spec',
            `${data.spec} is in ${reserved}; only platform operators may create pools there`,
          );
      }
      const { lo, hi } = allocatableOffsets(range, data.skipNetworkAndBroadcast);
      if (hi < lo) throw AppError.field('spec', `${data.spec} has no address to hand out`);
      const space = unified(range);
      const row = await db.$transaction(async (tx) => {
        // Public addresses are advertised with BGP: no two pools, of any account, may overlap, in one address
        // space for both families (an IPv4-mapped IPv6 pool is the IPv4 pool it spells).
        await lockKey(tx, 'address-pools');
        const all = await tx.addressPool.findMany({ select: { name: true, spec: true, accountId: true } });
        for (const p of all) {
          if (p.accountId === accountId && p.name === data.name) {
            throw new AppError('Conflict', `name: address pool ${JSON.stringify(data.name)} already exists`);
          }
        }
        for (const p of all) {
          const other = parsePoolSpec(p.spec);
          if (typeof other !== 'string' && overlaps(unified(other), space)) {
            // Another account's pool is not named: its name is that account's business.
            const owner = p.accountId === accountId ? ` ${JSON.stringify(p.name)}` : '';
            throw new AppError('Conflict', `spec: ${data.spec} overlaps an existing address pool${owner}`);
          }
        }
        const created = await tx.addressPool.create({
          data: {
            accountId,
            name: data.name,
            family: range.family,
            spec: data.spec,
            firstAddress: formatAddress(range.family, range.first),
            lastAddress: formatAddress(range.family, range.last),
            size: (range.last - range.first + 1n).toString(),
            aggregation: data.aggregation ?? bits(range.family),
            skipNetworkAndBroadcast: data.skipNetworkAndBroadcast,
          },
          select: view,
        });
        await audit(tx, meta, 'pool.create', 'AddressPool', created.id, {
          name: data.name,
          spec: data.spec,
          global: data.global,
          skipNetworkAndBroadcast: data.skipNetworkAndBroadcast,
        });
        return created;
      });
      return withUsage([row])[0]!;
    },
    async list(meta: CallMeta) {
      const rows = await db.addressPool.findMany({
        where: scope(meta),
        select: view,
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
      return withUsage(rows);
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.addressPool.findFirst({ where: { id, ...scope(meta) }, select: view });
      if (!row) throw AppError.notFound('address pool', id);
      return withUsage([row])[0]!;
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      await db.$transaction(async (tx) => {
        const row = await tx.addressPool.findFirst({ where: { id, ...scope(meta) } });
        if (!row) throw AppError.notFound('address pool', id);
        if (row.accountId === null) requireSystem(meta.principal);
        else requireRole(meta.principal, 'admin');
        await lockKey(tx, `pool:${id}`);
        const used = (await tx.addressPool.findUniqueOrThrow({ where: { id } })).allocated;
        if (used > 0)
          throw new AppError(
            'Conflict',
            `address pool ${JSON.stringify(row.name)} still has ${used} allocated addresses`,
          );
        await tx.addressPool.delete({ where: { id } });
        await audit(tx, meta, 'pool.delete', 'AddressPool', id, { name: row.name });
      });
    },
  };
}
