import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import type { CallMeta } from '../modules/common.js';

/**
 * REST routes are declared once with their zod schemas; the same declaration validates requests (in the
 * services) and produces the OpenAPI document served at /api/v1/openapi.json.
 */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify path under /api/v1, e.g. `/gateways/:id`. */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Success status; 204 means no body. */
  status?: 200 | 201 | 204;
  public?: boolean;
  handler: (ctx: {
    meta: CallMeta;
    params: Record<string, string>;
    query: Record<string, unknown>;
    body: unknown;
    reply: FastifyReply;
  }) => Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const API_PREFIX = '/api/v1';

export function registerRest(app: FastifyInstance, routes: RestRoute[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: API_PREFIX + r.path,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        if (!req.principal && !r.public)
          throw new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
        const meta: CallMeta = { principal: req.principal!, requestId: req.id };
        const result = await r.handler({
          meta,
          params: req.params as Record<string, string>,
          query: (req.query ?? {}) as Record<string, unknown>,
          body: req.body,
          reply,
        });
        if (r.status === 204) return reply.code(204).send();
        return reply.code(reply.statusCode !== 200 ? reply.statusCode : (r.status ?? 200)).send(result);
      },
    });
  }
}

const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    issues: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['error', 'message', 'requestId'],
};

function jsonSchema(s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

export function openApiDocument(routes: RestRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
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
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      parameters: [...params, ...queryParams],
      responses: {
        [String(r.status ?? 200)]: { description: 'success' },
        '4XX': {
          description: 'the request was refused; `issues` names each bad field',
          content: { 'application/json': { schema: errorSchema } },
        },
      },
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
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an EPIC API key: epic_<prefix>_<secret>' },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
