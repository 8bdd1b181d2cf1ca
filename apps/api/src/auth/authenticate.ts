import type { Db } from '../db/client.js';
import { secretMatches, splitApiKey } from './api-keys.js';
import type { Principal } from './principal.js';

/** Resolves `Authorization: Bearer epic_…` to a principal, or undefined for a missing, unknown or revoked key. */
export function apiKeyAuthenticator(db: Db) {
  return async (authorization: string | undefined): Promise<Principal | undefined> => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const parts = m ? splitApiKey(m[1]!) : undefined;
    if (!parts) return undefined;
    const key = await db.apiKey.findUnique({ where: { prefix: parts.prefix }, include: { account: true } });
    if (!key || key.revokedAt || !secretMatches(parts.secretPart, key.hash)) return undefined;
    return { accountId: key.accountId, accountName: key.account.name, role: key.role, system: key.account.system, actor: `apikey:${key.id}` };
  };
}
