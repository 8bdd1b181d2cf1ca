import { describe, expect, it } from 'vitest';
import type {
  CaBundleInput,
  CertificateInput,
  FrontendValidationInput,
  GatewayInput,
  ListenerInput,
  ReferenceGrantInput,
} from './input.js';
import { analyzeListeners, frontendValidation } from './listeners.js';
import { Secret } from './secret.js';

// Frontend client-certificate validation (Gateway spec.tls.frontend) one rule at a time: which validation
// applies to a port, how each caCertificateRef resolves, and what the listener then reports.

const GEN = 5;
const site: CertificateInput = {
  namespace: 'default',
  name: 'site',
  id: 'c1',
  certificatePem: 'PEM',
  privateKey: new Secret('k'),
};
const https = (name = 's', port = 443): ListenerInput =>
  ({ name, port, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'site' }] } }) as ListenerInput;

function gateway(listeners: ListenerInput[], tls?: GatewayInput['tls']): GatewayInput {
  return {
    id: 'gw-1',
    accountId: 'acc-1',
    name: 'gw',
    namespace: 'default',
    address: '192.0.2.1',
    listeners: listeners as GatewayInput['listeners'],
    generation: GEN,
    ...(tls === undefined ? {} : { tls }),
  };
}

const bundles: CaBundleInput[] = [
  { kind: 'ConfigMap', namespace: 'default', name: 'ca', caCertificatePem: 'CA1' },
  { kind: 'Secret', namespace: 'default', name: 'ca', caCertificatePem: 'WRONG-KIND' },
  { kind: 'Secret', namespace: 'default', name: 'sec', caCertificatePem: 'CA2' },
  { kind: 'ConfigMap', namespace: 'other', name: 'ca', caCertificatePem: 'CA3' },
  { kind: 'ConfigMap', namespace: 'default', name: 'blank', caCertificatePem: '  ' },
  { kind: 'ConfigMap', namespace: 'default', name: 'none' },
];

const grantOther: ReferenceGrantInput = {
  namespace: 'other',
  spec: {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }],
    to: [{ group: '', kind: 'ConfigMap' }],
  },
};

function one(validation: FrontendValidationInput, grants: ReferenceGrantInput[] = [], listener = https()) {
  const [l] = analyzeListeners(
    gateway([listener], { frontend: { default: { validation } } }),
    [site],
    grants,
    bundles,
  );
  if (l === undefined) throw new Error('no listener');
  const out = l.conditions(0);
  for (const c of out) expect(c.observedGeneration).toBe(GEN);
  return { l, conds: out.map((c) => [c.type, c.status, c.reason, c.message]) };
}

describe('frontendValidation', () => {
  it('takes the per-port validation for its port, else the default', () => {
    const def: FrontendValidationInput = { caCertificateRefs: [{ name: 'ca' }] };
    const p8443: FrontendValidationInput = { caCertificateRefs: [{ name: 'sec', kind: 'Secret' }] };
    const g = gateway([], {
      frontend: { default: { validation: def }, perPort: [{ port: 8443, tls: { validation: p8443 } }] },
    });
    expect(frontendValidation(g, 8443)).toBe(p8443);
    expect(frontendValidation(g, 443)).toBe(def);
    expect(frontendValidation(gateway([]), 443)).toBeUndefined();
    expect(
      frontendValidation(gateway([], { frontend: { perPort: [{ port: 443, tls: {} }] } }), 443),
    ).toBeUndefined();
  });
});

describe('analyzeListeners: frontend caCertificateRefs', () => {
  it('resolves ConfigMap (the default kind) and Secret bundles in the gateway namespace', () => {
    const { l, conds } = one({
      caCertificateRefs: [{ name: 'ca' }, { kind: 'Secret', name: 'sec', group: '' }],
    });
    expect(l.accepted).toBe(true);
    expect(l.clientValidation).toEqual({ caPems: ['CA1', 'CA2'], mode: 'AllowValidOnly' });
    expect(conds[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
    const fallback = one({ caCertificateRefs: [{ name: 'ca' }], mode: 'AllowInsecureFallback' });
    expect(fallback.l.clientValidation?.mode).toBe('AllowInsecureFallback');
  });

  it('needs a ReferenceGrant for a bundle in another namespace', () => {
    const refused = one({ caCertificateRefs: [{ name: 'ca', namespace: 'other' }] });
    expect(refused.l.accepted).toBe(false);
    expect(refused.l.clientValidation).toBeUndefined();
    expect(refused.conds[0]).toEqual([
      'Accepted',
      'False',
      'NoValidCACertificate',
      'no caCertificateRef of the client-certificate validation is valid',
    ]);
    expect(refused.conds[2]).toEqual([
      'ResolvedRefs',
      'False',
      'RefNotPermitted',
      'CA certificate ConfigMap other/ca: no ReferenceGrant allows it',
    ]);
    const granted = one({ caCertificateRefs: [{ name: 'ca', namespace: 'other' }] }, [grantOther]);
    expect(granted.l.clientValidation?.caPems).toEqual(['CA3']);
  });

  it('names each ref that does not resolve, and stays accepted while one resolves', () => {
    const { l, conds } = one({
      caCertificateRefs: [
        { name: 'ca', group: 'example.com' },
        { name: 'ca', kind: 'Service' },
        { name: 'gone' },
        { name: 'blank' },
        { name: 'none' },
        { name: 'ca' },
      ],
    });
    expect(l.accepted).toBe(true);
    expect(l.clientValidation?.caPems).toEqual(['CA1']);
    expect(conds[2]).toEqual([
      'ResolvedRefs',
      'False',
      'InvalidCACertificateKind',
      [
        'CA certificate ConfigMap default/ca: unsupported kind example.com/ConfigMap (ConfigMap or Secret)',
        'CA certificate Service default/ca: unsupported kind Service (ConfigMap or Secret)',
        'CA certificate ConfigMap default/gone not found',
        'CA certificate ConfigMap default/blank has no key ca.crt',
        'CA certificate ConfigMap default/none has no key ca.crt',
      ].join('; '),
    ]);
  });

  it('applies to HTTPS listeners only', () => {
    const http = { name: 'h', port: 443, protocol: 'HTTP' } as ListenerInput;
    const { l, conds } = one({ caCertificateRefs: [{ name: 'gone' }] }, [], http);
    expect(l.accepted).toBe(true);
    expect(l.clientValidation).toBeUndefined();
    expect(conds[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
  });
});
