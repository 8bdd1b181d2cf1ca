import type pg from 'pg';
import type {
  Condition as TranslatorCondition,
  RouteStatus,
  TranslateStatus,
} from '@epic/gateway-translator';
import type { StoredAncestor } from '../modules/backend-tls-policies.js';
import { EXPOSED_LISTENERS_SQL, type StoredListenerSetStatus } from '../modules/listener-sets.js';
import { enqueueReconcile } from '../modules/common.js';
import type { EnvoyResources } from '@epic/gateway-translator';
import { loadTranslateInput, renderGateway, typeHashesOf, type StoredStatuses } from '../xds/render.js';
import type { FleetStatus } from '../provisioner/fleet.js';
import { mergeConditions, sameJson, type DraftCondition, type StoredCondition } from './conditions.js';

export type TypeVersions = Record<string, { version: string; hash: string }>;

/** Per xDS type, the version in which its content last changed (carried over from the previous revision). */
export function typeVersionsOf(
  resources: EnvoyResources | undefined,
  version: number,
  previous: TypeVersions | undefined,
  /** The render's own per-type hashes (saves hashing the resources again). */
  typeHashes: Record<string, string> = typeHashesOf(resources),
): TypeVersions {
  const out: TypeVersions = {};
  for (const [typeUrl, hash] of Object.entries(typeHashes)) {
    const prior = previous?.[typeUrl];
    out[typeUrl] = prior && prior.hash === hash ? prior : { version: String(version), hash };
  }
  return out;
}

export const CONTROLLER_NAME = 'epic-gateway.io/gateway-controller';

/**
 * A revision as the reconcile that created it rendered it, for this replica's xDS plane to serve without reading
 * it back (what the plane would read: the gateway's account name, the resources, the per-type versions).
 */
export interface HandedRevision {
  gatewayId: string;
  accountName: string;
  version: number;
  resources: EnvoyResources;
  typeVersions: TypeVersions;
}

/** What a reconcile did that its caller acts on after the commit. */
export interface ReconcileEffects {
  /** The new revision's version when this reconcile created one. */
  revision?: number;
  /** The new revision itself when proxies are to be given it (not tainted). */
  handOver?: HandedRevision;
}

interface RevisionRow {
  typeVersions?: TypeVersions;
  version: number;
  hash: string;
  inputHash: string | null;
  status: 'pending' | 'acked' | 'tainted';
  error: string | null;
}

interface StoredListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: Array<{ group: string; kind: string }>;
  conditions: StoredCondition[];
}

const ADDRESS_REASONS = new Set<string>(['AddressNotAssigned', 'AddressNotUsable']);
/** Accepted=False reasons of a gateway that serves nothing: its Programmed=False/Invalid is not the proxies' to say. */
const NOT_SERVED_REASONS = new Set<string>(['InvalidParameters', 'UnsupportedAddress']);

/**
 * Programmed as the proxies see it: the translator says what translation allows; the revisions say what
 * the proxies accepted. A rejected newest revision is reported even though the previous one keeps serving.
 */
function programmed(
  draft: DraftCondition | undefined,
  generation: number,
  latest: RevisionRow | undefined,
  serving: RevisionRow | undefined,
  fleet?: FleetStatus,
  /** The translator's Accepted. */
  accepted?: DraftCondition,
): DraftCondition {
  const base = { type: 'Programmed', observedGeneration: generation };
  // An address that cannot be assigned is not a matter of revisions: no proxy can serve it.
  if (draft?.status === 'False' && ADDRESS_REASONS.has(draft.reason)) return draft;
  // Nor is a gateway that is not accepted: it serves nothing.
  if (draft?.status === 'False' && accepted?.status === 'False' && NOT_SERVED_REASONS.has(accepted.reason))
    return draft;
  if (latest?.status === 'tainted') {
    const keep = serving
      ? `proxies keep serving revision ${serving.version}`
      : 'no revision has been served yet';
    return {
      ...base,
      status: 'False',
      reason: 'Invalid',
      message: `revision ${latest.version} was rejected (${latest.error ?? 'invalid'}); ${keep}`,
    };
  }
  if (!serving)
    return { ...base, status: 'Unknown', reason: 'Pending', message: 'no configuration rendered yet' };
  if (serving.status === 'pending') {
    return {
      ...base,
      status: 'Unknown',
      reason: 'Pending',
      message: `revision ${serving.version} is waiting for its proxies to acknowledge it`,
    };
  }
  // With a provisioner, proxies that acknowledged the revision must also be ready (serving traffic).
  if (fleet && fleet.ready === 0 && (!draft || draft.status === 'True')) {
    return {
      ...base,
      status: 'False',
      reason: 'Pending',
      message: `revision ${serving.version} is acknowledged, but no proxy is ready: ${fleet.message}`,
    };
  }
  return (
    draft ?? {
      ...base,
      status: 'True',
      reason: 'Programmed',
      message: `revision ${serving.version} is served`,
    }
  );
}

