import { isDeepStrictEqual } from 'node:util';
import type { RouteOutcome } from '../evaluate-route.js';
import type { Expectation } from './fixture.js';

/** Every way `outcome` differs from what the fixture expects; empty when it meets the expectation. */
export function unmetExpectations(outcome: RouteOutcome, expect: Expectation): string[] {
  const problems: string[] = [];
  const differ = (what: string, actual: unknown, expected: unknown) => {
    if (!isDeepStrictEqual(actual, expected))
      problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  const clusters = outcome.action.type === 'route' ? outcome.action.clusters : [];
  if (expect.status !== undefined) differ('status', outcome.status ?? 200, expect.status);
  if (expect.virtualHost !== undefined) differ('virtualHost', outcome.virtualHost, expect.virtualHost);
  if (expect.route !== undefined) differ('route', outcome.route, expect.route);
  if (expect.backend !== undefined) {
    const live = clusters.filter((c) => c.weight > 0 && c.status === undefined).map((c) => c.name);
    if (live.length !== 1 || !live[0]?.startsWith(`service/${expect.backend}/`)) {
      problems.push(`backend: expected all traffic to ${expect.backend}, got ${JSON.stringify(live)}`);
    }
  }
  if (expect.clusters !== undefined) {
    differ('clusters', Object.fromEntries(clusters.map((c) => [c.name, c.weight])), expect.clusters);
  }
  if (expect.location !== undefined) {
    differ(
      'location',
      outcome.action.type === 'redirect' ? outcome.action.location : undefined,
      expect.location,
    );
  }
  if (expect.requestHeaders !== undefined) {
    if (clusters.length === 0) problems.push('requestHeaders: the request is not forwarded');
    for (const c of clusters) {
      for (const [name, value] of Object.entries(expect.requestHeaders)) {
        differ(`requestHeaders[${name}] to ${c.name}`, c.requestHeaders[name.toLowerCase()] ?? null, value);
      }
    }
  }
  if (expect.responseHeaders !== undefined) {
    for (const c of clusters) {
      const { set, add, remove } = expect.responseHeaders;
      if (set !== undefined) differ(`responseHeaders.set of ${c.name}`, c.responseHeaders.set, set);
      if (add !== undefined) differ(`responseHeaders.add of ${c.name}`, c.responseHeaders.add, add);
      if (remove !== undefined)
        differ(`responseHeaders.remove of ${c.name}`, c.responseHeaders.remove, remove);
    }
  }
  if (expect.rewrite !== undefined) differ('rewrite', outcome.rewrite ?? {}, expect.rewrite);
  if (expect.mirrors !== undefined) differ('mirrors', outcome.mirrors, expect.mirrors);
  if (expect.timeout !== undefined) differ('timeout', outcome.timeout, expect.timeout);
  if (expect.retryPolicy !== undefined) differ('retryPolicy', outcome.retryPolicy, expect.retryPolicy);
  if (expect.cors !== undefined) differ('cors', outcome.cors, expect.cors);
  if (expect.corsResponse !== undefined) differ('corsResponse', outcome.corsResponse, expect.corsResponse);
  return problems;
}
