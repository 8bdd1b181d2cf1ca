import { INVALID_BACKEND_CLUSTER, type IR, type IRCluster, type IRUdpListener } from './ir.js';
import type { JsonObject } from './json.js';
import type { EnvoyResource } from './translate-ir.js';
import { ExtensionType, TypeUrl } from './type-urls.js';

// Stage 2 for UDP (ADR docs/adr/0461-udp-route-and-session-persistence.md): a UDP listener whose only
// listener filter is Envoy's UDP proxy. The proxy's matcher action (udp_proxy.v3.Route) names one cluster;
// Envoy has no weighted-cluster action for UDP, so a route with several backends gets a cluster of its own,
// `udproute/<namespace>/<name>`, with one locality per backend weighted as the route weighs it.

export const UDP_PROXY_FILTER = 'envoy.filters.udp_listener.udp_proxy';
export const UDP_ROUTE_CLUSTER_PREFIX = 'udproute/';
const ADS: JsonObject = { ads: {}, resourceApiVersion: 'V3' };

export interface UdpResources {
  listeners: EnvoyResource[];
  clusters: EnvoyResource[];
  endpoints: EnvoyResource[];
}

/** The cluster a UDP listener's proxy sends to: the one backend's, or the route's weighted cluster. */
export function udpTargetCluster(u: IRUdpListener): string {
  const only = u.destinations.length === 1 ? u.destinations[0] : undefined;
  if (only !== undefined && only.cluster !== INVALID_BACKEND_CLUSTER) return only.cluster;
  return `${UDP_ROUTE_CLUSTER_PREFIX}${u.route.slice('udproute/'.length)}`;
}

export function udpResources(ir: IR): UdpResources {
  const out: UdpResources = { listeners: [], clusters: [], endpoints: [] };
  const byName = new Map<string, IRCluster>(ir.clusters.map((c) => [c.name, c]));
  const bind = ir.gateway.address.includes(':') ? '::' : '0.0.0.0';
  const weighted = new Set<string>();
  for (const u of ir.udpListeners ?? []) {
    const cluster = udpTargetCluster(u);
    out.listeners.push({ name: u.name, typeUrl: TypeUrl.Listener, resource: udpListener(u, bind, cluster) });
    if (!cluster.startsWith(UDP_ROUTE_CLUSTER_PREFIX) || weighted.has(cluster)) continue;
    weighted.add(cluster);
    out.clusters.push({
      name: cluster,
      typeUrl: TypeUrl.Cluster,
      resource: {
        name: cluster,
        type: 'EDS',
        edsClusterConfig: { edsConfig: ADS },
        connectTimeout: '10s',
        commonLbConfig: { localityWeightedLbConfig: {} },
      },
    });
    out.endpoints.push({
      name: cluster,
      typeUrl: TypeUrl.ClusterLoadAssignment,
      resource: weightedAssignment(cluster, u, byName),
    });
  }
  return out;
}

function udpListener(u: IRUdpListener, bind: string, cluster: string): JsonObject {
  return {
    name: u.name,
    address: { socketAddress: { protocol: 'UDP', address: bind, portValue: u.port } },
    udpListenerConfig: {},
    listenerFilters: [
      {
        name: UDP_PROXY_FILTER,
        typedConfig: {
          '@type': ExtensionType.UdpProxy,
          statPrefix: u.name.replace(/[^A-Za-z0-9_.-]/g, '_'),
          matcher: {
            onNoMatch: {
              action: { name: 'route', typedConfig: { '@type': ExtensionType.UdpProxyRoute, cluster } },
            },
          },
        },
      },
    ],
  };
}

/**
 * One locality per backend, `loadBalancingWeight` = the route's weight, holding that backend's endpoints.
 * A backend that did not resolve is a locality without endpoints: Envoy gives its share to the others
 * (it cannot drop that share of datagrams); with none resolved there are no endpoints and nothing is sent.
 */
function weightedAssignment(
  cluster: string,
  u: IRUdpListener,
  clusters: ReadonlyMap<string, IRCluster>,
): JsonObject {
  const out: JsonObject = { clusterName: cluster };
  const localities = u.destinations
    .map((d) => ({ d, endpoints: clusters.get(d.cluster)?.endpoints ?? [] }))
    .filter(({ endpoints }) => endpoints.length > 0)
    .map(({ d, endpoints }) => ({
      locality: { subZone: d.cluster },
      loadBalancingWeight: d.weight,
      lbEndpoints: endpoints.map((e) => {
        const lb: JsonObject = {
          endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
          healthStatus: e.health,
        };
        if (e.weight !== undefined) lb['loadBalancingWeight'] = e.weight;
        return lb;
      }),
    }));
  if (localities.length > 0) out['endpoints'] = localities;
  return out;
}
