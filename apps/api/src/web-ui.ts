import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built Service Manager (apps/web, `vite build`; scripts/build-web.mjs builds it when stale). */
export const webDist = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>EPIC Gateway Service Manager</title></head>
<body><main><h1>EPIC Gateway Service Manager</h1>
<p>The control plane is running, but the web UI is not built: run <code>node scripts/build-web.mjs</code>
(<code>npm start</code> does it). The API lives under <a href="/api/v1/openapi.json">/api/v1</a> and
<code>/graphql</code>.</p></main></body></html>
`;

/** Paths the browser application owns: everything that is not the API, GraphQL, auth or the probes. */
const serverPrefixes = ['/api/', '/graphql', '/auth/', '/healthz', '/readyz', '/metrics', '/assets/'];

/** A browser navigating to one of the UI's pages (`/gateways/…`): answered with index.html. */
export function isPageRequest(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0] ?? '/';
  if (serverPrefixes.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) return false;
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

/**
 * Serves the UI at / on the API's port: hashed assets with a year's cache, index.html never cached (so a new
 * build is picked up), and the application's page URLs answered with index.html (see `webPageFallback`).
 */
export async function registerWebUi(app: FastifyInstance, root = webDist): Promise<boolean> {
  if (!existsSync(`${root}/index.html`)) {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(notBuilt));
    return false;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  return true;
}

/** For the not-found handler: answers a page URL with the application; false when it is not one. */
export function webPageFallback(req: FastifyRequest, reply: FastifyReply, served: boolean): boolean {
  if (!served || !isPageRequest(req)) return false;
  void reply.header('cache-control', 'no-cache').sendFile('index.html');
  return true;
}
