import { createHmac, timingSafeEqual } from 'node:crypto';
import { bearerTokenAuthenticator, type Authenticator } from '@epic/xds-server';
import { PROXYLESS_SUFFIX } from './proxyless.js';

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

/**
 * `<account>.<gateway id>` or its proxyless variant `<account>.<gateway id>.grpc` → gateway id (account names
 * are DNS labels and gateway ids UUIDs: neither has dots).
 */
export function gatewayIdOfNode(nodeId: string): string | undefined {
  const i = nodeId.indexOf('.');
  if (i <= 0) return undefined;
  const rest = nodeId.slice(i + 1);
  const id = rest.endsWith(PROXYLESS_SUFFIX) ? rest.slice(0, -PROXYLESS_SUFFIX.length) : rest;
  return id && !id.includes('.') ? id : undefined;
}

/**
 * Bearer tokens of a gateway: a token issued for `<account>.<gateway>` admits that node id and the gateway's
 * proxyless node id `<account>.<gateway>.grpc` (the same configuration, shaped for gRPC clients), nothing else.
 */
export function gatewayTokenAuthenticator(secretKey: Buffer): Authenticator {
  return (request) =>
    bearerTokenAuthenticator((token) => {
      const nodeId = nodeIdOfToken(secretKey, token);
      return nodeId !== undefined && request.node.id === `${nodeId}${PROXYLESS_SUFFIX}`
        ? request.node.id
        : nodeId;
    })(request);
}
