import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, reconcile, type AppliedTest } from './test-support/conformance.js';
import { rest, testEnv, type TestEnv } from './test-support/harness.js';

// Upstream conformance tests applied through the API from their own manifests (one account per test), with
// the statuses and trace outcomes the specification requires.

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

interface Condition {
  type: string;
  status: string;
  reason: string;
}
async function routeConditions(t: AppliedTest, route: string): Promise<Condition[]> {
  const r = await rest(env, 'GET', `/routes/${t.routes.get(route)}`, t.key);
  return (r.body['status']?.parents ?? []).flatMap((p: { conditions: Condition[] }) => p.conditions);
}
const condition = (cs: Condition[], type: string) => cs.find((c) => c.type === type);
async function trace(t: AppliedTest, gateway: string, input: Record<string, unknown>) {
  const r = await rest(env, 'POST', `/gateways/${t.gateways.get(gateway)}/trace`, t.key, input);
  expect(r.status, r.raw).toBe(200);
  return r.body;
}
const onlyCluster = (outcome: { action?: { clusters?: { name: string }[] } }) =>
  (outcome.action?.clusters ?? []).map((c) => c.name);

describe('HTTPRouteCrossNamespace (core)', () => {
  const GW = 'gateway-conformance-infra/backend-namespaces';
  const ROUTE = 'gateway-conformance-web-backend/cross-namespace';

  it('attaches through the listener selector on the namespace labels and routes to the backend namespace', async () => {
    const t = await applyConformanceTest(env, 'httproute-cross-namespace.yaml', 'conf-cross-ns');
    const cs = await routeConditions(t, ROUTE);
    expect(condition(cs, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(cs, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    const gw = await rest(env, 'GET', `/gateways/${t.gateways.get(GW)}`, t.key);
    expect(gw.body['status'].listeners).toEqual([
      expect.objectContaining({ name: 'http', attachedRoutes: 1 }),
    ]);
    const out = await trace(t, GW, { host: 'example.com', path: '/' });
    expect(onlyCluster(out['outcome'])).toEqual(['service/gateway-conformance-web-backend/web-backend/8080']);
  });

  it('is not allowed by the listener while the namespace has no stored labels, and is once they are', async () => {
    const t = await applyConformanceTest(env, 'httproute-cross-namespace.yaml', 'conf-cross-ns-nolabels', {
      namespaceLabels: false,
    });
    expect(condition(await routeConditions(t, ROUTE), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'NotAllowedByListeners',
    });
    const put = await rest(env, 'PUT', '/namespaces', t.key, {
      name: 'gateway-conformance-web-backend',
      labels: { 'gateway-conformance': 'backend' },
    });
    expect(put.status, put.raw).toBe(201);
    await reconcile(env);
    expect(condition(await routeConditions(t, ROUTE), 'Accepted')).toMatchObject({ status: 'True' });
    const del = await rest(env, 'DELETE', `/namespaces/${put.body['id']}`, t.key);
    expect(del.status).toBe(204);
    await reconcile(env);
    expect(condition(await routeConditions(t, ROUTE), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'NotAllowedByListeners',
    });
  });
});

describe('HTTPRouteHTTPSListenerDetectMisdirectedRequests (extended)', () => {
  const GW = 'gateway-conformance-infra/same-namespace-with-https-listener';
  // The upstream test's table: TLS server name, Host, and the answer (a backend or a status).
  const cases: [string, string, string | number][] = [
    ['example.org', 'example.org', 'infra-backend-v1'],
    ['example.org', 'second-example.org', 421],
    ['example.org', 'unknown-example.org', 404],
    ['second-example.org', 'second-example.org', 'infra-backend-v2'],
    ['second-example.org', 'example.org', 421],
    ['second-example.org', 'unknown-example.org', 421],
    ['third-example.wildcard.org', 'third-example.wildcard.org', 'infra-backend-v3'],
    ['third-example.wildcard.org', 'fith-example.wildcard.org', 'infra-backend-v3'],
    ['third-example.wildcard.org', 'fourth-example.wildcard.org', 421],
    ['third-example.wildcard.org', 'second-example.org', 421],
    ['third-example.wildcard.org', 'unknown-example.org', 421],
    ['fourth-example.wildcard.org', 'fourth-example.wildcard.org', 'infra-backend-v1'],
    ['fourth-example.wildcard.org', 'fith-example.wildcard.org', 421],
    ['unknown-example.org', 'example.org', 'infra-backend-v1'],
    ['unknown-example.org', 'unknown-example.org', 404],
  ];

  it('answers 421 when the Host names another listener than the TLS server name, 404 when none', async () => {
    const t = await applyConformanceTest(
      env,
      'httproute-https-listener-detect-misdirected-requests.yaml',
      'conf-misdirected',
    );
    for (const route of t.routes.keys()) {
      const cs = await routeConditions(t, route);
      expect(condition(cs, 'Accepted'), route).toMatchObject({ status: 'True' });
      expect(condition(cs, 'ResolvedRefs'), route).toMatchObject({ status: 'True' });
    }
    const got = [];
    for (const [serverName, host] of cases) {
      const out = await trace(t, GW, { serverName, host, path: '/detect-misdirected-requests' });
      const outcome = out['outcome'];
      const clusters = onlyCluster(outcome);
      got.push([
        serverName,
        host,
        outcome.status ?? clusters.map((c) => c.split('/')[2]).join(',') ?? 'none',
      ]);
    }
    expect(got).toEqual(cases);
  });
});
