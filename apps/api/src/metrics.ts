import client from 'prom-client';
import type { Db } from './db/client.js';

/** Prometheus metrics of one API process; gauges that describe the fleet are read from the database on scrape. */
export function createMetrics(db: Db) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({
    name: 'epic_http_request_duration_seconds',
    help: 'HTTP request duration by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const reconcileDuration = new client.Histogram({
    name: 'epic_reconcile_duration_seconds',
    help: 'Duration of one gateway reconcile',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const reconcileErrors = new client.Counter({
    name: 'epic_reconcile_errors_total',
    help: 'Reconciles that failed and were retried',
    registers: [registry],
  });
  new client.Gauge({
    name: 'epic_gateways',
    help: 'Gateways by condition type and status',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.$queryRaw<Array<{ type: string; status: string; n: bigint }>>`
        SELECT c->>'type' AS type, c->>'status' AS status, count(*) AS n
        FROM "Gateway" g, jsonb_array_elements(g.conditions) c GROUP BY 1, 2`;
      this.reset();
      for (const r of rows) this.set({ type: r.type, status: r.status }, Number(r.n));
    },
  });
  // /metrics is scraped without credentials: no label names a tenant (account or pool names are chosen by
  // tenants and may identify them). A pool is its id; `scope` tells global pools from accounts' own.
  new client.Gauge({
    name: 'epic_address_pool_utilisation_ratio',
    help: 'Allocated share of each address pool, by pool id and scope (global or account)',
    labelNames: ['pool_id', 'scope'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.$queryRaw<Array<{ id: string; global: boolean; used: number; size: string }>>`
        SELECT p.id::text AS id, p."accountId" IS NULL AS global, p.allocated AS used, p.size::text AS size
        FROM "AddressPool" p`;
      this.reset();
      for (const r of rows)
        this.set({ pool_id: r.id, scope: r.global ? 'global' : 'account' }, Number(r.used) / Number(r.size));
    },
  });
  return { registry, httpDuration, reconcileDuration, reconcileErrors };
}

export type Metrics = ReturnType<typeof createMetrics>;
