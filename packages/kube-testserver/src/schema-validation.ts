// Structural-schema processing of custom resources, in the order the apiextensions server applies it:
// prune unknown fields, apply defaults, then validate (kube-openapi's checks, worded as field.Error).
// CEL rules (x-kubernetes-validations) are evaluated afterwards by cel-validation.ts.
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.js';
import { fieldError, type FieldError } from './status.js';

export interface SchemaResult {
  errors: FieldError[];
  /** Paths of pruned unknown fields (`spec.foo`), for fieldValidation=Strict|Warn. */
  unknownFields: string[];
}

type Schema = JsonObject;

function schemaAt(s: Schema, key: string): Schema | undefined {
  const v = s[key];
  return isObject(v) ? v : undefined;
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Prunes and defaults `value` in place (returning the possibly replaced value); records unknown fields. */
function pruneAndDefault(value: Json, schema: Schema, path: string, unknown: string[], root: boolean): Json {
  if (Array.isArray(value)) {
    const items = schemaAt(schema, 'items');
    if (items)
      for (let i = 0; i < value.length; i++)
        value[i] = pruneAndDefault(value[i] as Json, items, `${path}[${i}]`, unknown, false);
    return value;
  }
  if (!isObject(value)) return value;
  const props = schemaAt(schema, 'properties');
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    // ObjectMeta is pruned by its own Go type, never by the CRD schema.
    if ((root || embedded) && key === 'metadata') continue;
    const sub = props ? schemaAt(props, key) : undefined;
    if (sub) {
      const v = value[key] as Json;
      if (v === null && sub.nullable !== true) {
        // Structural defaulting drops nulls of non-nullable fields before defaults apply.
        delete value[key];
        continue;
      }
      value[key] = pruneAndDefault(v, sub, join(path, key), unknown, false);
    } else if (isObject(additional)) {
      value[key] = pruneAndDefault(value[key] as Json, additional, join(path, key), unknown, false);
    } else if (additional === true || preserve) {
      continue;
    } else if ((root || embedded) && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) {
      continue;
    } else {
      unknown.push(join(path, key));
      delete value[key];
    }
  }
  if (props) {
    for (const [key, sub] of Object.entries(props)) {
      if (!isObject(sub) || value[key] !== undefined || sub.default === undefined) continue;
      value[key] = pruneAndDefault(clone(sub.default), sub, join(path, key), [], false);
    }
  }
  return value;
}

function checkType(value: Json, schema: Schema, path: string, errors: FieldError[]): boolean {
  const want = schema.type;
  const actual = typeOf(value);
  if (value === null) {
    if (schema.nullable === true) return false;
    if (typeof want === 'string') {
      errors.push(fieldError.typeInvalid(path, 'null', `${path} in body must be of type ${want}: "null"`));
      return false;
    }
    return false;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (actual !== 'integer' && actual !== 'string') {
      errors.push(
        fieldError.typeInvalid(path, actual, `${path} in body must be of type integer,string: "${actual}"`),
      );
      return false;
    }
    return true;
  }
  if (typeof want !== 'string') return true;
  const ok = want === actual || (want === 'number' && actual === 'integer');
  if (!ok) {
    errors.push(fieldError.typeInvalid(path, actual, `${path} in body must be of type ${want}: "${actual}"`));
    return false;
  }
  return true;
}

const formats: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  hostname:
    /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
};

function validate(value: Json, schema: Schema, path: string, errors: FieldError[]): void {
  if (!checkType(value, schema, path, errors)) return;
  validateValue(value, schema, path, errors);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    const results = list.filter(isObject).map((s) => {
      const errs: FieldError[] = [];
      validateValue(value, s, path, errs);
      return errs;
    });
    if (key === 'allOf') for (const r of results) errors.push(...r);
    const passing = results.filter((r) => r.length === 0).length;
    if (key === 'anyOf' && passing === 0) {
      errors.push(
        fieldError.invalid(
          path,
          value,
          `${path || '<root>'} in body must validate at least one schema (anyOf)`,
        ),
      );
    }
    if (key === 'oneOf' && passing !== 1) {
      errors.push(
        fieldError.invalid(
          path,
          value,
          `${path || '<root>'} in body must validate one and only one schema (oneOf)`,
        ),
      );
    }
  }
  if (isObject(schema.not)) {
    const errs: FieldError[] = [];
    validateValue(value, schema.not, path, errs);
    if (errs.length === 0)
      errors.push(fieldError.invalid(path, value, `${path} in body must not validate the schema (not)`));
  }
}

