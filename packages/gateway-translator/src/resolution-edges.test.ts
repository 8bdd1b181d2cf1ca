import { describe, expect, it } from 'vitest';
import { BackendResolver, compareStrings } from './backends.js';
import { parseDuration, protoDuration } from './duration.js';
import { hostnameMatches, hostnameSpecificity, intersectHostnames } from './hostnames.js';
import type { EndpointInput, ReferenceGrantInput, ServiceInput } from './input.js';
import { canonicalize, isJsonObject, protoMerge } from './json.js';
import { namespaceLabels, referencePermitted, selectorMatches } from './references.js';
import { Secret } from './secret.js';

// Edges of backend resolution, references, hostnames, durations and proto JSON merging, each checked on
// both sides, with the exact reasons and messages that end up in route status.

const ep = (address: string, extra: Partial<EndpointInput> = {}): EndpointInput => ({
  address,
  port: 8080,
  ready: true,
  ...extra,
});

const svc = (name: string, extra: Partial<ServiceInput> = {}): ServiceInput => ({
  namespace: 'app',
  name,
  ports: [{ port: 80, targetPort: 8080 }],
  endpoints: [ep('10.0.0.1')],
  ...extra,
});

const grant = (
  namespace: string,
  fromNs: string,
  kind = 'HTTPRoute',
  name?: string,
): ReferenceGrantInput => ({
  namespace,
  spec: {
    from: [{ group: 'gateway.networking.k8s.io', kind, namespace: fromNs }],
    to: [{ group: '', kind: 'Service', ...(name !== undefined ? { name } : {}) }],
  },
});

const from = { kind: 'HTTPRoute' as const, namespace: 'app' };

