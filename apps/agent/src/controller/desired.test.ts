import { describe, expect, it } from 'vitest';
import { computeDesired, type Caches } from './desired.js';
import { fingerprint, skipReason } from './predicates.js';
import type { KindName, KubeObject } from './resources.js';

let n = 0;
const obj = (name: string, extra: Partial<KubeObject> = {}, namespace = 'default'): KubeObject => ({
  ...extra,
  metadata: { name, namespace, uid: `${name}-${n++}`, generation: 1, ...(extra.metadata ?? {}) },
});

function caches(objects: Partial<Record<KindName, KubeObject[]>>): Caches {
  return {
    list: (kind, ns) => (objects[kind] ?? []).filter((o) => !ns || o.metadata.namespace === ns),
    get: (kind, ns, name) =>
      (objects[kind] ?? []).find((o) => o.metadata.name === name && (!ns || o.metadata.namespace === ns)),
  };
}

const classes = new Map([['epic', { target: 'cfg', template: 'default' }]]);
const listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];

describe('what each EPIC cluster should hold', () => {
  it('holds our Gateways, the routes attached to them and only the Services and slices they reference', () => {
    const ours = obj('web', { spec: { gatewayClassName: 'epic', listeners } });
    const theirs = obj('other', { spec: { gatewayClassName: 'someone-else', listeners } });
    const attached = obj('r1', {
      spec: { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] },
    });
    const foreign = obj('r2', {
      spec: { parentRefs: [{ name: 'other' }], rules: [{ backendRefs: [{ name: 'unused', port: 80 }] }] },
    });
    const app = obj('app', {
      spec: {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 81, targetPort: 'named' },
        ],
      },
    });
    const unused = obj('unused', { spec: { ports: [{ port: 80 }] } });
    const slice = obj('app-x', {
      metadata: { name: 'app-x', uid: 'slice', labels: { 'kubernetes.io/service-name': 'app' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true, serving: null } }],
    });
    const d = computeDesired(
      caches({
        Gateway: [ours, theirs],
        HTTPRoute: [attached, foreign],
        Service: [app, unused],
        EndpointSlice: [slice],
      }),
      classes,
    );
    const set = d.targets.get('cfg')!;
    expect([...set.gateways.keys()]).toEqual([ours.metadata.uid]);
    expect(set.gateways.get(ours.metadata.uid)!.item).toMatchObject({
      template: 'default',
      generation: 1,
      listeners,
    });
    expect([...set.routes.keys()]).toEqual([attached.metadata.uid]);
    expect([...set.services.values()].map((s) => s.item.ports)).toEqual([
      [
        { port: 80, targetPort: 8080, protocol: 'TCP' },
        { port: 81, protocol: 'TCP' },
      ],
    ]);
    expect(set.endpointSlices.get('slice')!.item).toMatchObject({
      serviceName: 'app',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
    });
    expect([...d.referencedServices]).toEqual(['default/app']);
    expect([...d.owned.keys()].sort()).toEqual([ours.metadata.uid, attached.metadata.uid].sort());
  });

  it('sends the Services that RequestMirror filters copy requests to (rule and backendRef filters)', () => {
    const gw = obj('web', { spec: { gatewayClassName: 'epic', listeners } });
    const route = obj('mirrored', {
      spec: {
        parentRefs: [{ name: 'web' }],
        rules: [
          {
            filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 } } }],
            backendRefs: [
              {
                name: 'app',
                port: 80,
                filters: [
                  {
                    type: 'RequestMirror',
                    requestMirror: { backendRef: { name: 'audit', namespace: 'ops', port: 80 } },
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    const svc = (name: string, namespace = 'default') =>
      obj(name, { spec: { ports: [{ port: 80 }] } }, namespace);
    const d = computeDesired(
      caches({
        Gateway: [gw],
        HTTPRoute: [route],
        Service: [svc('app'), svc('shadow'), svc('audit', 'ops'), svc('unrelated')],
      }),
      classes,
    );
    expect([...d.referencedServices].sort()).toEqual(['default/app', 'default/shadow', 'ops/audit']);
  });

  it('leaves out what is being deleted (its deletion is what gets sent)', () => {
    const gw = obj('web', {
      spec: { gatewayClassName: 'epic', listeners },
      metadata: { name: 'web', uid: 'g', deletionTimestamp: 'now' },
    });
    const d = computeDesired(caches({ Gateway: [gw] }), classes);
    expect(d.targets.get('cfg')!.gateways.size).toBe(0);
    expect(d.owned.size).toBe(0);
  });
});

describe('CA bundles and BackendTLSPolicies', () => {
  it("sends the policies that target a Service our routes use, and the CA bundles they and our Gateways' client validation name", () => {
    const gw = obj('web', {
      spec: {
        gatewayClassName: 'epic',
        listeners,
        tls: {
          frontend: {
            default: {
              validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] },
            },
            perPort: [
              {
                port: 443,
                tls: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'port-ca' }] } },
              },
            ],
          },
        },
      },
    });
    const r = obj('r', {
      spec: { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 443 }] }] },
    });
    const policy = (name: string, service: string, ca: { kind: string; name: string }) =>
      obj(name, {
        metadata: { name, uid: `${name}-uid`, generation: 3, creationTimestamp: '2026-12-01T00:00:00Z' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: service }],
          validation: { caCertificateRefs: [{ group: '', ...ca }], hostname: `${service}.example.com` },
        },
      });
    const used = policy('app-tls', 'app', { kind: 'ConfigMap', name: 'app-ca' });
    const unused = policy('other-tls', 'other', { kind: 'ConfigMap', name: 'other-ca' });
    const cm = (name: string, data: Record<string, string>) =>
      obj(name, { metadata: { name, uid: `${name}-uid` }, data });
    const d = computeDesired(
      caches({
        Gateway: [gw],
        HTTPRoute: [r],
        Service: [obj('app', { spec: { ports: [{ port: 443 }] } })],
        BackendTLSPolicy: [used, unused],
        ConfigMap: [
          cm('client-ca', { 'ca.crt': 'CLIENT PEM' }),
          cm('app-ca', { 'ca.crt': 'APP PEM' }),
          cm('other-ca', { 'ca.crt': 'X' }),
        ],
        Secret: [cm('port-ca', { 'ca.crt': Buffer.from('PORT PEM').toString('base64') })],
      }),
      classes,
    );
    const set = d.targets.get('cfg')!;
    expect([...set.backendTlsPolicies.values()].map((v) => v.item)).toEqual([
      {
        clientUid: 'app-tls-uid',
        namespace: 'default',
        name: 'app-tls',
        generation: 3,
        creationTimestamp: '2026-12-01T00:00:00Z',
        spec: used.spec,
      },
    ]);
    expect(
      [...set.caBundles.values()]
        .map((v) => v.item)
        .sort((a, b) => String(a['name']).localeCompare(String(b['name']))),
    ).toEqual([
      {
        clientUid: 'app-ca-uid',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'app-ca',
        caCertificate: 'APP PEM',
      },
      {
        clientUid: 'client-ca-uid',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'client-ca',
        caCertificate: 'CLIENT PEM',
      },
      {
        clientUid: 'port-ca-uid',
        kind: 'Secret',
        namespace: 'default',
        name: 'port-ca',
        caCertificate: 'PORT PEM',
      },
    ]);
    expect([...d.referencedConfigMaps].sort()).toEqual(['default/app-ca', 'default/client-ca']);
    expect(d.referencedSecrets.has('default/port-ca')).toBe(true);
  });

  it('a named CA bundle that does not exist is named (its creation is not skipped) but not sent; a ConfigMap without ca.crt is sent as none', () => {
    const gw = obj('web', {
      spec: {
        gatewayClassName: 'epic',
        listeners,
        tls: {
          frontend: {
            default: {
              validation: {
                caCertificateRefs: [
                  { kind: 'ConfigMap', name: 'later' },
                  { kind: 'ConfigMap', name: 'empty' },
                ],
              },
            },
          },
        },
      },
    });
    const d = computeDesired(
      caches({
        Gateway: [gw],
        ConfigMap: [obj('empty', { metadata: { name: 'empty', uid: 'empty-uid' }, data: {} })],
      }),
      classes,
    );
    expect([...d.referencedConfigMaps].sort()).toEqual(['default/empty', 'default/later']);
    expect([...d.targets.get('cfg')!.caBundles.values()].map((v) => v.item)).toEqual([
      { clientUid: 'empty-uid', kind: 'ConfigMap', namespace: 'default', name: 'empty', caCertificate: null },
    ]);
    expect(skipReason('ConfigMap', undefined, '[null]', false)).toBe(
      'no Gateway or BackendTLSPolicy names this ConfigMap',
    );
    expect(fingerprint('ConfigMap', obj('x', { data: { 'ca.crt': 'A', other: 'B' } }))).toBe(
      fingerprint('ConfigMap', obj('x', { data: { 'ca.crt': 'A', other: 'C' } })),
    );
  });
});

