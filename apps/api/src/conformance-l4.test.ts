import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, reconcile, type AppliedTest } from './test-support/conformance.js';
import { conditionSummary, INFRA, type StatusCondition } from './test-support/conformance-trace.js';
import { rest, testEnv, type TestEnv } from './test-support/harness.js';

// The upstream v1.6.1 conformance tests of TCPRoute, TLSRoute and UDPRoute, applied through the API from their own
// manifests (one account per test): the route and listener statuses the specification requires, and where
// connections and datagrams go (POST /gateways/{id}/trace-connection and trace-datagram) in place of the suite's
// echo servers. The suite's Go assertions are not vendored; each expectation below is the specification's
// (route status reasons: GEP-1364; TLS hostname intersection: the TLSRoute API reference; TCP and UDP listeners
// carry one route's traffic, the oldest attached: docs/adr/0461-udp-route-and-session-persistence.md).

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

/** `status/reason` of a route's Accepted and ResolvedRefs, for its one parent. */
type Parent = { accepted: string; resolvedRefs: string };
const OK: Parent = { accepted: 'True/Accepted', resolvedRefs: 'True/ResolvedRefs' };

const summary = (cs: StatusCondition[], type: string) => conditionSummary(cs)[type] ?? 'absent';

async function parentsOf(t: AppliedTest, route: string): Promise<Parent[]> {
  const r = await rest(env, 'GET', `/routes/${t.routes.get(`${INFRA}/${route}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return (r.body['status']?.parents ?? []).map((p: { conditions: StatusCondition[] }) => ({
    accepted: summary(p.conditions, 'Accepted'),
    resolvedRefs: summary(p.conditions, 'ResolvedRefs'),
  }));
}

async function listeners(t: AppliedTest, gateway: string) {
  const r = await rest(env, 'GET', `/gateways/${t.gateways.get(`${INFRA}/${gateway}`)}`, t.key);
  expect(r.status, r.raw).toBe(200);
  return r.body['status'].listeners as {
    name: string;
    attachedRoutes: number;
    supportedKinds: { kind: string }[];
    conditions: StatusCondition[];
  }[];
}

/** Where a TCP connection goes: `service/port` by weight, `closed` for shares without endpoints, or the refusal. */
async function connect(t: AppliedTest, gateway: string, port: number, serverName?: string) {
  const r = await rest(
    env,
    'POST',
    `/gateways/${t.gateways.get(`${INFRA}/${gateway}`)}/trace-connection`,
    t.key,
    {
      port,
      ...(serverName !== undefined ? { serverName } : {}),
    },
  );
  expect(r.status, r.raw).toBe(200);
  return shares(r.body as L4Trace);
}
async function send(t: AppliedTest, gateway: string, port: number) {
  const r = await rest(
    env,
    'POST',
    `/gateways/${t.gateways.get(`${INFRA}/${gateway}`)}/trace-datagram`,
    t.key,
    {
      port,
    },
  );
  expect(r.status, r.raw).toBe(200);
  return shares(r.body as L4Trace);
}
interface L4Trace {
  connection: string;
  refusal: string | null;
  terminatesTls?: boolean | null;
  backends: { cluster: string; weight: number; endpoints: unknown[] }[];
}
function shares(body: L4Trace) {
  if (body.connection === 'refused') return { refused: body.refusal };
  const to = body.backends
    .filter((b) => b.weight > 0)
    .map((b) => {
      const [, namespace, name, port] = b.cluster.split('/');
      const where = namespace === INFRA ? `${name}/${port}` : `${namespace}/${name}/${port}`;
      return `${b.endpoints.length > 0 ? where : 'closed'} ${b.weight}`;
    });
  return { to, ...(body.terminatesTls !== undefined ? { terminatesTls: body.terminatesTls } : {}) };
}

describe('TCPRoute (upstream conformance manifests)', () => {
  it('TCPRouteInvalidBackendRefNonexistent: accepted, BackendNotFound, connections closed', async () => {
    const t = await applyConformanceTest(env, 'tcproute-invalid-backendref-nonexistent.yaml', 'l4-tcp-nx');
    expect(await parentsOf(t, 'tcp-route-invalid-backend-ref-nonexistent')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/BackendNotFound' },
    ]);
    expect(await connect(t, 'tcp-gateway-invalid-backend', 9300)).toEqual({
      to: ['closed 1'],
      terminatesTls: false,
    });
  });

  it('TCPRouteInvalidCrossNamespaceBackendRef: RefNotPermitted without a ReferenceGrant', async () => {
    const t = await applyConformanceTest(
      env,
      'tcproute-invalid-cross-namespace-backend-ref.yaml',
      'l4-tcp-xns',
    );
    expect(await parentsOf(t, 'tcp-invalid-cross-namespace-backend-ref')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/RefNotPermitted' },
    ]);
    expect(await connect(t, 'tcp-invalid-cross-namespace-backend-ref-gateway', 9321)).toMatchObject({
      to: ['closed 1'],
    });
  });

  it('TCPRouteInvalidNonTCPListener: NotAllowedByListeners on an HTTP listener, which stays HTTP', async () => {
    const t = await applyConformanceTest(env, 'tcproute-invalid-non-tcp-listener.yaml', 'l4-tcp-nontcp');
    expect((await parentsOf(t, 'tcp-route'))[0]).toMatchObject({ accepted: 'False/NotAllowedByListeners' });
    const [l] = await listeners(t, 'tcp-mixed-protocol-gateway');
    expect(l).toMatchObject({ name: 'only-allow-http-routes', attachedRoutes: 0 });
    expect(await connect(t, 'tcp-mixed-protocol-gateway', 5300)).toEqual({ refused: 'NotTcpProxy' });
  });

  it('TCPRouteMultipleRoutesAttachment: the oldest route keeps the listener when a newer one attaches', async () => {
    const t = await applyConformanceTest(env, 'tcproute-multiple-routes-attachment.yaml', 'l4-tcp-multi');
    expect(await parentsOf(t, 'tcproute-attach-older')).toEqual([OK]);
    expect(await connect(t, 'tcp-multi-route-attach-gateway', 9310)).toMatchObject({
      to: ['tcp-attach-backend-1/3000 1'],
    });
    // The suite then attaches a newer route to the same listener.
    const newer = await rest(env, 'POST', '/routes', t.key, {
      kind: 'TCPRoute',
      namespace: INFRA,
      name: 'tcproute-attach-newer',
      spec: {
        parentRefs: [{ name: 'tcp-multi-route-attach-gateway', sectionName: 'tcp' }],
        rules: [{ backendRefs: [{ name: 'tcp-attach-backend-2', port: 3000 }] }],
      },
    });
    expect(newer.status, newer.raw).toBe(201);
    await reconcile(env);
    expect(await connect(t, 'tcp-multi-route-attach-gateway', 9310)).toMatchObject({
      to: ['tcp-attach-backend-1/3000 1'],
    });
  });

  it('TCPRouteParentRefAttachAll: a parentRef without sectionName attaches to every listener', async () => {
    const t = await applyConformanceTest(env, 'tcproute-parentref-attach-all.yaml', 'l4-tcp-all');
    expect(await parentsOf(t, 'tcp-route-attach-all')).toEqual([OK]);
    expect((await listeners(t, 'tcp-attach-all-gateway')).map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['one', 1],
      ['two', 1],
      ['three', 1],
      ['four', 1],
    ]);
    for (const port of [9310, 9311, 9312, 9313])
      expect(await connect(t, 'tcp-attach-all-gateway', port), `port ${port}`).toMatchObject({
        to: ['tcp-echo-attach-all/3000 1'],
      });
  });

  it('TCPRouteParentRefPortAndSectionName: port, sectionName, and both select the listener', async () => {
    const t = await applyConformanceTest(env, 'tcproute-parentref-port-and-section-name.yaml', 'l4-tcp-port');
    for (const r of ['tcp-route-by-port', 'tcp-route-by-section', 'tcp-route-by-section-and-port'])
      expect(await parentsOf(t, r), r).toEqual([OK]);
    const gw = 'tcp-multi-listener-gateway';
    expect(await connect(t, gw, 9300)).toMatchObject({ to: ['tcp-echo-one/3000 1'] });
    expect(await connect(t, gw, 9301)).toMatchObject({ to: ['tcp-echo-two/3000 1'] });
    expect(await connect(t, gw, 9302)).toMatchObject({ to: ['tcp-echo-three/3000 1'] });
  });

  it('TCPRouteReferenceGrant: a ReferenceGrant permits the backend in another namespace', async () => {
    const t = await applyConformanceTest(env, 'tcproute-reference-grant.yaml', 'l4-tcp-grant');
    expect(await parentsOf(t, 'tcp-reference-grant')).toEqual([OK]);
    expect(await connect(t, 'tcp-reference-grant-gateway', 9320)).toMatchObject({
      to: ['gateway-conformance-web-backend/tcp-reference-grant-backend/3000 1'],
    });
  });

  it('TCPRouteWeightedRouting: connections split 70/30, none to the weight-0 backend', async () => {
    const t = await applyConformanceTest(env, 'tcproute-weighted-routing.yaml', 'l4-tcp-weight');
    expect(await parentsOf(t, 'tcp-weighted-route')).toEqual([OK]);
    expect(await connect(t, 'tcp-weighted-gateway', 9300)).toMatchObject({
      to: ['tcp-backend-v1/3000 70', 'tcp-backend-v2/3000 30'],
    });
  });
});