const asDraft = (c: TranslatorCondition): DraftCondition => ({
  type: c.type,
  status: c.status,
  reason: c.reason,
  message: c.message,
  observedGeneration: c.observedGeneration,
});

/**
 * Recomputes one gateway from the store: renders its Envoy configuration (a new ConfigRevision when the
 * inputs changed), and writes the gateway's and its routes' status. Runs inside the caller's transaction.
 * Returns whether the gateway's status changed.
 */
export async function reconcileGateway(
  c: pg.ClientBase,
  gatewayId: string,
  now: Date,
  /** Set when this reconcile created a revision (for an in-process hand-over after the commit). */
  effects: ReconcileEffects = {},
  /**
   * The gateway's fleet as the provisioner saw it in this transaction (feeds Programmed); while it is still being
   * provisioned, the input is loaded and rendered meanwhile and nothing is written before it is settled.
   */
  fleetProvisioned?: FleetStatus | Promise<FleetStatus | undefined>,
): Promise<boolean> {
  const loaded = await loadTranslateInput(c, gatewayId);
  if (!loaded) return false;
  const { input } = loaded;
  // The reconcile an ACK triggers finds the same input: only Programmed changes, so the render is reused.
  const rendered = renderGateway(gatewayId, input);
  const fleet = await fleetProvisioned;

  // What the revision and status decisions read came with the input, in the same statement.
  const state = loaded.state as {
    latestRevision: RevisionRow | null;
    servingRevision: RevisionRow | null;
    conditions: StoredCondition[];
    listenerStatus: StoredListenerStatus[];
    attachedListenerSets: number | null;
    observedGeneration: number;
  };
  const gw = state;
  const latest = state.latestRevision ?? undefined;
  let serving = state.servingRevision ?? undefined;
  let newest = latest;
  if (!latest || latest.inputHash !== rendered.inputHash) {
    if (latest && latest.hash === rendered.hash) {
      // Same output from new inputs: nothing to publish.
      await c.query(
        'UPDATE "ConfigRevision" SET "inputHash" = $3 WHERE "gatewayId" = $1::uuid AND version = $2',
        [gatewayId, latest.version, rendered.inputHash],
      );
    } else {
      const version = (latest?.version ?? 0) + 1;
      const status = rendered.error ? 'tainted' : 'pending';
      const typeVersions = typeVersionsOf(
        rendered.resources,
        version,
        latest?.typeVersions,
        rendered.typeHashes,
      );
      // The revision and its NOTIFY in one round trip. changedAt: when the earliest change it carries was
      // queued (in the writer's transaction), the start of epic_route_propagation_seconds.
      await c.query(
        `WITH ins AS (
           INSERT INTO "ConfigRevision" (id, "gatewayId", version, hash, "inputHash", resources, status, error, "typeVersions", "changedAt")
           VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5::jsonb, $6::"RevisionStatus", $7, $8::jsonb, 
                   COALESCE((SELECT min("requestedAt") FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid), now())) RETURNING 1)
         SELECT pg_notify('epic_revision', $9::text) FROM ins`,
        [
          gatewayId,
          version,
          rendered.hash,
          rendered.inputHash,
          JSON.stringify(rendered.resources ?? {}),
          status,
          rendered.error ?? null,
          JSON.stringify(typeVersions),
          gatewayId,
        ],
      );
      effects.revision = version;
      if (status === 'pending' && rendered.resources)
        effects.handOver = {
          gatewayId,
          accountName: loaded.accountName,
          version,
          resources: rendered.resources,
          typeVersions,
        };
      newest = {
        version,
        hash: rendered.hash,
        inputHash: rendered.inputHash,
        status,
        error: rendered.error ?? null,
      };
      if (status !== 'tainted') serving = newest;
    }
  }

  const ts = now.toISOString();
  const status = rendered.status.gateway;
  const translated = status.conditions.map(asDraft);
  const drafts = translated.filter((d) => d.type !== 'Programmed');
  drafts.push(
    programmed(
      translated.find((d) => d.type === 'Programmed'),
      input.gateway.generation,
      newest,
      serving,
      fleet,
      translated.find((d) => d.type === 'Accepted'),
    ),
  );
  const conditions = mergeConditions(gw.conditions, drafts, ts);
  const listenerStatus: StoredListenerStatus[] = status.listeners.map((l) => ({
    name: l.name,
    attachedRoutes: l.attachedRoutes,
    supportedKinds: l.supportedKinds,
    conditions: mergeConditions(
      gw.listenerStatus.find((p) => p.name === l.name)?.conditions,
      l.conditions.map(asDraft),
      ts,
    ),
  }));
  // Absent (null) unless the Gateway deals with ListenerSets: the translator decides.
  const attachedListenerSets = status.attachedListenerSets ?? null;
  const changed =
    !sameJson(conditions, gw.conditions) ||
    !sameJson(listenerStatus, gw.listenerStatus) ||
    attachedListenerSets !== gw.attachedListenerSets ||
    gw.observedGeneration !== input.gateway.generation;
  if (changed) {
    await c.query(
      `WITH u AS (
         UPDATE "Gateway" SET conditions = $2::jsonb, "listenerStatus" = $3::jsonb, "observedGeneration" = $4,
                "attachedListenerSets" = $6, "updatedAt" = now()
         WHERE id = $1::uuid RETURNING 1)
       SELECT pg_notify('epic_gateway_status', $5::text) FROM u`,
      [
        gatewayId,
        JSON.stringify(conditions),
        JSON.stringify(listenerStatus),
        input.gateway.generation,
        gatewayId,
        attachedListenerSets,
      ],
    );
  }
  // The statuses these write on came with the input (loaded.statuses): no read of their own.
  await writeRouteStatus(c, gatewayId, rendered.status.routes, ts, loaded.statuses.routes);
  await writeBackendTlsPolicyStatus(c, gatewayId, rendered.status, ts, loaded.statuses.policies);
  await writeListenerSetStatus(
    c,
    gatewayId,
    rendered.status,
    ts,
    drafts.find((d) => d.type === 'Programmed'),
    loaded.statuses.listenerSets,
  );
  return changed;
}

