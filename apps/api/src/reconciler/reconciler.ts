import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, Tx } from '../db/client.js';
import { json } from '../modules/common.js';
import type { Metrics } from '../metrics.js';
import { computeGatewayStatus, type Condition, type ListenerLike, type ListenerStatus } from './gateway-status.js';

/**
 * Level-triggered reconciler keyed by gateway. Work items live in the ReconcileRequest table (written in
 * the same transaction as the change that caused them), so a crash loses nothing; Postgres NOTIFY wakes
 * every replica and `FOR UPDATE SKIP LOCKED` makes sure one replica handles a given gateway at a time.
 * A periodic resync re-queues gateways whose observed generation lags.
 */
export interface ReconcilerOptions {
  db: Db;
  databaseUrl: string;
  log: Logger;
  metrics?: Metrics;
  resyncSeconds: number;
  /** Called after a gateway's status changed (after commit), on the replica that reconciled it. */
  onStatusChanged?: (gatewayId: string) => void;
}

export interface Reconciler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Processes queued work until the queue is empty (used by tests and at start-up). */
  drain(): Promise<number>;
  reconcile(gatewayId: string): Promise<boolean>;
}

const BACKOFF_SECONDS = 5;

export async function reconcileGateway(tx: Tx, gatewayId: string, now: Date): Promise<boolean> {
  const gw = await tx.gateway.findUnique({
    where: { id: gatewayId },
    include: { routeParents: { include: { route: { select: { kind: true, spec: true } } } } },
  });
  if (!gw) return false;
  const attachedRoutes = gw.routeParents.map((rp) => {
    const ref = ((rp.route.spec as { parentRefs?: Array<{ sectionName?: string; port?: number }> }).parentRefs ?? [])[rp.refIndex] ?? {};
    return { kind: rp.route.kind, ...(ref.sectionName ? { sectionName: ref.sectionName } : {}), ...(ref.port ? { port: ref.port } : {}) };
  });
  const next = computeGatewayStatus(
    { generation: gw.generation, address: gw.address, listeners: gw.listeners as unknown as ListenerLike[], attachedRoutes },
    { conditions: gw.conditions as unknown as Condition[], listeners: gw.listenerStatus as unknown as ListenerStatus[] },
    now.toISOString(),
  );
  const changed =
    JSON.stringify(next.conditions) !== JSON.stringify(gw.conditions) ||
    JSON.stringify(next.listeners) !== JSON.stringify(gw.listenerStatus) ||
    gw.observedGeneration !== gw.generation;
  if (changed) {
    await tx.gateway.update({
      where: { id: gw.id },
      data: { conditions: json(next.conditions), listenerStatus: json(next.listeners), observedGeneration: gw.generation },
    });
    await tx.$executeRaw`SELECT pg_notify('epic_gateway_status', ${gw.id})`;
  }
  return changed;
}

export function createReconciler(opts: ReconcilerOptions): Reconciler {
  const { db, log } = opts;
  let listener: pg.Client | undefined;
  let stopped = true;
  let running: Promise<void> | undefined;
  let again = false;
  let resyncTimer: NodeJS.Timeout | undefined;

  async function processOne(): Promise<'done' | 'empty'> {
    const claimed = await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ gatewayId: string; seq: bigint }>>`
        SELECT "gatewayId", seq FROM "ReconcileRequest"
        WHERE "requestedAt" <= now()
        ORDER BY "requestedAt" LIMIT 1 FOR UPDATE SKIP LOCKED`;
      const row = rows[0];
      if (!row) return undefined;
      const started = process.hrtime.bigint();
      try {
        const changed = await reconcileGateway(tx, row.gatewayId, new Date());
        await tx.$executeRaw`DELETE FROM "ReconcileRequest" WHERE "gatewayId" = ${row.gatewayId}::uuid AND seq = ${row.seq}`;
        opts.metrics?.reconcileDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        return { id: row.gatewayId, changed, error: undefined };
      } catch (error) {
        return { id: row.gatewayId, changed: false, error };
      }
    }, { timeout: 30_000 });
    if (!claimed) return 'empty';
    if (claimed.error) {
      // The transaction above committed nothing of the reconcile; push the item back with a delay.
      opts.metrics?.reconcileErrors.inc();
      log.error({ gateway: claimed.id, err: claimed.error }, 'reconcile failed; retrying later');
      await db.$executeRaw`UPDATE "ReconcileRequest" SET "requestedAt" = now() + make_interval(secs => ${BACKOFF_SECONDS}) WHERE "gatewayId" = ${claimed.id}::uuid`;
    } else if (claimed.changed) {
      opts.onStatusChanged?.(claimed.id);
    }
    return 'done';
  }

  async function drain(): Promise<number> {
    let n = 0;
    while ((await processOne()) === 'done') n++;
    return n;
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (err) {
          log.error({ err }, 'reconcile loop error');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  }

  async function resync(): Promise<void> {
    // Level-triggered safety net: anything whose observed generation lags, or that was never reconciled.
    await db.$executeRaw`
      INSERT INTO "ReconcileRequest" ("gatewayId", seq, "requestedAt")
      SELECT id, 1, now() FROM "Gateway" WHERE "observedGeneration" <> generation OR conditions = '[]'::jsonb
      ON CONFLICT ("gatewayId") DO NOTHING`;
    kick();
  }

  return {
    drain,
    async reconcile(gatewayId) {
      return db.$transaction((tx) => reconcileGateway(tx, gatewayId, new Date()));
    },
    async start() {
      stopped = false;
      listener = new pg.Client({ connectionString: opts.databaseUrl });
      listener.on('notification', () => kick());
      listener.on('error', (err) => log.warn({ err }, 'reconciler LISTEN connection error'));
      await listener.connect();
      await listener.query('LISTEN epic_reconcile');
      resyncTimer = setInterval(() => {
        resync().catch((err) => log.error({ err }, 'resync failed'));
      }, opts.resyncSeconds * 1000);
      resyncTimer.unref();
      await resync();
    },
    async stop() {
      stopped = true;
      if (resyncTimer) clearInterval(resyncTimer);
      await running;
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
  };
}
