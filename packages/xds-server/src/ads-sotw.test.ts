import * as grpc from '@grpc/grpc-js';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE, decodeResource } from '@epic/envoy-proto';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerTokenAuthenticator } from './authenticate.js';
import type { AckEvent, NackEvent } from './events.js';
import { SnapshotCache } from './snapshot-cache.js';
import { AdsTestClient, namesOf } from './test-support/ads-client.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';
import { XdsServer } from './xds-server.js';

const NODE = 'acme.shop';
const TOKENS: Record<string, string> = { 'tok-shop': 'acme.shop', 'tok-other': 'acme.other' };

function snapshot(version: string, opts: { prefix?: string; ports?: number[]; clusters?: string[] } = {}) {
  const clusters = Object.fromEntries((opts.clusters ?? ['backend']).map((c) => [c, opts.ports ?? [9001]]));
  return grpcSnapshot(version, {
    listener: 'shop',
    routes: [{ match: { prefix: opts.prefix ?? '/' }, route: { cluster: Object.keys(clusters)[0]! } }],
    clusters,
  });
}

describe('state-of-the-world ADS', () => {
  let cache: SnapshotCache;
  let server: XdsServer;
  let client: AdsTestClient;
  let registry: Registry;
  const acks: AckEvent[] = [];
  const nacks: NackEvent[] = [];

  beforeEach(async () => {
    acks.length = 0;
    nacks.length = 0;
    cache = new SnapshotCache();
    registry = new Registry();
    server = new XdsServer({
      cache,
      registry,
      authenticate: bearerTokenAuthenticator((t) => TOKENS[t]),
      onAck: (e) => acks.push(e),
      onNack: (e) => nacks.push(e),
    });
    const port = await server.listen('127.0.0.1:0');
    client = new AdsTestClient(port);
  });

  afterEach(async () => {
    client.close();
    await server.close(1000);
  });

  it('answers the first request with the snapshot version, a nonce and the subscribed resources', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: LISTENER, resource_names: ['shop'] });
    const r = await s.next();
    expect(r.version_info).toBe('v1');
    expect(r.type_url).toBe(LISTENER);
    expect(r.nonce).not.toBe('');
    expect(namesOf(r)).toEqual(['shop']);
    const listener = decodeResource(LISTENER, r.resources[0]!.value) as any;
    expect(listener.apiListener.apiListener.rds.routeConfigName).toBe('shop-routes');
    s.close();
  });

  it('reports an ACK with the accepted version when the nonce matches', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    const r = await s.next();
    s.send({ type_url: CLUSTER, version_info: 'v1', response_nonce: r.nonce, resource_names: [] });
    await expect.poll(() => acks.length).toBe(1);
    expect(acks[0]).toMatchObject({
      nodeId: NODE,
      typeUrl: CLUSTER,
      version: 'v1',
      nonce: r.nonce,
      stream: 'sotw',
    });
    expect(acks[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    s.close();
  });

  it('reports a NACK with the error, does not resend the rejected version, and pushes the next one', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    const r1 = await s.next();
    s.send({
      type_url: CLUSTER,
      version_info: '',
      response_nonce: r1.nonce,
      error_detail: { code: 3, message: 'bad cluster' },
    });
    await expect.poll(() => nacks.length).toBe(1);
    expect(nacks[0]).toMatchObject({
      nodeId: NODE,
      typeUrl: CLUSTER,
      version: 'v1',
      error: 'bad cluster',
      code: 3,
    });
    expect(await s.quiet()).toBe(true);
    cache.setSnapshot(NODE, snapshot('v2', { clusters: ['backend2'] }));
    const r2 = await s.next();
    expect(r2.version_info).toBe('v2');
    expect(namesOf(r2)).toEqual(['backend2']);
    const nacksMetric = await registry.getSingleMetric('epic_xds_nacks_total')!.get();
    expect(nacksMetric.values).toEqual([expect.objectContaining({ labels: { type: 'CDS' }, value: 1 })]);
    s.close();
  });

  it('ignores a request that answers an older nonce', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    const r1 = await s.next();
    s.send({ type_url: CLUSTER, version_info: 'v1', response_nonce: r1.nonce });
    cache.setSnapshot(NODE, snapshot('v2', { clusters: ['b2'] }));
    const r2 = await s.next();
    s.send({
      type_url: CLUSTER,
      version_info: 'v1',
      response_nonce: r1.nonce,
      error_detail: { code: 3, message: 'late' },
    });
    expect(await s.quiet()).toBe(true);
    expect(nacks).toEqual([]);
    s.send({ type_url: CLUSTER, version_info: 'v2', response_nonce: r2.nonce });
    await expect.poll(() => acks.map((a) => a.version)).toEqual(['v1', 'v2']);
    s.close();
  });

  it('pushes only the types whose content changed (a route change sends RDS only)', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    const node = { id: NODE, cluster: 'acme' };
    const nonces = new Map<string, string>();
    for (const [typeUrl, names] of [
      [CLUSTER, []],
      [ENDPOINT, ['backend']],
      [LISTENER, ['shop']],
      [ROUTE, ['shop-routes']],
    ] as const) {
      s.send({ node, type_url: typeUrl, resource_names: [...names] });
      const r = await s.next();
      nonces.set(typeUrl, r.nonce);
      s.send({
        type_url: typeUrl,
        version_info: r.version_info,
        response_nonce: r.nonce,
        resource_names: [...names],
      });
    }
    cache.setSnapshot(NODE, snapshot('v2', { prefix: '/api' }));
    const r = await s.next();
    expect(r.type_url).toBe(ROUTE);
    expect(r.version_info).toBe('v2');
    expect(await s.quiet()).toBe(true);
    s.close();
  });

  it('pushes CDS before EDS and LDS before RDS when everything changes at once', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    const node = { id: NODE, cluster: 'acme' };
    // Subscribe in the "wrong" order on purpose.
    for (const [typeUrl, names] of [
      [ROUTE, ['shop-routes']],
      [LISTENER, ['shop']],
      [ENDPOINT, ['backend']],
      [CLUSTER, []],
    ] as const) {
      s.send({ node, type_url: typeUrl, resource_names: [...names] });
      const r = await s.next();
      s.send({
        type_url: typeUrl,
        version_info: r.version_info,
        response_nonce: r.nonce,
        resource_names: [...names],
      });
    }
    await expect.poll(() => acks.length).toBe(4);
    const next = snapshot('v2', { prefix: '/v2', ports: [9002] }) as any;
    next.resources[CLUSTER][0].resource.lbPolicy = 'LEAST_REQUEST';
    next.resources[LISTENER][0].resource.apiListener.apiListener.statPrefix = 'changed';
    cache.setSnapshot(NODE, next);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await s.next()).type_url);
    expect(order).toEqual([CLUSTER, ENDPOINT, LISTENER, ROUTE]);
    s.close();
  });

  it('holds a changed EDS back while a newer CDS waits behind an unacknowledged response', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    const node = { id: NODE, cluster: 'acme' };
    s.send({ node, type_url: ENDPOINT, resource_names: ['backend'] });
    const e1 = await s.next();
    s.send({ type_url: ENDPOINT, version_info: 'v1', response_nonce: e1.nonce, resource_names: ['backend'] });
    s.send({ type_url: CLUSTER, resource_names: [] });
    const c1 = await s.next(); // CDS v1 is now in flight, not yet acknowledged
    const next = snapshot('v2', { ports: [9002] }) as any;
    next.resources[CLUSTER][0].resource.lbPolicy = 'LEAST_REQUEST';
    cache.setSnapshot(NODE, next);
    expect(await s.quiet()).toBe(true);
    s.send({ type_url: CLUSTER, version_info: 'v1', response_nonce: c1.nonce, resource_names: [] });
    expect([(await s.next()).type_url, (await s.next()).type_url]).toEqual([CLUSTER, ENDPOINT]);
    s.close();
  });

  it('sends named types only for the names requested, and again when a name is added', async () => {
    const input = snapshot('v1', { clusters: ['a', 'b'] });
    cache.setSnapshot(NODE, input);
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: ENDPOINT, resource_names: ['a'] });
    const r1 = await s.next();
    expect(namesOf(r1)).toEqual(['a']);
    s.send({ type_url: ENDPOINT, version_info: 'v1', response_nonce: r1.nonce, resource_names: ['a', 'b'] });
    const r2 = await s.next();
    expect(namesOf(r2).sort()).toEqual(['a', 'b']);
    expect(r2.version_info).toBe('v1');
    s.close();
  });

  it('serves a first request that still carries the nonce of a previous stream', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({
      node: { id: NODE, cluster: 'acme' },
      type_url: CLUSTER,
      version_info: 'v1',
      response_nonce: '17',
    });
    expect((await s.next()).version_info).toBe('v1');
    s.close();
  });

  it('treats an empty first CDS request as a wildcard subscription', async () => {
    cache.setSnapshot(NODE, snapshot('v1', { clusters: ['a', 'b', 'c'] }));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    expect(namesOf(await s.next()).sort()).toEqual(['a', 'b', 'c']);
    s.close();
  });

  it('waits for the first snapshot of a node before answering', async () => {
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    expect(await s.quiet()).toBe(true);
    cache.setSnapshot(NODE, snapshot('v1'));
    expect((await s.next()).version_info).toBe('v1');
    s.close();
  });

  it('rejects a stream without a token as UNAUTHENTICATED', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw();
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    expect((await s.ended()).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("rejects another gateway's token for this node id as PERMISSION_DENIED and sends nothing", async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-other');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    const status = await s.ended();
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await s.quiet(50)).toBe(true);
  });

  it('ends a stream that switches to another node id mid-stream with PERMISSION_DENIED', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    cache.setSnapshot('acme.other', snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    await s.next();
    s.send({ node: { id: 'acme.other', cluster: 'acme' }, type_url: LISTENER, resource_names: [] });
    expect((await s.ended()).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('counts connected proxies and forgets them when they disconnect', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const gauge = registry.getSingleMetric('epic_xds_connected_proxies')!;
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    await s.next();
    expect((await gauge.get()).values[0]?.value).toBe(1);
    expect(server.connectedNodeIds()).toEqual([NODE]);
    s.close();
    await expect.poll(async () => (await gauge.get()).values[0]?.value).toBe(0);
  });

  it('ends open streams with UNAVAILABLE on close', async () => {
    cache.setSnapshot(NODE, snapshot('v1'));
    const s = client.sotw('tok-shop');
    s.send({ node: { id: NODE, cluster: 'acme' }, type_url: CLUSTER, resource_names: [] });
    await s.next();
    await server.close(1000);
    expect((await s.ended()).code).toBe(grpc.status.UNAVAILABLE);
  });
});
