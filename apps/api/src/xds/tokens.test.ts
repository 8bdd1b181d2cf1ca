// The xDS token format and its strict parser (docs/adr/0403-xds-token-lifecycle.md), without a database.
import { createHmac, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { AuthRequest } from '@epic/xds-server';
import {
  gatewayIdOfNode,
  gatewayTokenAuthenticator,
  instanceOfNode,
  issueXdsToken,
  parseXdsToken,
  type XdsTokenClaims,
} from './tokens.js';

const key = randomBytes(32);
const GW = '0b5d3c3e-6f0e-4c1a-9a57-2f7f3c1d9e10';
const claims: XdsTokenClaims = { nodeId: `acme.${GW}`, generation: 3, expiresAt: 1_900_000_000_000 };
const token = issueXdsToken(key, claims);
const [, body, sig] = token.split('.') as [string, string, string];

/** A token whose claims segment is `json`, correctly signed: only the claims' shape can refuse it. */
function signed(json: string): string {
  const segment = Buffer.from(json).toString('base64url');
  const mac = createHmac('sha256', key).update(`epic-xds-token:v2:${segment}`).digest('base64url');
  return `v2.${segment}.${mac}`;
}

/** Changes the last character so the segment decodes to the same bytes (its unused low bits differ). */
function sameBytesOtherSpelling(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = segment.at(-1)!;
  const i = alphabet.indexOf(last);
  const other = alphabet[i ^ 1]!;
  const candidate = segment.slice(0, -1) + other;
  expect(Buffer.from(candidate, 'base64url').equals(Buffer.from(segment, 'base64url'))).toBe(true);
  return candidate;
}

describe('xDS token parsing', () => {
  it('round-trips the claims of an issued token (expiry in whole seconds)', () => {
    expect(parseXdsToken(key, token)).toEqual(claims);
    expect(parseXdsToken(key, issueXdsToken(key, { ...claims, expiresAt: 1_900_000_000_999 }))).toEqual(
      claims,
    );
  });

  it.each([
    ['a suffix segment', `${token}.x`],
    ['an empty suffix segment', `${token}.`],
    ['a prefix segment', `x.${token}`],
    ['a missing version', `${body}.${sig}`],
    ['another version', `v1.${body}.${sig}`],
    ['a missing MAC', `v2.${body}`],
    ['an empty claims segment', `v2..${sig}`],
    ['a character appended to the MAC', `${token}A`],
    ['a truncated MAC', token.slice(0, -1)],
    ['base64 padding', `v2.${body}==.${sig}`],
    ['standard base64 characters', `v2.${body}.${sig.replace(/-/g, '+').replace(/_/g, '/')}+`],
    ['surrounding whitespace', ` ${token}`],
    ['an inner space', `v2.${body} .${sig}`],
    ['a non-canonical MAC spelling', `v2.${body}.${sameBytesOtherSpelling(sig)}`],
    ['a non-canonical claims spelling', `v2.${sameBytesOtherSpelling(body)}.${sig}`],
    [
      'the pre-expiry format <base64url(node)>.<mac>',
      `${Buffer.from(claims.nodeId).toString('base64url')}.${sig}`,
    ],
    ['an overlong token', `v2.${'A'.repeat(600)}.${sig}`],
    ['an empty string', ''],
  ])('refuses %s as malformed', (_what, t) => {
    expect(parseXdsToken(key, t)).toBe('malformed');
  });

  it('refuses a token signed with another key, or with its claims changed, as a bad signature', () => {
    expect(parseXdsToken(randomBytes(32), token)).toBe('signature');
    const forged = Buffer.from(JSON.stringify({ n: claims.nodeId, g: 4, e: 1_900_000_000 })).toString(
      'base64url',
    );
    expect(parseXdsToken(key, `v2.${forged}.${sig}`)).toBe('signature');
  });

  it.each([
    ['an unknown field', `{"n":"acme.${GW}","g":1,"e":1900000000,"x":1}`],
    ['a missing generation', `{"n":"acme.${GW}","e":1900000000}`],
    ['a fractional generation', `{"n":"acme.${GW}","g":1.5,"e":1900000000}`],
    ['a generation 0', `{"n":"acme.${GW}","g":0,"e":1900000000}`],
    ['a string expiry', `{"n":"acme.${GW}","g":1,"e":"1900000000"}`],
    ['a node id that is not <account>.<uuid>', '{"n":"acme.shop","g":1,"e":1900000000}'],
    ['a proxyless node id', `{"n":"acme.${GW}.grpc","g":1,"e":1900000000}`],
    ['an array', '[1,2,3]'],
    ['text that is not JSON', 'acme.node'],
  ])('refuses signed claims with %s as malformed', (_what, json) => {
    expect(parseXdsToken(key, signed(json))).toBe('malformed');
  });
});

describe('gatewayTokenAuthenticator', () => {
  const request = (t: string, nodeId = claims.nodeId): AuthRequest => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${t}`);
    return { metadata, node: { id: nodeId, cluster: 'acme' }, authContext: null, peer: 'test' };
  };
  const now = () => claims.expiresAt - 1000;
  const current = gatewayTokenAuthenticator(key, async () => ({ account: 'acme', generation: 3 }), now);
  const refusal = async (p: Promise<unknown> | unknown) => {
    try {
      await p;
      return 'admitted';
    } catch (err) {
      return (err as { code: number; message: string }).message;
    }
  };

  it('grants the node id with the expiry and the generation as a claim', async () => {
    expect(await current(request(token))).toEqual({
      nodeId: claims.nodeId,
      snapshotKey: claims.nodeId,
      expiresAt: claims.expiresAt,
      claims: { xdsTokenGeneration: 3 },
    });
    expect(await current(request(token, `${claims.nodeId}.grpc`))).toMatchObject({
      nodeId: `${claims.nodeId}.grpc`,
      snapshotKey: `${claims.nodeId}.grpc`,
    });
  });

  it("admits a proxy instance of the token's gateway (`/<pod>`): its own node id, the fleet's configuration", async () => {
    expect(await current(request(token, `${claims.nodeId}/envoy-x-7d9f-abcde`))).toMatchObject({
      nodeId: `${claims.nodeId}/envoy-x-7d9f-abcde`,
      snapshotKey: claims.nodeId,
    });
    expect(await current(request(token, `${claims.nodeId}.grpc/pod-1`))).toMatchObject({
      nodeId: `${claims.nodeId}.grpc/pod-1`,
      snapshotKey: `${claims.nodeId}.grpc`,
    });
    // Not an instance of this gateway, or not a well-formed instance: refused.
    for (const id of [
      `${claims.nodeId}x/pod`,
      `${claims.nodeId}/`,
      `${claims.nodeId}/Pod_1`,
      `${claims.nodeId}/a/b`,
    ])
      expect(await refusal(current(request(token, id))), id).toMatch(/not valid for node/);
    expect(gatewayIdOfNode(`${claims.nodeId}/pod-1`)).toBe(gatewayIdOfNode(claims.nodeId));
    expect(instanceOfNode(`${claims.nodeId}.grpc/pod-1`)).toBe('pod-1');
    expect(instanceOfNode(claims.nodeId)).toBeUndefined();
    expect(gatewayIdOfNode(`${claims.nodeId}/Bad_Pod`)).toBeUndefined();
  });

  it('refuses expired tokens, tokens of another generation, of a deleted gateway or of a renamed account', async () => {
    const late = gatewayTokenAuthenticator(
      key,
      async () => ({ account: 'acme', generation: 3 }),
      () => claims.expiresAt,
    );
    expect(await refusal(late(request(token)))).toMatch(/expired/);
    const revoked = gatewayTokenAuthenticator(key, async () => ({ account: 'acme', generation: 4 }), now);
    expect(await refusal(revoked(request(token)))).toMatch(/revoked/);
    const deleted = gatewayTokenAuthenticator(key, async () => undefined, now);
    expect(await refusal(deleted(request(token)))).toMatch(/no longer exists/);
    const moved = gatewayTokenAuthenticator(key, async () => ({ account: 'other', generation: 3 }), now);
    expect(await refusal(moved(request(token)))).toMatch(/no longer exists/);
    expect(await refusal(current(request(`${token}.x`)))).toMatch(/malformed/);
  });
});
