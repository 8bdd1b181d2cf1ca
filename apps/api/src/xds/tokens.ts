import { createHmac, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { bearerTokenAuthenticator, XdsAuthError, type AuthGrant, type Authenticator } from '@epic/xds-server';
import { PROXYLESS_SUFFIX } from './proxyless.js';

/**
 * Per-gateway xDS credentials (docs/adr/0403-xds-token-lifecycle.md):
 * `v2.<base64url(JSON claims)>.<base64url(HMAC-SHA-256(secret, "epic-xds-token:v2:" + claims segment))>`.
 * The claims name the only node id the token is valid for, the gateway's token generation when it was issued
 * and its expiry; nothing is stored but the generation on the Gateway row, so bumping it revokes every token of
 * that gateway without touching the platform key.
 */
export interface XdsTokenClaims {
  /** `<account>.<gateway id>`. */
  nodeId: string;
  /** Gateway.xdsTokenGeneration at issue time; a token of an older generation is revoked. */
  generation: number;
  /** Epoch milliseconds (whole seconds are encoded). */
  expiresAt: number;
}

const VERSION = 'v2';
const MAC_DOMAIN = `epic-xds-token:${VERSION}:`;
/** Longest token accepted: the claims of a 63-character account name and a UUID fit in well under this. */
const MAX_TOKEN_LENGTH = 512;
const TOKEN_SHAPE = /^v2\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;
const NODE_ID =
  /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const claimsSchema = z.strictObject({
  n: z.string().regex(NODE_ID),
  g: z.number().int().min(1).max(2_147_483_647),
  e: z.number().int().min(0).max(253_402_300_799),
});

function mac(secretKey: Buffer, claimsSegment: string): Buffer {
  return createHmac('sha256', secretKey)
    .update(MAC_DOMAIN + claimsSegment)
    .digest();
}

/** base64url without padding, and only the one spelling Node itself produces (no stray trailing bits). */
function canonicalBase64url(segment: string): Buffer | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

export function issueXdsToken(secretKey: Buffer, claims: XdsTokenClaims): string {
  if (!NODE_ID.test(claims.nodeId)) throw new Error(`issueXdsToken: invalid node id "${claims.nodeId}"`);
  const body = JSON.stringify({
    n: claims.nodeId,
    g: claims.generation,
    e: Math.floor(claims.expiresAt / 1000),
  });
  const segment = Buffer.from(body, 'utf8').toString('base64url');
  return `${VERSION}.${segment}.${mac(secretKey, segment).toString('base64url')}`;
}

export type TokenProblem = 'malformed' | 'signature';

/**
 * Strict parser: exactly `v2.<claims>.<mac>`, canonical base64url in both segments, a valid MAC, then claims
 * of exactly the issued shape. Anything else (`<token>.x`, extra or missing segments, padding, whitespace,
 * re-encoded segments, unknown claim fields) is refused. Expiry and generation are the caller's to check.
 */
export function parseXdsToken(secretKey: Buffer, token: string): XdsTokenClaims | TokenProblem {
  if (token.length > MAX_TOKEN_LENGTH) return 'malformed';
  const m = TOKEN_SHAPE.exec(token);
  if (!m) return 'malformed';
  const [, segment, macSegment] = m as unknown as [string, string, string];
  const given = canonicalBase64url(macSegment);
  if (!canonicalBase64url(segment) || !given || given.length !== 32) return 'malformed';
  if (!timingSafeEqual(mac(secretKey, segment), given)) return 'signature';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return 'malformed';
  }
  const claims = claimsSchema.safeParse(parsed);
  if (!claims.success) return 'malformed';
  return { nodeId: claims.data.n, generation: claims.data.g, expiresAt: claims.data.e * 1000 };
}

/**
 * A proxy instance's node id is its gateway's (or the proxyless variant) followed by `/<instance>`, the pod
 * name (the Deployment passes `--service-node <account>.<gateway>/$(POD_NAME)`): one configuration for the
 * fleet, ACKs recorded per instance (docs/adr/0502-per-proxy-acks.md). An instance is a DNS subdomain.
 */