describe('BackendResolver', () => {
  it('refuses kinds other than a core Service, naming the kind with its group', () => {
    const r = new BackendResolver([svc('web')], []);
    expect(r.resolve({ name: 'web', kind: 'Backend', port: 80 }, from)).toEqual({
      ok: false,
      problem: { reason: 'InvalidKind', message: 'backend app/web: unsupported kind Backend' },
    });
    expect(r.resolve({ name: 'web', group: 'example.com', kind: 'Service', port: 80 }, from)).toEqual({
      ok: false,
      problem: { reason: 'InvalidKind', message: 'backend app/web: unsupported kind example.com/Service' },
    });
    expect(r.resolve({ name: 'web', group: '', kind: 'Service', port: 80 }, from)).toEqual({
      ok: true,
      cluster: 'service/app/web/80',
    });
    expect(r.clusters.size).toBe(1);
  });

  it('needs a ReferenceGrant across namespaces, for the route kind and namespace it names', () => {
    const other = { ...svc('db'), namespace: 'data' };
    const refused = {
      ok: false,
      problem: {
        reason: 'RefNotPermitted',
        message: 'backend data/db: no ReferenceGrant in data allows HTTPRoutes from app',
      },
    };
    expect(
      new BackendResolver([other], []).resolve({ name: 'db', namespace: 'data', port: 80 }, from),
    ).toEqual(refused);
    expect(
      new BackendResolver([other], [grant('data', 'app', 'GRPCRoute')]).resolve(
        { name: 'db', namespace: 'data', port: 80 },
        from,
      ),
    ).toEqual(refused);
    expect(
      new BackendResolver([other], [grant('app', 'app')]).resolve(
        { name: 'db', namespace: 'data', port: 80 },
        from,
      ),
    ).toEqual(refused);
    expect(
      new BackendResolver([other], [grant('data', 'app')]).resolve(
        { name: 'db', namespace: 'data', port: 80 },
        from,
      ),
    ).toEqual({ ok: true, cluster: 'service/data/db/80' });
  });

  it('says which of service, port and Service port is missing', () => {
    const r = new BackendResolver([svc('web')], []);
    expect(r.resolve({ name: 'nope', port: 80 }, from)).toEqual({
      ok: false,
      problem: { reason: 'BackendNotFound', message: 'backend app/nope: service not found' },
    });
    expect(r.resolve({ name: 'web' }, from)).toEqual({
      ok: false,
      problem: { reason: 'BackendNotFound', message: 'backend app/web: port is required for a Service' },
    });
    expect(r.resolve({ name: 'web', port: 81 }, from)).toEqual({
      ok: false,
      problem: { reason: 'BackendNotFound', message: 'backend app/web: service has no port 81' },
    });
    expect(r.clusters.size).toBe(0);
  });

  it('the first Service of a name wins', () => {
    const r = new BackendResolver(
      [svc('web', { endpoints: [ep('10.0.0.1')] }), svc('web', { endpoints: [ep('10.0.0.2')] })],
      [],
    );
    r.resolve({ name: 'web', port: 80 }, from);
    expect(r.clusters.get('service/app/web/80')?.endpoints.map((e) => e.address)).toEqual(['10.0.0.1']);
  });

  it('speaks HTTP/2 for GRPCRoutes and for h2c/grpc app protocols, and upgrades a shared cluster once one needs it', () => {
    for (const appProtocol of ['kubernetes.io/h2c', 'h2c', 'grpc', 'kubernetes.io/grpc']) {
      const r = new BackendResolver([svc('web', { ports: [{ port: 80, appProtocol }] })], []);
      r.resolve({ name: 'web', port: 80 }, from);
      expect(r.clusters.get('service/app/web/80')?.protocol).toBe('http2');
    }
    const plain = new BackendResolver([svc('web', { ports: [{ port: 80, appProtocol: 'http' }] })], []);
    plain.resolve({ name: 'web', port: 80 }, from);
    expect(plain.clusters.get('service/app/web/80')?.protocol).toBe('http1');

    const shared = new BackendResolver([svc('web')], []);
    expect(shared.resolve({ name: 'web', port: 80 }, from)).toEqual({
      ok: true,
      cluster: 'service/app/web/80',
    });
    expect(shared.clusters.get('service/app/web/80')?.protocol).toBe('http1');
    expect(shared.resolve({ name: 'web', port: 80 }, { kind: 'GRPCRoute', namespace: 'app' })).toEqual({
      ok: true,
      cluster: 'service/app/web/80',
    });
    const upgraded = shared.clusters.get('service/app/web/80');
    expect(upgraded?.protocol).toBe('http2');
    expect(upgraded?.endpoints).toHaveLength(1);
    // A later HTTP/1 user keeps the upgrade.
    shared.resolve({ name: 'web', port: 80 }, from);
    expect(shared.clusters.get('service/app/web/80')?.protocol).toBe('http2');
    expect(shared.clusters.size).toBe(1);
  });

  it('builds the cluster with the Service it serves', () => {
    const r = new BackendResolver([svc('web')], []);
    r.resolve({ name: 'web', port: 80 }, from);
    expect(r.clusters.get('service/app/web/80')).toEqual({
      name: 'service/app/web/80',
      service: { namespace: 'app', name: 'web', port: 80 },
      protocol: 'http1',
      endpoints: [{ address: '10.0.0.1', port: 8080, health: 'HEALTHY' }],
    });
  });

  it('picks endpoints by port name, else by target port unless the Service has one port or no target port', () => {
    const endpoints = [
      ep('10.0.0.1', { port: 8080, portName: 'http' }),
      ep('10.0.0.2', { port: 9090, portName: 'metrics' }),
      ep('10.0.0.3', { port: 8080 }),
      ep('10.0.0.4', { port: 9090 }),
    ];
    const two = svc('web', {
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'metrics', port: 90, targetPort: 9090 },
      ],
      endpoints,
    });
    const r = new BackendResolver([two], []);
    r.resolve({ name: 'web', port: 80 }, from);
    r.resolve({ name: 'web', port: 90 }, from);
    expect(r.clusters.get('service/app/web/80')?.endpoints.map((e) => e.address)).toEqual([
      '10.0.0.1',
      '10.0.0.3',
    ]);
    expect(r.clusters.get('service/app/web/90')?.endpoints.map((e) => e.address)).toEqual([
      '10.0.0.2',
      '10.0.0.4',
    ]);

    // Without a target port every unnamed endpoint belongs to the port.
    const noTarget = new BackendResolver(
      [
        svc('web', {
          ports: [
            { name: 'http', port: 80 },
            { name: 'b', port: 90, targetPort: 1 },
          ],
          endpoints,
        }),
      ],
      [],
    );
    noTarget.resolve({ name: 'web', port: 80 }, from);
    expect(noTarget.clusters.get('service/app/web/80')?.endpoints.map((e) => e.address)).toEqual([
      '10.0.0.1',
      '10.0.0.3',
      '10.0.0.4',
    ]);
    // A one-port Service takes every unnamed endpoint whatever its port; an unnamed port matches portName "".
    const one = new BackendResolver(
      [
        svc('web', {
          ports: [{ port: 80, targetPort: 7070 }],
          endpoints: [...endpoints, ep('10.0.0.5', { portName: '' })],
        }),
      ],
      [],
    );
    one.resolve({ name: 'web', port: 80 }, from);
    expect(one.clusters.get('service/app/web/80')?.endpoints.map((e) => e.address)).toEqual([
      '10.0.0.3',
      '10.0.0.4',
      '10.0.0.5',
    ]);
  });

  it('serves ready endpoints, drains terminating ones that still serve, skips the rest and duplicates', () => {
    const r = new BackendResolver(
      [
        svc('web', {
          endpoints: [
            ep('10.0.0.9', { weight: 3 }),
            ep('10.0.0.1', { ready: false }),
            ep('10.0.0.2', { ready: false, serving: true, terminating: true }),
            ep('10.0.0.3', { ready: true, serving: false }),
            ep('10.0.0.4', { terminating: false }),
            ep('10.0.0.9', { weight: 5 }),
            ep('10.0.0.4', { port: 8081 }),
          ],
        }),
      ],
      [],
    );
    r.resolve({ name: 'web', port: 80 }, from);
    expect(r.clusters.get('service/app/web/80')?.endpoints).toEqual([
      { address: '10.0.0.2', port: 8080, health: 'DRAINING' },
      { address: '10.0.0.4', port: 8080, health: 'HEALTHY' },
      { address: '10.0.0.4', port: 8081, health: 'HEALTHY' },
      { address: '10.0.0.9', port: 8080, health: 'HEALTHY', weight: 3 },
    ]);
  });

  it('compareStrings orders by code unit', () => {
    expect(['b', 'a', 'B', 'a'].sort(compareStrings)).toEqual(['B', 'a', 'a', 'b']);
    expect([compareStrings('a', 'b'), compareStrings('b', 'a'), compareStrings('a', 'a')]).toEqual([
      -1, 1, 0,
    ]);
  });
});

