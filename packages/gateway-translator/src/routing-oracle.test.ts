import fc from 'fast-check';
import { validate, type HTTPRouteSpec } from '@epic/gateway-api';
import { describe, expect, it } from 'vitest';
import { evaluateRoute } from './evaluate-route.js';
import type { RouteInput, TranslateInput } from './input.js';
import type { MatchEntry } from './precedence.js';
import { buildIR } from './build-ir.js';
import { selectRouteConfiguration } from './select-route-configuration.js';
import { translateIR } from './translate-ir.js';

// Differential test of the whole HTTP path: for arbitrary HTTPRoutes and requests, the route Envoy would pick
// from the generated RouteConfiguration (through the evaluator) is the one the Gateway API's own matching
// rules pick, computed here directly from the specs. This checks the Envoy spelling of matches (prefix split,
// exact, regex, headers, query, method), virtual host merging and precedence together. The expectation never
// uses production code: matching and precedence below are written from the spec text, so a precedence bug
// in the translator shows up as a disagreement.

const PATHS = ['/', '/a', '/a/', '/a/b', '/ab', '/b', '/a/b/c'];
const HOSTNAMES = ['a.com', 'b.a.com', '*.a.com', '*.com', 'x.org'];
const REQUEST_HOSTS = ['a.com', 'b.a.com', 'c.a.com', 'd.b.a.com', 'x.org', 'y.org'];

const pathMatch = fc.oneof(
  fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: fc.constantFrom(...PATHS) }),
  fc.record({ type: fc.constant('RegularExpression'), value: fc.constantFrom('/a.*', '/[ab]+', '/a/[^/]+') }),
);
const match = fc
  .record({
    path: fc.option(pathMatch, { nil: undefined }),
    headers: fc.option(
      fc.uniqueArray(
        fc.record({
          name: fc.constantFrom('X-One', 'x-two'),
          type: fc.constantFrom('Exact', 'RegularExpression'),
          value: fc.constantFrom('1', '2', '[12]', '1|3'),
        }),
        { maxLength: 2, selector: (h) => h.name },
      ),
      { nil: undefined },
    ),
    queryParams: fc.option(
      fc.uniqueArray(fc.record({ name: fc.constantFrom('q', 'r'), value: fc.constantFrom('1', '2') }), {
        maxLength: 2,
        selector: (h) => h.name,
      }),
      { nil: undefined },
    ),
    method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
  })
  .map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)));
