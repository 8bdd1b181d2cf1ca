import type { Logger } from 'pino';
import type pg from 'pg';
import { withPgTx, type Db } from '../db/client.js';
import { createPgListener, listenerSettings, type PgListener } from '../db/listener.js';
import type { Metrics } from '../metrics.js';
import type { Provisioner } from '../provisioner/fleet.js';
import { TOPOLOGY_CHANNEL } from '../http/topology-watch.js';
import { reconcileGateway, type HandedRevision, type ReconcileEffects } from './reconcile-gateway.js';

/**
 * Level-triggered reconciler keyed by gateway. Work items live in the append-only ReconcileRequest table
 * (written in the same transaction as the change that caused them), so a crash loses nothing; Postgres
 * NOTIFY wakes every replica, and a non-waiting advisory lock per gateway makes sure one replica handles a
 * given gateway at a time. A periodic resync re-queues gateways whose observed generation lags.
 */
export interface ReconcilerOptions {
  db: Db;
  databaseUrl: string;
  log: Logger;
  metrics?: Metrics;
  resyncSeconds: number;
  /**
   * Gateways reconciled at the same time by this replica, each on its own connection (the per-gateway advisory
   * lock keeps one reconcile per gateway across workers and replicas). A reconcile is mostly round trips, so a
   * few in flight keep the database and this process busy instead of waiting on each other. Default 4.
   */
  workers?: number;
  /** Called after a gateway's status changed (after commit), on the replica that reconciled it. */
  onStatusChanged?: (gatewayId: string) => void;
  /**
   * Called after a reconcile that created a revision has committed, on the replica that rendered it: a replica
   * that also serves xDS hands the revision to its plane in process (NOTIFY epic_revision still tells the others).
   * `revision` is the rendered revision when proxies are to be given it (absent for a tainted one).
   */
  onRevision?: (gatewayId: string, version: number, revision?: HandedRevision) => void;
  /** Runs each gateway's proxies (apps/api/src/provisioner); its fleet status feeds the Programmed condition. */
  provisioner?: Pick<Provisioner, 'provision'>;
}

export interface Reconciler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Processes queued work until the queue is empty (used by tests and at start-up). */
  drain(): Promise<number>;
}

const BACKOFF_SECONDS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// One reconcile per gateway at a time, across replicas: an advisory lock on the gateway, tried without
// waiting. The queue rows themselves are never locked, so writers never wait on a reconcile. Sent with BEGIN.
const CLAIM = `SELECT q."gatewayId", q.upto FROM (
    SELECT "gatewayId", max(id)::text AS upto, min("requestedAt") AS first
    FROM "ReconcileRequest" WHERE "requestedAt" <= now() GROUP BY "gatewayId" ORDER BY first LIMIT 16
  ) q
  WHERE pg_try_advisory_xact_lock(hashtextextended('reconcile:' || q."gatewayId", 0))
  LIMIT 1`;

