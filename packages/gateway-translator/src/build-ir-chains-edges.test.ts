import { describe, expect, it } from 'vitest';
import { buildIR } from './build-ir.js';
import type { CertificateInput, ListenerInput, RouteInput, TranslateInput } from './input.js';
import { INVALID_BACKEND_CLUSTER, type IRFilterChain, type IRListener } from './ir.js';
import { Secret } from './secret.js';

// Stage 1's Envoy listeners on small inputs (docs/MUTATION.md): which chains a port gets, which SNI names
// and secrets each holds, which listener owns a Host, the 421 virtual hosts, and what a route copies.

const cert = (name: string): CertificateInput => ({
  namespace: 'ns',
  name,
  id: `id-${name}`,
  certificatePem: `PEM-${name}`,
  privateKey: new Secret(`KEY-${name}`),
});

const all = { namespaces: { from: 'All' as const } };
const https = (name: string, hostname?: string, port = 443): ListenerInput => ({
  name,
  port,
  protocol: 'HTTPS',
  ...(hostname !== undefined ? { hostname } : {}),
  allowedRoutes: all,
  tls: { mode: 'Terminate', certificateRefs: [{ name: `c-${name}` }] },
});
const tls = (name: string, mode: 'Terminate' | 'Passthrough', hostname?: string): ListenerInput => ({
  name,
  port: 8443,
  protocol: 'TLS',
  ...(hostname !== undefined ? { hostname } : {}),
  allowedRoutes: all,
  tls: mode === 'Terminate' ? { mode, certificateRefs: [{ name: `c-${name}` }] } : { mode },
});
const http = (name = 'http', port = 80, hostname?: string): ListenerInput => ({
  name,
  port,
  protocol: 'HTTP',
  ...(hostname !== undefined ? { hostname } : {}),
  allowedRoutes: all,
});

function input(listeners: ListenerInput[], routes: RouteInput[]): TranslateInput {
  return {
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 2,
      listeners: listeners as TranslateInput['gateway']['listeners'],
    },
    routes,
    referenceGrants: [],
    services: ['a', 'b', 'c', 'm'].map((name) => ({
      namespace: 'ns',
      name,
      ports: [{ port: 80 }],
      endpoints: [{ address: '10.0.0.1', port: 8080, ready: true }],
    })),
    certificates: listeners.flatMap((l) => (l.tls?.certificateRefs ?? []).map((r) => cert(r.name))),
    namespaces: [],
  };
}

const backend = (name: string) => ({ group: '', kind: 'Service', name, port: 80 });

function route(
  kind: RouteInput['kind'],
  name: string,
  spec: Record<string, unknown>,
  creationTimestamp?: string,
): RouteInput {
  return {
    id: name,
    kind,
    namespace: 'ns',
    name,
    generation: 1,
    ...(creationTimestamp !== undefined ? { creationTimestamp } : {}),
    spec: { parentRefs: [{ name: 'gw' }], ...spec },
  } as RouteInput;
}

const l4 = (
  kind: 'TLSRoute' | 'TCPRoute',
  name: string,
  to: string,
  extra: Record<string, unknown> = {},
  ts?: string,
) => route(kind, name, { rules: [{ backendRefs: [backend(to)] }], ...extra }, ts);

const chains = (l: IRListener | undefined) =>
  (l?.filterChains ?? []).map((c: IRFilterChain) => ({
    name: c.name,
    serverNames: c.serverNames,
    tlsSecrets: c.tlsSecrets,
    ...(c.kind === 'tcp' ? { route: c.route, to: c.destinations.map((d) => d.cluster) } : {}),
  }));

const vhosts = (l: IRListener | undefined, chain: string) => {
  const c = l?.filterChains.find((x) => x.name === chain);
  if (c?.kind !== 'http') throw new Error(`no http chain ${chain}`);
  return c.routeConfig.virtualHosts.map((vh) => [
    vh.name,
    vh.domain,
    vh.misdirected === true,
    vh.routes.map((r) => r.name),
  ]);
};

