import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from './json.js';
import { selectRouteConfiguration, traceRequest } from './select-route-configuration.js';
import type { EnvoyResource, EnvoyResources } from './translate-ir.js';

// Which RouteConfiguration a connection reaches, rule by rule: listener by port, filter chain by SNI
// (exact over wildcard, longer wildcard over shorter, the chain without serverNames as fallback, first of
// equals), then the RDS name of its HttpConnectionManager.

const res = (name: string, resource: JsonObject): EnvoyResource => ({ name, typeUrl: 't', resource });

function rc(name: string, cluster = 'c1'): JsonObject {
  return {
    name,
    virtualHosts: [
      {
        name: `vh-${name}`,
        domains: ['*'],
        routes: [{ name: `r-${name}`, match: { prefix: '/' }, route: { cluster } }],
      },
    ],
  };
}

const hcm = (routeConfigName: string): JsonObject => ({
  name: 'envoy.filters.network.http_connection_manager',
  typedConfig: { rds: { routeConfigName } },
});

function chain(rds: string | undefined, serverNames?: JsonValue): JsonObject {
  return {
    ...(serverNames !== undefined ? { filterChainMatch: { serverNames } } : {}),
    filters: rds === undefined ? [] : [hcm(rds)],
  };
}

function listener(port: number, chains: JsonValue): EnvoyResource {
  return res(`listener/${port}`, {
    address: { socketAddress: { address: '0.0.0.0', portValue: port } },
    filterChains: chains,
  });
}

function resources(listeners: EnvoyResource[], routeNames: string[], clusters = ['c1']): EnvoyResources {
  return {
    listeners,
    routes: routeNames.map((n) => res(n, rc(n))),
    clusters: clusters.map((n) => res(n, { name: n })),
    endpoints: [],
    secrets: [],
  };
}

const ROUTES = ['default', 'exact', 'wild', 'deep', 'first', 'second', 'other'];
const nameOf = (r: JsonObject | undefined) => (r === undefined ? undefined : r['name']);

