import { SYSTEM_CA_BUNDLE_PATH } from './backend-tls.js';
import { compareStrings } from './backends.js';
import { protoDuration } from './duration.js';
import {
  extraHttpFilters,
  mergeOptions,
  RESERVED_CLUSTER_NAME_PREFIXES,
  RESERVED_CLUSTER_OPTION_KEYS,
  RESERVED_LISTENER_OPTION_KEYS,
  type TemplateFragments,
} from './fragments.js';
import {
  INVALID_BACKEND_CLUSTER,
  type IR,
  type IRCluster,
  type IRUpstreamTls,
  type IRCors,
  type IRDestination,
  type IRFilterChain,
  type IRHeaderMutation,
  type IRListener,
  type IRMatch,
  type IRRoute,
  type IRRouteConfig,
  type IRSecret,
  type IRStringMatch,
} from './ir.js';
import type { JsonObject, JsonValue } from './json.js';
import { escapeRegex } from './rules.js';
import { ExtensionType, TypeUrl } from './type-urls.js';
import { udpResources } from './udp.js';
import {
  HTTP_FILTER_STATEFUL_SESSION,
  needsStatefulSession,
  statefulSessionFilter,
  statefulSessionPerRoute,
} from './session.js';

export interface EnvoyResource {
  name: string;
  typeUrl: string;
  /** proto3 JSON of the message (camelCase; Any as `@type` + fields), without a top-level `@type`. */
  resource: JsonObject;
}

export interface EnvoyResources {
  listeners: EnvoyResource[];
  routes: EnvoyResource[];
  clusters: EnvoyResource[];
  endpoints: EnvoyResource[];
  secrets: EnvoyResource[];
}

export const HTTP_FILTER_CORS = 'envoy.filters.http.cors';
const ADS: JsonObject = { ads: {}, resourceApiVersion: 'V3' };
/** A Host that another HTTPS listener of the gateway owns, on this listener's connection (ADR 0451). */
const MISDIRECTED_ROUTE: JsonObject = {
  name: 'misdirected-request',
  match: { prefix: '/' },
  directResponse: { status: 421 },
};
const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/**
 * Stage 2: IR → Envoy v3 resources for ADS (LDS/RDS/CDS/EDS/SDS), each list sorted by name. Pure; the same
 * IR and fragments always give byte-identical JSON.
 */
export function translateIR(ir: IR, fragments?: TemplateFragments): EnvoyResources {
  const listeners: EnvoyResource[] = [];
  const routes: EnvoyResource[] = [];
  const filters = extraHttpFilters(fragments);
  for (const l of ir.listeners) {
    const listener = mergeOptions(
      envoyListener(l, ir.gateway.address, filters),
      fragments?.listenerOptions,
      RESERVED_LISTENER_OPTION_KEYS,
    );
    listeners.push({ name: l.name, typeUrl: TypeUrl.Listener, resource: listener });
    for (const chain of l.filterChains) {
      if (chain.kind === 'http') {
        routes.push({
          name: chain.routeConfig.name,
          typeUrl: TypeUrl.RouteConfiguration,
          resource: routeConfiguration(chain.routeConfig),
        });
      }
    }
  }
  const clusters: EnvoyResource[] = ir.clusters.map((c) => ({
    name: c.name,
    typeUrl: TypeUrl.Cluster,
    resource: mergeOptions(envoyCluster(c), fragments?.clusterOptions, RESERVED_CLUSTER_OPTION_KEYS),
  }));
  const generated = new Set(clusters.map((c) => c.name));
  for (const extra of fragments?.extraClusters ?? []) {
    const name = extra['name'];
    if (
      typeof name !== 'string' ||
      generated.has(name) ||
      RESERVED_CLUSTER_NAME_PREFIXES.some((p) => name.startsWith(p))
    )
      continue;
    generated.add(name);
    clusters.push({ name, typeUrl: TypeUrl.Cluster, resource: extra });
  }
  const endpoints: EnvoyResource[] = ir.clusters.map((c) => ({
    name: c.name,
    typeUrl: TypeUrl.ClusterLoadAssignment,
    resource: loadAssignment(c),
  }));
  const udp = udpResources(ir);
  listeners.push(...udp.listeners);
  clusters.push(...udp.clusters.filter((c) => !generated.has(c.name)));
  endpoints.push(...udp.endpoints);
  const secrets = ir.secrets.map((s) => ({
    name: s.name,
    typeUrl: TypeUrl.Secret,
    resource: envoySecret(s),
  }));
  const byName = (a: EnvoyResource, b: EnvoyResource) => compareStrings(a.name, b.name);
  return {
    listeners: listeners.sort(byName),
    routes: routes.sort(byName),
    clusters: clusters.sort(byName),
    endpoints: endpoints.sort(byName),
    secrets: secrets.sort(byName),
  };
}

