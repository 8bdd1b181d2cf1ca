import { CLUSTER, ENDPOINT, decodeResource } from '@epic/envoy-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { trustClaimedNodeId } from './authenticate.js';
import type { DeltaDiscoveryResponse } from './discovery-codec.js';
import type { AckEvent, NackEvent } from './events.js';
import { SnapshotCache } from './snapshot-cache.js';
import { AdsTestClient } from './test-support/ads-client.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { XdsServer } from './xds-server.js';

const NODE = 'acme.shop';
const node = { id: NODE, cluster: 'acme' };

function snapshot(version: string, clusters: Record<string, number[]>) {
  return grpcSnapshot(version, {
    listener: 'shop',
    routes: [{ match: { prefix: '/' }, route: { cluster: Object.keys(clusters)[0]! } }],
    clusters,
  });
}

function names(r: DeltaDiscoveryResponse): string[] {
  return r.resources.map((x) => x.name).sort();
}

describe('incremental (delta) ADS', () => {
  let cache: SnapshotCache;
  let server: XdsServer;
  let client: AdsTestClient;
  const acks: AckEvent[] = [];
  const nacks: NackEvent[] = [];

  beforeEach(async () => {
    acks.length = 0;
    nacks.length = 0;
    cache = new SnapshotCache();
    server = new XdsServer({
      cache,
      authenticate: trustClaimedNodeId([NODE]),
      onAck: (e) => acks.push(e),
      onNack: (e) => nacks.push(e),
    });
    client = new AdsTestClient(await server.listen('127.0.0.1:0'));
  });

  afterEach(async () => {
    client.close();
    await server.close(1000);
  });

  it('answers a wildcard subscription with every resource and a version per resource', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1], b: [2] }));
    const s = client.delta();
    s.send({ node, type_url: CLUSTER });
    const r = await s.next();
    expect(r.system_version_info).toBe('v1');
    expect(names(r)).toEqual(['a', 'b']);
    expect(r.resources.every((x) => x.version.length > 0)).toBe(true);
    expect(decodeResource(CLUSTER, r.resources[0]!.resource!.value).type).toBe('EDS');
    s.close();
  });

  it('sends only the resource that changed, and acknowledges by nonce', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1], b: [2] }));
    const s = client.delta();
    s.send({ node, type_url: ENDPOINT, resource_names_subscribe: ['a', 'b'] });
    const r1 = await s.next();
    s.send({ type_url: ENDPOINT, response_nonce: r1.nonce });
    cache.setSnapshot(NODE, snapshot('v2', { a: [1], b: [3] }));
    const r2 = await s.next();
    expect(names(r2)).toEqual(['b']);
    expect(r2.removed_resources).toEqual([]);
    s.send({ type_url: ENDPOINT, response_nonce: r2.nonce });
    await expect.poll(() => acks.map((a) => a.version)).toEqual(['v1', 'v2']);
    expect(acks[1]).toMatchObject({ nodeId: NODE, typeUrl: ENDPOINT, stream: 'delta' });
    s.close();
  });

  it('lists deleted resources in removed_resources', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1], b: [2] }));
    const s = client.delta();
    s.send({ node, type_url: CLUSTER });
    const r1 = await s.next();
    s.send({ type_url: CLUSTER, response_nonce: r1.nonce });
    cache.setSnapshot(NODE, snapshot('v2', { a: [1] }));
    const r2 = await s.next();
    expect(r2.resources).toEqual([]);
    expect(r2.removed_resources).toEqual(['b']);
    s.close();
  });

  it('honours initial_resource_versions: current ones are not resent, stale ones are, vanished ones are removed', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1], b: [2] }));
    const first = client.delta();
    first.send({ node, type_url: CLUSTER });
    const r1 = await first.next();
    const versionOfA = r1.resources.find((x) => x.name === 'a')!.version;
    first.close();
    const s = client.delta();
    s.send({ node, type_url: CLUSTER, initial_resource_versions: { a: versionOfA, b: 'old', gone: 'x' } });
    const r2 = await s.next();
    expect(names(r2)).toEqual(['b']);
    expect(r2.removed_resources).toEqual(['gone']);
    s.close();
  });

  it('reports a subscribed name that does not exist in removed_resources, once', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1] }));
    const s = client.delta();
    s.send({ node, type_url: ENDPOINT, resource_names_subscribe: ['a', 'missing'] });
    const r1 = await s.next();
    expect(names(r1)).toEqual(['a']);
    expect(r1.removed_resources).toEqual(['missing']);
    s.send({ type_url: ENDPOINT, response_nonce: r1.nonce });
    expect(await s.quiet()).toBe(true);
    s.close();
  });

  it('stops sending a resource after it is unsubscribed', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1], b: [2] }));
    const s = client.delta();
    s.send({ node, type_url: ENDPOINT, resource_names_subscribe: ['a', 'b'] });
    const r1 = await s.next();
    s.send({ type_url: ENDPOINT, response_nonce: r1.nonce, resource_names_unsubscribe: ['b'] });
    cache.setSnapshot(NODE, snapshot('v2', { a: [1], b: [5] }));
    expect(await s.quiet()).toBe(true);
    s.close();
  });

  it('reports a NACK with the rejected system version and error message', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { a: [1] }));
    const s = client.delta();
    s.send({ node, type_url: CLUSTER });
    const r1 = await s.next();
    s.send({
      type_url: CLUSTER,
      response_nonce: r1.nonce,
      error_detail: { code: 3, message: 'cluster a: bad lb policy' },
    });
    await expect.poll(() => nacks.length).toBe(1);
    expect(nacks[0]).toMatchObject({
      nodeId: NODE,
      typeUrl: CLUSTER,
      version: 'v1',
      error: 'cluster a: bad lb policy',
      stream: 'delta',
    });
    s.close();
  });
});
