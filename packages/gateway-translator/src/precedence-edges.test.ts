import { describe, expect, it } from 'vitest';
import type { RouteInput } from './input.js';
import type { IRMatch } from './ir.js';
import { compareMatchEntries, compareRoutes, type MatchEntry } from './precedence.js';

// The production comparators one criterion at a time (docs/MUTATION.md). The routing oracle checks the
// outcome against its own precedence function; these pin each tie-break of the spec (HTTPRouteRule).

const route = (name: string, creationTimestamp?: string, namespace = 'ns', kind = 'HTTPRoute'): RouteInput =>
  ({
    id: name,
    kind,
    namespace,
    name,
    generation: 1,
    ...(creationTimestamp !== undefined ? { creationTimestamp } : {}),
    spec: {},
  }) as RouteInput;

const match = (type: IRMatch['path']['type'], value: string, extra: Partial<IRMatch> = {}): IRMatch => ({
  path: { type, value },
  headers: [],
  queryParams: [],
  ...extra,
});

const entry = (
  label: string,
  m: IRMatch,
  over: Partial<MatchEntry> = {},
): MatchEntry & { label: string } => ({
  label,
  route: route(label),
  rule: 0,
  matchIndex: 0,
  match: m,
  hostname: 'example.com',
  ...over,
});

/** Labels in precedence order; each pair is also checked both ways round. */
function order(...entries: (MatchEntry & { label: string })[]): string[] {
  for (const a of entries)
    for (const b of entries)
      if (a !== b) expect(Math.sign(compareMatchEntries(a, b))).toBe(-Math.sign(compareMatchEntries(b, a)));
  return [...entries].sort(compareMatchEntries).map((e) => e.label);
}

const h = { name: 'x', type: 'Exact' as const, value: '1' };

