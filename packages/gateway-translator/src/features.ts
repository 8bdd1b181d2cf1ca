/**
 * The Gateway API v1.6.1 features (conformance feature names) that EPIC implements and the golden and
 * conformance-manifest tests cover, sorted as GatewayClass `status.supportedFeatures` must be. The one list:
 * the API's GET /features and its GatewayClass status read it, and controllers copy it from the API.
 */
export const supportedFeatures = [
  'BackendTLSPolicy',
  'GRPCRoute',
  'Gateway',
  'GatewayAddressEmpty',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
  'GatewayHTTPSListenerDetectMisdirectedRequests',
  'GatewayPort8080',
  'GatewayStaticAddresses',
  'HTTPRoute',
  'HTTPRouteHostRewrite',
  'HTTPRouteMethodMatching',
  'HTTPRoutePathRedirect',
  'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect',
  'HTTPRouteQueryParamMatching',
  'HTTPRouteRequestMirror',
  'HTTPRouteResponseHeaderModification',
  'HTTPRouteSchemeRedirect',
  'ListenerSet',
  'ReferenceGrant',
  'TCPRoute',
  'TLSRoute',
  'TLSRouteModeMixed',
  'TLSRouteModeTerminate',
  'UDPRoute',
] as const;
export type SupportedFeature = (typeof supportedFeatures)[number];
