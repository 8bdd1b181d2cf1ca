import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, reconcile, type AppliedTest } from './test-support/conformance.js';
import {
  conditionSummary,
  INFRA,
  SAME_NAMESPACE,
  serviceCluster,
  traceOutcome,
  type StatusCondition,
  type TraceOutcome,
} from './test-support/conformance-trace.js';
import { rest, testEnv, type TestEnv } from './test-support/harness.js';

// Upstream v1.6.1 conformance tests applied through the API from their own manifests (one account per test; the
// kubectl path, apps/agent/src/conformance, asserts the Gateway ones too): Gateway and listener statuses (invalid
// protocols, route kinds, certificates, ReferenceGrants to Secrets, parametersRef, listener edits,
// observedGeneration) and the HTTP filters the trace of the rendered configuration shows (redirects, rewrites,
// mirrors, response headers, gRPC weights). The expectations are the specification's (Gateway API reference; GEP-1867 for parametersRef).

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

async function gateway(t: AppliedTest, name: string) {
  const r = await rest(env, 'GET', `/gateways/${t.gateways.get(`${INFRA}/${name}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  const listeners = r.body['status'].listeners as {
    name: string;
    attachedRoutes: number;
    supportedKinds: { kind: string }[];
    conditions: StatusCondition[];
  }[];
  return {
    body: r.body,
    conditions: conditionSummary(r.body['conditions'] as StatusCondition[]),
    listeners: Object.fromEntries(
      listeners.map((l) => [
        l.name,
        {
          attachedRoutes: l.attachedRoutes,
          kinds: l.supportedKinds.map((k) => k.kind),
          ...conditionSummary(l.conditions),
        },
      ]),
    ),
  };
}

const trace = (t: AppliedTest, gw: string, input: Record<string, unknown>) => traceOutcome(env, t, gw, input);
async function routesOk(t: AppliedTest) {
  for (const [key, id] of t.routes) {
    const r = await rest(env, 'GET', `/routes/${id}`, t.key);
    for (const p of r.body['status'].parents as { conditions: StatusCondition[] }[])
      expect(conditionSummary(p.conditions), key).toMatchObject({
        Accepted: 'True/Accepted',
        ResolvedRefs: 'True/ResolvedRefs',
      });
  }
}
/** A redirect as `status location`. */
const redirect = (o: TraceOutcome) => `${o.action.status} ${o.action.location}`;

describe('Gateway statuses (core)', () => {
  it('GatewayInvalidListenersUnsupportedProtocol: the unsupported listener is not accepted, the others are', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-invalid-listeners-unsupported-protocol.yaml',
      'gw-proto',
    );
    const only = await gateway(t, 'gateway-only-unsupported-protocols');
    expect(only.conditions).toMatchObject({ Accepted: 'False/ListenersNotValid' });
    expect(only.listeners['invalid']).toMatchObject({ Accepted: 'False/UnsupportedProtocol', kinds: [] });
    const mixed = await gateway(t, 'gateway-supported-and-unsupported-protocols');
    expect(mixed.conditions).toMatchObject({ Accepted: 'True/ListenersNotValid' });
    expect(mixed.listeners['http']).toMatchObject({
      Accepted: 'True/Accepted',
      Programmed: 'True/Programmed',
    });
    expect(mixed.listeners['invalid']).toMatchObject({ Accepted: 'False/UnsupportedProtocol' });
  });

  it('GatewayInvalidParametersRef: a parametersRef that does not resolve is Accepted=False/InvalidParameters', async () => {
    const t = await applyConformanceTest(env, 'gateway-invalid-parameters-ref.yaml', 'gw-params');
    const g = await gateway(t, 'gateway-invalid-parameters-ref');
    expect(g.conditions).toMatchObject({ Accepted: 'False/InvalidParameters', Programmed: 'False/Invalid' });
    const message = (g.body['conditions'] as (StatusCondition & { message: string })[]).find(
      (c) => c.type === 'Accepted',
    )!.message;
    expect(message).toContain('spec.infrastructure.parametersRef');
    expect(message).toContain('invalid.io/InvalidParameters');
    // Nothing is served while it is not accepted: no listener takes the request.
    const id = t.gateways.get(`${INFRA}/gateway-invalid-parameters-ref`)!;
    const served = await rest(env, 'POST', `/gateways/${id}/trace`, t.key, {
      host: 'example.com',
      path: '/',
    });
    expect(served.status, served.raw).toBe(400);
    expect(served.body['message']).toMatch(/listener/);
    // The template it is built from is a parameters reference EPIC resolves.
    const fixed = await rest(env, 'PUT', `/gateways/${id}/infrastructure`, t.key, {
      infrastructure: { parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'conformance' } },
    });
    expect(fixed.status, fixed.raw).toBe(200);
    await reconcile(env);
    expect((await gateway(t, 'gateway-invalid-parameters-ref')).conditions).toMatchObject({
      Accepted: 'True/Accepted',
    });
    const other = await rest(env, 'PUT', `/gateways/${id}/infrastructure`, t.key, {
      infrastructure: { parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'another' } },
    });
    expect(other.status, other.raw).toBe(200);
    await reconcile(env);
    expect((await gateway(t, 'gateway-invalid-parameters-ref')).conditions).toMatchObject({
      Accepted: 'False/InvalidParameters',
    });
  });

  it('GatewayInvalidRouteKind: InvalidRouteKinds, and supportedKinds holds only the valid kinds', async () => {
    const t = await applyConformanceTest(env, 'gateway-invalid-route-kind.yaml', 'gw-kind');
    expect((await gateway(t, 'gateway-only-invalid-route-kind')).listeners['http']).toMatchObject({
      ResolvedRefs: 'False/InvalidRouteKinds',
      kinds: [],
    });
    expect((await gateway(t, 'gateway-supported-and-invalid-route-kind')).listeners['http']).toMatchObject({
      ResolvedRefs: 'False/InvalidRouteKinds',
      kinds: ['HTTPRoute'],
    });
  });

  it('GatewayInvalidTLSConfiguration: a missing, wrong-group, wrong-kind or malformed Secret is InvalidCertificateRef', async () => {
    const t = await applyConformanceTest(env, 'gateway-invalid-tls-configuration.yaml', 'gw-tls', {
      secrets: [`${INFRA}/tls-validity-checks-certificate`],
      // The malformed Secret has no certificate: the API stores none for it.
      withoutSecrets: [`${INFRA}/nonexistent-certificate`, `${INFRA}/malformed-certificate`],
    });
    for (const name of [
      'gateway-certificate-nonexistent-secret',
      'gateway-certificate-unsupported-group',
      'gateway-certificate-unsupported-kind',
      'gateway-certificate-malformed-secret',
    ]) {
      const g = await gateway(t, name);
      expect(g.listeners['https'], name).toMatchObject({
        ResolvedRefs: 'False/InvalidCertificateRef',
        Programmed: 'False/Invalid',
      });
    }
  });

  it('GatewaySecret{Invalid,Missing}ReferenceGrant: a Secret of another namespace needs a fitting grant', async () => {
    for (const [file, name] of [
      ['gateway-secret-invalid-reference-grant.yaml', 'gateway-secret-invalid-reference-grant'],
      ['gateway-secret-missing-reference-grant.yaml', 'gateway-secret-missing-reference-grant'],
    ] as const) {
      const t = await applyConformanceTest(env, file, `gw-${name.slice(15, 30)}`);
      expect((await gateway(t, name)).listeners['https'], name).toMatchObject({
        ResolvedRefs: 'False/RefNotPermitted',
        Programmed: 'False/Invalid',
      });
    }
  });

  it('GatewaySecretReferenceGrant{AllInNamespace,Specific}: a fitting grant resolves the Secret', async () => {
    for (const [file, name] of [
      [
        'gateway-secret-reference-grant-all-in-namespace.yaml',
        'gateway-secret-reference-grant-all-in-namespace',
      ],
      ['gateway-secret-reference-grant-specific.yaml', 'gateway-secret-reference-grant-specific'],
    ] as const) {
      const t = await applyConformanceTest(env, file, `gw-${name.slice(-14)}`);
      const g = await gateway(t, name);
      expect(g.conditions, name).toMatchObject({ Accepted: 'True/Accepted' });
      expect(g.listeners['https'], name).toMatchObject({
        ResolvedRefs: 'True/ResolvedRefs',
        Programmed: 'True/Programmed',
      });
    }
  });

  it('GatewayWithAttachedRoutesWithPort8080: a route attached by sectionName counts only on its listener', async () => {
    const t = await applyConformanceTest(env, 'gateway-with-attached-routes-with-port-8080.yaml', 'gw-8080');
    await routesOk(t);
    const g = await gateway(t, 'gateway-with-two-listeners-and-one-attached-route');
    expect(g.listeners['http-unattached']).toMatchObject({ attachedRoutes: 0, Accepted: 'True/Accepted' });
    expect(g.listeners['http']).toMatchObject({ attachedRoutes: 1, Accepted: 'True/Accepted' });
  });

  it('GatewayModifyListeners: an added listener gets its status and routes; a removed one loses both', async () => {
    const t = await applyConformanceTest(env, 'gateway-modify-listeners.yaml', 'gw-modify');
    await routesOk(t);
    const add = t.gateways.get(`${INFRA}/gateway-add-listener`)!;
    const before = await gateway(t, 'gateway-add-listener');
    const put = await rest(env, 'PUT', `/gateways/${add}/listeners`, t.key, {
      listeners: [
        ...(before.body['listeners'] as unknown[]),
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    });
    expect(put.status, put.raw).toBe(200);
    await reconcile(env);
    const added = await gateway(t, 'gateway-add-listener');
    expect(added.listeners['http']).toMatchObject({ attachedRoutes: 1, Accepted: 'True/Accepted' });
    expect(added.listeners['https']).toMatchObject({ attachedRoutes: 1 });
    expect((added.body['conditions'] as StatusCondition[]).every((c) => c.observedGeneration === 2)).toBe(
      true,
    );

    const remove = t.gateways.get(`${INFRA}/gateway-remove-listener`)!;
    const both = await gateway(t, 'gateway-remove-listener');
    const https = (both.body['listeners'] as { name: string }[]).filter((l) => l.name === 'https');
    expect(
      (await rest(env, 'PUT', `/gateways/${remove}/listeners`, t.key, { listeners: https })).status,
    ).toBe(200);
    await reconcile(env);
    const removed = await gateway(t, 'gateway-remove-listener');
    expect(Object.keys(removed.listeners)).toEqual(['https']);
    expect(removed.listeners['https']).toMatchObject({ attachedRoutes: 1 });
  });

  it('GatewayObservedGenerationBump: a spec change bumps observedGeneration on every condition', async () => {
    const t = await applyConformanceTest(env, 'gateway-observed-generation-bump.yaml', 'gw-generation');
    const id = t.gateways.get(`${INFRA}/gateway-observed-generation-bump`)!;
    const gens = async () => {
      const g = await gateway(t, 'gateway-observed-generation-bump');
      return [
        ...(g.body['conditions'] as StatusCondition[]).map((c) => c.observedGeneration),
        ...(g.body['status'].listeners as { conditions: StatusCondition[] }[]).flatMap((l) =>
          l.conditions.map((c) => c.observedGeneration),
        ),
      ];
    };
    expect(new Set(await gens())).toEqual(new Set([1]));
    const put = await rest(env, 'PUT', `/gateways/${id}/listeners`, t.key, {
      listeners: [
        {
          name: 'http',
          hostname: 'bar.com',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'All' } },
        },
        { name: 'http-2', hostname: 'foo.com', port: 8080, protocol: 'HTTP' },
      ],
    });
    expect(put.status, put.raw).toBe(200);
    await reconcile(env);
    expect(new Set(await gens())).toEqual(new Set([2]));
  });
});

