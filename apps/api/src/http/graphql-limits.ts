import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRequire } from 'node:module';
import type {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError as GraphQLErrorType,
  GraphQLField,
  GraphQLNamedType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValidationContext,
  ValidationRule,
  ValueNode,
} from 'graphql';

// The copy of graphql-js that mercurius loads (CommonJS): its schema fails the type checks of the ES module
// copy ("from another module or realm"), so the limits use the same copy as the schema they read.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const {
  GraphQLError,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  validate,
} = graphql;
type GraphQLError = GraphQLErrorType;

/**
 * Bounds on what one GraphQL request may ask of the API. They are schema-agnostic: depth, aliases and mutation
 * counts read only the document; cost reads list-ness and page arguments from whatever schema is registered.
 */
export interface GraphqlLimits {
  /** Nesting of selection sets, fragments expanded. */
  maxDepth: number;
  /** Aliased fields in one document. */
  maxAliases: number;
  /** Fields the operation can resolve, each multiplied by the sizes of the lists around it. */
  maxCost: number;
  /** Root fields of the mutation operations of one request (a batch counts as one request). */
  maxRootMutations: number;
  /** Length of the query text, in UTF-8 bytes. */
  maxQueryBytes: number;
  /** Lexical tokens of the query text (counted before parsing). */
  maxTokens: number;
  /** Operations in one batched request; 0 turns batching off. */
  maxBatch: number;
  /** Nesting of an argument literal or a variable value. */
  maxInputDepth: number;
  /** Assumed size of a paged field (one with a `first`/`last`/`limit` argument) called without one. */
  defaultPageSize: number;
  /** Assumed size of any other list field. */
  defaultListSize: number;
}

export const defaultGraphqlLimits: GraphqlLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 100_000,
  maxRootMutations: 10,
  maxQueryBytes: 32 * 1024,
  maxTokens: 5_000,
  maxBatch: 0,
  maxInputDepth: 20,
  defaultPageSize: 50,
  defaultListSize: 10,
};

/** The codes a refusal carries in `extensions.code`; each names the limit it hit. */
export type LimitCode =
  | 'QUERY_TOO_LARGE'
  | 'QUERY_TOO_DEEP'
  | 'TOO_MANY_ALIASES'
  | 'QUERY_TOO_COSTLY'
  | 'TOO_MANY_MUTATIONS'
  | 'BATCH_TOO_LARGE'
  | 'BATCHING_DISABLED'
  | 'INPUT_TOO_DEEP';

export function limitError(code: LimitCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, status: 400 } });
}

/** Thrown where mercurius expects a refused document: `toGraphQLErrors` keeps each error's own code. */
function refused(errors: readonly GraphQLError[]): Error {
  return Object.assign(new Error(errors[0]!.message), { errors, statusCode: 400 });
}

const PAGE_ARGS = ['first', 'last', 'limit'];

// --- pre-parse guard --------------------------------------------------------------------------------------

/**
 * Scans the query text once, without recursion, before graphql-js parses it (its parser recurses, so a very
 * deep document would overflow the stack): counts tokens, bounds the nesting of selections and, inside an
 * argument list, the nesting of each argument's literal, naming the argument.
 */