describe('TLSRoute (upstream conformance manifests)', () => {
  it('TLSRouteSimpleSameNamespace: passthrough by server name', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-simple-same-namespace.yaml', 'l4-tls-simple');
    expect(await parentsOf(t, 'gateway-conformance-infra-test')).toEqual([OK]);
    expect(await connect(t, 'gateway-tlsroute', 443, 'abc.example.com')).toEqual({
      to: ['tcp-backend/8443 1'],
      terminatesTls: false,
    });
    expect(await connect(t, 'gateway-tlsroute', 443, 'other.example.com')).toEqual({
      refused: 'NoFilterChain',
    });
  });

  it('TLSRouteTerminateSimpleSameNamespace: terminated by the listener, forwarded as TCP', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-terminate-simple-same-namespace.yaml', 'l4-tls-term');
    expect(await parentsOf(t, 'tlsroute-terminated-test')).toEqual([OK]);
    expect(await connect(t, 'gateway-tlsroute-terminate', 8443, 'tls.example.com')).toEqual({
      to: ['tcp-backend/3000 1'],
      terminatesTls: true,
    });
  });

  it('TLSRouteMixedTerminationSameNamespace: one port, a terminating and a passthrough listener', async () => {
    const t = await applyConformanceTest(
      env,
      'tlsroute-mixed-termination-same-namespace.yaml',
      'l4-tls-mixed',
    );
    for (const r of [
      'gateway-conformance-mixed-passthroughroute',
      'gateway-conformance-mixed-terminateroute',
    ])
      expect(await parentsOf(t, r), r).toEqual([OK]);
    const gw = 'gateway-tlsroute-mixed-termination';
    expect(await connect(t, gw, 8883, 'abc.example.com')).toEqual({
      to: ['tcp-backend/8443 1'],
      terminatesTls: false,
    });
    expect(await connect(t, gw, 8883, 'tls.example.com')).toEqual({
      to: ['tcp-backend/3000 1'],
      terminatesTls: true,
    });
  });

  it('TLSRouteHostnameIntersection: each server name reaches the route whose hostname is most specific', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-hostname-intersection.yaml', 'l4-tls-hosts');
    for (const r of t.routes.keys()) expect(await parentsOf(t, r.split('/')[1]!), r).toEqual([OK]);
    const cases: [string, string, string | { refused: string }][] = [
      ['gw-tlsroute-exact-hostname-x-1', 'abc.example.com', 'tls-backend'],
      ['gw-tlsroute-exact-hostname-x-1', 'def.example.com', { refused: 'NoFilterChain' }],
      ['gw-tlsroute-more-specific-wc-hostname-x-2', 'abc.example.com', 'tls-backend'],
      ['gw-tlsroute-more-specific-wc-hostname-x-2', 'def.example.com', 'tls-backend-2'],
      ['gw-tlsroute-more-specific-wc-hostname-x-2', 'abc.example.org', { refused: 'NoFilterChain' }],
      ['gw-tlsroute-less-specific-wc-hostname-x-3', 'abc.example.com', 'tls-backend'],
      ['gw-tlsroute-less-specific-wc-hostname-x-3', 'def.example.com', 'tls-backend-2'],
      ['gw-tlsroute-less-specific-wc-hostname-x-3', 'example.com', { refused: 'NoFilterChain' }],
      ['gw-tlsroute-empty-hostname-x-4', 'abc.example.com', 'tls-backend'],
      ['gw-tlsroute-empty-hostname-x-4', 'def.example.com', 'tls-backend-2'],
      ['gw-tlsroute-empty-hostname-x-4', 'abc.example.org', { refused: 'NoFilterChain' }],
    ];
    const got = [];
    for (const [gw, sni] of cases) {
      const c = await connect(t, gw, 443, sni);
      got.push([gw, sni, 'to' in c ? c.to!.map((s) => s.split('/')[0]).join(',') : c]);
    }
    expect(got).toEqual(cases);
  });

  it('TLSRouteInvalidBackendRefNonexistent: accepted, BackendNotFound', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-invalid-backendref-nonexistent.yaml', 'l4-tls-nx');
    expect(await parentsOf(t, 'invalid-backend-ref-nonexistent')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/BackendNotFound' },
    ]);
    expect(
      await connect(t, 'gateway-tlsroute-invalid-backend-ref-nonexistent', 443, 'example.com'),
    ).toMatchObject({ to: ['closed 1'] });
  });

  it('TLSRouteInvalidBackendRefUnknownKind: accepted, InvalidKind', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-invalid-backendref-unknown-kind.yaml', 'l4-tls-kind');
    expect(await parentsOf(t, 'invalid-backend-ref-unknown-kind')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/InvalidKind' },
    ]);
  });

  it('TLSRouteInvalidNoMatchingListener: HTTP, HTTPS and a missing sectionName refuse the route', async () => {
    const t = await applyConformanceTest(
      env,
      'tlsroute-invalid-no-matching-listener.yaml',
      'l4-tls-nolistener',
    );
    expect((await parentsOf(t, 'tlsroute-not-allowed-protocol-http'))[0]).toMatchObject({
      accepted: 'False/NotAllowedByListeners',
    });
    expect((await parentsOf(t, 'tlsroute-not-allowed-protocol-https'))[0]).toMatchObject({
      accepted: 'False/NotAllowedByListeners',
    });
    expect((await parentsOf(t, 'tlsroute-no-matching-section-name'))[0]).toMatchObject({
      accepted: 'False/NoMatchingParent',
    });
    for (const gw of ['gateway-tlsroute-tls-passthrough-only', 'gateway-tlsroute-https-only'])
      expect((await listeners(t, gw))[0], gw).toMatchObject({ attachedRoutes: 0 });
  });

  it('TLSRouteInvalidNoMatchingListenerHostname: NoMatchingListenerHostname, nothing attached', async () => {
    const t = await applyConformanceTest(
      env,
      'tlsroute-invalid-no-matching-listener-hostname.yaml',
      'l4-tls-nohost',
    );
    for (const r of ['tlsroute-hostname-mismatch-1', 'tlsroute-hostname-mismatch-2'])
      expect((await parentsOf(t, r))[0], r).toMatchObject({ accepted: 'False/NoMatchingListenerHostname' });
    for (const gw of ['gateway-tls-exact-hostname', 'gateway-tls-wildcard-hostname'])
      expect((await listeners(t, gw))[0], gw).toMatchObject({ attachedRoutes: 0 });
  });

  it('TLSRouteInvalidReferenceGrant: no grant that fits permits the backend (RefNotPermitted)', async () => {
    const t = await applyConformanceTest(env, 'tlsroute-invalid-reference-grant.yaml', 'l4-tls-grant');
    expect(await parentsOf(t, 'gateway-conformance-infra-test')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/RefNotPermitted' },
    ]);
    expect(await connect(t, 'gateway-tlsroute-referencegrant', 443, 'abc.example.com')).toMatchObject({
      to: ['closed 1'],
    });
  });

  it('TLSRouteListenerPassthroughSupportedKinds: TCPRoute is not a kind of a TLS listener (InvalidRouteKinds)', async () => {
    const t = await applyConformanceTest(
      env,
      'tlsroute-listener-passthrough-supported-kinds.yaml',
      'l4-tls-kinds',
    );
    const [l] = await listeners(t, 'gateway-tlsroute-passthrough-supported-kind');
    expect(l!.supportedKinds.map((k) => k.kind)).toEqual(['TLSRoute']);
    expect(summary(l!.conditions, 'ResolvedRefs')).toBe('False/InvalidRouteKinds');
  });

  // The two "not supported" tests run in the suite only for implementations without TLSRouteModeTerminate or
  // TLSRouteModeMixed; EPIC has both, so their listeners are accepted and programmed.
  for (const [file, gw, names] of [
    [
      'tlsroute-listener-terminate-supported-kinds.yaml',
      'gateway-tlsroute-terminate-supported',
      ['tls-terminate'],
    ],
    [
      'tlsroute-listener-terminate-not-supported.yaml',
      'gateway-tlsroute-terminate-unsupported',
      ['tls-terminate'],
    ],
    [
      'tlsroute-listener-mixed-termination-not-supported.yaml',
      'gateway-tlsroute-mixed-termination-not-supported',
      ['tls-terminate', 'tls-passthrough'],
    ],
  ] as const) {
    it(`${file}: Terminate (and a Passthrough beside it) listeners are accepted, with TLSRoute as their kind`, async () => {
      const t = await applyConformanceTest(env, file, `l4-${file.slice(9, 30)}`);
      const ls = await listeners(t, gw);
      expect(ls.map((l) => l.name)).toEqual(names);
      for (const l of ls) {
        expect(
          l.supportedKinds.map((k) => k.kind),
          l.name,
        ).toEqual(['TLSRoute']);
        expect(summary(l.conditions, 'Accepted'), l.name).toBe('True/Accepted');
        expect(summary(l.conditions, 'ResolvedRefs'), l.name).toBe('True/ResolvedRefs');
      }
    });
  }
});

