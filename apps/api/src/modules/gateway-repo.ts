import type pg from 'pg';

/**
 * SQL for the gateway hot paths (create, get, list): one round trip per step on the shared pool, because
 * create latency and list throughput are product targets (docs/adr/0003-hot-paths-in-sql.md).
 * Every query is scoped by accountId (the tenant helper's rule, in SQL).
 */
export interface GatewayView {
  id: string;
  accountId: string;
  name: string;
  namespace: string;
  sharingKey: string | null;
  listeners: unknown;
  address: string | null;
  dnsName: string | null;
  conditions: unknown;
  listenerStatus: unknown;
  generation: number;
  observedGeneration: number;
  createdAt: Date;
  updatedAt: Date;
  template: { id: string; name: string };
  clients: Array<{ clusterId: string | null; namespace: string; name: string; clientUid: string }>;
  poolId: string | null;
}

const VIEW = `
  SELECT g.id, g."accountId", g.name, g.namespace, g."sharingKey", g.listeners, g.address, g."dnsName",
         g.conditions, g."listenerStatus", g.generation, g."observedGeneration", g."createdAt", g."updatedAt",
         json_build_object('id', t.id, 'name', t.name) AS template,
         COALESCE((SELECT json_agg(json_build_object('clusterId', c."clusterId", 'namespace', c.namespace, 'name', c.name, 'clientUid', c."clientUid") ORDER BY c."createdAt", c.id)
                   FROM "GatewayClient" c WHERE c."gatewayId" = g.id), '[]'::json) AS clients,
         (SELECT x."poolId" FROM "AddressAllocation" x WHERE x."gatewayId" = g.id) AS "poolId"
  FROM "Gateway" g JOIN "Template" t ON t.id = g."templateId"`;

export interface GatewayFilter {
  accountId: string;
  id?: string;
  name?: string;
  namespace?: string;
  template?: string;
  clusterId?: string;
  condition?: { type: string; status: string };
  after?: { createdAt: Date; id: string };
}

export async function selectGateways(
  q: pg.Pool | pg.ClientBase,
  f: GatewayFilter,
  limit: number,
): Promise<GatewayView[]> {
  const where = ['g."accountId" = $1::uuid'];
  const params: unknown[] = [f.accountId];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (f.id) add((n) => `g.id = ${n}::uuid`, f.id);
  if (f.name) add((n) => `g.name = ${n}`, f.name);
  if (f.namespace) add((n) => `g.namespace = ${n}`, f.namespace);
  if (f.template) add((n) => `t.name = ${n}`, f.template);
  if (f.clusterId)
    add(
      (n) =>
        `EXISTS (SELECT 1 FROM "GatewayClient" c WHERE c."gatewayId" = g.id AND c."clusterId" = ${n}::uuid)`,
      f.clusterId,
    );
  if (f.condition) add((n) => `g.conditions @> ${n}::jsonb`, JSON.stringify([f.condition]));
  if (f.after) {
    // timestamp(3) columns hold UTC without a zone: compare with the bare UTC text.
    params.push(f.after.createdAt.toISOString().replace('Z', ''), f.after.id);
    where.push(`(g."createdAt", g.id) > ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(limit);
  const r = await q.query<GatewayView>(
    `${VIEW} WHERE ${where.join(' AND ')} ORDER BY g."createdAt", g.id LIMIT $${params.length}`,
    params,
  );
  return r.rows;
}
