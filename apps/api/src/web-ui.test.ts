import Fastify from 'fastify';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWebUi, webPageFallback } from './web-ui.js';

async function appOn(root: string) {
  const app = Fastify();
  let served = false;
  app.setNotFoundHandler((req, reply) =>
    webPageFallback(req, reply, served) ? reply : reply.code(404).send({ error: 'NotFound' }),
  );
  app.get('/api/v1/whoami', async () => ({ ok: true }));
  served = await registerWebUi(app, root);
  return app;
}

describe('the web UI on the API port', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'epic-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><html><body>app</body></html>');
  writeFileSync(path.join(root, 'assets', 'main-abc.js'), 'console.log(1)');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('answers a page URL of the application with index.html, uncached', async () => {
    const app = await appOn(root);
    const r = await app.inject({
      url: '/gateways/0d3c3c6e-0000-4000-8000-000000000000',
      headers: { accept: 'text/html' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('app');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('serves hashed assets with a long cache', async () => {
    const app = await appOn(root);
    const r = await app.inject({ url: '/assets/main-abc.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('keeps JSON 404s for the API, missing assets and non-browser requests', async () => {
    const app = await appOn(root);
    for (const [url, accept] of [
      ['/api/v1/nope', 'text/html'],
      ['/assets/missing.js', 'text/html'],
      ['/gateways', 'application/json'],
    ] as const) {
      const r = await app.inject({ url, headers: { accept } });
      expect(r.statusCode, url).toBe(404);
      expect(r.json()).toEqual({ error: 'NotFound' });
    }
  });

  it('says how to build the UI when it is not built', async () => {
    const app = await appOn(path.join(root, 'nowhere'));
    const r = await app.inject({ url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('scripts/build-web.mjs');
  });
});
