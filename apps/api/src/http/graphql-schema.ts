import { createRequire } from 'node:module';
import type {
  GraphQLEnumType as EnumType,
  GraphQLObjectType as ObjectType,
  GraphQLSchema as Schema,
  GraphQLFieldConfig,
  GraphQLFieldConfigArgumentMap,
  GraphQLInputFieldConfigMap,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLFieldConfigMap,
  GraphQLOutputType,
} from 'graphql';

import type { z } from 'zod';
import { encodeCursor } from '../lib/cursor.js';
import { AppError } from '../lib/errors.js';
import type { CallMeta } from '../modules/common.js';
import { refusal, type RestRoute } from './rest.js';
import { apiSchemas, enumNames, Gateway } from './schemas/outputs.js';

// One copy of graphql for the schema, the scalars and mercurius: they all load its CommonJS build (a bundler
// resolving the ESM build for this file would give types from another realm, which graphql refuses).
const require = createRequire(import.meta.url);
const {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFloat,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} = require('graphql') as typeof import('graphql');
const { DateTimeResolver, JSONResolver } = require('graphql-scalars') as typeof import('graphql-scalars');

/**
 * The GraphQL schema, generated code-first from the REST route list: each RestRoute names its twin, whose
 * arguments come from the route's path parameters, body and query schemas and whose type comes from its
 * response schema (docs/adr/0007-typed-faces.md). Objects become types and inputs named by their schema id,
 * zod enums become GraphQL enums, dates `DateTime`, free-form maps `JSON` (graphql-scalars); every list is
 * a Relay connection (`edges { node cursor }`, `pageInfo { hasNextPage endCursor }`, `first`/`after`).
 */

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string | number>;
  values?: unknown[];
  format?: string;
};
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const ENUM_VALUE = /^[_A-Za-z][_0-9A-Za-z]*$/;
type Io = 'input' | 'output';

/** Peels wrappers; says whether the value may be absent or null. */
export function unwrap(s: z.ZodType, io: Io): { inner: z.ZodType; optional: boolean } {
  let optional = false;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'optional' || d.type === 'nullable') optional = true;
    // A default fills an absent input: optional to send, always there in the output.
    if ((d.type === 'default' || d.type === 'prefault') && io === 'input') optional = true;
    if (
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type)
    ) {
      s = d.innerType!;
      continue;
    }
    if (d.type === 'pipe') {
      const out = defOf(d.out!);
      s = io === 'input' || out.type === 'transform' ? d.in! : d.out!;
      continue;
    }
    if (d.type === 'unknown' || d.type === 'any') optional = true;
    return { inner: s, optional };
  }
}

/** The object shape of a schema, or undefined when it is not an object. */
export function shapeOf(s: z.ZodType, io: Io): Record<string, z.ZodType> | undefined {
  const { inner } = unwrap(s, io);
  const d = defOf(inner);
  return d.type === 'object' ? d.shape : undefined;
}

