import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '@epic/envoy-proto';
import { describe, expect, it } from 'vitest';
import { SnapshotCache, type EncodeMemo } from './snapshot-cache.js';
import { grpcSnapshot } from './test-support/grpc-fixtures.js';

const base = (version: string, prefix = '/', ports = [9001]) =>
  grpcSnapshot(version, {
    listener: 'l',
    routes: [{ match: { prefix }, route: { cluster: 'c' } }],
    clusters: { c: ports },
  });

describe('SnapshotCache', () => {
  it('reports every non-empty type as changed on the first snapshot', () => {
    const cache = new SnapshotCache();
    expect(cache.setSnapshot('a.b', base('1'))).toEqual([CLUSTER, ENDPOINT, LISTENER, ROUTE]);
  });

  it('changes only the route type, and keeps the other types at their old version, on a route change', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('a.b', base('1'));
    expect(cache.setSnapshot('a.b', base('2', '/api'))).toEqual([ROUTE]);
    const snap = cache.getSnapshot('a.b')!;
    expect(snap.types.get(ROUTE)!.version).toBe('2');
    expect(snap.types.get(CLUSTER)!.version).toBe('1');
  });

  it('changes only EDS on an endpoint change and reuses the unchanged encoded resources', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('a.b', base('1'));
    const before = cache.getSnapshot('a.b')!.types.get(LISTENER)!.resources.get('l');
    expect(cache.setSnapshot('a.b', base('2', '/', [9002]))).toEqual([ENDPOINT]);
    expect(cache.getSnapshot('a.b')!.types.get(LISTENER)!.resources.get('l')).toBe(before);
  });

  it('encodes a resource object once for the snapshots that share a memo, and only those', () => {
    const cache = new SnapshotCache();
    const input = base('1');
    // A second variant of the same revision: its own listener object, the same cluster objects.
    const variant = {
      ...input,
      resources: {
        ...input.resources,
        [LISTENER]: input.resources[LISTENER]!.map((l) => ({ ...l, resource: { ...l.resource } })),
      },
    };
    const memo: EncodeMemo = new Map();
    cache.setSnapshot('a.b', input, memo);
    cache.setSnapshot('a.b.grpc', variant, memo);
    const bytes = (node: string, type: typeof CLUSTER | typeof LISTENER, name: string) =>
      cache.getSnapshot(node)!.types.get(type)!.resources.get(name)!.any.value;
    expect(bytes('a.b.grpc', CLUSTER, 'c')).toBe(bytes('a.b', CLUSTER, 'c'));
    expect(bytes('a.b.grpc', LISTENER, 'l')).not.toBe(bytes('a.b', LISTENER, 'l'));
    expect(bytes('a.b.grpc', LISTENER, 'l')).toEqual(bytes('a.b', LISTENER, 'l'));
    // Without the memo, each call encodes on its own.
    const other = new SnapshotCache();
    other.setSnapshot('a.b', input);
    other.setSnapshot('a.b.grpc', variant);
    const own = (node: string) => other.getSnapshot(node)!.types.get(CLUSTER)!.resources.get('c')!.any.value;
    expect(own('a.b.grpc')).not.toBe(own('a.b'));
    expect(own('a.b.grpc')).toEqual(own('a.b'));
  });

  it('changes nothing for an identical render', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('a.b', base('1'));
    expect(cache.setSnapshot('a.b', base('2'))).toEqual([]);
  });

  it('rejects a resource that does not encode and keeps the previous snapshot', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot('a.b', base('1'));
    const bad = base('2') as any;
    bad.resources[CLUSTER][0].resource.lbPolicy = 'NOPE';
    expect(() => cache.setSnapshot('a.b', bad)).toThrow(/lb_policy/);
    expect(cache.getSnapshot('a.b')!.version).toBe('1');
  });

  it('rejects duplicate resource names', () => {
    const cache = new SnapshotCache();
    const dup = base('1') as any;
    dup.resources[CLUSTER].push(dup.resources[CLUSTER][0]);
    expect(() => cache.setSnapshot('a.b', dup)).toThrow(/duplicate/);
  });

  it('notifies watchers of their node only', () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const stop = cache.watch('a.b', (s, changed) => seen.push(`${s.nodeId}:${changed.length}`));
    cache.setSnapshot('a.b', base('1'));
    cache.setSnapshot('x.y', base('1'));
    stop();
    cache.setSnapshot('a.b', base('2', '/z'));
    expect(seen).toEqual(['a.b:4']);
  });
});
