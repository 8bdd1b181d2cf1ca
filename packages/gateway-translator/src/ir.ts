import type { Secret } from './secret.js';

// The intermediate representation between Gateway API resources and Envoy resources: everything the second
// stage needs, already resolved (hostnames intersected, references checked, precedence sorted), and nothing
// Envoy-specific in its shape. `validateIR` checks its invariants before anything is rendered from it.

/** Name of the cluster that shares of unresolved backends go to; it never exists, so Envoy answers 500. */
export const INVALID_BACKEND_CLUSTER = 'epic/invalid-backend';

export interface IR {
  gateway: { id: string; accountId: string; namespace: string; name: string; address: string };
  /** One per port the gateway listens on, sorted by port. */
  listeners: IRListener[];
  /** Every backend any route refers to, sorted by name. */
  clusters: IRCluster[];
  /** TLS certificates listeners terminate with, sorted by name. */
  secrets: IRSecret[];
  /** UDP listeners (Gateway listeners of protocol UDP with a UDPRoute attached), sorted by port. */
  udpListeners?: IRUdpListener[];
}

/**
 * A UDP port: Envoy's UDP proxy sends every datagram of a session to `destinations` (the first UDPRoute's
 * backends, by weight). Separate from `listeners`, since a UDP port may share its number with a TCP one.
 */
export interface IRUdpListener {
  /** Envoy listener name, `listener/udp/<port>`. */
  name: string;
  port: number;
  /** The Gateway listener it serves. */
  listener: string;
  /** The route whose backends it forwards to: `udproute/<namespace>/<name>`. */
  route: string;
  destinations: IRDestination[];
}

export interface IRListener {
  /** Envoy listener name, e.g. `listener/443`. */
  name: string;
  port: number;
  /** Filter chains in the order Envoy should see them (SNI-specific first). */
  filterChains: IRFilterChain[];
}

export type IRFilterChain = IRHttpFilterChain | IRTcpFilterChain;

interface IRFilterChainBase {
  /** Unique within its listener; the Gateway listener(s) it serves. */
  name: string;
  /** SNI names this chain matches; empty = any. */
  serverNames: string[];
  /** Names of IRSecret to terminate TLS with; empty = plaintext (or TLS passthrough). */
  tlsSecrets: string[];
  /** Client-certificate validation (Gateway spec.tls.frontend) of a terminating chain. */
  clientValidation?: IRClientValidation;
}

export interface IRClientValidation {
  /** PEM CA certificates (public, not secret) the client's certificate must chain to. */
  trustedCa: string;
  /** AllowInsecureFallback: connections without a valid client certificate are accepted too. */
  mode: 'AllowValidOnly' | 'AllowInsecureFallback';
}

export interface IRHttpFilterChain extends IRFilterChainBase {
  kind: 'http';
  routeConfig: IRRouteConfig;
}

export interface IRTcpFilterChain extends IRFilterChainBase {
  kind: 'tcp';
  /** The route whose backends this chain forwards to. */
  route: string;
  destinations: IRDestination[];
}

export interface IRRouteConfig {
  /** Envoy RouteConfiguration name. */
  name: string;
  /** One per distinct hostname, sorted by name; domains are unique across the config. */
  virtualHosts: IRVirtualHost[];
}

export interface IRVirtualHost {
  name: string;
  /** Exactly one domain: a hostname, a `*.suffix` wildcard or `*`. */
  domain: string;
  /** In match order (Gateway API precedence). Empty: every request gets 404 (a name the chain owns). */
  routes: IRRoute[];
  /**
   * The name belongs to another HTTPS listener of the gateway on this port: a request that reached this
   * filter chain (by its TLS server name) with such a Host is answered 421 Misdirected Request, as the
   * spec requires (GatewayHTTPSListenerDetectMisdirectedRequests). `routes` is empty then.
   */
  misdirected?: true;
}

export interface IRPathMatch {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}

