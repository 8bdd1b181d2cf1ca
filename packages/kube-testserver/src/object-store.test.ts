import { describe, expect, it } from 'vitest';
import { ObjectStore } from './object-store.js';
import { StatusError } from './status.js';

describe('object store', () => {
  it('uses one resourceVersion sequence across resources', () => {
    const store = new ObjectStore(10);
    const a = store.put('/configmaps', 'ns', 'a', { metadata: {} });
    const b = store.put('apps/deployments', 'ns', 'b', { metadata: {} });
    expect(Number((b.metadata as any).resourceVersion)).toBe(Number((a.metadata as any).resourceVersion) + 1);
  });

  it('answers 410 Gone for resourceVersions older than the retained window', () => {
    const store = new ObjectStore(3);
    const start = store.resourceVersion;
    for (let i = 0; i < 5; i++) store.put('/configmaps', 'ns', `c${i}`, { metadata: {} });
    expect(store.eventsSince('/configmaps', store.resourceVersion - 3).map((e) => e.rv)).toHaveLength(3);
    try {
      store.eventsSince('/configmaps', start);
      expect.unreachable();
    } catch (e) {
      expect((e as StatusError).code).toBe(410);
      expect((e as StatusError).message).toBe(
        `too old resource version: ${start} (${store.resourceVersion - 2})`,
      );
    }
  });

  it('keeps exactly the window across many writes', () => {
    const store = new ObjectStore(10);
    for (let i = 0; i < 3000; i++) store.put('/configmaps', 'ns', `c${i % 50}`, { metadata: {} });
    const rv = store.resourceVersion;
    expect(store.eventsSince('/configmaps', rv - 10).map((e) => e.rv)).toEqual(
      Array.from({ length: 10 }, (_, i) => rv - 9 + i),
    );
    expect(() => store.eventsSince('/configmaps', rv - 11)).toThrowError(/too old resource version/);
  });

  it('resumes strictly after the given resourceVersion, never re-sending the event at it', () => {
    const store = new ObjectStore(100);
    for (let i = 0; i < 5; i++) store.put('/configmaps', 'ns', `c${i}`, { metadata: {} });
    const rv = store.resourceVersion;
    expect(store.eventsSince('/configmaps', rv - 2).map((e) => e.rv)).toEqual([rv - 1, rv]);
    expect(store.eventsSince('/configmaps', rv)).toEqual([]);
  });

  it('records deletions with a new resourceVersion', () => {
    const store = new ObjectStore(10);
    store.put('/configmaps', 'ns', 'a', { metadata: { name: 'a' } });
    const removed = store.remove('/configmaps', 'ns', 'a');
    expect((removed?.metadata as any).resourceVersion).toBe(String(store.resourceVersion));
    expect(store.get('/configmaps', 'ns', 'a')).toBeUndefined();
  });
});