/**
 * Writes the status of each ListenerSet whose parentRef names this gateway (conditions and listeners, stamped
 * with the gateway that wrote it), and clears the status this gateway wrote on ListenerSets that no longer name
 * it. A ListenerSet has one parent, but while its parentRef moves from one gateway to another both reconcile it:
 * the write is conditional on the status read (writeSharedStatus), and a clear leaves a status another gateway
 * wrote alone (docs/adr/0463-listener-sets-api.md).
 */
async function writeListenerSetStatus(
  c: pg.ClientBase,
  gatewayId: string,
  status: TranslateStatus,
  ts: string,
  /** The parent Gateway's Programmed (from the proxies' acknowledgements): a ListenerSet is not more programmed. */
  gatewayProgrammed: DraftCondition | undefined,
  /** The stored status of the account's ListenerSets the input has or whose status this gateway wrote. */
  stored: StoredStatuses['listenerSets'],
): Promise<void> {
  const sets = status.listenerSets ?? [];
  const gated = (d: DraftCondition): DraftCondition =>
    d.type !== 'Programmed' ||
    d.status !== 'True' ||
    !gatewayProgrammed ||
    gatewayProgrammed.status === 'True'
      ? d
      : {
          ...d,
          status: gatewayProgrammed.status,
          reason: gatewayProgrammed.reason === 'Invalid' ? 'Invalid' : 'Pending',
          message: `the parent Gateway is not programmed: ${gatewayProgrammed.message}`,
        };
  // The listeners the fleet and the nodes expose follow the ListenerSets' status (EXPOSED_LISTENERS_SQL); this
  // reconcile's provisioner read them before this write, so a change queues another reconcile that applies it.
  const exposed = async () =>
    JSON.stringify(
      (
        await c.query<{ l: unknown }>(
          `SELECT ${EXPOSED_LISTENERS_SQL} AS l FROM "Gateway" g WHERE g.id = $1::uuid`,
          [gatewayId],
        )
      ).rows[0]?.l ?? null,
    );
  // The sets the translation reports on, and those whose status this gateway wrote (to clear it).
  const ids = new Set(sets.map((x) => x.id));
  const rows = (stored as Array<{ id: string; status: StoredListenerSetStatus }>).filter(
    (row) => ids.has(row.id) || row.status?.gatewayId === gatewayId,
  );
  if (rows.length === 0) return;
  const before = await exposed();
  for (const row of rows) {
    const set = sets.find((x) => x.id === row.id);
    await writeSharedStatus<StoredListenerSetStatus>(c, '"ListenerSet"', row.id, row.status, (s) => {
      if (!set) return s.gatewayId === gatewayId ? {} : undefined;
      const mine = s.gatewayId === gatewayId ? s : {};
      const previousListeners = (mine.listeners ?? []) as StoredListenerStatus[];
      const next: StoredListenerSetStatus = {
        gatewayId,
        conditions: mergeConditions(
          mine.conditions as StoredCondition[] | undefined,
          set.conditions.map(asDraft).map(gated),
          ts,
        ),
        listeners: set.listeners.map((l) => ({
          name: l.name,
          attachedRoutes: l.attachedRoutes,
          supportedKinds: l.supportedKinds,
          conditions: mergeConditions(
            previousListeners.find((p) => p.name === l.name)?.conditions,
            l.conditions.map(asDraft),
            ts,
          ),
        })),
      };
      return sameJson(next, s) ? undefined : next;
    });
  }
  if ((await exposed()) !== before) await enqueueReconcile(c, [gatewayId]);
}

