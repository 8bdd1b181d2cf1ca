import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, type AppliedTest } from './test-support/conformance.js';
import {
  INFRA,
  SAME_NAMESPACE,
  serviceCluster,
  traceOutcome,
  type StatusCondition,
  type TraceOutcome,
} from './test-support/conformance-trace.js';
import { rest, testEnv, type TestEnv } from './test-support/harness.js';

// Upstream v1.6.1 conformance tests of extended HTTPRoute and GRPCRoute features, applied through the API from
// their own manifests (one account per test), with the statuses the specification requires and what the trace
// of the rendered configuration says each request gets: redirect status codes, request and backend timeouts,
// retries, CORS answers, mirrors with their shares, named rules, parentRef ports. The suite's Go assertions are
// not vendored; the expectations are the specification's (HTTPRoute API reference, GEP-1742 timeouts, GEP-1731
// retries, GEP-1767 CORS, GEP-3171 percentage mirrors, GEP-995 named rules, GEP-957 parentRef port).

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

async function accepted(t: AppliedTest, route: string): Promise<string[]> {
  const r = await rest(env, 'GET', `/routes/${t.routes.get(`${INFRA}/${route}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return (r.body['status']?.parents ?? []).map((p: { conditions: StatusCondition[] }) =>
    ['Accepted', 'ResolvedRefs']
      .map((type) => p.conditions.find((c) => c.type === type))
      .map((c) => (c ? `${c.type}=${c.status}/${c.reason}` : 'absent'))
      .join(' '),
  );
}
const OK = 'Accepted=True/Accepted ResolvedRefs=True/ResolvedRefs';

const trace = (t: AppliedTest, gateway: string, input: Record<string, unknown>) =>
  traceOutcome(env, t, gateway, input);
const clusters = (o: TraceOutcome) => (o.action.clusters ?? []).map((c) => c.name);

describe('redirect status codes (extended)', () => {
  for (const [code, file, path] of [
    [303, 'httproute-303-redirect.yaml', '/see-other'],
    [307, 'httproute-307-redirect.yaml', '/temporary'],
    [308, 'httproute-308-redirect.yaml', '/permanent'],
  ] as const) {
    it(`HTTPRoute${code}Redirect: answers ${code}`, async () => {
      const t = await applyConformanceTest(env, file, `ext-redirect-${code}`);
      expect(await accepted(t, `${code}-redirect`)).toEqual([OK]);
      const o = await trace(t, SAME_NAMESPACE, { host: 'example.com', path });
      expect(o.status).toBe(code);
      expect(o.action.type).toBe('redirect');
    });
  }
});

describe('timeouts (extended, GEP-1742)', () => {
  it('HTTPRouteRequestTimeout: 500ms on the route; 0s disables it', async () => {
    const t = await applyConformanceTest(env, 'httproute-timeout-request.yaml', 'ext-timeout-request');
    expect(await accepted(t, 'request-timeout')).toEqual([OK]);
    const on = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/request-timeout' });
    expect(on.timeout).toBe('0.500s');
    expect(clusters(on)).toEqual([serviceCluster('infra-backend-v1')]);
    const off = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/disable-request-timeout' });
    expect(off.timeout).toBe('0s');
  });

  it('HTTPRouteBackendRequestTimeout: 500ms per backend request; 0s disables it', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-timeout-backend-request.yaml',
      'ext-timeout-backend',
    );
    expect(await accepted(t, 'backend-request-timeout')).toEqual([OK]);
    // Without retries there is one backend request: its timeout bounds the whole upstream exchange.
    const on = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/backend-timeout' });
    expect(on.timeout).toBe('0.500s');
    expect(on.retryPolicy).toBeUndefined();
    const off = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/disable-backend-timeout' });
    expect(off.timeout).toBe('0s');
  });
});

