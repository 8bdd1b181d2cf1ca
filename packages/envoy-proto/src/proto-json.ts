// The proto3 JSON mapping, both ways, walking protobufjs descriptors ourselves.
// protobufjs's own fromObject is lenient (unknown fields are dropped, "15s" is not a Duration, wrappers want
// `{ value }`), so a typo in a template would silently vanish. This walk is strict and reports every problem
// with the proto path of the offending field (snake_case names, `[i]` for list items, `["key"]` for map keys).
import Long from 'long';
import protobuf from 'protobufjs';
import { findMessageType } from './proto-root.js';
import { checkFieldRules, checkOneofRequired, type FieldRules, rulesOf } from './validate-rules.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface ProtoIssue {
  /** Proto path of the field, e.g. `filter_chains[0].filters[0].typed_config.route_config`. Empty = the root. */
  path: string;
  message: string;
}

/** A message in protobufjs's internal plain form (snake_case keys, enums as numbers, int64 as Long). */
export type PlainMessage = { [field: string]: unknown };

interface Walk {
  issues: ProtoIssue[];
  /** Also enforce protoc-gen-validate rules (validateResource); plain encoding only checks the schema. */
  rules: boolean;
}

const WRAPPERS = new Set([
  'google.protobuf.DoubleValue',
  'google.protobuf.FloatValue',
  'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value',
  'google.protobuf.Int32Value',
  'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue',
  'google.protobuf.StringValue',
  'google.protobuf.BytesValue',
]);

/** Types whose JSON form is not an object of their fields. */
const SPECIAL_JSON = new Set([
  ...WRAPPERS,
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.FieldMask',
]);

export function fullNameOf(type: protobuf.Type): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

/** proto3's default json_name: drop underscores, upper-case the letter after each. */
export function jsonNameOf(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsByAnyName(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = fieldIndex.get(type);
  if (!index) {
    index = new Map();
    for (const field of type.fieldsArray) {
      index.set(field.name, field);
      index.set(jsonNameOf(field.name), field);
      const explicit = (field.options as Record<string, unknown> | undefined)?.json_name;
      if (typeof explicit === 'string') index.set(explicit, field);
    }
    fieldIndex.set(type, index);
  }
  return index;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------
// JSON → plain message
// ---------------------------------------------------------------------------------------------------------

/** Converts proto3 JSON into protobufjs's plain form; problems are appended to `issues`, never thrown. */
export function messageFromJson(
  type: protobuf.Type,
  json: unknown,
  issues: ProtoIssue[],
  options: { rules: boolean } = { rules: false },
): PlainMessage {
  return fromJsonMessage(type, json, '', { issues, rules: options.rules });
}

function fromJsonMessage(type: protobuf.Type, json: unknown, path: string, walk: Walk): PlainMessage {
  const name = fullNameOf(type);
  if (name === 'google.protobuf.Any') return fromJsonAny(json, path, walk);
  if (SPECIAL_JSON.has(name)) return fromJsonSpecial(name, type, json, path, walk);
  if (!isObject(json)) {
    walk.issues.push({ path, message: `expected an object for ${name}, got ${describe(json)}` });
    return {};
  }
  const out: PlainMessage = {};
  const index = fieldsByAnyName(type);
  const oneofMembers = new Map<string, string[]>();
  for (const [key, value] of Object.entries(json)) {
    const field = index.get(key);
    if (!field) {
      walk.issues.push({ path: join(path, key), message: `unknown field "${key}" in ${name}` });
      continue;
    }
    if (field.name in out) {
      walk.issues.push({ path: join(path, field.name), message: 'field given twice (JSON and proto name)' });
      continue;
    }
    // null means "not set" in proto3 JSON, except for google.protobuf.Value where it is the null value.
    if (value === null && field.type !== 'google.protobuf.Value') continue;
    const fieldPath = join(path, field.name);
    const converted = fromJsonField(field, value, fieldPath, walk);
    if (converted === undefined) continue;
    out[field.name] = converted;
    if (field.partOf && !isSyntheticOneof(field.partOf)) {
      const members = oneofMembers.get(field.partOf.name) ?? [];
      members.push(field.name);
      oneofMembers.set(field.partOf.name, members);
    }
  }
  for (const [oneof, members] of oneofMembers) {
    if (members.length > 1) {
      walk.issues.push({
        path: join(path, members[1] ?? oneof),
        message: `only one of oneof "${oneof}" may be set, got ${members.join(', ')}`,
      });
    }
  }
  if (walk.rules) {
    for (const field of type.fieldsArray) {
      const rules = rulesOf(field);
      if (rules) checkFieldRules(field, rules, out[field.name], join(path, field.name), walk.issues);
    }
    for (const oneof of type.oneofsArray) {
      if (!isSyntheticOneof(oneof))
        checkOneofRequired(oneof, oneofMembers.has(oneof.name), path, walk.issues);
    }
  }
  return out;
}

function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  // proto3 `optional` fields live in a generated oneof named `_<field>`.
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0]?.options?.proto3_optional === true;
}

