import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { apiKeyAuthenticator } from './auth/authenticate.js';
import type { Db } from './db/client.js';
import { registerGraphql } from './http/graphql.js';
import { openApiDocument, registerRest, API_PREFIX } from './http/rest.js';
import { restRoutes } from './http/routes.js';
import { isAppError } from './lib/errors.js';
import { fromFrameworkError } from './lib/http-errors.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createServices, type Services } from './services.js';
import type { FragmentValidator } from './modules/templates.js';
import type { XdsEndpoint } from './xds/bootstrap-service.js';
import { validateFragments } from './xds/fragments.js';

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
}

export interface EpicApp extends FastifyInstance {
  services: Services;
  metrics: Metrics;
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

const webRoot = fileURLToPath(new URL('../../web/public/', import.meta.url));
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
  });
  const authenticate = apiKeyAuthenticator(opts.db);
  app.decorate('services', services);
  app.decorate('metrics', metrics);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (req.url.startsWith(API_PREFIX) || req.url.startsWith('/graphql'))
      req.principal = await authenticate(req.headers.authorization);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const appErr = isAppError(err) ? err : fromFrameworkError(err, bodyLimit);
    if (!appErr) {
      req.log.error({ err }, 'unhandled error');
      return reply.code(500).send({ error: 'Internal', message: 'internal error', requestId: req.id });
    }
    if (appErr.status >= 500) req.log.error({ err }, appErr.message);
    return reply.code(appErr.status).send({
      error: appErr.code,
      message: appErr.message,
      requestId: req.id,
      ...(appErr.issues.length ? { issues: appErr.issues } : {}),
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: 'NotFound',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
      requestId: req.id,
    }),
  );

  // Only JSON bodies: Fastify's text/plain parser would hand services a string (415 instead).
  app.removeContentTypeParser('text/plain');

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await opts.db.$queryRaw`SELECT 1`;
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const routes = restRoutes(services);
  const openapi = openApiDocument(routes, VERSION);
  app.get(`${API_PREFIX}/openapi.json`, async () => openapi);
  registerRest(app, routes);
  await registerGraphql(app, services, authenticate, bodyLimit);
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });
  return app;
}