/**
 * Replaces this gateway's ancestor entry in each BackendTLSPolicy's status.ancestors, keeping other gateways'
 * entries, and drops it from policies that no longer target this gateway's backends.
 */
async function writeBackendTlsPolicyStatus(
  c: pg.ClientBase,
  gatewayId: string,
  status: TranslateStatus,
  ts: string,
  /** The stored status of the account's policies the input has or whose ancestors name this gateway. */
  stored: StoredStatuses['policies'],
): Promise<void> {
  const policies = status.backendTlsPolicies ?? [];
  const byId = new Map(policies.map((p) => [p.id, p]));
  // The policies the translation reports on, and those with an ancestor entry of this gateway (to drop it).
  const rows = (stored as Array<{ id: string; status: { ancestors?: StoredAncestor[] } }>).filter(
    (row) =>
      byId.has(row.id) ||
      (Array.isArray(row.status?.ancestors) && row.status.ancestors.some((a) => a?.gatewayId === gatewayId)),
  );
  await writeSharedStatuses<{ ancestors?: StoredAncestor[] }>(
    c,
    '"BackendTlsPolicy"',
    rows.map((row) => {
      const p = byId.get(row.id);
      return {
        id: row.id,
        read: row.status,
        merge: (s) => {
          const previous = s.ancestors ?? [];
          const mine: StoredAncestor[] = (p?.ancestors ?? []).map((a) => ({
            gatewayId,
            ancestorRef: a.ancestorRef,
            controllerName: CONTROLLER_NAME,
            conditions: mergeConditions(
              previous.find((x) => x.gatewayId === gatewayId)?.conditions as StoredCondition[] | undefined,
              a.conditions.map(asDraft),
              ts,
            ),
          }));
          const ancestors = [...previous.filter((x) => x.gatewayId !== gatewayId), ...mine].sort((a, b) =>
            a.gatewayId.localeCompare(b.gatewayId),
          );
          return sameJson(ancestors, previous) ? undefined : { ancestors };
        },
      };
    }),
  );
}

/**
 * Writes a status that the reconcilers of several gateways share (a route's status.parents, a policy's
 * status.ancestors): each replaces only its own gateway's entries, but two gateways reconcile at the same time
 * on their own connections, and a plain read-modify-write would drop the entries the other one wrote in
 * between. The write is therefore conditional on the status read; when another reconcile changed it since,
 * the row is read again (READ COMMITTED: the committed version) and merged again. The row lock the UPDATE
 * takes orders the two writers; a reader of an uncommitted write waits for it, then re-checks the condition.
 */
