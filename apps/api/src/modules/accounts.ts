import { z } from 'zod';
import { API_KEY_REVOKED_CHANNEL, generateApiKey } from '../auth/api-keys.js';
import { requireRole, requireSystem, roleAtLeast, tenant, type Role } from '../auth/principal.js';
import type { Tx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { audit, conflictOnUnique, dnsLabel, uuid, type CallMeta, type ServiceDeps } from './common.js';

export const roleSchema = z.enum(['owner', 'admin', 'viewer']);

export const createAccountInput = z.strictObject({
  name: dnsLabel.describe('account name; also names its namespace epic-<name>'),
  displayName: z.string().min(1).max(200).optional(),
  gatewayQuota: z.number().int().min(0).max(100000).default(100),
});
export const updateAccountInput = z.strictObject({
  displayName: z.string().min(1).max(200).optional(),
  gatewayQuota: z.number().int().min(0).max(100000).optional(),
});
export const addMembershipInput = z.strictObject({
  login: z
    .string()
    .min(1)
    .max(39)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'must be a GitHub login'),
  role: roleSchema,
});
export const createApiKeyInput = z.strictObject({
  name: z.string().min(1).max(100),
  role: roleSchema.default('admin'),
});
export const createClusterInput = z.strictObject({
  name: dnsLabel,
  description: z.string().max(1000).optional(),
});

const accountView = {
  id: true,
  name: true,
  displayName: true,
  system: true,
  gatewayQuota: true,
  createdAt: true,
  updatedAt: true,
} as const;
const apiKeyView = {
  id: true,
  name: true,
  role: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** Copies the starter templates (accountId null) into a new account, as the original Service Manager did. */
export async function copyStarterTemplates(tx: Tx, accountId: string): Promise<void> {
  const starters = await tx.template.findMany({ where: { accountId: null } });
  for (const t of starters) {
    await tx.template.create({
      data: {
        accountId,
        name: t.name,
        description: t.description,
        poolName: t.poolName,
        envoyImage: t.envoyImage,
        replicas: t.replicas,
        allowSharing: t.allowSharing,
        dnsNameTemplate: t.dnsNameTemplate,
        envoyFragments: t.envoyFragments ?? {},
      },
    });
  }
}

export function accountsService({ db }: ServiceDeps) {
  function visible(meta: CallMeta, accountId: string) {
    if (!meta.principal.system && accountId !== meta.principal.accountId)
      throw AppError.notFound('account', accountId);
  }
  return {
    async create(meta: CallMeta, input: unknown) {
      requireSystem(meta.principal);
      const data = parseInput(createAccountInput, input);
      const key = generateApiKey();
      return db
        .$transaction(async (tx) => {
          const account = await tx.account.create({
            data: {
              name: data.name,
              displayName: data.displayName ?? data.name,
              gatewayQuota: data.gatewayQuota,
            },
            select: accountView,
          });
          await copyStarterTemplates(tx, account.id);
          const apiKey = await tx.apiKey.create({
            data: {
              accountId: account.id,
              name: 'initial owner key',
              role: 'owner',
              prefix: key.prefix,
              hash: key.hash,
            },
            select: apiKeyView,
          });
          await audit(tx, meta, 'account.create', 'Account', account.id, { name: account.name });
          return { account, apiKey: { ...apiKey, secret: key.secret } };
        })
        .catch(conflictOnUnique('account', JSON.stringify(data.name)));
    },
    async list(meta: CallMeta) {
      return db.account.findMany({
        where: meta.principal.system ? {} : { id: meta.principal.accountId },
        select: accountView,
        orderBy: { name: 'asc' },
      });
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      visible(meta, id);
      const a = await db.account.findUnique({ where: { id }, select: accountView });
      if (!a) throw AppError.notFound('account', id);
      return a;
    },
    async update(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      visible(meta, id);
      const data = parseInput(updateAccountInput, input);
      if (data.gatewayQuota !== undefined) requireSystem(meta.principal);
      requireRole(meta.principal, 'owner');
      return db.$transaction(async (tx) => {
        const found = await tx.account.findUnique({ where: { id } });
        if (!found) throw AppError.notFound('account', id);
        const a = await tx.account.update({ where: { id }, data, select: accountView });
        await audit(tx, meta, 'account.update', 'Account', id, data, id);
        return a;
      });
    },
    async listMemberships(meta: CallMeta, accountId: string) {
      parseInput(uuid, accountId, 'accountId');
      visible(meta, accountId);
      return db.membership.findMany({
        where: { accountId },
        select: {
          id: true,
          role: true,
          createdAt: true,
          user: { select: { id: true, login: true, displayName: true } },
        },
        orderBy: { createdAt: 'asc' },
      });
    },
    async addMembership(meta: CallMeta, accountId: string, input: unknown) {
      parseInput(uuid, accountId, 'accountId');
      visible(meta, accountId);
      requireRole(meta.principal, 'owner');
      const data = parseInput(addMembershipInput, input);
      return db.$transaction(async (tx) => {
        if (!(await tx.account.findUnique({ where: { id: accountId } })))
          throw AppError.notFound('account', accountId);
        const user = await tx.user.upsert({
          where: { login: data.login },
          create: { login: data.login },
          update: {},
        });
        const m = await tx.membership.upsert({
          where: { accountId_userId: { accountId, userId: user.id } },
          create: { accountId, userId: user.id, role: data.role },
          update: { role: data.role },
          select: {
            id: true,
            role: true,
            createdAt: true,
            user: { select: { id: true, login: true, displayName: true } },
          },
        });
        await audit(tx, meta, 'membership.upsert', 'Membership', m.id, data, accountId);
        return m;
      });
    },
    async removeMembership(meta: CallMeta, accountId: string, membershipId: string) {
      parseInput(uuid, accountId, 'accountId');
      parseInput(uuid, membershipId, 'membershipId');
      visible(meta, accountId);
      requireRole(meta.principal, 'owner');
      await db.$transaction(async (tx) => {
        const r = await tx.membership.deleteMany({ where: { id: membershipId, accountId } });
        if (r.count === 0) throw AppError.notFound('membership', membershipId);
        await audit(tx, meta, 'membership.delete', 'Membership', membershipId, {}, accountId);
      });
    },
  };
}

export function apiKeysService({ db }: ServiceDeps) {
  return {
    async create(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const data = parseInput(createApiKeyInput, input);
      if (!roleAtLeast(meta.principal.role, data.role as Role)) {
        throw AppError.field(
          'role',
          `cannot create a key with role ${data.role} above the caller's role ${meta.principal.role}`,
        );
      }
      const key = generateApiKey();
      return db.$transaction(async (tx) => {
        const row = await tx.apiKey.create({
          data: {
            ...tenant(meta.principal),
            name: data.name,
            role: data.role,
            prefix: key.prefix,
            hash: key.hash,
          },
          select: apiKeyView,
        });
        await audit(tx, meta, 'apikey.create', 'ApiKey', row.id, { name: data.name, role: data.role });
        return { ...row, secret: key.secret };
      });
    },
    async list(meta: CallMeta) {
      return db.apiKey.findMany({
        where: tenant(meta.principal),
        select: apiKeyView,
        orderBy: { createdAt: 'asc' },
      });
    },
    async revoke(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      return db.$transaction(async (tx) => {
        const found = await tx.apiKey.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!found) throw AppError.notFound('API key', id);
        if (!roleAtLeast(meta.principal.role, found.role as Role)) {
          throw new AppError('Forbidden', `a ${meta.principal.role} key cannot revoke a ${found.role} key`);
        }
        const row = await tx.apiKey.update({
          where: { id },
          data: { revokedAt: found.revokedAt ?? new Date() },
          select: apiKeyView,
        });
        await audit(tx, meta, 'apikey.revoke', 'ApiKey', id);
        // Delivered at commit to every replica, which closes the key's open GraphQL subscriptions.
        await tx.$executeRaw`SELECT pg_notify(${API_KEY_REVOKED_CHANNEL}, ${id})`;
        return row;
      });
    },
  };
}

