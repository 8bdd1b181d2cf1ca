/**
 * SQL that writes a value as the JSON text a serialiser writes for it: the same keys, in the same order,
 * with the same formats, so that PostgreSQL can build a hot answer (a page of 100 gateways) that Node sends
 * without parsing and re-serialising it (modules/gateway-repo.ts).
 *
 * A value's shape is read from the JSON Schema that fast-json-stringify serialises the REST answer from
 * (http/rest.ts `serializerSchema`), with fast-json-stringify's rules (node_modules/fast-json-stringify,
 * `buildInnerObject`): required properties first, then the optional ones, each group in declaration order;
 * an absent property with a `default` is written as its default; undeclared properties are dropped; a map
 * (`additionalProperties` with a schema) keeps the key order of the object JSON.parse made of the stored
 * JSON (integer-like keys first, ascending, then the stored order). Strings and numbers are written by
 * PostgreSQL's JSON output, which escapes as JSON.stringify does (`\n`, `\"`, `\u001f`, UTF-8 as is).
 *
 * Schemas the translation cannot follow (`anyOf`, `{}`, objects with both properties and a map) are refused
 * when the SQL is built, so a schema change fails the tests instead of changing the answer.
 */

export type Shape =
  | { kind: 'scalar' }
  | { kind: 'array'; items: Shape }
  | { kind: 'object'; props: Prop[] }
  | { kind: 'map'; values: Shape };

export interface Prop {
  key: string;
  shape: Shape;
  /** What is written when the stored object lacks the key: nothing, `null` (GraphQL), or a default. */
  absent: 'omit' | 'null' | { default: unknown };
}

type Json = Record<string, unknown>;

/** The shape of a value that fast-json-stringify serialises with `schema` (inlined: no $ref). */
export function shapeOfSchema(schema: Json, where = '$'): Shape {
  const type = schema.type;
  const types = Array.isArray(type) ? type.filter((t) => t !== 'null') : [type];
  if (types.length !== 1 || schema.anyOf || schema.oneOf || schema.allOf || schema.$ref)
    throw new Error(`json-text-sql: ${where} has no single type (${JSON.stringify(type)})`);
  const t = types[0];
  if (t === 'string' || t === 'integer' || t === 'number' || t === 'boolean') return { kind: 'scalar' };
  if (t === 'array') return { kind: 'array', items: shapeOfSchema(schema.items as Json, `${where}[]`) };
  if (t !== 'object') throw new Error(`json-text-sql: ${where} has type ${String(t)}`);
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const extra = schema.additionalProperties;
  const keys = Object.keys(properties);
  if (keys.length === 0 && extra && typeof extra === 'object')
    return { kind: 'map', values: shapeOfSchema(extra as Json, `${where}.*`) };
  if (extra !== undefined && extra !== false)
    throw new Error(`json-text-sql: ${where} mixes properties with additional properties`);
  const required = new Set((schema.required ?? []) as string[]);
  // fast-json-stringify writes the required properties first (a stable sort keeps declaration order).
  const ordered = [...keys.filter((k) => required.has(k)), ...keys.filter((k) => !required.has(k))];
  return {
    kind: 'object',
    props: ordered.map((key) => {
      const p = properties[key]!;
      return {
        key,
        shape: shapeOfSchema(p, `${where}.${key}`),
        absent: p.default !== undefined ? { default: p.default } : 'omit',
      };
    }),
  };
}

/** A SQL string literal. */
export const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Where a value comes from: a jsonb expression, a SQL expression that already is the JSON text (a column
 * rendered by the caller), or, for an object, one source per property.
 */
export type Source = { jsonb: string } | { text: string } | { fields: Record<string, Source> };

/**
 * A SQL expression of type text: the JSON of `src` as `shape` says. Never NULL: a missing or JSON-null
 * value is `null`.
 */
export function jsonTextSql(shape: Shape, src: Source, depth = 0): string {
  if ('text' in src) return src.text;
  if ('fields' in src) {
    if (shape.kind !== 'object') throw new Error('json-text-sql: fields given for a value that is no object');
    const declared = shape.props.map((p) => p.key);
    const given = Object.keys(src.fields);
    const missing = declared.filter((k) => !given.includes(k));
    const extra = given.filter((k) => !declared.includes(k));
    if (missing.length || extra.length)
      throw new Error(
        `json-text-sql: the columns do not match the schema (missing ${missing.join(', ') || '-'}; undeclared ${extra.join(', ') || '-'})`,
      );
    const parts = shape.props.map(
      (p) => `${sqlText(JSON.stringify(p.key) + ':')} || ${jsonTextSql(p.shape, src.fields[p.key]!, depth)}`,
    );
    return parts.length ? `('{' || ${parts.join(" || ',' || ")} || '}')` : `'{}'`;
  }
  const x = src.jsonb;
  switch (shape.kind) {
    case 'scalar':
      return `COALESCE((${x})::text, 'null')`;
    case 'array': {
      const e = `e${depth}`;
      return `(CASE jsonb_typeof(${x}) WHEN 'array' THEN COALESCE((SELECT '[' || string_agg(${jsonTextSql(shape.items, { jsonb: `${e}.v` }, depth + 1)}, ',' ORDER BY ${e}.o) || ']' FROM jsonb_array_elements(${x}) WITH ORDINALITY ${e}(v, o)), '[]') ELSE 'null' END)`;
    }
    case 'map': {
      const e = `e${depth}`;
      // JavaScript orders an object's array-index keys (0 … 2^32 - 2) first, ascending.
      const index = `(CASE WHEN ${e}.k ~ '^(0|[1-9][0-9]{0,9})$' THEN CASE WHEN ${e}.k::bigint < 4294967295 THEN ${e}.k::bigint END END)`;
      return `(CASE jsonb_typeof(${x}) WHEN 'object' THEN COALESCE((SELECT '{' || string_agg(to_json(${e}.k)::text || ':' || ${jsonTextSql(shape.values, { jsonb: `${e}.v` }, depth + 1)}, ',' ORDER BY ${index} NULLS LAST, ${e}.o) || '}' FROM jsonb_each(${x}) WITH ORDINALITY ${e}(k, v, o)), '{}') ELSE 'null' END)`;
    }
    case 'object': {
      const parts = shape.props.map((p) => {
        const key = sqlText(JSON.stringify(p.key) + ':');
        const value = `${key} || ${jsonTextSql(p.shape, { jsonb: `(${x})->${sqlText(p.key)}` }, depth)}`;
        if (p.absent === 'null') return value;
        const has = `(${x}) ? ${sqlText(p.key)}`;
        if (p.absent === 'omit') return `CASE WHEN ${has} THEN ${value} END`;
        return `CASE WHEN ${has} THEN ${value} ELSE ${sqlText(JSON.stringify(p.key) + ':' + JSON.stringify(p.absent.default))} END`;
      });
      const body = parts.length ? `concat_ws(',', ${parts.join(', ')})` : `''`;
      return `(CASE jsonb_typeof(${x}) WHEN 'object' THEN '{' || ${body} || '}' ELSE 'null' END)`;
    }
  }
}
