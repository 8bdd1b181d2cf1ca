import { expect } from 'vitest';
import type { AppliedTest } from './conformance.js';
import { rest, type TestEnv } from './harness.js';

// What the conformance-manifest suites read back through the API: conditions as `status/reason` by type, and the
// request trace's outcome (the fields they assert).

export const INFRA = 'gateway-conformance-infra';
/** The base manifests' HTTP Gateway on port 80 that most route tests attach to. */
export const SAME_NAMESPACE = `${INFRA}/same-namespace`;
/** The cluster of a Service port of the infra namespace. */
export const serviceCluster = (name: string, port = 8080) => `service/${INFRA}/${name}/${port}`;

export interface StatusCondition {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
  message?: string;
}
/** `{ Accepted: 'True/Accepted', … }` */
export const conditionSummary = (cs: readonly StatusCondition[]): Record<string, string> =>
  Object.fromEntries(cs.map((c) => [c.type, `${c.status}/${c.reason}`]));

export interface TraceOutcome {
  status?: number;
  route?: string | null;
  timeout?: string;
  retryPolicy?: Record<string, unknown>;
  rewrite?: { host?: string; path?: string };
  mirrors: { cluster: string; percent: number }[];
  action: {
    type: string;
    location?: string;
    status?: number;
    clusters?: {
      name: string;
      weight: number;
      requestHeaders: Record<string, string>;
      responseHeaders: { set: Record<string, string>; add: Record<string, string[]>; remove: string[] };
      upstreamProtocol?: string;
      upstreamTls?: { clientCertificate: boolean };
    }[];
  };
  corsResponse?: { preflight: boolean; originAllowed: boolean; headers: Record<string, string> };
}

/** The outcome of a request the gateway (`namespace/name` of the test) accepts the connection for. */
export async function traceOutcome(
  env: TestEnv,
  t: AppliedTest,
  gateway: string,
  input: Record<string, unknown>,
): Promise<TraceOutcome> {
  const r = await rest(env, 'POST', `/gateways/${t.gateways.get(gateway)}/trace`, t.key, input);
  expect(r.status, r.raw).toBe(200);
  expect(r.body['connection'], r.raw).toBe('accepted');
  return r.body['outcome'] as TraceOutcome;
}
