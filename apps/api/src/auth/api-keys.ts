import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `epic_<prefix>_<secret>`. Only the prefix (to find the row) and a SHA-256 of the
 * secret are stored; the whole key is shown once, at creation.
 */
/** NOTIFY channel on which any replica announces a revoked API key (payload: the key's id). */
export const API_KEY_REVOKED_CHANNEL = 'epic_api_key_revoked';

export interface NewKey {
  prefix: string;
  hash: string;
  secret: string;
}

export function generateApiKey(): NewKey {
  const prefix = randomBytes(6).toString('hex');
  const secretPart = randomBytes(24).toString('base64url');
  return { prefix, hash: hashSecret(secretPart), secret: `epic_${prefix}_${secretPart}` };
}

export function hashSecret(secretPart: string): string {
  return createHash('sha256').update(secretPart).digest('hex');
}

export function splitApiKey(key: string): { prefix: string; secretPart: string } | undefined {
  const m = /^epic_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/.exec(key);
  return m ? { prefix: m[1]!, secretPart: m[2]! } : undefined;
}

export function secretMatches(secretPart: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secretPart), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