describe('selectRouteConfiguration', () => {
  it('finds the listener by port, skipping listeners without a socket address', () => {
    const rs = resources(
      [
        res('no-address', { filterChains: [chain('other')] }),
        res('bad-address', { address: 'x', filterChains: [chain('other')] }),
        res('pipe', { address: { pipe: { path: '/tmp/x' } }, filterChains: [chain('other')] }),
        listener(8080, [chain('other')]),
        listener(80, [chain('default')]),
      ],
      ROUTES,
    );
    expect(nameOf(selectRouteConfiguration(rs, { port: 80 }))).toBe('default');
    expect(nameOf(selectRouteConfiguration(rs, { port: 8080 }))).toBe('other');
    expect(selectRouteConfiguration(rs, { port: 81 })).toBeUndefined();
  });

  it('prefers an exact server name, then the longest wildcard, then the chain without names', () => {
    const rs = resources(
      [
        listener(443, [
          chain('default'),
          chain('wild', ['*.example.com']),
          chain('deep', ['*.a.example.com']),
          chain('exact', ['other.example.net', 'x.a.example.com']),
        ]),
      ],
      ROUTES,
    );
    const pick = (serverName?: string) =>
      nameOf(
        selectRouteConfiguration(rs, { port: 443, ...(serverName !== undefined ? { serverName } : {}) }),
      );
    expect(pick('x.a.example.com')).toBe('exact');
    expect(pick('X.A.Example.COM')).toBe('exact');
    expect(pick('y.a.example.com')).toBe('deep');
    expect(pick('b.example.com')).toBe('wild');
    expect(pick('example.com')).toBe('default');
    expect(pick('b.example.org')).toBe('default');
    expect(pick(undefined)).toBe('default');
  });

  it('ranks by the best of a chain’s names, in any order', () => {
    const rs = resources(
      [
        listener(443, [
          chain('wild', ['*.example.com']),
          chain('deep', ['*.b.example.com', '*.example.com']),
        ]),
      ],
      ROUTES,
    );
    expect(nameOf(selectRouteConfiguration(rs, { port: 443, serverName: 'x.b.example.com' }))).toBe('deep');
    expect(nameOf(selectRouteConfiguration(rs, { port: 443, serverName: 'x.c.example.com' }))).toBe('wild');
  });

  it('keeps the first of equally ranked chains', () => {
    const rs = resources(
      [
        listener(80, [chain('first'), chain('second')]),
        listener(443, [chain('first', ['*.example.com']), chain('second', ['*.example.com'])]),
        listener(444, [chain('first', ['a.example.com']), chain('second', ['a.example.com'])]),
      ],
      ROUTES,
    );
    expect(nameOf(selectRouteConfiguration(rs, { port: 80 }))).toBe('first');
    expect(nameOf(selectRouteConfiguration(rs, { port: 443, serverName: 'a.example.com' }))).toBe('first');
    expect(nameOf(selectRouteConfiguration(rs, { port: 444, serverName: 'a.example.com' }))).toBe('first');
  });

  it('refuses a connection no chain matches (no default chain, no SNI or another SNI)', () => {
    const rs = resources(
      [listener(443, [chain('exact', ['a.example.com']), chain('wild', ['*.example.com'])])],
      ROUTES,
    );
    expect(selectRouteConfiguration(rs, { port: 443 })).toBeUndefined();
    expect(selectRouteConfiguration(rs, { port: 443, serverName: 'a.example.org' })).toBeUndefined();
    expect(selectRouteConfiguration(rs, { port: 443, serverName: 'example.com' })).toBeUndefined();
  });

  it('treats a chain without string server names as the default chain', () => {
    const rs = resources(
      [listener(443, [chain('exact', ['a.example.com']), chain('default', [7]), chain('other', 'x')])],
      ROUTES,
    );
    expect(nameOf(selectRouteConfiguration(rs, { port: 443, serverName: 'b.example.com' }))).toBe('default');
  });

  it('reads the RDS name of the first filter that has one, ignoring other filters and non-objects', () => {
    const rs = resources(
      [
        listener(80, [
          {
            filters: [
              'junk',
              { name: 'no-config' },
              { name: 'no-rds', typedConfig: { statPrefix: 'x' } },
              { name: 'rds-not-object', typedConfig: { rds: 'x' } },
              hcm('first'),
              hcm('second'),
            ],
          },
        ]),
      ],
      ROUTES,
    );
    expect(nameOf(selectRouteConfiguration(rs, { port: 80 }))).toBe('first');
  });

  it('yields nothing for a TCP chain, a missing RouteConfiguration or chains that are not a list', () => {
    const tcp = { filters: [{ name: 'envoy.filters.network.tcp_proxy', typedConfig: { cluster: 'c1' } }] };
    expect(selectRouteConfiguration(resources([listener(80, [tcp])], ROUTES), { port: 80 })).toBeUndefined();
    expect(
      selectRouteConfiguration(resources([listener(80, [chain('gone')])], ROUTES), { port: 80 }),
    ).toBeUndefined();
    expect(
      selectRouteConfiguration(
        resources([listener(80, [{ filters: [hcm('gone'), hcm('first')] }])], ROUTES),
        {
          port: 80,
        },
      ),
    ).toBeUndefined();
    expect(
      selectRouteConfiguration(resources([listener(80, { x: 1 })], ROUTES), { port: 80 }),
    ).toBeUndefined();
    expect(
      selectRouteConfiguration(resources([listener(80, [chain(undefined)])], ROUTES), { port: 80 }),
    ).toBeUndefined();
    const noFilters = listener(80, [{ filterChainMatch: {} }]);
    expect(selectRouteConfiguration(resources([noFilters], ROUTES), { port: 80 })).toBeUndefined();
  });

  it('skips filter chains that are not objects', () => {
    const rs = resources([listener(80, ['junk', 7, chain('default')])], ROUTES);
    expect(nameOf(selectRouteConfiguration(rs, { port: 80 }))).toBe('default');
  });

  it('returns the RouteConfiguration resource itself', () => {
    const rs = resources([listener(80, [chain('default')])], ROUTES);
    expect(selectRouteConfiguration(rs, { port: 80 })).toBe(rs.routes[0]?.resource);
  });
});