function statPrefix(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function envoyListener(l: IRListener, address: string, extraFilters: JsonObject[]): JsonObject {
  const bind = address.includes(':') ? '::' : '0.0.0.0';
  const out: JsonObject = {
    name: l.name,
    address: { socketAddress: { address: bind, portValue: l.port } },
    filterChains: l.filterChains.map((c) => filterChain(l, c, extraFilters)),
  };
  // SNI-based chain selection and TLS need the ClientHello inspected first.
  if (l.filterChains.some((c) => c.serverNames.length > 0 || c.tlsSecrets.length > 0)) {
    out['listenerFilters'] = [
      { name: 'envoy.filters.listener.tls_inspector', typedConfig: { '@type': ExtensionType.TlsInspector } },
    ];
  }
  return out;
}

function filterChain(l: IRListener, c: IRFilterChain, extraFilters: JsonObject[]): JsonObject {
  const out: JsonObject = { name: c.name };
  if (c.serverNames.length > 0) out['filterChainMatch'] = { serverNames: [...c.serverNames] };
  if (c.tlsSecrets.length > 0) {
    const common: JsonObject = {
      tlsCertificateSdsSecretConfigs: c.tlsSecrets.map((name) => ({ name, sdsConfig: ADS })),
    };
    if (c.kind === 'http') common['alpnProtocols'] = ['h2', 'http/1.1'];
    const tls: JsonObject = { '@type': ExtensionType.DownstreamTlsContext, commonTlsContext: common };
    const v = c.clientValidation;
    if (v !== undefined) {
      // AllowInsecureFallback: a missing or untrusted client certificate is let through (the backend decides).
      common['validationContext'] = {
        trustedCa: { inlineString: v.trustedCa },
        ...(v.mode === 'AllowInsecureFallback' ? { trustChainVerification: 'ACCEPT_UNTRUSTED' } : {}),
      };
      if (v.mode === 'AllowValidOnly') tls['requireClientCertificate'] = true;
    }
    out['transportSocket'] = { name: 'envoy.transport_sockets.tls', typedConfig: tls };
  }
  const stat = statPrefix(`${l.name}/${c.name}`);
  if (c.kind === 'tcp') {
    const tcp: JsonObject = { '@type': ExtensionType.TcpProxy, statPrefix: stat };
    const only = c.destinations.length === 1 ? c.destinations[0] : undefined;
    if (only !== undefined) tcp['cluster'] = only.cluster;
    else
      tcp['weightedClusters'] = {
        clusters: c.destinations.map((d) => ({ name: d.cluster, weight: d.weight })),
      };
    out['filters'] = [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: tcp }];
    return out;
  }
  const httpFilters: JsonObject[] = [];
  if (c.routeConfig.virtualHosts.some((vh) => vh.routes.some((r) => r.cors !== undefined))) {
    httpFilters.push({ name: HTTP_FILTER_CORS, typedConfig: { '@type': ExtensionType.Cors } });
  }
  if (needsStatefulSession(c.routeConfig)) httpFilters.push(statefulSessionFilter());
  httpFilters.push(...extraFilters);
  httpFilters.push({ name: 'envoy.filters.http.router', typedConfig: { '@type': ExtensionType.Router } });
  out['filters'] = [
    {
      name: 'envoy.filters.network.http_connection_manager',
      typedConfig: {
        '@type': ExtensionType.HttpConnectionManager,
        statPrefix: stat,
        codecType: 'AUTO',
        rds: { routeConfigName: c.routeConfig.name, configSource: ADS },
        httpFilters,
        // Gateway API hostnames never carry a port; "host:1234" must match "host".
        stripAnyHostPort: true,
        normalizePath: true,
        useRemoteAddress: true,
        upgradeConfigs: [{ upgradeType: 'websocket' }],
      },
    },
  ];
  return out;
}