describe('HTTP filters (extended)', () => {
  it('HTTPRouteRedirectPath: prefix and full-path replacement, with host and status', async () => {
    const t = await applyConformanceTest(env, 'httproute-redirect-path.yaml', 'f-redirect-path');
    await routesOk(t);
    const go = async (path: string) =>
      redirect(await trace(t, SAME_NAMESPACE, { host: 'example.com', path }));
    expect(await go('/original-prefix/lemon')).toBe('302 http://example.com/replacement-prefix/lemon');
    expect(await go('/full/path/original')).toBe('302 http://example.com/full-path-replacement');
    expect(await go('/path-and-host')).toBe('302 http://example.org/replacement-prefix');
    expect(await go('/path-and-status')).toBe('301 http://example.com/replacement-prefix');
    expect(await go('/full-path-and-host')).toBe('302 http://example.org/replacement-full');
    expect(await go('/full-path-and-status')).toBe('301 http://example.com/replacement-full');
  });

  it('HTTPRouteRedirectPort: the port, with host and status', async () => {
    const t = await applyConformanceTest(env, 'httproute-redirect-port.yaml', 'f-redirect-port');
    await routesOk(t);
    const go = async (path: string) =>
      redirect(await trace(t, SAME_NAMESPACE, { host: 'example.com', path }));
    expect(await go('/port')).toBe('302 http://example.com:8083/port');
    expect(await go('/port-and-host')).toBe('302 http://example.org:8083/port-and-host');
    expect(await go('/port-and-status')).toBe('301 http://example.com:8083/port-and-status');
    expect(await go('/port-and-host-and-status')).toBe(
      '302 http://example.org:8083/port-and-host-and-status',
    );
  });

  it('HTTPRouteRedirectScheme: the scheme, with host and status', async () => {
    const t = await applyConformanceTest(env, 'httproute-redirect-scheme.yaml', 'f-redirect-scheme');
    await routesOk(t);
    const go = async (path: string) =>
      redirect(await trace(t, SAME_NAMESPACE, { host: 'example.com', path }));
    expect(await go('/scheme')).toBe('302 https://example.com/scheme');
    expect(await go('/scheme-and-host')).toBe('302 https://example.org/scheme-and-host');
    expect(await go('/scheme-and-status')).toBe('301 https://example.com/scheme-and-status');
    expect(await go('/scheme-and-host-and-status')).toBe(
      '302 https://example.org/scheme-and-host-and-status',
    );
  });

  it('HTTPRouteRedirectPortAndScheme: the port of the Location follows the scheme and the listener', async () => {
    const t = await applyConformanceTest(env, 'httproute-redirect-port-and-scheme.yaml', 'f-redirect-both');
    await routesOk(t);
    const at =
      (gw: string, port: number, https = false) =>
      async (path: string) =>
        redirect(
          await trace(t, `${INFRA}/${gw}`, {
            port,
            host: 'example.org',
            path,
            ...(https ? { scheme: 'https', serverName: 'example.org' } : {}),
          }),
        );
    const on80 = at('same-namespace', 80);
    expect(await on80('/scheme-nil-and-port-nil')).toBe('302 http://example.org/scheme-nil-and-port-nil');
    expect(await on80('/scheme-nil-and-port-80')).toBe('302 http://example.org/scheme-nil-and-port-80');
    expect(await on80('/scheme-nil-and-port-8080')).toBe(
      '302 http://example.org:8080/scheme-nil-and-port-8080',
    );
    expect(await on80('/scheme-https-and-port-nil')).toBe(
      '302 https://example.org/scheme-https-and-port-nil',
    );
    expect(await on80('/scheme-https-and-port-443')).toBe(
      '302 https://example.org/scheme-https-and-port-443',
    );
    expect(await on80('/scheme-https-and-port-8443')).toBe(
      '302 https://example.org:8443/scheme-https-and-port-8443',
    );
    const on8080 = at('same-namespace-with-http-listener-on-8080', 8080);
    expect(await on8080('/scheme-nil-and-port-nil')).toBe(
      '302 http://example.org:8080/scheme-nil-and-port-nil',
    );
    expect(await on8080('/scheme-nil-and-port-80')).toBe('302 http://example.org/scheme-nil-and-port-80');
    expect(await on8080('/scheme-https-and-port-nil')).toBe(
      '302 https://example.org/scheme-https-and-port-nil',
    );
    const on443 = at('same-namespace-with-https-listener', 443, true);
    expect(await on443('/scheme-nil-and-port-nil')).toBe('302 https://example.org/scheme-nil-and-port-nil');
    expect(await on443('/scheme-nil-and-port-443')).toBe('302 https://example.org/scheme-nil-and-port-443');
    expect(await on443('/scheme-nil-and-port-8443')).toBe(
      '302 https://example.org:8443/scheme-nil-and-port-8443',
    );
    expect(await on443('/scheme-http-and-port-nil')).toBe('302 http://example.org/scheme-http-and-port-nil');
    expect(await on443('/scheme-http-and-port-80')).toBe('302 http://example.org/scheme-http-and-port-80');
    expect(await on443('/scheme-http-and-port-8080')).toBe(
      '302 http://example.org:8080/scheme-http-and-port-8080',
    );
  });

  it('HTTPRouteRewriteHost and HTTPRouteRewritePath: what the backend receives', async () => {
    const h = await applyConformanceTest(env, 'httproute-rewrite-host.yaml', 'f-rewrite-host');
    await routesOk(h);
    const host = async (path: string) =>
      (await trace(h, SAME_NAMESPACE, { host: 'rewrite.example', path })).rewrite?.host;
    expect(await host('/one')).toBe('one.example.org');
    expect(await host('/')).toBe('example.org');
    expect(await host('/rewrite-host-and-modify-headers')).toBe('test.example.org');
    const p = await applyConformanceTest(env, 'httproute-rewrite-path.yaml', 'f-rewrite-path');
    await routesOk(p);
    const path = async (x: string) =>
      (await trace(p, SAME_NAMESPACE, { host: 'example.com', path: x })).rewrite?.path;
    expect(await path('/prefix/one/two')).toBe('/one/two');
    expect(await path('/strip-prefix/three')).toBe('/three');
    expect(await path('/strip-prefix')).toBe('/');
    expect(await path('/full/one/two')).toBe('/one');
    expect(await path('/full/rewrite-path-and-modify-headers/x')).toBe('/test');
    expect(await path('/prefix/rewrite-path-and-modify-headers/x')).toBe('/prefix/x');
  });

  it('HTTPRouteRequestMirror: every request mirrored to the mirror backend', async () => {
    const t = await applyConformanceTest(env, 'httproute-request-mirror.yaml', 'f-mirror');
    await routesOk(t);
    for (const path of ['/mirror', '/mirror-and-modify-headers']) {
      const o = await trace(t, SAME_NAMESPACE, { host: 'example.com', path });
      expect(
        o.action.clusters!.map((c) => c.name),
        path,
      ).toEqual([serviceCluster('infra-backend-v1')]);
      expect(o.mirrors, path).toEqual([{ cluster: serviceCluster('infra-backend-v2'), percent: 100 }]);
    }
  });

  it('HTTPRouteResponseHeaderModifier: set, add and remove on the response', async () => {
    const t = await applyConformanceTest(env, 'httproute-response-header-modifier.yaml', 'f-response');
    await routesOk(t);
    const response = async (path: string) =>
      (await trace(t, SAME_NAMESPACE, { host: 'example.com', path })).action.clusters![0]!.responseHeaders;
    expect((await response('/set')).set).toMatchObject({ 'x-header-set': 'set-overwrites-values' });
    expect((await response('/add')).add).toMatchObject({ 'x-header-add': ['add-appends-values'] });
    expect((await response('/remove')).remove).toEqual(['x-header-remove']);
  });
});

describe('GRPCRoute (core)', () => {
  it('GRPCRouteWeight: calls split 70/30, none to the weight-0 backend', async () => {
    const t = await applyConformanceTest(env, 'grpcroute-weight.yaml', 'grpc-weight');
    await routesOk(t);
    const o = await trace(t, SAME_NAMESPACE, {
      host: 'example.com',
      path: '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo',
      method: 'POST',
      headers: { 'content-type': 'application/grpc' },
    });
    expect(o.action.clusters!.filter((c) => c.weight > 0).map((c) => [c.name, c.weight])).toEqual([
      [serviceCluster('grpc-infra-backend-v1'), 70],
      [serviceCluster('grpc-infra-backend-v2'), 30],
    ]);
  });
});