describe('retries (extended, GEP-1731)', () => {
  it('HTTPRouteRetry: the codes and attempts of each rule', async () => {
    const t = await applyConformanceTest(env, 'httproute-retry.yaml', 'ext-retry');
    expect(await accepted(t, 'retries')).toEqual([OK]);
    const three = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/retry/code-500-attempts-3' });
    expect(three.retryPolicy).toMatchObject({ numRetries: 3, retriableStatusCodes: [500] });
    const two = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/retry/code-all-attempts-2' });
    expect(two.retryPolicy).toMatchObject({ numRetries: 2, retriableStatusCodes: [500, 502, 503, 504] });
  });
});

describe('CORS (extended, GEP-1767)', () => {
  it('HTTPRouteCORS: preflights answered for allowed origins (exact and wildcard), not for others', async () => {
    const t = await applyConformanceTest(env, 'httproute-cors.yaml', 'ext-cors');
    for (const r of t.routes.keys()) expect(await accepted(t, r.split('/')[1]!), r).toEqual([OK]);
    const preflight = (path: string, origin: string, method = 'GET') =>
      trace(t, SAME_NAMESPACE, {
        host: 'example.com',
        path,
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method },
      });
    const foo = await preflight('/cors-1', 'https://www.foo.com');
    expect(foo.corsResponse).toMatchObject({ preflight: true, originAllowed: true });
    expect(foo.corsResponse!.headers).toMatchObject({
      'access-control-allow-origin': 'https://www.foo.com',
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '3600',
    });
    expect((await preflight('/cors-1', 'https://api.bar.com')).corsResponse).toMatchObject({
      originAllowed: true,
    });
    expect((await preflight('/cors-1', 'https://www.evil.com')).corsResponse).toMatchObject({
      originAllowed: false,
    });
    expect(
      (await preflight('/cors-wildcard-origin', 'https://any.example', 'PUT')).corsResponse,
    ).toMatchObject({ preflight: true, originAllowed: true });
    // A simple (non-preflight) request from an allowed origin gets the exposed headers.
    const simple = await trace(t, SAME_NAMESPACE, {
      host: 'example.com',
      path: '/cors-1',
      headers: { origin: 'https://www.foo.com' },
    });
    expect(simple.corsResponse).toMatchObject({ preflight: false, originAllowed: true });
    expect(simple.corsResponse!.headers['access-control-expose-headers']).toContain('x-header-3');
    expect(clusters(simple)).toEqual([serviceCluster('infra-backend-v1')]);
  });
});

describe('mirrors (extended)', () => {
  it('HTTPRouteRequestMultipleMirrors: every request mirrored to both backends', async () => {
    const t = await applyConformanceTest(env, 'httproute-request-multiple-mirrors.yaml', 'ext-mirrors');
    expect(await accepted(t, 'request-multiple-mirrors')).toEqual([OK]);
    for (const path of ['/multi-mirror', '/multi-mirror-and-modify-request-headers']) {
      const o = await trace(t, SAME_NAMESPACE, { host: 'example.com', path });
      expect(clusters(o), path).toEqual([serviceCluster('infra-backend-v1')]);
      expect(o.mirrors, path).toEqual([
        { cluster: serviceCluster('infra-backend-v2'), percent: 100 },
        { cluster: serviceCluster('infra-backend-v3'), percent: 100 },
      ]);
    }
  });

  it('HTTPRouteRequestPercentageMirror: percent and fraction give the mirrored share', async () => {
    const t = await applyConformanceTest(env, 'httproute-request-percentage-mirror.yaml', 'ext-mirror-pct');
    expect(await accepted(t, 'request-percentage-mirror')).toEqual([OK]);
    const share = async (path: string) =>
      (await trace(t, SAME_NAMESPACE, { host: 'example.com', path })).mirrors.map((m) => [
        m.cluster,
        m.percent,
      ]);
    expect(await share('/percent-mirror')).toEqual([[serviceCluster('infra-backend-v2'), 20]]);
    expect(await share('/percent-mirror-fraction')).toEqual([[serviceCluster('infra-backend-v2'), 50]]);
    expect(await share('/percent-mirror-and-modify-headers')).toEqual([
      [serviceCluster('infra-backend-v2'), 35],
    ]);
  });
});