export function scanQuery(source: string, limits: GraphqlLimits): GraphQLError | undefined {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > limits.maxQueryBytes)
    return limitError(
      'QUERY_TOO_LARGE',
      `query is ${bytes} bytes, more than the limit of ${limits.maxQueryBytes} (GRAPHQL_MAX_QUERY_BYTES)`,
    );
  // Each frame is an open bracket and what it counted; an argument list `(` remembers its owner (field,
  // directive or operation) and the argument being read, and counts the nesting of that argument's literal.
  interface ArgList {
    owner?: string;
    arg?: string;
    depth: number;
  }
  const frames: Array<{ counted: 'selection' | 'input' | 'none'; args?: ArgList }> = [];
  const argLists: ArgList[] = [];
  // Any bracket counts here, valid or not, so the work of this scan and of the parser after it stay bounded.
  const maxNesting = limits.maxDepth + limits.maxInputDepth + 4;
  let selectionDepth = 0;
  let tokens = 0;
  let lastName: string | undefined;
  let lastWasDollar = false;
  const maxSelectionNesting = limits.maxDepth + 2;
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source.charCodeAt(i);
    // whitespace, commas, BOM
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 0x23) {
      // comment to end of line
      while (i < n && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
      continue;
    }
    if (++tokens > limits.maxTokens)
      return limitError(
        'QUERY_TOO_LARGE',
        `query has more than ${limits.maxTokens} tokens, the limit (GRAPHQL_MAX_TOKENS)`,
      );
    if (c === 0x22) {
      // string or block string
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < n && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 3;
      } else {
        i++;
        while (i < n) {
          const d = source.charCodeAt(i);
          if (d === 0x5c) i += 2;
          else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
          else i++;
        }
        i++;
      }
      lastName = undefined;
      continue;
    }
    const isNameStart = (x: number) => (x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a) || x === 0x5f;
    const isDigit = (x: number) => x >= 0x30 && x <= 0x39;
    if (isNameStart(c)) {
      const start = i;
      while (i < n && (isNameStart(source.charCodeAt(i)) || isDigit(source.charCodeAt(i)))) i++;
      const name = (lastWasDollar ? '$' : '') + source.slice(start, i);
      lastWasDollar = false;
      lastName = name;
      continue;
    }
    if (isDigit(c) || c === 0x2d) {
      i++;
      while (i < n && /[0-9a-zA-Z_.+-]/.test(source[i]!)) i++;
      lastName = undefined;
      continue;
    }
    const ch = source[i]!;
    i++;
    if (ch === '.' && source.startsWith('..', i)) i += 2;
    lastWasDollar = ch === '$';
    const args = argLists[argLists.length - 1];
    if (ch === ':') {
      // Directly in an argument list, the name before the colon is the argument (or variable) being given.
      if (args && frames[frames.length - 1]?.args === args) args.arg = lastName;
      lastName = undefined;
      continue;
    }
    if (ch === '(' || ch === '{' || ch === '[') {
      if (frames.length >= maxNesting)
        return args
          ? inputTooDeep(args.owner, args.arg, limits)
          : limitError(
              'QUERY_TOO_DEEP',
              `query nests deeper than ${maxNesting} brackets, the limit (GRAPHQL_MAX_DEPTH + GRAPHQL_MAX_INPUT_DEPTH + 4)`,
            );
    }
    if (ch === '(') {
      const list: ArgList = { owner: lastName, depth: 0 };
      argLists.push(list);
      frames.push({ counted: 'none', args: list });
    } else if (ch === '{' || ch === '[') {
      if (args) {
        if (++args.depth > limits.maxInputDepth) return inputTooDeep(args.owner, args.arg, limits);
        frames.push({ counted: 'input' });
      } else if (ch === '{') {
        if (++selectionDepth > maxSelectionNesting)
          return limitError(
            'QUERY_TOO_DEEP',
            `query nests selections deeper than ${limits.maxDepth}, the limit (GRAPHQL_MAX_DEPTH)`,
          );
        frames.push({ counted: 'selection' });
      } else frames.push({ counted: 'none' });
    } else if (ch === ')' || ch === '}' || ch === ']') {
      const f = frames.pop();
      if (f?.args) argLists.pop();
      else if (f?.counted === 'input' && args) args.depth--;
      else if (f?.counted === 'selection') selectionDepth--;
    }
    lastName = undefined;
  }
  return undefined;
}

function inputTooDeep(owner: string | undefined, arg: string | undefined, limits: GraphqlLimits) {
  const what = arg?.startsWith('$')
    ? `variable "${arg}"`
    : `argument "${arg ?? '?'}"${owner ? ` of "${owner}"` : ''}`;
  return limitError(
    'INPUT_TOO_DEEP',
    `${what} nests deeper than ${limits.maxInputDepth} levels, the limit (GRAPHQL_MAX_INPUT_DEPTH)`,
  );
}

/** Depth of a JSON value, without recursion; stops counting past `limit`. */
function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ v: unknown; d: number }> = [{ v: value, d: 0 }];
  while (stack.length) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push({ v: child, d: d + 1 });
  }
  return false;
}

interface Operation {
  query?: unknown;
  variables?: unknown;
}

function checkOperation(op: Operation, limits: GraphqlLimits): GraphQLError | undefined {
  if (typeof op.query === 'string') {
    const e = scanQuery(op.query, limits);
    if (e) return e;
  }
  let variables = op.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables);
    } catch {
      return undefined; // mercurius reports malformed variables itself
    }
  }
  if (variables && typeof variables === 'object') {
    for (const [name, value] of Object.entries(variables)) {
      if (jsonDepthExceeds(value, limits.maxInputDepth)) return inputTooDeep(undefined, `$${name}`, limits);
    }
  }
  return undefined;
}