export class GraphqlTypes {
  private readonly byName = new Map<string, { schema: unknown; type: GraphQLNamedType }>();
  private readonly outputs = new Map<z.ZodType, GraphQLOutputType>();
  private readonly inputs = new Map<z.ZodType, GraphQLInputType>();
  private readonly enums = new Map<string, EnumType>();
  readonly pageInfo = new GraphQLObjectType({
    name: 'PageInfo',
    fields: { hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) }, endCursor: { type: GraphQLString } },
  });

  /** A unique type name: the schema's id, else the hint; a clash with another schema gets a number. */
  private name(schema: unknown, wanted: string): string {
    let name = wanted;
    for (let i = 2; this.byName.has(name) && this.byName.get(name)!.schema !== schema; i++)
      name = `${wanted}${i}`;
    return name;
  }
  private remember<T extends GraphQLNamedType>(schema: unknown, type: T): T {
    this.byName.set(type.name, { schema, type });
    return type;
  }

  private scalar(inner: z.ZodType, hint: string): GraphQLOutputType & GraphQLInputType {
    const d = defOf(inner);
    switch (d.type) {
      case 'string':
        return d.format === 'uuid' ? GraphQLID : GraphQLString;
      case 'number':
        return (inner as unknown as { isInt?: boolean }).isInt ? GraphQLInt : GraphQLFloat;
      case 'boolean':
        return GraphQLBoolean;
      case 'date':
        return DateTimeResolver;
      case 'enum': {
        const values = Object.values(d.entries!).map(String);
        // A query-string boolean ("true"/"false") is a Boolean; the arguments turn it back into text.
        if (values.length === 2 && values.includes('true') && values.includes('false')) return GraphQLBoolean;
        if (!values.every((v) => ENUM_VALUE.test(v))) return GraphQLString;
        const key = values.join('|');
        const known = this.enums.get(key);
        if (known) return known;
        const id = enumNames.get(key) ?? apiSchemas.get(inner)?.id ?? hint;
        const e = this.remember(
          inner,
          new GraphQLEnumType({
            name: this.name(inner, id),
            values: Object.fromEntries(values.map((v) => [v, { value: v }])),
          }),
        );
        this.enums.set(key, e);
        return e;
      }
      case 'literal': {
        const v = d.values?.[0];
        return typeof v === 'number' ? GraphQLInt : typeof v === 'boolean' ? GraphQLBoolean : GraphQLString;
      }
      default:
        // Records, unions, unknown: free-form JSON.
        return JSONResolver;
    }
  }

  output(s: z.ZodType, hint: string): GraphQLOutputType {
    const { inner, optional } = unwrap(s, 'output');
    const t = this.outputInner(inner, hint);
    return optional ? t : new GraphQLNonNull(t);
  }

  private outputInner(inner: z.ZodType, hint: string): GraphQLOutputType {
    const cached = this.outputs.get(inner);
    if (cached) return cached;
    const d = defOf(inner);
    let t: GraphQLOutputType;
    if (d.type === 'array') {
      t = new GraphQLList(this.output(d.element!, hint));
    } else if (d.type === 'object' && Object.keys(d.shape!).length > 0) {
      const name = this.name(inner, apiSchemas.get(inner)?.id ?? hint);
      const shape = d.shape!;
      t = this.remember(
        inner,
        new GraphQLObjectType({
          name,
          description: apiSchemas.get(inner)?.description,
          fields: () =>
            Object.fromEntries(
              Object.entries(shape).map(([k, v]) => [k, { type: this.output(v, name + pascal(k)) }]),
            ),
        }),
      );
    } else {
      t = this.scalar(inner, hint);
    }
    this.outputs.set(inner, t);
    return t;
  }

  input(s: z.ZodType, hint: string): GraphQLInputType {
    const { inner, optional } = unwrap(s, 'input');
    const t = this.inputInner(inner, hint);
    return optional ? t : new GraphQLNonNull(t);
  }

  private inputInner(inner: z.ZodType, hint: string): GraphQLInputType {
    const cached = this.inputs.get(inner);
    if (cached) return cached;
    const d = defOf(inner);
    let t: GraphQLInputType;
    if (d.type === 'array') {
      t = new GraphQLList(this.input(d.element!, hint));
    } else if (d.type === 'object' && Object.keys(d.shape!).length > 0) {
      const id = apiSchemas.get(inner)?.id;
      const base = id ?? hint;
      const name = this.name(
        inner,
        base.endsWith('Input') || base.endsWith('Filter') ? base : `${base}Input`,
      );
      const shape = d.shape!;
      t = this.remember(
        inner,
        new GraphQLInputObjectType({
          name,
          fields: () => this.inputFields(shape, base.replace(/Input$/, '')),
        }),
      );
    } else {
      t = this.scalar(inner, hint);
    }
    this.inputs.set(inner, t);
    return t;
  }

  inputFields(shape: Record<string, z.ZodType>, base: string): GraphQLInputFieldConfigMap {
    return Object.fromEntries(
      Object.entries(shape).map(([k, v]) => [k, { type: this.input(v, base + pascal(k)) }]),
    );
  }

  /** `<Item>Connection` with its edges. */
  connection(item: z.ZodType, hint: string): ObjectType {
    const node = this.output(item, hint);
    const base = (apiSchemas.get(unwrap(item, 'output').inner)?.id ?? hint).replace(/^./, (c) =>
      c.toUpperCase(),
    );
    const known = this.byName.get(`${base}Connection`);
    if (known) return known.type as ObjectType;
    const edge = this.remember(
      `${base}Edge`,
      new GraphQLObjectType({
        name: `${base}Edge`,
        fields: { node: { type: node }, cursor: { type: new GraphQLNonNull(GraphQLString) } },
      }),
    );
    return this.remember(
      `${base}Connection`,
      new GraphQLObjectType({
        name: `${base}Connection`,
        fields: {
          edges: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(edge))) },
          pageInfo: { type: new GraphQLNonNull(this.pageInfo) },
        },
      }),
    );
  }
}

