// protoc-gen-validate (`validate.rules`) checks, applied to fields already converted to protobufjs's plain form.
// Envoy rejects a config that breaks these rules with a NACK; checking them before publishing turns that NACK
// into an error with a proto path at the moment a template or route is saved. The subset implemented is the one
// Envoy's API uses on the resources we generate: required messages and oneofs, string lengths/prefixes/header
// regexes, numeric ranges, enum defined_only, repeated/map sizes with item rules, duration ranges, Any required.
import { isIP } from 'node:net';
import Long from 'long';
import protobuf from 'protobufjs';
import type { ProtoIssue } from './proto-json.js';

export type FieldRules = { [kind: string]: Record<string, unknown> | undefined };

const rulesCache = new WeakMap<protobuf.Field, FieldRules | null>();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Long.isLong(value);
}

/** The field's `(validate.rules)` option as one object (protobufjs may split it across several entries). */
export function rulesOf(field: protobuf.Field): FieldRules | undefined {
  const cached = rulesCache.get(field);
  if (cached !== undefined) return cached ?? undefined;
  let merged: FieldRules | null = null;
  for (const entry of (field.parsedOptions as Record<string, unknown>[] | undefined) ?? []) {
    const rules = entry['(validate.rules)'];
    if (isObject(rules)) merged = deepMerge(merged ?? {}, rules) as FieldRules;
  }
  rulesCache.set(field, merged);
  return merged ?? undefined;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

export function checkOneofRequired(
  oneof: protobuf.OneOf,
  set: boolean,
  path: string,
  issues: ProtoIssue[],
): void {
  const options = oneof.options as Record<string, unknown> | undefined;
  if (options?.['(validate.required)'] === true && !set) {
    issues.push({
      path,
      message: `one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} is required (oneof "${oneof.name}")`,
    });
  }
}

/** Checks one field of a message; `value` is its converted value, undefined when the JSON did not set it. */
export function checkFieldRules(
  field: protobuf.Field,
  rules: FieldRules,
  value: unknown,
  path: string,
  issues: ProtoIssue[],
): void {
  // Members of a oneof and proto3 `optional` fields are only validated when set (protoc-gen-validate semantics).
  if (value === undefined && field.partOf) return;
  if (rules.message?.required === true && value === undefined) {
    issues.push({ path, message: 'value is required' });
    return;
  }
  if (rules.message?.skip === true) return;
  if (field instanceof protobuf.MapField) {
    checkMap(field, rules.map, (value as Record<string, unknown> | undefined) ?? {}, path, issues);
    return;
  }
  if (field.repeated) {
    checkRepeated(field, rules.repeated, (value as unknown[] | undefined) ?? [], path, issues);
    return;
  }
  checkSingle(field, rules, value, path, issues);
}

function checkRepeated(
  field: protobuf.Field,
  rules: Record<string, unknown> | undefined,
  items: unknown[],
  path: string,
  issues: ProtoIssue[],
): void {
  if (!rules) return;
  if (rules.ignore_empty === true && items.length === 0) return;
  if (typeof rules.min_items === 'number' && items.length < rules.min_items) {
    issues.push({ path, message: `at least ${rules.min_items} item(s) required, got ${items.length}` });
  }
  if (typeof rules.max_items === 'number' && items.length > rules.max_items) {
    issues.push({ path, message: `at most ${rules.max_items} item(s) allowed, got ${items.length}` });
  }
  if (rules.unique === true) {
    const seen = new Set(items.map((i) => JSON.stringify(i)));
    if (seen.size !== items.length) issues.push({ path, message: 'items must be unique' });
  }
  if (isObject(rules.items)) {
    const itemRules = rules.items as FieldRules;
    items.forEach((item, i) => checkSingle(field, itemRules, item, `${path}[${i}]`, issues));
  }
}

function checkMap(
  field: protobuf.MapField,
  rules: Record<string, unknown> | undefined,
  entries: Record<string, unknown>,
  path: string,
  issues: ProtoIssue[],
): void {
  if (!rules) return;
  const keys = Object.keys(entries);
  if (rules.ignore_empty === true && keys.length === 0) return;
  if (typeof rules.min_pairs === 'number' && keys.length < rules.min_pairs) {
    issues.push({ path, message: `at least ${rules.min_pairs} entr(ies) required, got ${keys.length}` });
  }
  if (typeof rules.max_pairs === 'number' && keys.length > rules.max_pairs) {
    issues.push({ path, message: `at most ${rules.max_pairs} entr(ies) allowed, got ${keys.length}` });
  }
  const keyRules = isObject(rules.keys) ? (rules.keys as FieldRules) : undefined;
  const valueRules = isObject(rules.values) ? (rules.values as FieldRules) : undefined;
  for (const key of keys) {
    const entryPath = `${path}[${JSON.stringify(key)}]`;
    if (keyRules) checkScalarKinds(keyRules, key, undefined, entryPath, issues);
    if (valueRules) checkSingle(field, valueRules, entries[key], entryPath, issues);
  }
}

function checkSingle(
  field: protobuf.FieldBase,
  rules: FieldRules,
  value: unknown,
  path: string,
  issues: ProtoIssue[],
): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (rules.message?.required === true && value === undefined) {
      issues.push({ path, message: 'value is required' });
      return;
    }
    const name = resolved.fullName.replace(/^\./, '');
    if (name === 'google.protobuf.Duration') {
      checkDuration(rules.duration, value as Record<string, unknown> | undefined, path, issues);
    } else if (name === 'google.protobuf.Timestamp') {
      if (rules.timestamp?.required === true && value === undefined)
        issues.push({ path, message: 'value is required' });
    } else if (name === 'google.protobuf.Any') {
      checkAny(rules.any, value as Record<string, unknown> | undefined, path, issues);
    } else if (name.startsWith('google.protobuf.') && name.endsWith('Value') && resolved.fields.value) {
      // Wrapper types carry scalar rules that apply to the wrapped value, when present.
      if (value !== undefined)
        checkScalarKinds(
          rules,
          (value as Record<string, unknown>).value ?? defaultOf(resolved.fields.value),
          undefined,
          path,
          issues,
        );
    }
    return;
  }
  const enumType = resolved instanceof protobuf.Enum ? resolved : undefined;
  checkScalarKinds(rules, value === undefined ? defaultOf(field) : value, enumType, path, issues);
}

