import { describe, expect, it } from 'vitest';
import type { CertificateInput, GatewayInput, ListenerInput, ReferenceGrantInput } from './input.js';
import { analyzeListeners } from './listeners.js';
import { Secret } from './secret.js';

// Listener analysis one rule at a time: which kinds a listener supports, why its references do not
// resolve, which listeners conflict, and the exact conditions each outcome reports.

const GEN = 7;

function gateway(listeners: ListenerInput[]): GatewayInput {
  return {
    id: 'gw-1',
    accountId: 'acc-1',
    name: 'gw',
    namespace: 'default',
    address: '192.0.2.1',
    listeners: listeners as GatewayInput['listeners'],
    generation: GEN,
  };
}

function cert(namespace: string, name: string): CertificateInput {
  return { namespace, name, id: `${namespace}-${name}`, certificatePem: 'PEM', privateKey: new Secret('k') };
}

const grantCertsToGateways: ReferenceGrantInput = {
  namespace: 'certs',
  spec: {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'default' }],
    to: [{ group: '', kind: 'Secret' }],
  },
};

function analyze(
  listeners: ListenerInput[],
  certificates: CertificateInput[] = [],
  grants: ReferenceGrantInput[] = [],
) {
  return analyzeListeners(gateway(listeners), certificates, grants);
}

function one(
  listener: ListenerInput,
  certificates: CertificateInput[] = [],
  grants: ReferenceGrantInput[] = [],
) {
  const [l] = analyze([listener], certificates, grants);
  if (l === undefined) throw new Error('no listener');
  return l;
}

/** [type, status, reason, message] of each condition, in order. */
function conds(l: ReturnType<typeof one>, attached = 0) {
  const out = l.conditions(attached);
  for (const c of out) expect(c.observedGeneration).toBe(GEN);
  return out.map((c) => [c.type, c.status, c.reason, c.message]);
}

const http = (name = 'http', extra: Partial<ListenerInput> = {}): ListenerInput => ({
  name,
  port: 80,
  protocol: 'HTTP',
  ...extra,
});

