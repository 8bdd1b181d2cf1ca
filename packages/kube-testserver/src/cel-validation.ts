// CEL `x-kubernetes-validations` of CRD schemas, evaluated like apiextensions-apiserver's cel.Validator:
// rules run pre-order over the object, `self` is the value at the rule's node, `oldSelf` the correlated
// old value (transition rules run only on update when an old value correlates), a failure becomes a
// field.Error at the node's path carrying the schema type as the bad value and the rule's message.
import { Environment } from '@marcbachmann/cel-js';
import { isObject, type Json, type JsonObject } from './json.js';
import { fieldError, type FieldError } from './status.js';

type Schema = JsonObject;

interface Rule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

interface CompiledRule {
  evaluate: (ctx: Record<string, unknown>) => unknown;
  transition: boolean;
}

// Kubernetes' format library: format.<name>().validate(s) is null when s is valid.
class CelFormats {}
class CelFormat {
  constructor(readonly re: RegExp) {}
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isIPv4(s: string): boolean {
  // netip.ParseAddr: no leading zeros, four decimal octets.
  return /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(s);
}

function isIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  const parts = s.split('::');
  if (parts.length > 2) return false;
  const groups = (p: string) => (p === '' ? [] : p.split(':'));
  const head = groups(parts[0] ?? '');
  const tail = parts.length === 2 ? groups(parts[1] ?? '') : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    count += 1;
    all.pop();
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return parts.length === 2 ? count < 8 : count === 8;
}

const regexCache = new Map<string, RegExp>();
/** RE2 semantics for what the CRDs use: a leading `(?i)` flag becomes ECMAScript's `i`. */
function re2(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const m = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
    const flags = m ? [...new Set((m[2] ?? '').replace('U', ''))].join('') : '';
    const source = m ? (m[1] ?? '') + pattern.slice(m[0].length) : pattern;
    re = new RegExp(source, `${flags}u`);
    regexCache.set(pattern, re);
  }
  return re;
}

// cel-js's has() accepts only a chain of selections rooted at an identifier; cel-go (and the Gateway API
// rules) also select from an index, as in has(self.matches[0].path). Same macro, any base expression.
interface AstNode {
  op: string;
  args: [AstNode, string];
}
interface HasMacro {
  args: AstNode[];
  macroHasProps?: AstNode[];
}
interface Checker {
  createError(code: string, message: string, node: AstNode): Error;
  check(node: AstNode, ctx: unknown): unknown;
  getType(name: string): unknown;
}
interface Evaluator {
  run(node: AstNode, ctx: unknown): unknown;
  debugType(v: unknown): { fieldLazy(obj: unknown, key: string, node: AstNode, ev: Evaluator): unknown };
}
function selectionPresence({ args }: { args: AstNode[] }) {
  return {
    args,
    async: false,
    typeCheck(checker: Checker, macro: HasMacro, ctx: unknown) {
      let node = macro.args[0] as AstNode;
      if (node.op !== '.')
        throw checker.createError('invalid_macro_argument', 'has() invalid argument', node);
      if (!macro.macroHasProps) {
        const props: AstNode[] = [];
        while (node.op === '.') {
          props.push(node);
          node = node.args[0];
        }
        checker.check(node, ctx);
        props.push(node);
        macro.macroHasProps = props;
      }
      return checker.getType('bool');
    },
    evaluate(ev: Evaluator, macro: HasMacro, ctx: unknown) {
      const nodes = macro.macroHasProps ?? [];
      let i = nodes.length - 1;
      let obj = ev.run(nodes[i] as AstNode, ctx);
      while (i--) {
        const node = nodes[i] as AstNode;
        obj = ev.debugType(obj).fieldLazy(obj, node.args[1], node, ev);
        if (obj !== undefined) continue;
        if (i) throw new Error(`No such key: ${node.args[1]}`);
      }
      return obj !== undefined;
    },
  };
}

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
  .registerType('k8s.Formats', CelFormats)
  .registerType('k8s.Format', CelFormat)
  .registerVariable('self', 'dyn')
  .registerVariable('oldSelf', 'dyn')
  .registerConstant('format', 'k8s.Formats', new CelFormats())
  .registerFunction('k8s.Formats.dns1123Label(): k8s.Format', () => new CelFormat(DNS1123_LABEL))
  .registerFunction('k8s.Formats.dns1123Subdomain(): k8s.Format', () => new CelFormat(DNS1123_SUBDOMAIN))
  .registerFunction('k8s.Format.validate(string): dyn', (f: CelFormat, s: string) =>
    f.re.test(s) ? null : [`must match the regex ${f.re.source}`],
  )
  .registerFunction('isIP(string): bool', (s: string) => isIPv4(s) || isIPv6(s))
  .registerFunction('string.k8sMatches(string): bool', (s: string, p: string) => re2(p).test(s))
  .registerFunction('k8sHas(ast): bool', selectionPresence);

const compiled = new Map<string, CompiledRule>();

