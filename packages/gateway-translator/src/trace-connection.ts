import { isJsonObject, jsonObjects, type JsonObject } from './json.js';
import { endpointsOf, selectFilterChain, tcpListenerOn } from './select-route-configuration.js';
import type { UdpBackendOutcome } from './trace-udp.js';
import type { EnvoyResources } from './translate-ir.js';

// The trace of a TCP connection (TCPRoute, and TLSRoute in passthrough or terminate mode): the listener on the
// port, the filter chain the TLS server name picks, its TCP proxy's clusters with their weights, and the
// endpoints behind them, read from the rendered resources as the proxies would (docs/adr/0457-trace-whole-request.md).

export type ConnectionTrace =
  | {
      connection: 'refused';
      port: number;
      serverName?: string;
      /** No listener on the port; no chain for the server name; or the chain is HTTP (use the request trace). */
      reason: 'NoListener' | 'NoFilterChain' | 'NotTcpProxy';
      filterChain?: string | null;
    }
  | {
      connection: 'accepted';
      port: number;
      serverName?: string;
      filterChain: string | null;
      /** Whether the chain terminates TLS (TLSRoute Terminate) rather than passing the bytes through. */
      terminatesTls: boolean;
      /** The TCP proxy's clusters by weight (one with weight 1 for a single cluster). */
      backends: UdpBackendOutcome[];
    };

/** The TcpProxy config of a chain, if its network filter is one. */
function tcpProxy(chain: JsonObject): JsonObject | undefined {
  for (const f of jsonObjects(chain['filters'])) {
    if (f['name'] === 'envoy.filters.network.tcp_proxy' && isJsonObject(f['typedConfig']))
      return f['typedConfig'];
  }
  return undefined;
}

export function traceConnection(
  resources: EnvoyResources,
  request: { port: number; serverName?: string },
): ConnectionTrace {
  const { port } = request;
  const sni = request.serverName !== undefined ? { serverName: request.serverName } : {};
  const chain = selectFilterChain(resources, { port, ...sni });
  if (chain === undefined) {
    return {
      connection: 'refused',
      port,
      ...sni,
      reason: tcpListenerOn(resources, port) ? 'NoFilterChain' : 'NoListener',
    };
  }
  const filterChain = typeof chain['name'] === 'string' ? chain['name'] : null;
  const tcp = tcpProxy(chain);
  if (tcp === undefined) return { connection: 'refused', port, ...sni, reason: 'NotTcpProxy', filterChain };
  const weighted = isJsonObject(tcp['weightedClusters'])
    ? jsonObjects(tcp['weightedClusters']['clusters'])
    : [];
  const shares =
    typeof tcp['cluster'] === 'string'
      ? [{ name: tcp['cluster'], weight: 1 }]
      : weighted.map((c) => ({ name: String(c['name'] ?? ''), weight: Number(c['weight'] ?? 1) }));
  const index = endpointsOf(resources);
  const known = new Set(resources.clusters.map((c) => c.name));
  return {
    connection: 'accepted',
    port,
    ...sni,
    filterChain,
    terminatesTls: chain['transportSocket'] !== undefined,
    // A share whose cluster the proxies were not sent (a backendRef that did not resolve) has no endpoints:
    // Envoy closes the connections that share gets.
    backends: shares.map((s) => ({
      cluster: s.name,
      weight: s.weight,
      endpoints: known.has(s.name) ? (index.get(s.name) ?? []) : [],
    })),
  };
}
