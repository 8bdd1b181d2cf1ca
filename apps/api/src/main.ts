import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { format } from 'node:util';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { buildApp } from './app.js';
import { ConfigError, dbTimeouts, graphqlLimitsOf, loadConfig, webAuthOf, type Config } from './config.js';
import { createDb, withPgTx } from './db/client.js';
import {
  EmbeddedPostgresError,
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from './db/embedded-postgres.js';
import { migrate } from './db/migrate.js';
import { startStatusFanout } from './http/status-fanout.js';
import { startXdsPlane } from './xds/publisher.js';
import { createProvisioner } from './provisioner/index.js';
import type { HandedRevision } from './reconciler/reconcile-gateway.js';
import { createReconciler } from './reconciler/reconciler.js';
import { issueLocalClusterKey, seedSystem } from './seed.js';
import { sealPlainTunnelKeys } from './modules/tunnel-keys.js';

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

/** A start-up failure, said in one line that names what is at fault (port, directory, variable). */
class StartupError extends Error {}

/** Why a step failed, in words: the system error behind a port or a path rather than its stack. */
function reason(e: unknown): string {
  if (e instanceof EmbeddedPostgresError) return e.message;
  const err = e as (NodeJS.ErrnoException & { details?: string }) | undefined;
  const text = `${err?.code ?? ''} ${err?.message ?? String(e)} ${err?.details ?? ''}`;
  if (/EADDRINUSE|address already in use/i.test(text)) return 'the port is already in use by another process';
  if (/EADDRNOTAVAIL/.test(text)) return 'that address is not on this host';
  if (/ECONNREFUSED/.test(text)) return 'connection refused (is it running?)';
  if (/EACCES|EPERM/.test(text)) return `permission denied${err?.path ? ` (${err.path})` : ''}`;
  if (/ENOTDIR|EEXIST/.test(text)) return `a file is in the way${err?.path ? ` (${err.path})` : ''}`;
  if (/EROFS/.test(text)) return 'read-only file system';
  return err?.message || String(e);
}

async function step<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new StartupError(`${what}: ${reason(e)}`, { cause: e });
  }
}

/** Human-readable on a terminal, JSON lines otherwise (CI, containers, pipes). */
function createLogger(config: Config): Logger {
  const options = {
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', '*.secret', '*.password'],
  };
  if (!process.stdout.isTTY) return pino(options);
  return pino(
    options,
    pretty({
      colorize: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      sync: true,
    }),
  );
}

