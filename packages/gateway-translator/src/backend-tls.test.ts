import { describe, expect, it } from 'vitest';
import { buildIR } from './build-ir.js';
import { supportedFeatures } from './features.js';
import type { BackendTlsPolicyInput, TranslateInput } from './input.js';
import { INVALID_BACKEND_CLUSTER } from './ir.js';
import { Secret } from './secret.js';
import { translate } from './translate.js';

// BackendTLSPolicy edges the golden cases do not spell out (docs/adr/0460-backend-tls-policy.md).

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----';

function input(policies: BackendTlsPolicyInput[], extra: Partial<TranslateInput> = {}): TranslateInput {
  return {
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 2,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
    },
    routes: [
      {
        id: 'r1',
        kind: 'HTTPRoute',
        namespace: 'ns',
        name: 'r1',
        generation: 1,
        spec: {
          parentRefs: [{ name: 'gw' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [{ name: 'svc', port: 443, weight: 1 }],
              filters: [
                { type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 443 } } },
              ],
            },
          ],
        },
      },
    ],
    referenceGrants: [],
    services: [
      { namespace: 'ns', name: 'svc', ports: [{ name: 'https', port: 443 }], endpoints: [] },
      { namespace: 'ns', name: 'mirror', ports: [{ name: 'https', port: 443 }], endpoints: [] },
    ],
    certificates: [],
    namespaces: [],
    caBundles: [{ kind: 'ConfigMap', namespace: 'ns', name: 'ca', caCertificatePem: CA }],
    backendTlsPolicies: policies,
    ...extra,
  } as TranslateInput;
}

const policy = (
  name: string,
  over: Partial<BackendTlsPolicyInput> = {},
  target = 'svc',
): BackendTlsPolicyInput => ({
  id: name,
  namespace: 'ns',
  name,
  generation: 4,
  spec: {
    targetRefs: [{ group: '', kind: 'Service', name: target }],
    validation: {
      caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
      hostname: `${name}.example.com`,
    },
  },
  ...over,
});

const accepted = (i: TranslateInput) =>
  (buildIR(i).status.backendTlsPolicies ?? []).map((p) => {
    const c = p.ancestors[0]?.conditions.find((x) => x.type === 'Accepted');
    return [p.name, c?.reason, c?.observedGeneration];
  });

describe('BackendTLSPolicy', () => {
  it('prefers a policy with a creationTimestamp over one without, then the older one', () => {
    const i = input([
      policy('a-no-time'),
      policy('b-new', { creationTimestamp: '2026-12-03T10:00:02Z' }),
      policy('c-old', { creationTimestamp: '2026-12-03T10:00:01Z' }),
    ]);
    expect(accepted(i)).toEqual([
      ['a-no-time', 'Conflicted', 4],
      ['b-new', 'Conflicted', 4],
      ['c-old', 'Accepted', 4],
    ]);
    expect(buildIR(i).ir.clusters.find((c) => c.name === 'service/ns/svc/443')?.tls?.sni).toBe(
      'c-old.example.com',
    );
  });

  it('ignores targets that are not core Services, and policies for Services the gateway does not use', () => {
    const other = policy('other');
    other.spec.targetRefs = [{ group: 'example.com', kind: 'Service', name: 'svc' }];
    const i = input([other, policy('unused', {}, 'nobody')]);
    expect(buildIR(i).status.backendTlsPolicies).toEqual([]);
    expect(buildIR(i).ir.clusters.every((c) => c.tls === undefined)).toBe(true);
  });

  it('sends shares of a Service whose policy cannot resolve its CA to the 500 cluster and drops mirrors to it', () => {
    const bad = (name: string, target: string) =>
      policy(name, {
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: target }],
          validation: {
            caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'gone' }],
            hostname: 'x.example.com',
          },
        },
      });
    const { ir } = buildIR(input([bad('p1', 'svc'), bad('p2', 'mirror')]));
    const route = ir.listeners[0]?.filterChains[0];
    expect(route?.kind).toBe('http');
    const r = route?.kind === 'http' ? route.routeConfig.virtualHosts[0]?.routes[0] : undefined;
    expect(r?.action).toEqual({
      kind: 'forward',
      destinations: [{ cluster: INVALID_BACKEND_CLUSTER, weight: 1 }],
    });
    expect(r?.mirrors).toEqual([]);
    expect(ir.clusters).toEqual([]);
  });

  it('leaves a client certificate in another namespace without a ReferenceGrant out, naming why', () => {
    const i = input([policy('p')], {
      certificates: [
        { namespace: 'certs', name: 'client', id: 'c1', certificatePem: CA, privateKey: new Secret('k') },
      ],
    });
    i.gateway.tls = {
      backend: { clientCertificateRef: { group: '', kind: 'Secret', name: 'client', namespace: 'certs' } },
    };
    const { ir, status } = buildIR(i);
    expect(status.gateway.conditions.find((c) => c.type === 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'RefNotPermitted',
    });
    expect(ir.secrets).toEqual([]);
    expect(ir.clusters[0]?.tls?.clientCertificate).toBeUndefined();
    i.referenceGrants = [
      {
        namespace: 'certs',
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns' }],
          to: [{ group: '', kind: 'Secret' }],
        },
      },
    ];
    const granted = translate(i);
    expect(granted.status.gateway.conditions.find((c) => c.type === 'ResolvedRefs')).toBeUndefined();
    expect(granted.resources?.secrets.map((s) => s.name)).toEqual(['certificate/c1']);
  });

  it('lists its features sorted and once each', () => {
    expect([...supportedFeatures]).toEqual([...new Set(supportedFeatures)].sort());
  });
});