function defaultOf(field: protobuf.FieldBase): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return 0;
  switch (field.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array();
    default:
      return 0;
  }
}

const NUMERIC_KINDS = new Set([
  'float',
  'double',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
]);

function asNumber(value: unknown): number {
  if (Long.isLong(value)) return (value as Long).toNumber();
  if (typeof value === 'string') return Number(value);
  return value as number;
}

function checkScalarKinds(
  rules: FieldRules,
  value: unknown,
  enumType: protobuf.Enum | undefined,
  path: string,
  issues: ProtoIssue[],
): void {
  for (const [kind, kindRules] of Object.entries(rules)) {
    if (!kindRules || kind === 'message') continue;
    if (NUMERIC_KINDS.has(kind)) checkNumber(kindRules, asNumber(value), path, issues);
    else if (kind === 'string' && typeof value === 'string') checkString(kindRules, value, path, issues);
    else if (kind === 'bytes' && value instanceof Uint8Array) checkBytes(kindRules, value, path, issues);
    else if (kind === 'bool' && typeof kindRules.const === 'boolean' && value !== kindRules.const) {
      issues.push({ path, message: `value must be ${String(kindRules.const)}` });
    } else if (kind === 'enum') checkEnum(kindRules, asNumber(value), enumType, path, issues);
  }
}

function rangeMessage(rules: Record<string, unknown>, show: (v: unknown) => string): string {
  const parts: string[] = [];
  if (rules.gt !== undefined) parts.push(`> ${show(rules.gt)}`);
  if (rules.gte !== undefined) parts.push(`>= ${show(rules.gte)}`);
  if (rules.lt !== undefined) parts.push(`< ${show(rules.lt)}`);
  if (rules.lte !== undefined) parts.push(`<= ${show(rules.lte)}`);
  return parts.join(' and ');
}

