import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius from 'mercurius';
import { createRequire } from 'node:module';
import type { GraphQLError as GqlError, GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { AppError, isAppError } from '../lib/errors.js';
import { fromDatabaseError, fromFrameworkError } from '../lib/http-errors.js';
import type { Services } from '../services.js';
import type { Db } from '../db/client.js';
import { defaultGraphqlLimits, installGraphqlLimits, type GraphqlLimits } from './graphql-limits.js';
import { subscriptionGuardOf, type GuardContext } from './subscription-auth.js';
import { installGraphqlPageCache } from './graphql-page-cache.js';
import { buildGraphqlSchema, type GraphqlContext, type TopologyChange } from './graphql-schema.js';
import { topologyTopic, watchTopology } from './topology-watch.js';
import { coercionProblems, isVariableError } from './graphql-coercion.js';
import { restRoutes } from './routes.js';

const { GraphQLError, printSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * GraphQL face of the service layer: generated from the REST route list (graphql-schema.ts), so every REST
 * operation has its typed twin; errors carry `extensions.code` and `extensions.issues` with field paths; a
 * subscription streams gateway status changes.
 */
function schemaOf(services: Services): GraphQLSchema {
  return buildGraphqlSchema(restRoutes(services), {
    gatewayStatusChanged: {
      // Authorised when subscribing and again before every event (the key may have been revoked since).
      subscribe: async (_: unknown, a: Record<string, unknown>, ctx: GraphqlContext & GuardContext) => {
        const principal = ctx.principal;
        if (!principal)
          throw new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
        const gatewayId = a.gatewayId as string;
        const authorise = () => services.gateways.get({ principal, requestId: ctx.requestId }, gatewayId);
        await authorise();
        const events = (await ctx.pubsub!.subscribe(`gateway-status:${gatewayId}`)) as AsyncIterator<unknown>;
        return ctx.subscriptionGuard ? ctx.subscriptionGuard.guard(ctx, events, authorise) : events;
      },
      resolve: (payload: { gateway: unknown }) => payload.gateway,
    },
    gatewayTopologyChanged: {
      // Tenant-scoped exactly as gatewayStatusChanged: the gateway must be the caller's when subscribing and
      // again before every event; the event names only the gateway (docs/adr/0801-topology-subscription.md).
      subscribe: async (
        _: unknown,
        a: Record<string, unknown>,
        ctx: GraphqlContext & GuardContext & { watchesOf?: object },
      ) => {
        const principal = ctx.principal;
        if (!principal)
          throw new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
        const gatewayId = a.gatewayId as string;
        const authorise = () => services.gateways.get({ principal, requestId: ctx.requestId }, gatewayId);
        await authorise();
        const events = (await ctx.pubsub!.subscribe(topologyTopic(gatewayId))) as AsyncIterator<unknown>;
        const guarded = ctx.subscriptionGuard ? ctx.subscriptionGuard.guard(ctx, events, authorise) : events;
        return ctx.watchesOf ? watchTopology(ctx.watchesOf, gatewayId, guarded) : guarded;
      },
      resolve: (payload: { change: TopologyChange }) => payload.change,
    },
  });
}

/** The schema in SDL (for clients, docs and tests). */
export const typeDefs = printSchema(schemaOf({} as Services));

/**
 * Maps AppErrors, malformed documents and transport errors to GraphQL errors with `extensions.code`; internals
 * never leak. Duck-typed on purpose: mercurius and our code may hold different copies of `graphql`.
 */
export function toGraphQLErrors(err: unknown, requestId: string, bodyLimit: number): GqlError[] {
  const e = err as {
    name?: string;
    message?: string;
    originalError?: unknown;
    errors?: unknown[];
    path?: unknown;
  };
  const original = (e.originalError ?? err) as {
    errors?: unknown[];
    statusCode?: number;
    code?: string;
    message: string;
  };
  const out = (message: string, code: string, status: number, issues: unknown[] = []) =>
    new GraphQLError(message, {
      extensions: { code, status, requestId, ...(issues.length ? { issues } : {}) },
    });
  if (isAppError(original)) return [out(original.message, original.code, original.status, original.issues)];
  const unavailable = fromDatabaseError(original);
  if (unavailable) return [out(unavailable.message, unavailable.code, unavailable.status)];
  // Transport-level refusals keep their own status (405 for a mutation over GET, 413, 415).
  if (original.statusCode && [405, 413, 415].includes(original.statusCode)) {
    const t = fromFrameworkError(original, bodyLimit)!;
    return [out(t.message, t.code, t.status)];
  }
  // A document mercurius refused (syntax, unknown fields, variable types): one error per problem; a refusal
  // by a GraphQL limit keeps the code that names the limit.
  if (Array.isArray(original.errors) && original.errors.length > 0) {
    return original.errors.map((x) => {
      const code = (x as { extensions?: { code?: unknown } }).extensions?.code;
      return out((x as { message: string }).message, typeof code === 'string' ? code : 'Validation', 400);
    });
  }
  const framework =
    e.originalError !== undefined || e.name !== 'GraphQLError'
      ? fromFrameworkError(original, bodyLimit)
      : undefined;
  if (framework) return [out(framework.message, framework.code, framework.status)];
  if (e.name === 'GraphQLError' && e.originalError === undefined)
    return [out(e.message ?? 'invalid document', 'Validation', 400)];
  return [out('internal error', 'Internal', 500)];
}

/** The document, variables and operation name of a GraphQL request, by POST body or GET query string. */
function documentOf(
  request: FastifyRequest | undefined,
): { query: string; variables: Record<string, unknown> | null; operationName?: string } | undefined {
  const raw = (request?.method === 'GET' ? request.query : request?.body) as
    { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
  if (!raw || Array.isArray(raw) || typeof raw.query !== 'string') return undefined;
  let variables = raw.variables;
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables) as unknown;
    } catch {
      return undefined;
    }
  }
  return {
    query: raw.query,
    variables: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : null,
    ...(typeof raw.operationName === 'string' ? { operationName: raw.operationName } : {}),
  };
}