/**
 * Root fields of the mutation operations of a parsed document, fragments expanded: each fragment is counted
 * once and memoised (a fragment spreading another twice, 40 levels down, must not take 2^40 steps); a spread
 * that closes a cycle counts nothing (the document is invalid anyway).
 */
export function rootMutationFields(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, number>();
  const onPath = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) total++;
      else if (s.kind === Kind.INLINE_FRAGMENT) total += count(s.selectionSet);
      else {
        const name = s.name.value;
        const f = fragments.get(name);
        if (!f || onPath.has(name)) continue;
        let n = memo.get(name);
        if (n === undefined) {
          onPath.add(name);
          n = count(f.selectionSet);
          onPath.delete(name);
          memo.set(name, n);
        }
        total += n;
      }
    }
    return total;
  };
  let total = 0;
  for (const d of doc.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation') total += count(d.selectionSet);
  return total;
}

function tooManyMutations(count: number, limits: GraphqlLimits) {
  return limitError(
    'TOO_MANY_MUTATIONS',
    `request has ${count} mutation fields, more than the limit of ${limits.maxRootMutations} (GRAPHQL_MAX_MUTATIONS)`,
  );
}

/** Checks a request body (one operation or a batch) before mercurius parses anything. */
export function checkRequest(body: unknown, limits: GraphqlLimits): GraphQLError | undefined {
  if (Array.isArray(body)) {
    if (limits.maxBatch === 0)
      return limitError('BATCHING_DISABLED', 'batched queries are turned off (GRAPHQL_MAX_BATCH is 0)');
    if (body.length > limits.maxBatch)
      return limitError(
        'BATCH_TOO_LARGE',
        `batch has ${body.length} operations, more than the limit of ${limits.maxBatch} (GRAPHQL_MAX_BATCH)`,
      );
    for (const op of body) {
      const e = op && typeof op === 'object' ? checkOperation(op as Operation, limits) : undefined;
      if (e) return e;
    }
    // The mutation bound is per request: the batch's operations run concurrently, so count them all up front.
    let mutations = 0;
    for (const op of body as Operation[]) {
      if (typeof op?.query !== 'string') continue;
      try {
        mutations += rootMutationFields(parse(op.query));
      } catch {
        // a syntax error is reported for that operation by mercurius
      }
    }
    return mutations > limits.maxRootMutations ? tooManyMutations(mutations, limits) : undefined;
  }
  return body && typeof body === 'object' ? checkOperation(body as Operation, limits) : undefined;
}

// --- validation rules -------------------------------------------------------------------------------------

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  const m = new Map<string, FragmentDefinitionNode>();
  for (const d of context.getDocument().definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) m.set(d.name.value, d);
  return m;
}

/** Deepest nesting of selection sets of each operation, fragments expanded. */
export function depthRule(limits: GraphqlLimits): ValidationRule {
  return (context) => ({
    OperationDefinition(op: OperationDefinitionNode) {
      const fragments = fragmentsOf(context);
      const memo = new Map<string, number>();
      const depth = (set: SelectionSetNode, seen: Set<string>): number => {
        let max = 0;
        for (const s of set.selections) {
          if (s.kind === Kind.FIELD)
            max = Math.max(max, s.selectionSet ? 1 + depth(s.selectionSet, seen) : 1);
          else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depth(s.selectionSet, seen));
          else {
            const name = s.name.value;
            const f = fragments.get(name);
            if (!f || seen.has(name)) continue;
            let d = memo.get(name);
            if (d === undefined) {
              d = depth(f.selectionSet, new Set([...seen, name]));
              memo.set(name, d);
            }
            max = Math.max(max, d);
          }
          if (max > limits.maxDepth) return max; // deep enough to refuse: stop walking
        }
        return max;
      };
      const d = depth(op.selectionSet, new Set());
      if (d > limits.maxDepth)
        context.reportError(
          limitError(
            'QUERY_TOO_DEEP',
            `query depth ${d} exceeds the limit of ${limits.maxDepth} (GRAPHQL_MAX_DEPTH)`,
          ),
        );
    },
  });
}

export function aliasRule(limits: GraphqlLimits): ValidationRule {
  return (context) => {
    let aliases = 0;
    return {
      Field(node: FieldNode) {
        if (node.alias) aliases++;
      },
      Document: {
        leave() {
          if (aliases > limits.maxAliases)
            context.reportError(
              limitError(
                'TOO_MANY_ALIASES',
                `query has ${aliases} aliases, more than the limit of ${limits.maxAliases} (GRAPHQL_MAX_ALIASES)`,
              ),
            );
        },
      },
    };
  };
}

