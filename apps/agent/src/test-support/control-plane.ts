// An EPIC control plane in the test's own process — API (HTTP on loopback), reconciler and xDS plane on a
// throw-away embedded PostgreSQL, the demo account seeded — for the controller suites and bench that connect
// @grpc/grpc-js-xds clients: those cannot send call credentials, so this xDS plane trusts the claimed node id
// (as apps/api's proxyless suites and bench/xds-api.ts do); the real API process cannot be used for them.
import { trustClaimedNodeId } from '@epic/xds-server';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../../api/src/app.js';
import { createDb, type Db } from '../../../api/src/db/client.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../../api/src/db/embedded-postgres.js';
import { migrate } from '../../../api/src/db/migrate.js';
import { createReconciler } from '../../../api/src/reconciler/reconciler.js';
import { seedSystem } from '../../../api/src/seed.js';
import { startXdsPlane, type XdsPlane } from '../../../api/src/xds/publisher.js';
import { freePort } from '../../../api/src/test-support/api-process.js';

export interface ControlPlane {
  apiUrl: string;
  demoKey: string;
  db: Db;
  plane: XdsPlane;
  /** GET/POST on /api/v1 with the demo key (JSON as answered: tests read what they assert on). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api(path: string, body?: unknown, method?: string): Promise<any>;
  close(): Promise<void>;
}

export async function startControlPlane(): Promise<ControlPlane> {
  const dir = mkdtempSync(path.join(tmpdir(), 'epic-control-plane-'));
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    persistent: false,
  });
  const url = pg.url('epic');
  await ensureDatabase(url);
  await migrate(url);
  const db = createDb(url);
  const { demoKey } = await seedSystem(db, { demo: true });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const secretKey = randomBytes(32);
  const plane = await startXdsPlane({
    db,
    databaseUrl: url,
    log,
    secretKey,
    address: '127.0.0.1:0',
    authenticate: trustClaimedNodeId(),
  });
  const app = await buildApp({ db, logger: false, secretKey, xds: { host: '127.0.0.1', port: plane.port } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const reconciler = createReconciler({ db, databaseUrl: url, log, resyncSeconds: 3600 });
  await reconciler.start();
  return {
    apiUrl,
    demoKey: demoKey!,
    db,
    plane,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async api(p: string, body?: unknown, method?: string): Promise<any> {
      const r = await fetch(`${apiUrl}/api/v1${p}`, {
        method: method ?? (body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${demoKey!}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      if (r.status >= 400) throw new Error(`${p} → ${r.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async close() {
      await reconciler.stop();
      await app.close();
      await plane.close();
      await db.$disconnect();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
