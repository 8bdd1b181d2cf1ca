import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { apiKeyAuthenticator } from './auth/authenticate.js';
import { nodeAuthenticator } from './auth/node-credentials.js';
import { webAuth, type WebAuthOptions } from './auth/web-auth.js';
import type { Db } from './db/client.js';
import { createDbHealth, type DbHealth } from './db/health.js';
import { registerGraphql } from './http/graphql.js';
import type { GraphqlLimits } from './http/graphql-limits.js';
import { openApiDocument, registerRest, API_PREFIX } from './http/rest.js';
import { restRoutes } from './http/routes.js';
import { AppError, isAppError } from './lib/errors.js';
import { fromDatabaseError, fromFrameworkError } from './lib/http-errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createServices, type Services } from './services.js';
import type { FragmentValidator } from './modules/templates.js';
import type { PoolLimits } from './modules/pools.js';
import type { XdsEndpoint } from './xds/bootstrap-service.js';
import { validateFragments } from './xds/fragments.js';
import { registerWebUi, webPageFallback } from './web-ui.js';

export interface AppOptions {
  db: Db;
  logger?: Logger | boolean;
  bodyLimit?: number;
  metrics?: Metrics;
  validateFragments?: FragmentValidator;
  /** 32 bytes that encrypt certificate keys at rest and sign xDS tokens. */
  secretKey: Buffer;
  /** Where proxies reach the xDS server (for bootstraps). */
  xds?: XdsEndpoint;
  /** The largest pools accounts may create for themselves. */
  poolLimits?: PoolLimits;
  /** Lifetime of issued xDS tokens, in seconds (XDS_TOKEN_TTL_SECONDS). */
  xdsTokenTtlSeconds?: number;
  /** Database health; defaults to a probe on its own connection, started and stopped with the app. */
  dbHealth?: DbHealth;
  /** Bounds on GraphQL requests (defaults in graphql-limits.ts). */
  graphqlLimits?: Partial<GraphqlLimits>;
  /** Gateway pages each face keeps (GATEWAY_PAGE_CACHE_ENTRIES); default 64, 0 keeps none. */
  gatewayPageCacheEntries?: number;
  /** Browser sign-in of the Service Manager (sessions, GitHub, local); default: sessions only. */
  webAuth?: WebAuthOptions;
}

export interface EpicApp extends FastifyInstance {
  services: Services;
  metrics: Metrics;
  dbHealth: DbHealth;
}

/** Fastify logs two info lines per request; this logs one, at debug (errors stay errors). */
class RequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ err: error, responseTime: reply.elapsedTime }, 'request errored');
    else
      req.log.debug(
        { method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
  }
}

const VERSION = '0.1.0';

export async function buildApp(opts: AppOptions): Promise<EpicApp> {
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const app = Fastify({
    loggerInstance: typeof opts.logger === 'object' ? opts.logger : undefined,
    logger: typeof opts.logger === 'object' ? undefined : (opts.logger ?? false),
    bodyLimit,
    logController: new RequestLog(),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
  } as never) as unknown as EpicApp;

  const metrics = opts.metrics ?? createMetrics(opts.db);
  const services = createServices(opts.db, {
    secretKey: opts.secretKey,
    validateFragments: opts.validateFragments ?? validateFragments,
    ...(opts.xds ? { xds: opts.xds } : {}),
    ...(opts.poolLimits ? { poolLimits: opts.poolLimits } : {}),
    ...(opts.xdsTokenTtlSeconds ? { xdsTokenTtlSeconds: opts.xdsTokenTtlSeconds } : {}),
    gatewayPageCacheEntries: opts.gatewayPageCacheEntries ?? 64,
  });
  const authenticate = apiKeyAuthenticator(opts.db);
  const authenticateNode = nodeAuthenticator(opts.db);
  const browser = webAuth(
    opts.db,
    opts.secretKey,
    opts.webAuth ?? { localSignIn: false, sessionTtlSeconds: 7 * 86400 },
  );
  const dbHealth = opts.dbHealth ?? createDbHealth({ connection: opts.db.$connection, log: app.log });
  if (!opts.dbHealth) {
    app.addHook('onReady', async () => dbHealth.start());
    app.addHook('onClose', async () => dbHealth.stop());
  }
  app.decorate('services', services);
  app.decorate('metrics', metrics);
  app.decorate('dbHealth', dbHealth);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.url.startsWith(API_PREFIX) || req.url.startsWith('/graphql')) {
      // While the database does not answer, refuse at once rather than queue on connections that will not.
      if (!dbHealth.available && !req.url.startsWith(`${API_PREFIX}/openapi.json`))
        throw AppError.unavailable('database unavailable: PostgreSQL does not answer; retry later');
      // An API key wins; without one, the Service Manager's session cookie (its mutations need the CSRF token).
      req.principal = (await authenticate(req.headers.authorization)) ?? (await browser.principalOf(req));
      // A node agent's credential: accepted only by the node's own routes (modules/epic-nodes.ts).
      if (!req.principal) req.epicNode = await authenticateNode(req.headers.authorization);
    }
  });
  // Every 503 is "retry later" (the database is away); GraphQL errors reach the client through Mercurius.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '2');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const appErr = isAppError(err) ? err : (fromDatabaseError(err) ?? fromFrameworkError(err, bodyLimit));
    if (!appErr) {
      req.log.error({ err }, 'unhandled error');
      return reply.code(500).send({ error: 'Internal', message: 'internal error', requestId: req.id });
    }
    if (appErr.code === 'Unavailable') req.log.warn({ err }, appErr.message);
    else if (appErr.status >= 500) req.log.error({ err }, appErr.message);
    if (appErr.retryAfterSeconds !== undefined) reply.header('retry-after', String(appErr.retryAfterSeconds));
    return reply.code(appErr.status).send({
      error: appErr.code,
      message: appErr.message,
      requestId: req.id,
      ...(appErr.issues.length ? { issues: appErr.issues } : {}),
    });
  });
  let webServed = false;
  app.setNotFoundHandler((req, reply) =>
    webPageFallback(req, reply, webServed)
      ? reply
      : reply.code(404).send({
          error: 'NotFound',
          message: `no route ${req.method} ${req.url.split('?')[0]}`,
          requestId: req.id,
        }),
  );

  // Only JSON bodies: Fastify's text/plain parser would hand services a string (415 instead).
  app.removeContentTypeParser('text/plain');

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Bounded: a known outage answers at once, otherwise a probe with a deadline (never a hang).
  app.get('/readyz', async (_req, reply) => {
    if (dbHealth.available && (await dbHealth.probe())) return { status: 'ready' };
    return reply.code(503).header('retry-after', '2').send({ status: 'database unavailable' });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const routes = restRoutes(services);
  const openapi = openApiDocument(routes, VERSION);
  app.get(`${API_PREFIX}/openapi.json`, async () => openapi);
  registerRest(app, routes);
  await registerGraphql(app, services, authenticate, bodyLimit, {
    db: opts.db,
    ...(opts.graphqlLimits ? { limits: opts.graphqlLimits } : {}),
    pageCacheEntries: opts.gatewayPageCacheEntries ?? 64,
  });
  browser.register(app);
  webServed = await registerWebUi(app);
  return app;
}
