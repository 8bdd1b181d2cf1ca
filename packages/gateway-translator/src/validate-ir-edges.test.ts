import { describe, expect, it } from 'vitest';
import {
  INVALID_BACKEND_CLUSTER,
  type IR,
  type IRCluster,
  type IRDestination,
  type IRHttpFilterChain,
  type IRListener,
  type IRRoute,
  type IRSecret,
  type IRTcpFilterChain,
  type IRVirtualHost,
} from './ir.js';
import { regexProblem } from './regex.js';
import { Secret } from './secret.js';
import { assertValidIR, IRValidationError, validateIR, type IRIssue } from './validate-ir.js';

// Each IR invariant on its own: a valid IR, then one defect at a time with its code, path and message.

const cluster = (name: string, endpoints: IRCluster['endpoints'] = []): IRCluster => ({
  name,
  service: { namespace: 'default', name, port: 80 },
  protocol: 'http1',
  endpoints,
});
const secret = (name: string): IRSecret => ({
  name,
  certificate: { id: name, namespace: 'default', name },
  certificatePem: 'PEM',
  privateKey: new Secret('k'),
});
const dest = (c: string, weight = 1): IRDestination => ({ cluster: c, weight });
const route = (name: string, extra: Partial<IRRoute> = {}): IRRoute => ({
  name,
  source: { kind: 'HTTPRoute', namespace: 'default', name: 'r', rule: 0, match: 0 },
  match: { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] },
  action: { kind: 'forward', destinations: [dest('a')] },
  mirrors: [],
  ...extra,
});
const vhost = (name: string, domain: string, routes: IRRoute[] = [route('r0')]): IRVirtualHost => ({
  name,
  domain,
  routes,
});
const httpChain = (name: string, extra: Partial<IRHttpFilterChain> = {}): IRHttpFilterChain => ({
  kind: 'http',
  name,
  serverNames: [],
  tlsSecrets: [],
  routeConfig: { name: `rc-${name}`, virtualHosts: [vhost('vh-a', 'a.example.com')] },
  ...extra,
});
const tcpChain = (name: string, destinations: IRDestination[]): IRTcpFilterChain => ({
  kind: 'tcp',
  name,
  serverNames: [],
  tlsSecrets: [],
  route: 'tcp/default/t',
  destinations,
});
const listener = (port: number, filterChains: IRListener['filterChains']): IRListener => ({
  name: `listener/${port}`,
  port,
  filterChains,
});

function ir(parts: Partial<IR> = {}): IR {
  return {
    gateway: { id: 'g', accountId: 'acc', namespace: 'default', name: 'gw', address: '192.0.2.1' },
    listeners: [listener(80, [httpChain('http')])],
    clusters: [cluster('a'), cluster('b')],
    secrets: [secret('s1')],
    ...parts,
  };
}

const issue = (code: IRIssue['code'], path: string, message: string): IRIssue => ({ code, path, message });

