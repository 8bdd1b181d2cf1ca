import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '@epic/envoy-proto';
import { describe, expect, it } from 'vitest';
import { SnapshotCache } from './snapshot-cache.js';
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
