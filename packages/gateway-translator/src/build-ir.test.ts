import { describe, expect, it } from 'vitest';
import { buildIR } from './build-ir.js';
import type { TranslateInput } from './input.js';
import { INVALID_BACKEND_CLUSTER, type IR } from './ir.js';
import { Secret } from './secret.js';
import { deepFreeze } from './test-support/freeze.js';
import { validateIR } from './validate-ir.js';

function input(overrides: Partial<TranslateInput> = {}): TranslateInput {
  return {
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 4,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: 'secure.example.com',
          allowedRoutes: { namespaces: { from: 'Same' } },
          tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'cert' }] },
        },
      ],
    },
    routes: [
      {
        id: 'r1',
        kind: 'HTTPRoute',
        namespace: 'ns',
        name: 'web',
        generation: 7,
        spec: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { group: '', kind: 'Service', name: 'svc', port: 80, weight: 1 },
                { group: '', kind: 'Service', name: 'missing', port: 80, weight: 1 },
              ],
            },
          ],
        },
      },
    ],
    referenceGrants: [],
    services: [
      {
        namespace: 'ns',
        name: 'svc',
        ports: [{ port: 80 }],
        endpoints: [{ address: '10.0.0.1', port: 8080, ready: true }],
      },
    ],
    certificates: [
      { namespace: 'ns', name: 'cert', id: 'c1', certificatePem: 'PEM', privateKey: new Secret('KEY') },
    ],
    namespaces: [],
    ...overrides,
  };
}

describe('buildIR', () => {
  it('does not modify its input and returns the same IR for the same input', () => {
    const frozen = deepFreeze(input());
    const first = buildIR(frozen);
    expect(JSON.stringify(buildIR(frozen))).toBe(JSON.stringify(first));
  });

  it('stamps conditions with the generation of the object they describe', () => {
    const { status } = buildIR(input());
    expect(status.gateway.observedGeneration).toBe(4);
    expect(status.gateway.listeners.flatMap((l) => l.conditions.map((c) => c.observedGeneration))).toEqual(
      Array(8).fill(4),
    );
    expect(status.routes[0]?.parents[0]?.conditions.map((c) => c.observedGeneration)).toEqual([7, 7]);
  });

  it('keeps the share of an unresolved backend, pointed at the cluster that answers 500', () => {
    const { ir } = buildIR(input());
    const chain = ir.listeners[0]?.filterChains[0];
    const action = chain?.kind === 'http' ? chain.routeConfig.virtualHosts[0]?.routes[0]?.action : undefined;
    expect(action).toEqual({
      kind: 'forward',
      destinations: [
        { cluster: 'service/ns/svc/80', weight: 1 },
        { cluster: INVALID_BACKEND_CLUSTER, weight: 1 },
      ],
    });
  });

  it('terminates TLS with the referenced certificate and prints its key as [redacted]', () => {
    const { ir } = buildIR(input());
    expect(ir.secrets.map((s) => s.name)).toEqual(['certificate/c1']);
    expect(JSON.stringify(ir)).toContain('"privateKey":"[redacted]"');
    expect(JSON.stringify(ir)).not.toContain('KEY');
  });

  it('gives listener status with attached route counts and supported kinds', () => {
    const { status } = buildIR(input());
    expect(
      status.gateway.listeners.map((l) => [l.name, l.attachedRoutes, l.supportedKinds.map((k) => k.kind)]),
    ).toEqual([
      ['http', 1, ['HTTPRoute', 'GRPCRoute']],
      // No sectionName and no hostnames: the route attaches to every listener that allows it.
      ['https', 1, ['HTTPRoute', 'GRPCRoute']],
    ]);
  });
});

describe('validateIR', () => {
  const valid = (): IR => buildIR(input()).ir;

  it('accepts what buildIR produces', () => {
    expect(validateIR(valid())).toEqual([]);
  });

  it('names every broken invariant', () => {
    const ir = structuredClone(valid()) as IR;
    ir.secrets = [];
    ir.clusters = [];
    const listener = ir.listeners[0];
    if (listener === undefined) throw new Error('no listener');
    listener.port = 70000;
    const chain = listener.filterChains[0];
    if (chain?.kind !== 'http') throw new Error('no http chain');
    const vh = chain.routeConfig.virtualHosts[0];
    if (vh === undefined) throw new Error('no virtual host');
    chain.routeConfig.virtualHosts.push({ ...vh });
    vh.routes.push({
      ...vh.routes[0]!,
      match: { path: { type: 'RegularExpression', value: '(' }, headers: [], queryParams: [] },
      action: { kind: 'forward', destinations: [] },
    });
    expect([...new Set(validateIR(ir).map((i) => i.code))].sort()).toEqual(
      [
        'DuplicateDomain',
        'InvalidPort',
        'InvalidRegex',
        'NoDestinations',
        'UnknownCluster',
        'UnknownSecret',
        'Unsorted',
      ].sort(),
    );
  });
});
