import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { routeSpecSchemas } from '@epic/gateway-api';
import { requireRole, tenant } from '../auth/principal.js';
import { AppError, isAppError } from '../lib/errors.js';
import { pageArgs, pageOf } from '../lib/cursor.js';
import { parseInput } from '../lib/validate.js';
import type pg from 'pg';
import { withPgTx, withPgTxThen } from '../db/client.js';
import { canonicalize, type JsonValue } from '@epic/gateway-translator';
import {
  audit,
  clientUid,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  execSql,
  pageQuery,
  uuid,
  type CallMeta,
  type ServiceDeps,
  type TxLike,
} from './common.js';

export const routeKinds = ['HTTPRoute', 'TCPRoute', 'GRPCRoute', 'TLSRoute', 'UDPRoute'] as const;
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

export function parseRouteSpec(kind: RouteKind, spec: unknown): Record<string, unknown> {
  return parseInput(routeSpecSchemas[kind], spec, 'spec') as Record<string, unknown>;
}

/**
 * The join from a route's parentRef `e.ref` to the EPIC gateway `g` it resolves to, through the gateways'
 * client references (same cluster, namespace and name): a Gateway parentRef names the gateway's client; a
 * ListenerSet parentRef (GEP-1713) names a ListenerSet of the same cluster, whose parentRef names the client
 * (docs/adr/0463-listener-sets-api.md). `account`, `cluster` and `namespace` are SQL expressions for the route's.
 */
function parentGatewayJoin(account: string, cluster: string, namespace: string): string {
  return `LEFT JOIN "ListenerSet" ls ON e.ref->>'kind' = 'ListenerSet' AND ls."accountId" = ${account}
       AND ls."clusterId" IS NOT DISTINCT FROM ${cluster}
       AND ls.namespace = COALESCE(e.ref->>'namespace', ${namespace}) AND ls.name = e.ref->>'name'
       AND COALESCE(ls.spec->'parentRef'->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
       AND COALESCE(ls.spec->'parentRef'->>'kind', 'Gateway') = 'Gateway'
     JOIN "GatewayClient" c ON c."accountId" = ${account} AND c."clusterId" IS NOT DISTINCT FROM ${cluster}
       AND c.namespace = CASE WHEN ls.id IS NULL THEN COALESCE(e.ref->>'namespace', ${namespace})
                              ELSE COALESCE(ls.spec->'parentRef'->>'namespace', ls.namespace) END
       AND c.name = CASE WHEN ls.id IS NULL THEN e.ref->>'name' ELSE ls.spec->'parentRef'->>'name' END
     JOIN "Gateway" g ON g.id = c."gatewayId"
     WHERE COALESCE(e.ref->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
       AND (COALESCE(e.ref->>'kind', 'Gateway') = 'Gateway' OR ls.id IS NOT NULL)`;
}

/**
 * Resolves a route's parentRefs to EPIC gateways through the gateways' client references (same cluster,
 * namespace and name) and rewrites its attachments. Returns every gateway affected (old and new parents).
 */
