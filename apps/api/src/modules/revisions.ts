import { z } from 'zod';
import {
  traceConnection,
  traceDatagram,
  traceRequest,
  type EnvoyResources,
  type JsonObject,
} from '@epic/gateway-translator';
import { requireRole } from '../auth/principal.js';
import { withPgTx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { typeVersionsOf, type TypeVersions } from '../reconciler/reconcile-gateway.js';
import { SEALED_PREFIX } from '../xds/render.js';
import { audit, enqueueReconcile, uuid, type CallMeta, type ServiceDeps } from './common.js';

const version = z.coerce.number().int().min(1).max(2_147_483_647);
export const listRevisionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  before: version.optional().describe('only revisions older than this version (the next page)'),
});
export const diffRevisionsQuery = z.strictObject({ from: version, to: version });
// A traced request is evaluated against every route of the gateway (with RE2: linear in its size); this bounds it.
const MAX_TRACE_FIELDS = 100;
/** Which revision a trace reads. */
const traceRevision = version
  .optional()
  .describe('the revision whose configuration to trace (any, tainted ones too); default: the one served now');
export const traceDatagramInput = z.strictObject({
  revision: traceRevision,
  port: z.number().int().min(1).max(65535).describe('the UDP listener port the datagram is sent to'),
});
export const traceConnectionInput = z.strictObject({
  revision: traceRevision,
  port: z.number().int().min(1).max(65535).describe('the TCP listener port the connection is opened to'),
  serverName: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe('the TLS server name (SNI) the client sends; none for plain TCP'),
});
export const traceInput = z.strictObject({
  revision: traceRevision,
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('listener port; default: the first HTTP(S) listener'),
  serverName: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe(
      'TLS server name (SNI): picks the filter chain, while host picks the virtual host; implies https. ' +
        'Default for https: the host. A host another HTTPS listener owns is a misdirected request (421).',
    ),
  scheme: z.enum(['http', 'https']).optional(),
  clientCertificate: z
    .enum(['none', 'valid', 'untrusted'])
    .optional()
    .describe(
      'the client certificate the TLS client presents (default none): a listener whose spec.tls validation ' +
        'is AllowValidOnly refuses the handshake without a valid one',
    ),
  host: z.string().min(1).max(253).describe('the Host header (:authority): picks the virtual host'),
  path: z.string().min(1).max(8192).regex(/^\//, 'must start with "/"'),
  method: z
    .string()
    .min(1)
    .max(20)
    .regex(/^[A-Z]+$/, 'must be an upper-case HTTP method')
    .default('GET'),
  headers: z
    .record(z.string().max(256), z.union([z.string().max(8192), z.array(z.string().max(8192)).max(20)]))
    .refine((h) => Object.keys(h).length <= MAX_TRACE_FIELDS, `must hold at most ${MAX_TRACE_FIELDS} headers`)
    .default({}),
  query: z
    .record(z.string().max(256), z.string().max(8192))
    .refine(
      (q) => Object.keys(q).length <= MAX_TRACE_FIELDS,
      `must hold at most ${MAX_TRACE_FIELDS} parameters`,
    )
    .default({}),
});

interface Row {
  version: number;
  hash: string;
  status: string;
  error: string | null;
  rollbackOf: number | null;
  ackedAt: Date | null;
  createdAt: Date;
  resources?: Partial<EnvoyResources>;
  typeVersions?: TypeVersions;
  inputHash?: string | null;
}

const SUMMARY = 'version, hash, status, error, "rollbackOf", "ackedAt", "createdAt"';

/** What the API shows of stored resources: sealed private keys never leave the server. */
function redact<T>(resources: T): T {
  return JSON.parse(JSON.stringify(resources), (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(SEALED_PREFIX) ? '[redacted]' : v,
  ) as T;
}

/** Paths (JSON-pointer-like) where two JSON values differ; at most `limit`. */
export function jsonDiffPaths(a: unknown, b: unknown, path = '', out: string[] = [], limit = 50): string[] {
  if (out.length >= limit) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      jsonDiffPaths(a[i], b[i], `${path}[${i}]`, out, limit);
  } else if (obj(a) && obj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      jsonDiffPaths(a[k], b[k], path ? `${path}.${k}` : k, out, limit);
  } else out.push(path || '(root)');
  return out;
}

function flatten(resources: Partial<EnvoyResources> | undefined) {
  const m = new Map<string, { typeUrl: string; name: string; resource: JsonObject }>();
  for (const group of Object.values(resources ?? {}))
    for (const r of group ?? []) m.set(`${r.typeUrl} ${r.name}`, r);
  return m;
}

/** Versioned Envoy configurations of a gateway: list, get, diff, roll back, and trace a request through one. */
export function revisionsService({ db }: ServiceDeps) {
  async function gatewayOf(meta: CallMeta, gatewayId: string) {
    parseInput(uuid, gatewayId, 'id');
    const r = await db.$pool.query('SELECT 1 FROM "Gateway" WHERE id = $1::uuid AND "accountId" = $2::uuid', [
      gatewayId,
      meta.principal.accountId,
    ]);
    if (r.rowCount === 0) throw AppError.notFound('gateway', gatewayId);
  }
  /** The revision to trace (the given one, or the one served now) and its resources. */
  async function servedResources(gatewayId: string, revision: number | undefined) {
    const row = (
      revision !== undefined
        ? await db.$pool.query<Row>(
            `SELECT ${SUMMARY}, resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = $2`,
            [gatewayId, revision],
          )
        : await db.$pool.query<Row>(
            `SELECT ${SUMMARY}, resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND status <> 'tainted' ORDER BY version DESC LIMIT 1`,
            [gatewayId],
          )
    ).rows[0];
    if (revision !== undefined && !row)
      throw new AppError('NotFound', `revision: revision ${revision} of gateway ${gatewayId} not found`);
    if (!row?.resources?.listeners)
      throw new AppError('Conflict', `gateway ${gatewayId} has no served configuration yet`);
    const resources = {
      listeners: [],
      routes: [],
      clusters: [],
      endpoints: [],
      secrets: [],
      ...row.resources,
    } as EnvoyResources;
    return { row, resources };
  }
  async function load(gatewayId: string, v: number, field = 'version'): Promise<Row> {
    const r = await db.$pool.query<Row>(
      `SELECT ${SUMMARY}, resources, "typeVersions" FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = $2`,
      [gatewayId, v],
    );
    if (!r.rows[0])
      throw new AppError('NotFound', `${field}: revision ${v} of gateway ${gatewayId} not found`);
    return r.rows[0];
  }
  return {
    async list(meta: CallMeta, gatewayId: string, query: unknown) {
      await gatewayOf(meta, gatewayId);
      const q = parseInput(listRevisionsQuery, query);
      const rows = (
        await db.$pool.query<Row>(
          `SELECT ${SUMMARY} FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND ($2::int IS NULL OR version < $2) ORDER BY version DESC LIMIT $3`,
          [gatewayId, q.before ?? null, q.limit + 1],
        )
      ).rows;
      const items = rows.slice(0, q.limit);
      return { items, nextBefore: rows.length > q.limit ? (items.at(-1)?.version ?? null) : null };
    },
    async get(meta: CallMeta, gatewayId: string, v: unknown) {
      await gatewayOf(meta, gatewayId);
      const row = await load(gatewayId, parseInput(version, v, 'version'));
      return { ...row, resources: redact(row.resources), typeVersions: undefined };
    },
    async diff(meta: CallMeta, gatewayId: string, query: unknown) {
      await gatewayOf(meta, gatewayId);
      const q = parseInput(diffRevisionsQuery, query);
      const [a, b] = [
        flatten((await load(gatewayId, q.from, 'from')).resources),
        flatten((await load(gatewayId, q.to, 'to')).resources),
      ];
      const changes = [];
      for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
        const [x, y] = [a.get(key), b.get(key)];
        const { typeUrl, name } = (x ?? y)!;
        if (!x) changes.push({ typeUrl, name, change: 'added' as const });
        else if (!y) changes.push({ typeUrl, name, change: 'removed' as const });
        else {
          const paths = jsonDiffPaths(redact(x.resource), redact(y.resource));
          if (paths.length) changes.push({ typeUrl, name, change: 'modified' as const, paths });
        }
      }
      return { from: q.from, to: q.to, changes };
    },
    /** Serves an older revision again, as a new revision; it stays until the gateway's inputs change. */
    async rollback(meta: CallMeta, gatewayId: string, v: unknown) {
      requireRole(meta.principal, 'admin');
      await gatewayOf(meta, gatewayId);
      const target = parseInput(version, v, 'version');
      const created = await withPgTx(db.$pool, async (c) => {
        // Holds off a concurrent delete of the gateway until this revision is written (or, when the delete
        // came first, finds the gateway gone): a 404, never a foreign-key failure.
        const alive = await c.query(
          'SELECT 1 FROM "Gateway" WHERE id = $1::uuid AND "accountId" = $2::uuid FOR KEY SHARE',
          [gatewayId, meta.principal.accountId],
        );
        if (alive.rowCount === 0) throw AppError.notFound('gateway', gatewayId);
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text', [
          `revisions:${gatewayId}`,
        ]);
        const old = (
          await c.query<Row>(
            `SELECT ${SUMMARY}, resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = $2`,
            [gatewayId, target],
          )
        ).rows[0];
        if (!old)
          throw new AppError('NotFound', `version: revision ${target} of gateway ${gatewayId} not found`);
        if (old.status === 'tainted')
          throw new AppError(
            'Conflict',
            `version: revision ${target} was rejected (${old.error ?? 'invalid'}) and cannot be served`,
          );
        const latest = (
          await c.query<Row>(
            'SELECT version, "inputHash", "typeVersions" FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1',
            [gatewayId],
          )
        ).rows[0];
        if (!latest) throw AppError.notFound('gateway', gatewayId);
        const next = latest.version + 1;
        await c.query(
          `INSERT INTO "ConfigRevision" (id, "gatewayId", version, hash, "inputHash", resources, status, "rollbackOf", "typeVersions", "changedAt")
           VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5::jsonb, 'pending', $6, $7::jsonb, now())`,
          [
            gatewayId,
            next,
            old.hash,
            latest.inputHash ?? null,
            JSON.stringify(old.resources),
            target,
            JSON.stringify(typeVersionsOf(old.resources as EnvoyResources, next, latest.typeVersions)),
          ],
        );
        await c.query("SELECT pg_notify('epic_revision', $1)", [gatewayId]);
        await enqueueReconcile(c, [gatewayId]);
        await audit(c, meta, 'gateway.rollback', 'Gateway', gatewayId, { to: target, version: next });
        return next;
      });
      return load(gatewayId, created).then((r) => ({ ...r, resources: undefined, typeVersions: undefined }));
    },
    /** Where a UDP datagram to a port goes: the UDP listener, its UDP proxy's cluster, the weighted backends. */
    async traceDatagram(meta: CallMeta, gatewayId: string, input: unknown) {
      await gatewayOf(meta, gatewayId);
      const { revision, port } = parseInput(traceDatagramInput, input);
      const { row, resources } = await servedResources(gatewayId, revision);
      const t = traceDatagram(resources, { port });
      return t.connection === 'refused'
        ? {
            revision: row.version,
            port,
            connection: t.connection,
            refusal: t.reason,
            listener: null,
            cluster: null,
            backends: [],
          }
        : {
            revision: row.version,
            port,
            connection: t.connection,
            refusal: null,
            listener: t.listener,
            cluster: t.cluster,
            backends: t.backends,
          };
    },
    /** Where a TCP connection to a port (and a TLS server name) goes: the filter chain, the TCP proxy's backends. */
    async traceConnection(meta: CallMeta, gatewayId: string, input: unknown) {
      await gatewayOf(meta, gatewayId);
      const { revision, port, serverName } = parseInput(traceConnectionInput, input);
      const { row, resources } = await servedResources(gatewayId, revision);
      const t = traceConnection(resources, { port, ...(serverName !== undefined ? { serverName } : {}) });
      const base = { revision: row.version, port, serverName: serverName ?? null };
      return t.connection === 'refused'
        ? {
            ...base,
            connection: t.connection,
            refusal: t.reason,
            filterChain: t.filterChain ?? null,
            terminatesTls: null,
            backends: [],
          }
        : {
            ...base,
            connection: t.connection,
            refusal: null,
            filterChain: t.filterChain,
            terminatesTls: t.terminatesTls,
            backends: t.backends,
          };
    },
    /** What Envoy would do with a request, on the configuration the proxies are served now. */
    async trace(meta: CallMeta, gatewayId: string, input: unknown) {
      await gatewayOf(meta, gatewayId);
      const { revision, ...req } = parseInput(traceInput, input);
      const { row, resources } = await servedResources(gatewayId, revision);
      const ports = resources.listeners.map(
        (l) =>
          (l.resource as { address?: { socketAddress?: { portValue?: number } } }).address?.socketAddress
            ?.portValue,
      );
      // SNI and Host stay apart: a reused connection carries one listener's server name and another's Host.
      const tls = req.serverName !== undefined ? { scheme: req.scheme ?? ('https' as const) } : {};
      // Without a port: the first listener that routes HTTP, as traceInput documents.
      const candidates =
        req.port !== undefined ? [req.port] : ports.filter((p): p is number => p !== undefined);
      // A handshake refused on the client certificate is an answer (what the proxies do), not a bad port.
      let refused:
        | {
            port: number;
            serverName: string | null;
            filterChain: string | null;
            reason: string;
            policy: string;
          }
        | undefined;
      for (const port of candidates) {
        const t = traceRequest(resources, { ...req, ...tls, port });
        if (t.connection === 'accepted')
          return {
            revision: row.version,
            port,
            connection: 'accepted' as const,
            refusal: null,
            serverName: t.serverName ?? null,
            filterChain: t.filterChain,
            clientCertificate: t.clientCertificate,
            httpFilters: t.httpFilters,
            upgrades: t.upgrades,
            routeConfiguration: t.routeConfiguration,
            outcome: t.outcome,
          };
        if (
          refused === undefined &&
          t.clientCertificate !== undefined &&
          t.reason.startsWith('ClientCertificate')
        )
          refused = {
            port,
            serverName: t.serverName ?? null,
            filterChain: t.filterChain ?? null,
            reason: t.reason,
            policy: t.clientCertificate,
          };
      }
      if (refused !== undefined)
        return {
          revision: row.version,
          port: refused.port,
          connection: 'refused' as const,
          refusal: refused.reason,
          serverName: refused.serverName,
          filterChain: refused.filterChain,
          clientCertificate: refused.policy,
          httpFilters: [],
          upgrades: [],
          routeConfiguration: null,
          outcome: null,
        };
      throw AppError.field(
        'port',
        `no HTTP listener on ${req.port !== undefined ? `port ${req.port}` : 'any port'}; listeners: ${ports.join(', ')}`,
      );
    },
  };
}
