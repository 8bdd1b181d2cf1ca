// The upstream Gateway API v1.6.1 conformance tests that the kubectl path runs, and what each requires. The
// suite's Go sources are not vendored (k8s/gateway-api/conformance holds only its manifests): test names,
// feature sets and profiles are transcribed from upstream; the statuses follow the specification (API reference
// and GEPs). Routing is asserted through EPIC's trace API with the request tables of the translator's golden
// fixtures that model the same test (packages/gateway-translator/testdata, `conformance:` key), or with a
// table given here.

export type ProfileName = 'GATEWAY-HTTP' | 'GATEWAY-GRPC' | 'GATEWAY-TLS';

/** What a conformance profile covers: its core features and the extended ones it may claim. */
export const PROFILES: Record<ProfileName, { core: string[]; extended: string[]; routeKind: string }> = {
  'GATEWAY-HTTP': {
    routeKind: 'HTTPRoute',
    core: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
    extended: [
      'BackendTLSPolicy',
      'GatewayAddressEmpty',
      'GatewayBackendClientCertificate',
      'GatewayFrontendClientCertificateValidation',
      'GatewayFrontendClientCertificateValidationInsecureFallback',
      'GatewayHTTPListenerIsolation',
      'GatewayHTTPSListenerDetectMisdirectedRequests',
      'GatewayInfrastructurePropagation',
      'GatewayPort8080',
      'GatewayStaticAddresses',
      'HTTPRoute303RedirectStatusCode',
      'HTTPRoute307RedirectStatusCode',
      'HTTPRoute308RedirectStatusCode',
      'HTTPRouteBackendProtocolH2C',
      'HTTPRouteBackendProtocolWebSocket',
      'HTTPRouteBackendRequestHeaderModification',
      'HTTPRouteBackendTimeout',
      'HTTPRouteCORS',
      'HTTPRouteDestinationPortMatching',
      'HTTPRouteHostRewrite',
      'HTTPRouteMethodMatching',
      'HTTPRouteNamedRouteRule',
      'HTTPRouteParentRefPort',
      'HTTPRoutePathRedirect',
      'HTTPRoutePathRewrite',
      'HTTPRoutePortRedirect',
      'HTTPRouteQueryParamMatching',
      'HTTPRouteRequestMirror',
      'HTTPRouteRequestMultipleMirrors',
      'HTTPRouteRequestPercentageMirror',
      'HTTPRouteRequestTimeout',
      'HTTPRouteResponseHeaderModification',
      'HTTPRouteRetry',
      'HTTPRouteSchemeRedirect',
      'ListenerSet',
    ],
  },
  'GATEWAY-GRPC': {
    routeKind: 'GRPCRoute',
    core: ['Gateway', 'GRPCRoute', 'ReferenceGrant'],
    extended: ['GRPCRouteNamedRouteRule'],
  },
  'GATEWAY-TLS': {
    routeKind: 'TLSRoute',
    core: ['Gateway', 'TLSRoute', 'ReferenceGrant'],
    extended: ['TLSRouteModeMixed', 'TLSRouteModeTerminate'],
  },
};

/** `status/reason` of a condition, e.g. `True/Accepted`, `False/RefNotPermitted`. */
export type Expected = `${'True' | 'False' | 'Unknown'}/${string}`;

export interface TraceCase {
  port?: number;
  scheme?: 'http' | 'https';
  serverName?: string;
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  query?: Record<string, string>;
  /** All traffic to this Service (`namespace/name`), or this answer. */
  expect: { backend?: string; status?: number; clusters?: Record<string, number> };
}

