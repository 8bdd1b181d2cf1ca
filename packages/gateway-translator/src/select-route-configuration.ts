import {
  evaluateRoute,
  type EndpointOutcome,
  type RouteOutcome,
  type RouteRequest,
} from './evaluate-route.js';
import type { EnvoyResources } from './translate-ir.js';
import { isJsonObject, jsonObjects, type JsonObject } from './json.js';

/**
 * The filter chain a connection reaches: the Envoy listener on `port`, then its chain for the TLS server
 * name (an exact serverNames entry, else the longest matching wildcard, else the chain without one; the
 * first of equals). Undefined when the port is closed or no chain matches (Envoy closes the connection).
 */
export function selectFilterChain(
  resources: EnvoyResources,
  connection: { port: number; serverName?: string },
): JsonObject | undefined {
  const listener = resources.listeners.find((l) => listensOn(l.resource, connection.port, 'TCP'));
  if (listener === undefined) return undefined;
  const chains = jsonObjects(listener.resource['filterChains']);
  const sni = connection.serverName?.toLowerCase();
  let best: { chain: JsonObject; rank: number } | undefined;
  for (const chain of chains) {
    const match = chain['filterChainMatch'];
    const names =
      isJsonObject(match) && Array.isArray(match['serverNames'])
        ? match['serverNames'].filter((n) => typeof n === 'string')
        : [];
    let rank = -1;
    if (names.length === 0) rank = 0;
    for (const n of names) {
      if (sni === undefined) continue;
      if (n === sni) rank = Math.max(rank, 1_000);
      else if (n.startsWith('*.') && sni.endsWith(n.slice(1))) rank = Math.max(rank, n.length);
    }
    if (rank >= 0 && (best === undefined || rank > best.rank)) best = { chain, rank };
  }
  return best?.chain;
}

/** The RouteConfiguration a filter chain's HttpConnectionManager refers to (by RDS name), if any. */
/** A chain's HttpConnectionManager config (the network filter that names its routes by RDS), if it has one. */
function chainHcm(chain: JsonObject): JsonObject | undefined {
  for (const filter of jsonObjects(chain['filters'])) {
    const config = filter['typedConfig'];
    if (isJsonObject(config) && isJsonObject(config['rds'])) return config;
  }
  return undefined;
}

function chainRouteConfiguration(resources: EnvoyResources, chain: JsonObject): JsonObject | undefined {
  const rds = chainHcm(chain)?.['rds'];
  if (!isJsonObject(rds)) return undefined;
  return resources.routes.find((r) => r.name === rds['routeConfigName'])?.resource;
}

/**
 * The RouteConfiguration a connection reaches: the filter chain `selectFilterChain` picks and the RDS
 * name its HttpConnectionManager refers to. Undefined when the port is closed or the chain is not HTTP.
 */
export function selectRouteConfiguration(
  resources: EnvoyResources,
  connection: { port: number; serverName?: string },
): JsonObject | undefined {
  const chain = selectFilterChain(resources, connection);
  return chain === undefined ? undefined : chainRouteConfiguration(resources, chain);
}

/** The names of the rendered clusters, once per resources object (they are not changed after rendering). */
const clusterNameSets = new WeakMap<EnvoyResources['clusters'], ReadonlySet<string>>();
function clusterNames(resources: EnvoyResources): ReadonlySet<string> {
  let names = clusterNameSets.get(resources.clusters);
  if (names === undefined) {
    names = new Set(resources.clusters.map((c) => c.name));
    clusterNameSets.set(resources.clusters, names);
  }
  return names;
}

/** How the proxies connect to a cluster with TLS (a BackendTLSPolicy), as the trace shows it. */
export interface UpstreamTlsOutcome {
  sni: string;
  /** `inline`: the policy's CA certificates; `system`: the proxy's trust store. */
  trustedCa: 'inline' | 'system';
  /** The SANs the backend certificate must carry (`DNS:` / `URI:`, a `*.` name as its regex). */
  subjectAltNames: string[];
  /** The Gateway's backend client certificate is presented. */
  clientCertificate: boolean;
}

const clusterTlsIndexes = new WeakMap<EnvoyResources['clusters'], Map<string, UpstreamTlsOutcome>>();
function clusterTls(resources: EnvoyResources): Map<string, UpstreamTlsOutcome> {
  let index = clusterTlsIndexes.get(resources.clusters);
  if (index !== undefined) return index;
  index = new Map();
  for (const c of resources.clusters) {
    const socket = c.resource['transportSocket'];
    const tls = isJsonObject(socket) ? socket['typedConfig'] : undefined;
    if (!isJsonObject(tls)) continue;
    const common = isJsonObject(tls['commonTlsContext']) ? tls['commonTlsContext'] : {};
    const validation = isJsonObject(common['validationContext']) ? common['validationContext'] : {};
    const trusted = isJsonObject(validation['trustedCa']) ? validation['trustedCa'] : {};
    const sans = Array.isArray(validation['matchTypedSubjectAltNames'])
      ? validation['matchTypedSubjectAltNames']
      : [];
    index.set(c.name, {
      sni: String(tls['sni'] ?? ''),
      trustedCa: trusted['filename'] !== undefined ? 'system' : 'inline',
      subjectAltNames: sans.filter(isJsonObject).map((san) => {
        const m = isJsonObject(san['matcher']) ? san['matcher'] : {};
        const regex = isJsonObject(m['safeRegex']) ? m['safeRegex']['regex'] : undefined;
        return `${String(san['sanType'])}:${String(m['exact'] ?? regex ?? '')}`;
      }),
      clientCertificate: Array.isArray(common['tlsCertificateSdsSecretConfigs']),
    });
  }
  clusterTlsIndexes.set(resources.clusters, index);
  return index;
}