export function createReconciler(opts: ReconcilerOptions): Reconciler {
  const { db, log } = opts;
  let listener: PgListener | undefined;
  let stopped = true;
  const running = new Set<Promise<void>>();
  const workers = Math.max(1, opts.workers ?? 4);
  // Notifications that found every worker busy: a worker whose claim found nothing stops only if none arrived
  // since it looked (the change may have committed after its claim's snapshot).
  let missed = 0;
  let resyncTimer: NodeJS.Timeout | undefined;
  /** Wake-ups for failed reconciles, due when their backoff has passed. */
  const retryTimers = new Set<NodeJS.Timeout>();

  /**
   * Work that failed is due again after the backoff, and nothing else may wake a worker then (no other change,
   * the resync a minute away): without this the gateway's status would stay unwritten until then.
   */
  function wakeAfterBackoff(): void {
    const t = setTimeout(
      () => {
        retryTimers.delete(t);
        kick();
      },
      BACKOFF_SECONDS * 1000 + 100,
    );
    t.unref();
    retryTimers.add(t);
  }

  async function processOne(): Promise<'done' | 'skipped' | 'empty'> {
    let failed: { id: string; error: unknown } | undefined;
    const claimed = await withPgTx(
      db.$pool,
      async (c, first) => {
        const claim = (first as pg.QueryResult<{ gatewayId: string; upto: string }>).rows[0];
        if (!claim) return undefined;
        // Another replica may have finished this gateway between our snapshot and our lock: look again, in
        // the round trip that sets the savepoint (a simple query, so the gateway's id is a checked literal).
        if (!UUID.test(claim.gatewayId)) throw new Error(`unexpected gateway id ${claim.gatewayId}`);
        const [, fresh] = (await c.query(
          `SAVEPOINT reconcile; SELECT max(id)::text AS upto FROM "ReconcileRequest" WHERE "gatewayId" = '${claim.gatewayId}'::uuid AND "requestedAt" <= now()`,
        )) as unknown as [pg.QueryResult, pg.QueryResult<{ upto: string | null }>];
        const upto = fresh.rows[0]?.upto;
        if (!upto) return { id: claim.gatewayId, changed: false, skipped: true, revision: undefined };
        const row = { gatewayId: claim.gatewayId, upto };
        const started = process.hrtime.bigint();
        try {
          const now = new Date();
          // The provisioner's requests to the EPIC cluster overlap the gateway's load and render; reconcileGateway
          // waits for the fleet before it writes anything (its queries and the provisioner's share this
          // transaction's connection, in the order they are issued: the provisioner's reads come first).
          // Both settle before anything fails the reconcile (no query of either after a ROLLBACK TO SAVEPOINT),
          // and a provisioning failure fails it even where reconcileGateway did not wait for the fleet (a deleted
          // gateway: its fleet's removal is all there is to do).
          const fleet = opts.provisioner?.provision(c, row.gatewayId, now);
          const effects: ReconcileEffects = {};
          const [reconciled, provisioned] = await Promise.allSettled([
            reconcileGateway(c, row.gatewayId, now, effects, fleet),
            fleet,
          ]);
          if (reconciled.status === 'rejected') throw reconciled.reason;
          if (provisioned.status === 'rejected') throw provisioned.reason;
          const changed = reconciled.value;
          // Rows queued after the claim (id > upto) stay for the next round. Every reconcile follows a change of
          // what the gateway's topology shows (routes, endpoints, proxies, nodes) or of its status: the NOTIFY
          // (at commit) tells the topology's subscribers to read it again (docs/adr/0801-topology-subscription.md).
          await c.query(
            `WITH d AS (DELETE FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid AND id <= $2::bigint)
             SELECT pg_notify('${TOPOLOGY_CHANNEL}', $1::uuid::text)`,
            [row.gatewayId, row.upto],
          );
          opts.metrics?.reconcileDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
          return {
            id: row.gatewayId,
            changed,
            skipped: false,
            revision: effects.revision,
            handOver: effects.handOver,
          };
        } catch (error) {
          // Undo the reconcile's writes and push the gateway's rows back with a delay.
          await c.query('ROLLBACK TO SAVEPOINT reconcile');
          // The change that queued it is committed all the same: its topology is shown now, its status later.
          await c.query(
            `WITH u AS (UPDATE "ReconcileRequest" SET "requestedAt" = now() + make_interval(secs => $3) WHERE "gatewayId" = $1::uuid AND id <= $2::bigint)
             SELECT pg_notify('${TOPOLOGY_CHANNEL}', $1::uuid::text)`,
            [row.gatewayId, row.upto, BACKOFF_SECONDS],
          );
          failed = { id: row.gatewayId, error };
          return { id: row.gatewayId, changed: false, skipped: false, revision: undefined };
        }
      },
      CLAIM,
    );
    if (failed) {
      opts.metrics?.reconcileErrors.inc();
      log.error({ gateway: failed.id, err: failed.error }, 'reconcile failed; retrying later');
      wakeAfterBackoff();
    }
    if (!claimed) return 'empty';
    if (claimed.skipped) return 'skipped';
    if (claimed.revision !== undefined)
      opts.onRevision?.(claimed.id, claimed.revision, 'handOver' in claimed ? claimed.handOver : undefined);
    if (claimed.changed) {
      opts.onStatusChanged?.(claimed.id);
    }
    return 'done';
  }

  async function drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const r = await processOne();
      if (r === 'empty') return n;
      if (r === 'done') n++;
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      const seen = missed;
      let r: Awaited<ReturnType<typeof processOne>>;
      try {
        r = await processOne();
      } catch (err) {
        // The claim or its transaction failed (the database unreachable or overloaded): what was queued is
        // still queued, and is tried again after the backoff.
        log.error({ err }, 'reconcile loop error');
        wakeAfterBackoff();
        return;
      }
      if (r === 'empty' && (missed === seen || stopped)) return;
      // What is queued may all be locked by the other workers: no tight loop of claims meanwhile.
      if (r === 'empty') await new Promise((res) => setTimeout(res, 2));
    }
  }

  /** `gateways`: how many gateways the notification names (one more loop each, up to `workers`). */
  function kick(gateways = 1): void {
    if (stopped) return;
    // A busy loop picks up new work itself when it finishes its gateway.
    if (running.size >= workers) {
      missed += 1;
      return;
    }
    for (let i = 0; i < gateways && running.size < workers; i++) {
      const w: Promise<void> = worker().finally(() => running.delete(w));
      running.add(w);
    }
  }

  async function resync(): Promise<void> {
    // Level-triggered safety net: anything whose observed generation lags, or that was never reconciled.
    await db.$executeRaw`
      INSERT INTO "ReconcileRequest" ("gatewayId")
      SELECT g.id FROM "Gateway" g
      WHERE (g."observedGeneration" <> g.generation OR g.conditions = '[]'::jsonb)
        AND NOT EXISTS (SELECT 1 FROM "ReconcileRequest" r WHERE r."gatewayId" = g.id)`;
    kick(workers);
  }

  return {
    drain,
    async start() {
      stopped = false;
      // The queue is durable: after a lost LISTEN connection, the resync drains what was queued meanwhile.
      listener = createPgListener({
        ...listenerSettings(db, opts.databaseUrl),
        channels: ['epic_reconcile'],
        log,
        onNotification: (n) => kick(n.payload === '*' ? workers : (n.payload ?? '').split(',').length),
        onReconnect: () => resync(),
      });
      await listener.start();
      resyncTimer = setInterval(() => {
        resync().catch((err) => log.error({ err }, 'resync failed'));
      }, opts.resyncSeconds * 1000);
      resyncTimer.unref();
      await resync();
    },
    async stop() {
      stopped = true;
      if (resyncTimer) clearInterval(resyncTimer);
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      await Promise.all(running);
      await listener?.stop();
      listener = undefined;
    },
  };
}
