// Instances of one proxy fleet: each its own node id (so ACKs name the instance), one configuration between them
// (the grant's snapshotKey).
import { CLUSTER } from '@epic/envoy-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AckEvent } from './events.js';
import { SnapshotCache } from './snapshot-cache.js';
import { AdsTestClient } from './test-support/ads-client.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { XdsServer } from './xds-server.js';

describe('instances sharing a snapshot key', () => {
  const cache = new SnapshotCache();
  const acks: AckEvent[] = [];
  let server: XdsServer;
  let client: AdsTestClient;
  const snapshot = (v: string, cluster: string) =>
    grpcSnapshot(v, {
      listener: 'shop',
      routes: [{ match: { prefix: '/' }, route: { cluster } }],
      clusters: { [cluster]: [9001] },
    });

  beforeAll(async () => {
    cache.setSnapshot('acme.shop', snapshot('v1', 'c1'));
    server = new XdsServer({
      cache,
      // `<fleet>/<instance>` → the fleet's configuration.
      authenticate: ({ node }) => ({ nodeId: node.id, snapshotKey: node.id.split('/')[0]! }),
      onAck: (e) => acks.push(e),
    });
    client = new AdsTestClient(await server.listen('127.0.0.1:0'));
  });
  afterAll(async () => {
    client?.close();
    await server?.close(1000);
  });

  it('both instances get the fleet configuration and its changes; each ACK names its instance', async () => {
    const streams = ['acme.shop/pod-a', 'acme.shop/pod-b'].map((id) => {
      const s = client.sotw();
      s.send({ node: { id, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
      return { id, s };
    });
    for (const { s } of streams) {
      const r = await s.next();
      expect(r.version_info).toBe('v1');
      s.send({ type_url: CLUSTER, version_info: 'v1', response_nonce: r.nonce, resource_names: [] });
    }
    await expect.poll(() => acks.filter((a) => a.snapshotVersion === 'v1').length).toBe(2);
    cache.setSnapshot('acme.shop', snapshot('v2', 'c2'));
    for (const { id, s } of streams) {
      const r = await s.next();
      expect(r.version_info, id).toBe('v2');
      s.send({ type_url: CLUSTER, version_info: 'v2', response_nonce: r.nonce, resource_names: [] });
    }
    await expect
      .poll(() =>
        acks
          .filter((a) => a.snapshotVersion === 'v2')
          .map((a) => a.nodeId)
          .sort(),
      )
      .toEqual(['acme.shop/pod-a', 'acme.shop/pod-b']);
    expect(server.connectedNodeIds()).toEqual(['acme.shop/pod-a', 'acme.shop/pod-b']);
    for (const { s } of streams) s.close();
  });
});