describe('analyzeListeners: protocols and conditions', () => {
  it('accepts and programs a plain HTTP listener and reports all four conditions', () => {
    const l = one(http());
    expect(l.accepted).toBe(true);
    expect(l.programmable).toBe(true);
    expect(l.supportedKinds).toEqual(['HTTPRoute', 'GRPCRoute']);
    expect(l.certificates).toEqual([]);
    expect(l.spec.name).toBe('http');
    expect(conds(l, 2)).toEqual([
      ['Accepted', 'True', 'Accepted', 'listener accepted'],
      ['Conflicted', 'False', 'NoConflicts', 'no conflicts'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved'],
      ['Programmed', 'True', 'Programmed', 'listener programmed with 2 route(s)'],
    ]);
    expect(conds(l, 0)[3]).toEqual([
      'Programmed',
      'True',
      'Programmed',
      'listener programmed with 0 route(s)',
    ]);
  });

  it('supports TLSRoute on TLS and TCPRoute on TCP listeners', () => {
    const tls = one({ name: 't', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } });
    expect(tls.accepted).toBe(true);
    expect(tls.programmable).toBe(true);
    expect(tls.supportedKinds).toEqual(['TLSRoute']);
    expect(tls.certificates).toEqual([]);
    expect(conds(tls)[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
    const tcp = one({ name: 'c', port: 9000, protocol: 'TCP' });
    expect(tcp.supportedKinds).toEqual(['TCPRoute']);
    expect(tcp.programmable).toBe(true);
    const udp = one({ name: 'u', port: 53, protocol: 'UDP' });
    expect(udp.supportedKinds).toEqual(['UDPRoute']);
    expect(udp.programmable).toBe(true);
  });

  it('keeps UDP ports apart from TCP ones: 53/UDP beside 53/TCP is no conflict, two 53/UDP are', () => {
    const ls = analyzeListeners(
      gateway([
        { name: 'dns-udp', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'dns-http', port: 54, protocol: 'HTTP' },
        { name: 'u1', port: 54, protocol: 'UDP' },
        { name: 'u2', port: 54, protocol: 'UDP' },
      ]),
      [],
      [],
    );
    expect(ls.map((l) => [l.spec.name, l.programmable, conds(l)[1]?.[2]])).toEqual([
      ['dns-udp', true, 'NoConflicts'],
      ['dns-tcp', true, 'NoConflicts'],
      ['dns-http', true, 'NoConflicts'],
      ['u1', false, 'HostnameConflict'],
      ['u2', false, 'HostnameConflict'],
    ]);
  });

  it('refuses an unsupported protocol: not accepted, no kinds, not programmed', () => {
    const l = one({ name: 'u', port: 53, protocol: 'example.com/quic' });
    expect(l.accepted).toBe(false);
    expect(l.programmable).toBe(false);
    expect(l.supportedKinds).toEqual([]);
    expect(conds(l)).toEqual([
      ['Accepted', 'False', 'UnsupportedProtocol', 'protocol example.com/quic is not supported'],
      ['Conflicted', 'False', 'NoConflicts', 'no conflicts'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved'],
      ['Programmed', 'False', 'Invalid', 'listener cannot be programmed'],
    ]);
  });

  it('names every requested kind of an unsupported protocol as invalid', () => {
    const l = one({
      name: 'u',
      port: 53,
      protocol: 'example.com/quic',
      allowedRoutes: { kinds: [{ kind: 'UDPRoute' }] },
    });
    expect(conds(l)[2]).toEqual([
      'ResolvedRefs',
      'False',
      'InvalidRouteKinds',
      'unsupported route kinds: gateway.networking.k8s.io/UDPRoute',
    ]);
  });

  it('refuses an HTTPS listener in Passthrough mode, without certificate problems', () => {
    const l = one({ name: 's', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } });
    expect(l.accepted).toBe(false);
    expect(l.programmable).toBe(false);
    expect(l.supportedKinds).toEqual([]);
    expect(conds(l)).toEqual([
      ['Accepted', 'False', 'UnsupportedValue', 'HTTPS listeners must terminate TLS'],
      ['Conflicted', 'False', 'NoConflicts', 'no conflicts'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved'],
      ['Programmed', 'False', 'Invalid', 'listener cannot be programmed'],
    ]);
  });
});

describe('analyzeListeners: allowedRoutes.kinds', () => {
  it('narrows the supported kinds to the requested ones, with or without the group', () => {
    expect(one(http('a', { allowedRoutes: { kinds: [{ kind: 'GRPCRoute' }] } })).supportedKinds).toEqual([
      'GRPCRoute',
    ]);
    expect(
      one(
        http('a', { allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] } }),
      ).supportedKinds,
    ).toEqual(['HTTPRoute']);
    const none = one(http('a', { allowedRoutes: { kinds: [] } }));
    expect(none.supportedKinds).toEqual([]);
    expect(conds(none)[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
  });

  it('keeps all kinds when allowedRoutes has no kinds', () => {
    expect(one(http('a', { allowedRoutes: { namespaces: { from: 'All' } } })).supportedKinds).toEqual([
      'HTTPRoute',
      'GRPCRoute',
    ]);
  });

  it('reports kinds of another group or another protocol, still accepting and programming the listener', () => {
    const l = one(
      http('a', {
        allowedRoutes: {
          kinds: [{ group: 'example.com', kind: 'HTTPRoute' }, { kind: 'TCPRoute' }, { kind: 'GRPCRoute' }],
        },
      }),
    );
    expect(l.supportedKinds).toEqual(['GRPCRoute']);
    expect(l.accepted).toBe(true);
    expect(l.programmable).toBe(true);
    expect(conds(l)).toEqual([
      ['Accepted', 'True', 'Accepted', 'listener accepted'],
      ['Conflicted', 'False', 'NoConflicts', 'no conflicts'],
      [
        'ResolvedRefs',
        'False',
        'InvalidRouteKinds',
        'unsupported route kinds: example.com/HTTPRoute, gateway.networking.k8s.io/TCPRoute',
      ],
      ['Programmed', 'True', 'Programmed', 'listener programmed with 0 route(s)'],
    ]);
  });
});

describe('analyzeListeners: certificates', () => {
  const https = (
    refs: NonNullable<ListenerInput['tls']>['certificateRefs'],
    extra: Partial<ListenerInput> = {},
  ) =>
    ({ name: 's', port: 443, protocol: 'HTTPS', tls: { certificateRefs: refs }, ...extra }) as ListenerInput;

  it('resolves a Secret in the gateway namespace (mode defaults to Terminate)', () => {
    const c = cert('default', 'site');
    const l = one(https([{ name: 'site' }]), [cert('other', 'site'), c]);
    expect(l.certificates).toEqual([c]);
    expect(l.programmable).toBe(true);
    expect(conds(l)[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
  });

  it('accepts an explicit core group, Secret kind and Terminate mode, also on TLS listeners', () => {
    const c = cert('default', 'site');
    const l = one(
      {
        name: 't',
        port: 443,
        protocol: 'TLS',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'site' }] },
      },
      [c],
    );
    expect(l.certificates).toEqual([c]);
    expect(l.programmable).toBe(true);
  });

  it('refuses other kinds and groups by name', () => {
    const l = one(
      https([
        { kind: 'ConfigMap', name: 'a' },
        { group: 'example.com', name: 'b' },
      ]),
      [cert('default', 'a'), cert('default', 'b')],
    );
    expect(l.certificates).toEqual([]);
    expect(l.programmable).toBe(false);
    expect(l.accepted).toBe(true);
    expect(conds(l)).toEqual([
      ['Accepted', 'True', 'Accepted', 'listener accepted'],
      ['Conflicted', 'False', 'NoConflicts', 'no conflicts'],
      [
        'ResolvedRefs',
        'False',
        'InvalidCertificateRef',
        'certificate default/a: unsupported kind ConfigMap; certificate default/b: unsupported kind undefined',
      ],
      ['Programmed', 'False', 'Invalid', 'listener cannot be programmed'],
    ]);
  });

  it('needs a ReferenceGrant for a Secret in another namespace', () => {
    const c = cert('certs', 'site');
    const refused = one(https([{ name: 'site', namespace: 'certs' }]), [c]);
    expect(refused.certificates).toEqual([]);
    expect(refused.programmable).toBe(false);
    expect(conds(refused)[2]).toEqual([
      'ResolvedRefs',
      'False',
      'RefNotPermitted',
      'certificate certs/site: no ReferenceGrant allows it',
    ]);
    const granted = one(https([{ name: 'site', namespace: 'certs' }]), [c], [grantCertsToGateways]);
    expect(granted.certificates).toEqual([c]);
    expect(granted.programmable).toBe(true);
  });

  it('reports a missing Secret, and keeps the certificates that resolve', () => {
    const c = cert('default', 'good');
    const l = one(https([{ name: 'missing' }, { name: 'good' }]), [c]);
    expect(l.certificates).toEqual([c]);
    expect(l.programmable).toBe(true);
    expect(conds(l)[2]).toEqual([
      'ResolvedRefs',
      'False',
      'InvalidCertificateRef',
      'certificate default/missing not found',
    ]);
  });

  it('names the first problem as the reason and joins every message', () => {
    const l = one(https([{ name: 'x', namespace: 'certs' }, { name: 'missing' }]));
    expect(conds(l)[2]).toEqual([
      'ResolvedRefs',
      'False',
      'RefNotPermitted',
      'certificate certs/x: no ReferenceGrant allows it; certificate default/missing not found',
    ]);
  });

  it('cannot terminate TLS without certificateRefs', () => {
    for (const l of [
      one(https([])),
      one({ name: 's', port: 443, protocol: 'HTTPS' }),
      one({ name: 't', port: 443, protocol: 'TLS', tls: {} }),
    ]) {
      expect(l.accepted).toBe(true);
      expect(l.programmable).toBe(false);
      expect(conds(l).slice(2)).toEqual([
        ['ResolvedRefs', 'False', 'InvalidCertificateRef', 'no certificateRefs to terminate TLS with'],
        ['Programmed', 'False', 'Invalid', 'listener cannot be programmed'],
      ]);
    }
  });

  it('ignores certificateRefs where TLS is not terminated', () => {
    const c = cert('default', 'site');
    const refs = { certificateRefs: [{ name: 'site' }, { kind: 'ConfigMap', name: 'x' }] };
    for (const spec of [
      http('h', { tls: refs }),
      { name: 't', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough', ...refs } } as ListenerInput,
    ]) {
      const l = one(spec, [c]);
      expect(l.certificates).toEqual([]);
      expect(l.programmable).toBe(true);
      expect(conds(l)[2]).toEqual(['ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved']);
    }
  });
});

describe('analyzeListeners: conflicts', () => {
  function conflicted(listeners: ListenerInput[]) {
    return Object.fromEntries(
      analyze(listeners, [cert('default', 'c')]).map((l) => {
        const c = l.conditions(0)[1];
        return [l.spec.name, [c?.status, c?.reason, c?.message, l.programmable]];
      }),
    );
  }
  const tlsRefs = { certificateRefs: [{ name: 'c' }] };

  it('marks every listener on a port shared by incompatible protocol families', () => {
    expect(
      conflicted([
        http('a'),
        { name: 'b', port: 80, protocol: 'TCP' },
        { name: 'c', port: 81, protocol: 'TCP' },
      ]),
    ).toEqual({
      a: ['True', 'ProtocolConflict', 'port 80 is used by incompatible protocols', false],
      b: ['True', 'ProtocolConflict', 'port 80 is used by incompatible protocols', false],
      c: ['False', 'NoConflicts', 'no conflicts', true],
    });
    expect(
      conflicted([http('a', { port: 443 }), { name: 'b', port: 443, protocol: 'HTTPS', tls: tlsRefs }]),
    ).toEqual({
      a: ['True', 'ProtocolConflict', 'port 443 is used by incompatible protocols', false],
      b: ['True', 'ProtocolConflict', 'port 443 is used by incompatible protocols', false],
    });
  });

  it('lets HTTPS and TLS share a port when their hostnames differ', () => {
    expect(
      conflicted([
        { name: 'a', port: 443, protocol: 'HTTPS', hostname: 'a.example.com', tls: tlsRefs },
        { name: 'b', port: 443, protocol: 'TLS', hostname: 'b.example.com', tls: { mode: 'Passthrough' } },
      ]),
    ).toEqual({
      a: ['False', 'NoConflicts', 'no conflicts', true],
      b: ['False', 'NoConflicts', 'no conflicts', true],
    });
  });

  it('marks listeners of one port and the same hostname, ignoring case, and only those', () => {
    expect(
      conflicted([
        http('a', { hostname: 'A.example.com' }),
        http('b', { hostname: 'a.example.com' }),
        http('c', { hostname: 'c.example.com' }),
        http('d'),
        http('e', { port: 8080, hostname: 'a.example.com' }),
      ]),
    ).toEqual({
      a: ['True', 'HostnameConflict', 'another listener on port 80 serves the same hostname', false],
      b: ['True', 'HostnameConflict', 'another listener on port 80 serves the same hostname', false],
      c: ['False', 'NoConflicts', 'no conflicts', true],
      d: ['False', 'NoConflicts', 'no conflicts', true],
      e: ['False', 'NoConflicts', 'no conflicts', true],
    });
  });

  it('treats two listeners without hostname as the same hostname', () => {
    expect(conflicted([http('a'), http('b')])).toEqual({
      a: ['True', 'HostnameConflict', 'another listener on port 80 serves the same hostname', false],
      b: ['True', 'HostnameConflict', 'another listener on port 80 serves the same hostname', false],
    });
  });

  it('lets only one TCP listener use a port, whatever its hostname', () => {
    expect(
      conflicted([
        { name: 'a', port: 9000, protocol: 'TCP', hostname: 'a.example.com' },
        { name: 'b', port: 9000, protocol: 'TCP', hostname: 'b.example.com' },
      ]),
    ).toEqual({
      a: ['True', 'HostnameConflict', 'another listener on port 9000 serves the same hostname', false],
      b: ['True', 'HostnameConflict', 'another listener on port 9000 serves the same hostname', false],
    });
  });
});