/** Compiled once per rule text: every CRD version sharing a rule shares its program. */
function compile(rule: string): CompiledRule {
  let c = compiled.get(rule);
  if (!c) {
    const program = env.parse(
      rule.replace(/\.matches\(/g, '.k8sMatches(').replace(/(^|[^\w.])has\(/g, '$1k8sHas('),
    );
    c = {
      evaluate: (ctx) => program(ctx) as unknown,
      transition: /\boldSelf\b/.test(rule),
    };
    compiled.set(rule, c);
  }
  return c;
}

// CEL escapes property names that are reserved words or hold characters an identifier cannot.
const RESERVED = new Set(
  'true false null in as break const continue else for function if import let loop package namespace return var void while'.split(
    ' ',
  ),
);
function escapeProperty(name: string): string {
  if (RESERVED.has(name)) return `__${name}__`;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/\./g, '__dot__')
    .replace(/-/g, '__dash__')
    .replace(/\//g, '__slash__');
}

/** JSON → CEL value: integers become CEL ints (bigint), properties are escaped as CEL names them. */
function toCel(value: Json, schema: Schema | undefined): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema && isObject(schema.items) ? schema.items : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const props = schema && isObject(schema.properties) ? schema.properties : undefined;
    const additional =
      schema && isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = props?.[k];
      if (props && isObject(sub)) out[escapeProperty(k)] = toCel(v, sub);
      else out[k] = toCel(v, additional);
    }
    return out;
  }
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function schemaType(schema: Schema): string {
  if (schema['x-kubernetes-int-or-string'] === true) return '';
  return typeof schema.type === 'string' ? schema.type : '';
}

function failure(path: string, schema: Schema, rule: Rule, detail: string): FieldError {
  const field = path || '<nil>';
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return fieldError.forbidden(field, detail);
    case 'FieldValueRequired':
      return fieldError.required(field, detail);
    case 'FieldValueDuplicate':
      return fieldError.duplicate(field, schemaType(schema));
    default:
      return fieldError.invalid(field, schemaType(schema), detail);
  }
}

function ruleMessage(rule: Rule): string {
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

function validateNode(
  value: Json,
  old: Json | undefined,
  schema: Schema,
  path: string,
  errors: FieldError[],
): void {
  if (value === null) return;
  const rules = Array.isArray(schema['x-kubernetes-validations'])
    ? (schema['x-kubernetes-validations'].filter(isObject) as unknown as Rule[])
    : [];
  if (rules.length > 0) {
    const self = toCel(value, schema);
    const oldSelf = old === undefined ? undefined : toCel(old, schema);
    for (const rule of rules) {
      if (typeof rule.rule !== 'string') continue;
      let c: CompiledRule;
      try {
        c = compile(rule.rule);
      } catch (e) {
        errors.push(
          fieldError.invalid(path || '<nil>', schemaType(schema), `compilation failed: ${String(e)}`),
        );
        continue;
      }
      if (c.transition && oldSelf === undefined) continue;
      let result: unknown;
      try {
        result = c.evaluate({ self, oldSelf });
      } catch (e) {
        const why = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
        errors.push(fieldError.invalid(path || '<nil>', schemaType(schema), `${rule.rule}: ${why}`));
        continue;
      }
      if (result !== true) {
        const at = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
        errors.push(failure(at, schema, rule, ruleMessage(rule)));
      }
    }
  }
  if (Array.isArray(value)) {
    const items = isObject(schema.items) ? schema.items : undefined;
    if (!items) return;
    const oldList = Array.isArray(old) ? old : undefined;
    const keys =
      schema['x-kubernetes-list-type'] === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])
        ? schema['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string')
        : undefined;
    value.forEach((item, i) => {
      // Only map lists correlate old and new items (by their keys); atomic and set lists do not.
      const oldItem =
        keys && oldList && isObject(item)
          ? oldList.find((o) => isObject(o) && keys.every((k) => o[k] === item[k]))
          : undefined;
      validateNode(item, oldItem, items, `${path}[${i}]`, errors);
    });
    return;
  }
  if (!isObject(value)) return;
  const props = isObject(schema.properties) ? schema.properties : undefined;
  const additional = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
  const oldObj = isObject(old) ? old : undefined;
  for (const [k, v] of Object.entries(value)) {
    if (path === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
    const sub = props?.[k];
    if (props && isObject(sub)) validateNode(v, oldObj?.[k], sub, join(path, k), errors);
    else if (additional) validateNode(v, oldObj?.[k], additional, `${path}[${k}]`, errors);
  }
}

/** Schema errors after which customResourceStrategy.Validate skips CEL (its hasBlockingErr). */
export const CEL_BLOCKING: ReadonlySet<FieldError['type']> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

/** Whether `schema` (a CRD version's openAPIV3Schema) declares any CEL rule. */
const hasRules = new WeakMap<Schema, boolean>();
export function hasCelRules(schema: Schema): boolean {
  let has = hasRules.get(schema);
  if (has === undefined) {
    has = JSON.stringify(schema).includes('"x-kubernetes-validations"');
    hasRules.set(schema, has);
  }
  return has;
}

/** Evaluates every `x-kubernetes-validations` rule of `schema` over `obj` (and `old` on update). */
export function validateCelRules(obj: JsonObject, old: JsonObject | undefined, schema: Schema): FieldError[] {
  const errors: FieldError[] = [];
  validateNode(obj, old, schema, '', errors);
  return errors;
}