export async function resolveRouteParents(
  tx: TxLike,
  route: {
    id: string;
    accountId: string;
    namespace: string;
    clusterId: string | null;
    spec: Record<string, unknown>;
  },
): Promise<string[]> {
  const before = await execSql(
    tx,
    'DELETE FROM "RouteParent" WHERE "routeId" = $1::uuid RETURNING "gatewayId"',
    [route.id],
  );
  // FOR KEY SHARE on the parent gateways: a gateway being deleted meanwhile is waited for and then skipped
  // (the route is simply not attached to it), instead of failing the write on the foreign key.
  const after = await execSql(
    tx,
    `INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
     SELECT $1::uuid, g.id, (e.ord - 1)::int
     FROM jsonb_array_elements(COALESCE($2::jsonb->'parentRefs', '[]'::jsonb)) WITH ORDINALITY e(ref, ord)
     ${parentGatewayJoin('$3::uuid', '$4::uuid', '$5')}
     FOR KEY SHARE OF g
     ON CONFLICT DO NOTHING
     RETURNING "gatewayId"`,
    [route.id, JSON.stringify(route.spec), route.accountId, route.clusterId, route.namespace],
  );
  return [...new Set([...before, ...after].map((r) => r.gatewayId as string))];
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
     FOR KEY SHARE OF r
     ON CONFLICT DO NOTHING`,
    [accountId, gatewayId, namespace, name, clusterId],
  );
  // Routes whose parentRef names a ListenerSet of the same cluster whose parentRef names this client.
  await execSql(
    tx,
    `INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
     SELECT r.id, $2::uuid, (e.ord - 1)::int
     FROM "ListenerSet" ls
     JOIN "Route" r ON r."accountId" = ls."accountId" AND r."clusterId" IS NOT DISTINCT FROM ls."clusterId"
       AND r.spec->'parentRefs' @> jsonb_build_array(jsonb_build_object('kind', 'ListenerSet', 'name', ls.name))
     CROSS JOIN LATERAL jsonb_array_elements(r.spec->'parentRefs') WITH ORDINALITY e(ref, ord)
     WHERE ls."accountId" = $1::uuid AND ls."clusterId" IS NOT DISTINCT FROM $5::uuid
       AND COALESCE(ls.spec->'parentRef'->>'namespace', ls.namespace) = $3 AND ls.spec->'parentRef'->>'name' = $4
       AND COALESCE(ls.spec->'parentRef'->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
       AND COALESCE(ls.spec->'parentRef'->>'kind', 'Gateway') = 'Gateway'
       AND e.ref->>'kind' = 'ListenerSet' AND e.ref->>'name' = ls.name
       AND COALESCE(e.ref->>'namespace', r.namespace) = ls.namespace
       AND COALESCE(e.ref->>'group', 'gateway.networking.k8s.io') = 'gateway.networking.k8s.io'
     FOR KEY SHARE OF r
     ON CONFLICT DO NOTHING`,
    [accountId, gatewayId, namespace, name, clusterId],
  );
}

/**
 * Re-resolves the parents of the routes whose parentRefs name a ListenerSet (same cluster, namespace, name),
 * after it was created, changed or deleted; returns every gateway they were or are attached to.
 */
export async function reattachListenerSetRoutes(
  tx: TxLike,
  accountId: string,
  clusterId: string | null,
  namespace: string,
  name: string,
): Promise<string[]> {
  const routes = await execSql(
    tx,
    `SELECT r.id, r.namespace, r.spec FROM "Route" r
     WHERE r."accountId" = $1::uuid AND r."clusterId" IS NOT DISTINCT FROM $2::uuid
       AND r.spec->'parentRefs' @> jsonb_build_array(jsonb_build_object('kind', 'ListenerSet', 'name', $4::text))
       AND EXISTS (SELECT 1 FROM jsonb_array_elements(r.spec->'parentRefs') e(ref)
                   WHERE e.ref->>'kind' = 'ListenerSet' AND e.ref->>'name' = $4 AND COALESCE(e.ref->>'namespace', r.namespace) = $3)
     ORDER BY r.id FOR UPDATE OF r`,
    [accountId, clusterId, namespace, name],
  );
  const affected = new Set<string>();
  for (const r of routes)
    for (const g of await resolveRouteParents(tx, {
      id: r.id as string,
      accountId,
      namespace: r.namespace as string,
      clusterId,
      spec: r.spec as Record<string, unknown>,
    }))
      affected.add(g);
  return [...affected];
}

// jsonb keeps its own key order: compare canonical forms, so a re-sent object is a no-op.
const sameJson = (a: unknown, b: unknown) =>
  JSON.stringify(canonicalize(a as JsonValue)) === JSON.stringify(canonicalize(b as JsonValue));

/**
 * The whole of a route's spec update in one statement, with the same effects as the UPDATE, resolveRouteParents,
 * enqueueReconcile and audit steps of a write: attachments are brought to what the new parentRefs resolve to
 * (rows that stay are left alone), every gateway attached before or after is queued and notified.
 * $1 route id, $2 spec, $3 account, $4 cluster, $5 namespace, $6 actor, $7 kind, $8 id (text), $9 request id,
 * $10 audit data.
 */
/** A route as the API answers it (get, and the update's answer), without its WHERE. */
const ROUTE_VIEW_SQL = `SELECT r.id, r.kind, r.name, r.namespace, r."clusterId", r."clientUid", r.spec, r.generation, r.status,
       r."createdAt", r."updatedAt",
       COALESCE((SELECT json_agg(json_build_object('gatewayId', p."gatewayId", 'refIndex', p."refIndex")
                          ORDER BY p."refIndex", p."gatewayId")
                 FROM "RouteParent" p WHERE p."routeId" = r.id), '[]'::json) AS parents
  FROM "Route" r`;

const UUID_LITERAL = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A uuid as a SQL literal for a simple-protocol query; anything else is refused, never inlined. */
function uuidLiteral(value: string): string {
  if (!UUID_LITERAL.test(value)) throw new Error(`not a uuid: ${JSON.stringify(value)}`);
  return `'${value}'::uuid`;
}

const UPDATE_ROUTE_SPEC = `
  WITH prior AS (SELECT "gatewayId", "refIndex" FROM "RouteParent" WHERE "routeId" = $1::uuid),
  want AS (
    SELECT g.id AS "gatewayId", (e.ord - 1)::int AS "refIndex"
    FROM jsonb_array_elements(COALESCE($2::jsonb->'parentRefs', '[]'::jsonb)) WITH ORDINALITY e(ref, ord)
    ${parentGatewayJoin('$3::uuid', '$4::uuid', '$5')}
    FOR KEY SHARE OF g),
  u AS (UPDATE "Route" SET spec = $2::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid),
  del AS (DELETE FROM "RouteParent" p WHERE p."routeId" = $1::uuid
            AND NOT EXISTS (SELECT 1 FROM want w WHERE w."gatewayId" = p."gatewayId" AND w."refIndex" = p."refIndex")),
  ins AS (INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
            SELECT $1::uuid, w."gatewayId", w."refIndex" FROM want w
            WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p."gatewayId" = w."gatewayId" AND p."refIndex" = w."refIndex")
            ON CONFLICT DO NOTHING),
  q AS (INSERT INTO "ReconcileRequest" ("gatewayId")
          SELECT a."gatewayId" FROM (SELECT "gatewayId" FROM prior UNION SELECT "gatewayId" FROM want) a ORDER BY 1
          RETURNING "gatewayId"),
  audit AS (INSERT INTO "AuditEvent" (id, "accountId", actor, action, "objectKind", "objectId", "requestId", data)
              VALUES (gen_random_uuid(), $3::uuid, $6, 'route.update', $7, $8, $9, $10::jsonb))
  SELECT pg_notify('epic_reconcile', CASE WHEN s.n > 50 THEN '*' ELSE s.ids END)::text
  FROM (SELECT count(*) AS n, string_agg("gatewayId"::text, ',' ORDER BY "gatewayId") AS ids FROM q) s
  WHERE s.n > 0`;

/**
 * The routes of one batch in two statements (after their rows are locked and read): every new row inserted and
 * every changed spec updated, then attachments brought to what the new parentRefs resolve to, every gateway
 * attached before or after queued once and notified once, and one audit row per route — the effects of a
 * `write` per route, without its round trips per route. `$2` is a JSON array of
 * `{id, prior, kind, name, namespace, clusterId, clientUid, spec}`.
 */
const WRITE_ROUTES = `
  WITH i AS (SELECT * FROM jsonb_to_recordset($2::jsonb)
               AS x(id uuid, prior boolean, kind text, name text, namespace text, "clusterId" uuid, "clientUid" text, spec jsonb)),
  u AS (UPDATE "Route" r SET spec = i.spec, generation = r.generation + 1, "updatedAt" = now()
          FROM i WHERE i.prior AND r.id = i.id AND r."accountId" = $1::uuid),
  n AS (INSERT INTO "Route" (id, "accountId", kind, name, namespace, "clusterId", "clientUid", spec, "updatedAt")
          SELECT i.id, $1::uuid, i.kind::"RouteKind", i.name, i.namespace, i."clusterId", i."clientUid", i.spec, now()
          FROM i WHERE NOT i.prior)
  SELECT count(*)::int AS n FROM i`;
const ATTACH_ROUTES = `
  WITH i AS (SELECT * FROM jsonb_to_recordset($2::jsonb)
               AS x(id uuid, prior boolean, kind text, name text, namespace text, "clusterId" uuid, "clientUid" text, spec jsonb)),
  prior AS (SELECT p."routeId", p."gatewayId", p."refIndex" FROM "RouteParent" p JOIN i ON i.id = p."routeId"),
  want AS (
    SELECT i.id AS "routeId", g.id AS "gatewayId", (e.ord - 1)::int AS "refIndex"
    FROM i CROSS JOIN LATERAL jsonb_array_elements(COALESCE(i.spec->'parentRefs', '[]'::jsonb)) WITH ORDINALITY e(ref, ord)
    ${parentGatewayJoin('$1::uuid', 'i."clusterId"', 'i.namespace')}
    FOR KEY SHARE OF g),
  del AS (DELETE FROM "RouteParent" p USING prior o
            WHERE p."routeId" = o."routeId" AND p."gatewayId" = o."gatewayId" AND p."refIndex" = o."refIndex"
              AND NOT EXISTS (SELECT 1 FROM want w WHERE w."routeId" = o."routeId" AND w."gatewayId" = o."gatewayId" AND w."refIndex" = o."refIndex")),
  ins AS (INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
            SELECT w."routeId", w."gatewayId", w."refIndex" FROM want w
            WHERE NOT EXISTS (SELECT 1 FROM prior o WHERE o."routeId" = w."routeId" AND o."gatewayId" = w."gatewayId" AND o."refIndex" = w."refIndex")
            ON CONFLICT DO NOTHING),
  q AS (INSERT INTO "ReconcileRequest" ("gatewayId")
          SELECT a."gatewayId" FROM (SELECT "gatewayId" FROM prior UNION SELECT "gatewayId" FROM want) a ORDER BY 1
          RETURNING "gatewayId"),
  audit AS (INSERT INTO "AuditEvent" (id, "accountId", actor, action, "objectKind", "objectId", "requestId", data)
              SELECT gen_random_uuid(), $1::uuid, $3, CASE WHEN i.prior THEN 'route.update' ELSE 'route.create' END,
                     i.kind, i.id::text, $4, jsonb_build_object('name', i.name, 'namespace', i.namespace)
              FROM i)
  SELECT pg_notify('epic_reconcile', CASE WHEN s.n > 50 THEN '*' ELSE s.ids END)::text
  FROM (SELECT count(*) AS n, string_agg("gatewayId"::text, ',' ORDER BY "gatewayId") AS ids FROM q) s
  WHERE s.n > 0`;

interface RouteView {
  id: string;
  kind: RouteKind;
  name: string;
  namespace: string;
  clusterId: string | null;
  clientUid: string;
  spec: unknown;
  generation: number;
  status: unknown;
  createdAt: Date;
  updatedAt: Date;
  parents: Array<{ gatewayId: string; refIndex: number }>;
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
  /** One round trip (the route with its attachments): it answers every route write. */
  async function get(meta: CallMeta, id: string) {
    parseInput(uuid, id, 'id');
    const r = await db.$pool.query<RouteView>(
      `${ROUTE_VIEW_SQL} WHERE r."accountId" = $1::uuid AND r.id = $2::uuid`,
      [meta.principal.accountId, id],
    );
    if (!r.rows[0]) throw AppError.notFound('route', id);
    return r.rows[0];
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
    // SQL on the shared pool: a route change is on the route-programming path (ADR 0003).
    return withPgTx(db.$pool, async (c) => {
      if (data.clusterId) {
        const cl = await c.query('SELECT 1 FROM "Cluster" WHERE id = $1::uuid AND "accountId" = $2::uuid', [
          data.clusterId,
          p.accountId,
        ]);
        if (cl.rowCount === 0) throw AppError.field('clusterId', `cluster ${data.clusterId} not found`);
      }
      const prior = (
        await c.query<{
          id: string;
          kind: string;
          spec: unknown;
          name: string;
          namespace: string;
          clusterId: string | null;
        }>(
          `SELECT id, kind, spec, name, namespace, "clusterId" FROM "Route"
           WHERE "accountId" = $1::uuid AND ${existingId ? 'id = $2::uuid' : '"clientUid" = $2'} FOR UPDATE`,
          [p.accountId, existingId ?? uid],
        )
      ).rows[0];
      if (existingId && !prior) throw AppError.notFound('route', existingId);
      if (prior && prior.kind !== data.kind) {
        throw AppError.field('kind', `route ${prior.id} is a ${prior.kind}; kind cannot change`);
      }
      if (prior && sameJson(prior.spec, spec)) return { id: prior.id, created: false };
      const id = prior
        ? (
            await c.query<{ id: string }>(
              'UPDATE "Route" SET spec = $2::jsonb, generation = generation + 1, "updatedAt" = now() WHERE id = $1::uuid RETURNING id',
              [prior.id, JSON.stringify(spec)],
            )
          ).rows[0]!.id
        : (
            await c.query<{ id: string }>(
              `INSERT INTO "Route" (id, "accountId", kind, name, namespace, "clusterId", "clientUid", spec, "updatedAt")
               VALUES (gen_random_uuid(), $1::uuid, $2::"RouteKind", $3, $4, $5::uuid, $6, $7::jsonb, now()) RETURNING id`,
              [
                p.accountId,
                data.kind,
                data.name,
                data.namespace,
                data.clusterId ?? null,
                uid,
                JSON.stringify(spec),
              ],
            )
          ).rows[0]!.id;
      const affected = await resolveRouteParents(c, {
        id,
        accountId: p.accountId,
        namespace: prior?.namespace ?? data.namespace,
        clusterId: prior ? prior.clusterId : (data.clusterId ?? null),
        spec,
      });
      await enqueueReconcile(c, affected);
      // An update keeps the route's name and namespace (a uid names one object): audit what is stored.
      await audit(c, meta, prior ? 'route.update' : 'route.create', data.kind, id, {
        name: prior?.name ?? data.name,
        namespace: prior?.namespace ?? data.namespace,
      });
      return { id, created: !prior };
    });
  }

  return {
    get,
    /**
     * The routes of a cluster's sync in one transaction, each keyed by its client uid as `upsert` keys it: new
     * ones created, changed specs updated (an unchanged one is left alone), attachments resolved, each affected
     * gateway queued once, `generation` recorded as the route's client generation. A bad item (its input, its
     * spec, a kind change) is that item's error and the rest is written; the last of two items with one uid
     * wins. Returns the uids written or found unchanged, and the item errors.
     */
    async upsertMany(
      meta: CallMeta,
      clusterId: string,
      inputs: ReadonlyArray<{ generation?: number } & Record<string, unknown>>,
    ): Promise<{ ok: string[]; errors: Array<{ clientUid: string; message: string }> }> {
      requireRole(meta.principal, 'admin');
      const p = meta.principal;
      const errors: Array<{ clientUid: string; message: string }> = [];
      const items = new Map<
        string,
        { data: z.output<typeof upsertRouteInput>; spec: Record<string, unknown>; generation?: number }
      >();
      for (const { generation, ...input } of inputs) {
        const uid = typeof input['clientUid'] === 'string' ? input['clientUid'] : '';
        try {
          const data = parseInput(upsertRouteInput, { ...input, clusterId });
          items.delete(uid);
          items.set(uid, {
            data,
            spec: parseRouteSpec(data.kind, data.spec),
            ...(generation === undefined ? {} : { generation }),
          });
        } catch (e) {
          if (!isAppError(e)) throw e;
          items.delete(uid);
          errors.push({ clientUid: uid, message: e.message });
        }
      }
      if (items.size === 0) return { ok: [], errors };
      const ok: string[] = [];
      await withPgTx(db.$pool, async (c) => {
        const priors = new Map(
          (
            await c.query<{
              id: string;
              kind: string;
              spec: unknown;
              name: string;
              namespace: string;
              clusterId: string | null;
              clientUid: string;
            }>(
              `SELECT id, kind, spec, name, namespace, "clusterId", "clientUid" FROM "Route"
               WHERE "accountId" = $1::uuid AND "clientUid" = ANY($2::text[]) ORDER BY id FOR UPDATE`,
              [p.accountId, [...items.keys()]],
            )
          ).rows.map((r) => [r.clientUid, r]),
        );
        const writes: Array<Record<string, unknown>> = [];
        const generations: Array<{ clientUid: string; generation: number }> = [];
        for (const [uid, { data, spec, generation }] of items) {
          const prior = priors.get(uid);
          if (prior && prior.kind !== data.kind) {
            errors.push({
              clientUid: uid,
              message: `kind: route ${prior.id} is a ${prior.kind}; kind cannot change`,
            });
            continue;
          }
          ok.push(uid);
          if (generation !== undefined) generations.push({ clientUid: uid, generation });
          if (prior && sameJson(prior.spec, spec)) continue;
          // An update keeps the route's name, namespace and cluster (a uid names one object).
          writes.push({
            id: prior?.id ?? randomUUID(),
            prior: prior !== undefined,
            kind: data.kind,
            name: prior?.name ?? data.name,
            namespace: prior?.namespace ?? data.namespace,
            clusterId: prior ? prior.clusterId : clusterId,
            clientUid: uid,
            spec,
          });
        }
        if (writes.length > 0) {
          const json = JSON.stringify(writes);
          await c.query(WRITE_ROUTES, [p.accountId, json]);
          await c.query(ATTACH_ROUTES, [p.accountId, json, p.actor, meta.requestId ?? null]);
        }
        // After the spec: a status read before the commit sees neither.
        if (generations.length > 0)
          await c.query(
            `UPDATE "Route" r SET "clientGeneration" = x.generation
             FROM jsonb_to_recordset($2::jsonb) AS x("clientUid" text, generation int)
             WHERE r."accountId" = $1::uuid AND r."clientUid" = x."clientUid"`,
            [p.accountId, JSON.stringify(generations)],
          );
      });
      return { ok, errors };
    },
    /** Creates a route, or updates the one with the same client uid (a re-sent object never duplicates). */
    async upsert(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const data = parseInput(upsertRouteInput, input);
      const spec = parseRouteSpec(data.kind, data.spec);
      const r = await write(meta, undefined, data, spec);
      return { route: await get(meta, r.id), created: r.created };
    },
    /**
     * A spec change on the route-programming path: one transaction of three round trips (lock and read the
     * route; write spec, attachments, queue rows, NOTIFY and audit in one statement; commit), then the answer.
     */
    async update(meta: CallMeta, id: string, input: unknown) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(updateRouteInput, input);
      const p = meta.principal;
      // Both ids go into simple-protocol queries (no parameters there): only as checked uuid literals.
      const account = uuidLiteral(p.accountId);
      const route = uuidLiteral(id);
      const { then: answer } = await withPgTxThen(
        db.$pool,
        async (c, first) => {
          const prior = (
            first as
              | pg.QueryResult<{
                  kind: RouteKind;
                  spec: unknown;
                  name: string;
                  namespace: string;
                  clusterId: string | null;
                }>
              | undefined
          )?.rows[0];
          if (!prior) throw AppError.notFound('route', id);
          const spec = parseRouteSpec(prior.kind, data.spec);
          if (sameJson(prior.spec, spec)) return;
          await c.query(UPDATE_ROUTE_SPEC, [
            id,
            JSON.stringify(spec),
            p.accountId,
            prior.clusterId,
            prior.namespace,
            p.actor,
            prior.kind,
            id,
            meta.requestId ?? null,
            JSON.stringify({ name: prior.name, namespace: prior.namespace }),
          ]);
        },
        // The answer is read with the COMMIT, after it (what get reads).
        `${ROUTE_VIEW_SQL} WHERE r."accountId" = ${account} AND r.id = ${route}`,
        // The route is locked and read with the BEGIN.
        `SELECT kind, spec, name, namespace, "clusterId" FROM "Route" WHERE "accountId" = ${account} AND id = ${route} FOR UPDATE`,
      );
      const row = (answer as pg.QueryResult<RouteView>).rows[0];
      if (!row) throw AppError.notFound('route', id);
      return row;
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