export async function writeSharedStatus<S>(
  c: pg.ClientBase,
  table: SharedStatusTable,
  id: string,
  read: S,
  merge: (current: S) => S | undefined,
  tried = 0,
): Promise<void> {
  let current = read;
  for (let attempt = tried; attempt < 10; attempt++) {
    const next = merge(current);
    if (next === undefined) return;
    const u = await c.query(
      `UPDATE ${table} SET status = $2::jsonb WHERE id = $1::uuid AND status = $3::jsonb`,
      [id, JSON.stringify(next), JSON.stringify(current)],
    );
    if (u.rowCount === 1) return;
    const fresh = await c.query<{ status: S }>(`SELECT status FROM ${table} WHERE id = $1::uuid`, [id]);
    if (fresh.rows.length === 0) return; // deleted meanwhile: nothing to describe
    current = fresh.rows[0]!.status;
  }
  throw new Error(`${table} ${id}: its status kept changing under this reconcile`);
}

type SharedStatusTable = '"Route"' | '"BackendTlsPolicy"' | '"ListenerSet"';

/**
 * `writeSharedStatus` for many rows at once (a reconcile of a gateway with thousands of routes): every row's
 * conditional write in one statement; only the rows another reconcile changed since they were read are read
 * and merged again, one by one. Unchanged rows (`merge` answers undefined) are not written.
 */
export async function writeSharedStatuses<S>(
  c: pg.ClientBase,
  table: SharedStatusTable,
  items: Array<{ id: string; read: S; merge: (current: S) => S | undefined }>,
): Promise<void> {
  const writes = items.flatMap((it) => {
    const next = it.merge(it.read);
    return next === undefined ? [] : [{ ...it, next }];
  });
  if (writes.length === 0) return;
  const done = new Set(
    (
      await c.query<{ id: string }>(
        `UPDATE ${table} t SET status = w.next FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[]) AS w(id, next, seen)
          WHERE t.id = w.id AND t.status = w.seen RETURNING t.id::text AS id`,
        [
          writes.map((w) => w.id),
          writes.map((w) => JSON.stringify(w.next)),
          writes.map((w) => JSON.stringify(w.read)),
        ],
      )
    ).rows.map((r) => r.id),
  );
  for (const w of writes) {
    if (done.has(w.id)) continue;
    // Changed since it was read (or gone): read again and merge again, as a single write would.
    const fresh = await c.query<{ status: S }>(`SELECT status FROM ${table} WHERE id = $1::uuid`, [w.id]);
    if (fresh.rows.length === 0) continue;
    await writeSharedStatus(c, table, w.id, fresh.rows[0]!.status, w.merge, 1);
  }
}

interface StoredParent {
  gatewayId: string;
  parentRef: RouteStatus['parents'][number]['parentRef'];
  controllerName: string;
  conditions: StoredCondition[];
}

/** Replaces this gateway's entries in each route's status.parents, keeping other gateways' entries. */
export async function writeRouteStatus(
  c: pg.ClientBase,
  gatewayId: string,
  routes: RouteStatus[],
  ts: string,
  /** The routes' stored status when the caller read it already (with the gateway's input); else read here. */
  stored?: ReadonlyMap<string, unknown>,
): Promise<void> {
  if (routes.length === 0) return;
  const read =
    (stored as ReadonlyMap<string, { parents?: StoredParent[] }> | undefined) ??
    new Map(
      (
        await c.query<{ id: string; status: { parents?: StoredParent[] } }>(
          'SELECT id, status FROM "Route" WHERE id = ANY($1::uuid[])',
          [routes.map((r) => r.id)],
        )
      ).rows.map((x) => [x.id, x.status]),
    );
  const items = routes.flatMap((r) => {
    const status = read.get(r.id);
    if (!status) return [];
    const merge = (s: { parents?: StoredParent[] }) => {
      const previous = s.parents ?? [];
      const mine = r.parents.map((p) => {
        const prior = previous.find((x) => x.gatewayId === gatewayId && sameJson(x.parentRef, p.parentRef));
        return {
          gatewayId,
          parentRef: p.parentRef,
          controllerName: CONTROLLER_NAME,
          conditions: mergeConditions(prior?.conditions, p.conditions.map(asDraft), ts),
        };
      });
      const parents = [...previous.filter((x) => x.gatewayId !== gatewayId), ...mine].sort((a, b) =>
        `${a.gatewayId}/${JSON.stringify(a.parentRef)}`.localeCompare(
          `${b.gatewayId}/${JSON.stringify(b.parentRef)}`,
        ),
      );
      return sameJson(parents, previous) ? undefined : { parents };
    };
    return [{ id: r.id, read: status, merge }];
  });
  await writeSharedStatuses<{ parents?: StoredParent[] }>(c, '"Route"', items);
}
