import { createHash } from 'node:crypto';

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Envoy Gateway's naming scheme for a fleet's objects: `envoy-<key cut to 48>-<first 8 hex of SHA-256>`. The
 * key is readable (`<namespace>-<name>` of the Gateway); the hash is of the gateway's id, so two gateways whose
 * keys agree in their first 48 characters (or come from two clusters) still get distinct names. At most 63
 * characters, lower case, a valid DNS-1035 label (Services need one).
 */
export function fleetName(gateway: { id: string; name: string; namespace: string }): string {
  return `envoy-${cutKey(`${gateway.namespace}-${gateway.name}`, 48)}-${sha256Hex(gateway.id).slice(0, 8)}`;
}

/** `epic-<account>`, or for accounts too long for that, `epic-<account cut to 48>-<8 hex>` (≤ 63). */
export function accountNamespace(account: string): string {
  const plain = `epic-${account}`;
  if (plain.length <= 63) return plain;
  return `epic-${cutKey(account, 48)}-${sha256Hex(account).slice(0, 8)}`;
}

/** Lower case, only [a-z0-9-], cut to `max`, no leading/trailing '-' (what is left of a Gateway name). */
function cutKey(key: string, max: number): string {
  const cleaned = key
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max);
  return cleaned.replace(/^-+|-+$/g, '') || 'gateway';
}