/** protoc-gen-validate range semantics, including the "outside the range" form when lower > upper. */
function inRange(v: number, rules: Record<string, unknown>, toNum: (x: unknown) => number): boolean {
  const lowerSet = rules.gt !== undefined || rules.gte !== undefined;
  const upperSet = rules.lt !== undefined || rules.lte !== undefined;
  const lower =
    rules.gt !== undefined ? v > toNum(rules.gt) : rules.gte !== undefined ? v >= toNum(rules.gte) : true;
  const upper =
    rules.lt !== undefined ? v < toNum(rules.lt) : rules.lte !== undefined ? v <= toNum(rules.lte) : true;
  if (lowerSet && upperSet) {
    const lo = toNum(rules.gt ?? rules.gte);
    const hi = toNum(rules.lt ?? rules.lte);
    if (lo > hi) return lower || upper;
  }
  return lower && upper;
}

function checkNumber(rules: Record<string, unknown>, v: number, path: string, issues: ProtoIssue[]): void {
  if (rules.const !== undefined && v !== asNumber(rules.const)) {
    issues.push({ path, message: `value must equal ${String(rules.const)}, got ${v}` });
  }
  if (!inRange(v, rules, asNumber))
    issues.push({ path, message: `value must be ${rangeMessage(rules, String)}, got ${v}` });
  if (Array.isArray(rules.in) && !rules.in.map(asNumber).includes(v)) {
    issues.push({ path, message: `value must be one of ${rules.in.join(', ')}, got ${v}` });
  }
  if (Array.isArray(rules.not_in) && rules.not_in.map(asNumber).includes(v)) {
    issues.push({ path, message: `value must not be one of ${rules.not_in.join(', ')}` });
  }
}

function checkEnum(
  rules: Record<string, unknown>,
  v: number,
  enumType: protobuf.Enum | undefined,
  path: string,
  issues: ProtoIssue[],
): void {
  if (rules.defined_only === true && enumType && enumType.valuesById[v] === undefined) {
    issues.push({ path, message: `${v} is not a defined value of enum ${enumType.name}` });
  }
  if (rules.const !== undefined && v !== asNumber(rules.const))
    issues.push({ path, message: `value must equal ${String(rules.const)}` });
  if (Array.isArray(rules.in) && !rules.in.map(asNumber).includes(v))
    issues.push({ path, message: 'value is not an allowed enum value' });
  if (Array.isArray(rules.not_in) && rules.not_in.map(asNumber).includes(v))
    issues.push({ path, message: 'value is a forbidden enum value' });
}