describe('UDPRoute (upstream conformance manifests)', () => {
  it('UDPRouteSimple: datagrams reach the backend', async () => {
    const t = await applyConformanceTest(env, 'udproute-simple.yaml', 'l4-udp-simple');
    expect(await parentsOf(t, 'udp-coredns')).toEqual([OK]);
    expect(await send(t, 'udp-gateway', 5300)).toEqual({ to: ['coredns/53 1'] });
  });

  it('UDPRouteInvalidBackendRefNonexistent: accepted, BackendNotFound, nothing sent', async () => {
    const t = await applyConformanceTest(env, 'udproute-invalid-backendref-nonexistent.yaml', 'l4-udp-nx');
    expect(await parentsOf(t, 'udp-route-invalid-backend-ref-nonexistent')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/BackendNotFound' },
    ]);
    expect(await send(t, 'udp-gateway-invalid-backend', 5300)).toEqual({ to: [] });
  });

  it('UDPRouteInvalidCrossNamespaceBackendRef: RefNotPermitted, nothing sent', async () => {
    const t = await applyConformanceTest(
      env,
      'udproute-invalid-cross-namespace-backend-ref.yaml',
      'l4-udp-xns',
    );
    expect(await parentsOf(t, 'udp-route-invalid-cross-namespace-backend-ref')).toEqual([
      { accepted: 'True/Accepted', resolvedRefs: 'False/RefNotPermitted' },
    ]);
    expect(await send(t, 'udp-gateway-invalid-cross-namespace-backend-ref', 5300)).toEqual({ to: [] });
  });

  it('UDPRouteMultipleRoutesAttachment: the oldest route keeps the port when a newer one attaches', async () => {
    const t = await applyConformanceTest(env, 'udproute-multiple-routes-attachment.yaml', 'l4-udp-multi');
    expect(await parentsOf(t, 'udproute-attach-older')).toEqual([OK]);
    expect(await send(t, 'udp-multi-route-attach-gateway', 5301)).toEqual({
      to: ['udp-attach-backend-1/8080 1'],
    });
    const newer = await rest(env, 'POST', '/routes', t.key, {
      kind: 'UDPRoute',
      namespace: INFRA,
      name: 'udproute-attach-newer',
      spec: {
        parentRefs: [{ name: 'udp-multi-route-attach-gateway', sectionName: 'udp' }],
        rules: [{ backendRefs: [{ name: 'udp-attach-backend-2', port: 8080 }] }],
      },
    });
    expect(newer.status, newer.raw).toBe(201);
    await reconcile(env);
    expect(await send(t, 'udp-multi-route-attach-gateway', 5301)).toEqual({
      to: ['udp-attach-backend-1/8080 1'],
    });
  });

  it('UDPRouteNotAllowedByListeners: a TLS listener does not take UDPRoutes', async () => {
    const t = await applyConformanceTest(env, 'udproute-not-allowed-by-listeners.yaml', 'l4-udp-notallowed');
    expect((await parentsOf(t, 'udproute-not-allowed-by-listeners'))[0]).toMatchObject({
      accepted: 'False/NotAllowedByListeners',
    });
    expect(await send(t, 'udproute-tls-only-gateway', 443)).toEqual({ refused: 'NoListener' });
  });

  it('UDPRouteParentRefAttachAllListeners: a parentRef without sectionName attaches to every listener', async () => {
    const t = await applyConformanceTest(env, 'udproute-parentref-attach-all-listeners.yaml', 'l4-udp-all');
    expect(await parentsOf(t, 'udp-route-attach-all')).toEqual([OK]);
    for (const port of [5310, 5311, 5312])
      expect(await send(t, 'udp-attach-all-listeners-gateway', port), `port ${port}`).toEqual({
        to: ['udp-echo-attach-all/8080 1'],
      });
  });

  it('UDPRouteParentRefPortAndSectionName: port, sectionName, and both select the listener', async () => {
    const t = await applyConformanceTest(env, 'udproute-parentref-port-and-section-name.yaml', 'l4-udp-port');
    for (const r of ['udp-route-by-port', 'udp-route-by-section', 'udp-route-by-section-and-port'])
      expect(await parentsOf(t, r), r).toEqual([OK]);
    const gw = 'udp-multi-listener-gateway';
    expect(await send(t, gw, 5300)).toEqual({ to: ['udp-echo-by-port/8080 1'] });
    expect(await send(t, gw, 5301)).toEqual({ to: ['udp-echo-by-section/8080 1'] });
    expect(await send(t, gw, 5302)).toEqual({ to: ['udp-echo-by-section-and-port/8080 1'] });
  });

  it('UDPRouteReferenceGrant: a ReferenceGrant permits the backend in another namespace', async () => {
    const t = await applyConformanceTest(env, 'udproute-reference-grant.yaml', 'l4-udp-grant');
    expect(await parentsOf(t, 'udp-route-reference-grant')).toEqual([OK]);
    expect(await send(t, 'udp-gateway-reference-grant', 5300)).toEqual({
      to: ['gateway-conformance-app-backend/udp-echo-reference-grant/8080 1'],
    });
  });

  it('UDPRouteWeightedRouting: datagrams split 70/30, none to the weight-0 backend', async () => {
    const t = await applyConformanceTest(env, 'udproute-weighted-routing.yaml', 'l4-udp-weight');
    expect(await parentsOf(t, 'udp-weighted-route')).toEqual([OK]);
    expect(await send(t, 'udp-weighted-gateway', 5300)).toEqual({
      to: ['udp-backend-v1/8080 70', 'udp-backend-v2/8080 30'],
    });
  });
});