export interface GraphqlContext {
  principal?: CallMeta['principal'];
  /** A node credential's node (only the fields of routes declared `node: true` accept it). */
  epicNode?: CallMeta['node'];
  requestId: string;
  pubsub?: { subscribe(topic: string): Promise<unknown> };
}

function meta(ctx: GraphqlContext, r: RestRoute): CallMeta {
  if (ctx.principal) return { principal: ctx.principal, requestId: ctx.requestId };
  if (r.node && ctx.epicNode)
    return { principal: undefined as never, requestId: ctx.requestId, node: ctx.epicNode };
  throw refusal(ctx.epicNode);
}

interface Edge {
  node: unknown;
  cursor: string;
}
interface Connection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
function connectionOf(items: unknown[], cursorOf: (x: unknown, i: number) => string, hasNextPage: boolean) {
  // Cursors are computed only for the edges whose `cursor` is asked for.
  const edges: Edge[] = items.map((node, i) => ({
    node,
    get cursor() {
      return cursorOf(node, i);
    },
  }));
  return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } } satisfies Connection;
}
const keyset = (x: unknown) => encodeCursor(x as { createdAt: Date; id: string });
const offsetCursor = (n: number) => Buffer.from(`o:${n}`).toString('base64url');
function decodeOffset(after: string): number {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  if (!m) throw AppError.field('after', 'not a cursor returned by this API');
  return Number(m[1]);
}

/** How a route's list answer pages: by keyset cursor, by revision number, or whole (sliced here). */
type Paging = 'cursor' | 'before' | 'whole' | undefined;
function pagingOf(r: RestRoute): Paging {
  const response = r.response && shapeOf(r.response, 'output');
  if (!response?.items) return undefined;
  const query = r.query ? shapeOf(r.query, 'input') : undefined;
  if (query?.cursor) return 'cursor';
  if (query?.before) return 'before';
  return 'whole';
}

const text = (v: unknown) => (typeof v === 'boolean' ? String(v) : v);
const present = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/** One Query or Mutation field from a RestRoute: its arguments, type and a resolver over the same handler. */
function twinField(types: GraphqlTypes, r: RestRoute): GraphQLFieldConfig<unknown, GraphqlContext> {
  const g = r.graphql;
  const base = pascal(g.name);
  const args: GraphQLFieldConfigArgumentMap = {};
  const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  for (const p of params) {
    const schema = r.params?.[p];
    args[g.args?.[p] ?? p] = {
      type: schema ? types.input(schema, base + pascal(p)) : new GraphQLNonNull(GraphQLID),
    };
  }
  const body = r.body ? shapeOf(r.body, 'input') : undefined;
  if (r.body) {
    if (g.body === 'spread' && body) Object.assign(args, types.inputFields(body, base));
    else args.input = { type: types.input(r.body, `${base}Input`) };
  }
  const paging = pagingOf(r);
  const query = r.query ? (shapeOf(r.query, 'input') ?? {}) : {};
  const pageKeys = ['limit', 'cursor', 'before'];
  const filters = Object.fromEntries(Object.entries(query).filter(([k]) => !pageKeys.includes(k)));
  if (paging) {
    args.first = { type: GraphQLInt, description: 'page size' };
    args.after = { type: GraphQLString, description: "an edge's cursor: the page after it" };
  }
  if (Object.keys(filters).length > 0) {
    if (g.filter) {
      args.filter = {
        type: new GraphQLInputObjectType({
          name: g.filter,
          fields: types.inputFields(filters, g.filter),
        }),
      };
    } else Object.assign(args, types.inputFields(filters, base));
  }

  let type: GraphQLOutputType;
  if (paging) {
    const items = unwrap(shapeOf(r.response!, 'output')!.items!, 'output').inner;
    type = new GraphQLNonNull(types.connection(defOf(items).element!, base));
  } else if (r.upsert) type = types.output(r.upsert.result, `${base}Result`);
  else if (r.response) type = types.output(r.response, `${base}Response`);
  else type = new GraphQLNonNull(GraphQLBoolean);

  return {
    type,
    description: r.summary,
    args,
    resolve: async (_src, a: Record<string, unknown>, ctx) => {
      const m = meta(ctx, r);
      const p = Object.fromEntries(params.map((name) => [name, a[g.args?.[name] ?? name] as string]));
      const q: Record<string, unknown> = present(
        Object.fromEntries(
          Object.entries(g.filter ? ((a.filter ?? {}) as Record<string, unknown>) : a)
            .filter(([k]) => k in filters)
            .map(([k, v]) => [k, text(v)]),
        ),
      );
      if (paging === 'cursor') Object.assign(q, present({ limit: a.first, cursor: a.after }));
      if (paging === 'before') {
        if (typeof a.after === 'string' && !/^\d{1,10}$/.test(a.after))
          throw AppError.field('after', 'not a cursor returned by this API');
        Object.assign(q, present({ limit: a.first, before: a.after }));
      }
      const input =
        g.body === 'spread' && body
          ? present(Object.fromEntries(Object.keys(body).map((k) => [k, a[k]])))
          : a.input;
      const result = await r.handler({ meta: m, params: p, query: q, body: input });
      if (!paging) return r.response || r.upsert ? result : true;
      const page = result as { items: unknown[]; nextCursor?: string | null; nextBefore?: number | null };
      if (paging === 'cursor') return connectionOf(page.items, keyset, page.nextCursor != null);
      if (paging === 'before')
        return connectionOf(
          page.items,
          (x) => String((x as { version: number }).version),
          page.nextBefore != null,
        );
      // A whole list: sliced by offset cursors.
      const from = typeof a.after === 'string' ? decodeOffset(a.after) : 0;
      const first = a.first as number | null | undefined;
      if (first != null && (first < 1 || first > 500))
        throw AppError.field('first', 'must be between 1 and 500');
      const items = page.items.slice(from, first != null ? from + first : undefined);
      return connectionOf(
        items,
        (_x, i) => offsetCursor(from + i + 1),
        from + items.length < page.items.length,
      );
    },
  };
}

