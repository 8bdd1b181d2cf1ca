import type { ConformanceCase } from './suite.js';

// Upstream v1.6.1 conformance tests of extended HTTPRoute and GRPCRoute features, through the kubectl path:
// statuses on the objects and, through EPIC's trace API, what the rendered configuration does with each request
// (redirect locations and codes, rewrites, mirrors, timeouts, retries, CORS answers, upstream headers). The same
// tests are asserted through the REST API in apps/api/src/conformance-http-extended.test.ts and
// conformance-gateway.test.ts; the expectations are the specification's.

const INFRA = 'gateway-conformance-infra';
const SAME = `${INFRA}/same-namespace`;
const V1 = `${INFRA}/infra-backend-v1`;
const cluster = (name: string, port = 8080) => `service/${INFRA}/${name}/${port}`;
const on = (
  gateway: string,
  cases: NonNullable<Exclude<ConformanceCase['traces'], 'golden'>>[number]['cases'],
) => [{ gateway, cases }];
const ECHO = '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho';

export const EXTENDED_CASES: ConformanceCase[] = [
  ...(
    [
      [303, 'httproute-303-redirect.yaml', '/see-other'],
      [307, 'httproute-307-redirect.yaml', '/temporary'],
      [308, 'httproute-308-redirect.yaml', '/permanent'],
    ] as const
  ).map(([code, file, path]): ConformanceCase => ({
    name: `HTTPRoute${code}Redirect`,
    file,
    features: ['Gateway', 'HTTPRoute', `HTTPRoute${code}RedirectStatusCode`],
    traces: on(SAME, [{ host: 'example.com', path, expect: { status: code } }]),
  })),
  {
    name: 'HTTPRouteRedirectPath',
    file: 'httproute-redirect-path.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRedirect'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/original-prefix/lemon',
        expect: { status: 302, location: 'http://example.com/replacement-prefix/lemon' },
      },
      {
        host: 'example.com',
        path: '/full/path/original',
        expect: { status: 302, location: 'http://example.com/full-path-replacement' },
      },
      {
        host: 'example.com',
        path: '/path-and-host',
        expect: { status: 302, location: 'http://example.org/replacement-prefix' },
      },
      {
        host: 'example.com',
        path: '/path-and-status',
        expect: { status: 301, location: 'http://example.com/replacement-prefix' },
      },
    ]),
  },
  {
    name: 'HTTPRouteRedirectPort',
    file: 'httproute-redirect-port.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/port',
        expect: { status: 302, location: 'http://example.com:8083/port' },
      },
      {
        host: 'example.com',
        path: '/port-and-host',
        expect: { status: 302, location: 'http://example.org:8083/port-and-host' },
      },
      {
        host: 'example.com',
        path: '/port-and-status',
        expect: { status: 301, location: 'http://example.com:8083/port-and-status' },
      },
    ]),
  },
  {
    name: 'HTTPRouteRedirectScheme',
    file: 'httproute-redirect-scheme.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteSchemeRedirect'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/scheme',
        expect: { status: 302, location: 'https://example.com/scheme' },
      },
      {
        host: 'example.com',
        path: '/scheme-and-host',
        expect: { status: 302, location: 'https://example.org/scheme-and-host' },
      },
      {
        host: 'example.com',
        path: '/scheme-and-status',
        expect: { status: 301, location: 'https://example.com/scheme-and-status' },
      },
    ]),
  },
  {
    name: 'HTTPRouteRedirectPortAndScheme',
    file: 'httproute-redirect-port-and-scheme.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePortRedirect', 'HTTPRouteSchemeRedirect'],
    traces: [
      {
        gateway: SAME,
        cases: [
          {
            host: 'example.org',
            path: '/scheme-nil-and-port-8080',
            expect: { status: 302, location: 'http://example.org:8080/scheme-nil-and-port-8080' },
          },
          {
            host: 'example.org',
            path: '/scheme-https-and-port-nil',
            expect: { status: 302, location: 'https://example.org/scheme-https-and-port-nil' },
          },
        ],
      },
      {
        gateway: `${INFRA}/same-namespace-with-http-listener-on-8080`,
        cases: [
          {
            port: 8080,
            host: 'example.org',
            path: '/scheme-nil-and-port-nil',
            expect: { status: 302, location: 'http://example.org:8080/scheme-nil-and-port-nil' },
          },
        ],
      },
    ],
  },
  {
    name: 'HTTPRouteRewriteHost',
    file: 'httproute-rewrite-host.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteHostRewrite'],
    traces: on(SAME, [
      {
        host: 'rewrite.example',
        path: '/one',
        expect: { backend: V1, rewrite: { host: 'one.example.org' } },
      },
      {
        host: 'rewrite.example',
        path: '/',
        expect: { backend: `${INFRA}/infra-backend-v2`, rewrite: { host: 'example.org' } },
      },
    ]),
  },
  {
    name: 'HTTPRouteRewritePath',
    file: 'httproute-rewrite-path.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRoutePathRewrite'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/prefix/one/two',
        expect: { backend: V1, rewrite: { path: '/one/two' } },
      },
      { host: 'example.com', path: '/full/one/two', expect: { backend: V1, rewrite: { path: '/one' } } },
    ]),
  },
  {
    name: 'HTTPRouteRequestMirror',
    file: 'httproute-request-mirror.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestMirror'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/mirror',
        expect: { backend: V1, mirrors: [{ cluster: cluster('infra-backend-v2'), percent: 100 }] },
      },
    ]),
  },
  {
    name: 'HTTPRouteRequestMultipleMirrors',
    file: 'httproute-request-multiple-mirrors.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestMirror', 'HTTPRouteRequestMultipleMirrors'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/multi-mirror',
        expect: {
          backend: V1,
          mirrors: [
            { cluster: cluster('infra-backend-v2'), percent: 100 },
            { cluster: cluster('infra-backend-v3'), percent: 100 },
          ],
        },
      },
    ]),
  },
  {
    name: 'HTTPRouteRequestPercentageMirror',
    file: 'httproute-request-percentage-mirror.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestPercentageMirror'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/percent-mirror',
        expect: { backend: V1, mirrors: [{ cluster: cluster('infra-backend-v2'), percent: 20 }] },
      },
      {
        host: 'example.com',
        path: '/percent-mirror-fraction',
        expect: { backend: V1, mirrors: [{ cluster: cluster('infra-backend-v2'), percent: 50 }] },
      },
    ]),
  },
  {
    name: 'HTTPRouteResponseHeaderModifier',
    file: 'httproute-response-header-modifier.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteResponseHeaderModification'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/set',
        expect: { backend: V1, responseHeaders: { set: { 'x-header-set': 'set-overwrites-values' } } },
      },
      {
        host: 'example.com',
        path: '/remove',
        expect: { backend: V1, responseHeaders: { remove: ['x-header-remove'] } },
      },
    ]),
  },
  {
    name: 'HTTPRouteRequestTimeout',
    file: 'httproute-timeout-request.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRequestTimeout'],
    traces: on(SAME, [
      { host: 'example.com', path: '/request-timeout', expect: { backend: V1, timeout: '0.500s' } },
      { host: 'example.com', path: '/disable-request-timeout', expect: { backend: V1, timeout: '0s' } },
    ]),
  },
  {
    name: 'HTTPRouteBackendRequestTimeout',
    file: 'httproute-timeout-backend-request.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendTimeout'],
    traces: on(SAME, [
      { host: 'example.com', path: '/backend-timeout', expect: { backend: V1, timeout: '0.500s' } },
    ]),
  },
  {
    name: 'HTTPRouteRetry',
    file: 'httproute-retry.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteRetry'],
    // Asserted through the REST API instead (apps/api/src/conformance-http-extended.test.ts).
    skip: 'spec.rules[].retry is experimental-channel in v1.6.1; the kubectl path installs the standard-channel CRDs, which refuse it',
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/retry/code-500-attempts-3',
        expect: {
          backend: `${INFRA}/infra-backend-v3`,
          retryPolicy: {
            retryOn: 'connect-failure,refused-stream,reset,retriable-status-codes',
            numRetries: 3,
            retriableStatusCodes: [500],
          },
        },
      },
    ]),
  },
  {
    name: 'HTTPRouteCORS',
    file: 'httproute-cors.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteCORS'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/cors-1',
        method: 'OPTIONS',
        headers: { origin: 'https://www.foo.com', 'access-control-request-method': 'GET' },
        expect: {
          status: 200,
          corsResponse: {
            preflight: true,
            originAllowed: true,
            headers: {
              'access-control-allow-origin': 'https://www.foo.com',
              'access-control-allow-credentials': 'true',
              'access-control-allow-methods': 'GET, OPTIONS',
              'access-control-allow-headers': 'x-header-1, x-header-2',
              'access-control-max-age': '3600',
            },
          },
        },
      },
    ]),
  },
  {
    name: 'HTTPRouteNamedRule',
    file: 'httproute-named-rule.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteNamedRouteRule'],
    traces: on(SAME, [
      { host: 'example.com', path: '/named', expect: { backend: V1 } },
      { host: 'example.com', path: '/unnamed', expect: { backend: `${INFRA}/infra-backend-v2` } },
    ]),
  },
  {
    name: 'GRPCRouteNamedRule',
    file: 'grpcroute-named-rule.yaml',
    features: ['Gateway', 'GRPCRoute', 'GRPCRouteNamedRouteRule'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: `${ECHO}/Echo`,
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
        expect: { backend: `${INFRA}/grpc-infra-backend-v1` },
      },
    ]),
  },
  {
    name: 'GRPCRouteWeight',
    file: 'grpcroute-weight.yaml',
    features: ['Gateway', 'GRPCRoute'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: `${ECHO}/Echo`,
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
        expect: {
          clusters: { [cluster('grpc-infra-backend-v1')]: 70, [cluster('grpc-infra-backend-v2')]: 30 },
        },
      },
    ]),
  },
  {
    name: 'HTTPRouteRequestHeaderModifierBackendWeights',
    file: 'httproute-request-header-modifier-backend-weights.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteBackendRequestHeaderModification'],
    traces: on(SAME, [
      {
        host: 'example.com',
        path: '/',
        expect: { clusters: { [cluster('infra-backend-v1')]: 10, [cluster('infra-backend-v2')]: 10 } },
      },
    ]),
  },
  {
    name: 'HTTPRouteListenerPortMatching',
    file: 'httproute-listener-port-matching.yaml',
    features: ['Gateway', 'HTTPRoute', 'HTTPRouteParentRefPort'],
    gateways: {
      [`${INFRA}/httproute-listener-port-matching`]: {
        listeners: {
          'listener-1': { attachedRoutes: 1 },
          'listener-2': { attachedRoutes: 1 },
          'listener-3': { attachedRoutes: 1 },
          'listener-4': { attachedRoutes: 1 },
          'listener-5': { attachedRoutes: 0 },
        },
      },
    },
    traces: on(`${INFRA}/httproute-listener-port-matching`, [
      { port: 80, host: 'foo.com', path: '/', expect: { backend: V1 } },
      { port: 8080, host: 'bar.com', path: '/', expect: { backend: `${INFRA}/infra-backend-v2` } },
      { port: 8090, host: 'foo.com', path: '/', expect: { backend: `${INFRA}/infra-backend-v3` } },
      { port: 8090, host: 'bar.com', path: '/', expect: { status: 404 } },
    ]),
  },
];
