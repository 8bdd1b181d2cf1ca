import { createRequire } from 'node:module';
import type { GraphQLSchema, OperationDefinitionNode, ValueNode } from 'graphql';
import type { FieldIssue } from '../lib/errors.js';

const { coerceInputValue, isInputType, isNonNullType, Kind, parse, typeFromAST } = createRequire(
  import.meta.url,
)('graphql') as typeof import('graphql');

/** One variable a document's variables could not be coerced to: the GraphQL message and the field it concerns. */
export interface CoercionProblem {
  /** graphql-js's message: `Variable "$input" got invalid value "x" at "input.listeners[0].port"; …`. */
  message: string;
  issue: FieldIssue;
}

type Segment = string | number;

/** `['listeners', 0, 'port']` → `listeners[0].port` (the Kubernetes-style paths of the API's own issues). */
export function fieldPathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/**
 * Where each variable is used: the argument path it feeds, as the REST face would name the field. A body given
 * as `input` (or a list's `filter`) names its fields from inside it, as the REST body and query do; a spread
 * argument (`listeners`, `spec`, a path parameter) names itself. A variable inside an object or list literal
 * carries the literal's path.
 */
function variableFields(op: OperationDefinitionNode): Map<string, Segment[]> {
  const out = new Map<string, Segment[]>();
  const walk = (v: ValueNode, at: Segment[]) => {
    if (v.kind === Kind.VARIABLE) {
      if (!out.has(v.name.value)) out.set(v.name.value, at);
    } else if (v.kind === Kind.OBJECT) for (const f of v.fields) walk(f.value, [...at, f.name.value]);
    else if (v.kind === Kind.LIST) v.values.forEach((x, i) => walk(x, [...at, i]));
  };
  for (const s of op.selectionSet.selections) {
    if (s.kind !== Kind.FIELD) continue;
    for (const a of s.arguments ?? [])
      walk(a.value, a.name.value === 'input' || a.name.value === 'filter' ? [] : [a.name.value]);
  }
  return out;
}

/** The field a problem inside an object names (graphql-js reports it at the object's path). */
function fieldOfMessage(message: string): string | undefined {
  return /^Field "([^"]+)" (?:of required type .* was not provided|is not defined by type)/.exec(
    message,
  )?.[1];
}

const shown = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * The variables of a document that graphql-js cannot coerce to their declared types, each with the field path
 * it concerns (docs/adr/0007-typed-faces.md: errors name the field). Computed again with graphql-js itself,
 * because the compiled (JIT) execution reports a wrong type by its leaf's name only (`Variable "$port" …`).
 * Empty when the document does not parse, names no operation, or every variable coerces.
 */
export function coercionProblems(
  schema: GraphQLSchema,
  source: string,
  variables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): CoercionProblem[] {
  let doc;
  try {
    doc = parse(source, { noLocation: true });
  } catch {
    return [];
  }
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName
    ? ops.find((o) => o.name?.value === operationName)
    : ops.length === 1
      ? ops[0]
      : undefined;
  if (!op) return [];
  const fields = variableFields(op);
  const values = variables ?? {};
  const out: CoercionProblem[] = [];
  for (const def of op.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type as never);
    if (!type || !isInputType(type)) continue;
    const base = fields.get(name) ?? [name];
    const add = (message: string, problem: string, path: readonly Segment[]) => {
      const full = [...base, ...path];
      out.push({ message, issue: { path: fieldPathText(full.length ? full : [name]), message: problem } });
    };
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      if (!def.defaultValue && isNonNullType(type))
        add(`Variable "$${name}" of required type "${String(type)}" was not provided.`, 'required', []);
      continue;
    }
    const value = values[name];
    if (value === null && isNonNullType(type)) {
      add(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, 'must not be null', []);
      continue;
    }
    coerceInputValue(value, type, (path, invalid, error) => {
      const at = path.length ? ` at "${name}${fieldPathText(['', ...path])}"` : '';
      const field = fieldOfMessage(error.message);
      add(
        `Variable "$${name}" got invalid value ${shown(invalid)}${at}; ${error.message}`,
        error.message,
        field ? [...path, field] : path,
      );
    });
  }
  return out;
}

/** Whether a GraphQL error is graphql-js's (or the JIT's) refusal of a variable's value. */
export const isVariableError = (message: string): boolean => /^Variable "\$\w+"/.test(message);
