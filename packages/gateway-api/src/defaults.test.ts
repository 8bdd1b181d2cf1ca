import { describe, expect, it } from 'vitest';
import { GatewaySpec, GRPCRouteSpec, HTTPRouteSpec, TCPRouteSpec } from './index.js';

describe('upstream defaults applied by parse', () => {
  it('an empty HTTPRoute spec gets one rule matching PathPrefix "/"', () => {
    expect(HTTPRouteSpec.parse({})).toEqual({
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
  });

  it('a rule without matches gets the PathPrefix "/" match', () => {
    expect(HTTPRouteSpec.parse({ rules: [{}] }).rules[0]?.matches).toEqual([
      { path: { type: 'PathPrefix', value: '/' } },
    ]);
  });

  it('a match without path gets the PathPrefix "/" path', () => {
    expect(
      HTTPRouteSpec.parse({ rules: [{ matches: [{ method: 'GET' }] }] }).rules[0]?.matches[0]?.path,
    ).toEqual({
      type: 'PathPrefix',
      value: '/',
    });
  });

  it('parentRefs default to a Gateway of gateway.networking.k8s.io', () => {
    expect(HTTPRouteSpec.parse({ parentRefs: [{ name: 'gw' }] }).parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' },
    ]);
  });

  it('backendRefs default to a core Service with weight 1', () => {
    expect(
      TCPRouteSpec.parse({ rules: [{ backendRefs: [{ name: 's', port: 1 }] }] }).rules[0]?.backendRefs[0],
    ).toEqual({
      group: '',
      kind: 'Service',
      name: 's',
      port: 1,
      weight: 1,
    });
  });

  it('header and query matches default to Exact', () => {
    const match = HTTPRouteSpec.parse({
      rules: [
        { matches: [{ headers: [{ name: 'h', value: 'v' }], queryParams: [{ name: 'q', value: 'v' }] }] },
      ],
    }).rules[0]?.matches[0];
    expect([match?.headers?.[0]?.type, match?.queryParams?.[0]?.type]).toEqual(['Exact', 'Exact']);
  });

  it('redirect status defaults to 302, mirror fraction denominator to 100, CORS maxAge to 5', () => {
    const spec = HTTPRouteSpec.parse({
      rules: [
        { filters: [{ type: 'RequestRedirect', requestRedirect: {} }] },
        {
          filters: [
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'm', port: 80 }, fraction: { numerator: 1 } },
            },
            { type: 'CORS', cors: {} },
          ],
        },
      ],
    });
    const [redirect] = spec.rules[0]?.filters ?? [];
    const [mirror, cors] = spec.rules[1]?.filters ?? [];
    expect([
      redirect?.type === 'RequestRedirect' && redirect.requestRedirect.statusCode,
      mirror?.type === 'RequestMirror' && mirror.requestMirror.fraction?.denominator,
      cors?.type === 'CORS' && cors.cors.maxAge,
    ]).toEqual([302, 100, 5]);
  });

  it('GRPC method matches default to Exact', () => {
    expect(
      GRPCRouteSpec.parse({ rules: [{ matches: [{ method: { service: 's' } }] }] }).rules?.[0]?.matches?.[0]
        ?.method?.type,
    ).toBe('Exact');
  });

  it('listeners default to routes from the same namespace, TLS to Terminate, addresses to IPAddress', () => {
    const gw = GatewaySpec.parse({
      gatewayClassName: 'c',
      listeners: [
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
      ],
      addresses: [{ value: '10.0.0.1' }],
    });
    expect([
      gw.listeners[0]?.allowedRoutes,
      gw.listeners[0]?.tls?.mode,
      gw.listeners[0]?.tls?.certificateRefs?.[0],
      gw.addresses?.[0]?.type,
    ]).toEqual([
      { namespaces: { from: 'Same' } },
      'Terminate',
      { group: '', kind: 'Secret', name: 'cert' },
      'IPAddress',
    ]);
  });

  it('defaults are fresh objects per parse', () => {
    const a = HTTPRouteSpec.parse({});
    a.rules[0]?.matches.push({ path: { type: 'Exact', value: '/x' } });
    expect(HTTPRouteSpec.parse({}).rules[0]?.matches).toHaveLength(1);
  });
});
