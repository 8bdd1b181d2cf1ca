import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from './json.js';
import { traceDatagram } from './trace-udp.js';
import type { EnvoyResource, EnvoyResources } from './translate-ir.js';
import { UDP_PROXY_FILTER } from './udp.js';

// The datagram trace on hand-built resources: the shapes the golden cases never render (a proxy filter
// after another one, a route action without a cluster, a cluster without endpoints, a locality without
// a sub-zone).

const res = (name: string, resource: JsonObject): EnvoyResource => ({ name, typeUrl: 'test', resource });

function routeFilter(name: string, typedConfig: JsonValue | undefined): JsonObject {
  return {
    name,
    typedConfig: {
      matcher: {
        onNoMatch: { action: typedConfig === undefined ? { name: 'route' } : { name: 'route', typedConfig } },
      },
    },
  };
}

function udpListener(name: string, port: number, filters: JsonValue[], protocol = 'UDP'): EnvoyResource {
  return res(name, {
    name,
    address: { socketAddress: { protocol, portValue: port } },
    listenerFilters: filters,
  });
}

function cla(name: string, endpoints?: JsonValue[]): EnvoyResource {
  return res(name, endpoints === undefined ? { clusterName: name } : { clusterName: name, endpoints });
}

const lb = (address: string, port: number): JsonObject => ({
  endpoint: { address: { socketAddress: { address, portValue: port } } },
  healthStatus: 'HEALTHY',
});

function resources(r: Partial<EnvoyResources>): EnvoyResources {
  return { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [], ...r };
}

describe('traceDatagram on shapes the golden cases do not render', () => {
  it('refuses a port whose only listener is TCP, and a UDP listener without a proxy cluster', () => {
    const r = resources({
      listeners: [
        udpListener('tcp-53', 53, [routeFilter(UDP_PROXY_FILTER, { cluster: 'service/ns/a/53' })], 'TCP'),
        udpListener('no-action', 54, [routeFilter(UDP_PROXY_FILTER, undefined)]),
        udpListener('numeric-cluster', 55, [routeFilter(UDP_PROXY_FILTER, { cluster: 5 })]),
        udpListener('other-filter', 56, [routeFilter('envoy.filters.udp_listener.other', { cluster: 'x' })]),
      ],
    });
    expect(traceDatagram(r, { port: 53 })).toEqual({ connection: 'refused', port: 53, reason: 'NoListener' });
    expect(traceDatagram(r, { port: 54 })).toEqual({
      connection: 'refused',
      port: 54,
      reason: 'NotUdpProxy',
    });
    expect(traceDatagram(r, { port: 55 })).toEqual({
      connection: 'refused',
      port: 55,
      reason: 'NotUdpProxy',
    });
    expect(traceDatagram(r, { port: 56 })).toEqual({
      connection: 'refused',
      port: 56,
      reason: 'NotUdpProxy',
    });
  });

  it('skips listener filters that are not objects or not the UDP proxy, and reads the proxy after them', () => {
    const r = resources({
      listeners: [
        udpListener('u', 53, [
          null,
          'text',
          routeFilter('envoy.filters.udp_listener.other', { cluster: 'wrong' }),
          routeFilter(UDP_PROXY_FILTER, { cluster: 'service/ns/dns/53' }),
        ]),
      ],
      clusters: [res('service/ns/dns/53', { name: 'service/ns/dns/53' })],
      endpoints: [cla('service/ns/dns/53', [{ lbEndpoints: [lb('10.0.0.1', 5353)] }])],
    });
    expect(traceDatagram(r, { port: 53 })).toEqual({
      connection: 'accepted',
      port: 53,
      listener: 'u',
      cluster: 'service/ns/dns/53',
      backends: [
        {
          cluster: 'service/ns/dns/53',
          weight: 1,
          endpoints: [{ address: '10.0.0.1', port: 5353, healthStatus: 'HEALTHY' }],
        },
      ],
    });
  });

  it('a single backend: no backend when its cluster is missing, no endpoints when it has no assignment', () => {
    const proxy = [routeFilter(UDP_PROXY_FILTER, { cluster: 'service/ns/b/53' })];
    const missing = resources({
      listeners: [udpListener('u', 53, proxy)],
      clusters: [res('service/ns/other/53', { name: 'service/ns/other/53' })],
    });
    expect(traceDatagram(missing, { port: 53 })).toMatchObject({ connection: 'accepted', backends: [] });
    const bare = resources({
      listeners: [udpListener('u', 53, proxy)],
      clusters: [res('service/ns/b/53', { name: 'service/ns/b/53' })],
    });
    expect(traceDatagram(bare, { port: 53 })).toMatchObject({
      connection: 'accepted',
      backends: [{ cluster: 'service/ns/b/53', weight: 1, endpoints: [] }],
    });
  });

  it('a weighted route cluster: no backends without an assignment; localities without sub-zone or weight', () => {
    const proxy = [routeFilter(UDP_PROXY_FILTER, { cluster: 'udproute/ns/r' })];
    const none = resources({ listeners: [udpListener('u', 53, proxy)] });
    expect(traceDatagram(none, { port: 53 })).toMatchObject({
      connection: 'accepted',
      cluster: 'udproute/ns/r',
      backends: [],
    });
    const odd = resources({
      listeners: [udpListener('u', 53, proxy)],
      endpoints: [
        cla('udproute/ns/r', [
          { locality: { region: 'r' }, lbEndpoints: [] },
          { locality: 'zone', loadBalancingWeight: 3, lbEndpoints: [] },
          { locality: { subZone: 'service/ns/gone/53' }, loadBalancingWeight: 2, lbEndpoints: [] },
        ]),
      ],
    });
    expect(traceDatagram(odd, { port: 53 })).toMatchObject({
      connection: 'accepted',
      backends: [
        { cluster: '', weight: 1, endpoints: [] },
        { cluster: '', weight: 3, endpoints: [] },
        { cluster: 'service/ns/gone/53', weight: 2, endpoints: [] },
      ],
    });
  });
});
