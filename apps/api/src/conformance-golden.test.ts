import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { unmetExpectations } from '../../../packages/gateway-translator/src/test-support/expectations.js';
import { parseFixture } from '../../../packages/gateway-translator/src/test-support/fixture.js';
import { applyConformanceTest } from './test-support/conformance.js';
import { conditionSummary, type StatusCondition } from './test-support/conformance-trace.js';
import { rest, testEnv, type TestEnv } from './test-support/harness.js';

// The upstream conformance tests that a golden fixture of the translator models (its `conformance:` key, its
// routes exactly the manifest's routes on its gateway), applied through the API from their own manifests (one
// account per test): every route's status must be the golden status (the same Accepted/ResolvedRefs reasons
// per parent), and every request of the fixture's table must get, through the trace API on the rendered
// configuration, the outcome the fixture expects. The translator's golden tests check the same tables on the
// translator alone; here the store, the reconciler and the API are in the way.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const goldenDir = path.join(repo, 'packages/gateway-translator/testdata');
const testsDir = path.join(repo, 'k8s/gateway-api/conformance/tests');

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}
type Ref = { name: string; namespace?: string; kind?: string };

/**
 * The manifest whose routes on `gateway` are exactly the fixture's; among several (the same routes with other
 * ReferenceGrants), the one named like the test (HTTPRouteWeight → httproute-weight.yaml).
 */
function manifestOf(
  test: string,
  gateway: string,
  routes: { namespace: string; spec: unknown }[],
): string | undefined {
  const matching = readdirSync(testsDir)
    .sort()
    .filter((file) => routesMatch(file, gateway, routes));
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  return matching.find((f) => squash(f.replace(/\.yaml$/, '')) === squash(test)) ?? matching[0];
}

function routesMatch(file: string, gateway: string, routes: { namespace: string; spec: unknown }[]): boolean {
  {
    const objects = parseAllDocuments(readFileSync(path.join(testsDir, file), 'utf8'))
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    const onGateway = objects.filter(
      (o) =>
        o.kind.endsWith('Route') &&
        ((o.spec?.['parentRefs'] ?? []) as Ref[]).some(
          (p) =>
            (p.kind ?? 'Gateway') === 'Gateway' &&
            `${p.namespace ?? o.metadata.namespace}/${p.name}` === gateway,
        ),
    );
    if (onGateway.length === 0 || onGateway.length !== routes.length) return false;
    return onGateway.every((o) =>
      routes.some((r) => r.namespace === o.metadata.namespace && isDeepStrictEqual(r.spec, o.spec)),
    );
  }
}

interface GoldenRouteStatus {
  namespace: string;
  name: string;
  parents: { parentRef: { namespace: string; name: string }; conditions: StatusCondition[] }[];
}

const cases = readdirSync(goldenDir)
  .filter((f) => f.endsWith('.in.yaml'))
  .sort()
  .flatMap((f) => {
    const doc = parse(readFileSync(path.join(goldenDir, f), 'utf8')) as {
      conformance?: string;
      routes?: { namespace: string; spec: unknown }[];
    };
    if (doc.conformance === undefined) return [];
    const fx = parseFixture(doc);
    const gateway = `${fx.input.gateway.namespace}/${fx.input.gateway.name}`;
    const manifest = manifestOf(doc.conformance, gateway, doc.routes ?? []);
    if (manifest === undefined) return [];
    const out = parse(readFileSync(path.join(goldenDir, f.replace('.in.yaml', '.out.yaml')), 'utf8')) as {
      status: { routes: GoldenRouteStatus[] };
    };
    return [
      {
        fixture: f,
        name: doc.conformance,
        gateway,
        manifest,
        requests: fx.requests,
        routes: out.status.routes,
      },
    ];
  });

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

describe('upstream manifests modelled by golden fixtures, through the API', () => {
  it('finds the manifests of the golden fixtures that model an upstream test', () => {
    // A fixture renamed or edited away from its manifest would drop out silently.
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of cases) {
    it(`${c.name} (${c.manifest}, golden ${c.fixture}): route statuses and the request table`, async () => {
      const t = await applyConformanceTest(
        env,
        c.manifest,
        `golden-${c.fixture.replace(/\.in\.yaml$/, '').slice(0, 40)}`,
      );
      const gatewayId = t.gateways.get(c.gateway);
      expect(gatewayId, `gateway ${c.gateway}`).toBeDefined();
      const problems: string[] = [];
      for (const golden of c.routes) {
        const id = t.routes.get(`${golden.namespace}/${golden.name}`);
        if (id === undefined) continue;
        const r = await rest(env, 'GET', `/routes/${id}`, t.key);
        const mine = (r.body['status']?.parents ?? []) as GoldenRouteStatus['parents'];
        for (const want of golden.parents) {
          const ref = `${want.parentRef.namespace}/${want.parentRef.name}`;
          if (ref !== c.gateway) continue;
          const got = mine.find((p) => `${p.parentRef.namespace}/${p.parentRef.name}` === ref);
          const wanted = conditionSummary(want.conditions);
          if (!isDeepStrictEqual(got && conditionSummary(got.conditions), wanted))
            problems.push(
              `${golden.namespace}/${golden.name} on ${ref}: ${JSON.stringify(got?.conditions)} ≠ ${JSON.stringify(wanted)}`,
            );
        }
      }
      for (const r of c.requests) {
        const { name: _n, ...request } = r.request as typeof r.request & { name?: string };
        const input = { ...request, ...(r.port !== undefined ? { port: r.port } : {}) };
        const res = await rest(env, 'POST', `/gateways/${gatewayId}/trace`, t.key, input);
        if (r.expect.refused !== undefined) {
          if (res.body['connection'] !== 'refused')
            problems.push(`${JSON.stringify(input)}: expected refused`);
          continue;
        }
        if (res.status !== 200 || res.body['connection'] !== 'accepted') {
          problems.push(`${JSON.stringify(input)}: ${res.status} ${res.raw.slice(0, 200)}`);
          continue;
        }
        problems.push(
          ...unmetExpectations(res.body['outcome'], r.expect).map((p) => `${JSON.stringify(input)}: ${p}`),
        );
      }
      expect(problems).toEqual([]);
    });
  }
});
