import { describe, expect, it } from 'vitest';
import type { Json } from './json.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('deletes on null, merges objects and replaces lists', () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1, 2] }, { a: null, b: { c: 3 }, l: [3] })).toEqual({
      b: { c: 3, d: 2 },
      l: [3],
    });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test with escaped pointers', () => {
    const doc = { metadata: { annotations: { 'a/b': 'x' } }, list: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'test', path: '/metadata/annotations/a~1b', value: 'x' },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/metadata/annotations/a~1b', value: 'y' },
      { op: 'copy', from: '/list', path: '/copy' },
      { op: 'move', from: '/copy', path: '/moved' },
    ]);
    expect(out).toEqual({ metadata: { annotations: { 'a/b': 'y' } }, list: [2, 3], moved: [2, 3] });
  });

  it('fails with 422 when a test operation fails', () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrowError(/test failed/);
  });
});

describe('strategic merge patch', () => {
  const pod: Json = {
    spec: {
      containers: [
        { name: 'a', image: 'x', ports: [{ containerPort: 80 }] },
        { name: 'b', image: 'y' },
      ],
    },
  };

  it('merges containers by name and their ports by containerPort', () => {
    const out = strategicMergePatch(pod, {
      spec: {
        containers: [
          { name: 'a', ports: [{ containerPort: 81 }] },
          { name: 'c', image: 'z' },
        ],
      },
    }) as any;
    // Upstream order (strategicpatch.mergeSortedSlice): patch items in patch order, a server-only item only
    // ahead of a patch item that followed it in the live list, so new items come before the rest.
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['a', 'c', 'b']);
    expect(out.spec.containers[0]).toEqual({
      name: 'a',
      image: 'x',
      ports: [{ containerPort: 81 }, { containerPort: 80 }],
    });
  });

  it('honours $patch: delete on a list item and $patch: replace on a list', () => {
    const deleted = strategicMergePatch(pod, {
      spec: { containers: [{ name: 'b', $patch: 'delete' }] },
    }) as any;
    expect(deleted.spec.containers.map((c: any) => c.name)).toEqual(['a']);
    const replaced = strategicMergePatch(pod, {
      spec: { containers: [{ name: 'n', image: 'i' }, { $patch: 'replace' }] },
    }) as any;
    expect(replaced.spec.containers).toEqual([{ name: 'n', image: 'i' }]);
  });

  it('merges finalizers as a set and deletes from it with $deleteFromPrimitiveList', () => {
    const obj = { metadata: { finalizers: ['a', 'b'] } };
    expect(strategicMergePatch(obj, { metadata: { finalizers: ['b', 'c'] } })).toEqual({
      metadata: { finalizers: ['a', 'b', 'c'] },
    });
    expect(strategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } })).toEqual({
      metadata: { finalizers: ['b'] },
    });
  });

  it('replaces lists without a merge key', () => {
    expect(strategicMergePatch({ spec: { args: ['a'] } }, { spec: { args: ['b'] } })).toEqual({
      spec: { args: ['b'] },
    });
  });

  it('orders merged lists like strategicpatch: new items first, live order kept, $setElementOrder obeyed', () => {
    const live: Json = { spec: { containers: ['a', 'b', 'c'].map((name) => ({ name })) } };
    const names = (patch: Json) =>
      ((strategicMergePatch(live, patch) as any).spec.containers as { name: string }[]).map((c) => c.name);
    expect(names({ spec: { containers: [{ name: 'd' }] } })).toEqual(['d', 'a', 'b', 'c']);
    expect(names({ spec: { containers: [{ name: 'b', image: 'x' }] } })).toEqual(['a', 'b', 'c']);
    expect(names({ spec: { containers: [{ name: 'd' }, { name: 'b' }] } })).toEqual(['d', 'a', 'b', 'c']);
    expect(names({ spec: { containers: [{ name: 'c' }, { name: 'a' }] } })).toEqual(['b', 'c', 'a']);
    expect(
      names({
        spec: {
          '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }],
          containers: [{ name: 'b', image: 'x' }],
        },
      }),
    ).toEqual(['c', 'b', 'a']);
    expect(
      strategicMergePatch({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c'] } }),
    ).toEqual({ metadata: { finalizers: ['c', 'a', 'b'] } });
  });
});