describe('named rules (extended, GEP-995)', () => {
  it('HTTPRouteNamedRule: a named and an unnamed rule are both accepted and routed', async () => {
    const t = await applyConformanceTest(env, 'httproute-named-rule.yaml', 'ext-named-http');
    expect(await accepted(t, 'http-named-rules')).toEqual([OK]);
    expect(clusters(await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/named' }))).toEqual([
      serviceCluster('infra-backend-v1'),
    ]);
    expect(clusters(await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/unnamed' }))).toEqual([
      serviceCluster('infra-backend-v2'),
    ]);
  });

  it('GRPCRouteNamedRule: a named and an unnamed rule are both accepted and routed', async () => {
    const t = await applyConformanceTest(env, 'grpcroute-named-rule.yaml', 'ext-named-grpc');
    expect(await accepted(t, 'grpc-named-rules')).toEqual([OK]);
    const call = (method: string) =>
      trace(t, SAME_NAMESPACE, {
        host: 'example.com',
        path: `/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/${method}`,
        method: 'POST',
        headers: { 'content-type': 'application/grpc' },
      });
    expect(clusters(await call('Echo'))).toEqual([serviceCluster('grpc-infra-backend-v1')]);
    expect(clusters(await call('EchoTwo'))).toEqual([serviceCluster('grpc-infra-backend-v2')]);
  });
});

describe('parentRef port (extended, GEP-957)', () => {
  it('HTTPRouteListenerPortMatching: a parentRef port attaches to the listeners on that port only', async () => {
    const t = await applyConformanceTest(env, 'httproute-listener-port-matching.yaml', 'ext-port-matching');
    for (const r of ['backend-v1', 'backend-v2', 'backend-v3']) expect(await accepted(t, r), r).toEqual([OK]);
    const gw = `${INFRA}/httproute-listener-port-matching`;
    const g = await rest(env, 'GET', `/gateways/${t.gateways.get(gw)}`, t.key);
    expect(
      (g.body['status'].listeners as { name: string; attachedRoutes: number }[]).map((l) => [
        l.name,
        l.attachedRoutes,
      ]),
    ).toEqual([
      ['listener-1', 1],
      ['listener-2', 1],
      ['listener-3', 1],
      ['listener-4', 1],
      ['listener-5', 0],
    ]);
    const to = async (port: number, host: string) => {
      const o = await trace(t, gw, { port, host, path: '/' });
      return o.status ?? clusters(o).join(',');
    };
    expect(await to(80, 'foo.com')).toBe(serviceCluster('infra-backend-v1'));
    expect(await to(8080, 'foo.com')).toBe(serviceCluster('infra-backend-v2'));
    expect(await to(8080, 'bar.com')).toBe(serviceCluster('infra-backend-v2'));
    expect(await to(8090, 'foo.com')).toBe(serviceCluster('infra-backend-v3'));
    expect(await to(8090, 'bar.com')).toBe(404);
  });

  it('HTTPRouteInvalidParentRefNotMatchingListenerPort: no listener on the port is NoMatchingParent', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-invalid-parentref-not-matching-listener-port.yaml',
      'ext-port-none',
    );
    expect((await accepted(t, 'httproute-listener-not-matching-route-port'))[0]).toMatch(
      /^Accepted=False\/NoMatchingParent /,
    );
  });

  it('HTTPRouteInvalidParentRefSectionNameNotMatchingPort: a sectionName on another port is NoMatchingParent', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-invalid-parentref-section-name-not-matching-port.yaml',
      'ext-port-section',
    );
    expect((await accepted(t, 'httproute-listener-section-name-not-matching-port'))[0]).toMatch(
      /^Accepted=False\/NoMatchingParent /,
    );
  });
});

