import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-gateway xDS credentials: `<base64url(node id)>.<HMAC-SHA-256(secret, node id)>`. Nothing is stored;
 * the token names the only node id it is valid for, so a proxy can never subscribe as another gateway.
 */
export function xdsTokenFor(secretKey: Buffer, nodeId: string): string {
  return `${Buffer.from(nodeId).toString('base64url')}.${mac(secretKey, nodeId)}`;
}

export function nodeIdOfToken(secretKey: Buffer, token: string): string | undefined {
  const [idPart, macPart] = token.split('.');
  if (!idPart || !macPart) return undefined;
  const nodeId = Buffer.from(idPart, 'base64url').toString('utf8');
  const expected = Buffer.from(mac(secretKey, nodeId));
  const given = Buffer.from(macPart);
  return expected.length === given.length && timingSafeEqual(expected, given) ? nodeId : undefined;
}

function mac(secretKey: Buffer, nodeId: string): string {
  return createHmac('sha256', secretKey).update(`xds:${nodeId}`).digest('base64url');
}

/** `<account>.<gateway id>` → gateway id (account names are DNS labels: no dots). */
export function gatewayIdOfNode(nodeId: string): string | undefined {
  const i = nodeId.indexOf('.');
  return i > 0 ? nodeId.slice(i + 1) : undefined;
}
