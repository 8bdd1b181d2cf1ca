import { describe, expect, it } from 'vitest';
import { applyStructuralSchema } from './schema-validation.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        mode: { type: 'string', default: 'auto' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 1 } } },
        free: { type: 'object', additionalProperties: { type: 'string' } },
        choice: {
          type: 'object',
          anyOf: [{ required: ['a'] }, { required: ['b'] }],
          properties: { a: { type: 'string' }, b: { type: 'string' } },
        },
        nullable: { type: 'string', nullable: true },
      },
    },
  },
};

describe('structural schema processing', () => {
  it('defaults missing fields, including inside defaulted objects', () => {
    const obj: any = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n', labels: { a: 'b' } }, spec: {} };
    expect(applyStructuralSchema(obj, schema).errors).toEqual([]);
    expect(obj.spec).toEqual({ mode: 'auto', nested: { level: 1 } });
    expect(obj.metadata).toEqual({ name: 'n', labels: { a: 'b' } });
  });

  it('prunes unknown fields and reports their paths', () => {
    const obj: any = { spec: { bogus: 1, nested: { deeper: true } }, extra: 1 };
    const r = applyStructuralSchema(obj, schema);
    expect(r.unknownFields).toEqual(['spec.bogus', 'spec.nested.deeper', 'extra']);
    expect(obj.spec.bogus).toBeUndefined();
  });

  it('accepts int-or-string and validates additionalProperties values', () => {
    const ok: any = { spec: { port: 'http', free: { a: 'b' } } };
    expect(applyStructuralSchema(ok, schema).errors).toEqual([]);
    const bad: any = { spec: { port: true, free: { a: 1 } } };
    expect(applyStructuralSchema(bad, schema).errors.map((e) => `${e.field}: ${e.detail}`)).toEqual([
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      'spec.free.a: Invalid value: "integer": spec.free.a in body must be of type string: "integer"',
    ]);
  });

  it('reports duplicates in a set list', () => {
    const r = applyStructuralSchema({ spec: { tags: ['a', 'b', 'a'] } }, schema);
    expect(r.errors.map((e) => `${e.field}: ${e.detail}`)).toEqual(['spec.tags[2]: Duplicate value: "a"']);
  });

  it('requires one anyOf branch to hold', () => {
    const r = applyStructuralSchema({ spec: { choice: {} } }, schema);
    expect(r.errors.map((e) => e.field)).toEqual(['spec.choice']);
    expect(applyStructuralSchema({ spec: { choice: { b: 'x' } } }, schema).errors).toEqual([]);
  });

  it('keeps null for nullable fields and drops it for others', () => {
    const obj: any = { spec: { nullable: null, mode: null } };
    expect(applyStructuralSchema(obj, schema).errors).toEqual([]);
    expect(obj.spec.nullable).toBeNull();
    expect(obj.spec.mode).toBe('auto');
  });
});