describe('backend request header modification (extended)', () => {
  it('HTTPRouteRequestHeaderModifierBackend: a backendRef filter sets, adds and removes upstream headers', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-request-header-modifier-backend.yaml',
      'ext-backend-hdr',
    );
    expect(await accepted(t, 'request-header-modifier')).toEqual([OK]);
    const upstream = async (path: string, headers: Record<string, string>) => {
      const o = await trace(t, SAME_NAMESPACE, { host: 'example.com', path, headers });
      expect(clusters(o), path).toEqual([serviceCluster('infra-backend-v1')]);
      return o.action.clusters![0]!.requestHeaders;
    };
    expect(await upstream('/set', { 'X-Header-Set': 'some-other-value' })).toMatchObject({
      'x-header-set': 'set-overwrites-values',
    });
    expect((await upstream('/add', { 'X-Header-Add': 'some-other-value' }))['x-header-add']).toContain(
      'add-appends-values',
    );
    expect(await upstream('/remove', { 'X-Header-Remove': 'val' })).not.toHaveProperty('x-header-remove');
    const mixed = await upstream('/case-insensitivity', { 'x-header-remove': 'val', 'X-HEADER-SET': 'old' });
    expect(mixed).toMatchObject({ 'x-header-set': 'header-set', 'x-header-add': 'header-add' });
    expect(mixed).not.toHaveProperty('x-header-remove');
  });

  it('HTTPRouteRequestHeaderModifierBackendWeights: each weighted backend gets its own headers', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-request-header-modifier-backend-weights.yaml',
      'ext-backend-hdr-weights',
    );
    expect(await accepted(t, 'request-header-modifier-backend-weights')).toEqual([OK]);
    const o = await trace(t, SAME_NAMESPACE, { host: 'example.com', path: '/' });
    expect(o.action.clusters!.map((c) => [c.name, c.weight, c.requestHeaders['backend']])).toEqual([
      [serviceCluster('infra-backend-v1'), 10, 'infra-backend-v1'],
      [serviceCluster('infra-backend-v2'), 10, 'infra-backend-v2'],
    ]);
  });
});

describe('HTTP listener isolation (extended)', () => {
  // A request is served only by the routes of the most specific listener whose hostname matches its Host.
  const cases: [string, string, string | number][] = [
    ['abc.foo.example.com', '/abc-foo-example-com', 'abc-foo-example-com'],
    ['abc.foo.example.com', '/wildcard-foo-example-com', 404],
    ['abc.foo.example.com', '/wildcard-example-com', 404],
    ['abc.foo.example.com', '/empty-hostname', 404],
    ['bar.foo.example.com', '/wildcard-foo-example-com', 'wildcard-foo-example-com'],
    ['bar.foo.example.com', '/abc-foo-example-com', 404],
    ['bar.foo.example.com', '/wildcard-example-com', 404],
    ['bar.example.com', '/wildcard-example-com', 'wildcard-example-com'],
    ['bar.example.com', '/wildcard-foo-example-com', 404],
    ['bar.example.com', '/empty-hostname', 404],
    ['bar.com', '/empty-hostname', 'empty-hostname'],
    ['bar.com', '/wildcard-example-com', 404],
    ['bar.com', '/abc-foo-example-com', 404],
  ];
  for (const [file, gateway, suffix] of [
    ['gateway-http-listener-isolation.yaml', 'http-listener-isolation', ''],
    [
      'gateway-http-listener-isolation-with-hostname-intersection.yaml',
      'http-listener-isolation-with-hostname-intersection',
      '-with-hostname-intersection',
    ],
  ] as const) {
    it(`${file}: each Host reaches only the routes of its most specific listener`, async () => {
      const t = await applyConformanceTest(env, file, `ext-isolation${suffix.length}`);
      for (const r of t.routes.keys()) expect(await accepted(t, r.split('/')[1]!), r).toEqual([OK]);
      const gw = `${INFRA}/${gateway}`;
      const got = [];
      for (const [host, path] of cases) {
        const r = await rest(env, 'POST', `/gateways/${t.gateways.get(gw)}/trace`, t.key, { host, path });
        const o = r.body['outcome'] as TraceOutcome;
        got.push([host, path, o.status ?? routeOf(o.route, suffix)]);
      }
      expect(got).toEqual(cases);
    });
  }
});

/** The listener a matched route attached through: the route is `attaches-to-<listener><suffix>`. */
function routeOf(route: string | null | undefined, suffix: string): string {
  const m = /attaches-to-([a-z-]+?)(?:-with-hostname-intersection)?(?:\/|$)/.exec(route ?? '');
  return m ? m[1]!.replace(suffix, '') : String(route);
}

