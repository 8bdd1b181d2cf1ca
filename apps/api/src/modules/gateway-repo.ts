import type pg from 'pg';
import { serializerSchema } from '../http/rest.js';
import { Gateway } from '../http/schemas/outputs.js';
import { jsonTextSql, shapeOfSchema } from '../lib/json-text-sql.js';

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
  addresses: unknown;
  infrastructure: unknown;
  tls: unknown;
  allowedListeners: unknown;
  address: string | null;
  poolId: string | null;
  dnsName: string | null;
  conditions: unknown;
  status: { listeners: unknown; addresses: unknown; attachedListenerSets: number | null };
  generation: number;
  observedGeneration: number;
  template: { id: string; name: string };
  clients: Array<{ clusterId: string | null; namespace: string; name: string; clientUid: string }>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One gateway as a JSON object in the API's shape, for selectGateways (Node parses it; key order is free);
 * `timestamp` renders a timestamp(3) column (UTC without a zone).
 */
const GATEWAY_OBJECT = (timestamp: (column: string) => string) => `json_build_object(
           'id', g.id, 'accountId', g."accountId", 'name', g.name, 'namespace', g.namespace,
           'sharingKey', g."sharingKey", 'listeners', g.listeners,
           'addresses', g.addresses, 'infrastructure', g.infrastructure, 'tls', g.tls,
           'allowedListeners', g."allowedListeners", 'address', g.address,
           'poolId', g."allocationPoolId",
           'dnsName', g."dnsName", 'conditions', g.conditions,
           'status', json_build_object('listeners', g."listenerStatus", 'addresses', g."statusAddresses",
                                       'attachedListenerSets', g."attachedListenerSets"),
           'generation', g.generation, 'observedGeneration', g."observedGeneration",
           'template', json_build_object('id', g."templateId", 'name', g."templateName"),
           'clients', COALESCE(g."clientList", '[]'::json),
           'createdAt', ${timestamp('g."createdAt"')},
           'updatedAt', ${timestamp('g."updatedAt"')}
         )`;

/** Epoch milliseconds, which selectGateways turns into Dates. */
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;
/** Date#toISOString's text (what the REST serialiser writes for a Date), e.g. 2026-12-03T07:00:00.123Z. */
const isoText = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The clients of one gateway (rows `c` of a group), as selectGateways reads them. */
const CLIENT_LIST = `json_agg(json_build_object('clusterId', c."clusterId", 'namespace', c.namespace, 'name', c.name, 'clientUid', c."clientUid")
                    ORDER BY c."createdAt", c.id)`;

/**
 * The page's gateways (`inner` selects them, ordered and limited) with what the object needs from other
 * tables: the pool of each one's address and its clients (`clientList` aggregates the rows `c` of one
 * gateway). The clients of the whole page are aggregated in one grouped pass, not one ordered aggregate
 * per gateway: per gateway, the aggregate's sort cost ~0.03 ms, three quarters of the page query
 * (docs/benchmarks/api.md). Both lookups go through the gatewayId indexes (`= ANY (ARRAY(…))`, a scalar
 * subquery): a join would scan the tables of every account. `n` numbers the gateways in page order.
 * Every column is named (no `*`): a prepared statement then keeps its result type when a migration adds a
 * column while the API runs.
 */
const PAGE_ROWS = (inner: string, clientList: string) => `
  WITH p AS MATERIALIZED (${inner}),
  cl AS (
    SELECT c."gatewayId", ${clientList} AS "clientList"
    FROM "GatewayClient" c WHERE c."gatewayId" = ANY (ARRAY(SELECT id FROM p))
    GROUP BY c."gatewayId")
  SELECT ${PAGE_COLUMNS.map((c) => `p.${c}`).join(', ')},
         (SELECT x."poolId" FROM "AddressAllocation" x WHERE x."gatewayId" = p.id) AS "allocationPoolId",
         cl."clientList", row_number() OVER (ORDER BY p."createdAt", p.id) AS n
  FROM p LEFT JOIN cl ON cl."gatewayId" = p.id`;

