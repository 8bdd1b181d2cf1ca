/** The Kubernetes objects the controller reads and writes, as they arrive (JSON). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface ResourceKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

const gw = (kind: string, plural: string, namespaced = true): ResourceKind => ({
  kind,
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  plural,
  namespaced,
});

/** Every kind the controller watches (one informer each). */
export const KINDS = {
  GatewayClass: gw('GatewayClass', 'gatewayclasses', false),
  Gateway: gw('Gateway', 'gateways'),
  HTTPRoute: gw('HTTPRoute', 'httproutes'),
  GRPCRoute: gw('GRPCRoute', 'grpcroutes'),
  TCPRoute: gw('TCPRoute', 'tcproutes'),
  TLSRoute: gw('TLSRoute', 'tlsroutes'),
  UDPRoute: gw('UDPRoute', 'udproutes'),
  ReferenceGrant: gw('ReferenceGrant', 'referencegrants'),
  BackendTLSPolicy: gw('BackendTLSPolicy', 'backendtlspolicies'),
  ListenerSet: gw('ListenerSet', 'listenersets'),
  GatewayClassConfig: {
    kind: 'GatewayClassConfig',
    group: 'epic-gateway.io',
    version: 'v1alpha1',
    plural: 'gatewayclassconfigs',
    namespaced: true,
  },
  Namespace: { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  Service: { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true },
  EndpointSlice: {
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    namespaced: true,
  },
  Secret: { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true },
  ConfigMap: { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', namespaced: true },
} as const satisfies Record<string, ResourceKind>;
export type KindName = keyof typeof KINDS;

/** The route kinds EPIC takes (its API's route kinds). */
export const ROUTE_KINDS = [
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'TLSRoute',
  'UDPRoute',
] as const satisfies readonly KindName[];

/**
 * Kinds a cluster may not serve (their CRDs are optional: TCPRoute, TLSRoute and UDPRoute came to the standard
 * channel late): a 404 on the list is an empty cache, and the informer asks again with its backoff.
 */
export const OPTIONAL_KINDS: ReadonlySet<KindName> = new Set<KindName>([
  'TCPRoute',
  'TLSRoute',
  'UDPRoute',
  'BackendTLSPolicy',
  'ListenerSet',
]);
export type RouteKindName = (typeof ROUTE_KINDS)[number];

/** The API path of a kind's collection (all namespaces) or of one object. */
export function resourcePath(k: ResourceKind, namespace?: string, name?: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  const ns = k.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CONFIG_GROUP = 'epic-gateway.io';
