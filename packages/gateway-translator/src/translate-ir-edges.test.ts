import { describe, expect, it } from 'vitest';
import type { IR, IRCluster, IRFilterChain, IRRoute } from './ir.js';
import { Secret } from './secret.js';
import { translateIR } from './translate-ir.js';

// Stage 2 on hand-built IRs: the branches no golden case reaches (docs/MUTATION.md lists them).

const cluster = (name: string, endpoints: IRCluster['endpoints'] = []): IRCluster => ({
  name,
  service: { namespace: 'ns', name, port: 80 },
  protocol: 'http1',
  endpoints,
});

function route(extra: Partial<IRRoute> = {}): IRRoute {
  return {
    name: 'httproute/ns/r/rule/0/match/0',
    source: { kind: 'HTTPRoute', namespace: 'ns', name: 'r', rule: 0, match: 0 },
    match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
    action: { kind: 'forward', destinations: [{ cluster: 'service/ns/a/80', weight: 1 }] },
    mirrors: [],
    ...extra,
  };
}

const httpChain = (routes: IRRoute[], extra: Partial<IRFilterChain> = {}): IRFilterChain =>
  ({
    kind: 'http',
    name: 'http',
    serverNames: [],
    tlsSecrets: [],
    routeConfig: { name: 'route/80', virtualHosts: [{ name: '*', domain: '*', routes }] },
    ...extra,
  }) as IRFilterChain;

function ir(chains: IRFilterChain[], extra: Partial<IR> = {}): IR {
  return {
    gateway: { id: 'g', accountId: 'a', namespace: 'ns', name: 'gw', address: '192.0.2.1' },
    listeners: [{ name: 'listener/80', port: 80, filterChains: chains }],
    clusters: [cluster('service/ns/a/80')],
    secrets: [],
    ...extra,
  };
}

/** The Envoy route of the only route configuration. */
function envoyRoute(r: IRRoute) {
  const out = translateIR(ir([httpChain([r])]));
  const rc = out.routes[0]!.resource as { virtualHosts: { routes: Record<string, unknown>[] }[] };
  return rc.virtualHosts[0]!.routes[0]!['route'] as Record<string, unknown>;
}

describe('translateIR edges', () => {
  it('adds only the extra clusters whose name is a string, not generated and not reserved', () => {
    const out = translateIR(ir([httpChain([route()])]), {
      extraClusters: [
        { name: 'service/ns/a/80', type: 'STATIC' },
        { name: 'epic/mine' },
        { name: 'service/other' },
        { name: 42 },
        { name: 'zipkin', type: 'STRICT_DNS' },
        { name: 'zipkin', type: 'STATIC' },
      ],
    });
    expect(out.clusters.map((c) => [c.name, c.resource['type']])).toEqual([
      ['service/ns/a/80', 'EDS'],
      ['zipkin', 'STRICT_DNS'],
    ]);
  });

  it('inspects the ClientHello when any chain of the listener matches on SNI', () => {
    const out = translateIR(
      ir([httpChain([route()]), httpChain([route()], { name: 'https/x', serverNames: ['x.example'] })]),
    );
    expect(out.listeners[0]!.resource['listenerFilters']).toEqual([
      expect.objectContaining({ name: 'envoy.filters.listener.tls_inspector' }),
    ]);
    expect(translateIR(ir([httpChain([route()])])).listeners[0]!.resource['listenerFilters']).toBeUndefined();
  });

  it('one try: the smaller positive timeout bounds it, and 0 means none', () => {
    expect(
      envoyRoute(route({ timeouts: { requestMillis: 5000, backendRequestMillis: 2000 } }))['timeout'],
    ).toBe('2s');
    expect(envoyRoute(route({ timeouts: { requestMillis: 0, backendRequestMillis: 2000 } }))['timeout']).toBe(
      '2s',
    );
    expect(envoyRoute(route({ timeouts: { requestMillis: 0 } }))['timeout']).toBe('0s');
    expect(envoyRoute(route({ timeouts: { backendRequestMillis: 0 } }))['timeout']).toBe('0s');
    expect(envoyRoute(route({ timeouts: {} }))['timeout']).toBeUndefined();
    expect(
      envoyRoute(route({ retry: { attempts: 0, codes: [500] }, timeouts: { requestMillis: 3000 } })),
    ).toEqual({
      cluster: 'service/ns/a/80',
      timeout: '3s',
    });
  });

  it('retries: the backend timeout is per try only when positive; codes only when given', () => {
    const r = envoyRoute(route({ retry: { attempts: 2, codes: [] }, timeouts: { backendRequestMillis: 0 } }));
    expect(r['retryPolicy']).toEqual({ retryOn: 'connect-failure,refused-stream,reset', numRetries: 2 });
    expect(r['timeout']).toBeUndefined();
  });

  it('CORS without origins, methods or headers names none of them', () => {
    const out = translateIR(
      ir([
        httpChain([
          route({
            cors: {
              allowOrigins: [],
              allowCredentials: false,
              allowMethods: [],
              allowHeaders: [],
              exposeHeaders: [],
              maxAgeSeconds: 5,
            },
          }),
        ]),
      ]),
    );
    const rc = out.routes[0]!.resource as {
      virtualHosts: { routes: Record<string, Record<string, unknown>>[] }[];
    };
    expect(rc.virtualHosts[0]!.routes[0]!['typedPerFilterConfig']!['envoy.filters.http.cors']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      maxAge: '5',
    });
  });

  it('endpoints without a weight carry none; a cluster without endpoints has no locality; all lists sorted', () => {
    const out = translateIR(
      ir([httpChain([route()])], {
        clusters: [
          cluster('service/ns/b/80'),
          cluster('service/ns/a/80', [{ address: '10.0.0.1', port: 8080, health: 'HEALTHY' }]),
        ],
        secrets: [
          {
            name: 'certificate/2',
            certificate: { id: '2', namespace: 'ns', name: 'b' },
            certificatePem: 'B',
            privateKey: new Secret('kb'),
          },
          {
            name: 'certificate/1',
            certificate: { id: '1', namespace: 'ns', name: 'a' },
            certificatePem: 'A',
            privateKey: new Secret('ka'),
          },
        ],
      }),
    );
    expect(out.endpoints.map((e) => e.resource)).toEqual([
      {
        clusterName: 'service/ns/a/80',
        endpoints: [
          {
            locality: {},
            loadBalancingWeight: 1,
            lbEndpoints: [
              {
                endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 8080 } } },
                healthStatus: 'HEALTHY',
              },
            ],
          },
        ],
      },
      { clusterName: 'service/ns/b/80' },
    ]);
    expect(out.secrets.map((s) => s.name)).toEqual(['certificate/1', 'certificate/2']);
    expect(out.clusters.map((c) => c.name)).toEqual(['service/ns/a/80', 'service/ns/b/80']);
  });
});