/** The Gateway columns a page reads. */
const GATEWAY_COLUMNS = [
  'id',
  '"accountId"',
  'name',
  'namespace',
  '"sharingKey"',
  'listeners',
  'addresses',
  'infrastructure',
  'tls',
  '"allowedListeners"',
  '"statusAddresses"',
  'address',
  '"dnsName"',
  'conditions',
  '"listenerStatus"',
  '"attachedListenerSets"',
  'generation',
  '"observedGeneration"',
  '"templateId"',
  '"createdAt"',
  '"updatedAt"',
];
const PAGE_COLUMNS = [...GATEWAY_COLUMNS, '"templateName"'];

/**
 * The page is built in PostgreSQL as one JSON array in the API's shape (json_agg), so Node parses one
 * value with JSON.parse instead of decoding every row's columns and re-shaping each row; the timestamps
 * travel as epoch milliseconds (timestamp(3) holds UTC) and become Dates here.
 */
const VIEW = (inner: string) => `
  SELECT COALESCE(json_agg(${GATEWAY_OBJECT(epochMs)} ORDER BY g.n), '[]'::json) AS page
  FROM (${PAGE_ROWS(inner, CLIENT_LIST)}) g`;

/**
 * The SQL that writes a gateway (row `g` of PAGE_ROWS) and one client (row `c`) as the JSON text REST
 * answers: derived from the response schema that fast-json-stringify serialises (lib/json-text-sql.ts),
 * so the keys, their order and the formats are the serialiser's. Built on first use (the schemas are
 * complete by then).
 */
let restSql: { gateway: string; client: string } | undefined;
export function gatewayRestSql(): { gateway: string; client: string } {
  if (restSql) return restSql;
  const shape = shapeOfSchema(serializerSchema(Gateway));
  const clients = shape.kind === 'object' ? shape.props.find((p) => p.key === 'clients')?.shape : undefined;
  if (clients?.kind !== 'array') throw new Error('gatewayRestSql: the Gateway schema has no clients array');
  const str = (column: string) => ({ text: `to_json(${column})::text` });
  const nullable = (column: string) => ({ text: `COALESCE(to_json(${column})::text, 'null')` });
  const int = (column: string) => ({ text: `(${column})::text` });
  const date = (column: string) => ({ text: `('"' || ${isoText(column)} || '"')` });
  restSql = {
    gateway: jsonTextSql(shape, {
      fields: {
        id: str('g.id'),
        accountId: str('g."accountId"'),
        name: str('g.name'),
        namespace: str('g.namespace'),
        sharingKey: nullable('g."sharingKey"'),
        listeners: { jsonb: 'g.listeners' },
        addresses: { jsonb: 'g.addresses' },
        infrastructure: { jsonb: 'g.infrastructure' },
        tls: { jsonb: 'g.tls' },
        allowedListeners: { jsonb: 'g."allowedListeners"' },
        address: nullable('g.address'),
        poolId: nullable('g."allocationPoolId"'),
        dnsName: nullable('g."dnsName"'),
        conditions: { jsonb: 'g.conditions' },
        status: {
          fields: {
            listeners: { jsonb: 'g."listenerStatus"' },
            addresses: { jsonb: 'g."statusAddresses"' },
            attachedListenerSets: nullable('g."attachedListenerSets"'),
          },
        },
        generation: int('g.generation'),
        observedGeneration: int('g."observedGeneration"'),
        template: { fields: { id: str('g."templateId"'), name: str('g."templateName"') } },
        clients: { text: `COALESCE(g."clientList", '[]')` },
        createdAt: date('g."createdAt"'),
        updatedAt: date('g."updatedAt"'),
      },
    }),
    client: jsonTextSql(clients.items, {
      fields: {
        clusterId: nullable('c."clusterId"'),
        namespace: str('c.namespace'),
        name: str('c.name'),
        clientUid: str('c."clientUid"'),
      },
    }),
  };
  return restSql;
}

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

/** The page's WHERE clause and its parameters: every query is scoped by the account ($1). */
function whereOf(f: GatewayFilter): { where: string[]; params: unknown[] } {
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
  return { where, params };
}