// Header name/value grammar from protoc-gen-validate's well_known_regex (strict: RFC 7230; lax: no NUL/CR/LF).
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LAX = /^[^\u0000\u000A\u000D]*$/;
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function checkString(rules: Record<string, unknown>, v: string, path: string, issues: ProtoIssue[]): void {
  if (rules.ignore_empty === true && v === '') return;
  const chars = [...v].length;
  const bytes = Buffer.byteLength(v, 'utf8');
  const fail = (message: string): void => {
    issues.push({ path, message });
  };
  if (typeof rules.const === 'string' && v !== rules.const) fail(`value must equal "${rules.const}"`);
  if (typeof rules.len === 'number' && chars !== rules.len)
    fail(`value must be exactly ${rules.len} characters`);
  if (typeof rules.min_len === 'number' && chars < rules.min_len) {
    fail(
      rules.min_len === 1 ? 'value must not be empty' : `value must be at least ${rules.min_len} characters`,
    );
  }
  if (typeof rules.max_len === 'number' && chars > rules.max_len)
    fail(`value must be at most ${rules.max_len} characters`);
  if (typeof rules.min_bytes === 'number' && bytes < rules.min_bytes)
    fail(`value must be at least ${rules.min_bytes} bytes`);
  if (typeof rules.max_bytes === 'number' && bytes > rules.max_bytes)
    fail(`value must be at most ${rules.max_bytes} bytes`);
  if (typeof rules.prefix === 'string' && !v.startsWith(rules.prefix))
    fail(`value must start with "${rules.prefix}"`);
  if (typeof rules.suffix === 'string' && !v.endsWith(rules.suffix))
    fail(`value must end with "${rules.suffix}"`);
  if (typeof rules.contains === 'string' && !v.includes(rules.contains))
    fail(`value must contain "${rules.contains}"`);
  if (typeof rules.not_contains === 'string' && v.includes(rules.not_contains))
    fail(`value must not contain "${rules.not_contains}"`);
  if (Array.isArray(rules.in) && !rules.in.includes(v)) fail(`value must be one of ${rules.in.join(', ')}`);
  if (Array.isArray(rules.not_in) && rules.not_in.includes(v))
    fail(`value must not be one of ${rules.not_in.join(', ')}`);
  if (typeof rules.pattern === 'string') {
    let re: RegExp | undefined;
    try {
      re = new RegExp(rules.pattern, 'u');
    } catch {
      re = undefined; // RE2-only syntax: leave it to Envoy.
    }
    if (re && !re.test(v)) fail(`value must match ${rules.pattern}`);
  }
  const strict = rules.strict !== false;
  switch (rules.well_known_regex) {
    case 'HTTP_HEADER_NAME':
      if (!(strict ? HEADER_NAME_STRICT : HEADER_LAX).test(v)) fail('value is not a valid HTTP header name');
      break;
    case 'HTTP_HEADER_VALUE':
      if (!(strict ? HEADER_VALUE_STRICT : HEADER_LAX).test(v))
        fail('value is not a valid HTTP header value');
      break;
    default:
      break;
  }
  if (rules.ip === true && isIP(v) === 0) fail('value must be an IP address');
  if (rules.ipv4 === true && isIP(v) !== 4) fail('value must be an IPv4 address');
  if (rules.ipv6 === true && isIP(v) !== 6) fail('value must be an IPv6 address');
  if (rules.hostname === true && !HOSTNAME.test(v)) fail('value must be a hostname');
  if (rules.address === true && isIP(v) === 0 && !HOSTNAME.test(v))
    fail('value must be an IP address or hostname');
  if (rules.uuid === true && !UUID.test(v)) fail('value must be a UUID');
}

function checkBytes(rules: Record<string, unknown>, v: Uint8Array, path: string, issues: ProtoIssue[]): void {
  if (typeof rules.min_len === 'number' && v.length < rules.min_len)
    issues.push({ path, message: `at least ${rules.min_len} bytes required` });
  if (typeof rules.max_len === 'number' && v.length > rules.max_len)
    issues.push({ path, message: `at most ${rules.max_len} bytes allowed` });
}

function durationNanos(value: unknown): number {
  if (!isObject(value)) return 0;
  return asNumber(value.seconds ?? 0) * 1e9 + asNumber(value.nanos ?? 0);
}

function showDuration(value: unknown): string {
  return `${durationNanos(value) / 1e9}s`;
}

function checkDuration(
  rules: Record<string, unknown> | undefined,
  value: Record<string, unknown> | undefined,
  path: string,
  issues: ProtoIssue[],
): void {
  if (!rules) return;
  if (value === undefined) {
    if (rules.required === true) issues.push({ path, message: 'value is required' });
    return;
  }
  const v = durationNanos(value);
  if (rules.const !== undefined && v !== durationNanos(rules.const))
    issues.push({ path, message: `duration must equal ${showDuration(rules.const)}` });
  if (!inRange(v, rules, durationNanos)) {
    issues.push({ path, message: `duration must be ${rangeMessage(rules, showDuration)}, got ${v / 1e9}s` });
  }
}

function checkAny(
  rules: Record<string, unknown> | undefined,
  value: Record<string, unknown> | undefined,
  path: string,
  issues: ProtoIssue[],
): void {
  if (!rules) return;
  if (value === undefined) {
    if (rules.required === true) issues.push({ path, message: 'value is required' });
    return;
  }
  const typeUrl = String(value.type_url ?? '');
  if (Array.isArray(rules.in) && !rules.in.includes(typeUrl))
    issues.push({ path, message: `type ${typeUrl} is not allowed here` });
  if (Array.isArray(rules.not_in) && rules.not_in.includes(typeUrl))
    issues.push({ path, message: `type ${typeUrl} is not allowed here` });
}