function fromJsonField(field: protobuf.Field, value: unknown, path: string, walk: Walk): unknown {
  if (field instanceof protobuf.MapField) {
    if (!isObject(value)) {
      walk.issues.push({ path, message: `expected an object (map), got ${describe(value)}` });
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const itemPath = `${path}[${JSON.stringify(key)}]`;
      if (field.keyType !== 'string') {
        const keyIssues = walk.issues.length;
        fromJsonScalar(field.keyType, key, itemPath, walk);
        if (walk.issues.length > keyIssues) continue;
      }
      const converted = fromJsonSingle(field, item, itemPath, walk);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      walk.issues.push({ path, message: `expected an array, got ${describe(value)}` });
      return undefined;
    }
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const itemPath = `${path}[${i}]`;
      if (item === null) {
        walk.issues.push({ path: itemPath, message: 'null is not allowed in a repeated field' });
        return;
      }
      const converted = fromJsonSingle(field, item, itemPath, walk);
      if (converted !== undefined) out.push(converted);
    });
    return out;
  }
  return fromJsonSingle(field, value, path, walk);
}

function fromJsonSingle(field: protobuf.Field, value: unknown, path: string, walk: Walk): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return fromJsonMessage(resolved, value, path, walk);
  if (resolved instanceof protobuf.Enum) return fromJsonEnum(resolved, value, path, walk);
  return fromJsonScalar(field.type, value, path, walk);
}

function fromJsonEnum(type: protobuf.Enum, value: unknown, path: string, walk: Walk): number | undefined {
  if (typeof value === 'string') {
    const number = type.values[value];
    if (number === undefined) {
      walk.issues.push({
        path,
        message: `unknown value "${value}" for enum ${type.name} (expected one of ${Object.keys(type.values).join(', ')})`,
      });
      return undefined;
    }
    return number;
  }
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 0x7fffffff) return value;
  walk.issues.push({ path, message: `expected an enum name for ${type.name}, got ${describe(value)}` });
  return undefined;
}

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-0x80000000, 0x7fffffff],
  sint32: [-0x80000000, 0x7fffffff],
  sfixed32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
  fixed32: [0, 0xffffffff],
};
const LONG_TYPES = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