export interface SubscriptionField<Payload = { gateway: unknown }> {
  subscribe: (src: unknown, args: Record<string, unknown>, ctx: GraphqlContext) => Promise<unknown>;
  resolve: (payload: Payload) => unknown;
}

/** What `gatewayTopologyChanged` sends: which gateway's topology changed, and when it was heard. */
export interface TopologyChange {
  gatewayId: string;
  at: Date;
}

/**
 * A nudge, not the change itself: the subscriber reads the topology again (docs/adr/0801-topology-subscription.md). No object of the
 * store is sent, so nothing can be sent that the subscriber could not read with its own queries.
 */
const GatewayTopologyChange = new GraphQLObjectType({
  name: 'GatewayTopologyChange',
  description:
    "the gateway's topology changed: its routes, the EndpointSlices of their backends, its proxies, EPIC nodes or tunnels, or their status",
  fields: {
    gatewayId: { type: new GraphQLNonNull(GraphQLID) },
    at: { type: new GraphQLNonNull(DateTimeResolver), description: 'when this replica heard of the change' },
  },
});

/** The whole schema: a field per route, plus the subscriptions the caller resolves. */
export function buildGraphqlSchema(
  routes: RestRoute[],
  subscriptions?: {
    gatewayStatusChanged: SubscriptionField;
    gatewayTopologyChanged: SubscriptionField<{ change: TopologyChange }>;
  },
): Schema {
  const types = new GraphqlTypes();
  const query: GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
  const mutation: GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
  for (const r of routes) {
    const into = r.method === 'GET' || r.graphql.query ? query : mutation;
    if (into[r.graphql.name]) throw new Error(`two routes name the GraphQL field ${r.graphql.name}`);
    into[r.graphql.name] = twinField(types, r);
  }
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: query }),
    mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutation }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        gatewayStatusChanged: {
          type: types.output(Gateway, 'Gateway'),
          args: { gatewayId: { type: new GraphQLNonNull(GraphQLID) } },
          description: "a gateway's status after each change (conditions, listeners, address)",
          ...(subscriptions?.gatewayStatusChanged ?? {}),
        } as GraphQLFieldConfig<unknown, GraphqlContext>,
        gatewayTopologyChanged: {
          type: new GraphQLNonNull(GatewayTopologyChange),
          args: { gatewayId: { type: new GraphQLNonNull(GraphQLID) } },
          description:
            "an event each time the gateway was reconciled after a change of its routes, their backends' endpoints, its proxies, EPIC nodes or tunnels: read the topology again",
          ...(subscriptions?.gatewayTopologyChanged ?? {}),
        } as GraphQLFieldConfig<unknown, GraphqlContext>,
      },
    }),
  });
}