/** Clusters whose proxies speak HTTP/2 upstream (h2c without TLS): gRPC and `kubernetes.io/h2c` backends. */
const http2Indexes = new WeakMap<EnvoyResources['clusters'], Set<string>>();
function http2Clusters(resources: EnvoyResources): Set<string> {
  let index = http2Indexes.get(resources.clusters);
  if (index !== undefined) return index;
  index = new Set();
  for (const c of resources.clusters) {
    const options = c.resource['typedExtensionProtocolOptions'];
    const http = isJsonObject(options)
      ? options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']
      : undefined;
    const explicit = isJsonObject(http) ? http['explicitHttpConfig'] : undefined;
    if (isJsonObject(explicit) && explicit['http2ProtocolOptions'] !== undefined) index.add(c.name);
  }
  http2Indexes.set(resources.clusters, index);
  return index;
}

/** The protocol upgrades a chain's HttpConnectionManager lets through (e.g. websocket). */
function chainUpgrades(chain: JsonObject): string[] {
  return jsonObjects(chainHcm(chain)?.['upgradeConfigs']).map((u) => String(u['upgradeType'] ?? ''));
}

export interface TraceRequest extends RouteRequest {
  /** Listener port; defaults to 443 for https and 80 otherwise. */
  port?: number;
  /**
   * The TLS server name (SNI) of the connection, which picks the filter chain; the Host still picks the
   * virtual host, so a Host another HTTPS listener owns shows the 421 of a misdirected request. Defaults
   * to the Host (without its port) for https, as a client that opens a connection per origin sends it.
   */
  serverName?: string;
  /**
   * The client certificate the TLS client presents: none (the default), one the chain's CA trusts, or one
   * it does not. A chain that requires a valid one refuses the handshake otherwise.
   */
  clientCertificate?: 'none' | 'valid' | 'untrusted';
}

/** How the chosen filter chain treats client certificates (Gateway spec.tls frontend validation). */
export type ClientCertificatePolicy =
  /** No validation context: a certificate is not asked for. */
  | 'notRequested'
  /** AllowValidOnly: a certificate the chain's CA trusts is required. */
  | 'required'
  /** AllowInsecureFallback: asked for, but a missing or untrusted one is let through. */
  | 'optional';

/** Why a connection gets no HTTP answer. */
export type RefusalReason =
  'NoListener' | 'NoFilterChain' | 'NotHttp' | 'ClientCertificateRequired' | 'ClientCertificateUntrusted';

export type TraceResult =
  | {
      connection: 'refused';
      port: number;
      serverName?: string;
      reason: RefusalReason;
      /** Set when a chain was chosen (the handshake then failed on the client certificate, or it is TCP). */
      filterChain?: string | null;
      clientCertificate?: ClientCertificatePolicy;
    }
  | {
      connection: 'accepted';
      port: number;
      /** The TLS server name the connection carried (none for plain HTTP). */
      serverName?: string;
      /** The filter chain that server name picked (null when the chain has no name). */
      filterChain: string | null;
      clientCertificate: ClientCertificatePolicy;
      /** The chain's HTTP filters in the order they run (CORS, the template's, the router). */
      httpFilters: string[];
      /** The protocol upgrades the chain lets through to the backend (websocket). */
      upgrades: string[];
      routeConfiguration: string;
      /** The route's outcome; every cluster also lists the endpoints behind it (and its upstream TLS). */
      outcome: RouteOutcome;
    };

/** The chain's DownstreamTlsContext stance on client certificates. */
function clientCertificatePolicy(chain: JsonObject): ClientCertificatePolicy {
  const socket = chain['transportSocket'];
  const tls = isJsonObject(socket) ? socket['typedConfig'] : undefined;
  if (!isJsonObject(tls)) return 'notRequested';
  const common = tls['commonTlsContext'];
  const validation = isJsonObject(common) ? common['validationContext'] : undefined;
  if (!isJsonObject(validation)) return 'notRequested';
  if (tls['requireClientCertificate'] === true) return 'required';
  return validation['trustChainVerification'] === 'ACCEPT_UNTRUSTED' ? 'optional' : 'required';
}