function fromJsonScalar(scalar: string, value: unknown, path: string, walk: Walk): unknown {
  const fail = (message: string): undefined => {
    walk.issues.push({ path, message });
    return undefined;
  };
  switch (scalar) {
    case 'string':
      return typeof value === 'string' ? value : fail(`expected a string, got ${describe(value)}`);
    case 'bool':
      return typeof value === 'boolean' ? value : fail(`expected a boolean, got ${describe(value)}`);
    case 'bytes': {
      if (typeof value !== 'string') return fail(`expected base64 bytes, got ${describe(value)}`);
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return fail('expected base64 bytes');
      return Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    }
    case 'double':
    case 'float': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (value === 'NaN') n = Number.NaN;
      else if (value === 'Infinity') n = Number.POSITIVE_INFINITY;
      else if (value === '-Infinity') n = Number.NEGATIVE_INFINITY;
      else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        n = Number(value);
      else return fail(`expected a number, got ${describe(value)}`);
      if (scalar === 'float') {
        if (Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) return fail('out of range for float');
        return Math.fround(n);
      }
      return n;
    }
    default: {
      const range = INT_RANGES[scalar];
      if (range) {
        const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isInteger(n))
          return fail(`expected an integer, got ${describe(value)}`);
        if (n < range[0] || n > range[1]) return fail(`${n} is out of range for ${scalar}`);
        return n;
      }
      if (LONG_TYPES.has(scalar)) {
        const unsigned = scalar === 'uint64' || scalar === 'fixed64';
        let text: string;
        if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
        else if (typeof value === 'string' && /^-?\d+$/.test(value)) text = value;
        else return fail(`expected an integer (number or decimal string), got ${describe(value)}`);
        if (unsigned && text.startsWith('-')) return fail(`${text} is out of range for ${scalar}`);
        const long = Long.fromString(text, unsigned);
        if (long.toString() !== text.replace(/^(-?)0+(?=\d)/, '$1'))
          return fail(`${text} is out of range for ${scalar}`);
        return long;
      }
      return fail(`unsupported scalar type ${scalar}`);
    }
  }
}

function fromJsonAny(json: unknown, path: string, walk: Walk): PlainMessage {
  if (!isObject(json)) {
    walk.issues.push({
      path,
      message: `expected an object with "@type" for google.protobuf.Any, got ${describe(json)}`,
    });
    return {};
  }
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
    walk.issues.push({ path: join(path, '@type'), message: 'google.protobuf.Any needs an "@type" type URL' });
    return {};
  }
  const inner = findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!inner) {
    walk.issues.push({ path: join(path, '@type'), message: `unknown type ${typeUrl}` });
    return {};
  }
  const innerName = fullNameOf(inner);
  let body: unknown;
  if (SPECIAL_JSON.has(innerName) || innerName === 'google.protobuf.Any') {
    // Well-known types with a non-object JSON form sit under "value" inside an Any.
    for (const key of Object.keys(json)) {
      if (key !== '@type' && key !== 'value')
        walk.issues.push({ path: join(path, key), message: `unknown field "${key}"` });
    }
    body = json.value;
  } else {
    const { '@type': _type, ...rest } = json;
    body = rest;
  }
  const before = walk.issues.length;
  const plain = fromJsonMessage(inner, body, path, walk);
  if (walk.issues.length > before) return { type_url: typeUrl, value: new Uint8Array() };
  return { type_url: typeUrl, value: inner.encode(plain).finish() };
}

const DURATION_RE = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_DURATION_SECONDS = 315_576_000_000;

/** Parses "1.5s" (or `{seconds, nanos}`) into seconds/nanos; undefined when malformed. */
export function parseDuration(value: unknown): { seconds: number; nanos: number } | undefined {
  if (typeof value === 'string') {
    const m = DURATION_RE.exec(value);
    if (!m) return undefined;
    const sign = m[1] ? -1 : 1;
    const seconds = Number(m[2]);
    const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
    if (seconds > MAX_DURATION_SECONDS) return undefined;
    return { seconds: sign * seconds, nanos: sign * nanos };
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.some((k) => k !== 'seconds' && k !== 'nanos')) return undefined;
    const seconds = typeof value.seconds === 'string' ? Number(value.seconds) : (value.seconds ?? 0);
    const nanos = value.nanos ?? 0;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || Math.abs(seconds) > MAX_DURATION_SECONDS)
      return undefined;
    if (typeof nanos !== 'number' || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999)
      return undefined;
    if (seconds * nanos < 0) return undefined;
    return { seconds, nanos };
  }
  return undefined;
}

