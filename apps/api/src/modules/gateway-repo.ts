import type pg from 'pg';

/**
 * SQL for the gateway hot paths (create, get, list): one round trip per step on the shared pool, because
 * create latency and list throughput are product targets (docs/adr/0003-hot-paths-in-sql.md).
 * Every query is scoped by accountId (the tenant helper's rule, in SQL).
 */
/** The API's view of a gateway: its status under `status`, as Gateway API objects carry it. */
export interface GatewayView {
  id: string;
  accountId: string;
  name: string;
  namespace: string;
  sharingKey: string | null;
  listeners: unknown;
  address: string | null;
  poolId: string | null;
  dnsName: string | null;
  conditions: unknown;
  status: { listeners: unknown };
  generation: number;
  observedGeneration: number;
  template: { id: string; name: string };
  clients: Array<{ clusterId: string | null; namespace: string; name: string; clientUid: string }>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The page is built in PostgreSQL as one JSON array in the API's shape (json_agg), so Node parses one
 * value with JSON.parse instead of decoding every row's columns and re-shaping each row; the timestamps
 * travel as epoch milliseconds (timestamp(3) holds UTC) and become Dates here.
 */
const VIEW = (inner: string) => `
  SELECT COALESCE(json_agg(json_build_object(
           'id', g.id, 'accountId', g."accountId", 'name', g.name, 'namespace', g.namespace,
           'sharingKey', g."sharingKey", 'listeners', g.listeners, 'address', g.address,
           'poolId', (SELECT x."poolId" FROM "AddressAllocation" x WHERE x."gatewayId" = g.id),
           'dnsName', g."dnsName", 'conditions', g.conditions,
           'status', json_build_object('listeners', g."listenerStatus"),
           'generation', g.generation, 'observedGeneration', g."observedGeneration",
           'template', json_build_object('id', g."templateId", 'name', g."templateName"),
           'clients', COALESCE((SELECT json_agg(json_build_object('clusterId', c."clusterId", 'namespace', c.namespace, 'name', c.name, 'clientUid', c."clientUid") ORDER BY c."createdAt", c.id)
                                FROM "GatewayClient" c WHERE c."gatewayId" = g.id), '[]'::json),
           'createdAt', (extract(epoch FROM g."createdAt") * 1000)::bigint,
           'updatedAt', (extract(epoch FROM g."updatedAt") * 1000)::bigint
         ) ORDER BY g."createdAt", g.id), '[]'::json) AS page
  FROM (${inner}) g`;

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
  const r = await q.query<{
    page: Array<
      Omit<GatewayView, 'createdAt' | 'updatedAt'> & Record<'createdAt' | 'updatedAt', number | Date>
    >;
  }>(
    VIEW(
      `SELECT g.*, t.name AS "templateName" FROM "Gateway" g JOIN "Template" t ON t.id = g."templateId"
       WHERE ${where.join(' AND ')} ORDER BY g."createdAt", g.id LIMIT $${params.length}`,
    ),
    params,
  );
  const page = r.rows[0]!.page;
  for (const g of page) {
    g.createdAt = new Date(g.createdAt);
    g.updatedAt = new Date(g.updatedAt);
  }
  return page as GatewayView[];
}
