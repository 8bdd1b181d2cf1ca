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
});
