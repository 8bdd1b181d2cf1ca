import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from './app.js';
import { ConfigError, dbTimeouts, graphqlLimitsOf, loadConfig } from './config.js';
import { createDb } from './db/client.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { startStatusFanout } from './http/status-fanout.js';
import { startXdsPlane } from './xds/publisher.js';
import { createReconciler } from './reconciler/reconciler.js';
import { seedSystem } from './seed.js';

/** EPIC_SECRET_KEY, or a key generated once and kept in the data directory (mode 0600). */
function loadSecretKey(hex: string | undefined, dataDir: string): Buffer {
  if (hex) return Buffer.from(hex, 'hex');
  const file = path.join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/**
 * Starts the control plane. Without DATABASE_URL it runs on its embedded default: a PostgreSQL it owns
 * under EPIC_DATA_DIR (default .epic/), migrated and seeded; the admin key is printed once, on first start.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = pino({
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', '*.secret', '*.password'],
  });
  let embedded: EmbeddedDatabase | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    log.info({ dataDir: config.EPIC_DATA_DIR }, 'starting the embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dataDir: `${config.EPIC_DATA_DIR}/pg`,
      port: config.EMBEDDED_PG_PORT,
      persistent: true,
      log: (line) => log.debug({ pg: line.trim() }),
    });
    url = embedded.url('epic');
  }
  await ensureDatabase(url);
  const applied = await migrate(url);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const db = createDb(url, { timeouts: dbTimeouts(config) });
  const seeded = await seedSystem(db, { demo: config.SEED_DEMO });
  const secretKey = loadSecretKey(config.EPIC_SECRET_KEY, config.EPIC_DATA_DIR);
  const app = await buildApp({
    db,
    logger: log,
    bodyLimit: config.BODY_LIMIT_BYTES,
    secretKey,
    xds: { host: config.XDS_ADVERTISE_HOST ?? config.XDS_HOST, port: config.XDS_PORT },
    poolLimits: {
      tenantMaxPrefix: { ipv4: config.TENANT_POOL_MAX_PREFIX_V4, ipv6: config.TENANT_POOL_MAX_PREFIX_V6 },
    },
    xdsTokenTtlSeconds: config.XDS_TOKEN_TTL_SECONDS,
    graphqlLimits: graphqlLimitsOf(config),
  });
  const xds = config.XDS
    ? await startXdsPlane({
        db,
        databaseUrl: url,
        log: log.child({ component: 'xds' }),
        secretKey,
        address: `${config.XDS_HOST}:${config.XDS_PORT}`,
        registry: app.metrics.registry,
      })
    : undefined;

  const stopFanout = await startStatusFanout({ app, db, databaseUrl: url, log });

  const reconciler = config.RECONCILER
    ? createReconciler({
        db,
        databaseUrl: url,
        log: log.child({ component: 'reconciler' }),
        metrics: app.metrics,
        resyncSeconds: config.RECONCILE_RESYNC_SECONDS,
      })
    : undefined;
  await reconciler?.start();
  const address = await app.listen({ host: config.HOST, port: config.PORT });

  if (seeded.adminKey || seeded.demoKey) {
    const lines = [
      '',
      '  EPIC control plane is up (first start).',
      `  UI and API:        ${address}/   (OpenAPI: ${address}/api/v1/openapi.json, GraphQL: ${address}/graphql)`,
      ...(seeded.adminKey ? [`  Platform admin key: ${seeded.adminKey}`] : []),
      ...(seeded.demoKey
        ? [
            `  Demo account key:   ${seeded.demoKey}   (account "demo", template "default", pool 192.0.2.0/24)`,
          ]
        : []),
      '  These keys are shown only once; they are stored as hashes.',
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } else {
    log.info({ address }, 'EPIC control plane is up');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.close().catch(() => undefined);
    await reconciler?.stop().catch(() => undefined);
    await xds?.close().catch(() => undefined);
    await stopFanout();
    await db.$disconnect().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`EPIC failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
