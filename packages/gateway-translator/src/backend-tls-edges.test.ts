import { describe, expect, it } from 'vitest';
import { applyBackendTlsPolicies } from './backend-tls.js';
import type {
  BackendTlsPolicyInput,
  CaBundleInput,
  CertificateInput,
  GatewayInput,
  ReferenceGrantInput,
  ServiceInput,
} from './input.js';
import type { IRCluster } from './ir.js';
import { Secret } from './secret.js';

// applyBackendTlsPolicies called directly: precedence ties, sectionName, CA resolution messages, the
// client certificate reference, and which clusters a policy reaches (docs/adr/0460-backend-tls-policy.md).

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----';
const SVC = 'service/ns/svc/443';

const gateway = (tls?: GatewayInput['tls']): GatewayInput =>
  ({
    id: 'g1',
    accountId: 'a1',
    name: 'gw',
    namespace: 'ns',
    address: '192.0.2.1',
    generation: 7,
    listeners: [],
    ...(tls === undefined ? {} : { tls }),
  }) as GatewayInput;

const cluster = (service: string, port: number, namespace = 'ns'): IRCluster => ({
  name: `service/${namespace}/${service}/${port}`,
  service: { namespace, name: service, port },
  protocol: 'http1',
  endpoints: [],
});

const policy = (
  name: string,
  over: Partial<BackendTlsPolicyInput> = {},
  validation: Partial<BackendTlsPolicyInput['spec']['validation']> = {},
  targetRefs: BackendTlsPolicyInput['spec']['targetRefs'] = [{ group: '', kind: 'Service', name: 'svc' }],
): BackendTlsPolicyInput => ({
  id: `id-${name}`,
  namespace: 'ns',
  name,
  generation: 4,
  spec: {
    targetRefs,
    validation: {
      caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
      hostname: `${name}.example.com`,
      ...validation,
    },
  },
  ...over,
});

function run(
  policies: BackendTlsPolicyInput[],
  o: {
    gateway?: GatewayInput;
    services?: ServiceInput[];
    caBundles?: CaBundleInput[];
    certificates?: CertificateInput[];
    referenceGrants?: ReferenceGrantInput[];
    clusters?: IRCluster[];
    used?: string[];
  } = {},
) {
  const clusters = o.clusters ?? [cluster('svc', 443)];
  return applyBackendTlsPolicies({
    gateway: o.gateway ?? gateway(),
    policies,
    services: o.services ?? [
      { namespace: 'ns', name: 'svc', ports: [{ name: 'https', port: 443 }], endpoints: [] },
    ],
    caBundles: o.caBundles ?? [{ kind: 'ConfigMap', namespace: 'ns', name: 'ca', caCertificatePem: CA }],
    certificates: o.certificates ?? [],
    referenceGrants: o.referenceGrants ?? [],
    clusters: new Map(clusters.map((c) => [c.name, c])),
    used: new Set(o.used ?? clusters.map((c) => c.name)),
  });
}