/**
 * Variable errors name their field: graphql-js says where in a variable a value is wrong only in its message
 * (`… at "input.listeners[0].port"`), and the compiled execution not even there. Each refused variable value is
 * answered as graphql-js words it, with `extensions.issues` holding the field path as the REST face names it
 * (`listeners[0].port`), so a form can show the problem beside its field.
 */
export function withFieldPaths(
  schema: GraphQLSchema,
  request: FastifyRequest | undefined,
  errors: GqlError[],
  requestId: string,
): GqlError[] {
  const variableErrors = errors.filter(
    (e) => isVariableError(e.message) && (e.extensions as { code?: unknown }).code === 'Validation',
  );
  if (!variableErrors.length) return errors;
  const doc = documentOf(request);
  let problems: ReturnType<typeof coercionProblems> = [];
  try {
    if (doc) problems = coercionProblems(schema, doc.query, doc.variables, doc.operationName);
  } catch {
    // Naming the field is a courtesy: graphql-js's own errors stand if the second look fails.
    return errors;
  }
  if (!problems.length) return errors;
  return [
    ...problems.map(
      (p) =>
        new GraphQLError(p.message, {
          extensions: { code: 'Validation', status: 400, requestId, issues: [p.issue] },
        }),
    ),
    ...errors.filter((e) => !variableErrors.includes(e)),
  ];
}

/** Whether a WebSocket upgrade comes from a page served by this host (`Origin` names the same host). */
export function sameOrigin(req: Pick<FastifyRequest, 'headers'>): boolean {
  const origin = req.headers.origin;
  if (!origin || !req.headers.host) return false;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function registerGraphql(
  app: FastifyInstance,
  services: Services,
  authenticate: (authorization: string | undefined) => Promise<Principal | undefined>,
  bodyLimit: number,
  opts: { db?: Db; limits?: Partial<GraphqlLimits>; pageCacheEntries?: number } = {},
): Promise<void> {
  // Before the limits: a kept answer is one of the same document and variables, which passed them already.
  if ((opts.pageCacheEntries ?? 64) > 0) installGraphqlPageCache(app, services, opts.pageCacheEntries ?? 64);
  const limits = installGraphqlLimits(app, { ...defaultGraphqlLimits, ...opts.limits });
  const guard = opts.db ? subscriptionGuardOf(app, opts.db) : undefined;
  const schema = schemaOf(services);
  await app.register(mercurius, {
    schema,
    path: '/graphql',
    graphiql: false,
    jit: 1,
    validationRules: limits.validationRules,
    allowBatchedQueries: limits.allowBatchedQueries,
    graphql: limits.graphql,
    context: (req: FastifyRequest) => ({
      principal: req.principal,
      epicNode: req.principal ? undefined : req.epicNode,
      requestId: req.id,
    }),
    subscription: {
      context: async (socket: GuardContext['socket'], req: FastifyRequest) => ({
        socket,
        subscriptionGuard: guard,
        // The key of this app's topology watches (mercurius sets its own `app` in the context).
        watchesOf: app,
        requestId: req.id,
        // An API key in the upgrade's header, else the Service Manager's session cookie (read by the app's
        // onRequest hook) — the cookie only from a page of this origin, so no other site can open the socket
        // with a signed-in browser's session (cross-site WebSocket hijacking).
        principal:
          (await authenticate(req.headers.authorization)) ?? (sameOrigin(req) ? req.principal : undefined),
      }),
      onConnect: async (data: { payload?: { authorization?: string; Authorization?: string } }) => {
        const header = data.payload?.authorization ?? data.payload?.Authorization;
        const principal = await authenticate(header);
        return principal ? { principal } : true;
      },
    },
    errorFormatter: (execution, ctx) => {
      const requestId = (ctx as unknown as { reply?: { request?: { id: string } } }).reply?.request?.id ?? '';
      const request = (ctx as unknown as { reply?: { request?: FastifyRequest } }).reply?.request;
      const errors = withFieldPaths(
        schema,
        request,
        (execution.errors ?? []).flatMap((e) => toGraphQLErrors(e, requestId, bodyLimit)),
        requestId,
      );
      const first = errors[0]?.extensions as { status?: number } | undefined;
      // An operation that produced data answers 200 (with errors for the fields that failed); one that was
      // refused outright answers the status of its first error, as the REST face would.
      const status = execution.data ? 200 : (first?.status ?? 200);
      return { statusCode: status, response: { data: execution.data ?? null, errors } };
    },
  });
  // Every field needs a key: a caller without one is refused before its document is even parsed, so typed
  // inputs answer Unauthorized (not a variable's Validation error) to someone who may not call at all.
  app.graphql.addHook('preParsing', async (_schema, _source, ctx) => {
    const c = ctx as unknown as GraphqlContext;
    if (!c.principal && !c.epicNode)
      throw new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
  });
  limits.attach();
}
