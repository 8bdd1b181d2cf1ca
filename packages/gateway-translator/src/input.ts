import type {
  GRPCRouteSpec,
  HTTPRouteSpec,
  Listener,
  ReferenceGrantSpec,
  TCPRouteSpec,
  TLSRouteSpec,
  UDPRouteSpec,
} from '@epic/gateway-api';
import type { Secret } from './secret.js';
import type { TemplateFragments } from './fragments.js';

// The translator's input: what the reconciler reads from the store for one gateway. Specs are the outputs
// of @epic/gateway-api's schemas (validated, defaults applied). The structural types below are the subset
// the translator reads, with defaulted fields optional; the specs are assignable to them, which the
// compiler checks where buildIR reads them.

/** GEP-1619 session persistence of an HTTPRoute rule (defaults applied by the schema). */
export interface SessionPersistenceInput {
  sessionName?: string;
  absoluteTimeout?: string;
  type?: 'Cookie' | 'Header';
  cookieConfig?: { lifetimeType?: 'Permanent' | 'Session' };
}

export interface ParentRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface BackendObjectRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
}

export interface HeaderPair {
  name: string;
  value: string;
}

export interface HeaderModifier {
  set?: HeaderPair[];
  add?: HeaderPair[];
  remove?: string[];
}

export interface PathModifier {
  type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface RequestRedirect {
  scheme?: 'http' | 'https';
  hostname?: string;
  path?: PathModifier;
  port?: number;
  statusCode?: 301 | 302 | 303 | 307 | 308;
}

export interface UrlRewrite {
  hostname?: string;
  path?: PathModifier;
}

export interface RequestMirror {
  backendRef: BackendObjectRef;
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}

export interface CorsFilter {
  allowOrigins?: string[];
  allowCredentials?: boolean;
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export type RouteFilter =
  | { type: 'RequestHeaderModifier'; requestHeaderModifier: HeaderModifier }
  | { type: 'ResponseHeaderModifier'; responseHeaderModifier: HeaderModifier }
  | { type: 'RequestRedirect'; requestRedirect: RequestRedirect }
  | { type: 'URLRewrite'; urlRewrite: UrlRewrite }
  | { type: 'RequestMirror'; requestMirror: RequestMirror }
  | { type: 'CORS'; cors: CorsFilter }
  | { type: 'ExtensionRef'; extensionRef: { group: string; kind: string; name: string } };

export interface HttpBackendRef extends BackendObjectRef {
  weight?: number;
  filters?: RouteFilter[];
}

export interface StringMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface HttpRouteMatch {
  path?: { type?: 'Exact' | 'PathPrefix' | 'RegularExpression'; value?: string };
  headers?: StringMatch[];
  queryParams?: StringMatch[];
  method?: string;
}

/** GEP-1731 retry budget of a rule (experimental channel); absent in standard-channel specs. */
export interface HttpRouteRetry {
  codes?: number[];
  attempts?: number;
  backoff?: string;
}

export interface HttpRouteRule {
  name?: string;
  matches?: HttpRouteMatch[];
  filters?: RouteFilter[];
  backendRefs?: HttpBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: HttpRouteRetry;
  sessionPersistence?: SessionPersistenceInput;
}

export interface HttpRouteSpec {
  parentRefs?: ParentRef[];
  hostnames?: string[];
  rules?: HttpRouteRule[];
}

export interface GrpcRouteMatch {
  method?: { type?: 'Exact' | 'RegularExpression'; service?: string; method?: string };
  headers?: StringMatch[];
}

export interface GrpcRouteRule {
  name?: string;
  matches?: GrpcRouteMatch[];
  filters?: RouteFilter[];
  backendRefs?: HttpBackendRef[];
}

export interface GrpcRouteSpec {
  parentRefs?: ParentRef[];
  hostnames?: string[];
  rules?: GrpcRouteRule[];
}

export interface L4RouteSpec {
  parentRefs?: ParentRef[];
  /** TLSRoute only: the SNI names the route serves. */
  hostnames?: string[];
  rules: { name?: string; backendRefs: (BackendObjectRef & { weight?: number })[] }[];
}

interface RouteBase {
  /** Store id of the route (status is keyed by it). */
  id: string;
  namespace: string;
  name: string;
  generation: number;
  /** RFC 3339; the oldest route wins precedence ties, as the spec says. */
  creationTimestamp?: string;
  /**
   * Which entries of `spec.parentRefs` (0-based) the store resolved to this gateway, through the Gateway object
   * of the route's own cluster that they name; absent: every parentRef that names the gateway or an alias.
   */
  parentRefIndexes?: number[];
}

export type RouteInput =
  | (RouteBase & { kind: 'HTTPRoute'; spec: HTTPRouteSpec })
  | (RouteBase & { kind: 'GRPCRoute'; spec: GRPCRouteSpec })
  | (RouteBase & { kind: 'TCPRoute'; spec: TCPRouteSpec })
  | (RouteBase & { kind: 'TLSRoute'; spec: TLSRouteSpec })
  | (RouteBase & { kind: 'UDPRoute'; spec: UDPRouteSpec });

export type RouteKind = RouteInput['kind'];

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

export interface ListenerInput {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: {
    mode?: 'Terminate' | 'Passthrough';
    certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[];
    options?: Record<string, string>;
  };
  allowedRoutes?: {
    namespaces?: { from?: 'All' | 'Same' | 'Selector'; selector?: LabelSelector };
    kinds?: { group?: string; kind: string }[];
  };
}

export interface GatewayInput {
  id: string;
  accountId: string;
  name: string;
  namespace: string;
  /** The public address (IPv4 or IPv6) the gateway's proxies serve. */
  address: string;
  listeners: Listener[];
  generation: number;
  /**
   * `spec.addresses` as requested, each with what the API's address management made of it (the translator
   * does no IPAM): absent when the Gateway requests no address (the template's pool then picks one).
   */
  addresses?: AddressRequestInput[];
  /** `spec.tls`: client-certificate validation of HTTPS listeners (frontend), per port or by default. */
  tls?: GatewayTlsInput;
  /** `spec.allowedListeners` (GEP-1713): which namespaces' ListenerSets may attach; absent: none. */
  allowedListeners?: {
    namespaces?: { from?: 'All' | 'Same' | 'Selector' | 'None'; selector?: LabelSelector };
  };
  /**
   * The other names the gateway is known by: a shared gateway's Gateway objects in other namespaces or clusters
   * that joined it. A parentRef naming one targets this gateway, and a listener's `from: Same` then means that
   * object's namespace.
   */
  aliases?: { namespace: string; name: string }[];
  /**
   * Why `spec.infrastructure.parametersRef` does not resolve (the store looked it up): the gateway is then
   * Accepted=False/InvalidParameters and serves nothing. Absent when there is none or it resolves.
   */
  invalidParameters?: string;
}

/** A ListenerSet (GEP-1713): listeners that attach to the Gateway its parentRef names, if it allows them. */
export interface ListenerSetInput {
  /** Store id of the ListenerSet (status is keyed by it). */
  id: string;
  namespace: string;
  name: string;
  generation: number;
  /** RFC 3339; older ListenerSets' listeners take precedence in conflicts. */
  creationTimestamp?: string;
  spec: {
    parentRef: { group?: string; kind?: string; name: string; namespace?: string };
    listeners: ListenerInput[];
  };
}

export interface CaCertificateRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface FrontendValidationInput {
  caCertificateRefs: CaCertificateRef[];
  mode?: 'AllowValidOnly' | 'AllowInsecureFallback';
}

export interface GatewayTlsInput {
  frontend?: {
    default?: { validation?: FrontendValidationInput };
    perPort?: { port: number; tls: { validation?: FrontendValidationInput } }[];
  };
  backend?: { clientCertificateRef?: { group?: string; kind?: string; name: string; namespace?: string } };
}

/** A ConfigMap or Secret holding a CA bundle (its `ca.crt` key), as the API stores it. */
export interface CaBundleInput {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
  /** PEM of the object's `ca.crt` key; absent when it has none. */
  caCertificatePem?: string;
}

/** One requested address (`spec.addresses[i]`) and its outcome. */
export interface AddressRequestInput {
  type: string;
  value?: string;
  /** The address assigned for this request (an IP, or the DNS name for a Hostname request). */
  assigned?: string;
  /** Why nothing was assigned (the request was valid but cannot be served), e.g. "10.0.0.9 is not in pool pub". */
  problem?: string;
}

export interface ReferenceGrantInput {
  namespace: string;
  spec: ReferenceGrantSpec;
}

export interface EndpointInput {
  address: string;
  port: number;
  ready: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
  weight?: number;
  /** EndpointSlice port name; when set, the endpoint belongs to the Service port of that name. */
  portName?: string;
}

export interface ServicePortInput {
  name?: string;
  port: number;
  /** Numeric target port; endpoints without portName belong to the Service port whose targetPort they carry. */
  targetPort?: number;
  protocol?: string;
  /** `kubernetes.io/h2c` or `grpc` make the upstream HTTP/2. */
  appProtocol?: string;
}

export interface ServiceInput {
  namespace: string;
  name: string;
  ports: ServicePortInput[];
  /** Endpoints from every cluster's EndpointSlices, already merged. */
  endpoints: EndpointInput[];
}

export interface CertificateInput {
  namespace: string;
  name: string;
  id: string;
  certificatePem: string;
  privateKey: Secret;
}

export interface NamespaceInput {
  name: string;
  labels: Record<string, string>;
}

export interface TranslateInput {
  gateway: GatewayInput;
  routes: RouteInput[];
  referenceGrants: ReferenceGrantInput[];
  services: ServiceInput[];
  certificates: CertificateInput[];
  namespaces: NamespaceInput[];
  /** CA bundles that `spec.tls` validation and BackendTLSPolicies may name (absent: none). */
  caBundles?: CaBundleInput[];
  /** BackendTLSPolicies of the gateway's account (absent: none); those targeting its backends apply. */
  backendTlsPolicies?: BackendTlsPolicyInput[];
  /** ListenerSets whose parentRef names this gateway (others are ignored); absent: none. */
  listenerSets?: ListenerSetInput[];
  /** Native Envoy fragments of the gateway's template; buildIR ignores them, translateIR merges them. */
  fragments?: TemplateFragments;
}

/** A BackendTLSPolicy (gateway.networking.k8s.io/v1): how the gateway connects to a Service with TLS. */
export interface BackendTlsPolicyInput {
  /** Store id (status is keyed by it). */
  id: string;
  namespace: string;
  name: string;
  generation: number;
  /** RFC 3339; the oldest policy wins a conflict, then namespace/name, as the spec says. */
  creationTimestamp?: string;
  spec: {
    targetRefs: { group: string; kind: string; name: string; sectionName?: string }[];
    validation: {
      caCertificateRefs?: { group: string; kind: string; name: string }[];
      wellKnownCACertificates?: string;
      hostname: string;
      subjectAltNames?: { type: 'Hostname' | 'URI'; hostname?: string; uri?: string }[];
    };
    options?: Record<string, string>;
  };
}
