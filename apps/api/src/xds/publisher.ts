import * as grpc from '@grpc/grpc-js';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import { XDS_TYPE_URLS, type JsonObject, type XdsTypeUrl } from '@epic/envoy-proto';
import type { EnvoyResources } from '@epic/gateway-translator';
import {
  SnapshotCache,
  XdsServer,
  type AckEvent,
  type Authenticator,
  type EncodeMemo,
  grantOf,
  type NackEvent,
  type SnapshotInput,
} from '@epic/xds-server';
import { withPgTx, type Db } from '../db/client.js';
import { createPgListener, listenerSettings } from '../db/listener.js';
import { open } from '../lib/secret-box.js';
import { enqueueReconcile } from '../modules/common.js';
import type { HandedRevision, TypeVersions } from '../reconciler/reconcile-gateway.js';
import { SEALED_PREFIX } from './render.js';
import { proxylessNodeId, proxylessSnapshot } from './proxyless.js';
import {
  GENERATION_CLAIM,
  gatewayIdOfNode,
  instanceOfNode,
  splitInstance,
  gatewayTokenAuthenticator,
  type GatewayTokenState,
} from './tokens.js';

/**
 * The xDS side of one API replica: a snapshot cache fed with every gateway's newest good revision, the ADS
 * server, and the bookkeeping of what proxies say (ACK → revision acked; NACK → revision tainted, the
 * previous good one served again). Revisions committed by any replica arrive through NOTIFY epic_revision.
 */
export interface XdsPlane {
  server: XdsServer;
  cache: SnapshotCache;
  port: number;
  /**
   * Re-derives what this replica serves for a gateway: its newest good revision; nothing, and no open stream, once
   * the gateway is deleted; no open stream of a revoked token generation. Resolves once the cache holds it.
   */
  publish(gatewayId: string): Promise<void>;
  /**
   * In-process hand-over from a reconciler of this replica that has just committed a revision: publishes it
   * without waiting for NOTIFY epic_revision (whose later delivery then finds the version served and stops).
   * With the rendered revision, it is served as given, without reading it back from the database.
   */
  handOver(gatewayId: string, revision?: HandedRevision): void;
  /** The same for every gateway: drops gateways deleted meanwhile (e.g. after the LISTEN connection was lost). */
  resync(): Promise<void>;
  close(): Promise<void>;
}

interface RevisionRow {
  gatewayId: string;
  accountName: string;
  version: number;
  resources: Partial<EnvoyResources>;
  typeVersions: TypeVersions;
}

const LATEST_GOOD = `
  SELECT g.id AS "gatewayId", a.name AS "accountName", r.version, r.resources, r."typeVersions"
  FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId"
  JOIN LATERAL (SELECT version, resources, "typeVersions" FROM "ConfigRevision" c
                WHERE c."gatewayId" = g.id AND c.status <> 'tainted' ORDER BY version DESC LIMIT 1) r ON true`;

/**
 * One gateway in one round trip: no row = deleted; a null version = no good revision yet. The resources are left
 * out when the newest good version is $2, the one this replica serves already (the NOTIFY of a revision that
 * was handed over in process).
 */
const GATEWAY_AND_LATEST_GOOD = `
  SELECT g.id AS "gatewayId", a.name AS "accountName", g."xdsTokenGeneration" AS generation,
         r.version, CASE WHEN r.version IS NOT DISTINCT FROM $2::int THEN NULL ELSE r.resources END AS resources,
         r."typeVersions"
  FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId"
  LEFT JOIN LATERAL (SELECT version, resources, "typeVersions" FROM "ConfigRevision" c
                     WHERE c."gatewayId" = g.id AND c.status <> 'tainted' ORDER BY version DESC LIMIT 1) r ON true
  WHERE g.id = $1::uuid`;

export const PROPAGATION_METRIC = 'epic_route_propagation_seconds';

/** Private keys are stored sealed in revisions; only the snapshot a proxy receives carries them in clear. */
function unseal(secretKey: Buffer, resource: JsonObject): JsonObject {
  const text = JSON.stringify(resource);
  if (!text.includes(SEALED_PREFIX)) return resource;
  return JSON.parse(text, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(SEALED_PREFIX) ? open(secretKey, v.slice(SEALED_PREFIX.length)) : v,
  ) as JsonObject;
}