function routeConfiguration(rc: IRRouteConfig): JsonObject {
  const out: JsonObject = { name: rc.name, validateClusters: false };
  if (rc.virtualHosts.length > 0) {
    out['virtualHosts'] = rc.virtualHosts.map((vh) => ({
      name: vh.name,
      domains: [vh.domain],
      routes: vh.misdirected === true ? [MISDIRECTED_ROUTE] : vh.routes.flatMap(envoyRoutes),
    }));
  }
  return out;
}

/**
 * One IR route becomes one Envoy route, except a PathPrefix other than "/", which becomes two: the exact
 * path and the path followed by "/". That is the spec's element-wise prefix ("/foo" matches "/foo" and
 * "/foo/bar", not "/foobar") using only the path specifiers every xDS client supports.
 */
function envoyRoutes(r: IRRoute): JsonObject[] {
  const { path } = r.match;
  if (path.type !== 'PathPrefix')
    return [
      envoyRoute(
        r,
        matchFor(
          r.match,
          path.type === 'Exact' ? { path: path.value } : { safeRegex: { regex: path.value } },
        ),
        'whole',
      ),
    ];
  const trimmed = path.value.replace(/\/+$/, '');
  if (trimmed === '') return [envoyRoute(r, matchFor(r.match, { prefix: '/' }), 'root')];
  return [
    envoyRoute(r, matchFor(r.match, { path: trimmed }), 'whole'),
    envoyRoute(r, matchFor(r.match, { prefix: `${trimmed}/` }), 'below'),
  ];
}

/** Which part of a PathPrefix an Envoy route covers; decides how a prefix replacement is written. */
type PrefixPart = 'whole' | 'below' | 'root';

function stringMatcher(m: IRStringMatch): JsonObject {
  return m.type === 'Exact' ? { exact: m.value } : { safeRegex: { regex: m.value } };
}

function matchFor(m: IRMatch, pathSpecifier: JsonObject): JsonObject {
  const out: JsonObject = { ...pathSpecifier };
  const headers: JsonObject[] = m.headers.map((h) => ({ name: h.name, stringMatch: stringMatcher(h) }));
  if (m.method !== undefined) headers.push({ name: ':method', stringMatch: { exact: m.method } });
  if (headers.length > 0) out['headers'] = headers;
  if (m.queryParams.length > 0)
    out['queryParameters'] = m.queryParams.map((q) => ({ name: q.name, stringMatch: stringMatcher(q) }));
  return out;
}

function prefixReplacement(value: string, part: PrefixPart): string {
  const trimmed = value === '/' ? '/' : value.replace(/\/+$/, '') || '/';
  if (part === 'whole') return trimmed;
  return trimmed === '/' ? '/' : `${trimmed}/`;
}

