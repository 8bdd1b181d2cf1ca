// A grpc-js-xds client under continuous traffic while its configuration changes, is rejected, and while the
// xDS server restarts: no RPC may fail.
import { CLUSTER, ENDPOINT, ROUTE } from '@epic/envoy-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustClaimedNodeId } from './authenticate.js';
import { SnapshotCache, type SnapshotInput } from './snapshot-cache.js';
import { waitForAck, waitForNack } from './test-support/acks.js';
import {
  type Backend,
  type EchoClient,
  call,
  startBackend,
  stopBackends,
} from './test-support/echo-backends.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { startTraffic } from './test-support/traffic.js';
import { useXdsClient, xdsEchoClient } from './test-support/xds-client.js';
import { XdsServer } from './xds-server.js';

const NODE = 'acme.shop';

interface RenderOptions {
  defaultCluster: 'a' | 'b';
  headerValue: string;
  aPorts: ('a1' | 'a2')[];
}

describe('a grpc-js-xds client through changes, rejections and restarts', () => {
  let cache = new SnapshotCache();
  let server: XdsServer;
  let port: number;
  let backends: Record<string, Backend>;
  let client: EchoClient;
  let last: SnapshotInput;

  function render(
    version: string,
    opts: { defaultCluster: string; headerValue: string; aPorts: ('a1' | 'a2')[] },
  ): SnapshotInput {
    return grpcSnapshot(version, {
      listener: 'shop',
      routes: [
        {
          match: { prefix: '/', headers: [{ name: 'x-canary', stringMatch: { exact: opts.headerValue } }] },
          route: { cluster: 'b' },
        },
        { match: { prefix: '/' }, route: { cluster: opts.defaultCluster } },
      ],
      clusters: { a: opts.aPorts.map((n) => backends[n]!.port), b: [backends.b1!.port] },
    });
  }

  async function servedBy(names: string[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (names.includes((await call(client, 'Echo')).backend)) return;
    }
    throw new Error(`never served by ${names.join('/')}`);
  }

  beforeAll(async () => {
    const list = await Promise.all(['a1', 'a2', 'b1'].map(startBackend));
    backends = Object.fromEntries(list.map((b) => [b.name, b]));
    server = new XdsServer({ cache, authenticate: trustClaimedNodeId([NODE]) });
    port = await server.listen('127.0.0.1:0');
    await useXdsClient(port, NODE);
    last = render('0', { defaultCluster: 'a', headerValue: 'none', aPorts: ['a1', 'a2'] });
    const acked = waitForAck(server, ENDPOINT, '0');
    cache.setSnapshot(NODE, last);
    client = xdsEchoClient('shop');
    await acked;
    await servedBy(['a1', 'a2']);
  });

  afterAll(async () => {
    client?.close();
    await server?.close(1000);
    stopBackends(Object.values(backends ?? {}));
  });

  it('serves every RPC while 100 route and endpoint changes are applied', async () => {
    const traffic = startTraffic(client);
    let state: RenderOptions = { defaultCluster: 'a', headerValue: 'none', aPorts: ['a1', 'a2'] };
    for (let i = 1; i <= 100; i++) {
      const version = String(i);
      // Odd changes move routes (default cluster and a header match); even ones move endpoints of cluster "a".
      const routeChange = i % 2 === 1;
      state = routeChange
        ? { ...state, defaultCluster: state.defaultCluster === 'a' ? 'b' : 'a', headerValue: `v${i}` }
        : { ...state, aPorts: state.aPorts.length === 2 ? ['a2'] : ['a1', 'a2'] };
      last = render(version, state);
      const acked = waitForAck(server, routeChange ? ROUTE : ENDPOINT, version);
      const changed = cache.setSnapshot(NODE, last);
      expect(changed).toEqual([routeChange ? ROUTE : ENDPOINT]);
      await acked;
    }
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(200);
    // Traffic really followed the changes: both clusters (and both endpoints of "a") served requests.
    expect(Object.keys(report.byBackend).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('reports the NACK of an invalid cluster and keeps serving on the last good configuration', async () => {
    const traffic = startTraffic(client);
    const bad = structuredClone(last) as any;
    bad.version = 'bad';
    const cluster = bad.resources[CLUSTER].find((c: any) => c.name === 'a').resource;
    delete cluster.edsClusterConfig; // schema-valid, but a gRPC client cannot use an EDS cluster without it
    const nacked = waitForNack(server, CLUSTER);
    cache.setSnapshot(NODE, bad);
    const nack = await nacked;
    expect(nack).toMatchObject({ nodeId: NODE, typeUrl: CLUSTER, version: 'bad' });
    expect(nack.error).toMatch(/eds_cluster_config/);
    await new Promise((r) => setTimeout(r, 300));
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.ok).toBeGreaterThan(0);
    // Recovery: the next good snapshot is accepted.
    const good = { ...last, version: 'good' };
    const acked = waitForAck(server, CLUSTER, 'good');
    cache.setSnapshot(NODE, good);
    await acked;
    last = good;
  });

  it('reconnects after a server restart, receives the same version, and traffic never stops', async () => {
    const traffic = startTraffic(client);
    const typeVersions = cache.typeVersions(NODE);
    const versions = ([CLUSTER, ENDPOINT, ROUTE] as const).map((t) => typeVersions[t]!);
    expect(new Set(versions).size).toBeGreaterThan(1); // per-type versions really differ here
    await server.close(500);
    // A fresh process: a new cache filled from the same revision and its persisted per-type versions.
    cache = new SnapshotCache();
    cache.setSnapshot(NODE, { ...last, typeVersions });
    server = new XdsServer({ cache, authenticate: trustClaimedNodeId([NODE]) });
    const acks = [
      waitForAck(server, CLUSTER, versions[0]!, 20_000),
      waitForAck(server, ENDPOINT, versions[1]!, 20_000),
      waitForAck(server, ROUTE, versions[2]!, 20_000),
    ];
    await server.listen(`127.0.0.1:${port}`);
    const events = await Promise.all(acks);
    expect(events.map((e) => e.nodeId)).toEqual([NODE, NODE, NODE]);
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.ok).toBeGreaterThan(0);
  });
});
