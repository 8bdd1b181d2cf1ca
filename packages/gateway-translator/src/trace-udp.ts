import type { EndpointOutcome } from './evaluate-route.js';
import { isJsonObject, jsonObjects, type JsonObject } from './json.js';
import { endpointsOf, listensOn } from './select-route-configuration.js';
import type { EnvoyResources } from './translate-ir.js';
import { UDP_PROXY_FILTER, UDP_ROUTE_CLUSTER_PREFIX } from './udp.js';

// The trace of a UDP datagram (ADR docs/adr/0461-udp-route-and-session-persistence.md): the UDP listener on
// the port, its UDP proxy's cluster, and the backends behind it with their shares, read from the rendered
// resources as the proxies would.

export interface UdpBackendOutcome {
  /** The backend's own cluster (`service/<ns>/<name>/<port>`). */
  cluster: string;
  weight: number;
  endpoints: EndpointOutcome[];
}

export type DatagramTrace =
  | { connection: 'refused'; port: number; reason: 'NoListener' | 'NotUdpProxy' }
  | {
      connection: 'accepted';
      port: number;
      listener: string;
      /** The cluster the UDP proxy's route action names. */
      cluster: string;
      /** The weighted backends: one for a single-backend route; none when no backend resolved. */
      backends: UdpBackendOutcome[];
    };

/** The cluster a UDP proxy listener filter routes to (its matcher's on-no-match Route action). */
function proxyCluster(listener: JsonObject): string | undefined {
  for (const filter of jsonObjects(listener['listenerFilters'])) {
    if (filter['name'] !== UDP_PROXY_FILTER) continue;
    const config = filter['typedConfig'];
    const matcher = isJsonObject(config) ? config['matcher'] : undefined;
    const onNoMatch = isJsonObject(matcher) ? matcher['onNoMatch'] : undefined;
    const action = isJsonObject(onNoMatch) ? onNoMatch['action'] : undefined;
    const route = isJsonObject(action) ? action['typedConfig'] : undefined;
    if (isJsonObject(route) && typeof route['cluster'] === 'string') return route['cluster'];
  }
  return undefined;
}

export function traceDatagram(resources: EnvoyResources, request: { port: number }): DatagramTrace {
  const { port } = request;
  const listener = resources.listeners.find((l) => listensOn(l.resource, port, 'UDP'));
  if (listener === undefined) return { connection: 'refused', port, reason: 'NoListener' };
  const cluster = proxyCluster(listener.resource);
  if (cluster === undefined) return { connection: 'refused', port, reason: 'NotUdpProxy' };
  const cla = resources.endpoints.find((e) => e.name === cluster)?.resource;
  const localities = jsonObjects(cla?.['endpoints']);
  // A route cluster holds one locality per backend that resolved (none: nothing is sent).
  const weighted = cluster.startsWith(UDP_ROUTE_CLUSTER_PREFIX);
  let backends: UdpBackendOutcome[];
  if (!weighted) {
    backends = resources.clusters.some((c) => c.name === cluster)
      ? [{ cluster, weight: 1, endpoints: endpointsOf(resources).get(cluster) ?? [] }]
      : [];
  } else {
    const index = endpointsOf(resources);
    backends = localities.map((l) => {
      const zone = isJsonObject(l['locality']) ? String(l['locality']['subZone'] ?? '') : '';
      return {
        cluster: zone,
        weight: Number(l['loadBalancingWeight'] ?? 1),
        endpoints: index.get(zone) ?? [],
      };
    });
  }
  return { connection: 'accepted', port, listener: listener.name, cluster, backends };
}
