// Who may receive which gateway's configuration. A stream's node id (`<account>.<gateway>`) is only served
// after an Authenticator has tied it to a credential: a per-gateway bearer token in the gRPC metadata or the
// identity in an mTLS client certificate. A proxy that claims another gateway's node id is refused.
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { NodeInfo } from './discovery-codec.js';
import type { PeerAuthContext } from './peer-auth.js';

export interface AuthRequest {
  metadata: grpc.Metadata;
  node: NodeInfo;
  /** TLS details of the connection (peer certificate with mTLS); null on plaintext. */
  authContext: PeerAuthContext | null;
  peer: string;
}

/**
 * What a credential allows: the node id the stream may receive configuration for, until when, and what the
 * application wants to recognise the stream by later (e.g. the token generation, to close the streams of
 * revoked tokens through XdsServer.disconnect).
 */
export interface AuthGrant {
  nodeId: string;
  /**
   * The snapshot-cache key whose configuration the stream receives, when it is not the node id itself: several
   * instances (each its own node id, so ACKs and NACKs name the instance) sharing one configuration, as
   * go-control-plane's NodeHash does.
   */
  snapshotKey?: string;
  /** Epoch milliseconds; the server ends the stream with UNAUTHENTICATED when the credential expires. */
  expiresAt?: number;
  claims?: Readonly<Record<string, string | number>>;
}

/** Returns the node id (or a grant for it) this stream may receive configuration for, or throws XdsAuthError. */
export type Authenticator = (request: AuthRequest) => string | AuthGrant | Promise<string | AuthGrant>;

export function grantOf(result: string | AuthGrant): AuthGrant {
  return typeof result === 'string' ? { nodeId: result } : result;
}

export class XdsAuthError extends Error {
  constructor(
    readonly code: grpc.status.UNAUTHENTICATED | grpc.status.PERMISSION_DENIED,
    message: string,
  ) {
    super(message);
    this.name = 'XdsAuthError';
  }
}

function bearerToken(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return m?.[1];
}

/**
 * Per-gateway tokens: `resolve(token)` returns the node id the token was issued for (e.g. looked up by hash in
 * the database), or undefined for an unknown token.
 */
export function bearerTokenAuthenticator(
  resolve: (token: string) => string | AuthGrant | undefined | Promise<string | AuthGrant | undefined>,
): Authenticator {
  return async ({ metadata, node }) => {
    const token = bearerToken(metadata);
    if (!token)
      throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'missing "authorization: Bearer <token>" metadata');
    const resolved = await resolve(token);
    if (!resolved) throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'unknown token');
    const grant = grantOf(resolved);
    if (grant.nodeId !== node.id) {
      throw new XdsAuthError(grpc.status.PERMISSION_DENIED, `token is not valid for node "${node.id}"`);
    }
    return resolved;
  };
}

/**
 * mTLS: the client certificate (verified against the per-account CA by the server credentials) names the node.
 * By default the identity is a URI SAN `spiffe://epic/<account>/<gateway>`, falling back to the subject CN.
 */
export function mtlsAuthenticator(
  identityOf: (cert: PeerCertificate) => string | undefined = defaultIdentity,
): Authenticator {
  return ({ authContext, node }) => {
    const cert = authContext?.sslPeerCertificate;
    if (!cert) throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'no client certificate');
    const identity = identityOf(cert);
    if (!identity)
      throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'client certificate carries no gateway identity');
    if (identity !== node.id) {
      throw new XdsAuthError(
        grpc.status.PERMISSION_DENIED,
        `certificate identity "${identity}" is not node "${node.id}"`,
      );
    }
    return identity;
  };
}

function defaultIdentity(cert: PeerCertificate): string | undefined {
  const san = cert.subjectaltname ?? '';
  const m = /URI:spiffe:\/\/epic\/([a-z0-9-]+)\/([a-z0-9-]+)/.exec(san);
  if (m) return `${m[1]}.${m[2]}`;
  const cn = cert.subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

/**
 * Accepts the first authenticator that succeeds. When all fail, a PERMISSION_DENIED (a valid credential for
 * another node) wins over UNAUTHENTICATED (no usable credential), so the caller learns what actually happened.
 */
export function anyOf(...authenticators: Authenticator[]): Authenticator {
  return async (request) => {
    const failures: unknown[] = [];
    for (const authenticate of authenticators) {
      try {
        return await authenticate(request);
      } catch (err) {
        failures.push(err);
      }
    }
    const denied = failures.find(
      (f) => f instanceof XdsAuthError && f.code === grpc.status.PERMISSION_DENIED,
    );
    throw (
      denied ??
      failures.at(-1) ??
      new XdsAuthError(grpc.status.UNAUTHENTICATED, 'no authenticator configured')
    );
  };
}

/**
 * Trusts the node id the client claims, optionally restricted to a list. Only for loopback tests and local
 * development: the gRPC xDS client (@grpc/grpc-js-xds) cannot send call credentials to its xDS server.
 */
export function trustClaimedNodeId(allowed?: readonly string[]): Authenticator {
  return ({ node }) => {
    if (allowed && !allowed.includes(node.id)) {
      throw new XdsAuthError(grpc.status.PERMISSION_DENIED, `node "${node.id}" is not allowed`);
    }
    return node.id;
  };
}