describe('traceRequest', () => {
  const rs = resources(
    [
      listener(80, [chain('default')]),
      listener(443, [chain('exact', ['a.example.com']), chain('default')]),
      listener(8443, [chain('wild', ['*.example.com'])]),
    ],
    ROUTES,
  );

  it('uses port 80 without SNI for http, and port 443 with the host as SNI for https', () => {
    const plain = traceRequest(rs, { host: 'a.example.com', path: '/' });
    expect(plain).toMatchObject({ connection: 'accepted', port: 80, routeConfiguration: 'default' });
    const explicitHttp = traceRequest(rs, { host: 'a.example.com', path: '/', scheme: 'http' });
    expect(explicitHttp).toMatchObject({ connection: 'accepted', port: 80, routeConfiguration: 'default' });
    const tls = traceRequest(rs, { host: 'a.example.com', path: '/', scheme: 'https' });
    expect(tls).toMatchObject({ connection: 'accepted', port: 443, routeConfiguration: 'exact' });
  });

  it('strips the port from the host before using it as SNI', () => {
    expect(traceRequest(rs, { host: 'a.example.com:443', path: '/', scheme: 'https' })).toMatchObject({
      port: 443,
      routeConfiguration: 'exact',
    });
    expect(
      traceRequest(rs, { host: 'b.example.com:8443', path: '/', scheme: 'https', port: 8443 }),
    ).toMatchObject({
      port: 8443,
      routeConfiguration: 'wild',
    });
  });

  it('strips only the trailing port from an IPv6 literal host', () => {
    const v6 = resources([listener(443, [chain('exact', ['[2001:db8::1]'])])], ROUTES);
    expect(traceRequest(v6, { host: '[2001:db8::1]:443', path: '/', scheme: 'https' })).toMatchObject({
      connection: 'accepted',
      routeConfiguration: 'exact',
    });
  });

  it('does not send SNI for http, even on a TLS port', () => {
    expect(traceRequest(rs, { host: 'b.example.com', path: '/', port: 8443 })).toEqual({
      connection: 'refused',
      port: 8443,
      reason: 'NoFilterChain',
    });
  });

  it('refuses a closed port', () => {
    expect(traceRequest(rs, { host: 'a', path: '/', port: 9 })).toEqual({
      connection: 'refused',
      port: 9,
      reason: 'NoListener',
    });
  });

  it('evaluates the RouteConfiguration knowing which clusters exist', () => {
    const ok = traceRequest(rs, { host: 'a', path: '/' });
    if (ok.connection !== 'accepted') throw new Error('refused');
    expect(ok.outcome.route).toBe('r-default');
    expect(ok.outcome.status).toBeUndefined();
    expect(ok.outcome.action).toMatchObject({ type: 'route', clusters: [{ name: 'c1', weight: 1 }] });
    const missing = traceRequest({ ...rs, clusters: [] }, { host: 'a', path: '/' });
    if (missing.connection !== 'accepted') throw new Error('refused');
    expect(missing.outcome.status).toBe(503);
  });

  it('picks the chain by a server name given apart from the Host, and the virtual host by the Host', () => {
    const named = resources(
      [
        listener(443, [
          { ...chain('exact', ['a.example.com']), name: 'https/a' },
          { ...chain('default'), name: 'https/all' },
        ]),
      ],
      [],
    );
    named.routes = [
      res('exact', {
        name: 'exact',
        virtualHosts: [
          {
            name: 'a',
            domains: ['a.example.com'],
            routes: [{ name: 'ra', match: { prefix: '/' }, route: { cluster: 'c1' } }],
          },
          {
            name: 'misdirected/*',
            domains: ['*'],
            routes: [{ name: 'm', match: { prefix: '/' }, directResponse: { status: 421 } }],
          },
        ],
      }),
      res('default', rc('default')),
    ];
    const reused = traceRequest(named, {
      host: 'b.example.com',
      serverName: 'a.example.com',
      path: '/',
      scheme: 'https',
    });
    expect(reused).toMatchObject({
      connection: 'accepted',
      serverName: 'a.example.com',
      filterChain: 'https/a',
      routeConfiguration: 'exact',
      outcome: { virtualHost: 'misdirected/*', status: 421 },
    });
    const own = traceRequest(named, { host: 'a.example.com', path: '/', scheme: 'https' });
    expect(own).toMatchObject({
      serverName: 'a.example.com',
      filterChain: 'https/a',
      outcome: { route: 'ra' },
    });
    const other = traceRequest(named, {
      host: 'a.example.com',
      serverName: 'b.example.com',
      path: '/',
      port: 443,
    });
    expect(other).toMatchObject({
      serverName: 'b.example.com',
      filterChain: 'https/all',
      routeConfiguration: 'default',
    });
  });

  it('reports no server name for plain http, a null chain name for an unnamed chain, and the name on refusal', () => {
    const plain = traceRequest(rs, { host: 'a.example.com', path: '/' });
    expect(plain).toMatchObject({ connection: 'accepted', filterChain: null });
    expect(plain).not.toHaveProperty('serverName');
    expect(traceRequest(rs, { host: 'a', serverName: 'x.example.org', path: '/', port: 8443 })).toEqual({
      connection: 'refused',
      port: 8443,
      serverName: 'x.example.org',
      reason: 'NoFilterChain',
    });
  });
});
