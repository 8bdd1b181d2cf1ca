// @epic/gateway-translator: Gateway API resources → IR → Envoy v3 resources, and a route-table evaluator.
// Pure: no I/O, clock or randomness; sorted, byte-stable output; inputs never mutated.

export { buildIR, type BuildResult } from './build-ir.js';
export { translateIR, type EnvoyResource, type EnvoyResources } from './translate-ir.js';
export { translate, type TranslateResult } from './translate.js';
export {
  validateIR,
  assertValidIR,
  IRValidationError,
  type IRIssue,
  type IRIssueCode,
} from './validate-ir.js';
export {
  evaluateRoute,
  type RouteRequest,
  type RouteOutcome,
  type RouteAction,
  type ClusterOutcome,
  type EndpointOutcome,
  type EvaluateOptions,
  type HeaderMutationOutcome,
} from './evaluate-route.js';
export {
  selectFilterChain,
  selectRouteConfiguration,
  traceRequest,
  type ClientCertificatePolicy,
  type RefusalReason,
  type TraceRequest,
  type TraceResult,
} from './select-route-configuration.js';
export { traceConnection, type ConnectionTrace } from './trace-connection.js';
export { traceDatagram, type DatagramTrace, type UdpBackendOutcome } from './trace-udp.js';
export { UDP_PROXY_FILTER } from './udp.js';
export {
  fragmentShapeProblems,
  fragmentValidationTargets,
  type FragmentValidationTarget,
  RESERVED_CLUSTER_NAME_PREFIXES,
  RESERVED_CLUSTER_OPTION_KEYS,
  RESERVED_LISTENER_OPTION_KEYS,
  ROUTER_FILTER_NAME,
  type TemplateFragments,
} from './fragments.js';
export { Secret } from './secret.js';
export { ConditionType, Reason, type Condition } from './conditions.js';
export { TypeUrl } from './type-urls.js';
export { INVALID_BACKEND_CLUSTER } from './ir.js';
export { canonicalize, type JsonObject, type JsonValue } from './json.js';
export type * from './ir.js';
export type * from './input.js';
export type * from './status.js';
export { supportedFeatures } from './features.js';
export { addressVerdict, SUPPORTED_ADDRESS_TYPES, type AddressVerdict } from './addresses.js';
