import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildReport, levelOf, type Outcome, type ReportInput } from './report.js';
import { CASES, type ConformanceCase } from './suite.js';

const c = (name: string, features: string[]): ConformanceCase => ({ name, file: `${name}.yaml`, features });

const input = (outcomes: [string, Outcome][], cases: ConformanceCase[]): ReportInput => ({
  implementation: { organization: 'o', project: 'p', url: 'u', version: '1', contact: ['c'] },
  date: '2026-01-01T00:00:00Z',
  gatewayAPIVersion: 'v1.6.1',
  gatewayAPIChannel: 'standard',
  mode: 'default',
  profiles: ['GATEWAY-HTTP', 'GATEWAY-GRPC'],
  supportedFeatures: ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching', 'GRPCRoute'],
  cases,
  outcomes: new Map(outcomes),
});

describe('the ConformanceReport', () => {
  it('puts a test in the profiles of its route kind, core when all its features are core', () => {
    expect(levelOf(c('a', ['Gateway', 'HTTPRoute']), 'GATEWAY-HTTP')).toBe('core');
    expect(levelOf(c('a', ['Gateway', 'HTTPRoute']), 'GATEWAY-GRPC')).toBeUndefined();
    expect(levelOf(c('a', ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching']), 'GATEWAY-HTTP')).toBe(
      'extended',
    );
    // Gateway-only tests are core in every profile; a test needing another kind is in none of HTTP's.
    expect(levelOf(c('a', ['Gateway']), 'GATEWAY-GRPC')).toBe('core');
    expect(levelOf(c('a', ['Gateway', 'HTTPRoute', 'TLSRoute']), 'GATEWAY-HTTP')).toBeUndefined();
    // Every feature one of the profile's, also without its route kind (upstream ListenerSetReferenceGrant).
    expect(levelOf(c('a', ['Gateway', 'ListenerSet', 'ReferenceGrant']), 'GATEWAY-HTTP')).toBe('extended');
    expect(levelOf(c('a', ['Gateway', 'ListenerSet', 'ReferenceGrant']), 'GATEWAY-GRPC')).toBeUndefined();
    expect(levelOf(c('a', ['Gateway', 'ListenerSet', 'TCPRoute']), 'GATEWAY-HTTP')).toBeUndefined();
  });

  it('counts, lists and explains: failed beats skipped beats success; reasons are comments', () => {
    const cases = [
      c('A', ['Gateway', 'HTTPRoute']),
      c('B', ['Gateway', 'HTTPRoute']),
      c('G', ['Gateway']),
      c('M', ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching']),
      c('R', ['Gateway', 'GRPCRoute']),
    ];
    const text = buildReport(
      input(
        [
          ['A', { result: 'passed' }],
          ['B', { result: 'failed', reason: 'no labels' }],
          ['G', { result: 'skipped', reason: 'not asserted' }],
          ['M', { result: 'passed' }],
          ['R', { result: 'passed' }],
        ],
        cases,
      ),
    );
    const report = parse(text);
    expect(report).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'ConformanceReport' });
    const [grpc, http] = report.profiles;
    expect(http).toMatchObject({
      name: 'GATEWAY-HTTP',
      core: {
        result: 'failure',
        statistics: { Failed: 1, Passed: 1, Skipped: 1 },
        skippedTests: ['G'],
        failedTests: ['B'],
      },
      extended: {
        result: 'success',
        statistics: { Failed: 0, Passed: 1, Skipped: 0 },
        supportedFeatures: ['HTTPRouteMethodMatching'],
      },
    });
    expect(http.extended.unsupportedFeatures).toContain('HTTPRouteQueryParamMatching');
    expect(grpc.core).toMatchObject({ result: 'partial', statistics: { Passed: 1, Skipped: 1 } });
    expect(text).toContain('- B # no labels');
    expect(text).toContain('- G # not asserted');
    // Same input, same bytes.
    expect(buildReport(input([...parseOutcomes(text, cases)], cases))).toBe(text);
  });

  it('refuses to report a case without an outcome', () => {
    expect(() => buildReport(input([], [c('A', ['Gateway', 'HTTPRoute'])]))).toThrow(/no outcome for A/);
  });

  it('every case of the suite names a distinct upstream test', () => {
    expect(new Set(CASES.map((x) => x.name)).size).toBe(CASES.length);
    expect(new Set(CASES.map((x) => x.file)).size).toBe(CASES.length);
  });
});

/** The outcomes a report says (for the byte-stability check). */
function parseOutcomes(text: string, cases: ConformanceCase[]): [string, Outcome][] {
  const reasons = new Map<string, string>();
  for (const m of text.matchAll(/- (\w+) # (.+)/g)) reasons.set(m[1]!, m[2]!);
  const report = parse(text);
  const failed = new Set<string>();
  const skipped = new Set<string>();
  for (const p of report.profiles)
    for (const lvl of [p.core, p.extended]) {
      for (const t of lvl.failedTests ?? []) failed.add(t);
      for (const t of lvl.skippedTests ?? []) skipped.add(t);
    }
  return cases.map((x): [string, Outcome] =>
    failed.has(x.name)
      ? [x.name, { result: 'failed', reason: reasons.get(x.name)! }]
      : skipped.has(x.name)
        ? [x.name, { result: 'skipped', reason: reasons.get(x.name)! }]
        : [x.name, { result: 'passed' }],
  );
}
