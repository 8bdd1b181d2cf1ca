// The upstream ConformanceReport (gateway.networking.k8s.io/v1, conformance/apis/v1 of Gateway API): one
// profile report per claimed profile, core and extended, with statistics and the skipped and failed tests.
// Deterministic: sorted lists, a fixed date, no timing; a skipped test's reason is a YAML comment beside it
// (the upstream format has no field for it).
import { Document, isScalar, isSeq, type Node } from 'yaml';
import { PROFILES, type ConformanceCase, type ProfileName } from './suite.js';

export type Outcome =
  { result: 'passed' } | { result: 'failed'; reason: string } | { result: 'skipped'; reason: string };

export interface ReportInput {
  implementation: { organization: string; project: string; url: string; version: string; contact: string[] };
  date: string;
  gatewayAPIVersion: string;
  gatewayAPIChannel: 'standard' | 'experimental';
  mode: string;
  profiles: ProfileName[];
  /** What the GatewayClass reports in status.supportedFeatures. */
  supportedFeatures: string[];
  cases: ConformanceCase[];
  outcomes: Map<string, Outcome>;
}

interface Level {
  result: 'success' | 'partial' | 'failure';
  statistics: { Failed: number; Passed: number; Skipped: number };
  skippedTests?: string[];
  failedTests?: string[];
}

/**
 * Whether a test belongs to a profile, and at which level (its features all core: core): as upstream, when every
 * feature it needs is one of the profile's (so a test of Gateway, ListenerSet and ReferenceGrant is an extended
 * test of GATEWAY-HTTP, which claims ListenerSet, without naming HTTPRoute).
 */
export function levelOf(c: ConformanceCase, profile: ProfileName): 'core' | 'extended' | undefined {
  const p = PROFILES[profile];
  if (!c.features.every((f) => p.core.includes(f) || p.extended.includes(f))) return undefined;
  return c.features.every((f) => p.core.includes(f)) ? 'core' : 'extended';
}

function level(cases: ConformanceCase[], outcomes: Map<string, Outcome>): Level {
  const by = (r: Outcome['result']) =>
    cases
      .filter((c) => outcomes.get(c.name)?.result === r)
      .map((c) => c.name)
      .sort();
  const [passed, skipped, failed] = [by('passed'), by('skipped'), by('failed')];
  const missing = cases.filter((c) => !outcomes.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new Error(`no outcome for ${missing.join(', ')}`);
  return {
    result: failed.length > 0 ? 'failure' : skipped.length > 0 ? 'partial' : 'success',
    statistics: { Failed: failed.length, Passed: passed.length, Skipped: skipped.length },
    ...(skipped.length > 0 ? { skippedTests: skipped } : {}),
    ...(failed.length > 0 ? { failedTests: failed } : {}),
  };
}

const describe = (what: string, l: Level) =>
  l.result === 'success'
    ? `${what} tests succeeded.`
    : l.result === 'partial'
      ? `${what} tests partially succeeded with ${l.statistics.Skipped} test skips.`
      : `${what} tests failed with ${l.statistics.Failed} test failures.`;

export function buildReport(input: ReportInput): string {
  const profiles = [...input.profiles].sort().map((name) => {
    const core = level(
      input.cases.filter((c) => levelOf(c, name) === 'core'),
      input.outcomes,
    );
    const p = PROFILES[name];
    const supported = p.extended.filter((f) => input.supportedFeatures.includes(f)).sort();
    const unsupported = p.extended.filter((f) => !input.supportedFeatures.includes(f)).sort();
    const extendedCases = input.cases.filter(
      (c) =>
        levelOf(c, name) === 'extended' &&
        c.features.every((f) => p.core.includes(f) || supported.includes(f)),
    );
    const extended = {
      ...level(extendedCases, input.outcomes),
      supportedFeatures: supported,
      unsupportedFeatures: unsupported,
    };
    if (supported.length === 0) delete (extended as { supportedFeatures?: string[] }).supportedFeatures;
    return {
      name,
      summary: `${describe('Core', core)} ${describe('Extended', extended)}`,
      core,
      extended,
    };
  });
  const report = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ConformanceReport',
    implementation: input.implementation,
    date: input.date,
    gatewayAPIVersion: input.gatewayAPIVersion,
    gatewayAPIChannel: input.gatewayAPIChannel,
    mode: input.mode,
    profiles,
  };
  const doc = new Document(report);
  // Each skipped or failed test carries its reason as a comment.
  const annotate = (node: Node | null | undefined) => {
    if (!isSeq(node)) return;
    for (const item of node.items) {
      if (!isScalar(item)) continue;
      const o = input.outcomes.get(String(item.value));
      if (o && o.result !== 'passed') item.comment = ` ${o.reason.replace(/\s+/g, ' ')}`;
    }
  };
  for (let i = 0; i < profiles.length; i++) {
    for (const lvl of ['core', 'extended'])
      for (const list of ['skippedTests', 'failedTests'])
        annotate(doc.getIn(['profiles', i, lvl, list], true) as Node | undefined);
  }
  doc.commentBefore =
    ' Generated by apps/agent/src/conformance/conformance.integration.test.ts (see docs/conformance/README.md).\n' +
    ' Do not edit: rerun the test.';
  return doc.toString({ lineWidth: 0 });
}