describe('compareMatchEntries', () => {
  it('ranks exact paths, then regular expressions, then prefixes', () => {
    expect(
      order(
        entry('p', match('PathPrefix', '/abcdef')),
        entry('r', match('RegularExpression', '/a.*')),
        entry('e', match('Exact', '/a')),
      ),
    ).toEqual(['e', 'r', 'p']);
  });

  it('prefers the longer prefix, ignoring trailing slashes only at the end', () => {
    // "/a///" is "/a" as a prefix: shorter than "/abc", though longer as a string.
    expect(
      order(entry('a-slashes', match('PathPrefix', '/a///')), entry('b-abc', match('PathPrefix', '/abc'))),
    ).toEqual(['b-abc', 'a-slashes']);
    expect(
      order(entry('a-inner', match('PathPrefix', '/x//y')), entry('b-abcd', match('PathPrefix', '/abcd'))),
    ).toEqual(['a-inner', 'b-abcd']);
  });

  it('compares exact paths and regular expressions by their full length, slashes included', () => {
    expect(
      order(entry('b-short', match('Exact', '/abcd')), entry('a-slashes', match('Exact', '/a////'))),
    ).toEqual(['a-slashes', 'b-short']);
    expect(
      order(
        entry('b-short', match('RegularExpression', '/a.')),
        entry('a-slashes', match('RegularExpression', '/a////')),
      ),
    ).toEqual(['a-slashes', 'b-short']);
  });

  it('then prefers a method, more headers, more query parameters', () => {
    expect(
      order(
        entry('a-none', match('PathPrefix', '/')),
        entry('b-method', match('PathPrefix', '/', { method: 'GET' })),
      ),
    ).toEqual(['b-method', 'a-none']);
    expect(
      order(
        entry('a-one', match('PathPrefix', '/', { headers: [h] })),
        entry('b-two', match('PathPrefix', '/', { headers: [h, { ...h, name: 'y' }] })),
      ),
    ).toEqual(['b-two', 'a-one']);
    expect(
      order(
        entry('a-one', match('PathPrefix', '/', { queryParams: [h] })),
        entry('b-two', match('PathPrefix', '/', { queryParams: [h, { ...h, name: 'y' }] })),
        entry('c-none', match('PathPrefix', '/')),
      ),
    ).toEqual(['b-two', 'a-one', 'c-none']);
  });

  it('then prefers the more specific route hostname: non-wildcard characters, then characters', () => {
    const m = match('PathPrefix', '/');
    expect(
      order(
        entry('a-any', m, { hostname: '*' }),
        entry('b-wild-short', m, { hostname: '*.com' }),
        entry('c-wild-long', m, { hostname: '*.example.com' }),
        entry('d-exact-short', m, { hostname: 'a.com' }),
        entry('e-exact-long', m, { hostname: 'www.a.com' }),
      ),
    ).toEqual(['e-exact-long', 'd-exact-short', 'c-wild-long', 'b-wild-short', 'a-any']);
  });

  it('then the oldest route, then "{namespace}/{name}", then kind, rule and match order', () => {
    const m = match('PathPrefix', '/');
    const at = (label: string, ts?: string, ns = 'ns') => entry(label, m, { route: route(label, ts, ns) });
    expect(order(at('a-new', '2026-01-02T00:00:00Z'), at('b-old', '2026-01-01T00:00:00Z'))).toEqual([
      'b-old',
      'a-new',
    ]);
    // Compared as times, not strings: "+01:00" is an hour earlier than the same wall time in UTC.
    expect(order(at('a-utc', '2026-01-01T00:30:00Z'), at('b-plus1', '2026-01-01T01:00:00+01:00'))).toEqual([
      'b-plus1',
      'a-utc',
    ]);
    // Without a timestamp on either side, age does not decide: the name does.
    expect(order(at('b-dated', '2020-01-01T00:00:00Z'), at('a-undated'))).toEqual(['a-undated', 'b-dated']);
    expect(order(at('b-undated'), at('a-dated', '2030-01-01T00:00:00Z'))).toEqual(['a-dated', 'b-undated']);
    // Unparseable timestamps compare as strings, even when only one of them is.
    expect(order(at('a-bad', 'zzz'), at('b-good', '2026-01-01T00:00:00Z'))).toEqual(['b-good', 'a-bad']);
    expect(order(at('b-x', 'x'), at('a-y', 'y'))).toEqual(['b-x', 'a-y']);
    const [first] = [
      entry('x', m, { route: route('x', undefined, 'ns') }),
      entry('x', m, { route: route('x', undefined, 'ns-a') }),
    ].sort(compareMatchEntries);
    expect(first?.route.namespace).toBe('ns-a');
    const kinds = [
      entry('r', m, { route: route('r', undefined, 'ns', 'HTTPRoute') }),
      entry('r', m, { route: route('r', undefined, 'ns', 'GRPCRoute') }),
    ].sort(compareMatchEntries);
    expect(kinds.map((e) => e.route.kind)).toEqual(['GRPCRoute', 'HTTPRoute']);
    const same = route('same');
    const idx = [
      entry('r1m1', m, { route: same, rule: 1, matchIndex: 1 }),
      entry('r1m0', m, { route: same, rule: 1, matchIndex: 0 }),
      entry('r0m2', m, { route: same, rule: 0, matchIndex: 2 }),
    ];
    expect(order(...idx)).toEqual(['r0m2', 'r1m0', 'r1m1']);
    expect(compareMatchEntries(idx[0]!, idx[0]!)).toBe(0);
  });
});

describe('compareRoutes', () => {
  it('orders the oldest first, then "{namespace}/{name}" as one string, then kind', () => {
    const sorted = (...rs: RouteInput[]) =>
      [...rs].sort(compareRoutes).map((r) => `${r.kind}:${r.namespace}/${r.name}`);
    expect(sorted(route('a', '2026-01-02T00:00:00Z'), route('b', '2026-01-01T00:00:00Z'))).toEqual([
      'HTTPRoute:ns/b',
      'HTTPRoute:ns/a',
    ]);
    expect(sorted(route('x', undefined, 'ns'), route('x', undefined, 'ns-a'))).toEqual([
      'HTTPRoute:ns-a/x',
      'HTTPRoute:ns/x',
    ]);
    expect(sorted(route('x', undefined, 'ns', 'TLSRoute'), route('x', undefined, 'ns', 'TCPRoute'))).toEqual([
      'TCPRoute:ns/x',
      'TLSRoute:ns/x',
    ]);
    expect(compareRoutes(route('x'), route('x'))).toBe(0);
  });
});