describe('references', () => {
  const f = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'app' };
  const to = (name: string, namespace = 'data') => ({ group: '', kind: 'Service', namespace, name });

  it('same-namespace references need no grant', () => {
    expect(referencePermitted([], f, to('x', 'app'))).toBe(true);
  });

  it('a grant matches the target namespace, the from group/kind/namespace and the to group/kind/name', () => {
    const g = grant('data', 'app', 'HTTPRoute', 'db');
    expect(referencePermitted([g], f, to('db'))).toBe(true);
    expect(referencePermitted([g], f, to('other'))).toBe(false);
    expect(referencePermitted([grant('data', 'app')], f, to('anything'))).toBe(true);
    expect(referencePermitted([grant('data', 'other')], f, to('db'))).toBe(false);
    expect(
      referencePermitted(
        [{ ...g, spec: { ...g.spec, from: [{ ...g.spec.from[0]!, group: 'x' }] } }],
        f,
        to('db'),
      ),
    ).toBe(false);
    expect(
      referencePermitted([{ ...g, spec: { ...g.spec, to: [{ group: 'x', kind: 'Service' }] } }], f, to('db')),
    ).toBe(false);
    expect(
      referencePermitted([{ ...g, spec: { ...g.spec, to: [{ group: '', kind: 'Secret' }] } }], f, to('db')),
    ).toBe(false);
    expect(referencePermitted([grant('elsewhere', 'app')], f, to('db'))).toBe(false);
  });

  it('selectors: every label and every expression must hold', () => {
    const labels = { env: 'prod', team: 'a' };
    expect(selectorMatches(undefined, labels)).toBe(true);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { env: 'prod' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { env: 'prod', team: 'b' } }, labels)).toBe(false);
    const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) => ({
      matchExpressions: [{ key, operator, ...(values ? { values } : {}) }],
    });
    expect(selectorMatches(expr('In', 'env', ['prod', 'dev']), labels)).toBe(true);
    expect(selectorMatches(expr('In', 'env', ['dev']), labels)).toBe(false);
    expect(selectorMatches(expr('In', 'zone', ['']), labels)).toBe(false);
    expect(selectorMatches(expr('NotIn', 'env', ['dev']), labels)).toBe(true);
    expect(selectorMatches(expr('NotIn', 'env', ['prod']), labels)).toBe(false);
    expect(selectorMatches(expr('NotIn', 'zone', ['']), labels)).toBe(true);
    expect(selectorMatches(expr('Exists', 'env'), labels)).toBe(true);
    expect(selectorMatches(expr('Exists', 'zone'), labels)).toBe(false);
    expect(selectorMatches(expr('DoesNotExist', 'zone'), labels)).toBe(true);
    expect(selectorMatches(expr('DoesNotExist', 'env'), labels)).toBe(false);
    expect(selectorMatches(expr('In', 'env'), labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { env: 'prod' }, ...expr('Exists', 'zone') }, labels)).toBe(false);
  });

  it('namespace labels always carry kubernetes.io/metadata.name, which cannot be overridden', () => {
    expect(namespaceLabels([{ name: 'app', labels: { env: 'prod' } }], 'app')).toEqual({
      env: 'prod',
      'kubernetes.io/metadata.name': 'app',
    });
    expect(namespaceLabels([{ name: 'app', labels: { 'kubernetes.io/metadata.name': 'x' } }], 'app')).toEqual(
      {
        'kubernetes.io/metadata.name': 'app',
      },
    );
    expect(namespaceLabels([{ name: 'other', labels: { env: 'prod' } }], 'app')).toEqual({
      'kubernetes.io/metadata.name': 'app',
    });
  });
});

