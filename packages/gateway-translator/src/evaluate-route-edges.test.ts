import { describe, expect, it } from 'vitest';
import { evaluateRoute, type RouteRequest } from './evaluate-route.js';
import type { JsonObject } from './json.js';

// The evaluator on hand-written RouteConfigurations, one Envoy behaviour at a time (docs/MUTATION.md):
// the matchers translate-ir does not emit but the evaluator models (legacy header matchers, suffix and
// contains, pathSeparatedPrefix, case-insensitive paths), host and query parsing, redirects, rewrites,
// mirrors, CORS and header mutations.

const one = (route: JsonObject, extra: JsonObject = {}): JsonObject => ({
  name: 'rc',
  virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ name: 'r', ...route }], ...extra }],
});
const fwd = { route: { cluster: 'c' } };

/** Whether the single route matches the request. */
const matches = (match: JsonObject, request: Partial<RouteRequest>) =>
  evaluateRoute(one({ match, ...fwd }), { host: 'h', path: '/', ...request }).route === 'r';

describe('evaluateRoute: path matchers', () => {
  it('matches pathSeparatedPrefix on whole segments only', () => {
    const m = { pathSeparatedPrefix: '/api' };
    expect(matches(m, { path: '/api' })).toBe(true);
    expect(matches(m, { path: '/api/v1' })).toBe(true);
    expect(matches(m, { path: '/apiv1' })).toBe(false);
    expect(matches(m, { path: '/api?x=1' })).toBe(true);
  });

  it('compares exact paths and prefixes case-insensitively when caseSensitive is false', () => {
    expect(matches({ path: '/A', caseSensitive: false }, { path: '/a' })).toBe(true);
    expect(matches({ path: '/A' }, { path: '/a' })).toBe(false);
    expect(matches({ prefix: '/Api', caseSensitive: false }, { path: '/aPI/x' })).toBe(true);
    expect(matches({ prefix: '/Api' }, { path: '/api/x' })).toBe(false);
    expect(matches({ pathSeparatedPrefix: '/Api', caseSensitive: false }, { path: '/API/x' })).toBe(true);
  });

  it('does not match a route without a path specifier or without a match', () => {
    expect(matches({}, { path: '/' })).toBe(false);
    const noMatch = evaluateRoute(one({ ...fwd }), { host: 'h', path: '/' });
    expect(noMatch.route).toBeNull();
    expect(noMatch.status).toBe(404);
    expect(noMatch.virtualHost).toBe('vh');
  });
});