export interface ConformanceCase {
  /** The upstream ShortName. */
  name: string;
  /** Under k8s/gateway-api/conformance/tests. */
  file: string;
  features: string[];
  /**
   * Why the kubectl path does not run this test (it is then reported as skipped). Tests of the platform's
   * profiles and features must either run or say why not.
   */
  skip?: string;
  /**
   * Per route (`namespace/name`): the conditions each of our `status.parents` entries must carry. Routes not
   * named must be `True/Accepted` and `True/ResolvedRefs` on every parent.
   */
  routes?: Record<string, { Accepted?: Expected; ResolvedRefs?: Expected }>;
  /** Per Gateway (`namespace/name`): listener `attachedRoutes` and conditions, and Gateway conditions. */
  gateways?: Record<
    string,
    {
      conditions?: Record<string, Expected>;
      listeners?: Record<string, { attachedRoutes?: number; conditions?: Record<string, Expected> }>;
    }
  >;
  /** Requests through the trace API: the golden fixture modelling the same test, or a table. */
  traces?: { gateway: string; cases: TraceCase[] }[] | 'golden';
  /** A spec mutation after the first assertions (kubectl patch args) that must bump observedGeneration. */
  bump?: { kind: string; name: string; namespace: string; patch: unknown };
}

const V1 = 'gateway-conformance-infra/infra-backend-v1';
const V2 = 'gateway-conformance-infra/infra-backend-v2';
const V3 = 'gateway-conformance-infra/infra-backend-v3';
const GRPC_V1 = 'gateway-conformance-infra/grpc-infra-backend-v1';
const GRPC_V2 = 'gateway-conformance-infra/grpc-infra-backend-v2';
const GRPC_V3 = 'gateway-conformance-infra/grpc-infra-backend-v3';
const ECHO = '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';
const grpc = (host: string, method: string, backend: string, headers: Record<string, string> = {}) => ({
  host,
  path: `${ECHO}/${method}`,
  method: 'POST',
  headers: { 'content-type': 'application/grpc', ...headers },
  expect: { backend },
});
const NOT_ASSERTED = 'not yet asserted through the kubectl path (no expectations written for it)';
const NO_TLSROUTE = 'needs TLSRoute, which the controller does not watch yet';

