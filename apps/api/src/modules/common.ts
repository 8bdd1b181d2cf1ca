import type pg from 'pg';
import { z } from 'zod';
import type { NodeCaller } from '../auth/node-credentials.js';
import type { Principal } from '../auth/principal.js';
import type { Db, Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { AppError } from '../lib/errors.js';

/** What every service call carries besides its input. */
export interface CallMeta {
  /** The API key's or session's principal; absent (despite the type) when `node` calls a node route. */
  principal: Principal;
  requestId?: string;
  /** A node credential's node, on the routes declared `node: true` (modules/epic-nodes.ts). */
  node?: NodeCaller;
}

export interface ServiceDeps {
  db: Db;
}

// DNS-1123 names, as Kubernetes objects use them.
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be a DNS label: lower-case letters, digits and "-", starting and ending alphanumeric',
  );
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS subdomain: lower-case letters, digits, "-" and "."',
  );
export const uuid = z.uuid('must be a UUID');
export const clientUid = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.:/]*$/, 'must be an object uid')
  .refine(
    (s) => !/^(api|static|bulk):/.test(s),
    'the prefixes "api:", "static:" and "bulk:" are reserved for objects EPIC names itself',
  );

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

/** A transaction to write in: Prisma's interactive transaction or a pg client inside BEGIN. */
export type TxLike = Tx | pg.ClientBase;

export async function execSql(
  tx: TxLike,
  sql: string,
  params: unknown[],
): Promise<Array<Record<string, unknown>>> {
  if ('$queryRawUnsafe' in tx) return tx.$queryRawUnsafe<Array<Record<string, unknown>>>(sql, ...params);
  return (await tx.query(sql, params)).rows as Array<Record<string, unknown>>;
}

export async function audit(
  tx: TxLike,
  meta: CallMeta,
  action: string,
  objectKind: string,
  objectId: string | null,
  data: Record<string, unknown> = {},
  accountId = meta.principal.accountId,
): Promise<void> {
  await execSql(
    tx,
    `INSERT INTO "AuditEvent" (id, "accountId", actor, action, "objectKind", "objectId", "requestId", data)
     VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5, $6, $7::jsonb)`,
    [
      accountId,
      meta.principal.actor,
      action,
      objectKind,
      objectId,
      meta.requestId ?? null,
      JSON.stringify(data),
    ],
  );
}

/**
 * Queues gateways for the reconciler in the caller's transaction: the queue rows and the NOTIFY become visible
 * only if the change commits, and a crash before the reconcile keeps them for the next start. An insert into
 * the append-only queue never waits for a reconcile in flight (ADR 0004).
 */
export async function enqueueReconcile(
  tx: TxLike,
  gatewayIds: Iterable<string>,
  /**
   * A data-modifying statement to run in the same round trip (a CTE named `w`, its parameters $1..$n): the change
   * and its queue rows in one statement. Run alone when there is nothing to queue.
   */
  along?: { sql: string; params: unknown[] },
): Promise<void> {
  const ids = [...new Set(gatewayIds)].sort();
  if (ids.length === 0) {
    if (along) await execSql(tx, along.sql, along.params);
    return;
  }
  const n = along?.params.length ?? 0;
  await execSql(
    tx,
    `WITH ${along ? `w AS (${along.sql}), ` : ''}q AS (INSERT INTO "ReconcileRequest" ("gatewayId") SELECT unnest($${n + 1}::uuid[]) RETURNING 1)
     SELECT pg_notify('epic_reconcile', $${n + 2})::text, (SELECT count(*) FROM q)::int AS n`,
    [...(along?.params ?? []), ids, ids.length > 50 ? '*' : ids.join(',')],
  );
}

/** Serialises work on one key (e.g. an account's quota) until the transaction ends. */
export async function lockKey(tx: TxLike, key: string): Promise<void> {
  await execSql(tx, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text', [key]);
}

/** Maps unique-constraint violations to a Conflict naming the object. */
export function conflictOnUnique(kind: string, what: string) {
  return (e: unknown): never => {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('Conflict', `${kind} ${what} already exists`);
    }
    throw e;
  };
}

export function json(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

/**
 * A client uid names one object of one cluster: another cluster's object (or the API's own) of the same uid must
 * not overwrite it. Refused with 400 naming `clientUid`.
 */
export function requireSameCluster(
  prior: { clusterId: string | null } | null,
  clusterId: string | undefined,
  what: string,
  uid: string,
): void {
  if (prior && prior.clusterId !== (clusterId ?? null))
    throw AppError.field(
      'clientUid',
      `${what} ${uid} belongs to ${prior.clusterId ? `cluster ${prior.clusterId}` : 'no cluster'}`,
    );
}

/**
 * The parametersRef EPIC resolves, for a GatewayClass (one of the account's templates) and for a Gateway's
 * spec.infrastructure (the template it is built from).
 */
export const TEMPLATE_PARAMETERS = { group: 'epic-gateway.io', kind: 'Template' } as const;