export function mutationRule(limits: GraphqlLimits): ValidationRule {
  return (context) => ({
    Document: {
      leave(doc: DocumentNode) {
        const count = rootMutationFields(doc);
        if (count > limits.maxRootMutations) context.reportError(tooManyMutations(count, limits));
      },
    },
  });
}

/** Literal nesting of every argument and variable default, named, refused before any coercion recurses. */
export function inputDepthRule(limits: GraphqlLimits): ValidationRule {
  const deeper = (v: ValueNode): boolean => {
    const stack: Array<{ v: ValueNode; d: number }> = [{ v, d: 0 }];
    while (stack.length) {
      const { v: x, d } = stack.pop()!;
      if (x.kind !== Kind.LIST && x.kind !== Kind.OBJECT) continue;
      if (d + 1 > limits.maxInputDepth) return true;
      const children = x.kind === Kind.LIST ? x.values : x.fields.map((f) => f.value);
      for (const c of children) stack.push({ v: c, d: d + 1 });
    }
    return false;
  };
  return (context): ASTVisitor => {
    let field: string | undefined;
    return {
      Field(node) {
        field = node.name.value;
      },
      Directive(node) {
        field = `@${node.name.value}`;
      },
      Argument(node) {
        if (deeper(node.value)) {
          context.reportError(inputTooDeep(field, node.name.value, limits));
          return false;
        }
        return undefined;
      },
      VariableDefinition(node) {
        if (node.defaultValue && deeper(node.defaultValue))
          context.reportError(inputTooDeep(undefined, `$${node.variable.name.value}`, limits));
        return false;
      },
    };
  };
}

function unwrapList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * Cost: every field counts once per item of each list around it. A field with a page argument
 * (`first`/`last`/`limit`) is sized by it (or `defaultPageSize`); if it is a connection (not itself a list),
 * its size applies to the first list below it (`items`, `edges`, `nodes`). Other lists count
 * `defaultListSize`. The walk visits at most `max(maxCost, 10000)` fields (fragments can make a document's
 * expansion exponential); past that the cost is reported as a lower bound (`exact: false`).
 */
export function queryCost(
  schema: GraphQLSchema,
  doc: DocumentNode,
  op: OperationDefinitionNode,
  limits: GraphqlLimits,
  variables: Record<string, unknown> | undefined,
): { cost: number; exact: boolean } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const defaults = new Map<string, ValueNode>();
  for (const v of op.variableDefinitions ?? [])
    if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  const sizeOf = (node: FieldNode): number | undefined => {
    for (const a of node.arguments ?? []) {
      if (!PAGE_ARGS.includes(a.name.value)) continue;
      let v: ValueNode | undefined = a.value;
      if (v.kind === Kind.VARIABLE) {
        const given = variables?.[v.name.value];
        if (typeof given === 'number' && Number.isFinite(given)) return Math.max(0, Math.floor(given));
        v = defaults.get(v.name.value);
      }
      if (v?.kind === Kind.INT) return Math.max(0, Number(v.value));
    }
    return undefined;
  };
  const root =
    op.operation === 'mutation'
      ? schema.getMutationType()
      : op.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  let cost = 0;
  let work = 0;
  const workLimit = Math.max(limits.maxCost, 10_000);
  const walk = (
    set: SelectionSetNode,
    type: GraphQLNamedType | null | undefined,
    mult: number,
    pending: number | undefined,
    seen: Set<string>,
  ): void => {
    for (const s of set.selections) {
      if (work > workLimit) return;
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const t = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        walk(s.selectionSet, t, mult, pending, seen);
        continue;
      }
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        if (!f || seen.has(s.name.value)) continue;
        walk(
          f.selectionSet,
          schema.getType(f.typeCondition.name.value),
          mult,
          pending,
          new Set([...seen, s.name.value]),
        );
        continue;
      }
      work++;
      cost += mult;
      if (!s.selectionSet) continue;
      const def: GraphQLField<unknown, unknown> | undefined =
        type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[s.name.value] : undefined;
      const paged = def?.args.some((a) => PAGE_ARGS.includes(a.name)) ?? false;
      const isList = def ? unwrapList(def.type) : false;
      let childMult = mult;
      let childPending = pending;
      if (paged) {
        const size = sizeOf(s) ?? limits.defaultPageSize;
        if (isList) childMult = mult * size;
        else childPending = size;
      } else if (isList) {
        childMult = mult * (pending ?? limits.defaultListSize);
        childPending = undefined;
      }
      walk(s.selectionSet, def ? getNamedType(def.type) : undefined, childMult, childPending, seen);
    }
  };
  walk(op.selectionSet, root, 1, undefined, new Set());
  return work > workLimit
    ? { cost: Math.max(cost, limits.maxCost + 1), exact: false }
    : { cost, exact: true };
}