const INSTANCE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The node id without its instance, and the instance (undefined for a fleet-wide node id). */
export function splitInstance(nodeId: string): { base: string; instance: string | undefined } {
  const slash = nodeId.indexOf('/');
  if (slash < 0) return { base: nodeId, instance: undefined };
  return { base: nodeId.slice(0, slash), instance: nodeId.slice(slash + 1) };
}

/** The proxy instance a node id names (its pod), if any and well formed. */
export function instanceOfNode(nodeId: string): string | undefined {
  const { instance } = splitInstance(nodeId);
  return instance !== undefined && INSTANCE.test(instance) ? instance : undefined;
}

/**
 * `<account>.<gateway id>` or its proxyless variant `<account>.<gateway id>.grpc`, either optionally with
 * `/<instance>` → gateway id (account names are DNS labels and gateway ids UUIDs: neither has dots).
 */
export function gatewayIdOfNode(fullNodeId: string): string | undefined {
  const { base: nodeId, instance } = splitInstance(fullNodeId);
  if (instance !== undefined && !INSTANCE.test(instance)) return undefined;
  const i = nodeId.indexOf('.');
  if (i <= 0) return undefined;
  const rest = nodeId.slice(i + 1);
  const id = rest.endsWith(PROXYLESS_SUFFIX) ? rest.slice(0, -PROXYLESS_SUFFIX.length) : rest;
  return id && !id.includes('.') ? id : undefined;
}

/** The current token state of a gateway, read from the database at stream start. */
export type GatewayTokenState = (
  gatewayId: string,
) => Promise<{ account: string; generation: number } | undefined>;

/** The claim streams carry so that a revocation closes exactly the streams of older generations. */
export const GENERATION_CLAIM = 'xdsTokenGeneration';

const refuse = (message: string) => new XdsAuthError(grpc.status.UNAUTHENTICATED, message);

/**
 * Bearer tokens of a gateway: a token issued for `<account>.<gateway>` admits that node id and the gateway's
 * proxyless node id `<account>.<gateway>.grpc` (the same configuration, shaped for gRPC clients), nothing else,
 * and only while it is unexpired, its gateway exists and its generation is the gateway's current one. The
 * grant carries the expiry (the server ends the stream then) and the generation (revocation ends the stream).
 */
export function gatewayTokenAuthenticator(
  secretKey: Buffer,
  gatewayState: GatewayTokenState,
  now: () => number = Date.now,
): Authenticator {
  return (request) =>
    bearerTokenAuthenticator(async (token): Promise<AuthGrant> => {
      const claims = parseXdsToken(secretKey, token);
      if (claims === 'malformed') throw refuse('malformed token');
      if (claims === 'signature') throw refuse('unknown token');
      // The fleet-wide node id the stream asks as (an instance's id without `/<instance>`); its configuration.
      const { base, instance } = splitInstance(request.node.id);
      const wellFormed = instance === undefined || INSTANCE.test(instance);
      const snapshotKey = base === `${claims.nodeId}${PROXYLESS_SUFFIX}` ? base : claims.nodeId;
      const nodeId = instance === undefined ? snapshotKey : `${snapshotKey}/${instance}`;
      // Another node's token: the authenticator answers PERMISSION_DENIED before anything else is revealed.
      if (nodeId !== request.node.id || !wellFormed) return { nodeId: snapshotKey };
      if (claims.expiresAt <= now())
        throw refuse(`token expired at ${new Date(claims.expiresAt).toISOString()}; fetch a fresh one`);
      const gatewayId = gatewayIdOfNode(claims.nodeId)!;
      const state = await gatewayState(gatewayId);
      if (!state || `${state.account}.${gatewayId}` !== claims.nodeId)
        throw refuse('the gateway of this token no longer exists');
      if (state.generation !== claims.generation) throw refuse('token revoked; fetch a fresh one');
      return {
        nodeId,
        snapshotKey,
        expiresAt: claims.expiresAt,
        claims: { [GENERATION_CLAIM]: claims.generation },
      };
    })(request);
}