describe('hostnames', () => {
  it('"*" matches everything; matching ignores case; a wildcard needs at least one label', () => {
    expect(hostnameMatches('*', 'anything.example')).toBe(true);
    expect(hostnameMatches('Example.COM', 'example.com')).toBe(true);
    expect(hostnameMatches('example.com', 'www.example.com')).toBe(false);
    expect(hostnameMatches('*.Example.com', 'A.EXAMPLE.COM')).toBe(true);
    expect(hostnameMatches('*.example.com', '.example.com')).toBe(false);
    expect(hostnameMatches('*.example.com', 'aexample.com')).toBe(false);
  });

  it('an empty listener hostname is no restriction; duplicates are dropped', () => {
    expect(intersectHostnames('', ['a.com', 'A.com'])).toEqual(['a.com']);
    expect(intersectHostnames('', [])).toEqual(['*']);
    expect(intersectHostnames('*.com', [])).toEqual(['*.com']);
    expect(intersectHostnames('a.com', ['b.com'])).toEqual([]);
    expect(intersectHostnames('*.a.com', ['x.b.com', 'x.a.com', 'X.A.com'])).toEqual(['x.a.com']);
    expect(intersectHostnames('x.a.com', ['*.b.com'])).toEqual([]);
    expect(intersectHostnames('*.a.com', ['*.a.com', '*.b.com'])).toEqual(['*.a.com']);
  });

  it('specificity: exact names first (longer first), then wildcards (longer first), then "*"', () => {
    expect(hostnameSpecificity('*')).toEqual([2, 0]);
    expect(hostnameSpecificity('*.a.com')).toEqual([1, -7]);
    expect(hostnameSpecificity('b.a.com')).toEqual([0, -7]);
  });
});

describe('durations', () => {
  it('parses GEP-2257 durations, adding repeated units, and refuses anything else', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h1m1s1ms')).toBe(3_661_001);
    expect(parseDuration('1s1s')).toBe(2_000);
    for (const bad of ['', '1', '1d', '1.5s', '100000s', '1h1m1s1ms1h', ' 1s', '1s ', 'ms']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });

  it('prints proto3 JSON durations with milliseconds only when there are some', () => {
    expect(protoDuration(0)).toBe('0s');
    expect(protoDuration(1500)).toBe('1.500s');
    expect(protoDuration(61_005)).toBe('61.005s');
    expect(protoDuration(999)).toBe('0.999s');
    expect(protoDuration(3_600_000)).toBe('3600s');
  });
});

