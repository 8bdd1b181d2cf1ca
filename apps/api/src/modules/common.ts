import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Db, Tx } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
import { AppError } from '../lib/errors.js';

/** What every service call carries besides its input. */
export interface CallMeta {
  principal: Principal;
  requestId?: string;
}

export interface ServiceDeps {
  db: Db;
}

// DNS-1123 names, as Kubernetes objects use them.
export const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", starting and ending alphanumeric');
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS subdomain: lower-case letters, digits, "-" and "."',
  );
export const uuid = z.uuid('must be a UUID');
export const clientUid = z.string().min(1).max(128).regex(/^[A-Za-z0-9][-A-Za-z0-9_.:/]*$/, 'must be an object uid');

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

export async function audit(
  tx: Tx,
  meta: CallMeta,
  action: string,
  objectKind: string,
  objectId: string | null,
  data: Record<string, unknown> = {},
  accountId = meta.principal.accountId,
): Promise<void> {
  await tx.auditEvent.create({
    data: {
      accountId,
      actor: meta.principal.actor,
      action,
      objectKind,
      objectId,
      requestId: meta.requestId ?? null,
      data: data as Prisma.InputJsonValue,
    },
  });
}

/**
 * Queues gateways for the reconciler in the caller's transaction: the queue row and the NOTIFY become
 * visible only if the change commits, and a crash before the reconcile keeps the row for the next start.
 */
export async function enqueueReconcile(tx: Tx, gatewayIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(gatewayIds)].sort();
  if (ids.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "ReconcileRequest" ("gatewayId", seq, "requestedAt")
    SELECT unnest(${ids}::uuid[]), 1, now()
    ON CONFLICT ("gatewayId") DO UPDATE SET seq = "ReconcileRequest".seq + 1, "requestedAt" = now()`;
  await tx.$executeRaw`SELECT pg_notify('epic_reconcile', ${ids.length > 50 ? '*' : ids.join(',')})`;
}

/** Serialises work on one key (e.g. an account's quota) until the transaction ends. */
export async function lockKey(tx: Tx, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
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
