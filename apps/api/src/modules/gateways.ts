import type pg from 'pg';
import { z } from 'zod';
import { requireRole, type Principal } from '../auth/principal.js';
import { canonicalize, type JsonValue } from '@epic/gateway-translator';
import { withPgTx } from '../db/client.js';
import { decodeCursor, encodeCursor, pageOf } from '../lib/cursor.js';
import { AppError } from '../lib/errors.js';
import { allocatableOffsets, formatAddress, parsePoolSpec } from '../lib/ip.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  clientUid,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  lockKey,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';
import { templateOf } from './gateway-classes.js';
import {
  assignAddresses,
  gatewayAddressesInput,
  gatewayInfrastructureInput,
  gatewayTlsInput,
  gatewayAllowedListenersInput,
  reassignAddresses,
  updateAllowedListenersInput,
  updateTlsInput,
  updateAddressesInput,
  updateInfrastructureInput,
} from './gateway-addresses.js';
import { GatewayPageCache } from './gateway-page-cache.js';
import {
  selectGatewayListVersion,
  selectGatewayPageJson,
  selectGateways,
  type GatewayFilter,
  type GatewayView,
} from './gateway-repo.js';
import { listenersSchema } from './listeners.js';
import { attachRoutesToGateway } from './routes.js';

export const createGatewayInput = z.strictObject({
  name: dnsSubdomain,
  namespace: dnsLabel.default('default'),
  template: dnsLabel.optional().describe("name of one of the account's templates (or give gatewayClassName)"),
  gatewayClassName: dnsSubdomain
    .optional()
    .describe('a GatewayClass of this controller: the gateway is built from its template'),
  clusterId: uuid.optional().describe('workload cluster the Gateway object lives in'),
  clientUid: clientUid
    .optional()
    .describe('uid of the Gateway object in its cluster; a re-sent create updates'),
  sharingKey: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe("join the gateway created with the same key (e.g. the first Gateway's uid)"),
  listeners: listenersSchema,
  addresses: gatewayAddressesInput
    .optional()
    .describe("the Gateway's spec.addresses: IPs from the template's pool, its DNS name, or a named pool"),
  infrastructure: gatewayInfrastructureInput
    .optional()
    .describe("the Gateway's spec.infrastructure (labels, annotations, parametersRef), stored as given"),
  tls: gatewayTlsInput
    .optional()
    .describe("the Gateway's spec.tls: client-certificate validation of HTTPS listeners (CA bundles)"),
  allowedListeners: gatewayAllowedListenersInput
    .optional()
    .describe(
      "the Gateway's spec.allowedListeners: which namespaces' ListenerSets may attach (default: none)",
    ),
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

/**
 * The lowest free address of the template's pool; the account's pool of that name wins over a global one.
 * Only offsets in [lo, hi] are handed out: an IPv4 CIDR's network and broadcast addresses are outside it
 * unless the pool allows them (allocatableOffsets).
 */
async function allocateAddress(c: pg.ClientBase, accountId: string, poolName: string, templateName: string) {
  const pools = await c.query<{ id: string; name: string; spec: string; size: string; skip: boolean }>(
    `SELECT id, name, spec, size::text AS size, "skipNetworkAndBroadcast" AS skip FROM "AddressPool"
     WHERE name = $1 AND ("accountId" = $2::uuid OR "accountId" IS NULL)
     ORDER BY ("accountId" IS NULL) LIMIT 1`,
    [poolName, accountId],
  );
  const found = pools.rows[0];
  if (!found) {
    throw new AppError(
      'Conflict',
      `template ${JSON.stringify(templateName)} names address pool ${JSON.stringify(poolName)}, which does not exist`,
    );
  }
  const range = parsePoolSpec(found.spec);
  if (typeof range === 'string') throw new Error(`stored pool ${found.id} has an invalid spec`);
  const { lo, hi } = allocatableOffsets(range, found.skip);
  await lockKey(c, `pool:${found.id}`);
  // Under the pool's lock: when the allocated offsets are exactly lo..max (the count says so, not counting an
  // address below lo handed out before the pool skipped its network address), the lowest free one is max+1,
  // read from the index end. Otherwise (after releases) walk the index from lo to the first gap.
  const free = await c.query<{ o: string | null }>(
    `WITH p AS (SELECT allocated FROM "AddressPool" WHERE id = $1::uuid),
          m AS (SELECT ordinal FROM "AddressAllocation" WHERE "poolId" = $1::uuid ORDER BY ordinal DESC LIMIT 1)
     SELECT CASE
       WHEN NOT EXISTS (SELECT 1 FROM m) THEN $2::numeric
       WHEN (SELECT ordinal FROM m) + 1 - $2::numeric = (SELECT allocated FROM p)
              - (SELECT count(*) FROM "AddressAllocation" WHERE "poolId" = $1::uuid AND ordinal < $2::numeric)
         THEN (SELECT ordinal FROM m) + 1
       WHEN NOT EXISTS (SELECT 1 FROM "AddressAllocation" WHERE "poolId" = $1::uuid AND ordinal = $2::numeric) THEN $2::numeric
       ELSE (SELECT a.ordinal + 1 FROM "AddressAllocation" a
             WHERE a."poolId" = $1::uuid AND a.ordinal >= $2::numeric
               AND NOT EXISTS (SELECT 1 FROM "AddressAllocation" b WHERE b."poolId" = $1::uuid AND b.ordinal = a.ordinal + 1)
             ORDER BY a.ordinal LIMIT 1)
     END::text AS o`,
    [found.id, lo.toString()],
  );
  const pool = found;
  const candidate = free.rows[0]?.o;
  const offset =
    candidate !== null && candidate !== undefined && BigInt(candidate) <= hi ? candidate : undefined;

  if (offset === undefined) {
    throw new AppError(
      'Conflict',
      `address pool ${JSON.stringify(pool.name)} is exhausted (all ${hi - lo + 1n} addresses it hands out are allocated)`,
    );
  }
  return { pool, ordinal: offset, address: formatAddress(range.family, range.first + BigInt(offset)) };
}

const jsonOrNull = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

type CreateInput = Omit<z.output<typeof createGatewayInput>, 'template'> & { template: string };

/**
 * Gateway API objects are unique by namespace and name. Gateways created through the API (no workload
 * cluster) are held to that in the account: the gateway whose API client holds the name, if any. Clusters'
 * objects are keyed by their uid instead (a cluster is the authority on its own names).
 */
async function apiNameHolder(c: pg.ClientBase, accountId: string, namespace: string, name: string) {
  const r = await c.query<{ gatewayId: string }>(
    `SELECT "gatewayId" FROM "GatewayClient"
     WHERE "accountId" = $1::uuid AND "clusterId" IS NULL AND namespace = $2 AND name = $3`,
    [accountId, namespace, name],
  );
  return r.rows[0]?.gatewayId;
}

function nameTaken(data: CreateInput, gatewayId?: string): AppError {
  const which = gatewayId ? ` (gateway ${gatewayId})` : '';
  return new AppError(
    'Conflict',
    `name: a gateway named ${JSON.stringify(data.name)} already exists in namespace ${JSON.stringify(data.namespace)}${which}: update that gateway instead, or choose another name`,
  );
}

/** The unique index behind apiNameHolder, should a write get past the check. */
const API_NAME_INDEX = 'GatewayClient_api_namespace_name_key';
function isApiNameViolation(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === API_NAME_INDEX;
}

/**
 * Adds a client reference to an existing gateway (a second cluster's Gateway joining through its sharing
 * key). A client without a uid of its own is its (cluster, namespace, name): sent again, it is already there.
 */
async function join(c: pg.ClientBase, meta: CallMeta, gatewayId: string, data: CreateInput) {
  const p = meta.principal;
  if (!data.clientUid) {
    const same = await c.query(
      `SELECT 1 FROM "GatewayClient" WHERE "gatewayId" = $1::uuid AND "clusterId" IS NOT DISTINCT FROM $2::uuid
         AND namespace = $3 AND name = $4`,
      [gatewayId, data.clusterId ?? null, data.namespace, data.name],
    );
    if ((same.rowCount ?? 0) > 0) return;
  }
  if (!data.clusterId) {
    const holder = await apiNameHolder(c, p.accountId, data.namespace, data.name);
    if (holder) throw nameTaken(data, holder);
  }
  await c.query(
    `INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", "clusterId", namespace, name, "clientUid")
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, $4, $5, $6)`,
    [
      p.accountId,
      gatewayId,
      data.clusterId ?? null,
      data.namespace,
      data.name,
      data.clientUid ?? `api:${data.clusterId ?? 'none'}:${data.namespace}/${data.name}:${gatewayId}`,
    ],
  );
  await attachRoutesToGateway(c, p.accountId, gatewayId, data.namespace, data.name, data.clusterId ?? null);
  await enqueueReconcile(c, [gatewayId]);
  await audit(c, meta, 'gateway.join', 'Gateway', gatewayId, {
    clientUid: data.clientUid,
    clusterId: data.clusterId,
  });
}

/**
 * Creates a gateway from a template; or, for a client object sent again, updates the gateway it made;
 * or joins the gateway named by the sharing key. Quota, address and every row in one transaction.
 */
async function createInTx(
  c: pg.ClientBase,
  meta: CallMeta,
  data: CreateInput,
): Promise<{ id: string; created: boolean }> {
  const p = meta.principal;
  await lockKey(c, `account-gateways:${p.accountId}`);
  if (data.clusterId) {
    const cl = await c.query('SELECT 1 FROM "Cluster" WHERE id = $1::uuid AND "accountId" = $2::uuid', [
      data.clusterId,
      p.accountId,
    ]);
    if (cl.rowCount === 0) throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
  }
  if (data.clientUid) {
    const existing = await c.query<{
      id: string;
      listeners: unknown;
      addresses: unknown;
      infrastructure: unknown;
      tls: unknown;
      allowedListeners: unknown;
    }>(
      `SELECT g.id, g.listeners, g.addresses, g.infrastructure, g.tls, g."allowedListeners" FROM "GatewayClient" c JOIN "Gateway" g ON g.id = c."gatewayId"
       WHERE c."accountId" = $1::uuid AND c."clientUid" = $2`,
      [p.accountId, data.clientUid],
    );
    const gw = existing.rows[0];
    if (gw) {
      // jsonb keeps its own key order: compare canonical forms, so a re-sent object is a no-op.
      const same = (a: unknown, b: unknown) =>
        JSON.stringify(canonicalize((a ?? null) as JsonValue)) ===
        JSON.stringify(canonicalize((b ?? null) as JsonValue));
      const addresses = data.addresses && data.addresses.length > 0 ? data.addresses : null;
      const changed = {
        listeners: !same(gw.listeners, data.listeners),
        addresses: !same(gw.addresses, addresses),
        infrastructure: !same(gw.infrastructure, data.infrastructure),
        tls: !same(gw.tls, data.tls),
        allowedListeners: !same(gw.allowedListeners, data.allowedListeners),
      };
      if (changed.addresses)
        await reassignAddresses(c, {
          accountId: p.accountId,
          gatewayId: gw.id,
          requests: addresses,
          allocateLowest: (pool, t) => allocateAddress(c, p.accountId, pool, t),
        });
      if (
        changed.listeners ||
        changed.addresses ||
        changed.infrastructure ||
        changed.tls ||
        changed.allowedListeners
      ) {
        await c.query(
          'UPDATE "Gateway" SET listeners = $2::jsonb, infrastructure = $3::jsonb, tls = $4::jsonb, "allowedListeners" = $5::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid',
          [
            gw.id,
            JSON.stringify(data.listeners),
            jsonOrNull(data.infrastructure),
            jsonOrNull(data.tls),
            jsonOrNull(data.allowedListeners),
          ],
        );
        await enqueueReconcile(c, [gw.id]);
        await audit(c, meta, 'gateway.update', 'Gateway', gw.id, {
          ...(changed.listeners ? { listeners: data.listeners } : {}),
          ...(changed.addresses ? { addresses } : {}),
          ...(changed.infrastructure ? { infrastructure: data.infrastructure ?? null } : {}),
          ...(changed.tls ? { tls: data.tls ?? null } : {}),
          ...(changed.allowedListeners ? { allowedListeners: data.allowedListeners ?? null } : {}),
        });
      }
      return { id: gw.id, created: false };
    }
  }
  if (data.sharingKey) {
    const shared = await c.query<{ id: string; allowSharing: boolean; template: string }>(
      `SELECT g.id, t."allowSharing", t.name AS template FROM "Gateway" g JOIN "Template" t ON t.id = g."templateId"
       WHERE g."accountId" = $1::uuid AND (g."sharingKey" = $2 OR EXISTS (SELECT 1 FROM "GatewayClient" c WHERE c."gatewayId" = g.id AND c."clientUid" = $2))
       LIMIT 1`,
      [p.accountId, data.sharingKey],
    );
    const gw = shared.rows[0];
    if (gw) {
      if (!gw.allowSharing) {
        throw new AppError(
          'Conflict',
          `sharingKey: gateway ${gw.id} was built from template ${JSON.stringify(gw.template)}, which does not allow sharing`,
        );
      }
      await join(c, meta, gw.id, data);
      return { id: gw.id, created: false };
    }
  }
  if (!data.clusterId) {
    const holder = await apiNameHolder(c, p.accountId, data.namespace, data.name);
    if (holder) throw nameTaken(data, holder);
  }
  const t = await c.query<{
    id: string;
    name: string;
    poolName: string;
    dnsNameTemplate: string;
    accountName: string;
    gatewayQuota: number;
    gateways: number;
  }>(
    `SELECT t.id, t.name, t."poolName", t."dnsNameTemplate", a.name AS "accountName", a."gatewayQuota", a."gatewayCount" AS gateways
     FROM "Account" a LEFT JOIN "Template" t ON t."accountId" = a.id AND t.name = $2
     WHERE a.id = $1::uuid`,
    [p.accountId, data.template],
  );
  const template = t.rows[0];
  if (!template?.id) throw AppError.field('template', `template ${JSON.stringify(data.template)} not found`);
  if (template.gateways >= template.gatewayQuota) {
    throw new AppError(
      'Forbidden',
      `gateway quota exceeded: account ${template.accountName} may have ${template.gatewayQuota} gateways`,
    );
  }
  const addresses = data.addresses && data.addresses.length > 0 ? data.addresses : null;
  const assigned = await assignAddresses(c, {
    accountId: p.accountId,
    template,
    gateway: { name: data.name, namespace: data.namespace },
    requests: addresses,
    allocateLowest: (pool, t) => allocateAddress(c, p.accountId, pool, t),
  });
  const alloc = assigned.allocation;
  const created = await c.query<{ id: string }>(
    `WITH g AS (
       INSERT INTO "Gateway" (id, "accountId", "templateId", name, namespace, "sharingKey", listeners, address, "dnsName",
                              addresses, infrastructure, "addressOutcomes", "statusAddresses", tls, "allowedListeners", "updatedAt")
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8, $13::jsonb, $14::jsonb, $15::jsonb, $16::jsonb, $17::jsonb, $18::jsonb, now())
       RETURNING id),
     a AS (
       INSERT INTO "AddressAllocation" (id, "poolId", "accountId", ordinal, address, "gatewayId")
       SELECT gen_random_uuid(), $9::uuid, $1::uuid, $10::numeric, $7, g.id FROM g WHERE $9::uuid IS NOT NULL)
     INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", "clusterId", namespace, name, "clientUid")
     SELECT gen_random_uuid(), $1::uuid, g.id, $11::uuid, $4, $3, COALESCE($12, 'api:' || g.id) FROM g
     RETURNING "gatewayId" AS id`,
    [
      p.accountId,
      template.id,
      data.name,
      data.namespace,
      data.sharingKey ?? null,
      JSON.stringify(data.listeners),
      alloc?.address ?? null,
      assigned.dnsName,
      alloc?.pool.id ?? null,
      alloc?.ordinal ?? null,
      data.clusterId ?? null,
      data.clientUid ?? null,
      addresses ? JSON.stringify(addresses) : null,
      jsonOrNull(data.infrastructure),
      JSON.stringify(assigned.outcomes),
      JSON.stringify(assigned.statusAddresses),
      jsonOrNull(data.tls),
      jsonOrNull(data.allowedListeners),
    ],
  );
  const id = created.rows[0]!.id;
  await attachRoutesToGateway(c, p.accountId, id, data.namespace, data.name, data.clusterId ?? null);
  await enqueueReconcile(c, [id]);
  await audit(c, meta, 'gateway.create', 'Gateway', id, {
    name: data.name,
    address: alloc?.address ?? null,
    pool: alloc?.pool.name ?? null,
    ...(addresses ? { addresses: assigned.outcomes } : {}),
  });
  return { id, created: true };
}

/** The repository filter of a list query, scoped to the caller's account. */
function filterOf(principal: Principal, q: z.infer<typeof listGatewaysQuery>): GatewayFilter {
  const [type, status] = q.condition?.split('=') ?? [];
  return {
    accountId: principal.accountId,
    ...(q.name ? { name: q.name } : {}),
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.template ? { template: q.template } : {}),
    ...(q.clusterId ? { clusterId: q.clusterId } : {}),
    ...(type && status ? { condition: { type, status } } : {}),
    ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
  };
}

/** The API's view of a gateway (selectGateways builds it in SQL). */
export type GatewayOut = GatewayView;

export function gatewaysService({ db, pageCacheEntries = 64 }: ServiceDeps & { pageCacheEntries?: number }) {
  // REST list pages as the bytes sent (UTF-8 once, not on every write), by account and query (≤ 16 MiB).
  const restPages = new GatewayPageCache<Buffer>(pageCacheEntries, 16 * 2 ** 20, (b) => b.length);
  async function get(principal: Principal, id: string): Promise<GatewayOut> {
    parseInput(uuid, id, 'id');
    const [g] = await selectGateways(db.$pool, { accountId: principal.accountId, id }, 1);
    if (!g) throw AppError.notFound('gateway', id);
    return g;
  }

  return {
    get: (meta: CallMeta, id: string) => get(meta.principal, id),

    async create(meta: CallMeta, input: unknown): Promise<{ gateway: GatewayOut; created: boolean }> {
      requireRole(meta.principal, 'admin');
      const parsed = parseInput(createGatewayInput, input);
      const data = { ...parsed, template: await templateOf(db, meta.principal.accountId, parsed) };
      const r = await withPgTx(db.$pool, (c) => createInTx(c, meta, data)).catch((e: unknown) => {
        if (isApiNameViolation(e)) throw nameTaken(data);
        throw e;
      });
      return { gateway: await get(meta.principal, r.id), created: r.created };
    },

    async list(meta: CallMeta, query: unknown) {
      const q = parseInput(listGatewaysQuery, query);
      const rows = await selectGateways(db.$pool, filterOf(meta.principal, q), q.limit + 1);
      return pageOf(rows, q.limit);
    },

    /**
     * The same page as `list`, as the JSON text REST answers (`{ items, nextCursor }`), built in PostgreSQL
     * (selectGatewayPageJson): what the REST face sends without parsing and re-serialising it.
     */
    async listJson(meta: CallMeta, query: unknown): Promise<Buffer> {
      const q = parseInput(listGatewaysQuery, query);
      const accountId = meta.principal.accountId;
      const key = `${accountId} ${JSON.stringify(q)}`;
      if (restPages.has(key)) {
        const kept = restPages.get(key, await selectGatewayListVersion(db.$pool, accountId));
        if (kept !== undefined) return kept;
      }
      const page = await selectGatewayPageJson(db.$pool, filterOf(meta.principal, q), q.limit);
      const next = page.next ? JSON.stringify(encodeCursor(page.next)) : 'null';
      const body = Buffer.from(`{"items":${page.items},"nextCursor":${next}}`);
      restPages.set(key, page.version, body);
      return body;
    },

    /**
     * The caller's account's GatewayListVersion: what every gateway page of the account was read at while
     * it stays the same (gateway-page-cache.ts); the GraphQL face keeps its gateway pages by it.
     */
    listVersion(meta: CallMeta): Promise<string> {
      return selectGatewayListVersion(db.$pool, meta.principal.accountId);
    },

    async updateListeners(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateListenersInput, input);
      await withPgTx(db.$pool, async (c) => {
        const r = await c.query(
          'UPDATE "Gateway" SET listeners = $3::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid AND "accountId" = $2::uuid',
          [id, meta.principal.accountId, JSON.stringify(data.listeners)],
        );
        if (r.rowCount === 0) throw AppError.notFound('gateway', id);
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.update', 'Gateway', id, { listeners: data.listeners });
      });
      return get(meta.principal, id);
    },

    /** Replaces the gateway's spec.addresses and assigns its address again (docs/adr/0455-gateway-addresses-and-infrastructure.md). */
    async updateAddresses(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateAddressesInput, input);
      const accountId = meta.principal.accountId;
      const requests = data.addresses && data.addresses.length > 0 ? data.addresses : null;
      await withPgTx(db.$pool, async (c) => {
        const assigned = await reassignAddresses(c, {
          accountId,
          gatewayId: id,
          requests,
          allocateLowest: (pool, t) => allocateAddress(c, accountId, pool, t),
        });
        await c.query(
          'UPDATE "Gateway" SET generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid',
          [id],
        );
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.update', 'Gateway', id, { addresses: assigned.outcomes });
      });
      return get(meta.principal, id);
    },

    /** Replaces the gateway's spec.tls (docs/adr/0456-frontend-tls-validation.md). */
    async updateTls(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateTlsInput, input);
      await withPgTx(db.$pool, async (c) => {
        const r = await c.query(
          'UPDATE "Gateway" SET tls = $3::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid AND "accountId" = $2::uuid',
          [id, meta.principal.accountId, jsonOrNull(data.tls)],
        );
        if (r.rowCount === 0) throw AppError.notFound('gateway', id);
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.update', 'Gateway', id, { tls: data.tls ?? null });
      });
      return get(meta.principal, id);
    },

    /** Replaces the gateway's spec.allowedListeners (docs/adr/0463-listener-sets-api.md). */
    async updateAllowedListeners(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateAllowedListenersInput, input);
      await withPgTx(db.$pool, async (c) => {
        const r = await c.query(
          'UPDATE "Gateway" SET "allowedListeners" = $3::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid AND "accountId" = $2::uuid',
          [id, meta.principal.accountId, jsonOrNull(data.allowedListeners)],
        );
        if (r.rowCount === 0) throw AppError.notFound('gateway', id);
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.update', 'Gateway', id, {
          allowedListeners: data.allowedListeners ?? null,
        });
      });
      return get(meta.principal, id);
    },

    /** Replaces the gateway's spec.infrastructure (stored and exposed; the provisioner applies it). */
    async updateInfrastructure(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateInfrastructureInput, input);
      await withPgTx(db.$pool, async (c) => {
        const r = await c.query(
          'UPDATE "Gateway" SET infrastructure = $3::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid AND "accountId" = $2::uuid',
          [id, meta.principal.accountId, jsonOrNull(data.infrastructure)],
        );
        if (r.rowCount === 0) throw AppError.notFound('gateway', id);
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.update', 'Gateway', id, {
          infrastructure: data.infrastructure ?? null,
        });
      });
      return get(meta.principal, id);
    },

    /**
     * Deletes the gateway; its address allocation, client refs and route attachments go with it (cascades). The
     * Gateway delete trigger NOTIFYs epic_revision, so every replica's xDS plane drops its snapshots and ends its
     * proxies' streams (docs/adr/0403-xds-token-lifecycle.md).
     */
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await withPgTx(db.$pool, async (c) => {
        const r = await c.query<{ name: string; address: string | null }>(
          'DELETE FROM "Gateway" WHERE id = $1::uuid AND "accountId" = $2::uuid RETURNING name, address',
          [id, meta.principal.accountId],
        );
        const found = r.rows[0];
        if (!found) throw AppError.notFound('gateway', id);
        await c.query('DELETE FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid', [id]);
        // Its entries in the statuses it shared (a route's parents, a policy's ancestors) describe nothing now;
        // no reconcile of it will run to clear them. Reconciles of other gateways writing those statuses at the
        // same time re-read and re-merge (their writes are conditional on the status they read).
        for (const [table, list] of [
          ['"Route"', 'parents'],
          ['"BackendTlsPolicy"', 'ancestors'],
        ] as const)
          await c.query(
            `UPDATE ${table} SET status = jsonb_set(status, '{${list}}', COALESCE(
                 (SELECT jsonb_agg(e ORDER BY ord) FROM jsonb_array_elements(status->'${list}') WITH ORDINALITY x(e, ord)
                   WHERE e->>'gatewayId' IS DISTINCT FROM $1), '[]'::jsonb))
              WHERE "accountId" = $2::uuid AND status->'${list}' @> jsonb_build_array(jsonb_build_object('gatewayId', $1::text))`,
            [id, meta.principal.accountId],
          );
        // One last reconcile of the deleted gateway: the provisioner removes its proxies (level-triggered: it
        // finds the gateway gone); without a provisioner the reconcile of a missing gateway does nothing.
        await enqueueReconcile(c, [id]);
        await audit(c, meta, 'gateway.delete', 'Gateway', id, { name: found.name, address: found.address });
      });
    },
  };
}
