// The gRPC team's xDS client (@grpc/grpc-js-xds) fed by our server: real RPCs to loopback backends are
// routed by method, by header and by weight according to the snapshot we serve.
import { ROUTE } from '@epic/envoy-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustClaimedNodeId } from './authenticate.js';
import { SnapshotCache } from './snapshot-cache.js';
import { waitForAck } from './test-support/acks.js';
import {
  type Backend,
  type EchoClient,
  call,
  startBackend,
  stopBackends,
} from './test-support/echo-backends.js';
import { type RouteSpec, grpcSnapshot } from './test-support/grpc-fixtures.js';
import { useXdsClient, xdsEchoClient } from './test-support/xds-client.js';
import { XdsServer } from './xds-server.js';

const NODE = 'acme.shop';

/** Calls until a reply comes from one of `backends`: the channel has switched to the new configuration. */
async function untilServedBy(
  client: EchoClient,
  method: 'Echo' | 'Shout',
  backends: string[],
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (backends.includes((await call(client, method)).backend)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never served by ${backends.join('/')}`);
}

describe('routing a grpc-js-xds client', () => {
  const cache = new SnapshotCache();
  let server: XdsServer;
  let backends: Record<string, Backend>;
  let client: EchoClient;

  function publish(version: string, routes: RouteSpec[]): Promise<unknown> {
    const acked = waitForAck(server, ROUTE, version);
    cache.setSnapshot(NODE, {
      ...grpcSnapshot(version, {
        listener: 'shop',
        routes,
        clusters: Object.fromEntries(Object.values(backends).map((b) => [b.name, [b.port]])),
      }),
    });
    return acked;
  }

  beforeAll(async () => {
    const list = await Promise.all(['plain', 'shouter', 'gold', 'a', 'b'].map(startBackend));
    backends = Object.fromEntries(list.map((b) => [b.name, b]));
    server = new XdsServer({ cache, authenticate: trustClaimedNodeId([NODE]) });
    const port = await server.listen('127.0.0.1:0');
    await useXdsClient(port, NODE);
    client = xdsEchoClient('shop');
  });

  afterAll(async () => {
    client?.close();
    await server?.close(1000);
    stopBackends(Object.values(backends ?? {}));
  });

  it('routes by method and by header, falling back to the default route', async () => {
    const acked = publish('1', [
      { match: { path: '/epic.test.Echo/Shout' }, route: { cluster: 'shouter' } },
      {
        match: { prefix: '/', headers: [{ name: 'x-tier', stringMatch: { exact: 'gold' } }] },
        route: { cluster: 'gold' },
      },
      { match: { prefix: '/' }, route: { cluster: 'plain' } },
    ]);
    await acked;
    // An RDS ACK means the route table is accepted; new clusters still resolve (CDS, EDS) before it is used.
    await untilServedBy(client, 'Shout', ['shouter']);
    expect((await call(client, 'Echo')).backend).toBe('plain');
    expect((await call(client, 'Echo', { 'x-tier': 'gold' })).backend).toBe('gold');
    expect((await call(client, 'Echo', { 'x-tier': 'silver' })).backend).toBe('plain');
  });

  it('splits traffic by cluster weight (70/30 over 1,000 calls)', async () => {
    await publish('2', [
      {
        match: { prefix: '/' },
        route: {
          weightedClusters: {
            clusters: [
              { name: 'a', weight: 70 },
              { name: 'b', weight: 30 },
            ],
          },
        },
      },
    ]);
    await untilServedBy(client, 'Echo', ['a', 'b']);
    const counts: Record<string, number> = {};
    const N = 1000;
    for (let i = 0; i < N; i += 50) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => call(client, 'Echo')));
      for (const r of replies) counts[r.backend] = (counts[r.backend] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(['a', 'b']);
    // Binomial(1000, 0.7): sd ≈ 14.5 calls; 5 sd either side keeps the false-failure rate below 1e-6.
    expect(counts.a).toBeGreaterThanOrEqual(700 - 73);
    expect(counts.a).toBeLessThanOrEqual(700 + 73);
  });
});
