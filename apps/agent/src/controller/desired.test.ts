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
});