export interface IRStringMatch {
  type: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface IRMatch {
  path: IRPathMatch;
  /** Header names lower-cased, each name at most once. */
  headers: IRStringMatch[];
  queryParams: IRStringMatch[];
  method?: string;
}

export interface IRHeaderMutation {
  set: { name: string; value: string }[];
  add: { name: string; value: string }[];
  remove: string[];
}

export interface IRDestination {
  /** IRCluster name, or INVALID_BACKEND_CLUSTER for the share of an unresolved backend. */
  cluster: string;
  weight: number;
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
}

export interface IRPathRewrite {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  value: string;
}

export interface IRRedirect {
  scheme?: 'http' | 'https';
  hostname?: string;
  /** Omitted when the port is the scheme's well-known one (the spec says not to print it then). */
  port?: number;
  path?: IRPathRewrite;
  statusCode: 301 | 302 | 303 | 307 | 308;
}

export interface IRMirror {
  cluster: string;
  /** Share of requests mirrored, in millionths (1_000_000 = all). */
  partsPerMillion: number;
}

export interface IRCors {
  allowOrigins: string[];
  allowCredentials: boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

export interface IRRetry {
  attempts: number;
  codes: number[];
  backoffMillis?: number;
}

export type IRRouteAction =
  | { kind: 'forward'; destinations: IRDestination[] }
  | { kind: 'redirect'; redirect: IRRedirect }
  /** Rules that cannot forward anywhere (no backends, all weights 0, every backend unresolved). */
  | { kind: 'invalid' };

export interface IRRoute {
  /** Unique within the virtual host: `<kind>/<namespace>/<name>/rule/<i>/match/<j>`. */
  name: string;
  source: { kind: string; namespace: string; name: string; rule: number; match: number };
  match: IRMatch;
  action: IRRouteAction;
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
  rewrite?: { hostname?: string; path?: IRPathRewrite };
  mirrors: IRMirror[];
  cors?: IRCors;
  timeouts?: { requestMillis?: number; backendRequestMillis?: number };
  retry?: IRRetry;
  sessionPersistence?: IRSessionPersistence;
}

/**
 * GEP-1619 session persistence: the upstream host is remembered in a cookie (Max-Age = `ttlMillis`, none
 * for a session cookie) or in a header the client sends back.
 */
export interface IRSessionPersistence {
  type: 'Cookie' | 'Header';
  name: string;
  /** Cookie only: Permanent cookies live this long; absent = a session cookie. */
  ttlMillis?: number;
}

export interface IREndpoint {
  address: string;
  port: number;
  /** Serving but terminating endpoints drain: Envoy sends them only what healthy ones cannot take. */
  health: 'HEALTHY' | 'DRAINING';
  weight?: number;
}

export interface IRCluster {
  /** `service/<namespace>/<name>/<port>`. */
  name: string;
  service: { namespace: string; name: string; port: number };
  protocol: 'http1' | 'http2';
  /** Sorted by address then port. */
  endpoints: IREndpoint[];
  /** TLS to the backend (a BackendTLSPolicy targets the Service port); absent = plaintext. */
  tls?: IRUpstreamTls;
}

/** How a cluster connects with TLS: the winning BackendTLSPolicy, resolved. */
export interface IRUpstreamTls {
  /** The policy it comes from (`namespace/name`). */
  policy: string;
  /** SNI sent to the backend (`validation.hostname`). */
  sni: string;
  /** PEM CA certificates (public) from the policy's caCertificateRefs, or the system trust store. */
  trustedCa: { pem: string } | { system: true };
  /** The backend certificate must carry one of these SANs (the hostname when the policy lists none). */
  subjectAltNames: { type: 'DNS' | 'URI'; value: string }[];
  /** IRSecret name of the Gateway's backend client certificate (`spec.tls.backend.clientCertificateRef`). */
  clientCertificate?: string;
}

export interface IRSecret {
  /** `certificate/<id>`. */
  name: string;
  certificate: { id: string; namespace: string; name: string };
  certificatePem: string;
  privateKey: Secret;
}