describe('buildIR: TLS and TCP chains', () => {
  it('terminates with the listener certificate or passes through without one, one chain per route', () => {
    const term = buildIR(
      input([tls('t', 'Terminate')], [l4('TLSRoute', 'r', 'a', { hostnames: ['a.example'] })]),
    );
    expect(chains(term.ir.listeners[0])).toEqual([
      {
        name: 'tls/t/ns/r',
        serverNames: ['a.example'],
        tlsSecrets: ['certificate/id-c-t'],
        route: 'tlsroute/ns/r',
        to: ['service/ns/a/80'],
      },
    ]);
    expect(term.ir.secrets.map((s) => s.name)).toEqual(['certificate/id-c-t']);
    const pass = buildIR(
      input([tls('p', 'Passthrough')], [l4('TLSRoute', 'r', 'a', { hostnames: ['a.example'] })]),
    );
    expect(chains(pass.ir.listeners[0])).toEqual([
      {
        name: 'tls/p/ns/r',
        serverNames: ['a.example'],
        tlsSecrets: [],
        route: 'tlsroute/ns/r',
        to: ['service/ns/a/80'],
      },
    ]);
    expect(pass.ir.secrets).toEqual([]);
  });

  it('gives an SNI name to the oldest TLSRoute that claims it; later ones keep only names still free', () => {
    const out = buildIR(
      input(
        [tls('p', 'Passthrough')],
        [
          l4('TLSRoute', 'a-new', 'a', { hostnames: ['x.example', 'y.example'] }, '2026-01-02T00:00:00Z'),
          l4('TLSRoute', 'b-old', 'b', { hostnames: ['x.example'] }, '2026-01-01T00:00:00Z'),
          l4('TLSRoute', 'c-dup', 'c', { hostnames: ['x.example'] }, '2026-01-03T00:00:00Z'),
        ],
      ),
    );
    expect(chains(out.ir.listeners[0])).toEqual([
      {
        name: 'tls/p/ns/a-new',
        serverNames: ['y.example'],
        tlsSecrets: [],
        route: 'tlsroute/ns/a-new',
        to: ['service/ns/a/80'],
      },
      {
        name: 'tls/p/ns/b-old',
        serverNames: ['x.example'],
        tlsSecrets: [],
        route: 'tlsroute/ns/b-old',
        to: ['service/ns/b/80'],
      },
    ]);
    // The route that got no name is still attached (the spec has no condition for losing an SNI name).
    expect(out.ir.clusters.map((c) => c.name)).toEqual(['service/ns/a/80', 'service/ns/b/80']);
  });

  it('lets one TLSRoute without hostnames take the default chain, and only one', () => {
    const out = buildIR(
      input(
        [tls('p', 'Passthrough')],
        [
          l4('TLSRoute', 'first', 'a', {}, '2026-01-01T00:00:00Z'),
          l4('TLSRoute', 'second', 'b', {}, '2026-01-02T00:00:00Z'),
        ],
      ),
    );
    expect(chains(out.ir.listeners[0])).toEqual([
      {
        name: 'tls/p/ns/first',
        serverNames: [],
        tlsSecrets: [],
        route: 'tlsroute/ns/first',
        to: ['service/ns/a/80'],
      },
    ]);
  });

  it('claims SNI names for the most specific TLS listener of a port first', () => {
    const out = buildIR(
      input(
        [tls('wild', 'Passthrough', '*.example'), tls('exact', 'Passthrough', 'a.example')],
        [
          route('TLSRoute', 'r1', {
            parentRefs: [{ name: 'gw', sectionName: 'wild' }],
            hostnames: ['a.example'],
            rules: [{ backendRefs: [backend('a')] }],
          }),
          route('TLSRoute', 'r2', {
            parentRefs: [{ name: 'gw', sectionName: 'exact' }],
            hostnames: ['a.example'],
            rules: [{ backendRefs: [backend('b')] }],
          }),
        ],
      ),
    );
    expect(chains(out.ir.listeners[0]).map((c) => [c.name, c.serverNames])).toEqual([
      ['tls/exact/ns/r2', ['a.example']],
    ]);
  });

  it('forwards a TCP listener to its oldest TCPRoute; a TCP port with nothing attached stays closed', () => {
    const out = buildIR(
      input(
        [
          { name: 'tcp', port: 9000, protocol: 'TCP', allowedRoutes: all },
          { name: 'idle', port: 9001, protocol: 'TCP', allowedRoutes: all },
        ],
        [
          route(
            'TCPRoute',
            'a-late',
            { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [backend('a')] }] },
            '2026-02-01T00:00:00Z',
          ),
          route(
            'TCPRoute',
            'z-early',
            { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [backend('b')] }] },
            '2026-01-01T00:00:00Z',
          ),
        ],
      ),
    );
    expect(out.ir.listeners.map((l) => [l.name, l.port])).toEqual([['listener/9000', 9000]]);
    expect(chains(out.ir.listeners[0])).toEqual([
      {
        name: 'tcp/tcp',
        serverNames: [],
        tlsSecrets: [],
        route: 'tcproute/ns/z-early',
        to: ['service/ns/b/80'],
      },
    ]);
    expect(out.ir.clusters.map((c) => c.name)).toEqual(['service/ns/b/80']);
    expect(out.status.gateway.listeners.map((l) => [l.name, l.attachedRoutes])).toEqual([
      ['tcp', 2],
      ['idle', 0],
    ]);
  });

  it('points an L4 route whose backends do not resolve at the invalid-backend cluster', () => {
    const out = buildIR(
      input(
        [{ name: 'tcp', port: 9000, protocol: 'TCP', allowedRoutes: all }],
        [l4('TCPRoute', 'r', 'nope')],
      ),
    );
    expect(chains(out.ir.listeners[0])).toEqual([
      {
        name: 'tcp/tcp',
        serverNames: [],
        tlsSecrets: [],
        route: 'tcproute/ns/r',
        to: [INVALID_BACKEND_CLUSTER],
      },
    ]);
    expect(out.ir.clusters).toEqual([]);
  });
});