/** Where a database URL points, without its credentials. */
function databaseHost(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
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
  const log = createLogger(config);
  // grpc-js writes its own lines to stderr (a failed bind says "No address added…" before the error is
  // thrown and reported here): into the log, at debug.
  setGrpcLogger({ error: (...args: unknown[]) => log.debug({ component: 'grpc' }, format(...args)) });
  // What has started, stopped in reverse order on shutdown and when a later start-up step fails.
  const running: { name: string; close: () => Promise<unknown> }[] = [];
  const closeAll = async () => {
    for (const { name, close } of running.splice(0).reverse())
      await close().catch((err: unknown) => log.warn({ err }, `stopping ${name} failed`));
  };

  // A key file left by an earlier start names a key that is about to be revoked: gone until the new one is.
  if (config.LOCAL_CLUSTER_KEY_FILE) rmSync(config.LOCAL_CLUSTER_KEY_FILE, { force: true });
  try {
    const secretKey = await step(
      `cannot create the data directory ${config.EPIC_DATA_DIR} (EPIC_DATA_DIR)`,
      () => loadSecretKey(config.EPIC_SECRET_KEY, config.EPIC_DATA_DIR),
    );
    let embedded: EmbeddedDatabase | undefined;
    let url = config.DATABASE_URL;
    if (!url) {
      log.info({ dataDir: config.EPIC_DATA_DIR }, 'starting the embedded PostgreSQL');
      embedded = await step('the embedded PostgreSQL (EMBEDDED_PG_PORT, EPIC_DATA_DIR)', () =>
        startEmbeddedPostgres({
          dataDir: `${config.EPIC_DATA_DIR}/pg`,
          port: config.EMBEDDED_PG_PORT,
          persistent: true,
          log: (line) => log.debug({ pg: line.trim() }),
          notice: (message) => log.warn(message),
        }),
      );
      running.push({ name: 'the embedded PostgreSQL', close: () => embedded!.stop() });
      url = embedded.url('epic');
    }
    const dbUrl = url;
    const where = config.DATABASE_URL ? `${databaseHost(dbUrl)} (DATABASE_URL)` : 'the embedded PostgreSQL';
    await step(`cannot reach the database at ${where}`, () => ensureDatabase(dbUrl));
    const applied = await step(`migrating the database at ${where}`, () => migrate(dbUrl));
    if (applied.length) log.info({ applied }, 'migrations applied');
    const db = createDb(dbUrl, { timeouts: dbTimeouts(config) });
    running.push({ name: 'the database pool', close: () => db.$disconnect() });
    const seeded = await seedSystem(db, { demo: config.SEED_DEMO });
    // Tunnel keys written as plain hex before they were sealed at rest (SQL cannot seal: no SECRET_KEY there).
    const sealedKeys = await sealPlainTunnelKeys(db, secretKey);
    if (sealedKeys) log.info({ sealedKeys }, 'tunnel keys sealed at rest');
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
      gatewayPageCacheEntries: config.GATEWAY_PAGE_CACHE_ENTRIES,
      webAuth: webAuthOf(config),
    });
    const xdsAddress = `${config.XDS_HOST}:${config.XDS_PORT}`;
    const xds = config.XDS
      ? await step(`the xDS server cannot listen on ${xdsAddress} (XDS_HOST, XDS_PORT)`, () =>
          startXdsPlane({
            db,
            databaseUrl: dbUrl,
            log: log.child({ component: 'xds' }),
            secretKey,
            address: xdsAddress,
            registry: app.metrics.registry,
          }),
        )
      : undefined;
    if (xds) running.push({ name: 'the xDS server', close: () => xds.close() });

    const stopFanout = await startStatusFanout({ app, db, databaseUrl: dbUrl, log });
    running.push({ name: 'the status fan-out', close: stopFanout });

    const provisioner = await step(`the provisioner (PROVISIONER=${config.PROVISIONER})`, () =>
      createProvisioner(config, {
        db,
        log: log.child({ component: 'provisioner' }),
        secretKey,
        xds: { host: config.XDS_ADVERTISE_HOST ?? config.XDS_HOST, port: config.XDS_PORT },
        tokenTtlSeconds: config.XDS_TOKEN_TTL_SECONDS,
      }),
    );
    if (provisioner) {
      await provisioner.start();
      running.push({ name: 'the provisioner', close: () => provisioner.stop() });
      // Fleets of gateways deleted while no provisioner ran.
      await withPgTx(db.$pool, (c) => provisioner.sweep(c)).catch((err: unknown) =>
        log.warn({ err }, 'provisioner sweep failed; the next start tries again'),
      );
    }
    const reconciler = config.RECONCILER
      ? createReconciler({
          provisioner,
          db,
          databaseUrl: dbUrl,
          log: log.child({ component: 'reconciler' }),
          metrics: app.metrics,
          resyncSeconds: config.RECONCILE_RESYNC_SECONDS,
          ...(xds
            ? {
                onRevision: (gatewayId: string, _version: number, revision?: HandedRevision) =>
                  xds.handOver(gatewayId, revision),
              }
            : {}),
        })
      : undefined;
    await reconciler?.start();
    if (reconciler) running.push({ name: 'the reconciler', close: () => reconciler.stop() });
    // Stopped first: no new requests (or subscriptions) while the rest stops.
    running.push({ name: 'the HTTP server', close: () => app.close() });
    const address = await step(`the API cannot listen on ${config.HOST}:${config.PORT} (HOST, PORT)`, () =>
      app.listen({ host: config.HOST, port: config.PORT }),
    );

    const keyFile = config.LOCAL_CLUSTER_KEY_FILE;
    if (keyFile) {
      const key = await issueLocalClusterKey(db);
      if (key)
        await step(`cannot write the local cluster's key to ${keyFile} (LOCAL_CLUSTER_KEY_FILE)`, () => {
          mkdirSync(path.dirname(keyFile), { recursive: true });
          writeFileSync(`${keyFile}.tmp`, key, { mode: 0o600 });
          renameSync(`${keyFile}.tmp`, keyFile);
        });
    }

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
  } catch (e) {
    await closeAll();
    throw e;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return; // Ctrl-C reaches npm, scripts/start.mjs and this process: one shutdown
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    await closeAll();
    log.info('stopped');
    log.flush?.();
    process.exit(0);
  };
  // SIGHUP: the terminal was closed; without it the embedded PostgreSQL would be left running.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void shutdown(signal));
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(`EPIC failed to start: ${err.message}\n`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace')
      process.stderr.write(`${(err.cause as Error | undefined)?.stack ?? ''}\n`);
  } else process.stderr.write(`EPIC failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