/** Checks that do not depend on the type being declared at this level (they also run inside anyOf/oneOf). */
function validateValue(value: Json, schema: Schema, path: string, errors: FieldError[]): void {
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value))) {
    errors.push(fieldError.notSupported(path, value, schema.enum));
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof schema.maxLength === 'number' && len > schema.maxLength)
      errors.push(fieldError.tooLong(path, schema.maxLength));
    if (typeof schema.minLength === 'number' && len < schema.minLength) {
      errors.push(
        fieldError.invalid(path, value, `${path} in body should be at least ${schema.minLength} chars long`),
      );
    }
    if (typeof schema.pattern === 'string' && !safeRegex(schema.pattern).test(value)) {
      errors.push(fieldError.invalid(path, value, `${path} in body should match '${schema.pattern}'`));
    }
    const fmt = typeof schema.format === 'string' ? formats[schema.format] : undefined;
    if (fmt && !fmt.test(value)) {
      errors.push(
        fieldError.invalid(
          path,
          value,
          `${path} in body must be of type ${String(schema.format)}: ${JSON.stringify(value)}`,
        ),
      );
    }
  }
  if (typeof value === 'number') {
    const max = schema.maximum;
    const min = schema.minimum;
    if (typeof max === 'number') {
      if (schema.exclusiveMaximum === true ? value >= max : value > max) {
        const rel = schema.exclusiveMaximum === true ? 'less than' : 'less than or equal to';
        errors.push(fieldError.invalid(path, value, `${path} in body should be ${rel} ${max}`));
      }
    }
    if (typeof min === 'number') {
      if (schema.exclusiveMinimum === true ? value <= min : value < min) {
        const rel = schema.exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
        errors.push(fieldError.invalid(path, value, `${path} in body should be ${rel} ${min}`));
      }
    }
  }
  if (Array.isArray(value)) validateArray(value, schema, path, errors);
  if (isObject(value)) validateObject(value, schema, path, errors);
}

function validateArray(value: Json[], schema: Schema, path: string, errors: FieldError[]): void {
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    errors.push(fieldError.tooMany(path, value.length, schema.maxItems));
  }
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    errors.push(
      fieldError.invalid(path, value.length, `${path} in body should have at least ${schema.minItems} items`),
    );
  }
  const items = schemaAt(schema, 'items');
  if (items) value.forEach((item, i) => validate(item, items, `${path}[${i}]`, errors));
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    value.forEach((item, i) => {
      if (value.findIndex((x) => deepEqual(x, item)) < i)
        errors.push(fieldError.duplicate(`${path}[${i}]`, item));
    });
  } else if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
    const keys = schema['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string');
    const keyOf = (item: Json): JsonObject => {
      const out: JsonObject = {};
      if (isObject(item)) for (const k of keys) if (item[k] !== undefined) out[k] = item[k] as Json;
      return out;
    };
    value.forEach((item, i) => {
      const k = keyOf(item);
      if (value.findIndex((x) => deepEqual(keyOf(x), k)) < i)
        errors.push(fieldError.duplicate(`${path}[${i}]`, k));
    });
  }
}

function validateObject(value: JsonObject, schema: Schema, path: string, errors: FieldError[]): void {
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const r of required) {
    if (typeof r === 'string' && value[r] === undefined) errors.push(fieldError.required(join(path, r)));
  }
  const n = Object.keys(value).length;
  if (typeof schema.maxProperties === 'number' && n > schema.maxProperties) {
    errors.push(fieldError.tooMany(path, n, schema.maxProperties));
  }
  if (typeof schema.minProperties === 'number' && n < schema.minProperties) {
    errors.push(
      fieldError.invalid(path, n, `${path} in body should have at least ${schema.minProperties} properties`),
    );
  }
  const props = schemaAt(schema, 'properties');
  const additional = schemaAt(schema, 'additionalProperties');
  for (const [key, v] of Object.entries(value)) {
    if (path === '' && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
    const sub = props ? schemaAt(props, key) : undefined;
    if (sub) validate(v, sub, join(path, key), errors);
    else if (additional) validate(v, additional, join(path, key), errors);
  }
}

const regexCache = new Map<string, RegExp>();
function safeRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      // Go's RE2 and ECMAScript agree on the patterns CRDs use; `u` makes \p{} classes work.
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/**
 * Prunes unknown fields, applies defaults and validates `obj` against a CRD version's openAPIV3Schema.
 * Mutates `obj`. Root metadata is left to object-meta validation, as the apiextensions server does.
 */
export function applyStructuralSchema(obj: JsonObject, schema: Schema): SchemaResult {
  const unknownFields: string[] = [];
  const metadata = obj.metadata;
  pruneAndDefault(obj, schema, '', unknownFields, true);
  if (metadata !== undefined) obj.metadata = metadata;
  const errors: FieldError[] = [];
  validate(obj, schema, '', errors);
  return { errors, unknownFields };
}

/**
 * The value a structural schema gives an absent field: its `default`, itself defaulted below. The
 * apiextensions server also defaults on read, which is how a new object whose status the create strategy
 * dropped still comes back with the CRD's status default (a Gateway's Pending conditions).
 */
export function schemaDefault(schema: Schema | undefined): Json | undefined {
  if (!schema || schema.default === undefined) return undefined;
  return pruneAndDefault(clone(schema.default), schema, '', [], false);
}