export const CASES: ConformanceCase[] = [
  // ----- GATEWAY-HTTP core -----
  {
    name: 'GatewayWithAttachedRoutes',
    file: 'gateway-with-attached-routes.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-infra/http-route-not-accepted': { Accepted: 'False/NoMatchingListenerHostname' },
      'gateway-conformance-infra/http-route-4': { ResolvedRefs: 'False/BackendNotFound' },
    },
    gateways: {
      'gateway-conformance-infra/gateway-with-one-attached-route': {
        listeners: { http: { attachedRoutes: 1 } },
      },
      'gateway-conformance-infra/gateway-with-two-attached-routes': {
        listeners: { http: { attachedRoutes: 2 } },
      },
      // Its only listener is invalid: Accepted stays True (ListenersNotValid), nothing can be programmed.
      'gateway-conformance-infra/unresolved-gateway-with-one-attached-unresolved-route': {
        conditions: { Accepted: 'True/ListenersNotValid', Programmed: 'False/Invalid' },
        listeners: {
          tls: {
            attachedRoutes: 1,
            conditions: { ResolvedRefs: 'False/InvalidCertificateRef', Programmed: 'False/Invalid' },
          },
        },
      },
    },
  },
  {
    name: 'HTTPRouteCrossNamespace',
    file: 'httproute-cross-namespace.yaml',
    features: ['Gateway', 'HTTPRoute'],
    // The route's namespace carries the label the listener's selector asks for (gateway-conformance: web-backend).
    // A table, not the golden fixture: that one adds a route from a namespace the selector leaves out.
    traces: [
      {
        gateway: 'gateway-conformance-infra/backend-namespaces',
        cases: [
          {
            host: 'example.com',
            path: '/',
            expect: { backend: 'gateway-conformance-web-backend/web-backend' },
          },
        ],
      },
    ],
  },
  {
    name: 'HTTPExactPathMatching',
    file: 'httproute-exact-path-matching.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteHeaderMatching',
    file: 'httproute-header-matching.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteHostnameIntersection',
    file: 'httproute-hostname-intersection.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-infra/no-intersecting-hosts': { Accepted: 'False/NoMatchingListenerHostname' },
    },
    traces: 'golden',
  },
  {
    name: 'HTTPRouteHTTPSListener',
    file: 'httproute-https-listener.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace-with-https-listener',
        cases: [
          { port: 443, scheme: 'https', host: 'example.org', path: '/', expect: { backend: V1 } },
          { port: 443, scheme: 'https', host: 'second-example.org', path: '/', expect: { backend: V2 } },
          { port: 443, scheme: 'https', host: 'unknown-example.org', path: '/', expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteInvalidBackendRefUnknownKind',
    file: 'httproute-invalid-backendref-unknown-kind.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-infra/invalid-backend-ref-unknown-kind': { ResolvedRefs: 'False/InvalidKind' },
    },
    traces: 'golden',
  },
  {
    name: 'HTTPRouteInvalidCrossNamespaceBackendRef',
    file: 'httproute-invalid-cross-namespace-backend-ref.yaml',
    features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
    routes: {
      'gateway-conformance-infra/invalid-cross-namespace-backend-ref': {
        ResolvedRefs: 'False/RefNotPermitted',
      },
    },
    traces: 'golden',
  },
  {
    name: 'HTTPRouteInvalidCrossNamespaceParentRef',
    file: 'httproute-invalid-cross-namespace-parent-ref.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-web-backend/invalid-cross-namespace-parent-ref': {
        Accepted: 'False/NotAllowedByListeners',
      },
    },
    gateways: { 'gateway-conformance-infra/same-namespace': { listeners: { http: { attachedRoutes: 0 } } } },
  },
  {
    name: 'HTTPRouteInvalidNonExistentBackendRef',
    file: 'httproute-invalid-nonexistent-backendref.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-infra/invalid-nonexistent-backend-ref': { ResolvedRefs: 'False/BackendNotFound' },
    },
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [{ host: 'example.com', path: '/', expect: { status: 500 } }],
      },
    ],
  },
  {
    name: 'HTTPRouteInvalidParentRefNotMatchingSectionName',
    file: 'httproute-invalid-parentref-not-matching-section-name.yaml',
    features: ['Gateway', 'HTTPRoute'],
    routes: {
      'gateway-conformance-infra/httproute-listener-not-matching-section-name': {
        Accepted: 'False/NoMatchingParent',
      },
    },
  },
  {
    name: 'HTTPRouteInvalidReferenceGrant',
    file: 'httproute-invalid-reference-grant.yaml',
    features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
    routes: { 'gateway-conformance-infra/reference-grant': { ResolvedRefs: 'False/RefNotPermitted' } },
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [{ host: 'example.com', path: '/', expect: { status: 500 } }],
      },
    ],
  },
  {
    name: 'HTTPRouteListenerHostnameMatching',
    file: 'httproute-listener-hostname-matching.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteMatchingAcrossRoutes',
    file: 'httproute-matching-across-routes.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { host: 'example.com', path: '/', expect: { backend: V1 } },
          { host: 'example.com', path: '/example', expect: { backend: V1 } },
          { host: 'example.net', path: '/example', expect: { backend: V1 } },
          { host: 'example.com', path: '/example', headers: { version: 'one' }, expect: { backend: V1 } },
          { host: 'example.com', path: '/v2', expect: { backend: V2 } },
          { host: 'example.com', path: '/v2/example', expect: { backend: V2 } },
          { host: 'example.com', path: '/', headers: { version: 'two' }, expect: { backend: V2 } },
          { host: 'example.net', path: '/v2', expect: { backend: V1 } },
          { host: 'example.net', path: '/', headers: { version: 'two' }, expect: { backend: V1 } },
          { host: 'example.org', path: '/', expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteMatching',
    file: 'httproute-matching.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteMultipleGateways',
    file: 'httproute-multiple-gateways.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { host: 'example.com', path: '/shared', expect: { backend: V1 } },
          { host: 'example.com', path: '/', expect: { backend: V2 } },
          { host: 'example.com', path: '/other', expect: { backend: V2 } },
        ],
      },
      {
        gateway: 'gateway-conformance-infra/all-namespaces',
        cases: [
          { host: 'example.com', path: '/shared', expect: { backend: V1 } },
          { host: 'example.com', path: '/', expect: { backend: V3 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteNoBackendRefs',
    file: 'httproute-omitted-backendrefs.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { host: 'example.com', path: '/omitted-no-forward', expect: { status: 500 } },
          { host: 'example.com', path: '/empty-no-forward', expect: { status: 500 } },
          { host: 'example.com', path: '/', expect: { backend: V1 } },
          { host: 'example.com', path: '/omitted-no-forward/more', expect: { backend: V1 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteObservedGenerationBump',
    file: 'httproute-observed-generation-bump.yaml',
    features: ['Gateway', 'HTTPRoute'],
    bump: {
      kind: 'httproute',
      name: 'observed-generation-bump',
      namespace: 'gateway-conformance-infra',
      patch: [{ op: 'add', path: '/spec/hostnames', value: ['observed-generation-bump.example.com'] }],
    },
  },
  {
    name: 'HTTPRoutePartiallyInvalidViaInvalidReferenceGrant',
    file: 'httproute-partially-invalid-via-invalid-reference-grant.yaml',
    features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
    routes: {
      'gateway-conformance-infra/invalid-reference-grant': { ResolvedRefs: 'False/RefNotPermitted' },
    },
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          {
            host: 'example.com',
            path: '/',
            expect: { backend: 'gateway-conformance-app-backend/app-backend-v1' },
          },
          { host: 'example.com', path: '/v2', expect: { status: 500 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRoutePathMatchOrder',
    file: 'httproute-path-match-order.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { host: 'example.com', path: '/match/exact/one', expect: { backend: V3 } },
          { host: 'example.com', path: '/match/exact', expect: { backend: V2 } },
          { host: 'example.com', path: '/match', expect: { backend: V1 } },
          { host: 'example.com', path: '/match/prefix/one/extra', expect: { backend: V2 } },
          { host: 'example.com', path: '/match/prefix/other', expect: { backend: V1 } },
          { host: 'example.com', path: '/match/other', expect: { backend: V3 } },
          { host: 'example.com', path: '/other', expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteRedirectHostAndStatus',
    file: 'httproute-redirect-host-and-status.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteReferenceGrant',
    file: 'httproute-reference-grant.yaml',
    features: ['Gateway', 'HTTPRoute', 'ReferenceGrant'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteRequestHeaderModifier',
    file: 'httproute-request-header-modifier.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteServiceTypes',
    file: 'httproute-service-types.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: ['manual-endpointslices', 'headless', 'headless-manual-endpointslices'].map((svc) => ({
          host: 'example.com',
          path: `/${svc}`,
          expect: { backend: `gateway-conformance-infra/${svc}` },
        })),
      },
    ],
  },
  {
    name: 'HTTPRouteSimpleSameNamespace',
    file: 'httproute-simple-same-namespace.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [{ host: 'example.com', path: '/', expect: { backend: V1 } }],
      },
    ],
  },
  {
    name: 'HTTPRouteWeight',
    file: 'httproute-weight.yaml',
    features: ['Gateway', 'HTTPRoute'],
    traces: 'golden',
  },
  {
    name: 'HTTPRouteDisallowedKind',
    file: 'httproute-disallowed-kind.yaml',
    features: ['Gateway', 'HTTPRoute', 'TLSRoute'],
    skip: NO_TLSROUTE,
  },

  // ----- Gateway core (every profile) -----
  {
    name: 'GatewayClassObservedGenerationBump',
    file: 'gatewayclass-observed-generation-bump.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayInvalidParametersRef',
    file: 'gateway-invalid-parameters-ref.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayInvalidRouteKind',
    file: 'gateway-invalid-route-kind.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayInvalidListenersUnsupportedProtocol',
    file: 'gateway-invalid-listeners-unsupported-protocol.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayInvalidTLSConfiguration',
    file: 'gateway-invalid-tls-configuration.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayModifyListeners',
    file: 'gateway-modify-listeners.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewayObservedGenerationBump',
    file: 'gateway-observed-generation-bump.yaml',
    features: ['Gateway'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewaySecretInvalidReferenceGrant',
    file: 'gateway-secret-invalid-reference-grant.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewaySecretMissingReferenceGrant',
    file: 'gateway-secret-missing-reference-grant.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewaySecretReferenceGrantAllInNamespace',
    file: 'gateway-secret-reference-grant-all-in-namespace.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'GatewaySecretReferenceGrantSpecific',
    file: 'gateway-secret-reference-grant-specific.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    skip: NOT_ASSERTED,
  },

  // ----- GATEWAY-HTTP extended (the features the platform claims) -----
  {
    name: 'HTTPRouteHTTPSListenerDetectMisdirectedRequests',
    file: 'httproute-https-listener-detect-misdirected-requests.yaml',
    features: ['Gateway', 'HTTPRoute', 'GatewayHTTPSListenerDetectMisdirectedRequests'],
    traces: 'golden',
  },
  {
    name: 'GatewayWithAttachedRoutesWithPort8080',
    file: 'gateway-with-attached-routes-with-port-8080.yaml',
    features: ['Gateway', 'GatewayPort8080', 'HTTPRoute'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteMethodMatching',
    file: 'httproute-method-matching.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching'],
    // A path match outranks a method match, which outranks header matches (GEP-1294 precedence).
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { method: 'POST', host: 'example.com', path: '/', expect: { backend: V1 } },
          { method: 'GET', host: 'example.com', path: '/', expect: { backend: V2 } },
          { method: 'HEAD', host: 'example.com', path: '/', expect: { status: 404 } },
          { method: 'GET', host: 'example.com', path: '/path1', expect: { backend: V1 } },
          {
            method: 'PUT',
            host: 'example.com',
            path: '/',
            headers: { version: 'one' },
            expect: { backend: V2 },
          },
          {
            method: 'POST',
            host: 'example.com',
            path: '/path2',
            headers: { version: 'two' },
            expect: { backend: V3 },
          },
          { method: 'PATCH', host: 'example.com', path: '/path3', expect: { backend: V1 } },
          {
            method: 'DELETE',
            host: 'example.com',
            path: '/path4',
            headers: { version: 'three' },
            expect: { backend: V1 },
          },
          { method: 'PATCH', host: 'example.com', path: '/', expect: { backend: V2 } },
          { method: 'GET', host: 'example.com', path: '/path5', expect: { backend: V1 } },
          { method: 'PUT', host: 'example.com', path: '/path5', expect: { backend: V1 } },
          {
            method: 'GET',
            host: 'example.com',
            path: '/',
            headers: { version: 'four' },
            expect: { backend: V2 },
          },
          {
            method: 'POST',
            host: 'example.com',
            path: '/',
            headers: { version: 'four' },
            expect: { backend: V1 },
          },
          {
            method: 'PUT',
            host: 'example.com',
            path: '/',
            headers: { version: 'four' },
            expect: { backend: V3 },
          },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteQueryParamMatching',
    file: 'httproute-query-param-matching.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteQueryParamMatching'],
    // Query parameter names and values match exactly (case-sensitive); more matches outrank fewer.
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          { host: 'example.com', path: '/', query: { animal: 'whale' }, expect: { backend: V1 } },
          { host: 'example.com', path: '/', query: { animal: 'dolphin' }, expect: { backend: V2 } },
          {
            host: 'example.com',
            path: '/',
            query: { animal: 'dolphin', color: 'blue' },
            expect: { backend: V3 },
          },
          { host: 'example.com', path: '/', query: { ANIMAL: 'Whale' }, expect: { backend: V3 } },
          { host: 'example.com', path: '/path1', query: { animal: 'whale' }, expect: { backend: V1 } },
          {
            host: 'example.com',
            path: '/',
            query: { animal: 'whale' },
            headers: { version: 'one' },
            expect: { backend: V2 },
          },
          {
            host: 'example.com',
            path: '/path2',
            query: { animal: 'whale' },
            headers: { version: 'two' },
            expect: { backend: V3 },
          },
          { host: 'example.com', path: '/path3', query: { animal: 'shark' }, expect: { backend: V1 } },
          {
            host: 'example.com',
            path: '/path4',
            query: { animal: 'kraken' },
            headers: { version: 'three' },
            expect: { backend: V1 },
          },
          { host: 'example.com', path: '/path5', query: { animal: 'squid' }, expect: { backend: V1 } },
          { host: 'example.com', path: '/', query: { animal: 'hydra' }, expect: { backend: V2 } },
          {
            host: 'example.com',
            path: '/',
            query: {},
            headers: { version: 'four' },
            expect: { backend: V3 },
          },
          { host: 'example.com', path: '/', query: { animal: 'unicorn' }, expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteRedirectPath',
    file: 'httproute-redirect-path.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRedirect'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRedirectPort',
    file: 'httproute-redirect-port.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRedirectScheme',
    file: 'httproute-redirect-scheme.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteSchemeRedirect'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRedirectPortAndScheme',
    file: 'httproute-redirect-port-and-scheme.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect', 'HTTPRouteSchemeRedirect'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRewriteHost',
    file: 'httproute-rewrite-host.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteHostRewrite'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRewritePath',
    file: 'httproute-rewrite-path.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRewrite'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteRequestMirror',
    file: 'httproute-request-mirror.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestMirror'],
    skip: NOT_ASSERTED,
  },
  {
    name: 'HTTPRouteResponseHeaderModifier',
    file: 'httproute-response-header-modifier.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteResponseHeaderModification'],
    skip: NOT_ASSERTED,
  },

  // ----- GATEWAY-GRPC core -----
  {
    name: 'GRPCExactMethodMatching',
    file: 'grpcroute-exact-method-matching.yaml',
    features: ['Gateway', 'GRPCRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          grpc('example.com', 'Echo', GRPC_V1),
          grpc('example.com', 'EchoTwo', GRPC_V2),
          { ...grpc('example.com', 'EchoThree', GRPC_V1), expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'GRPCRouteHeaderMatching',
    file: 'grpcroute-header-matching.yaml',
    features: ['Gateway', 'GRPCRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/same-namespace',
        cases: [
          grpc('example.com', 'Echo', GRPC_V1, { version: 'one' }),
          grpc('example.com', 'Echo', GRPC_V2, { version: 'two' }),
          grpc('example.com', 'Echo', GRPC_V1, { version: 'two', color: 'orange' }),
          grpc('example.com', 'Echo', GRPC_V1, { color: 'blue' }),
          grpc('example.com', 'Echo', GRPC_V1, { color: 'green' }),
          grpc('example.com', 'Echo', GRPC_V2, { color: 'red' }),
          grpc('example.com', 'Echo', GRPC_V2, { color: 'yellow' }),
          { ...grpc('example.com', 'Echo', GRPC_V1, { version: 'three' }), expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'GRPCRouteListenerHostnameMatching',
    file: 'grpcroute-listener-hostname-matching.yaml',
    features: ['Gateway', 'GRPCRoute'],
    traces: [
      {
        gateway: 'gateway-conformance-infra/grpcroute-listener-hostname-matching',
        cases: [
          grpc('bar.com', 'Echo', GRPC_V1),
          grpc('foo.bar.com', 'Echo', GRPC_V2),
          grpc('baz.bar.com', 'Echo', GRPC_V3),
          grpc('boo.bar.com', 'Echo', GRPC_V3),
          grpc('multiple.prefixes.bar.com', 'Echo', GRPC_V3),
          grpc('multiple.prefixes.foo.com', 'Echo', GRPC_V3),
          { ...grpc('foo.com', 'Echo', GRPC_V1), expect: { status: 404 } },
          { ...grpc('no.matching.host', 'Echo', GRPC_V1), expect: { status: 404 } },
        ],
      },
    ],
  },
  {
    name: 'GRPCRouteWeight',
    file: 'grpcroute-weight.yaml',
    features: ['Gateway', 'GRPCRoute'],
    skip: NOT_ASSERTED,
  },
];