// Namespaces whose "{namespace}/{name}" order differs from ordering by namespace then name ('-' < '/').
const NAMESPACES = ['ns', 'ns-a'];
// Kubernetes always sets creationTimestamp. Few values, so ties happen; one with an offset that is older
// than it reads as a string.
const TIMESTAMPS = ['2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z', '2026-01-01T01:00:00+02:00'];
const route = fc.record({
  name: fc.stringMatching(/^[a-z]{1,4}$/),
  namespace: fc.constantFrom(...NAMESPACES),
  hostnames: fc.option(fc.uniqueArray(fc.constantFrom(...HOSTNAMES), { maxLength: 2 }), { nil: undefined }),
  creationTimestamp: fc.constantFrom(...TIMESTAMPS),
  rules: fc.array(fc.record({ matches: fc.array(match, { minLength: 1, maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
});
const request = fc.record({
  host: fc.constantFrom(...REQUEST_HOSTS),
  path: fc.constantFrom(...PATHS, '/a/b/c'),
  method: fc.constantFrom('GET', 'POST'),
  headers: fc.dictionary(fc.constantFrom('x-one', 'X-TWO'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
  query: fc.dictionary(fc.constantFrom('q', 'r'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
});

function covers(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

const specificity = (p: string) =>
  p === '*' ? [2, 0] : p.startsWith('*.') ? [1, -p.length] : [0, -p.length];

/**
 * HTTPRouteRule precedence from the Gateway API spec, independent of precedence.ts: across all rules of the
 * applicable routes, (1) an Exact path match, (2) the PathPrefix with the most characters, (3) a method
 * match, (4) the most header matches, (5) the most query-parameter matches; on ties across routes, (6) the
 * oldest creationTimestamp, (7) "{namespace}/{name}" alphabetically; within a route, (8) the first rule in
 * list order. Implementation-specific parts, as EPIC documents them: RegularExpression paths rank between
 * Exact and PathPrefix (longer pattern first); a trailing "/" does not lengthen a prefix; after (5), a match
 * reached through a more specific route hostname wins (exact host, then the longer wildcard); matches of
 * one rule keep their list order.
 */
interface Candidate {
  route: RouteInput;
  rule: number;
  matchIndex: number;
  match: MatchEntry['match'];
  hostname: string;
}

function precedenceKey(c: Candidate): (number | string)[] {
  const { path } = c.match;
  const pathRank = path.type === 'Exact' ? 0 : path.type === 'RegularExpression' ? 1 : 2;
  const chars = path.type === 'PathPrefix' ? path.value.replace(/\/+$/, '').length : path.value.length;
  const hostRank = c.hostname.includes('*') ? 1 : 0;
  const created = Date.parse(c.route.creationTimestamp ?? '');
  if (Number.isNaN(created)) throw new Error(`route ${c.route.name} has no creationTimestamp`);
  return [
    pathRank,
    -chars,
    c.match.method === undefined ? 1 : 0,
    -c.match.headers.length,
    -c.match.queryParams.length,
    hostRank,
    -c.hostname.length,
    created,
    `${c.route.namespace}/${c.route.name}`,
    c.rule,
    c.matchIndex,
  ];
}

function byPrecedence(a: Candidate, b: Candidate): number {
  const ka = precedenceKey(a);
  const kb = precedenceKey(b);
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] as number | string;
    const y = kb[i] as number | string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Gateway API match semantics, straight from the spec text. */
function matches(
  m: MatchEntry['match'],
  req: { path: string; method: string; headers: Record<string, string>; query: Record<string, string> },
): boolean {
  const { type, value } = m.path;
  if (type === 'Exact' && req.path !== value) return false;
  if (type === 'PathPrefix') {
    const prefix = value.replace(/\/+$/, '');
    if (prefix !== '' && req.path !== prefix && !req.path.startsWith(`${prefix}/`)) return false;
  }
  if (type === 'RegularExpression' && !new RegExp(`^(?:${value})$`).test(req.path)) return false;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const header = (h: MatchEntry['match']['headers'][number]) => {
    const v = headers[h.name.toLowerCase()];
    if (v === undefined) return false;
    return h.type === 'RegularExpression' ? new RegExp(`^(?:${h.value})$`).test(v) : v === h.value;
  };
  if (!m.headers.every(header)) return false;
  if (m.queryParams.some((q) => req.query[q.name] !== q.value)) return false;
  return m.method === undefined || m.method === req.method;
}

type GeneratedRoute = {
  name: string;
  namespace: string;
  hostnames?: string[] | undefined;
  creationTimestamp: string;
  rules: { matches: Record<string, unknown>[] }[];
};
type GeneratedRequest = {
  host: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
};

/** Translates `routes`, then checks every request against the oracle; returns how many found a route. */
function routesAgree(routes: GeneratedRoute[], requests: GeneratedRequest[]): number {
  let decided = 0;
  const inputs: RouteInput[] = [];
  for (const r of routes) {
    const result = validate('HTTPRoute', {
      parentRefs: [{ name: 'gw', namespace: 'ns' }],
      ...(r.hostnames !== undefined ? { hostnames: r.hostnames } : {}),
      rules: r.rules.map((rule) => ({ ...rule, backendRefs: [{ name: 'svc', port: 80 }] })),
    });
    if (!result.ok) return 0;
    inputs.push({
      id: `${r.namespace}/${r.name}`,
      kind: 'HTTPRoute',
      namespace: r.namespace,
      name: r.name,
      generation: 1,
      creationTimestamp: r.creationTimestamp,
      spec: result.value as HTTPRouteSpec,
    });
  }
  const input: TranslateInput = {
    gateway: {
      id: 'g',
      accountId: 'a',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 1,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    },
    routes: inputs,
    referenceGrants: [],
    services: NAMESPACES.map((namespace) => ({
      namespace,
      name: 'svc',
      ports: [{ port: 80 }],
      endpoints: [],
    })),
    certificates: [],
    namespaces: [],
  };
  const { ir } = buildIR(input);
  const rc = selectRouteConfiguration(translateIR(ir), { port: 80 });
  expect(rc).toBeDefined();
  for (const req of requests) {
    const candidates: Candidate[] = [];
    for (const r of inputs) {
      const patterns = (r.spec as HTTPRouteSpec).hostnames?.length
        ? ((r.spec as HTTPRouteSpec).hostnames as string[])
        : ['*'];
      const covering = patterns
        .filter((p) => covers(p, req.host))
        .sort((a, b) => {
          const [ra, la] = specificity(a);
          const [rb, lb] = specificity(b);
          return (ra ?? 0) - (rb ?? 0) || (la ?? 0) - (lb ?? 0);
        });
      const hostname = covering[0];
      if (hostname === undefined) continue;
      for (const [i, rule] of ((r.spec as HTTPRouteSpec).rules ?? []).entries()) {
        for (const [j, spec] of rule.matches.entries()) {
          const m: MatchEntry['match'] = {
            path: spec.path,
            headers: (spec.headers ?? []).map((h) => ({
              type: h.type,
              name: h.name,
              value: h.value,
            })),
            queryParams: (spec.queryParams ?? []).map((q) => ({
              type: 'Exact',
              name: q.name,
              value: q.value,
            })),
            ...(spec.method !== undefined ? { method: spec.method } : {}),
          };
          if (matches(m, req)) candidates.push({ route: r, rule: i, matchIndex: j, match: m, hostname });
        }
      }
    }
    candidates.sort(byPrecedence);
    const winner = candidates[0];
    const expected =
      winner === undefined
        ? null
        : `httproute/${winner.route.namespace}/${winner.route.name}/rule/${winner.rule}/match/${winner.matchIndex}`;
    const outcome = evaluateRoute(rc ?? {}, {
      host: req.host,
      path: req.path,
      method: req.method,
      headers: req.headers,
      query: req.query,
    });
    expect(outcome.route, JSON.stringify(req)).toBe(expected);
    if (expected !== null) decided++;
  }
  return decided;
}

const runs = Number(process.env['PROPERTY_RUNS'] ?? 300);

describe('routing agrees with the Gateway API rules', () => {
  it('picks the same route as the spec for arbitrary routes and requests', () => {
    let decided = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(route, { minLength: 1, maxLength: 4, selector: (r) => r.name }),
        fc.array(request, { minLength: 1, maxLength: 8 }),
        (routes, requests) => {
          decided += routesAgree(routes, requests);
        },
      ),
      { numRuns: runs },
    );
    expect(decided).toBeGreaterThan(100);
  });

  it('breaks ties between routes with the same matches as the spec says (oldest, then namespace/name)', () => {
    // Same rules and hostnames on every route: only creationTimestamp and namespace/name can decide.
    const tied = fc
      .tuple(
        route,
        fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^[a-z]{1,2}$/),
            namespace: fc.constantFrom(...NAMESPACES),
            creationTimestamp: fc.constantFrom(...TIMESTAMPS),
          }),
          { minLength: 2, maxLength: 4, selector: (r) => `${r.namespace}/${r.name}` },
        ),
      )
      .map(([base, ids]) => ids.map((id) => ({ ...base, ...id })));
    let decided = 0;
    fc.assert(
      fc.property(tied, fc.array(request, { minLength: 1, maxLength: 8 }), (routes, requests) => {
        decided += routesAgree(routes, requests);
      }),
      { numRuns: runs },
    );
    expect(decided).toBeGreaterThan(100);
  });
});