/**
 * A value as it reads back from jsonb: object keys in jsonb's order (shorter keys first, then bytewise), what
 * JSON.stringify drops dropped. A revision handed over in process is served in this form, so its encoded
 * resources (map fields keep their key order in protobuf) are byte for byte those of a replica that reads the
 * revision from the database, and those this replica reads back after a NACK or a restart.
 */
export function asJsonb(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((v) => (v === undefined || typeof v === 'function' ? null : asJsonb(v)));
  if (value === null || typeof value !== 'object') return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return asJsonb((toJSON as () => unknown).call(value));
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== 'function');
  keys.sort(jsonbKeyOrder);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = asJsonb(o[k]);
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;
function jsonbKeyOrder(a: string, b: string): number {
  if (ASCII.test(a) && ASCII.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

export function snapshotOf(row: RevisionRow, secretKey: Buffer): SnapshotInput {
  const resources: SnapshotInput['resources'] = {};
  for (const typeUrl of XDS_TYPE_URLS) resources[typeUrl] = [];
  for (const group of Object.values(row.resources)) {
    for (const r of group ?? []) {
      (resources[r.typeUrl as XdsTypeUrl] ??= []).push({
        name: r.name,
        resource: r.typeUrl.endsWith('.Secret') ? unseal(secretKey, r.resource) : r.resource,
      });
    }
  }
  const typeVersions: Partial<Record<XdsTypeUrl, string>> = {};
  for (const [typeUrl, v] of Object.entries(row.typeVersions ?? {}))
    typeVersions[typeUrl as XdsTypeUrl] = v.version;
  return { version: String(row.version), resources, typeVersions };
}

export async function startXdsPlane(opts: {
  db: Db;
  databaseUrl: string;
  log: Logger;
  secretKey: Buffer;
  address: string;
  registry?: Registry;
  /** Defaults to the per-gateway bearer tokens; tests with grpc-js-xds (no call credentials) override it. */
  authenticate?: Authenticator;
}): Promise<XdsPlane> {
  const { db, log, secretKey } = opts;
  const cache = new SnapshotCache();
  const gatewayState: GatewayTokenState = async (gatewayId) =>
    (
      await db.$pool.query<{ account: string; generation: number }>(
        `SELECT a.name AS account, g."xdsTokenGeneration" AS generation
         FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId" WHERE g.id = $1::uuid`,
        [gatewayId],
      )
    ).rows[0];

  // From the change a revision carries (its changedAt: the writer's transaction) to the first ACK of it by the
  // gateway's proxies, both on the database's clock (replicas agree). Once per revision, on the replica that
  // recorded the ACK.
  const propagation =
    (opts.registry?.getSingleMetric(PROPAGATION_METRIC) as Histogram | undefined) ??
    new Histogram({
      name: PROPAGATION_METRIC,
      help: "Seconds from the commit of a change (route, gateway, endpoints, …) to the first ACK of the revision carrying it by the gateway's proxies",
      buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: opts.registry ? [opts.registry] : [],
    });
  const observe = (rows: Array<{ seconds: number | null }>) => {
    for (const r of rows) if (r.seconds !== null) propagation.observe(Math.max(0, Number(r.seconds)));
  };
  // Marks a pending revision acknowledged (with its ACK time) and returns its propagation time.
  const ACKNOWLEDGE = `SET status = 'acked', "ackedAt" = now() WHERE r."gatewayId" = $1::uuid AND r.version = $2 AND r.status = 'pending'`;
  const PROPAGATION = `RETURNING EXTRACT(EPOCH FROM (r."ackedAt" - r."changedAt"))::float8 AS seconds`;

  // The acknowledgement, the gateway's queue row (its Programmed condition follows) and the NOTIFY in one
  // statement: one round trip, atomic like a transaction.
  const andQueue = (update: string) => `
    WITH a AS (${update}),
    q AS (INSERT INTO "ReconcileRequest" ("gatewayId") SELECT $1::uuid FROM a RETURNING 1)
    SELECT a.seconds, (SELECT pg_notify('epic_reconcile', $1::uuid::text) FROM q LIMIT 1)::text AS notified FROM a`;

  // The instance's own ACK on its ProxyInstance row (created when the provisioner or its node has not written it
  // yet), and a reconcile of the gateway when it changed: Programmed counts proxies by their own ACKs.
  const INSTANCE_ACK = `
    WITH p AS (
      INSERT INTO "ProxyInstance" (id, "gatewayId", "podName", "xdsAckedVersion", "updatedAt")
      SELECT gen_random_uuid(), g.id, $2, $3, now() FROM "Gateway" g WHERE g.id = $1::uuid
      ON CONFLICT ("gatewayId", "podName") DO UPDATE SET "xdsAckedVersion" = EXCLUDED."xdsAckedVersion", "updatedAt" = now()
        WHERE "ProxyInstance"."xdsAckedVersion" IS DISTINCT FROM EXCLUDED."xdsAckedVersion"
      RETURNING 1),
    q AS (INSERT INTO "ReconcileRequest" ("gatewayId") SELECT $1::uuid FROM p LIMIT 1 RETURNING 1)
    SELECT (SELECT pg_notify('epic_reconcile', $1::uuid::text) FROM q LIMIT 1)::text AS notified`;

  async function onAck(e: AckEvent) {
    const gatewayId = gatewayIdOfNode(e.nodeId);
    if (!gatewayId) return;
    const version = Number(e.snapshotVersion);
    const r = await db.$pool.query<{ seconds: number | null }>(
      andQueue(`UPDATE "ConfigRevision" r ${ACKNOWLEDGE} ${PROPAGATION}`),
      [gatewayId, version],
    );
    observe(r.rows);
    const instance = instanceOfNode(e.nodeId);
    if (instance !== undefined && Number.isInteger(version))
      await db.$pool.query(INSTANCE_ACK, [gatewayId, instance, version]);
  }
  async function onNack(e: NackEvent) {
    const gatewayId = gatewayIdOfNode(e.nodeId);
    if (!gatewayId) return;
    await withPgTx(db.$pool, async (c) => {
      const r = await c.query(
        `UPDATE "ConfigRevision" SET status = 'tainted', error = $3 WHERE "gatewayId" = $1::uuid AND version = $2 AND status <> 'tainted'`,
        [gatewayId, Number(e.snapshotVersion), `rejected by proxy ${e.nodeId}: ${e.error}`],
      );
      if (r.rowCount) {
        await c.query("SELECT pg_notify('epic_revision', $1)", [gatewayId]);
        await enqueueReconcile(c, [gatewayId]);
      }
    });
  }
  const report = (what: string) => (err: unknown) => log.error({ err }, `xDS ${what} bookkeeping failed`);
  const server = new XdsServer({
    cache,
    authenticate: instancesShareFleet(
      opts.authenticate ?? gatewayTokenAuthenticator(secretKey, gatewayState),
    ),
    ...(opts.registry ? { registry: opts.registry } : {}),
    onAck: (e) => void onAck(e).catch(report('ACK')),
    onNack: (e) => void onNack(e).catch(report('NACK')),
    logger: log,
  });

  // Envoy proxies and proxyless gRPC clients of a gateway get the same revision, same version.
  // Returns whether either variant changed (something is pushed, so an ACK will follow).
  function setSnapshots(row: RevisionRow): boolean {
    const nodeId = `${row.accountName}.${row.gatewayId}`;
    const snapshot = snapshotOf(row, secretKey);
    // The proxyless variant passes CDS, EDS and SDS through as the same objects: encoded once for both.
    const memo: EncodeMemo = new Map();
    const changed =
      cache.setSnapshot(nodeId, snapshot, memo).length +
      cache.setSnapshot(proxylessNodeId(nodeId), proxylessSnapshot(snapshot), memo).length;
    served.set(row.gatewayId, row.version);
    return changed > 0;
  }
  /** The revision version each gateway's snapshots carry in this replica's cache. */
  const served = new Map<string, number>();

  /**
   * A revision whose content is what the cache already serves (e.g. the fix of a NACKed change restores the last
   * good configuration) is pushed to nobody, so no ACK will ever come for it: it counts as acknowledged when a
   * revision with the same content was (same hash, or same resources: a hash from before a change of the hash
   * scheme).
   */
  async function acknowledgeUnchanged(gatewayId: string, version: number) {
    const r = await db.$pool.query<{ seconds: number | null }>(
      andQueue(`UPDATE "ConfigRevision" r ${ACKNOWLEDGE}
           AND EXISTS (SELECT 1 FROM "ConfigRevision" o WHERE o."gatewayId" = r."gatewayId" AND o.status = 'acked'
                       AND (o.hash = r.hash OR o.resources = r.resources))
         ${PROPAGATION}`),
      [gatewayId, version],
    );
    observe(r.rows);
  }

  /**
   * Ends the streams of a gateway that no longer exists (`state` undefined) or whose token generation is older
   * than the gateway's. Streams admitted by another authenticator (no generation claim) are left alone unless
   * their gateway is gone.
   */
  function disconnectStale(gatewayId: string, state: { generation: number } | undefined) {
    server.disconnect(
      (s) => {
        if (s.nodeId === undefined || gatewayIdOfNode(s.nodeId) !== gatewayId) return false;
        if (!state) return true;
        const generation = s.grant?.claims?.[GENERATION_CLAIM];
        return typeof generation === 'number' && generation !== state.generation;
      },
      grpc.status.UNAUTHENTICATED,
      state ? 'token revoked; reconnect with a fresh one' : 'gateway deleted',
    );
  }

  function clearGateway(gatewayId: string, owner: string | undefined) {
    served.delete(gatewayId);
    for (const nodeId of cache.nodeIds()) {
      if (gatewayIdOfNode(nodeId) === gatewayId && (!owner || nodeId.startsWith(`${owner}.`)))
        cache.clearSnapshot(nodeId);
    }
  }

  const servedVersion = (gatewayId: string): number | undefined => served.get(gatewayId);

  // Gateways this plane found deleted: a hand-over of a revision committed just before the delete, scheduled
  // after the delete's publish, must not serve it again. Gateway ids are never reused.
  const deleted = new Set<string>();
  const DELETED_MAX = 10_000;

  async function publish(gatewayId: string, withResources = false) {
    const sent = servedVersion(gatewayId);
    const row = (
      await db.$pool.query<
        Omit<RevisionRow, 'version' | 'resources'> & {
          version: number | null;
          resources: RevisionRow['resources'] | null;
          generation: number;
        }
      >(GATEWAY_AND_LATEST_GOOD, [gatewayId, withResources ? null : (sent ?? null)])
    ).rows[0];
    // A deleted gateway: forget it first, so a stream that reconnects meanwhile finds nothing to receive.
    if (!row) {
      if (deleted.size >= DELETED_MAX) deleted.delete(deleted.values().next().value as string);
      deleted.add(gatewayId);
      clearGateway(gatewayId, undefined);
      disconnectStale(gatewayId, undefined);
      return;
    }
    disconnectStale(gatewayId, row);
    // A revision handed over while this read was in flight is newer than what the read saw (the hand-over comes
    // after its commit): keep it. A later revision, or a NACK of it, sends a NOTIFY that publishes again.
    const now = servedVersion(gatewayId);
    if (now !== sent && now !== undefined && (row.version === null || row.version < now)) return;
    if (row.version !== null) {
      // Already served (the in-process hand-over, then its NOTIFY): nothing to set, nothing to acknowledge.
      if (cache.getSnapshot(`${row.accountName}.${row.gatewayId}`)?.version === String(row.version)) return;
      // Left out as served, but the cache has it under another node id (the account was renamed): read it.
      if (row.resources === null) return publish(gatewayId, true);
      const revision = { ...row, version: row.version, resources: row.resources };
      if (!setSnapshots(revision)) await acknowledgeUnchanged(row.gatewayId, row.version);
    } else {
      clearGateway(gatewayId, row.accountName);
    }
  }

  /**
   * Serves a revision this replica's reconciler has just committed, as it was rendered: no read of it. A newer
   * version already served (another replica's, through NOTIFY) stays; so does a gateway deleted meanwhile.
   */
  function publishHanded(revision: HandedRevision): void {
    if (deleted.has(revision.gatewayId)) return;
    const served = servedVersion(revision.gatewayId);
    if (served !== undefined && served >= revision.version) return;
    const row: RevisionRow = {
      gatewayId: revision.gatewayId,
      accountName: revision.accountName,
      version: revision.version,
      resources: asJsonb(revision.resources) as RevisionRow['resources'],
      typeVersions: revision.typeVersions,
    };
    if (!setSnapshots(row)) void acknowledgeUnchanged(row.gatewayId, row.version).catch(report('hand-over'));
  }

  async function resync() {
    const gateways = new Map(
      (
        await db.$pool.query<{ id: string; generation: number }>(
          'SELECT id, "xdsTokenGeneration" AS generation FROM "Gateway"',
        )
      ).rows.map((g) => [g.id, g]),
    );
    const rows = (await db.$pool.query<RevisionRow>(LATEST_GOOD)).rows;
    const served = new Set(rows.map((r) => r.gatewayId));
    for (const row of rows) setSnapshots(row);
    const known = new Set([
      ...cache.nodeIds().map(gatewayIdOfNode),
      ...server.connectedNodeIds().map(gatewayIdOfNode),
    ]);
    for (const id of known) {
      if (id === undefined) continue;
      const state = gateways.get(id);
      if (!served.has(id)) clearGateway(id, undefined);
      disconnectStale(id, state);
    }
  }

  // A stream whose start-up read of the gateway row ran before a delete or revocation committed, but which
  // connected only after this replica handled the NOTIFY, is caught by reading the row once more now.
  server.on('connect', ({ nodeId }) => {
    const gatewayId = gatewayIdOfNode(nodeId);
    if (!gatewayId || opts.authenticate) return;
    void gatewayState(gatewayId)
      .then((state) => disconnectStale(gatewayId, state))
      .catch(report('connect check'));
  });

  // Serialise publishes per gateway in arrival order.
  const chains = new Map<string, Promise<void>>();
  function schedule(id: string): Promise<void> {
    const next = (chains.get(id) ?? Promise.resolve()).then(() => publish(id));
    const settled = next.catch(report('publish'));
    chains.set(id, settled);
    void settled.finally(() => chains.get(id) === settled && chains.delete(id));
    return next;
  }
  // Revisions committed while the LISTEN connection was away sent no notification we heard: publish every
  // gateway again (and every gateway the cache still serves, in case it was deleted meanwhile).
  async function republishAll() {
    const ids = new Set(
      (await db.$pool.query<{ id: string }>('SELECT id FROM "Gateway"')).rows.map((r) => r.id),
    );
    for (const nodeId of [...cache.nodeIds(), ...server.connectedNodeIds()]) {
      const id = gatewayIdOfNode(nodeId);
      if (id) ids.add(id);
    }
    await Promise.all([...ids].map((id) => schedule(id)));
  }
  const listener = createPgListener({
    ...listenerSettings(db, opts.databaseUrl),
    channels: ['epic_revision'],
    log,
    onNotification: (n: pg.Notification) => void (n.payload && schedule(n.payload).catch(() => undefined)),
    onReconnect: republishAll,
  });
  await listener.start();
  // Everything committed before LISTEN started.
  await resync();
  const port = await server.listen(opts.address);
  log.info({ port }, 'xDS server listening');
  return {
    server,
    cache,
    port,
    publish,
    // Served at once, not behind the gateway's pending publishes: a publish whose read was in flight meanwhile
    // keeps the newer handed revision (see publish). Without the rendered revision (a tainted one): read it.
    handOver: (gatewayId, revision) => {
      if (revision?.gatewayId === gatewayId) {
        try {
          publishHanded(revision);
        } catch (err) {
          report('hand-over')(err);
        }
      } else void schedule(gatewayId).catch(() => undefined);
    },
    resync,
    async close() {
      await listener.stop();
      await server.close();
    },
  };
}

/**
 * A proxy instance (`<node id>/<pod>`) receives its fleet's configuration, whichever authenticator admitted it
 * (a gateway token, a client certificate, a test's trust): the snapshot key is the node id without the instance.
 */
function instancesShareFleet(authenticate: Authenticator): Authenticator {
  return async (request) => {
    const grant = grantOf(await authenticate(request));
    return grant.snapshotKey !== undefined
      ? grant
      : { ...grant, snapshotKey: splitInstance(grant.nodeId).base };
  };
}