function fromJsonSpecial(
  name: string,
  type: protobuf.Type,
  json: unknown,
  path: string,
  walk: Walk,
): PlainMessage {
  const fail = (message: string): PlainMessage => {
    walk.issues.push({ path, message });
    return {};
  };
  if (WRAPPERS.has(name)) {
    const valueField = type.fields.value;
    if (!valueField) return fail(`malformed wrapper ${name}`);
    if (isObject(json)) return fail(`${name} is written as a plain ${valueField.type} value, not an object`);
    const before = walk.issues.length;
    const value = fromJsonScalar(valueField.type, json, path, walk);
    return walk.issues.length > before ? {} : { value };
  }
  switch (name) {
    case 'google.protobuf.Duration': {
      const d = parseDuration(json);
      if (!d) return fail(`expected a duration such as "1.5s", got ${JSON.stringify(json)}`);
      return { seconds: Long.fromNumber(d.seconds), nanos: d.nanos };
    }
    case 'google.protobuf.Timestamp': {
      if (typeof json !== 'string') return fail(`expected an RFC 3339 timestamp, got ${describe(json)}`);
      const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(json);
      const ms = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
      if (!m || Number.isNaN(ms)) return fail(`expected an RFC 3339 timestamp, got ${JSON.stringify(json)}`);
      return { seconds: Long.fromNumber(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
    }
    case 'google.protobuf.FieldMask': {
      if (typeof json !== 'string') return fail(`expected a field mask string, got ${describe(json)}`);
      return {
        paths:
          json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
      };
    }
    case 'google.protobuf.Struct':
      if (!isObject(json))
        return fail(`expected an object for google.protobuf.Struct, got ${describe(json)}`);
      return structFromJson(json);
    case 'google.protobuf.ListValue':
      if (!Array.isArray(json))
        return fail(`expected an array for google.protobuf.ListValue, got ${describe(json)}`);
      return { values: json.map(valueFromJson) };
    case 'google.protobuf.Value':
      return valueFromJson(json);
    default:
      return fail(`unsupported well-known type ${name}`);
  }
}

function structFromJson(json: Record<string, unknown>): PlainMessage {
  const fields: Record<string, PlainMessage> = {};
  for (const [k, v] of Object.entries(json)) fields[k] = valueFromJson(v);
  return { fields };
}

function valueFromJson(json: unknown): PlainMessage {
  if (json === null || json === undefined) return { null_value: 0 };
  if (typeof json === 'number') return { number_value: json };
  if (typeof json === 'string') return { string_value: json };
  if (typeof json === 'boolean') return { bool_value: json };
  if (Array.isArray(json)) return { list_value: { values: json.map(valueFromJson) } };
  return { struct_value: structFromJson(json as Record<string, unknown>) };
}

// ---------------------------------------------------------------------------------------------------------
// plain/decoded message → JSON
// ---------------------------------------------------------------------------------------------------------

type Source = Record<string, unknown>;

/** proto3 JSON of a decoded (or plain) message: lowerCamelCase names, enum names, int64 as strings. */
export function messageToJson(type: protobuf.Type, message: Source): JsonValue {
  const name = fullNameOf(type);
  if (name === 'google.protobuf.Any') return anyToJson(message);
  if (SPECIAL_JSON.has(name)) return specialToJson(name, type, message);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(message, field.name)) continue;
    const value = message[field.name];
    if (value === null || value === undefined) continue;
    const key = jsonNameOf(field.name);
    if (field instanceof protobuf.MapField) {
      const entries = Object.keys(value as Source).sort();
      if (entries.length === 0) continue;
      const map: JsonObject = {};
      for (const k of entries) map[k] = singleToJson(field, (value as Source)[k]);
      out[key] = map;
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[key] = list.map((item) => singleToJson(field, item));
    } else {
      out[key] = singleToJson(field, value);
    }
  }
  return out;
}

function singleToJson(field: protobuf.Field, value: unknown): JsonValue {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Source);
  if (resolved instanceof protobuf.Enum) {
    const n = typeof value === 'number' ? value : Number(value);
    return resolved.valuesById[n] ?? n;
  }
  return scalarToJson(field.type, value);
}

