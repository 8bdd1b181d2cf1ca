// The upstream Gateway API v1.6.1 conformance tests that the kubectl path runs, and what each requires. The
// suite's Go sources are not vendored (k8s/gateway-api/conformance holds only its manifests): test names,
// feature sets and profiles are transcribed from upstream; the statuses follow the specification (API reference
// and GEPs). Routing is asserted through EPIC's trace API with the request tables of the translator's golden
// fixtures that model the same test (packages/gateway-translator/testdata, `conformance:` key), or with a
// table given here.

import { EXTENDED_CASES } from './suite-extended.js';

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

/** The fields of a golden fixture's request expectation (`Expect` in the translator's test-support/fixture.ts). */
interface Expectation {
  status?: number;
  backend?: string;
  clusters?: Record<string, number>;
  location?: string;
  rewrite?: { host?: string; path?: string };
  mirrors?: { cluster: string; percent: number }[];
  timeout?: string;
  retryPolicy?: Record<string, unknown>;
  requestHeaders?: Record<string, string | null>;
  responseHeaders?: { set?: Record<string, string>; add?: Record<string, string[]>; remove?: string[] };
  corsResponse?: { preflight: boolean; originAllowed: boolean; headers: Record<string, string> };
}

export interface TraceCase {
  port?: number;
  scheme?: 'http' | 'https';
  serverName?: string;
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  query?: Record<string, string>;
  /**
   * What the answer must be, as the golden fixtures say it (a backend, a status, clusters, a redirect location,
   * rewrites, mirrors, timeouts, retries, CORS, headers); `upstreamTls`: how the proxies connect to
   * every cluster of the answer (the trace's `upstreamTls`; null: plaintext).
   */
  expect: Expectation & {
    upstreamTls?: {
      sni: string;
      trustedCa: string;
      subjectAltNames: string[];
      clientCertificate: boolean;
    } | null;
  };
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
  routes?: Record<
    string,
    {
      Accepted?: Expected;
      ResolvedRefs?: Expected;
      /** Per parentRef (`Gateway/<name>` or `ListenerSet/<name>`, `#<sectionName>` when it has one): overrides. */
      parents?: Record<string, { Accepted?: Expected; ResolvedRefs?: Expected }>;
    }
  >;
  /**
   * Per BackendTLSPolicy (`namespace/name`), every one of the test's: the Gateways (`namespace/name`) our
   * `status.ancestors` entries must name, exactly, and their conditions (default `True/Accepted` and
   * `True/ResolvedRefs`), each with the policy's generation as `observedGeneration` (GEP-1897).
   */
  policies?: Record<string, Record<string, { Accepted?: Expected; ResolvedRefs?: Expected }>>;
  /**
   * Per ListenerSet (`namespace/name`), every one of the test's: its conditions (default `True/Accepted` and
   * `True/Programmed`, at its generation) and listeners' `attachedRoutes` and conditions (GEP-1713).
   */
  listenerSets?: Record<
    string,
    {
      conditions?: Record<string, Expected>;
      listeners?: Record<string, { attachedRoutes?: number; conditions?: Record<string, Expected> }>;
    }
  >;
  /**
   * Per Gateway (`namespace/name`): listener `attachedRoutes` and conditions, Gateway conditions, and the
   * ListenerSets attached (`status.attachedListenerSets`, GEP-1713) where the upstream test asserts it.
   */
  gateways?: Record<string, GatewayExpectation>;
  /**
   * Per GatewayClass of the test (by name): its conditions (default `True/Accepted`), each at the class's
   * generation.
   */
  gatewayClasses?: Record<string, { conditions?: Record<string, Expected> }>;
  /** Requests through the trace API: the golden fixture modelling the same test, or a table. */
  traces?: { gateway: string; cases: TraceCase[] }[] | 'golden';
  /**
   * Spec mutations after the first assertions (kubectl JSON patches), each of which must change its object's
   * generation; the statuses are then asserted again, at the new generations.
   */
  bump?: Bump | Bump[];
  /** What differs after the bump: these Gateways' expectations replace the case's (the others stay). */
  bumped?: { gateways: Record<string, GatewayExpectation> };
}

/** A spec mutation: `kubectl patch <kind> <name> [-n <namespace>] --type=json -p <patch>`. */
export interface Bump {
  kind: string;
  name: string;
  /** None for a cluster-scoped object (a GatewayClass). */
  namespace?: string;
  patch: unknown;
}

/**
 * A Gateway's conditions (default `True/Accepted` and `True/Programmed`, each at the Gateway's generation, as
 * upstream's GatewayMustHaveLatestConditions requires) and its listeners'.
 */