const conditions = (r: ReturnType<typeof run>) =>
  r.statuses.map((s) => [
    s.name,
    ...(s.ancestors[0]?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`),
  ]);

describe('applyBackendTlsPolicies', () => {
  it('breaks a tie of equal or missing creationTimestamps by name, whatever the input order', () => {
    for (const ts of [undefined, '2026-12-03T10:00:00Z']) {
      const over = ts === undefined ? {} : { creationTimestamp: ts };
      for (const order of [
        ['b', 'a'],
        ['a', 'b'],
      ]) {
        const r = run(order.map((n) => policy(n, over)));
        expect(r.tls.get(SVC)?.policy).toBe('ns/a');
        expect(conditions(r).map(([name, accepted]) => [name, accepted?.split(':')[0]])).toEqual([
          ['a', 'Accepted=True/Accepted'],
          ['b', 'Accepted=False/Conflicted'],
        ]);
      }
    }
  });

  it('prefers an older policy over a newer one and over one without a creationTimestamp', () => {
    const r = run([
      policy('a', {}),
      policy('b', { creationTimestamp: '2026-12-03T10:00:02Z' }),
      policy('c', { creationTimestamp: '2026-12-03T10:00:01Z' }),
    ]);
    expect(r.tls.get(SVC)?.policy).toBe('ns/c');
    expect(conditions(r).map((c) => c[1])).toEqual([
      'Accepted=False/Conflicted: BackendTLSPolicy ns/c takes precedence for the same target and sectionName',
      'Accepted=False/Conflicted: BackendTLSPolicy ns/c takes precedence for the same target and sectionName',
      'Accepted=True/Accepted: BackendTLSPolicy ns/c is accepted',
    ]);
  });

  it('reads only core Service targets; an empty sectionName is the whole Service; a named port beats it', () => {
    const foreign = policy('foreign', {}, {}, [{ group: 'example.com', kind: 'Service', name: 'svc' }]);
    const notService = policy('kind', {}, {}, [{ group: '', kind: 'ConfigMap', name: 'svc' }]);
    expect(run([foreign, notService]).statuses).toEqual([]);

    const whole = policy('a-whole', {}, {}, [{ group: '', kind: 'Service', name: 'svc', sectionName: '' }]);
    const port = policy('z-port', {}, {}, [
      { group: '', kind: 'Service', name: 'svc', sectionName: 'https' },
    ]);
    const r = run([whole, port]);
    expect(r.tls.get(SVC)?.policy).toBe('ns/z-port');
    // Both are relevant; neither conflicts with the other (different sectionName).
    expect(conditions(r).map((c) => c[1]?.split(':')[0])).toEqual([
      'Accepted=True/Accepted',
      'Accepted=True/Accepted',
    ]);
    // A sectionName naming another port leaves the whole-Service policy in force.
    const other = policy('a-other', {}, {}, [
      { group: '', kind: 'Service', name: 'svc', sectionName: 'admin' },
    ]);
    expect(run([other, whole]).tls.get(SVC)?.policy).toBe('ns/a-whole');
    expect(run([other]).statuses).toEqual([]);
  });

  it('a Service port without a name, or no Service input, is reached only by whole-Service policies', () => {
    const port = policy('port', {}, {}, [{ group: '', kind: 'Service', name: 'svc', sectionName: 'https' }]);
    const whole = policy('whole');
    const unnamed: ServiceInput[] = [
      { namespace: 'ns', name: 'svc', ports: [{ name: '', port: 443 }], endpoints: [] },
    ];
    expect(run([port, whole], { services: unnamed }).tls.get(SVC)?.policy).toBe('ns/whole');
    expect(run([port], { services: unnamed }).tls.size).toBe(0);
    expect(run([port, whole], { services: [] }).tls.get(SVC)?.policy).toBe('ns/whole');
    const otherPort: ServiceInput[] = [
      { namespace: 'ns', name: 'svc', ports: [{ name: 'https', port: 8443 }], endpoints: [] },
    ];
    expect(run([port], { services: otherPort }).tls.size).toBe(0);
    const otherNs: ServiceInput[] = [
      { namespace: 'other', name: 'svc', ports: [{ name: 'https', port: 443 }], endpoints: [] },
    ];
    expect(run([port], { services: otherNs }).tls.size).toBe(0);
  });

  it('counts a policy naming the same target twice once, and does not conflict it with itself', () => {
    const twice = policy('twice', {}, {}, [
      { group: '', kind: 'Service', name: 'svc' },
      { group: '', kind: 'Service', name: 'svc' },
    ]);
    const r = run([twice]);
    expect(conditions(r).map((c) => c[1]?.split(':')[0])).toEqual(['Accepted=True/Accepted']);
  });

  it('names the first winner in a loser status when the loser loses on two targets', () => {
    const p = (name: string, ts: string, section: string | undefined) =>
      policy(name, { creationTimestamp: ts }, {}, [
        {
          group: '',
          kind: 'Service',
          name: 'svc',
          ...(section === undefined ? {} : { sectionName: section }),
        },
        { group: '', kind: 'Service', name: 'svc2' },
      ]);
    const r = run(
      [p('old', '2026-01-01T00:00:00Z', undefined), p('new', '2026-02-01T00:00:00Z', undefined)],
      {
        clusters: [cluster('svc', 443), cluster('svc2', 443)],
        services: [],
      },
    );
    expect(conditions(r).find((c) => c[0] === 'new')?.[1]).toBe(
      'Accepted=False/Conflicted: BackendTLSPolicy ns/old takes precedence for the same target and sectionName',
    );
    expect(r.statuses.map((s) => s.name)).toEqual(['new', 'old']);
  });

  it('applies only to used clusters that exist, in name order', () => {
    const r = run(
      [
        policy('p', {}, {}, [
          { group: '', kind: 'Service', name: 'b' },
          { group: '', kind: 'Service', name: 'a' },
        ]),
      ],
      {
        clusters: [cluster('b', 443), cluster('a', 443), cluster('c', 443)],
        used: ['service/ns/b/443', 'service/ns/missing/443', 'service/ns/a/443'],
        services: [],
      },
    );
    expect([...r.tls.keys()]).toEqual(['service/ns/a/443', 'service/ns/b/443']);
    const unused = run([policy('p')], { used: [] });
    expect(unused.statuses).toEqual([]);
    expect(unused.tls.size).toBe(0);
  });

  it('turns subjectAltNames into SANs (the hostname when the list is empty; empty values when a field is missing)', () => {
    const sans = (v: Partial<BackendTlsPolicyInput['spec']['validation']>) =>
      run([policy('p', {}, v)]).tls.get(SVC)?.subjectAltNames;
    expect(sans({})).toEqual([{ type: 'DNS', value: 'p.example.com' }]);
    expect(sans({ subjectAltNames: [] })).toEqual([{ type: 'DNS', value: 'p.example.com' }]);
    expect(
      sans({
        subjectAltNames: [
          { type: 'URI', uri: 'spiffe://a/b' },
          { type: 'Hostname', hostname: 'h.example.com' },
          { type: 'URI' },
          { type: 'Hostname' },
        ],
      }),
    ).toEqual([
      { type: 'URI', value: 'spiffe://a/b' },
      { type: 'DNS', value: 'h.example.com' },
      { type: 'URI', value: '' },
      { type: 'DNS', value: '' },
    ]);
  });

  it('wellKnownCACertificates: System trusts the system store; another value is Invalid; empty means CA refs', () => {
    const system = run([policy('p', {}, { wellKnownCACertificates: 'System', caCertificateRefs: [] })]);
    expect(system.tls.get(SVC)).toEqual({
      policy: 'ns/p',
      sni: 'p.example.com',
      trustedCa: { system: true },
      subjectAltNames: [{ type: 'DNS', value: 'p.example.com' }],
    });
    expect(conditions(system)[0]).toEqual([
      'p',
      'Accepted=True/Accepted: BackendTLSPolicy ns/p is accepted',
      'ResolvedRefs=True/ResolvedRefs: all references resolved',
    ]);
    const other = run([policy('p', {}, { wellKnownCACertificates: 'Mozilla' })]);
    expect(other.tls.size).toBe(0);
    expect([...other.broken]).toEqual([SVC]);
    expect(conditions(other)[0]?.[1]).toBe(
      'Accepted=False/Invalid: wellKnownCACertificates "Mozilla" is not supported (only System)',
    );
    const empty = run([policy('p', {}, { wellKnownCACertificates: '' })]);
    expect(empty.tls.get(SVC)?.trustedCa).toEqual({ pem: `${CA}\n` });
  });

  it('resolves CA refs by kind, namespace and name, and says why each one that does not resolve fails', () => {
    const bundles: CaBundleInput[] = [
      { kind: 'Secret', namespace: 'ns', name: 'ca', caCertificatePem: 'WRONG-KIND' },
      { kind: 'ConfigMap', namespace: 'other', name: 'ca', caCertificatePem: 'WRONG-NS' },
      { kind: 'ConfigMap', namespace: 'ns', name: 'other', caCertificatePem: 'WRONG-NAME' },
      { kind: 'ConfigMap', namespace: 'ns', name: 'ca', caCertificatePem: 'A' },
      { kind: 'Secret', namespace: 'ns', name: 'b', caCertificatePem: 'B\n' },
      { kind: 'ConfigMap', namespace: 'ns', name: 'blank', caCertificatePem: ' \n' },
      { kind: 'ConfigMap', namespace: 'ns', name: 'none' },
    ];
    const good = run(
      [
        policy(
          'p',
          {},
          {
            caCertificateRefs: [
              { group: '', kind: 'ConfigMap', name: 'ca' },
              { group: '', kind: 'Secret', name: 'b' },
            ],
          },
        ),
      ],
      { caBundles: bundles },
    );
    expect(good.tls.get(SVC)?.trustedCa).toEqual({ pem: 'A\nB\n' });

    const partial = run(
      [
        policy(
          'p',
          {},
          {
            caCertificateRefs: [
              { group: 'example.com', kind: 'ConfigMap', name: 'ca' },
              { group: '', kind: 'Service', name: 'ca' },
              { group: '', kind: 'ConfigMap', name: 'gone' },
              { group: '', kind: 'ConfigMap', name: 'blank' },
              { group: '', kind: 'ConfigMap', name: 'none' },
              { group: '', kind: 'ConfigMap', name: 'ca' },
            ],
          },
        ),
      ],
      { caBundles: bundles },
    );
    expect(partial.tls.size).toBe(0);
    expect([...partial.broken]).toEqual([SVC]);
    expect(conditions(partial)[0]).toEqual([
      'p',
      'Accepted=True/Accepted: BackendTLSPolicy ns/p is accepted',
      'ResolvedRefs=False/InvalidKind: ' +
        [
          'caCertificateRef example.com/ConfigMap ns/ca: unsupported kind (ConfigMap or Secret)',
          'caCertificateRef Service ns/ca: unsupported kind (ConfigMap or Secret)',
          'caCertificateRef ConfigMap ns/gone not found',
          'caCertificateRef ConfigMap ns/blank has no key ca.crt',
          'caCertificateRef ConfigMap ns/none has no key ca.crt',
        ].join('; '),
    ]);

    const none = run(
      [policy('p', {}, { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'gone' }] })],
      {
        caBundles: bundles,
      },
    );
    expect(conditions(none)[0]).toEqual([
      'p',
      'Accepted=False/NoValidCACertificate: BackendTLSPolicy ns/p: no caCertificateRef is valid',
      'ResolvedRefs=False/InvalidCACertificateRef: caCertificateRef ConfigMap ns/gone not found',
    ]);
    const noRefs = run([policy('p', {}, { caCertificateRefs: undefined })]);
    expect(noRefs.tls.get(SVC)?.trustedCa).toEqual({ pem: '' });
  });

  it('resolves the backend client certificate: defaults, kind checks, lookup by namespace and name', () => {
    const certs: CertificateInput[] = [
      { namespace: 'ns', name: 'other', id: 'c0', certificatePem: 'X', privateKey: new Secret('x') },
      { namespace: 'elsewhere', name: 'client', id: 'c2', certificatePem: 'Y', privateKey: new Secret('y') },
      { namespace: 'ns', name: 'client', id: 'c1', certificatePem: 'CERT', privateKey: new Secret('k') },
    ];
    const withRef = (ref: NonNullable<NonNullable<GatewayInput['tls']>['backend']>['clientCertificateRef']) =>
      run([policy('p')], {
        gateway: gateway({ backend: { clientCertificateRef: ref } }),
        certificates: certs,
      });

    const ok = withRef({ name: 'client' });
    expect(ok.gatewayCondition).toBeUndefined();
    expect(ok.clientSecret).toEqual({
      name: 'certificate/c1',
      certificate: { id: 'c1', namespace: 'ns', name: 'client' },
      certificatePem: 'CERT',
      privateKey: certs[2]?.privateKey,
    });
    expect(ok.tls.get(SVC)?.clientCertificate).toBe('certificate/c1');

    const reason = (r: ReturnType<typeof run>) =>
      r.gatewayCondition === undefined
        ? undefined
        : `${r.gatewayCondition.status}/${r.gatewayCondition.reason}/${r.gatewayCondition.observedGeneration}: ${r.gatewayCondition.message}`;
    expect(reason(withRef({ group: 'example.com', kind: 'Secret', name: 'client' }))).toBe(
      'False/InvalidClientCertificateRef/7: spec.tls.backend.clientCertificateRef Secret ns/client: not a core Secret',
    );
    expect(reason(withRef({ group: '', kind: 'ConfigMap', name: 'client' }))).toBe(
      'False/InvalidClientCertificateRef/7: spec.tls.backend.clientCertificateRef ConfigMap ns/client: not a core Secret',
    );
    expect(reason(withRef({ name: 'gone' }))).toBe(
      'False/InvalidClientCertificateRef/7: spec.tls.backend.clientCertificateRef Secret ns/gone not found',
    );
    const missing = withRef({ name: 'gone' });
    expect(missing.clientSecret).toBeUndefined();
    expect(missing.tls.get(SVC)?.clientCertificate).toBeUndefined();

    const noBackend = run([policy('p')], { gateway: gateway({}), certificates: certs });
    expect(noBackend.gatewayCondition).toBeUndefined();
    expect(noBackend.clientSecret).toBeUndefined();
    expect(Object.keys(run([policy('p')])).sort()).toEqual(['broken', 'statuses', 'tls']);
  });
});