const PAGE_FROM = (where: string[], limitParam: string) =>
  `SELECT ${GATEWAY_COLUMNS.map((c) => `g.${c}`).join(', ')}, t.name AS "templateName" FROM "Gateway" g JOIN "Template" t ON t.id = g."templateId"
   WHERE ${where.join(' AND ')} ORDER BY g."createdAt", g.id LIMIT ${limitParam}`;

/**
 * A named (prepared) statement for each distinct query text (one per combination of filters): PostgreSQL
 * plans it once per connection instead of on every request (planning was ~0.3 ms of a page's ~2 ms).
 */
const statementNames = new Map<string, string>();
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `epic_gateways_${statementNames.size}`));
  return { name, text, values };
}

export async function selectGateways(
  q: pg.Pool | pg.ClientBase,
  f: GatewayFilter,
  limit: number,
): Promise<GatewayView[]> {
  const { where, params } = whereOf(f);
  params.push(limit);
  const r = await q.query<{
    page: Array<
      Omit<GatewayView, 'createdAt' | 'updatedAt'> & Record<'createdAt' | 'updatedAt', number | Date>
    >;
  }>(VIEW(PAGE_FROM(where, `$${params.length}`)), params);
  const page = r.rows[0]!.page;
  for (const g of page) {
    g.createdAt = new Date(g.createdAt);
    g.updatedAt = new Date(g.updatedAt);
  }
  return page as GatewayView[];
}

/** The account's GatewayListVersion ($1 is the account); 0 before its first change. */
const LIST_VERSION = `COALESCE((SELECT v.version FROM "GatewayListVersion" v WHERE v."accountId" = $1::uuid), 0)::text`;

/** The account's GatewayListVersion now (gateway-page-cache.ts): one primary-key read. */
export async function selectGatewayListVersion(
  q: pg.Pool | pg.ClientBase,
  accountId: string,
): Promise<string> {
  const r = await q.query<{ version: string }>(prepared(`SELECT ${LIST_VERSION} AS version`, [accountId]));
  return r.rows[0]!.version;
}

/** A page as REST sends it: the `items` array as JSON text, and the keyset of its last item when more follow. */
export interface GatewayPageJson {
  /** The account's GatewayListVersion, read in the same statement (the same snapshot) as the page. */
  version: string;
  items: string;
  next: { createdAt: Date; id: string } | null;
}

/**
 * The REST list page as JSON text built by PostgreSQL, byte for byte what the response schema's serialiser
 * writes for the same page (gatewayRestSql; gateway-page-json.test.ts compares the bytes): Node sends it
 * without parsing and re-serialising ~86 KB per page of 100, the largest part of a list request's cost
 * (docs/benchmarks/api.md).
 */
export async function selectGatewayPageJson(
  q: pg.Pool | pg.ClientBase,
  f: GatewayFilter,
  limit: number,
): Promise<GatewayPageJson> {
  const { where, params } = whereOf(f);
  params.push(limit);
  const n = `$${params.length}::int`;
  const sql = gatewayRestSql();
  // One row more than the page tells whether another page follows.
  const r = await q.query<{
    items: string;
    more: boolean;
    lastAt: string | null;
    lastId: string | null;
    version: string;
  }>(
    prepared(
      `SELECT ${LIST_VERSION} AS version,
            COALESCE('[' || string_agg(${sql.gateway}, ',' ORDER BY g.n) FILTER (WHERE g.n <= ${n}) || ']', '[]') AS items,
            count(*) > ${n} AS more,
            max(${epochMs('g."createdAt"')}) FILTER (WHERE g.n = ${n})::text AS "lastAt",
            max(g.id::text) FILTER (WHERE g.n = ${n}) AS "lastId"
     FROM (${PAGE_ROWS(PAGE_FROM(where, `${n} + 1`), `'[' || string_agg(${sql.client}, ',' ORDER BY c."createdAt", c.id) || ']'`)}) g`,
      params,
    ),
  );
  const row = r.rows[0]!;
  return {
    version: row.version,
    items: row.items,
    next:
      row.more && row.lastAt !== null && row.lastId !== null
        ? { createdAt: new Date(Number(row.lastAt)), id: row.lastId }
        : null,
  };
}