describe('event predicates', () => {
  it('skip a status-only update and unreferenced Services, not a spec change', () => {
    const g = obj('web', { spec: { gatewayClassName: 'epic' }, status: { conditions: [] } });
    const statusOnly = { ...g, status: { conditions: [{ type: 'Accepted' }] } };
    expect(
      skipReason('Gateway', fingerprint('Gateway', g), fingerprint('Gateway', statusOnly), true),
    ).toMatch(/status only/);
    const bumped = { ...g, metadata: { ...g.metadata, generation: 2 } };
    expect(
      skipReason('Gateway', fingerprint('Gateway', g), fingerprint('Gateway', bumped), true),
    ).toBeUndefined();
    const labelled = { ...g, metadata: { ...g.metadata, labels: { a: 'b' } } };
    expect(
      skipReason('Gateway', fingerprint('Gateway', g), fingerprint('Gateway', labelled), true),
    ).toBeUndefined();
    const svc = obj('svc', { spec: { ports: [{ port: 80 }] } });
    expect(skipReason('Service', undefined, fingerprint('Service', svc), false)).toMatch(/no route/);
    expect(skipReason('Service', undefined, fingerprint('Service', svc), true)).toBeUndefined();
  });
  it('sends TCPRoutes and TLSRoutes with every parentRef (sectionName, port), across the Gateways they name', () => {
    const a = obj('a', { spec: { gatewayClassName: 'epic', listeners } });
    const b = obj('b', { spec: { gatewayClassName: 'epic', listeners } }, 'edge');
    const parentRefs = [
      { name: 'a', sectionName: 'tcp', port: 5432 },
      { name: 'b', namespace: 'edge' },
    ];
    const tcp = obj('db', { spec: { parentRefs, rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }] } });
    const tls = obj('tls', {
      spec: { parentRefs: [{ name: 'b', namespace: 'edge' }], hostnames: ['x.example.com'], rules: [] },
    });
    const pg = obj('pg', { spec: { ports: [{ port: 5432 }] } });
    const d = computeDesired(
      caches({ Gateway: [a, b], TCPRoute: [tcp], TLSRoute: [tls], Service: [pg] }),
      classes,
    );
    const routes = d.targets.get('cfg')!.routes;
    expect(routes.get(tcp.metadata.uid)!.item).toMatchObject({ kind: 'TCPRoute', spec: { parentRefs } });
    expect(routes.get(tls.metadata.uid)!.item).toMatchObject({ kind: 'TLSRoute' });
    expect(d.owned.get(tcp.metadata.uid)?.kind).toBe('TCPRoute');
    expect([...d.referencedServices]).toEqual(['default/pg']);
  });
  it("carries the listeners' certificate Secrets (decoded), and names every referenced Secret, present or not", () => {
    const g = obj('tls', {
      spec: {
        gatewayClassName: 'epic',
        listeners: [
          {
            name: 'https',
            port: 443,
            protocol: 'HTTPS',
            tls: {
              certificateRefs: [{ name: 'cert-a' }, { name: 'missing' }, { kind: 'ConfigMap', name: 'no' }],
            },
          },
        ],
      },
    });
    const secret = obj('cert-a', {
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': Buffer.from('CRT').toString('base64'),
        'tls.key': Buffer.from('KEY').toString('base64'),
      },
    });
    const d = computeDesired(caches({ Gateway: [g], Secret: [secret] }), classes);
    expect([...d.referencedSecrets].sort()).toEqual(['default/cert-a', 'default/missing']);
    const certs = d.certificates.get('cfg')!;
    expect([...certs.keys()]).toEqual(['default/cert-a']);
    expect(certs.get('default/cert-a')!.item).toEqual({
      namespace: 'default',
      name: 'cert-a',
      certificate: 'CRT',
      privateKey: 'KEY',
    });
  });
  it('sends the sharing key annotation of a Gateway as its sharingKey', () => {
    const shared = obj('a', {
      metadata: { ...obj('a').metadata, annotations: { 'epic-gateway.io/sharing-key': 'shop' } },
      spec: { gatewayClassName: 'epic', listeners },
    });
    const alone = obj('b', { spec: { gatewayClassName: 'epic', listeners } });
    const gws = computeDesired(caches({ Gateway: [shared, alone] }), classes).targets.get('cfg')!.gateways;
    expect(gws.get(shared.metadata.uid)!.item).toMatchObject({ sharingKey: 'shop' });
    expect(gws.get(alone.metadata.uid)!.item).not.toHaveProperty('sharingKey');
  });

  it("holds the ListenerSets whose parentRef names one of our Gateways, their listeners' certificates, the routes attached through them, and the Gateway's allowedListeners", () => {
    const ours = obj('web', {
      spec: { gatewayClassName: 'epic', listeners, allowedListeners: { namespaces: { from: 'All' } } },
    });
    const theirs = obj('other', { spec: { gatewayClassName: 'someone-else', listeners } });
    const https = [
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'ls-cert' }] } },
    ];
    const attached = obj(
      'extra',
      {
        metadata: { name: 'extra', uid: 'ls-1', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { parentRef: { name: 'web', namespace: 'default' }, listeners: https },
      },
      'apps',
    );
    const foreign = obj('foreign', { spec: { parentRef: { name: 'other' }, listeners } });
    const otherKind = obj('odd', { spec: { parentRef: { name: 'web', kind: 'Something' }, listeners } });
    const cert = obj(
      'ls-cert',
      {
        data: {
          'tls.crt': Buffer.from('crt').toString('base64'),
          'tls.key': Buffer.from('key').toString('base64'),
        },
      },
      'apps',
    );
    const viaSet = obj(
      'r-ls',
      {
        spec: {
          parentRefs: [{ kind: 'ListenerSet', name: 'extra' }],
          rules: [{ backendRefs: [{ name: 'app', namespace: 'default', port: 80 }] }],
        },
      },
      'apps',
    );
    const grant = obj(
      'from-ls',
      {
        spec: {
          from: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'default' }],
          to: [{ group: '', kind: 'Secret' }],
        },
      },
      'apps',
    );
    const otherGrant = obj('elsewhere', { spec: {} }, 'unrelated');
    const viaForeign = obj('r-foreign', { spec: { parentRefs: [{ kind: 'ListenerSet', name: 'foreign' }] } });
    const d = computeDesired(
      caches({
        Gateway: [ours, theirs],
        ListenerSet: [attached, foreign, otherKind],
        Secret: [cert],
        ReferenceGrant: [grant, otherGrant],
        HTTPRoute: [viaSet, viaForeign],
      }),
      classes,
    );
    const set = d.targets.get('cfg')!;
    expect(set.gateways.get(ours.metadata.uid)!.item).toMatchObject({
      allowedListeners: { namespaces: { from: 'All' } },
    });
    expect([...set.listenerSets.keys()]).toEqual(['ls-1']);
    expect(set.listenerSets.get('ls-1')!.item).toEqual({
      clientUid: 'ls-1',
      namespace: 'apps',
      name: 'extra',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      spec: attached.spec,
    });
    expect([...set.routes.keys()]).toEqual([viaSet.metadata.uid]);
    expect([...d.certificates.get('cfg')!.keys()]).toEqual(['apps/ls-cert']);
    expect(d.referencedSecrets.has('apps/ls-cert')).toBe(true);
    // The grant in the certificate's namespace is sent (the route's backend namespace has none).
    expect([...set.referenceGrants.keys()]).toEqual([grant.metadata.uid]);
  });
});