describe('buildIR: HTTPS listeners sharing a port', () => {
  const three = [https('any'), https('wild', '*.example.com'), https('exact', 'a.example.com')];
  const hr = (name: string, sectionName: string, hostnames: string[]) =>
    route('HTTPRoute', name, {
      parentRefs: [{ name: 'gw', sectionName }],
      hostnames,
      rules: [{ backendRefs: [backend('a')] }],
    });

  it('gives each listener its own chain, its SNI name and certificate, sorted by name', () => {
    const out = buildIR(input(three, []));
    const [l] = out.ir.listeners;
    expect(chains(l)).toEqual([
      { name: 'https/any', serverNames: [], tlsSecrets: ['certificate/id-c-any'] },
      { name: 'https/exact', serverNames: ['a.example.com'], tlsSecrets: ['certificate/id-c-exact'] },
      { name: 'https/wild', serverNames: ['*.example.com'], tlsSecrets: ['certificate/id-c-wild'] },
    ]);
    expect(out.ir.secrets.map((s) => [s.name, s.certificatePem])).toEqual([
      ['certificate/id-c-any', 'PEM-c-any'],
      ['certificate/id-c-exact', 'PEM-c-exact'],
      ['certificate/id-c-wild', 'PEM-c-wild'],
    ]);
  });

  it("answers 421 for the other listeners' hostnames and 404 for an own name no route serves", () => {
    const out = buildIR(input(three, []));
    const [l] = out.ir.listeners;
    expect(vhosts(l, 'https/exact')).toEqual([
      ['a.example.com', 'a.example.com', false, []],
      ['misdirected/*', '*', true, []],
      ['misdirected/*.example.com', '*.example.com', true, []],
    ]);
    expect(vhosts(l, 'https/any')).toEqual([
      ['misdirected/*.example.com', '*.example.com', true, []],
      ['misdirected/a.example.com', 'a.example.com', true, []],
    ]);
  });

  it('serves a Host only on the listener that owns it most specifically', () => {
    const out = buildIR(
      input(three, [
        hr('on-any', 'any', ['a.example.com', 'b.example.com', 'other.org']),
        hr('on-wild', 'wild', ['*.example.com', 'a.example.com']),
        hr('on-exact', 'exact', ['a.example.com']),
      ]),
    );
    const [l] = out.ir.listeners;
    expect(vhosts(l, 'https/exact')).toEqual([
      ['a.example.com', 'a.example.com', false, ['httproute/ns/on-exact/rule/0/match/0']],
      ['misdirected/*', '*', true, []],
      ['misdirected/*.example.com', '*.example.com', true, []],
    ]);
    expect(vhosts(l, 'https/wild')).toEqual([
      ['*.example.com', '*.example.com', false, ['httproute/ns/on-wild/rule/0/match/0']],
      ['misdirected/*', '*', true, []],
      ['misdirected/a.example.com', 'a.example.com', true, []],
    ]);
    // "other.org" is the catch-all listener's own; a.example.com and b.example.com belong to more
    // specific listeners, so the route on the catch-all does not serve them there.
    expect(vhosts(l, 'https/any')).toEqual([
      ['misdirected/*.example.com', '*.example.com', true, []],
      ['misdirected/a.example.com', 'a.example.com', true, []],
      ['other.org', 'other.org', false, ['httproute/ns/on-any/rule/0/match/0']],
    ]);
  });

  it('adds no 421 hosts when a port has one HTTPS listener', () => {
    const out = buildIR(input([https('only', 'a.example.com')], []));
    expect(vhosts(out.ir.listeners[0], 'https/only')).toEqual([]);
  });

  it('keeps plain HTTP listeners of a port in one chain where every hostname is served', () => {
    const out = buildIR(
      input(
        [http('h1', 80, 'a.example.com'), http('h2', 80)],
        [
          route('HTTPRoute', 'r', {
            hostnames: ['a.example.com', 'b.example.com'],
            rules: [{ backendRefs: [backend('a')] }],
          }),
        ],
      ),
    );
    const [l] = out.ir.listeners;
    expect(chains(l)).toEqual([{ name: 'http', serverNames: [], tlsSecrets: [] }]);
    expect(vhosts(l, 'http').map((v) => [v[0], v[3]])).toEqual([
      ['a.example.com', ['httproute/ns/r/rule/0/match/0']],
      ['b.example.com', ['httproute/ns/r/rule/0/match/0']],
    ]);
  });

  it('orders listeners by port and serves a route once per port', () => {
    const out = buildIR(
      input(
        [http('b', 8080), http('a', 80)],
        [route('HTTPRoute', 'r', { rules: [{ backendRefs: [backend('a')] }] })],
      ),
    );
    expect(out.ir.listeners.map((l) => [l.name, l.port])).toEqual([
      ['listener/80', 80],
      ['listener/8080', 8080],
    ]);
    expect(
      out.ir.listeners.map((l) =>
        l.filterChains[0]?.kind === 'http' ? l.filterChains[0].routeConfig.name : '',
      ),
    ).toEqual(['route/80', 'route/8080']);
  });
});