describe('validateIR', () => {
  it('finds nothing wrong with a valid IR', () => {
    expect(validateIR(ir())).toEqual([]);
    expect(() => assertValidIR(ir())).not.toThrow();
    const full = ir({
      listeners: [
        listener(1, [httpChain('a', { serverNames: ['a.example.com'], tlsSecrets: ['s1'] }), httpChain('b')]),
        listener(65535, [tcpChain('t', [dest('a', 0xfffffffe), dest(INVALID_BACKEND_CLUSTER, 1)])]),
      ],
      clusters: [
        cluster('a', [{ address: '10.0.0.1', port: 65535, health: 'HEALTHY', weight: 1 }]),
        cluster('b'),
      ],
    });
    expect(validateIR(full)).toEqual([]);
  });

  it('reports duplicate and unsorted clusters and secrets', () => {
    expect(
      validateIR(
        ir({
          clusters: [cluster('b'), cluster('a'), cluster('a')],
          secrets: [secret('s2'), secret('s1'), secret('s1')],
        }),
      ),
    ).toEqual([
      issue('DuplicateClusterName', 'clusters[2]', 'a'),
      issue('DuplicateSecretName', 'secrets[2]', 's1'),
      issue('Unsorted', 'clusters', 'b before a'),
      issue('Unsorted', 'secrets', 's2 before s1'),
    ]);
  });

  it('checks endpoint ports and weights', () => {
    const eps: IRCluster['endpoints'] = [
      { address: '10.0.0.1', port: 0, health: 'HEALTHY' },
      { address: '10.0.0.2', port: 65536, health: 'HEALTHY', weight: 0 },
      { address: '10.0.0.3', port: 80.5, health: 'HEALTHY', weight: 1.5 },
      { address: '10.0.0.4', port: 1, health: 'DRAINING', weight: 1 },
    ];
    expect(validateIR(ir({ clusters: [cluster('a', eps), cluster('b')] }))).toEqual([
      issue('InvalidPort', 'clusters[0].endpoints[0]', '0'),
      issue('InvalidPort', 'clusters[0].endpoints[1]', '65536'),
      issue('InvalidWeight', 'clusters[0].endpoints[1]', 'endpoint weight 0'),
      issue('InvalidPort', 'clusters[0].endpoints[2]', '80.5'),
      issue('InvalidWeight', 'clusters[0].endpoints[2]', 'endpoint weight 1.5'),
    ]);
  });

  it('checks listener names, ports, order and chains', () => {
    const l80 = listener(80, [httpChain('a')]);
    expect(
      validateIR(
        ir({
          listeners: [
            l80,
            { ...listener(80, [httpChain('b')]), name: 'listener/80' },
            listener(0, []),
            listener(70000, [httpChain('c')]),
          ],
        }),
      ),
    ).toEqual([
      issue('DuplicateListenerName', 'listeners[1]', 'listener/80'),
      issue('DuplicateListenerPort', 'listeners[1]', '80'),
      issue('InvalidPort', 'listeners[2]', '0'),
      issue('EmptyListener', 'listeners[2]', 'listener has no filter chains'),
      issue('InvalidPort', 'listeners[3]', '70000'),
      issue('Unsorted', 'listeners', 'listeners must be sorted by port'),
    ]);
    expect(
      validateIR(ir({ listeners: [listener(81, [httpChain('a')]), listener(80, [httpChain('b')])] })),
    ).toEqual([issue('Unsorted', 'listeners', 'listeners must be sorted by port')]);
  });

  it('checks chain names, server names and secrets within one listener only', () => {
    const chains = [
      httpChain('a', { serverNames: ['x.example.com', 'y.example.com'], tlsSecrets: ['s1', 'nope'] }),
      httpChain('a', { serverNames: ['y.example.com'], routeConfig: { name: 'rc-2', virtualHosts: [] } }),
      httpChain('c', { routeConfig: { name: 'rc-3', virtualHosts: [] } }),
      httpChain('d', { routeConfig: { name: 'rc-4', virtualHosts: [] } }),
    ];
    expect(validateIR(ir({ listeners: [listener(443, chains)] }))).toEqual([
      issue('UnknownSecret', 'listeners[0].filterChains[0]', 'nope'),
      issue('DuplicateFilterChainName', 'listeners[0].filterChains[1]', 'a'),
      issue('DuplicateServerName', 'listeners[0].filterChains[1]', 'y.example.com'),
      issue('DuplicateServerName', 'listeners[0].filterChains[3]', '(default chain)'),
    ]);
    // The same chain names, server names and default chains on two listeners are fine.
    const a = (rc: string) => httpChain('a', { routeConfig: { name: rc, virtualHosts: [] } });
    expect(validateIR(ir({ listeners: [listener(80, [a('rc-1')]), listener(81, [a('rc-2')])] }))).toEqual([]);
  });

  it('requires route configuration names to be unique across listeners, and domains within one', () => {
    const rcA = {
      name: 'rc',
      virtualHosts: [vhost('vh-a', 'a.example.com'), vhost('vh-b', 'a.example.com')],
    };
    expect(
      validateIR(
        ir({
          listeners: [
            listener(80, [httpChain('a', { routeConfig: rcA })]),
            listener(81, [
              httpChain('a', { routeConfig: { name: 'rc', virtualHosts: [vhost('vh-a', 'a.example.com')] } }),
            ]),
          ],
        }),
      ),
    ).toEqual([
      issue('DuplicateDomain', 'listeners[0].filterChains[0].routeConfig.virtualHosts[1]', 'a.example.com'),
      issue('DuplicateRouteConfigName', 'listeners[1].filterChains[0].routeConfig', 'rc'),
    ]);
  });

  it('requires virtual hosts sorted by name', () => {
    const rc = { name: 'rc', virtualHosts: [vhost('vh-b', 'b.example.com'), vhost('vh-a', 'a.example.com')] };
    expect(validateIR(ir({ listeners: [listener(80, [httpChain('a', { routeConfig: rc })])] }))).toEqual([
      issue('Unsorted', 'listeners[0].filterChains[0].routeConfig.virtualHosts', 'vh-b before vh-a'),
    ]);
  });

  const withRoutes = (routes: IRRoute[]) =>
    validateIR(
      ir({
        listeners: [
          listener(80, [
            httpChain('h', { routeConfig: { name: 'rc', virtualHosts: [vhost('vh', '*', routes)] } }),
          ]),
        ],
      }),
    );
  const rp = 'listeners[0].filterChains[0].routeConfig.virtualHosts[0].routes';

  it('checks regular expressions of paths, headers and query parameters, and only those', () => {
    const bad = '(';
    const problem = regexProblem(bad);
    if (problem === undefined) throw new Error(`${bad} should not be a valid regex`);
    expect(
      withRoutes([
        route('ok', {
          match: {
            path: { type: 'PathPrefix', value: bad },
            headers: [{ type: 'Exact', name: 'h', value: bad }],
            queryParams: [{ type: 'Exact', name: 'q', value: bad }],
          },
        }),
        route('re', {
          match: {
            path: { type: 'RegularExpression', value: bad },
            headers: [
              { type: 'RegularExpression', name: 'h', value: bad },
              { type: 'RegularExpression', name: 'g', value: '/a.*' },
            ],
            queryParams: [{ type: 'RegularExpression', name: 'q', value: bad }],
          },
        }),
        route('good', {
          match: { path: { type: 'RegularExpression', value: '/a.*' }, headers: [], queryParams: [] },
        }),
      ]),
    ).toEqual([
      issue('InvalidRegex', `${rp}[1].match.path`, problem),
      issue('InvalidRegex', `${rp}[1].match`, problem),
      issue('InvalidRegex', `${rp}[1].match`, problem),
    ]);
  });

  it('checks forward destinations: present, positive integer weights, known clusters, uint32 total', () => {
    expect(
      withRoutes([
        route('none', { action: { kind: 'forward', destinations: [] } }),
        route('weights', {
          action: {
            kind: 'forward',
            destinations: [dest('a', 0), dest('a', 1.5), dest('zz', 1), dest(INVALID_BACKEND_CLUSTER, 2)],
          },
        }),
        route('total', { action: { kind: 'forward', destinations: [dest('a', 0xffffffff), dest('b', 1)] } }),
        route('max', { action: { kind: 'forward', destinations: [dest('a', 0xfffffffe), dest('b', 1)] } }),
        route('redirect', { action: { kind: 'redirect', redirect: { statusCode: 302 } } }),
        route('invalid', { action: { kind: 'invalid' } }),
      ]),
    ).toEqual([
      issue('NoDestinations', `${rp}[0].action.destinations`, 'no destinations'),
      issue('InvalidWeight', `${rp}[1].action.destinations[0]`, 'weight 0'),
      issue('InvalidWeight', `${rp}[1].action.destinations[1]`, 'weight 1.5'),
      issue('UnknownCluster', `${rp}[1].action.destinations[2]`, 'zz'),
      issue('InvalidWeight', `${rp}[2].action.destinations`, 'total weight 4294967296 exceeds uint32'),
    ]);
  });

  it('checks mirrors: known cluster and a share between 0 and one million', () => {
    const mirrors = (...m: [string, number][]) => m.map(([c, p]) => ({ cluster: c, partsPerMillion: p }));
    expect(
      withRoutes([
        route('m', {
          mirrors: mirrors(['a', 0], ['b', 1_000_000], ['zz', 5], ['a', -1], ['a', 1_000_001], ['a', 0.5]),
        }),
      ]),
    ).toEqual([
      issue('UnknownCluster', `${rp}[0].mirrors[2]`, 'zz'),
      issue('InvalidMirrorShare', `${rp}[0].mirrors[3]`, '-1'),
      issue('InvalidMirrorShare', `${rp}[0].mirrors[4]`, '1000001'),
      issue('InvalidMirrorShare', `${rp}[0].mirrors[5]`, '0.5'),
    ]);
  });

  it('checks the destinations of TCP chains and skips their (absent) route configuration', () => {
    expect(
      validateIR(
        ir({
          listeners: [listener(9000, [tcpChain('t', [])]), listener(9001, [tcpChain('t', [dest('zz', 0)])])],
        }),
      ),
    ).toEqual([
      issue('NoDestinations', 'listeners[0].filterChains[0].destinations', 'no destinations'),
      issue('InvalidWeight', 'listeners[1].filterChains[0].destinations[0]', 'weight 0'),
      issue('UnknownCluster', 'listeners[1].filterChains[0].destinations[0]', 'zz'),
    ]);
  });
});

describe('assertValidIR', () => {
  it('throws an IRValidationError carrying every issue, each named in the message', () => {
    const bad = ir({ clusters: [cluster('b'), cluster('a')], listeners: [listener(0, [httpChain('h')])] });
    let caught: unknown;
    try {
      assertValidIR(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IRValidationError);
    const err = caught as IRValidationError;
    expect(err.name).toBe('IRValidationError');
    expect(err.issues).toEqual([
      issue('Unsorted', 'clusters', 'b before a'),
      issue('InvalidPort', 'listeners[0]', '0'),
    ]);
    expect(err.message).toBe('invalid IR: Unsorted at clusters: b before a; InvalidPort at listeners[0]: 0');
  });
});