function envoyRoute(r: IRRoute, match: JsonObject, part: PrefixPart): JsonObject {
  const out: JsonObject = { name: r.name, match };
  const action = r.action;
  if (action.kind === 'redirect') {
    const rd = action.redirect;
    const redirect: JsonObject = {};
    if (rd.scheme !== undefined) redirect['schemeRedirect'] = rd.scheme;
    if (rd.hostname !== undefined) redirect['hostRedirect'] = rd.hostname;
    if (rd.port !== undefined) redirect['portRedirect'] = rd.port;
    if (rd.path?.type === 'ReplaceFullPath') redirect['pathRedirect'] = rd.path.value;
    if (rd.path?.type === 'ReplacePrefixMatch') {
      if (r.match.path.type === 'PathPrefix')
        redirect['prefixRewrite'] = prefixReplacement(rd.path.value, part);
      else redirect['pathRedirect'] = rd.path.value;
    }
    redirect['responseCode'] = REDIRECT_CODES[rd.statusCode] ?? 'FOUND';
    out['redirect'] = redirect;
  } else {
    const route: JsonObject = {};
    const destinations: IRDestination[] =
      action.kind === 'forward' ? action.destinations : [{ cluster: INVALID_BACKEND_CLUSTER, weight: 1 }];
    const only = destinations.length === 1 ? destinations[0] : undefined;
    if (only !== undefined && only.requestHeaders === undefined && only.responseHeaders === undefined) {
      route['cluster'] = only.cluster;
    } else {
      route['weightedClusters'] = { clusters: destinations.map(clusterWeight) };
    }
    // An unresolved backend's share goes to a cluster that does not exist; the spec wants 500 for it.
    if (destinations.some((d) => d.cluster === INVALID_BACKEND_CLUSTER))
      route['clusterNotFoundResponseCode'] = 'INTERNAL_SERVER_ERROR';
    if (r.rewrite?.hostname !== undefined) route['hostRewriteLiteral'] = r.rewrite.hostname;
    const rewritePath = r.rewrite?.path;
    if (rewritePath?.type === 'ReplaceFullPath') {
      route['regexRewrite'] = { pattern: { regex: '^/.*$' }, substitution: rewritePath.value };
    } else if (rewritePath?.type === 'ReplacePrefixMatch') {
      if (r.match.path.type === 'PathPrefix')
        route['prefixRewrite'] = prefixReplacement(rewritePath.value, part);
      else
        route['regexRewrite'] = {
          pattern: { regex: `^${escapeRegex(r.match.path.value)}` },
          substitution: rewritePath.value,
        };
    }
    Object.assign(route, timeoutsAndRetries(r));
    if (r.mirrors.length > 0) {
      route['requestMirrorPolicies'] = r.mirrors.map((m) => {
        const policy: JsonObject = { cluster: m.cluster };
        if (m.partsPerMillion < 1_000_000) {
          policy['runtimeFraction'] = {
            defaultValue: { numerator: m.partsPerMillion, denominator: 'MILLION' },
          };
        }
        return policy;
      });
    }
    out['route'] = route;
  }
  Object.assign(
    out,
    headerMutations(r.requestHeaders, 'request'),
    headerMutations(r.responseHeaders, 'response'),
  );
  const perFilter: JsonObject = {};
  if (r.cors !== undefined) perFilter[HTTP_FILTER_CORS] = corsPolicy(r.cors);
  if (r.sessionPersistence !== undefined && action.kind === 'forward')
    perFilter[HTTP_FILTER_STATEFUL_SESSION] = statefulSessionPerRoute(r.sessionPersistence);
  if (Object.keys(perFilter).length > 0) out['typedPerFilterConfig'] = perFilter;
  return out;
}

function timeoutsAndRetries(r: IRRoute): JsonObject {
  const out: JsonObject = {};
  const request = r.timeouts?.requestMillis;
  const backend = r.timeouts?.backendRequestMillis;
  if (r.retry === undefined || r.retry.attempts === 0) {
    // One try only: the backend timeout bounds the whole upstream exchange. 0 means "no timeout".
    const bounds = [request, backend].filter((t): t is number => t !== undefined && t > 0);
    if (bounds.length > 0) out['timeout'] = protoDuration(Math.min(...bounds));
    else if (request === 0 || backend === 0) out['timeout'] = '0s';
    return out;
  }
  if (request !== undefined) out['timeout'] = protoDuration(request);
  const retryOn = ['connect-failure', 'refused-stream', 'reset'];
  if (r.retry.codes.length > 0) retryOn.push('retriable-status-codes');
  const policy: JsonObject = { retryOn: retryOn.join(','), numRetries: r.retry.attempts };
  if (r.retry.codes.length > 0) policy['retriableStatusCodes'] = [...r.retry.codes];
  if (backend !== undefined && backend > 0) policy['perTryTimeout'] = protoDuration(backend);
  if (r.retry.backoffMillis !== undefined)
    policy['retryBackOff'] = { baseInterval: protoDuration(r.retry.backoffMillis) };
  out['retryPolicy'] = policy;
  return out;
}

function clusterWeight(d: IRDestination): JsonObject {
  const out: JsonObject = { name: d.cluster, weight: d.weight };
  Object.assign(
    out,
    headerMutations(d.requestHeaders, 'request'),
    headerMutations(d.responseHeaders, 'response'),
  );
  return out;
}

/**
 * Envoy reads header values to add as substitution formats: `%REQ(authorization)%` would copy a request
 * header and a lone `%` makes it reject the whole RouteConfiguration ("Un-terminated variable expression").
 * Gateway API values are literal text, so every `%` is written as Envoy's literal `%%`.
 */
function literalHeaderValue(value: string): string {
  return value.replaceAll('%', '%%');
}

