import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateResource } from '@epic/envoy-proto';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { traceRequest } from './select-route-configuration.js';
import { traceConnection } from './trace-connection.js';
import { traceDatagram } from './trace-udp.js';
import { translate } from './translate.js';
import type { EnvoyResources } from './translate-ir.js';
import { parseFixture, type ParsedFixture } from './test-support/fixture.js';
import { unmetExpectations } from './test-support/expectations.js';
import { deepFreeze } from './test-support/freeze.js';
import { grpcClientProblems } from './test-support/grpc-client-rules.js';

// Golden cases: testdata/<feature>-<case>.in.yaml → .out.yaml (Envoy resources, status, request outcomes).
// `UPDATE_GOLDEN=1 npx vitest run packages/gateway-translator` rewrites the outputs and deletes orphans;
// review the diff before committing.

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');
const update = process.env['UPDATE_GOLDEN'] === '1';
const cases = readdirSync(testdata)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

if (update) {
  for (const f of readdirSync(testdata).filter((f) => f.endsWith('.out.yaml'))) {
    if (!cases.includes(f.slice(0, -'.out.yaml'.length))) unlinkSync(join(testdata, f));
  }
}

function defaultPort(fixture: ParsedFixture): number {
  const ports = fixture.input.gateway.listeners.map((l) => l.port);
  return ports.includes(80) ? 80 : (ports[0] ?? 80);
}

function render(fixture: ParsedFixture) {
  const result = translate(fixture.input);
  if (result.resources === undefined) throw new Error(`invalid IR: ${JSON.stringify(result.issues)}`);
  const resources: EnvoyResources = result.resources;
  const requests = fixture.requests.map((r) => {
    const port = r.port ?? defaultPort(fixture);
    const trace = traceRequest(resources, { ...r.request, port });
    const outcome =
      trace.connection === 'refused'
        ? { connection: 'refused' as const, reason: trace.reason }
        : trace.outcome;
    return {
      request: { ...(r.name !== undefined ? { name: r.name } : {}), port, ...r.request },
      outcome,
      expect: r.expect,
    };
  });
  const datagrams = fixture.datagrams.map((d) => traceDatagram(resources, { port: d.port }));
  const connections = fixture.connections.map(({ expect: _e, ...c }) => traceConnection(resources, c));
  return { result, resources, requests, datagrams, connections };
}