describe('proto JSON', () => {
  it('isJsonObject is true for objects only', () => {
    expect([{}, [], null, 'x', 1, true, undefined].map(isJsonObject)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('merges like protobuf MergeFrom: scalars replace, messages merge, repeated fields append', () => {
    expect(protoMerge({ a: 1, b: { c: 1, d: [1] }, e: 'x' }, { b: { c: 2, d: [2] }, f: true })).toEqual({
      a: 1,
      b: { c: 2, d: [1, 2] },
      e: 'x',
      f: true,
    });
    expect(protoMerge([1], 2)).toBe(2);
    expect(protoMerge({ a: 1 }, [1])).toEqual([1]);
    expect(protoMerge([1], { a: 1 })).toEqual({ a: 1 });
    expect(protoMerge({ a: null }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });

  it('replaces an Any of another @type whole and merges one of the same @type', () => {
    expect(protoMerge({ '@type': 'A', x: 1 }, { '@type': 'B', y: 2 })).toEqual({ '@type': 'B', y: 2 });
    expect(protoMerge({ '@type': 'A', x: 1 }, { '@type': 'A', y: 2 })).toEqual({ '@type': 'A', x: 1, y: 2 });
    expect(protoMerge({ '@type': 'A', x: 1 }, { y: 2 })).toEqual({ '@type': 'A', x: 1, y: 2 });
    expect(protoMerge({ x: 1 }, { '@type': 'B', y: 2 })).toEqual({ '@type': 'B', x: 1, y: 2 });
  });

  it('does not change its inputs', () => {
    const base = { a: { b: [1] } };
    protoMerge(base, { a: { b: [2], c: 1 } });
    expect(base).toEqual({ a: { b: [1] } });
  });

  it('canonicalize sorts keys at every depth, inside arrays too', () => {
    const c = canonicalize({ b: 1, a: [{ d: 1, c: 2 }], c: { z: null, y: 'x' } });
    expect(JSON.stringify(c)).toBe('{"a":[{"c":2,"d":1}],"b":1,"c":{"y":"x","z":null}}');
    expect(canonicalize('x')).toBe('x');
  });
});

describe('edges the first mutation run left', () => {
  it('sorts endpoints of one address by port and keeps weight off endpoints that have none', () => {
    const r = new BackendResolver(
      [
        svc('web', {
          endpoints: [
            ep('10.0.0.1', { port: 8082 }),
            ep('10.0.0.1', { port: 8080 }),
            ep('10.0.0.1', { port: 8081 }),
          ],
        }),
      ],
      [],
    );
    r.resolve({ name: 'web', port: 80 }, from);
    const endpoints = r.clusters.get('service/app/web/80')?.endpoints ?? [];
    expect(endpoints.map((e) => e.port)).toEqual([8080, 8081, 8082]);
    expect(endpoints.map((e) => Object.keys(e).sort())).toEqual([
      ['address', 'health', 'port'],
      ['address', 'health', 'port'],
      ['address', 'health', 'port'],
    ]);
  });

  it('a cluster two HTTP/1 routes share stays HTTP/1', () => {
    const r = new BackendResolver([svc('web')], []);
    r.resolve({ name: 'web', port: 80 }, from);
    r.resolve({ name: 'web', port: 80 }, { kind: 'HTTPRoute', namespace: 'app' });
    expect(r.clusters.get('service/app/web/80')?.protocol).toBe('http1');
  });

  it('one matching from and one matching to entry in a grant are enough', () => {
    const f = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'app' };
    const g: ReferenceGrantInput = {
      namespace: 'data',
      spec: {
        from: [
          { group: 'gateway.networking.k8s.io', kind: 'TCPRoute', namespace: 'app' },
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'app' },
        ],
        to: [
          { group: '', kind: 'Secret' },
          { group: '', kind: 'Service', name: 'db' },
        ],
      },
    };
    expect(referencePermitted([g], f, { group: '', kind: 'Service', namespace: 'data', name: 'db' })).toBe(
      true,
    );
  });

  it('a Secret made in a test reveals exactly its value', () => {
    expect(new Secret('k1').reveal()).toBe('k1');
    expect(new Secret('').reveal()).toBe('');
  });
});