function headerMutations(m: IRHeaderMutation | undefined, side: 'request' | 'response'): JsonObject {
  if (m === undefined) return {};
  const out: JsonObject = {};
  const add: JsonValue[] = [
    ...m.set.map((h) => ({
      header: { key: h.name, value: literalHeaderValue(h.value) },
      appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD',
    })),
    ...m.add.map((h) => ({
      header: { key: h.name, value: literalHeaderValue(h.value) },
      appendAction: 'APPEND_IF_EXISTS_OR_ADD',
    })),
  ];
  if (add.length > 0) out[`${side}HeadersToAdd`] = add;
  if (m.remove.length > 0) out[`${side}HeadersToRemove`] = [...m.remove];
  return out;
}

function originMatcher(origin: string): JsonObject {
  if (origin === '*') return { safeRegex: { regex: '.*' } };
  if (!origin.includes('*')) return { exact: origin };
  return { safeRegex: { regex: origin.split('*').map(escapeRegex).join('[A-Za-z0-9.-]+') } };
}

function corsPolicy(c: IRCors): JsonObject {
  const out: JsonObject = { '@type': ExtensionType.CorsPolicy };
  if (c.allowOrigins.length > 0) out['allowOriginStringMatch'] = c.allowOrigins.map(originMatcher);
  if (c.allowMethods.length > 0) out['allowMethods'] = c.allowMethods.join(', ');
  if (c.allowHeaders.length > 0) out['allowHeaders'] = c.allowHeaders.join(', ');
  if (c.exposeHeaders.length > 0) out['exposeHeaders'] = c.exposeHeaders.join(', ');
  out['maxAge'] = String(c.maxAgeSeconds);
  if (c.allowCredentials) out['allowCredentials'] = true;
  return out;
}

function envoyCluster(c: IRCluster): JsonObject {
  const out: JsonObject = {
    name: c.name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: ADS },
    connectTimeout: '10s',
  };
  if (c.tls !== undefined) out['transportSocket'] = upstreamTransportSocket(c.tls);
  if (c.protocol === 'http2') {
    out['typedExtensionProtocolOptions'] = {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': ExtensionType.HttpProtocolOptions,
        explicitHttpConfig: { http2ProtocolOptions: {} },
      },
    };
  }
  return out;
}

/**
 * BackendTLSPolicy → UpstreamTlsContext: SNI from the hostname, the policy's CAs inline (public data) or the
 * system trust store, SAN matchers (a `*.` hostname matches one label), and the Gateway's backend client
 * certificate over SDS like listener certificates.
 */
function upstreamTransportSocket(t: IRUpstreamTls): JsonObject {
  const validation: JsonObject = {
    trustedCa: 'pem' in t.trustedCa ? { inlineString: t.trustedCa.pem } : { filename: SYSTEM_CA_BUNDLE_PATH },
    matchTypedSubjectAltNames: t.subjectAltNames.map((san): JsonObject => ({
      sanType: san.type,
      matcher: san.value.startsWith('*.')
        ? ({ safeRegex: { regex: `^[^.]+${escapeRegex(san.value.slice(1))}$` } } as JsonObject)
        : ({ exact: san.value } as JsonObject),
    })),
  };
  const common: JsonObject = { validationContext: validation };
  if (t.clientCertificate !== undefined)
    common['tlsCertificateSdsSecretConfigs'] = [{ name: t.clientCertificate, sdsConfig: ADS }];
  return {
    name: 'envoy.transport_sockets.tls',
    typedConfig: { '@type': ExtensionType.UpstreamTlsContext, sni: t.sni, commonTlsContext: common },
  };
}

function loadAssignment(c: IRCluster): JsonObject {
  const out: JsonObject = { clusterName: c.name };
  if (c.endpoints.length === 0) return out;
  // gRPC xDS clients reject a locality without `locality` and ignore one without a weight; Envoy does not
  // care, so every endpoint sits in one weighted locality.
  out['endpoints'] = [
    {
      locality: {},
      loadBalancingWeight: 1,
      lbEndpoints: c.endpoints.map((e) => {
        const lb: JsonObject = {
          endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
          healthStatus: e.health,
        };
        if (e.weight !== undefined) lb['loadBalancingWeight'] = e.weight;
        return lb;
      }),
    },
  ];
  return out;
}

function envoySecret(s: IRSecret): JsonObject {
  return {
    name: s.name,
    tlsCertificate: {
      certificateChain: { inlineString: s.certificatePem },
      privateKey: { inlineString: s.privateKey.reveal() },
    },
  };
}