function costOf(
  schema: GraphQLSchema,
  doc: DocumentNode,
  op: OperationDefinitionNode,
  limits: GraphqlLimits,
  variables: Record<string, unknown> | undefined,
): GraphQLError | undefined {
  const { cost, exact } = queryCost(schema, doc, op, limits, variables);
  if (cost <= limits.maxCost) return undefined;
  return limitError(
    'QUERY_TOO_COSTLY',
    `query cost ${exact ? '' : 'at least '}${cost} exceeds the limit of ${limits.maxCost} (GRAPHQL_MAX_COST)`,
  );
}

/** The cost refusal of the first operation of `doc` over the limit, with these variables. */
export function costError(
  schema: GraphQLSchema,
  doc: DocumentNode,
  limits: GraphqlLimits,
  variables: Record<string, unknown>,
): GraphQLError | undefined {
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const e = costOf(schema, doc, d, limits, variables);
    if (e) return e;
  }
  return undefined;
}

/** At validation time variables are unknown: a page size given by one counts its default or `defaultPageSize`. */
export function costRule(limits: GraphqlLimits): ValidationRule {
  return (context) => ({
    OperationDefinition(op: OperationDefinitionNode) {
      const e = costOf(context.getSchema(), context.getDocument(), op, limits, undefined);
      if (e) context.reportError(e);
      return false;
    },
  });
}

/** The rules mercurius runs (once per distinct document: its cache keeps the verdict). */
export function limitRules(limits: GraphqlLimits): ValidationRule[] {
  return [
    depthRule(limits),
    aliasRule(limits),
    mutationRule(limits),
    inputDepthRule(limits),
    costRule(limits),
  ];
}

// --- wiring -----------------------------------------------------------------------------------------------

function sendRefusal(reply: FastifyReply, req: FastifyRequest, error: GraphQLError) {
  return reply.code(400).send({
    data: null,
    errors: [{ message: error.message, extensions: { ...error.extensions, requestId: req.id } }],
  });
}

/**
 * Installs the guard on `/graphql`: a pre-parse check of size, tokens, nesting, variables and batches on every
 * HTTP request, and (since a cached document skips validation) a per-request cost check with the variables.
 * Returns the options to pass to mercurius. Call before registering mercurius.
 */
export function installGraphqlLimits(
  app: FastifyInstance,
  limits: GraphqlLimits,
  path = '/graphql',
): {
  validationRules: ValidationRule[];
  allowBatchedQueries: boolean;
  graphql: { parseOptions: { maxTokens: number } };
  attach(): void;
} {
  app.addHook('preHandler', async (req, reply) => {
    if (req.routeOptions.url !== path) return;
    const body = req.method === 'GET' ? req.query : req.body;
    const error = checkRequest(body, limits);
    if (error) return sendRefusal(reply, req, error);
    return undefined;
  });
  return {
    validationRules: limitRules(limits),
    allowBatchedQueries: limits.maxBatch > 0,
    graphql: { parseOptions: { maxTokens: limits.maxTokens } },
    attach() {
      const gql = (app as unknown as { graphql: { addHook(name: string, fn: unknown): void } }).graphql;
      // Without variables a document's cost is fixed: its verdict is kept with the (cached) parsed document.
      const verdicts = new WeakMap<
        DocumentNode,
        { schema: GraphQLSchema; error: GraphQLError | undefined }
      >();
      gql.addHook(
        'preExecution',
        async (schema: GraphQLSchema, document: DocumentNode, _ctx: unknown, variables?: unknown) => {
          const vars =
            variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : {};
          const fixed = Object.keys(vars).length === 0;
          const known = fixed ? verdicts.get(document) : undefined;
          const error = known?.schema === schema ? known.error : costError(schema, document, limits, vars);
          if (fixed && !known) verdicts.set(document, { schema, error });
          if (error) throw refused([error]);
        },
      );
      // Subscriptions skip mercurius' validation over WebSocket: apply the same rules when one starts.
      gql.addHook('preSubscriptionExecution', async (schema: GraphQLSchema, document: DocumentNode) => {
        const errors = validate(schema, document, limitRules(limits));
        // Sent as the subscription's error message, extensions (the limit's code) included.
        if (errors.length) throw errors[0];
      });
    },
  };
}
