/**
 * The Gateway API features (conformance feature names) that EPIC implements, sorted as
 * GatewayClass `status.supportedFeatures` must be. Controllers copy this list from the API
 * (GET /api/v1/features) rather than keeping their own.
 */
export const supportedFeatures = [
  'GRPCRoute',
  'Gateway',
  'GatewayFrontendClientCertificateValidation',
  'GatewayFrontendClientCertificateValidationInsecureFallback',
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
  'ReferenceGrant',
  'TCPRoute',
  'TLSRoute',
  'UDPRoute',
] as const;
