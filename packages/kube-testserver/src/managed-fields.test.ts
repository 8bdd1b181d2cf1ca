import { describe, expect, it } from 'vitest';
import { fieldSet, fromFieldsV1, pathString, serverSideApply, Shape, toFieldsV1 } from './managed-fields.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, size: { type: 'integer' } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
const shape = new Shape(schema, []);
const applyAs = (manager: string, live: any, applied: any, force = false) =>
  serverSideApply({
    live,
    applied,
    manager,
    apiVersion: 'x/v1',
    force,
    shape,
    subresource: undefined,
    now: '2026-01-01T00:00:00Z',
  });

describe('field sets', () => {
  it('serialises associative items, set items and atomic lists as FieldsV1', () => {
    const set = fieldSet(
      {
        apiVersion: 'x/v1',
        kind: 'X',
        metadata: { name: 'n', labels: { a: 'b' } },
        spec: { items: [{ name: 'i', size: 1 }], tags: ['t'], args: ['x'] },
      },
      shape,
      false,
    );
    expect(toFieldsV1(set)).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': {
        'f:args': {},
        'f:items': { 'k:{"name":"i"}': { '.': {}, 'f:name': {}, 'f:size': {} } },
        'f:tags': { 'v:"t"': {} },
      },
    });
    expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
  });

  it('prints paths as structured-merge-diff does', () => {
    expect(pathString('f:spec\u0000f:items\u0000k:{"name":"i"}\u0000f:size')).toBe(
      '.spec.items[name="i"].size',
    );
    expect(pathString('f:spec\u0000f:tags\u0000v:"t"')).toBe('.spec.tags[="t"]');
  });
});

describe('server-side apply', () => {
  it('merges associative list items from two managers and keeps both', () => {
    const one = applyAs('one', undefined, { spec: { items: [{ name: 'a', size: 1 }] } });
    const two = applyAs('two', one, { spec: { items: [{ name: 'b', size: 2 }] } });
    expect((two.spec as any).items).toEqual([
      { name: 'a', size: 1 },
      { name: 'b', size: 2 },
    ]);
  });

  it('removes only the items a manager stops applying', () => {
    const one = applyAs('one', undefined, { spec: { items: [{ name: 'a' }, { name: 'c' }] } });
    const two = applyAs('two', one, { spec: { items: [{ name: 'b' }] } });
    const again = applyAs('one', two, { spec: { items: [{ name: 'a' }] } });
    expect((again.spec as any).items.map((i: any) => i.name)).toEqual(['a', 'b']);
  });

  it('replaces atomic lists and conflicts on them as a whole', () => {
    const one = applyAs('one', undefined, { spec: { args: ['x', 'y'] } });
    expect(() => applyAs('two', one, { spec: { args: ['z'] } })).toThrowError(
      /conflict with "one" using x\/v1: \.spec\.args/,
    );
    expect((applyAs('two', one, { spec: { args: ['z'] } }, true).spec as any).args).toEqual(['z']);
  });
});
