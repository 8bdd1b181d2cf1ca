import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  type AuthGrant,
  type AuthRequest,
  XdsAuthError,
  anyOf,
  bearerTokenAuthenticator,
  mtlsAuthenticator,
  trustClaimedNodeId,
} from './authenticate.js';

function request(
  opts: { token?: string; nodeId?: string; cert?: Partial<PeerCertificate> } = {},
): AuthRequest {
  const metadata = new grpc.Metadata();
  if (opts.token) metadata.set('authorization', `Bearer ${opts.token}`);
  return {
    metadata,
    node: { id: opts.nodeId ?? 'acme.shop', cluster: 'acme' },
    authContext: opts.cert
      ? { transportSecurityType: 'ssl', sslPeerCertificate: opts.cert as PeerCertificate }
      : null,
    peer: '127.0.0.1:5555',
  };
}

async function codeOf(
  run: () => string | AuthGrant | Promise<string | AuthGrant>,
): Promise<number | string | AuthGrant> {
  try {
    return await run();
  } catch (err) {
    return (err as XdsAuthError).code;
  }
}

describe('authenticators', () => {
  const tokens = bearerTokenAuthenticator((t) => ({ good: 'acme.shop', other: 'acme.other' })[t]);

  it('accepts a bearer token issued for the claimed node id', async () => {
    expect(await tokens(request({ token: 'good' }))).toBe('acme.shop');
  });

  it('answers UNAUTHENTICATED without a token or with an unknown one', async () => {
    expect(await codeOf(() => tokens(request()))).toBe(grpc.status.UNAUTHENTICATED);
    expect(await codeOf(() => tokens(request({ token: 'nope' })))).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("answers PERMISSION_DENIED when a token of another gateway claims this node's id", async () => {
    expect(await codeOf(() => tokens(request({ token: 'other' })))).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('reads the gateway identity from a spiffe URI SAN of the client certificate', async () => {
    const mtls = mtlsAuthenticator();
    const cert = {
      subjectaltname: 'URI:spiffe://epic/acme/shop',
      subject: { CN: 'ignored' } as PeerCertificate['subject'],
    };
    expect(await mtls(request({ cert }))).toBe('acme.shop');
    expect(await codeOf(() => mtls(request({ cert, nodeId: 'acme.other' })))).toBe(
      grpc.status.PERMISSION_DENIED,
    );
  });

  it('falls back to the certificate CN and rejects a connection without a certificate', async () => {
    const mtls = mtlsAuthenticator();
    expect(
      await mtls(request({ cert: { subject: { CN: 'acme.shop' } as PeerCertificate['subject'] } })),
    ).toBe('acme.shop');
    expect(await codeOf(() => mtls(request()))).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('anyOf accepts the first authenticator that succeeds', async () => {
    const either = anyOf(mtlsAuthenticator(), tokens);
    expect(await either(request({ token: 'good' }))).toBe('acme.shop');
    expect(await codeOf(() => either(request({ token: 'other' })))).toBe(grpc.status.PERMISSION_DENIED);
    const otherCert = { subjectaltname: 'URI:spiffe://epic/acme/other' };
    expect(await codeOf(() => either(request({ cert: otherCert })))).toBe(grpc.status.PERMISSION_DENIED);
    expect(await codeOf(() => either(request()))).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('trustClaimedNodeId only admits the listed node ids', async () => {
    expect(await codeOf(() => trustClaimedNodeId(['acme.shop'])(request({ nodeId: 'acme.x' })))).toBe(
      grpc.status.PERMISSION_DENIED,
    );
    expect(await trustClaimedNodeId()(request())).toBe('acme.shop');
  });

  it('XdsAuthError carries its gRPC status code', () => {
    expect(new XdsAuthError(grpc.status.PERMISSION_DENIED, 'x').code).toBe(grpc.status.PERMISSION_DENIED);
  });
});