export function clustersService({ db }: ServiceDeps) {
  const view = { id: true, name: true, description: true, createdAt: true } as const;
  return {
    async create(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const data = parseInput(createClusterInput, input);
      return db
        .$transaction(async (tx) => {
          const c = await tx.cluster.create({
            data: { ...tenant(meta.principal), name: data.name, description: data.description ?? null },
            select: view,
          });
          await audit(tx, meta, 'cluster.create', 'Cluster', c.id, { name: c.name });
          return c;
        })
        .catch(conflictOnUnique('cluster', JSON.stringify(data.name)));
    },
    async list(meta: CallMeta) {
      return db.cluster.findMany({ where: tenant(meta.principal), select: view, orderBy: { name: 'asc' } });
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const c = await db.cluster.findFirst({ where: { ...tenant(meta.principal), id }, select: view });
      if (!c) throw AppError.notFound('cluster', id);
      return c;
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const found = await tx.cluster.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!found) throw AppError.notFound('cluster', id);
        const where = { ...tenant(meta.principal), clusterId: id };
        const [gateways, routes, slices, services, grants, namespaces, classes] = await Promise.all([
          tx.gatewayClient.count({ where }),
          tx.route.count({ where }),
          tx.endpointSlice.count({ where }),
          tx.service.count({ where }),
          tx.referenceGrant.count({ where }),
          tx.namespace.count({ where }),
          tx.gatewayClass.count({ where }),
        ]);
        const users = Object.entries({
          gateways,
          routes,
          'endpoint slices': slices,
          services,
          'reference grants': grants,
          namespaces,
          'gateway classes': classes,
        }).filter(([, n]) => n > 0);
        if (users.length > 0) {
          throw new AppError(
            'Conflict',
            `cluster ${JSON.stringify(found.name)} is still used by ${users.map(([k, n]) => `${n} ${k}`).join(', ')}`,
          );
        }
        await tx.cluster.delete({ where: { id } });
        await audit(tx, meta, 'cluster.delete', 'Cluster', id);
      });
    },
  };
}
