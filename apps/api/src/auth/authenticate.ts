import type { Db } from '../db/client.js';
import { secretMatches, splitApiKey } from './api-keys.js';
import type { Principal, Role } from './principal.js';

/** Resolves `Authorization: Bearer epic_…` to a principal, or undefined for a missing, unknown or revoked key. */
export function apiKeyAuthenticator(db: Db) {
  return async (authorization: string | undefined): Promise<Principal | undefined> => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const parts = m ? splitApiKey(m[1]!) : undefined;
    if (!parts) return undefined;
    // One round trip on every request: SQL on the shared pool rather than a Prisma relation load.
    const r = await db.$pool.query<{
      id: string;
      hash: string;
      role: Role;
      accountId: string;
      name: string;
      system: boolean;
    }>(
      `SELECT k.id, k.hash, k.role, k."accountId", a.name, a.system
       FROM "ApiKey" k JOIN "Account" a ON a.id = k."accountId"
       WHERE k.prefix = $1 AND k."revokedAt" IS NULL`,
      [parts.prefix],
    );
    const key = r.rows[0];
    if (!key || !secretMatches(parts.secretPart, key.hash)) return undefined;
    return {
      accountId: key.accountId,
      accountName: key.name,
      role: key.role,
      system: key.system,
      actor: `apikey:${key.id}`,
    };
  };
}