function scalarToJson(scalar: string, value: unknown): JsonValue {
  if (LONG_TYPES.has(scalar)) {
    if (Long.isLong(value)) return (value as Long).toString();
    return String(value);
  }
  if (scalar === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (scalar === 'double' || scalar === 'float') {
    const n = value as number;
    if (Number.isNaN(n)) return 'NaN';
    if (n === Number.POSITIVE_INFINITY) return 'Infinity';
    if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
    return n;
  }
  return value as JsonValue;
}

function anyToJson(message: Source): JsonValue {
  const typeUrl = String(message.type_url ?? '');
  const bytes = (message.value as Uint8Array | undefined) ?? new Uint8Array();
  const inner = findMessageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!inner) return { '@type': typeUrl, value: Buffer.from(bytes).toString('base64') };
  const decoded = messageToJson(inner, inner.decode(bytes) as unknown as Source);
  const innerName = fullNameOf(inner);
  if (SPECIAL_JSON.has(innerName) || innerName === 'google.protobuf.Any')
    return { '@type': typeUrl, value: decoded };
  return { '@type': typeUrl, ...(decoded as JsonObject) };
}

function toNumber(value: unknown): number {
  if (Long.isLong(value)) return (value as Long).toNumber();
  return Number(value ?? 0);
}

/** Canonical proto3 JSON duration: 0, 3, 6 or 9 fractional digits. */
export function formatDuration(seconds: number, nanos: number): string {
  const negative = seconds < 0 || nanos < 0;
  const s = Math.abs(seconds);
  const n = Math.abs(nanos);
  let frac = '';
  if (n !== 0) {
    const digits = String(n).padStart(9, '0');
    frac =
      '.' +
      (digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits);
  }
  return `${negative ? '-' : ''}${s}${frac}s`;
}

function specialToJson(name: string, type: protobuf.Type, message: Source): JsonValue {
  if (WRAPPERS.has(name)) {
    const valueField = type.fields.value;
    const raw = message.value;
    if (!valueField) return null;
    if (raw === undefined || raw === null) {
      if (valueField.type === 'string') return '';
      if (valueField.type === 'bool') return false;
      if (valueField.type === 'bytes') return '';
      return LONG_TYPES.has(valueField.type) ? '0' : 0;
    }
    return scalarToJson(valueField.type, raw);
  }
  switch (name) {
    case 'google.protobuf.Duration':
      return formatDuration(toNumber(message.seconds), toNumber(message.nanos));
    case 'google.protobuf.Timestamp': {
      const iso = new Date(toNumber(message.seconds) * 1000).toISOString().replace('.000Z', '');
      const nanos = toNumber(message.nanos);
      return nanos ? `${iso}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z` : `${iso}Z`;
    }
    case 'google.protobuf.FieldMask':
      return ((message.paths as string[] | undefined) ?? []).map(jsonNameOf).join(',');
    case 'google.protobuf.Struct':
      return structToJson(message);
    case 'google.protobuf.ListValue':
      return ((message.values as Source[] | undefined) ?? []).map(valueToJson);
    case 'google.protobuf.Value':
      return valueToJson(message);
    default:
      return null;
  }
}

function structToJson(message: Source): JsonObject {
  const out: JsonObject = {};
  const fields = (message.fields as Record<string, Source> | undefined) ?? {};
  for (const k of Object.keys(fields).sort()) out[k] = valueToJson(fields[k] ?? {});
  return out;
}

function valueToJson(message: Source): JsonValue {
  const has = (k: string): boolean =>
    Object.prototype.hasOwnProperty.call(message, k) && message[k] !== undefined && message[k] !== null;
  if (has('number_value')) return message.number_value as number;
  if (has('string_value')) return message.string_value as string;
  if (has('bool_value')) return message.bool_value as boolean;
  if (has('struct_value')) return structToJson(message.struct_value as Source);
  if (has('list_value'))
    return (((message.list_value as Source).values as Source[] | undefined) ?? []).map(valueToJson);
  return null;
}

export type { FieldRules };