describe('golden translations', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    describe(name, () => {
      let fixture: ParsedFixture;
      try {
        fixture = parseFixture(parse(readFileSync(join(testdata, `${name}.in.yaml`), 'utf8')));
      } catch (error) {
        it('parses', () => {
          throw error;
        });
        return;
      }
      deepFreeze(fixture.input);
      // Rendered by the first test that needs it, not while the tests are collected: mutation testing
      // (docs/MUTATION.md) switches a mutant on only for the tests, so output computed at collection time
      // would never see one, and these cases would kill nothing.
      let memo: { rendered: ReturnType<typeof render>; output: string } | undefined;
      const golden = () => {
        if (memo !== undefined) return memo;
        const rendered = render(fixture);
        const { result, resources, requests, datagrams, connections } = rendered;
        const output = stringify(
          {
            status: result.status,
            resources,
            requests: requests.map(({ request, outcome }) => ({ request, outcome })),
            ...(datagrams.length > 0 ? { datagrams } : {}),
            ...(connections.length > 0 ? { connections } : {}),
          },
          { lineWidth: 0, aliasDuplicateObjects: false },
        );
        return (memo = { rendered, output });
      };
      const outPath = join(testdata, `${name}.out.yaml`);

      it('matches the golden output', () => {
        const { output } = golden();
        if (update) writeFileSync(outPath, output);
        expect(existsSync(outPath), `${name}.out.yaml missing: run with UPDATE_GOLDEN=1`).toBe(true);
        expect(output).toBe(readFileSync(outPath, 'utf8'));
      });

      it('produces resources that validate against the Envoy protos', () => {
        const { resources } = golden().rendered;
        const errors = Object.values(resources)
          .flat()
          .flatMap((r) =>
            validateResource(r.typeUrl, r.resource).errors.map((e) => `${r.name}: ${e.path}: ${e.message}`),
          );
        expect(errors).toEqual([]);
      });

      it('uses only what gRPC xDS clients also accept (path specifiers, weights, localities)', () => {
        expect(grpcClientProblems(golden().rendered.resources)).toEqual([]);
      });

      it('is byte-stable across runs', () => {
        const { resources } = golden().rendered;
        expect(JSON.stringify(render(fixture).resources)).toBe(JSON.stringify(resources));
      });

      for (const [i, d] of fixture.datagrams.entries()) {
        it(`datagram ${i} to UDP port ${d.port} meets expectations`, () => {
          const trace = golden().rendered.datagrams[i]!;
          const wanted = d.expect;
          if (wanted.refused !== undefined) {
            expect(trace).toMatchObject({ connection: 'refused', reason: wanted.refused });
            return;
          }
          expect(trace.connection).toBe('accepted');
          if (trace.connection !== 'accepted') return;
          if (wanted.cluster !== undefined) expect(trace.cluster).toBe(wanted.cluster);
          if (wanted.backends !== undefined)
            expect(trace.backends.map((b) => ({ cluster: b.cluster, weight: b.weight }))).toEqual(
              wanted.backends,
            );
        });
      }

      for (const [i, c] of fixture.connections.entries()) {
        const sni = c.serverName !== undefined ? ` (SNI ${c.serverName})` : '';
        it(`connection ${i} to TCP port ${c.port}${sni} meets expectations`, () => {
          const trace = golden().rendered.connections[i]!;
          const wanted = c.expect;
          if (wanted.refused !== undefined) {
            expect(trace).toMatchObject({ connection: 'refused', reason: wanted.refused });
            return;
          }
          expect(trace.connection).toBe('accepted');
          if (trace.connection !== 'accepted') return;
          if (wanted.terminatesTls !== undefined) expect(trace.terminatesTls).toBe(wanted.terminatesTls);
          if (wanted.backends !== undefined)
            expect(trace.backends.map((b) => ({ cluster: b.cluster, weight: b.weight }))).toEqual(
              wanted.backends,
            );
        });
      }

      for (const [i, r] of fixture.requests.entries()) {
        const port = r.port ?? defaultPort(fixture);
        const request = { ...(r.name !== undefined ? { name: r.name } : {}), port, ...r.request };
        const sni = request.serverName !== undefined ? ` (SNI ${request.serverName})` : '';
        it(`request ${i} ${request.name ?? `${request.method ?? 'GET'} ${request.host}${request.path}${sni}`} meets expectations`, () => {
          const { outcome, expect: wanted } = golden().rendered.requests[i]!;
          const { refused } = wanted;
          expect(
            'connection' in outcome
              ? outcome.reason === refused
                ? []
                : [`connection refused: ${outcome.reason}`]
              : refused !== undefined
                ? [`expected the connection refused (${refused}), got an answer`]
                : unmetExpectations(outcome, wanted),
          ).toEqual([]);
        });
      }
    });
  }
});

function coveredConformanceTests(): Set<string | undefined> {
  return new Set(
    cases.map(
      (name) =>
        (parse(readFileSync(join(testdata, `${name}.in.yaml`), 'utf8')) as { conformance?: string })
          .conformance,
    ),
  );
}

describe('conformance coverage', () => {
  it('has a golden case for each GATEWAY-HTTP core conformance test', () => {
    const covered = coveredConformanceTests();
    const required = [
      'HTTPRouteCrossNamespace',
      'HTTPExactPathMatching',
      'HTTPRouteHeaderMatching',
      'HTTPRouteHostnameIntersection',
      'HTTPRouteHTTPSListener',
      'HTTPRouteInvalidBackendRefUnknownKind',
      'HTTPRouteInvalidCrossNamespaceBackendRef',
      'HTTPRouteInvalidCrossNamespaceParentRef',
      'HTTPRouteInvalidNonExistentBackendRef',
      'HTTPRouteInvalidParentRefNotMatchingSectionName',
      'HTTPRouteInvalidReferenceGrant',
      'HTTPRouteListenerHostnameMatching',
      'HTTPRouteMatchingAcrossRoutes',
      'HTTPRouteMatching',
      'HTTPRouteMultipleGateways',
      'HTTPRouteObservedGenerationBump',
      'HTTPRouteNoBackendRefs',
      'HTTPRoutePartiallyInvalidViaInvalidReferenceGrant',
      'HTTPRoutePathMatchOrder',
      'HTTPRouteRedirectHostAndStatus',
      'HTTPRouteReferenceGrant',
      'HTTPRouteRequestHeaderModifier',
      'HTTPRouteServiceTypes',
      'HTTPRouteSimpleSameNamespace',
      'HTTPRouteWeight',
      'GatewayWithAttachedRoutes',
    ];
    expect(required.filter((name) => !covered.has(name))).toEqual([]);
    expect(required).toHaveLength(26);
  });

  it('has a golden case for each extended conformance test the platform claims', () => {
    const covered = coveredConformanceTests();
    const claimed = ['HTTPRouteHTTPSListenerDetectMisdirectedRequests'];
    expect(claimed.filter((name) => !covered.has(name))).toEqual([]);
  });
});