describe('evaluateRoute: header and query matchers', () => {
  const header = (h: JsonObject) => ({ prefix: '/', headers: [{ name: 'X-H', ...h }] });

  it('supports every string matcher, ignoreCase, and the legacy exact and regex matchers', () => {
    expect(matches(header({ stringMatch: { prefix: 'ab' } }), { headers: { 'x-h': 'abc' } })).toBe(true);
    expect(matches(header({ stringMatch: { prefix: 'bc' } }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(matches(header({ stringMatch: { suffix: 'bc' } }), { headers: { 'x-h': 'abc' } })).toBe(true);
    expect(matches(header({ stringMatch: { suffix: 'ab' } }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(matches(header({ stringMatch: { contains: 'b' } }), { headers: { 'x-h': 'abc' } })).toBe(true);
    expect(matches(header({ stringMatch: { contains: 'd' } }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(
      matches(header({ stringMatch: { exact: 'ABC', ignoreCase: true } }), { headers: { 'x-h': 'abc' } }),
    ).toBe(true);
    expect(matches(header({ stringMatch: { exact: 'ABC' } }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(
      matches(header({ stringMatch: { safeRegex: { regex: 'a.c' } } }), { headers: { 'x-h': 'abc' } }),
    ).toBe(true);
    expect(
      matches(header({ stringMatch: { safeRegex: { regex: 'a' } } }), { headers: { 'x-h': 'abc' } }),
    ).toBe(false);
    expect(matches(header({ stringMatch: {} }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(matches(header({ exactMatch: 'abc' }), { headers: { 'x-h': 'abc' } })).toBe(true);
    expect(matches(header({ exactMatch: 'ab' }), { headers: { 'x-h': 'abc' } })).toBe(false);
    expect(matches(header({ safeRegexMatch: { regex: 'a.*' } }), { headers: { 'x-h': 'abc' } })).toBe(true);
    expect(matches(header({ safeRegexMatch: { regex: 'b.*' } }), { headers: { 'x-h': 'abc' } })).toBe(false);
    // A header matcher with no criterion only asks for the header.
    expect(matches(header({}), { headers: { 'x-h': '' } })).toBe(true);
    expect(matches(header({}), {})).toBe(false);
  });

  it('joins repeated header values with commas and lower-cases header names of the request', () => {
    expect(matches(header({ stringMatch: { exact: 'a,b' } }), { headers: { 'x-h': ['a', 'b'] } })).toBe(true);
    expect(matches(header({ safeRegexMatch: { regex: 'a,b' } }), { headers: { 'x-h': ['a', 'b'] } })).toBe(
      true,
    );
    const m = header({ exactMatch: 'a,b' });
    expect(matches(m, { headers: { 'X-h': ['a', 'b'] } })).toBe(true);
    expect(matches(m, { headers: { 'x-h': 'a', 'X-H': 'b' } })).toBe(true);
    expect(matches(m, { headers: { 'x-h': 'a' } })).toBe(false);
  });

  it('treats presentMatch false as "absent" and inverts any result with invertMatch', () => {
    expect(matches(header({ presentMatch: false }), {})).toBe(true);
    expect(matches(header({ presentMatch: false }), { headers: { 'x-h': '1' } })).toBe(false);
    expect(matches(header({ presentMatch: true, invertMatch: true }), {})).toBe(true);
    expect(matches(header({ presentMatch: true, invertMatch: true }), { headers: { 'x-h': '1' } })).toBe(
      false,
    );
  });

  it('matches the :method, :authority, :path and :scheme pseudo-headers', () => {
    expect(matches(header({ name: ':method', exactMatch: 'POST' }), { method: 'post' })).toBe(true);
    expect(matches(header({ name: ':method', exactMatch: 'POST' }), {})).toBe(false);
    expect(matches(header({ name: ':method', exactMatch: 'GET' }), {})).toBe(true);
    expect(matches(header({ name: ':authority', exactMatch: 'h' }), { host: 'H:8080' })).toBe(true);
    expect(matches(header({ name: ':path', exactMatch: '/a?b=1' }), { path: '/a?b=1' })).toBe(true);
    expect(matches(header({ name: ':scheme', exactMatch: 'http' }), {})).toBe(true);
    expect(matches(header({ name: ':scheme', exactMatch: 'https' }), { scheme: 'https' })).toBe(true);
    expect(matches(header({ name: ':scheme', exactMatch: 'https' }), {})).toBe(false);
  });

  it('reads query parameters from the path (decoded, the first of a name wins) and from request.query', () => {
    const q = (query: JsonObject) => ({ prefix: '/', queryParameters: [{ name: 'k', ...query }] });
    expect(matches(q({ stringMatch: { exact: 'a b' } }), { path: '/?k=a%20b' })).toBe(true);
    expect(matches(q({ stringMatch: { exact: '1' } }), { path: '/?k=1&k=2' })).toBe(true);
    expect(matches(q({ stringMatch: { exact: '2' } }), { path: '/?k=1&k=2' })).toBe(false);
    expect(matches(q({ stringMatch: { exact: '' } }), { path: '/?k' })).toBe(true);
    expect(matches(q({ stringMatch: { exact: '3' } }), { path: '/?k=1', query: { k: '3' } })).toBe(true);
    expect(matches(q({ presentMatch: true }), { path: '/?k=' })).toBe(true);
    expect(matches(q({ presentMatch: true }), { path: '/?j=1' })).toBe(false);
    expect(matches(q({ stringMatch: { exact: '1' } }), { path: '/?j=1' })).toBe(false);
    // A query matcher without a criterion matches nothing.
    expect(matches(q({}), { path: '/?k=1' })).toBe(false);
    expect(matches(q({ stringMatch: { prefix: 'v' } }), { path: '/x?a=1&k=v2' })).toBe(true);
  });
});

describe('evaluateRoute: hosts', () => {
  const vhs = (domains: string[][]): JsonObject => ({
    name: 'rc',
    virtualHosts: domains.map((d, i) => ({ name: `vh${i}`, domains: d, routes: [] })),
  });
  const vh = (config: JsonObject, host: string) => evaluateRoute(config, { host, path: '/' }).virtualHost;

  it('strips the port of a name or an IPv6 literal, and compares domains case-insensitively', () => {
    const c = vhs([['example.com'], ['[2001:db8::1]'], ['2001:db8::2'], ['*']]);
    expect(vh(c, 'EXAMPLE.com:8080')).toBe('vh0');
    expect(vh(c, '[2001:db8::1]:443')).toBe('vh1');
    expect(vh(c, '[2001:db8::1]')).toBe('vh1');
    // An unbracketed IPv6 address has several colons: none of them is a port.
    expect(vh(c, '2001:db8::2')).toBe('vh2');
    expect(vh(vhs([['Example.COM']]), 'example.com')).toBe('vh0');
  });

  it('keeps the first virtual host of an exact or catch-all domain, and wildcards need a non-empty rest', () => {
    expect(vh(vhs([['a.com'], ['a.com']]), 'a.com')).toBe('vh0');
    expect(vh(vhs([['*'], ['*']]), 'b.com')).toBe('vh0');
    expect(vh(vhs([['*.a.com']]), 'x.a.com')).toBe('vh0');
    expect(vh(vhs([['*.a.com']]), '.a.com')).toBeNull();
    expect(vh(vhs([['*.a.com']]), 'a.com')).toBeNull();
    expect(vh(vhs([['a.*']]), 'a.')).toBeNull();
    expect(vh(vhs([['a.*']]), 'a.b')).toBe('vh0');
    expect(vh(vhs([['*.com'], ['a.*']]), 'a.com')).toBe('vh0');
    expect(vh({ name: 'rc', virtualHosts: [{ name: 'v', domains: [7, 'x.com'] }] }, 'x.com')).toBe('v');
  });
});

describe('evaluateRoute: actions', () => {
  const run = (route: JsonObject, request: Partial<RouteRequest> = {}, extra: JsonObject = {}) =>
    evaluateRoute(one({ match: { prefix: '/' }, ...route }, extra), {
      host: 'h.example',
      path: '/',
      ...request,
    });

  it('builds redirect locations from scheme, host, port, path and query', () => {
    const loc = (
      redirect: JsonObject,
      request: Partial<RouteRequest> = {},
      match: JsonObject = { prefix: '/' },
    ) => {
      const o = run({ redirect, match }, request);
      return o.action.type === 'redirect' ? [o.status, o.action.status, o.action.location] : o.action.type;
    };
    expect(loc({}, { path: '/a?b=1' })).toEqual([301, 301, 'http://h.example/a?b=1']);
    expect(loc({ responseCode: 'FOUND' })).toEqual([302, 302, 'http://h.example/']);
    expect(loc({ responseCode: 'SEE_OTHER' })[0]).toBe(303);
    expect(loc({ responseCode: 'TEMPORARY_REDIRECT' })[0]).toBe(307);
    expect(loc({ responseCode: 'PERMANENT_REDIRECT' })[0]).toBe(308);
    expect(loc({ responseCode: 'NO_SUCH' })[0]).toBe(301);
    expect(loc({ httpsRedirect: true })).toEqual([301, 301, 'https://h.example/']);
    expect(loc({}, { scheme: 'https' })[2]).toBe('https://h.example/');
    expect(loc({ schemeRedirect: 'http', httpsRedirect: true }, { scheme: 'https' })[2]).toBe(
      'http://h.example/',
    );
    expect(loc({ hostRedirect: 'o.example', portRedirect: 8443 }, { host: 'h.example:80' })[2]).toBe(
      'http://o.example:8443/',
    );
    expect(loc({ stripQuery: true }, { path: '/a?b=1' })[2]).toBe('http://h.example/a');
    expect(loc({ pathRedirect: '/n' }, { path: '/a?b=1' })[2]).toBe('http://h.example/n?b=1');
    expect(loc({ pathRedirect: '/n?c=2' }, { path: '/a?b=1' })[2]).toBe('http://h.example/n?c=2');
    expect(loc({ pathRedirect: '/n?' }, { path: '/a?b=1' })[2]).toBe('http://h.example/n');
    expect(loc({ prefixRewrite: '/new' }, { path: '/old/x?q=1' }, { prefix: '/old' })[2]).toBe(
      'http://h.example/new/x?q=1',
    );
    expect(loc({ prefixRewrite: '/new' }, { path: '/old/x' }, { pathSeparatedPrefix: '/old' })[2]).toBe(
      'http://h.example/new/x',
    );
    // An exact or regex match replaces the whole path.
    expect(loc({ prefixRewrite: '/new' }, { path: '/old' }, { path: '/old' })[2]).toBe(
      'http://h.example/new',
    );
  });

  it('answers direct responses with their body', () => {
    const o = run({ directResponse: { status: '503', body: { inlineString: 'down' } } });
    expect(o.status).toBe(503);
    expect(o.action).toEqual({ type: 'directResponse', status: 503, body: 'down' });
    expect(run({ directResponse: { status: 204, body: { filename: 'x' } } }).action).toEqual({
      type: 'directResponse',
      status: 204,
    });
  });

  it('answers 404 for a route with no action, and reports no status for a routed request', () => {
    const none = run({});
    expect(none).toMatchObject({ route: null, status: 404, action: { type: 'notFound', status: 404 } });
    const ok = run(fwd);
    expect(ok.route).toBe('r');
    expect('status' in ok).toBe(false);
    expect(ok.mirrors).toEqual([]);
    expect(ok.action).toEqual({
      type: 'route',
      clusters: [
        { name: 'c', weight: 1, requestHeaders: {}, responseHeaders: { set: {}, add: {}, remove: [] } },
      ],
    });
    expect('rewrite' in ok || 'timeout' in ok || 'retryPolicy' in ok || 'cors' in ok).toBe(false);
    expect(run({ route: {} }).action).toEqual({ type: 'route', clusters: [] });
  });

  it('rewrites the host (seen by header matchers upstream) and the path by prefix or regex', () => {
    const o = run(
      {
        match: { prefix: '/api' },
        route: { cluster: 'c', hostRewriteLiteral: 'up.example', prefixRewrite: '/v2' },
      },
      { path: '/api/x?y=1', headers: { 'x-a': '1' } },
      {
        requestHeadersToAdd: [
          { header: { key: 'x-host', value: '%%REQ(:authority)%%' }, appendAction: 'ADD_IF_ABSENT' },
        ],
      },
    );
    expect(o.rewrite).toEqual({ host: 'up.example', path: '/v2/x' });
    const c = o.action.type === 'route' ? o.action.clusters[0] : undefined;
    // Pseudo-headers never reach the upstream header list; `%%` is a literal `%`.
    expect(c?.requestHeaders).toEqual({ 'x-a': '1', 'x-host': '%REQ(:authority)%' });
    const re = run(
      {
        route: {
          cluster: 'c',
          regexRewrite: { pattern: { regex: '^/(\\w+)/(\\w+)$' }, substitution: '/\\2/\\1' },
        },
      },
      { path: '/a/b' },
    );
    expect(re.rewrite).toEqual({ path: '/b/a' });
  });

  it('answers the cluster-not-found code only when every cluster with weight is missing', () => {
    const weighted = (clusters: JsonObject[], code?: string) =>
      one({
        match: { prefix: '/' },
        route: { weightedClusters: { clusters }, ...(code ? { clusterNotFoundResponseCode: code } : {}) },
      });
    const req = { host: 'h', path: '/' };
    const mixed = evaluateRoute(
      weighted([
        { name: 'a', weight: 1 },
        { name: 'gone', weight: 1 },
      ]),
      req,
      {
        clusters: new Set(['a']),
      },
    );
    expect('status' in mixed).toBe(false);
    expect(
      mixed.action.type === 'route' && mixed.action.clusters.map((c) => [c.name, c.weight, c.status]),
    ).toEqual([
      ['a', 1, undefined],
      ['gone', 1, 503],
    ]);
    const dead = evaluateRoute(
      weighted(
        [
          { name: 'a', weight: 0 },
          { name: 'gone', weight: '2' },
        ],
        'NOT_FOUND',
      ),
      req,
      {
        clusters: ['a'],
      },
    );
    expect(dead.status).toBe(404);
    expect(dead.action.type === 'route' && dead.action.clusters.map((c) => c.weight)).toEqual([0, 2]);
    const allZero = evaluateRoute(weighted([{ name: 'gone', weight: 0 }]), req, { clusters: [] });
    expect('status' in allZero).toBe(false);
    expect(
      evaluateRoute(weighted([{ name: 'gone', weight: 1 }], 'WHATEVER'), req, { clusters: [] }).status,
    ).toBe(503);
    expect('status' in evaluateRoute(weighted([{ name: 'gone', weight: 1 }]), req)).toBe(false);
  });

  it('reports mirrors with their percentage, the timeout and the retry policy', () => {
    const o = run({
      route: {
        cluster: 'c',
        timeout: '5s',
        retryPolicy: { numRetries: 2 },
        requestMirrorPolicies: [
          { cluster: 'all' },
          { cluster: 'hundred', runtimeFraction: { defaultValue: { numerator: 25 } } },
          {
            cluster: 'tenk',
            runtimeFraction: { defaultValue: { numerator: 250, denominator: 'TEN_THOUSAND' } },
          },
          {
            cluster: 'million',
            runtimeFraction: { defaultValue: { numerator: 5000, denominator: 'MILLION' } },
          },
          { cluster: 'odd', runtimeFraction: { defaultValue: { numerator: 50, denominator: 'ODD' } } },
          { cluster: 'nodefault', runtimeFraction: {} },
        ],
      },
    });
    expect(o.mirrors).toEqual([
      { cluster: 'all', percent: 100 },
      { cluster: 'hundred', percent: 25 },
      { cluster: 'tenk', percent: 2.5 },
      { cluster: 'million', percent: 0.5 },
      { cluster: 'odd', percent: 50 },
      { cluster: 'nodefault', percent: 100 },
    ]);
    expect(o.timeout).toBe('5s');
    expect(o.retryPolicy).toEqual({ numRetries: 2 });
  });

  it('applies each append action as Envoy does, removals before additions at each level', () => {
    const add = (key: string, value: string, appendAction?: string, append?: boolean) => ({
      header: { key, value },
      ...(appendAction ? { appendAction } : {}),
      ...(append !== undefined ? { append } : {}),
    });
    const o = run(
      {
        requestHeadersToRemove: ['X-Gone'],
        requestHeadersToAdd: [
          add('x-absent', 'new', 'ADD_IF_ABSENT'),
          add('x-have', 'no', 'ADD_IF_ABSENT'),
          add('x-over', 'new', 'OVERWRITE_IF_EXISTS'),
          add('x-none', 'new', 'OVERWRITE_IF_EXISTS'),
          add('x-legacy', 'b'),
          add('x-legacy-set', 'b', undefined, false),
          add('x-gone', 'back', 'APPEND_IF_EXISTS_OR_ADD'),
          add('x-odd', 'v', 'NO_SUCH_ACTION'),
        ],
        responseHeadersToAdd: [
          add('x-r', '1'),
          add('x-r', '2'),
          add('x-s', '1', 'OVERWRITE_IF_EXISTS_OR_ADD'),
        ],
        responseHeadersToRemove: ['X-Server'],
        ...fwd,
      },
      {
        headers: { 'x-have': 'old', 'x-over': 'old', 'x-legacy': 'a', 'x-legacy-set': 'a', 'x-gone': 'old' },
      },
      { responseHeadersToAdd: [add('x-s', '2', 'ADD_IF_ABSENT')] },
    );
    const c = o.action.type === 'route' ? o.action.clusters[0] : undefined;
    expect(c?.requestHeaders).toEqual({
      'x-absent': 'new',
      'x-gone': 'back',
      'x-have': 'old',
      'x-legacy': 'a,b',
      'x-legacy-set': 'b',
      'x-over': 'new',
    });
    expect(Object.keys(c?.requestHeaders ?? {})).toEqual(Object.keys(c?.requestHeaders ?? {}).sort());
    expect(c?.responseHeaders).toEqual({
      set: { 'x-s': '2' },
      add: { 'x-r': ['1', '2'] },
      remove: ['x-server'],
    });
  });
});

describe('evaluateRoute: CORS', () => {
  const policy: JsonObject = {
    allowOriginStringMatch: [
      { exact: 'https://a.example' },
      { safeRegex: { regex: 'https://.*\\.b\\.example' } },
    ],
    allowMethods: 'GET,PUT',
    allowHeaders: 'x-a',
    exposeHeaders: 'x-e',
    maxAge: '60',
    allowCredentials: true,
  };
  const run = (p: JsonObject, method: string, headers: Record<string, string>) =>
    evaluateRoute(
      one({ match: { prefix: '/' }, typedPerFilterConfig: { 'envoy.filters.http.cors': p }, ...fwd }),
      { host: 'h', path: '/', method, headers },
    );

  it('answers an allowed preflight itself with the policy headers', () => {
    const o = run(policy, 'options', {
      Origin: 'https://x.b.example',
      'Access-Control-Request-Method': 'PUT',
    });
    expect(o.status).toBe(200);
    expect(o.cors).toEqual(policy);
    const headers = {
      'access-control-allow-origin': 'https://x.b.example',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,PUT',
      'access-control-allow-headers': 'x-a',
      'access-control-max-age': '60',
    };
    expect(o.action).toEqual({ type: 'corsPreflight', status: 200, headers });
    expect(o.corsResponse).toEqual({ preflight: true, originAllowed: true, headers });
  });

  it('forwards a preflight from an origin it does not allow, and other requests with expose headers', () => {
    const denied = run(policy, 'OPTIONS', {
      origin: 'https://evil.example',
      'access-control-request-method': 'GET',
    });
    expect(denied.action.type).toBe('route');
    expect(denied.corsResponse).toEqual({ preflight: true, originAllowed: false, headers: {} });
    const simple = run(policy, 'GET', { origin: 'https://a.example' });
    expect(simple.action.type).toBe('route');
    expect(simple.corsResponse).toEqual({
      preflight: false,
      originAllowed: true,
      headers: {
        'access-control-allow-origin': 'https://a.example',
        'access-control-allow-credentials': 'true',
        'access-control-expose-headers': 'x-e',
      },
    });
    // Only OPTIONS with Access-Control-Request-Method is a preflight.
    expect(
      run(policy, 'GET', { origin: 'https://a.example', 'access-control-request-method': 'GET' }).corsResponse
        ?.preflight,
    ).toBe(false);
    expect(run(policy, 'OPTIONS', { origin: 'https://a.example' }).corsResponse?.preflight).toBe(false);
    expect(
      run(policy, 'OPTIONS', { origin: 'https://a.example', 'access-control-request-method': '' })
        .corsResponse?.preflight,
    ).toBe(false);
  });

  it('does nothing without an Origin, and leaves out the headers a policy does not set', () => {
    const none = run(policy, 'GET', {});
    expect(none.cors).toEqual(policy);
    expect('corsResponse' in none).toBe(false);
    expect('corsResponse' in run(policy, 'GET', { origin: '' })).toBe(false);
    const bare = { allowOriginStringMatch: [{ prefix: 'https://' }] };
    expect(
      run(bare, 'OPTIONS', { origin: 'https://a', 'access-control-request-method': 'GET' }).action,
    ).toEqual({
      type: 'corsPreflight',
      status: 200,
      headers: { 'access-control-allow-origin': 'https://a' },
    });
    expect(run(bare, 'GET', { origin: 'https://a' }).corsResponse?.headers).toEqual({
      'access-control-allow-origin': 'https://a',
    });
  });
});