describe('buildIR: what a route carries', () => {
  const oneRoute = (rule: Record<string, unknown>, listeners: ListenerInput[] = [http()]) => {
    const out = buildIR(input(listeners, [route('HTTPRoute', 'r', { rules: [rule] })]));
    const c = out.ir.listeners[0]?.filterChains[0];
    if (c?.kind !== 'http') throw new Error('no http chain');
    const r = c.routeConfig.virtualHosts[0]?.routes[0];
    if (r === undefined) throw new Error('no route');
    return { r, out };
  };

  it('copies header mutations, rewrite, mirrors, CORS, timeouts and retry of its rule', () => {
    const { r, out } = oneRoute({
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }] } },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x-b'] } },
        { type: 'URLRewrite', urlRewrite: { hostname: 'up.example' } },
        { type: 'RequestMirror', requestMirror: { backendRef: backend('m') } },
        { type: 'CORS', cors: { allowOrigins: ['https://o.example'] } },
      ],
      timeouts: { request: '5s' },
      retry: { attempts: 2 },
      backendRefs: [backend('a')],
    });
    expect(r.source).toEqual({ kind: 'HTTPRoute', namespace: 'ns', name: 'r', rule: 0, match: 0 });
    expect(r.requestHeaders).toEqual({ set: [{ name: 'x-a', value: '1' }], add: [], remove: [] });
    expect(r.responseHeaders).toEqual({ set: [], add: [], remove: ['x-b'] });
    expect(r.rewrite).toEqual({ hostname: 'up.example' });
    expect(r.mirrors).toEqual([{ cluster: 'service/ns/m/80', partsPerMillion: 1_000_000 }]);
    expect(r.cors?.allowOrigins).toEqual(['https://o.example']);
    expect(r.timeouts).toEqual({ requestMillis: 5000 });
    expect(r.retry).toEqual({ attempts: 2, codes: [] });
    // A mirror's cluster is used, so it is rendered; unused services are not.
    expect(out.ir.clusters.map((c) => c.name)).toEqual(['service/ns/a/80', 'service/ns/m/80']);
  });

  it('leaves out what its rule does not set', () => {
    const { r } = oneRoute({ backendRefs: [backend('a')] });
    expect(Object.keys(r).sort()).toEqual(['action', 'match', 'mirrors', 'name', 'source']);
  });

  it.each([
    // [listener, redirect, expected IR redirect]
    ['http:80', {}, { statusCode: 302 }],
    ['http:8080', {}, { statusCode: 302, port: 8080 }],
    ['http:8080', { scheme: 'https' }, { statusCode: 302, scheme: 'https' }],
    ['http:80', { scheme: 'https', statusCode: 301 }, { statusCode: 301, scheme: 'https' }],
    ['http:80', { scheme: 'https', port: 8443 }, { statusCode: 302, scheme: 'https', port: 8443 }],
    ['http:8080', { port: 80 }, { statusCode: 302 }],
    ['http:80', { port: 443 }, { statusCode: 302, port: 443 }],
    ['http:80', { scheme: 'http' }, { statusCode: 302, scheme: 'http' }],
    ['https:443', {}, { statusCode: 302 }],
    ['https:8443', {}, { statusCode: 302, port: 8443 }],
    ['https:8443', { scheme: 'http' }, { statusCode: 302, scheme: 'http' }],
    [
      'http:80',
      { hostname: 'b.example', path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } },
      { statusCode: 302, hostname: 'b.example', path: { type: 'ReplaceFullPath', value: '/x' } },
    ],
  ])('redirects from %s with %j to %j (the port rules of the spec)', (on, redirect, expected) => {
    const [protocol, port] = on.split(':') as ['http' | 'https', string];
    const listener = protocol === 'http' ? http('l', Number(port)) : https('l', undefined, Number(port));
    const { r } = oneRoute({ filters: [{ type: 'RequestRedirect', requestRedirect: redirect }] }, [listener]);
    expect(r.action).toEqual({ kind: 'redirect', redirect: expected });
  });
});