/** Endpoints by cluster name, once per resources object (they are not changed after rendering). */
const endpointIndexes = new WeakMap<EnvoyResources['endpoints'], Map<string, EndpointOutcome[]>>();
export function endpointsOf(resources: EnvoyResources): Map<string, EndpointOutcome[]> {
  let index = endpointIndexes.get(resources.endpoints);
  if (index !== undefined) return index;
  index = new Map();
  for (const cla of resources.endpoints) {
    const out: EndpointOutcome[] = [];
    for (const locality of jsonObjects(cla.resource['endpoints'])) {
      for (const lb of jsonObjects(locality['lbEndpoints'])) {
        const endpoint = lb['endpoint'];
        const address = isJsonObject(endpoint) ? endpoint['address'] : undefined;
        const socket = isJsonObject(address) ? address['socketAddress'] : undefined;
        if (!isJsonObject(socket)) continue;
        out.push({
          address: String(socket['address'] ?? ''),
          port: Number(socket['portValue'] ?? 0),
          healthStatus: typeof lb['healthStatus'] === 'string' ? lb['healthStatus'] : 'UNKNOWN',
          ...(typeof lb['loadBalancingWeight'] === 'number' ? { weight: lb['loadBalancingWeight'] } : {}),
        });
      }
    }
    index.set(String(cla.resource['clusterName'] ?? cla.name), out);
  }
  endpointIndexes.set(resources.endpoints, index);
  return index;
}

/**
 * What a gateway's proxies do with one request (the trace API): the listener by port, the filter chain by
 * the TLS server name (the Host for https unless given apart), then the chain's RouteConfiguration by the
 * Host and the rest of the request, knowing which clusters exist.
 */
export function traceRequest(resources: EnvoyResources, request: TraceRequest): TraceResult {
  const port = request.port ?? (request.scheme === 'https' ? 443 : 80);
  const serverName =
    request.serverName ?? (request.scheme === 'https' ? request.host.replace(/:\d+$/, '') : undefined);
  const sni = serverName !== undefined ? { serverName } : {};
  const chain = selectFilterChain(resources, { port, ...sni });
  if (chain === undefined) {
    const open = tcpListenerOn(resources, port);
    return { connection: 'refused', port, ...sni, reason: open ? 'NoFilterChain' : 'NoListener' };
  }
  const filterChain = typeof chain['name'] === 'string' ? chain['name'] : null;
  const clientCertificate = clientCertificatePolicy(chain);
  const presented = request.clientCertificate ?? 'none';
  if (clientCertificate === 'required' && presented !== 'valid') {
    const reason = presented === 'none' ? 'ClientCertificateRequired' : 'ClientCertificateUntrusted';
    return { connection: 'refused', port, ...sni, reason, filterChain, clientCertificate };
  }
  const rc = chainRouteConfiguration(resources, chain);
  if (rc === undefined)
    return { connection: 'refused', port, ...sni, reason: 'NotHttp', filterChain, clientCertificate };
  const { port: _port, serverName: _serverName, clientCertificate: _cert, ...routeRequest } = request;
  const evaluated = evaluateRoute(rc, routeRequest, { clusters: clusterNames(resources) });
  const endpoints = endpointsOf(resources);
  const upstream = clusterTls(resources);
  const http2 = http2Clusters(resources);
  const outcome =
    evaluated.action.type === 'route'
      ? {
          ...evaluated,
          action: {
            ...evaluated.action,
            clusters: evaluated.action.clusters.map((c) => ({
              ...c,
              endpoints: endpoints.get(c.name) ?? [],
              ...(upstream.has(c.name) ? { upstreamTls: upstream.get(c.name) } : {}),
              // HTTP/2 to the backend (h2c without upstream TLS); HTTP/1.1 otherwise.
              ...(http2.has(c.name) ? { upstreamProtocol: 'HTTP/2' } : {}),
            })),
          },
        }
      : evaluated;
  return {
    connection: 'accepted',
    port,
    ...sni,
    filterChain,
    clientCertificate,
    httpFilters: chainHttpFilters(chain),
    upgrades: chainUpgrades(chain),
    routeConfiguration: String(rc['name']),
    outcome,
  };
}

/** The names of the HTTP filters of a chain's HttpConnectionManager, in order. */
function chainHttpFilters(chain: JsonObject): string[] {
  return jsonObjects(chainHcm(chain)?.['httpFilters']).map((f) => String(f['name'] ?? ''));
}

/** Whether any listener takes TCP on `port` (a connection with no chain for it is then closed, not refused). */
export function tcpListenerOn(resources: EnvoyResources, port: number): boolean {
  return resources.listeners.some((l) => listensOn(l.resource, port, 'TCP'));
}

/** Whether a Listener binds `port` over `transport` (a socket address without a protocol is TCP). */
export function listensOn(listener: JsonObject, port: number, transport: 'TCP' | 'UDP'): boolean {
  const address = listener['address'];
  const socket = isJsonObject(address) ? address['socketAddress'] : undefined;
  return (
    isJsonObject(socket) &&
    socket['portValue'] === port &&
    (socket['protocol'] === 'UDP' ? 'UDP' : 'TCP') === transport
  );
}
