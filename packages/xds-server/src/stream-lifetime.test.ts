// How long a stream lives: no longer than its credential's grant (expiresAt), and until the application ends it
// with disconnect() (deleted gateway, revoked credential). Both flavours share this in the stream base.
import * as grpc from '@grpc/grpc-js';
import { LISTENER } from '@epic/envoy-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuthGrant, bearerTokenAuthenticator } from './authenticate.js';
import { SnapshotCache } from './snapshot-cache.js';
import { AdsTestClient, namesOf } from './test-support/ads-client.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { XdsServer } from './xds-server.js';

const NODE = 'acme.shop';
const TIMEOUT = 15_000;

describe('stream lifetime', () => {
  let cache: SnapshotCache;
  let server: XdsServer;
  let client: AdsTestClient;
  let grants: Record<string, AuthGrant>;

  beforeEach(async () => {
    grants = {};
    cache = new SnapshotCache();
    cache.setSnapshot(
      NODE,
      grpcSnapshot('v1', {
        listener: 'shop',
        routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }],
        clusters: { backend: [9001] },
      }),
    );
    server = new XdsServer({ cache, authenticate: bearerTokenAuthenticator((t) => grants[t]) });
    client = new AdsTestClient(await server.listen('127.0.0.1:0'));
  });
  afterEach(async () => {
    client.close();
    await server.close(1000);
  });

  const sotw = (token: string) => {
    const s = client.sotw(token);
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: LISTENER, resource_names: [] });
    return s;
  };
  const delta = (token: string) => {
    const s = client.delta(token);
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: LISTENER, resource_names_subscribe: [] });
    return s;
  };

  it('refuses a grant that has already expired, before anything is sent', async () => {
    grants.old = { nodeId: NODE, expiresAt: Date.now() - 1 };
    const s = sotw('old');
    const status = await s.ended(TIMEOUT);
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).toMatch(/expired/);
    expect(await s.quiet(50)).toBe(true);
  });

  it('ends SotW and delta streams with UNAUTHENTICATED when their grant expires', async () => {
    // Long enough for the first responses to arrive before expiry on a loaded machine.
    grants.soon = { nodeId: NODE, expiresAt: Date.now() + 5000 };
    const a = sotw('soon');
    const b = delta('soon');
    expect(namesOf(await a.next(TIMEOUT))).toEqual(['shop']);
    await b.next(TIMEOUT);
    for (const s of [a, b]) {
      const status = await s.ended(TIMEOUT);
      expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(status.details).toMatch(/expired/);
    }
    expect(server.connectedNodeIds()).toEqual([]);
  });

  it('disconnect() ends exactly the streams it selects, by the claims of their grant', async () => {
    grants.gen1 = { nodeId: NODE, claims: { generation: 1 } };
    grants.gen2 = { nodeId: NODE, claims: { generation: 2 } };
    const old = sotw('gen1');
    const current = sotw('gen2');
    await old.next(TIMEOUT);
    await current.next(TIMEOUT);
    const ended = server.disconnect(
      (s) => s.grant?.claims?.generation === 1,
      grpc.status.UNAUTHENTICATED,
      'revoked',
    );
    expect(ended).toBe(1);
    expect(await old.ended(TIMEOUT)).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'revoked' });
    expect(current.status).toBeUndefined();
    expect(server.connectedNodeIds()).toEqual([NODE]);
  });
});