export interface GatewayExpectation {
  conditions?: Record<string, Expected>;
  attachedListenerSets?: number;
  /**
   * `status.listeners` holds exactly the listeners named here, no other (upstream's
   * GatewayStatusMustHaveListeners).
   */
  exactListeners?: true;
  listeners?: Record<
    string,
    {
      attachedRoutes?: number;
      conditions?: Record<string, Expected>;
      /**
       * Kinds (of group gateway.networking.k8s.io) `supportedKinds` must hold, as upstream's listenersMatch: it
       * may hold more; `[]`: it must be empty.
       */
      supportedKinds?: string[];
    }
  >;
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
/** An HTTP(S) listener for HTTPRoutes, accepted with its references resolved, with this many routes attached. */
const listenerOk = (attachedRoutes: number) => ({
  attachedRoutes,
  supportedKinds: ['HTTPRoute'],
  conditions: { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' } as Record<string, Expected>,
});
/**
 * A Gateway whose only listener, `https`, has a certificate reference that does not resolve (`reason`): the
 * listener is not programmed, nor is the Gateway, which stays accepted (ListenersNotValid).
 */
const listenerWithCertificate = (reason: Expected): GatewayExpectation => ({
  conditions: { Accepted: 'True/ListenersNotValid', Programmed: 'False/Invalid' },
  exactListeners: true,
  listeners: {
    https: {
      attachedRoutes: 0,
      supportedKinds: ['HTTPRoute'],
      conditions: { ResolvedRefs: reason, Programmed: 'False/Invalid' },
    },
  },
});
const NO_TLSROUTE =
  'needs TLSRoute traffic, which the kubectl path cannot trace yet (asserted through the API: apps/api/src/conformance-l4.test.ts)';

const INFRA = 'gateway-conformance-infra';
/** A Gateway whose one HTTPS listener's certificate a ReferenceGrant allows: resolved, programmed, no routes. */
const GRANTED_HTTPS_GATEWAY: GatewayExpectation = {
  exactListeners: true,
  listeners: {
    https: {
      attachedRoutes: 0,
      supportedKinds: ['HTTPRoute'],
      conditions: { ResolvedRefs: 'True/ResolvedRefs', Programmed: 'True/Programmed' },
    },
  },
};
/** A request on abc.example.com whose backend is reached over TLS with this SNI, the suite's CA and SANs. */
const btls = (path: string, service: string, sni: string, subjectAltNames = [`DNS:${sni}`]): TraceCase => ({
  host: 'abc.example.com',
  path,
  expect: {
    backend: `${INFRA}/${service}`,
    upstreamTls: { sni, trustedCa: 'inline', subjectAltNames, clientCertificate: false },
  },
});
const NO_VALID_CA = {
  Accepted: 'False/NoValidCACertificate',
  ResolvedRefs: 'False/InvalidCACertificateRef',
} as const satisfies { Accepted: Expected; ResolvedRefs: Expected };
/** A ListenerSet its parent does not allow (allowedListeners): not accepted, nothing programmed. */
const NOT_ALLOWED = { conditions: { Accepted: 'False/NotAllowed', Programmed: 'False/NotAllowed' } } as const;
const lsTrace = (host: string, path: string, to: string | 404): TraceCase => ({
  host,
  path,
  expect: to === 404 ? { status: 404 } : { backend: to },
});
/**
 * ListenerSet{Hostname,Protocol}Conflict: a ListenerSet listener that conflicts with a Gateway listener, or with
 * an older ListenerSet's, is Conflicted and not accepted; a ListenerSet with only conflicts is not accepted.
 */
function conflictCase(what: string, reason: string): Pick<ConformanceCase, 'listenerSets' | 'gateways'> {
  const conflicted = {
    conditions: { Conflicted: `True/${reason}`, Accepted: `False/${reason}` } as Record<string, Expected>,
  };
  const ok = {
    conditions: { Conflicted: 'False/NoConflicts', Accepted: 'True/Accepted' } as Record<string, Expected>,
  };
  const partly = {
    conditions: { Accepted: 'True/ListenersNotValid', Programmed: 'True/Programmed' } as Record<
      string,
      Expected
    >,
  };
  return {
    listenerSets: {
      [`${INFRA}/listenerset-with-${what}-conflict-with-gateway-1`]: {
        ...partly,
        listeners: {
          'listener-set-1-listener': ok,
          [`${what}-conflict-with-gateway-listener`]: conflicted,
          [`${what}-conflict-with-listener-set-listener`]: ok,
        },
      },
      [`${INFRA}/listenerset-with-${what}-conflict-with-gateway-2`]: {
        conditions: { Accepted: 'False/ListenersNotValid', Programmed: 'False/ListenersNotValid' },
        listeners: { [`${what}-conflict-with-gateway-listener`]: conflicted },
      },
      [`${INFRA}/listenerset-with-${what}-conflict-with-listener-set-1`]: {
        ...partly,
        listeners: {
          'listener-set-2-listener': ok,
          [`${what}-conflict-with-listener-set-listener`]: conflicted,
        },
      },
      [`${INFRA}/listenerset-with-${what}-conflict-with-listener-set-2`]: {
        conditions: { Accepted: 'False/ListenersNotValid', Programmed: 'False/ListenersNotValid' },
        listeners: { [`${what}-conflict-with-listener-set-listener`]: conflicted },
      },
    },
    gateways: {
      [`${INFRA}/gateway-with-listenerset-${what}-conflict`]: {
        conditions: { AttachedListenerSets: 'True/ListenerSetsAttached' },
        // The two with a listener of their own left.
        attachedListenerSets: 2,
        listeners: {
          'gateway-listener': ok,
          [`${what}-conflict-with-gateway-listener`]: ok,
        },
      },
    },
  };
}

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
    gatewayClasses: { 'gatewayclass-observed-generation-bump': {} },
    bump: {
      kind: 'gatewayclass',
      name: 'gatewayclass-observed-generation-bump',
      patch: [{ op: 'replace', path: '/spec/description', value: 'new' }],
    },
  },
  {
    name: 'GatewayInvalidParametersRef',
    file: 'gateway-invalid-parameters-ref.yaml',
    features: ['Gateway'],
    // Refused, so nothing can be programmed (the API's message names spec.infrastructure.parametersRef).
    gateways: {
      [`${INFRA}/gateway-invalid-parameters-ref`]: {
        conditions: { Accepted: 'False/InvalidParameters', Programmed: 'False/Invalid' },
      },
    },
  },
  {
    name: 'GatewayInvalidRouteKind',
    file: 'gateway-invalid-route-kind.yaml',
    features: ['Gateway'],
    // An unknown kind leaves the listener's references unresolved, but it is still a valid listener: the
    // Gateways stay accepted and programmed (what upstream leaves open; the spec ties neither to ResolvedRefs).
    gateways: {
      [`${INFRA}/gateway-only-invalid-route-kind`]: {
        exactListeners: true,
        listeners: {
          http: {
            attachedRoutes: 0,
            supportedKinds: [],
            conditions: { ResolvedRefs: 'False/InvalidRouteKinds' },
          },
        },
      },
      [`${INFRA}/gateway-supported-and-invalid-route-kind`]: {
        exactListeners: true,
        listeners: {
          http: {
            attachedRoutes: 0,
            supportedKinds: ['HTTPRoute'],
            conditions: { ResolvedRefs: 'False/InvalidRouteKinds' },
          },
        },
      },
    },
  },
  {
    name: 'GatewayInvalidListenersUnsupportedProtocol',
    file: 'gateway-invalid-listeners-unsupported-protocol.yaml',
    features: ['Gateway'],
    // A Gateway is accepted only if one of its listeners is.
    gateways: {
      [`${INFRA}/gateway-only-unsupported-protocols`]: {
        conditions: { Accepted: 'False/ListenersNotValid', Programmed: 'False/Invalid' },
        exactListeners: true,
        listeners: {
          invalid: {
            attachedRoutes: 0,
            supportedKinds: [],
            conditions: { Accepted: 'False/UnsupportedProtocol' },
          },
        },
      },
      [`${INFRA}/gateway-supported-and-unsupported-protocols`]: {
        conditions: { Accepted: 'True/ListenersNotValid' },
        exactListeners: true,
        listeners: {
          http: {
            attachedRoutes: 0,
            supportedKinds: ['HTTPRoute'],
            conditions: { Accepted: 'True/Accepted', Programmed: 'True/Programmed' },
          },
          invalid: {
            attachedRoutes: 0,
            supportedKinds: [],
            conditions: { Accepted: 'False/UnsupportedProtocol' },
          },
        },
      },
    },
  },
  {
    name: 'GatewayInvalidTLSConfiguration',
    file: 'gateway-invalid-tls-configuration.yaml',
    features: ['Gateway'],
    // A missing Secret, a wrong group or kind, a Secret without a valid certificate: the only listener is invalid.
    gateways: Object.fromEntries(
      ['nonexistent-secret', 'unsupported-group', 'unsupported-kind', 'malformed-secret'].map((g) => [
        `${INFRA}/gateway-certificate-${g}`,
        listenerWithCertificate('False/InvalidCertificateRef'),
      ]),
    ),
  },
  {
    name: 'GatewayModifyListeners',
    file: 'gateway-modify-listeners.yaml',
    features: ['Gateway'],
    gateways: {
      [`${INFRA}/gateway-add-listener`]: {
        exactListeners: true,
        listeners: { https: listenerOk(1) },
      },
      [`${INFRA}/gateway-remove-listener`]: {
        exactListeners: true,
        listeners: { https: listenerOk(1), http: listenerOk(1) },
      },
    },
    bump: [
      {
        kind: 'gateway',
        name: 'gateway-add-listener',
        namespace: INFRA,
        patch: [
          {
            op: 'add',
            path: '/spec/listeners/-',
            value: {
              name: 'http',
              port: 80,
              protocol: 'HTTP',
              hostname: 'data.test.com',
              allowedRoutes: { namespaces: { from: 'All' } },
            },
          },
        ],
      },
      {
        kind: 'gateway',
        name: 'gateway-remove-listener',
        namespace: INFRA,
        patch: [
          { op: 'test', path: '/spec/listeners/0/name', value: 'https' },
          { op: 'remove', path: '/spec/listeners/0' },
        ],
      },
    ],
    // The added listener takes the route too; the removed one is gone from the status.
    bumped: {
      gateways: {
        [`${INFRA}/gateway-add-listener`]: {
          exactListeners: true,
          listeners: { https: listenerOk(1), http: listenerOk(1) },
        },
        [`${INFRA}/gateway-remove-listener`]: {
          exactListeners: true,
          listeners: { http: listenerOk(1) },
        },
      },
    },
  },
  {
    name: 'GatewayObservedGenerationBump',
    file: 'gateway-observed-generation-bump.yaml',
    features: ['Gateway'],
    gateways: { [`${INFRA}/gateway-observed-generation-bump`]: {} },
    bump: {
      kind: 'gateway',
      name: 'gateway-observed-generation-bump',
      namespace: INFRA,
      patch: [
        {
          op: 'add',
          path: '/spec/listeners/-',
          value: {
            name: 'alternate',
            hostname: 'foo.com',
            port: 80,
            protocol: 'HTTP',
            allowedRoutes: { namespaces: { from: 'All' } },
          },
        },
      ],
    },
  },
  {
    name: 'GatewaySecretInvalidReferenceGrant',
    file: 'gateway-secret-invalid-reference-grant.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    // Every grant misses in one respect (namespace, from group/kind/namespace, to group/kind/name).
    gateways: {
      [`${INFRA}/gateway-secret-invalid-reference-grant`]: listenerWithCertificate('False/RefNotPermitted'),
    },
  },
  {
    name: 'GatewaySecretMissingReferenceGrant',
    file: 'gateway-secret-missing-reference-grant.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    // A Secret of another namespace without a ReferenceGrant.
    gateways: {
      [`${INFRA}/gateway-secret-missing-reference-grant`]: listenerWithCertificate('False/RefNotPermitted'),
    },
  },
  {
    name: 'GatewaySecretReferenceGrantAllInNamespace',
    file: 'gateway-secret-reference-grant-all-in-namespace.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    gateways: {
      [`${INFRA}/gateway-secret-reference-grant-all-in-namespace`]: GRANTED_HTTPS_GATEWAY,
    },
  },
  {
    name: 'GatewaySecretReferenceGrantSpecific',
    file: 'gateway-secret-reference-grant-specific.yaml',
    features: ['Gateway', 'ReferenceGrant'],
    gateways: {
      [`${INFRA}/gateway-secret-reference-grant-specific`]: GRANTED_HTTPS_GATEWAY,
    },
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
    // The route names the listener on 80 by sectionName: the one on 8080 has none.
    gateways: {
      [`${INFRA}/gateway-with-two-listeners-and-one-attached-route`]: {
        exactListeners: true,
        listeners: { 'http-unattached': listenerOk(0), http: listenerOk(1) },
      },
    },
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
  // ----- GATEWAY-HTTP extended: BackendTLSPolicy (GEP-1897) -----
  // The suite's CA ConfigMaps are created as upstream does at run time (tls-checks-ca-certificate: the CA of the
  // backends' certificate; mismatch-ca-certificate: another CA).
  {
    name: 'BackendTLSPolicy',
    file: 'backendtlspolicy.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    policies: {
      [`${INFRA}/normative-test`]: {
        [`${INFRA}/same-namespace`]: {},
        [`${INFRA}/same-namespace-with-https-listener`]: {},
      },
      [`${INFRA}/host-mismatch`]: { [`${INFRA}/same-namespace`]: {} },
      [`${INFRA}/cert-mismatch`]: { [`${INFRA}/same-namespace`]: {} },
      [`${INFRA}/reconcile-test`]: { [`${INFRA}/same-namespace`]: {} },
    },
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [
          btls('/backendtlspolicy', 'backendtlspolicy-test', 'abc.example.com'),
          btls(
            '/backendtlspolicy-host-mismatch',
            'backendtlspolicy-host-mismatch-test',
            'mismatch.example.com',
          ),
          btls('/backendtlspolicy-cert-mismatch', 'backendtlspolicy-cert-mismatch-test', 'abc.example.com'),
          btls('/backendtlspolicy-reconcile-test', 'backendtlspolicy-reconcile-test', 'abc.example.com'),
        ],
      },
      {
        gateway: `${INFRA}/same-namespace-with-https-listener`,
        cases: [
          {
            ...btls('/backendtlspolicy', 'backendtlspolicy-test', 'abc.example.com'),
            scheme: 'https',
            serverName: 'https-listener.org',
            host: 'https-listener.org',
            port: 443,
          },
        ],
      },
    ],
  },
  {
    name: 'BackendTLSPolicyConflictResolution',
    file: 'backendtlspolicy-conflict-resolution.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    // The older policy for a target (and sectionName) wins; same age: the first by namespace/name.
    policies: {
      [`${INFRA}/conflicted-without-section-name-1`]: { [`${INFRA}/same-namespace`]: {} },
      [`${INFRA}/conflicted-without-section-name-2`]: {
        [`${INFRA}/same-namespace`]: { Accepted: 'False/Conflicted' },
      },
      [`${INFRA}/conflicted-with-section-name-1`]: { [`${INFRA}/same-namespace`]: {} },
      [`${INFRA}/conflicted-with-section-name-2`]: {
        [`${INFRA}/same-namespace`]: { Accepted: 'False/Conflicted' },
      },
      [`${INFRA}/not-conflicted-with-section-name`]: { [`${INFRA}/same-namespace`]: {} },
      [`${INFRA}/not-conflicted-without-section-name`]: { [`${INFRA}/same-namespace`]: {} },
    },
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [
          btls(
            '/backendtlspolicy-conflicted-without-section-name',
            'backendtlspolicy-conflicted-without-section-name-test',
            'other.example.com',
          ),
          btls(
            '/backendtlspolicy-conflicted-with-section-name',
            'backendtlspolicy-conflicted-with-section-name-test',
            'other.example.com',
          ),
          btls(
            '/backendtlspolicy-not-conflicted-with-section-name',
            'backendtlspolicy-not-conflicted-test',
            'other.example.com',
          ),
          btls(
            '/backendtlspolicy-not-conflicted-without-section-name',
            'backendtlspolicy-not-conflicted-test',
            'abc.example.com',
          ),
        ],
      },
    ],
  },
  {
    name: 'BackendTLSPolicyInvalidCACertificateRef',
    file: 'backendtlspolicy-invalid-ca-certificate-ref.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    policies: {
      [`${INFRA}/nonexistent-ca-certificate-ref`]: { [`${INFRA}/same-namespace`]: NO_VALID_CA },
      [`${INFRA}/malformed-ca-certificate-ref`]: { [`${INFRA}/same-namespace`]: NO_VALID_CA },
    },
    // No valid CA: the backend is not reached in plaintext, the request fails (500).
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [
          {
            host: 'abc.example.com',
            path: '/backendtlspolicy-nonexistent-ca-certificate-ref',
            expect: { status: 500 },
          },
          {
            host: 'abc.example.com',
            path: '/backendtlspolicy-malformed-ca-certificate-ref',
            expect: { status: 500 },
          },
        ],
      },
    ],
  },
  {
    name: 'BackendTLSPolicyInvalidKind',
    file: 'backendtlspolicy-invalid-kind.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    policies: {
      [`${INFRA}/invalid-kind`]: {
        [`${INFRA}/same-namespace`]: {
          Accepted: 'False/NoValidCACertificate',
          ResolvedRefs: 'False/InvalidKind',
        },
      },
    },
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [{ host: 'abc.example.com', path: '/backendtlspolicy-invalid-kind', expect: { status: 500 } }],
      },
    ],
  },
  {
    name: 'BackendTLSPolicyObservedGenerationBump',
    file: 'backendtlspolicy-observed-generation-bump.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    policies: { [`${INFRA}/observed-generation-bump`]: { [`${INFRA}/same-namespace`]: {} } },
    bump: {
      kind: 'BackendTLSPolicy',
      name: 'observed-generation-bump',
      namespace: INFRA,
      patch: [{ op: 'replace', path: '/spec/validation/hostname', value: 'other.example.com' }],
    },
    // After the bump: the new hostname is the SNI.
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [btls('/', 'observed-generation-bump-test', 'other.example.com')],
      },
    ],
  },
  {
    name: 'BackendTLSPolicySANValidation',
    file: 'backendtlspolicy-san.yaml',
    features: ['Gateway', 'HTTPRoute', 'BackendTLSPolicy'],
    policies: Object.fromEntries(
      [
        'san-dns',
        'san-dns-mismatch',
        'san-uri',
        'san-uri-mismatch',
        'multiple-sans',
        'multiple-mismatch-sans',
      ].map((p) => [`${INFRA}/${p}`, { [`${INFRA}/same-namespace`]: {} }]),
    ),
    // The policy's subjectAltNames are what the backend certificate is matched against; the hostname is the SNI.
    traces: [
      {
        gateway: `${INFRA}/same-namespace`,
        cases: [
          btls('/backendtlspolicy-san-dns', 'backendtlspolicy-san-dns-test', 'abc.example.com', [
            'DNS:abc.example.com',
          ]),
          btls(
            '/backendtlspolicy-san-dns-mismatch',
            'backendtlspolicy-san-dns-mismatch-test',
            'abc.example.com',
            ['DNS:dce.example.com'],
          ),
          btls('/backendtlspolicy-san-uri', 'backendtlspolicy-san-uri-test', 'abc.example.com', [
            'URI:spiffe://abc.example.com/test-identity',
          ]),
          btls(
            '/backendtlspolicy-san-uri-mismatch',
            'backendtlspolicy-san-uri-mismatch-test',
            'abc.example.com',
            ['URI:spiffe://def.example.com/test-identity'],
          ),
          btls('/backendtlspolicy-multiple-sans', 'backendtlspolicy-multiple-sans-test', 'abc.example.com', [
            'URI:spiffe://abc.example.com/test-identity',
            'DNS:abc.example.com',
          ]),
          btls(
            '/backendtlspolicy-multiple-mismatch-sans',
            'backendtlspolicy-multiple-mismatch-sans-test',
            'abc.example.com',
            ['URI:spiffe://def.example.com/test-identity', 'DNS:def.example.com'],
          ),
        ],
      },
    ],
  },
  // ----- GATEWAY-HTTP extended: ListenerSet (GEP-1713) -----
  {
    name: 'ListenerSetAllowedNamespaceNone',
    file: 'listenerset-allowed-namespace-none.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: { [`${INFRA}/listenerset-not-allowed`]: NOT_ALLOWED },
    gateways: {
      [`${INFRA}/gateway-does-not-allow-listenerset`]: {
        conditions: { AttachedListenerSets: 'False/ListenerSetsNotAllowed' },
        attachedListenerSets: 0,
      },
    },
  },
  {
    name: 'ListenerSetAllowedNamespaceSame',
    file: 'listenerset-allowed-namespace-same.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: {
      [`${INFRA}/listenerset-in-same-namespace`]: {},
      'gateway-api-listenerset-not-allowed-ns/listenerset-in-different-namespace': NOT_ALLOWED,
    },
    gateways: {
      [`${INFRA}/gateway-allows-listenerset-in-same-namespace`]: {
        conditions: { AttachedListenerSets: 'True/ListenerSetsAttached' },
        attachedListenerSets: 1,
      },
    },
  },
  {
    name: 'ListenerSetAllowedNamespaceSelector',
    file: 'listenerset-allowed-namespace-selector.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: {
      'gateway-api-listenerset-selector-allowed-ns/listenerset-in-selected-namespace': {},
      'gateway-api-listenerset-selector-not-allowed-ns/listenerset-not-in-selected-namespace': NOT_ALLOWED,
    },
    gateways: {
      [`${INFRA}/gateway-allows-listenerset-in-selected-namespace`]: {
        conditions: { AttachedListenerSets: 'True/ListenerSetsAttached' },
        attachedListenerSets: 1,
      },
    },
  },
  {
    name: 'ListenerSetAllowedRoutesNamespaces',
    file: 'listenerset-allowed-routes-namespaces.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    routes: { [`${INFRA}/route-in-gateway-namespace`]: { Accepted: 'False/NotAllowedByListeners' } },
    listenerSets: {
      [`${INFRA}/listenerset-test-allowed-routes-namespaces`]: {
        listeners: {
          'listener-set-listener-allowed-routes-all': { attachedRoutes: 3 },
          'listener-set-listener-allowed-routes-same': { attachedRoutes: 1 },
          'listener-set-listener-allowed-routes-selector': { attachedRoutes: 1 },
        },
      },
      'gateway-api-ls-cross-ns/listenerset-test-allowed-routes-cross-ns': {
        listeners: { 'listener-set-listener-allowed-routes-cross-ns-same': { attachedRoutes: 1 } },
      },
    },
    gateways: { [`${INFRA}/gateway-with-listener-sets-test-allowed-routes`]: { attachedListenerSets: 2 } },
    traces: [
      {
        gateway: `${INFRA}/gateway-with-listener-sets-test-allowed-routes`,
        cases: [
          lsTrace('listener-set-listener-allowed-routes-all.com', '/route-not-in-selected-namespace', V3),
          lsTrace(
            'listener-set-listener-allowed-routes-selector.com',
            '/route-not-in-selected-namespace',
            404,
          ),
          lsTrace('listener-set-listener-allowed-routes-selector.com', '/route-in-selected-namespace', V2),
          lsTrace('listener-set-listener-allowed-routes-same.com', '/route-in-same-namespace', V1),
          lsTrace(
            'listener-set-listener-allowed-routes-cross-ns-same.com',
            '/route-in-listenerset-namespace',
            V1,
          ),
          lsTrace(
            'listener-set-listener-allowed-routes-cross-ns-same.com',
            '/route-in-gateway-namespace',
            404,
          ),
        ],
      },
    ],
  },
  {
    name: 'ListenerSetAllowedRoutesSupportedKinds',
    file: 'listenerset-allowed-routes-supported-kinds.yaml',
    features: ['Gateway', 'ListenerSet', 'TLSRoute'],
    listenerSets: {
      [`${INFRA}/listenerset-test-allowed-routes-supported-kinds`]: {
        listeners: {
          'listener-set-listener-allowed-routes-tls-only': {
            attachedRoutes: 0,
            conditions: { ResolvedRefs: 'False/InvalidRouteKinds' },
          },
        },
      },
    },
  },
  {
    name: 'ListenerSetDefaultNotAllowed',
    file: 'listenerset-default-not-allowed.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: { [`${INFRA}/listenerset-default-not-allowed`]: NOT_ALLOWED },
    gateways: {
      [`${INFRA}/gateway-default-does-not-allow-listenerset`]: {
        conditions: { AttachedListenerSets: 'False/ListenerSetsNotAllowed' },
        attachedListenerSets: 0,
      },
    },
  },
  {
    name: 'ListenerSetDualParentRefIndependence',
    file: 'listenerset-dual-parentref-independence.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    routes: {
      [`${INFRA}/route-dual-parentref-one`]: {
        parents: {
          'Gateway/gateway-dual-parentref#ls-dual-parentref-listener': { Accepted: 'False/NoMatchingParent' },
        },
      },
    },
    listenerSets: {
      [`${INFRA}/ls-dual-parentref`]: { listeners: { 'ls-dual-parentref-listener': { attachedRoutes: 2 } } },
    },
    gateways: {
      [`${INFRA}/gateway-dual-parentref`]: {
        attachedListenerSets: 1,
        listeners: { 'gw-dual-parentref-listener': { attachedRoutes: 1 } },
      },
    },
    traces: [
      {
        gateway: `${INFRA}/gateway-dual-parentref`,
        cases: [
          lsTrace('gw-dual.com', '/dualboth', V1),
          lsTrace('ls-dual.com', '/dualboth', V1),
          lsTrace('ls-dual.com', '/dualone', V2),
          lsTrace('gw-dual.com', '/dualone', 404),
        ],
      },
    ],
  },
  {
    name: 'ListenerSetGatewayParentSectionNameNotFound',
    file: 'listenerset-gateway-parent-section-name-not-found.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    // A ListenerSet's listener is no sectionName of its parent Gateway.
    routes: { [`${INFRA}/route-via-gateway`]: { Accepted: 'False/NoMatchingParent' } },
    listenerSets: {
      [`${INFRA}/listenerset-section-name`]: { listeners: { 'ls-only-listener': { attachedRoutes: 1 } } },
    },
    gateways: {
      [`${INFRA}/gateway-section-name`]: {
        attachedListenerSets: 1,
        listeners: { 'gw-listener': { attachedRoutes: 0 } },
      },
    },
  },
  {
    name: 'ListenerSetHostnameConflict',
    file: 'listenerset-hostname-conflict.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    ...conflictCase('hostname', 'HostnameConflict'),
  },
  {
    name: 'ListenerSetHTTPRouting',
    file: 'listenerset-http-routing.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: {
      [`${INFRA}/listener-set-http-routing-1`]: {
        listeners: {
          'listener-set-http-routing-1-listener-1': { attachedRoutes: 3 },
          'listener-set-http-routing-1-listener-2': { attachedRoutes: 2 },
        },
      },
      [`${INFRA}/listener-set-http-routing-2`]: {
        listeners: {
          'listener-set-http-routing-2-listener-1': { attachedRoutes: 2 },
          'listener-set-http-routing-2-listener-2': { attachedRoutes: 2 },
        },
      },
    },
    gateways: {
      [`${INFRA}/gateway-with-listener-sets-http-routing`]: {
        attachedListenerSets: 2,
        listeners: {
          'gateway-listener-1': { attachedRoutes: 3 },
          'gateway-listener-2': { attachedRoutes: 2 },
        },
      },
    },
    traces: [
      {
        gateway: `${INFRA}/gateway-with-listener-sets-http-routing`,
        cases: [
          lsTrace('gateway-listener-1.com', '/route', V1),
          lsTrace('listener-set-http-routing-1-listener-1.com', '/route', V1),
          lsTrace('listener-set-http-routing-2-listener-2.com', '/route', V1),
          lsTrace('gateway-listener-2.com', '/gateway-route', V2),
          lsTrace('listener-set-http-routing-1-listener-1.com', '/gateway-route', 404),
          lsTrace('gateway-listener-1.com', '/gateway-section-route', V3),
          lsTrace('gateway-listener-2.com', '/gateway-section-route', 404),
          lsTrace('listener-set-http-routing-1-listener-1.com', '/listener-set-http-routing-1-route', V2),
          lsTrace('listener-set-http-routing-2-listener-2.com', '/listener-set-http-routing-1-route', 404),
        ],
      },
    ],
  },
  {
    name: 'ListenerSetProtocolConflict',
    file: 'listenerset-protocol-conflict.yaml',
    features: ['Gateway', 'ListenerSet', 'TCPRoute'],
    ...conflictCase('protocol', 'ProtocolConflict'),
  },
  {
    name: 'ListenerSetReferenceGrant',
    file: 'listenerset-reference-grant.yaml',
    features: ['Gateway', 'ListenerSet', 'ReferenceGrant'],
    listenerSets: {
      [`${INFRA}/listenerset-with-reference-grant`]: {
        listeners: {
          'listenerset-with-reference-grant-listener': {
            conditions: { ResolvedRefs: 'True/ResolvedRefs', Programmed: 'True/Programmed' },
          },
        },
      },
      'gateway-api-listener-sets-test-reference-grant-ns/listenerset-without-reference-grant': {
        conditions: { Accepted: 'False/ListenersNotValid', Programmed: 'False/ListenersNotValid' },
        listeners: {
          'listenerset-without-reference-grant-listener': {
            conditions: { ResolvedRefs: 'False/RefNotPermitted', Programmed: 'False/Invalid' },
          },
        },
      },
    },
  },
  {
    name: 'ListenerSetRouteStatusScopedToParentRef',
    file: 'listenerset-route-status-scoped-to-parentref.yaml',
    features: ['Gateway', 'HTTPRoute', 'ListenerSet'],
    listenerSets: {
      [`${INFRA}/listenerset-parentref`]: {
        listeners: { 'listenerset-parentref-listener': { attachedRoutes: 1 } },
      },
    },
    gateways: {
      [`${INFRA}/gateway-parentref`]: {
        attachedListenerSets: 1,
        listeners: { 'gw-parentref-listener': { attachedRoutes: 1 } },
      },
    },
    traces: [
      {
        gateway: `${INFRA}/gateway-parentref`,
        cases: [
          lsTrace('gw-parentref.com', '/gwonly', V1),
          lsTrace('listenerset-parentref.com', '/gwonly', 404),
          lsTrace('listenerset-parentref.com', '/lsonly', V2),
          lsTrace('gw-parentref.com', '/lsonly', 404),
        ],
      },
    ],
  },
  ...EXTENDED_CASES,
];
