import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import type { CallMeta } from '../modules/common.js';
import { apiSchemas, ErrorBody } from './schemas/outputs.js';

/**
 * REST routes are declared once with their zod schemas: the request schemas validate (in the services) and
 * document the requests; the response schemas serialise the answers (fast-json-stringify, so an undeclared
 * field never leaves the server) and document them; the GraphQL twin named here is generated from the same
 * declaration (graphql-schema.ts). Adding a route with its schemas is all a new operation takes.
 */
export interface GraphqlTwin {
  /** The Query (GET) or Mutation field. */
  name: string;
  /** A read that REST sends as POST (a body too rich for a query string) is still a Query. */
  query?: true;
  /** Path parameters renamed as GraphQL arguments, e.g. `{ id: 'gatewayId' }`. */
  args?: Record<string, string>;
  /** The body as one `input` argument (default) or its fields as arguments. */
  body?: 'input' | 'spread';
  /** Query-string fields (besides the page's `first`/`after`) as arguments (default) or in one input of this name. */
  filter?: string;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path under /api/v1, e.g. `/gateways/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Path parameters that are not UUIDs (the default), e.g. `{ version: z.coerce.number().int() }`. */
  params?: Record<string, z.ZodType>;
  body?: z.ZodType;
  query?: z.ZodType;
  /** What REST answers (absent for 204). */
  response?: z.ZodType;
  /**
   * An upsert: the handler returns `{ <field>: object, created }` (`result`, the GraphQL twin's type); REST
   * answers the object with 201 when it was created, 200 when updated.
   */
  upsert?: { field: string; result: z.ZodType };
  /** Success status; 204 means no body. */
  status?: 200 | 201 | 204;
  public?: boolean;
  /** Also callable with a node credential (the handler checks that it acts for its own node). */
  node?: true;
  graphql: GraphqlTwin;
  handler: (ctx: RouteContext) => Promise<unknown>;
  /**
   * REST answers this JSON text (a 200) instead of serialising `handler`'s result: for a hot read whose
   * answer PostgreSQL builds as text. It must be the same JSON value as `response` would serialise from
   * `handler` (faces-parity.test.ts, openapi.test.ts); the GraphQL twin still calls `handler`.
   */
  restJson?: (ctx: RouteContext) => Promise<string | Buffer>;
}

export interface RouteContext {
  meta: CallMeta;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  /** The REST reply, for response headers (absent when the GraphQL twin calls the handler). */
  reply?: Pick<FastifyReply, 'header'>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const API_PREFIX = '/api/v1';
/** The content type Fastify gives the JSON it serialises. */
const JSON_TYPE = 'application/json; charset=utf-8';

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The statuses a route answers on success. */
export function successStatuses(r: RestRoute): number[] {
  if (r.upsert) return [200, 201];
  return [r.status ?? 200];
}

/** Gives every response schema an id (anonymous ones are named after their GraphQL twin). */
function nameResponses(routes: RestRoute[]): void {
  for (const r of routes) {
    for (const s of [r.response, r.upsert?.result]) {
      if (s && !apiSchemas.has(s)) apiSchemas.add(s, { id: `${pascal(r.graphql.name)}Response` });
    }
  }
}

type Json = Record<string, unknown>;
const COMPONENT = '#/components/schemas/';

/** JSON Schema (2020-12) of every named output schema, as OpenAPI components. */
export function outputComponents(): Record<string, Json> {
  const out = z.toJSONSchema(apiSchemas, {
    io: 'output',
    uri: (id) => COMPONENT + id,
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as { schemas: Record<string, Json> };
  const components: Record<string, Json> = {};
  for (const [id, s] of Object.entries(out.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = s;
    components[id] = rest;
  }
  return components;
}

/**
 * An output schema inlined for fast-json-stringify: components resolved, and `anyOf [X, null]` written as
 * `type: [X, "null"]`, which it serialises without validating each branch at run time.
 */
function inline(schema: unknown, components: Record<string, Json>, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components, seen));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Json;
  if (typeof s.$ref === 'string' && s.$ref.startsWith(COMPONENT)) {
    const id = s.$ref.slice(COMPONENT.length);
    if (seen.includes(id)) return {};
    return inline(components[id], components, [...seen, id]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] =
      k === 'properties' || k === '$defs'
        ? Object.fromEntries(Object.entries(v as Json).map(([p, x]) => [p, inline(x, components, seen)]))
        : inline(v, components, seen);
  }
  const any = out.anyOf as Json[] | undefined;
  if (any?.length === 2 && any.some((x) => x.type === 'null')) {
    const other = any.find((x) => x.type !== 'null')!;
    if (typeof other.type === 'string') {
      delete out.anyOf;
      return { ...other, ...out, type: [other.type, 'null'] };
    }
  }
  return out;
}

/**
 * The JSON Schema that fast-json-stringify serialises a named output schema from (what REST answers for
 * it): for code that must write the same bytes, e.g. the SQL of gateway-page-sql.ts.
 */
export function serializerSchema(schema: z.ZodType | string): Json {
  const id = typeof schema === 'string' ? schema : apiSchemas.get(schema)?.id;
  if (!id) throw new Error('serializerSchema: the schema has no id in apiSchemas');
  return inline({ $ref: COMPONENT + id }, outputComponents()) as Json;
}

/** Why a caller without a principal may not call a route: no credential, or a node credential elsewhere. */
export function refusal(node: unknown): AppError {
  return node
    ? new AppError(
        'Forbidden',
        "a node credential may call only its own node's operations under /epic-nodes/{name}",
      )
    : new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
}

export function registerRest(app: FastifyInstance, routes: RestRoute[]): void {
  nameResponses(routes);
  const components = outputComponents();
  const errorSchema = inline({ $ref: COMPONENT + apiSchemas.get(ErrorBody)!.id }, components);
  for (const r of routes) {
    const response: Record<string, unknown> = { '4xx': errorSchema, '5xx': errorSchema };
    if (r.response) {
      const ok = inline({ $ref: COMPONENT + apiSchemas.get(r.response)!.id }, components);
      for (const status of successStatuses(r)) response[String(status)] = ok;
    }
    app.route({
      method: r.method,
      url: API_PREFIX + r.path,
      schema: { response },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        if (!req.principal && !r.public && !(r.node && req.epicNode)) throw refusal(req.epicNode);
        const meta: CallMeta = {
          principal: req.principal!,
          requestId: req.id,
          ...(req.epicNode && !req.principal ? { node: req.epicNode } : {}),
        };
        const ctx: RouteContext = {
          meta,
          params: req.params as Record<string, string>,
          query: (req.query ?? {}) as Record<string, unknown>,
          body: req.body,
          reply,
        };
        // A string or bytes with a JSON content type are sent as they are (no serialiser runs).
        if (r.restJson)
          return reply
            .code(200)
            .type(JSON_TYPE)
            .send(await r.restJson(ctx));
        const result = await r.handler(ctx);
        if (r.status === 204) return reply.code(204).send();
        if (r.upsert) {
          const u = result as Record<string, unknown> & { created: boolean };
          return reply.code(u.created ? 201 : 200).send(u[r.upsert.field]);
        }
        return reply.code(r.status ?? 200).send(result);
      },
    });
  }
}

function jsonSchema(s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

export function operationId(r: RestRoute): string {
  return `${r.method.toLowerCase()}${r.path.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`;
}

export function openApiDocument(routes: RestRoute[], version: string): Record<string, unknown> {
  nameResponses(routes);
  const paths: Record<string, Record<string, unknown>> = {};
  const ref = (s: z.ZodType) => ({ $ref: COMPONENT + apiSchemas.get(s)!.id });
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: ref(ErrorBody) } },
  });
  for (const r of routes) {
    const path = API_PREFIX + r.path.replace(/:(\w+)/g, '{$1}');
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = r.query ? jsonSchema(r.query) : undefined;
    const queryParams = query
      ? Object.entries((query.properties ?? {}) as Record<string, Record<string, unknown>>).map(
          ([name, schema]) => ({
            name,
            in: 'query',
            required: ((query.required ?? []) as string[]).includes(name),
            schema,
            ...(schema.description ? { description: schema.description } : {}),
          }),
        )
      : [];
    const responses: Record<string, unknown> = {};
    for (const status of successStatuses(r)) {
      responses[String(status)] = r.response
        ? {
            description: r.upsert ? (status === 201 ? 'created' : 'updated') : 'success',
            content: { 'application/json': { schema: ref(r.response) } },
          }
        : { description: 'done; no body' };
    }
    responses['4XX'] = error('the request was refused; `issues` names each bad field');
    responses['5XX'] = error('the server failed (503 with Retry-After while the database is unavailable)');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationId(r),
      'x-graphql': r.graphql.name,
      parameters: [...params, ...queryParams],
      responses,
      ...(r.public ? { security: [] } : {}),
    };
    if (r.body)
      op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EPIC control plane API', version },
    servers: [{ url: '/' }],
    components: {
      schemas: outputComponents(),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an EPIC API key: epic_<prefix>_<secret>' },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