describe('backend protocols (extended, GEP-1911)', () => {
  it('HTTPRouteBackendProtocolH2C: a Service port with appProtocol kubernetes.io/h2c gets HTTP/2 without TLS', async () => {
    const t = await applyConformanceTest(env, 'httproute-backend-protocol-h2c.yaml', 'ext-h2c');
    expect(await accepted(t, 'backend-protocol-h2c')).toEqual([OK]);
    const r = await rest(env, 'POST', `/gateways/${t.gateways.get(SAME_NAMESPACE)}/trace`, t.key, {
      host: 'example.com',
      path: '/',
    });
    const [c] = (r.body['outcome'] as TraceOutcome).action.clusters!;
    expect(c).toMatchObject({ name: `service/${INFRA}/infra-backend-v1/8081`, upstreamProtocol: 'HTTP/2' });
    expect(c).not.toHaveProperty('upstreamTls');
  });

  it('HTTPRouteBackendProtocolWebSocket: a kubernetes.io/ws port gets HTTP/1.1 with the websocket upgrade', async () => {
    const t = await applyConformanceTest(env, 'httproute-backend-protocol-websocket.yaml', 'ext-ws');
    expect(await accepted(t, 'backend-protocol-ws')).toEqual([OK]);
    const r = await rest(env, 'POST', `/gateways/${t.gateways.get(SAME_NAMESPACE)}/trace`, t.key, {
      host: 'example.com',
      path: '/',
      headers: { connection: 'upgrade', upgrade: 'websocket' },
    });
    expect(r.body['upgrades']).toEqual(['websocket']);
    const [c] = (r.body['outcome'] as TraceOutcome).action.clusters!;
    expect(c!.name).toBe(`service/${INFRA}/infra-backend-v1/8082`);
    expect(c).not.toHaveProperty('upstreamProtocol');
  });
});

describe('backend client certificate (extended, GEP-3155)', () => {
  it('GatewayBackendClientCertificate: the Gateway presents its client certificate to TLS backends', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-tls-backend-client-certificate.yaml',
      'ext-backend-cert',
      {
        caBundles: [`${INFRA}/tls-checks-ca-certificate`],
        secrets: [`${INFRA}/tls-checks-client-certificate`],
      },
    );
    expect(await accepted(t, 'gateway-tls-backend-client-certificate')).toEqual([OK]);
    const gw = `${INFRA}/gateway-tls-backend-client-certificate`;
    const o = await trace(t, gw, { host: 'abc.example.com', path: '/' });
    const [c] = o.action.clusters!;
    expect(c).toMatchObject({
      name: `service/${INFRA}/tls-backend-with-client-cert-validation/443`,
      upstreamTls: { sni: 'abc.example.com', clientCertificate: true },
    });
  });

  it('GatewayInvalidTLSBackendConfiguration: a clientCertificateRef that does not resolve is ResolvedRefs=False', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-invalid-tls-backend-configuration.yaml',
      'ext-backend-cert-bad',
      {
        secrets: [`${INFRA}/tls-validity-checks-certificate`, 'gateway-conformance-web-backend/certificate'],
      },
    );
    const got: Record<string, string> = {};
    for (const [key, id] of t.gateways) {
      const g = await rest(env, 'GET', `/gateways/${id}`, t.key);
      const c = (g.body['conditions'] as StatusCondition[]).find((x) => x.type === 'ResolvedRefs');
      got[key.split('/')[1]!] = c ? `${c.status}/${c.reason}` : 'absent';
    }
    expect(got).toEqual({
      'gateway-client-certificate-nonexistent-secret': 'False/InvalidClientCertificateRef',
      'gateway-client-certificate-unsupported-group': 'False/InvalidClientCertificateRef',
      'gateway-client-certificate-unsupported-kind': 'False/InvalidClientCertificateRef',
      'gateway-client-certificate-malformed-secret': 'False/InvalidClientCertificateRef',
      'gateway-client-certificate-missing-reference-grant': 'False/RefNotPermitted',
    });
  });
});
