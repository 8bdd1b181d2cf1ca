import { describe, expect, it } from 'vitest';
import { jsonTextSql, shapeOfSchema } from './json-text-sql.js';

describe('json-text-sql shapes, read as fast-json-stringify reads a schema', () => {
  it('puts required properties first, keeps declaration order within each group, and notes defaults', () => {
    const shape = shapeOfSchema({
      type: 'object',
      required: ['c', 'a'],
      properties: {
        a: { type: 'string' },
        b: { type: 'integer', default: 7 },
        c: { type: ['string', 'null'] },
        d: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } },
      },
      additionalProperties: false,
    });
    expect(shape).toEqual({
      kind: 'object',
      props: [
        { key: 'a', shape: { kind: 'scalar' }, absent: 'omit' },
        { key: 'c', shape: { kind: 'scalar' }, absent: 'omit' },
        { key: 'b', shape: { kind: 'scalar' }, absent: { default: 7 } },
        {
          key: 'd',
          shape: { kind: 'array', items: { kind: 'map', values: { kind: 'scalar' } } },
          absent: 'omit',
        },
      ],
    });
  });

  it('refuses what it cannot follow, naming where', () => {
    expect(() => shapeOfSchema({ anyOf: [{ type: 'string' }, { type: 'integer' }] })).toThrow(
      /\$ has no single type/,
    );
    expect(() => shapeOfSchema({ type: 'object', properties: { x: {} } })).toThrow(
      /\$\.x has type undefined/,
    );
    expect(() =>
      shapeOfSchema({ type: 'object', properties: { x: { type: 'string' } }, additionalProperties: true }),
    ).toThrow(/mixes properties/);
  });

  it('refuses columns that do not match the schema', () => {
    const shape = shapeOfSchema({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    });
    expect(() => jsonTextSql(shape, { fields: { a: { text: 'x' } } })).toThrow(/missing b/);
    expect(() =>
      jsonTextSql(shape, { fields: { a: { text: 'x' }, b: { text: 'y' }, c: { text: 'z' } } }),
    ).toThrow(/undeclared c/);
    expect(jsonTextSql(shape, { fields: { a: { text: 'x' }, b: { text: 'y' } } })).toBe(
      `('{' || '"a":' || x || ',' || '"b":' || y || '}')`,
    );
  });
});
