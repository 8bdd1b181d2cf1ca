import type pg from 'pg';
import type { Logger } from 'pino';
import {
  ANNOTATION_CREDENTIALS_EXPIRE,
  kubeAcceptanceProblems,
  LABEL_GATEWAY_ID,
  LABEL_USER_NAMESPACE,
  OWNED_KINDS,
  ownerSelector,
  translateInfrastructure,
  type InfraInput,
  type InfraObjects,
  type KubeObject,
} from '@epic/infra-translator';
import { createHash } from 'node:crypto';
import { isNotFound, KubeClient, KubeError, objectPath, type KubeObjectRef } from './kube-client.js';
import { FleetPodWatch } from './pod-watch.js';
import {
  credentialWindow,
  loadInfraInput,
  recordProxies,
  type FleetStatus,
  type Provisioner,
  type ProvisionerCredentials,
} from './fleet.js';

export interface KubeProvisionerOptions extends ProvisionerCredentials {
  client: KubeClient;
  log: Logger;
  /** Queues a reconcile of these gateways (fleets not ready yet are looked at again). */
  requeue: (gatewayIds: string[]) => Promise<void>;
  /**
   * How often fleets that are not ready yet are looked at again while the pod watch is not in sync (it failed, or
   * start() was not called); in sync, pod changes queue reconciles as they happen.
   */
  pollSeconds: number;
  /**
   * A fleet applied by this process and unchanged since is applied again after this long (default 300 s), or at
   * once when a pod of its fleet changes (a deleted root takes its pods with it): see `applied`.
   */
  reapplySeconds?: number;
}

/** The root's annotation naming the fleet's object set (a hash): a changed set changes the root. */
export const ANNOTATION_FLEET_OBJECTS = 'epic-gateway.io/fleet-objects';

interface Listed extends KubeObjectRef {
  metadata: KubeObjectRef['metadata'] & {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
}

interface PodLike {
  metadata: { name: string };
  status?: { hostIP?: string; conditions?: { type: string; status: string }[] };
}

const ROOT_KIND = { apiVersion: 'v1', kind: 'ConfigMap' } as const;
/** Every kind a fleet has, root included: what pruning and cleanup look through. */
const FLEET_KINDS = [ROOT_KIND, ...OWNED_KINDS];
const isPodMonitor = (kind: string) => kind === 'PodMonitor';
const NO_PODMONITOR = 'no PodMonitor (the EPIC cluster has no Prometheus Operator)';
/** How long a cluster that answered 404 for a PodMonitor is believed to serve none (installing it takes effect after). */
const PODMONITOR_ASK_MS = 60_000;

/**
 * The Envoy fleets of gateways as objects in the EPIC cluster (docs/adr/0501-fleet-provisioning.md): server-side
 * apply of what the infrastructure translator says, pruning by owner labels, readiness read back into
 * ProxyInstance rows, and removal on gateway delete (the root's ownerReferences for the garbage collector, plus
 * explicit deletes of everything with the gateway's labels and of the account namespace once it is empty).
 */
/** The Kubernetes provisioner; `renewCredentials` requeues the fleets whose xDS credentials are of an earlier window. */
export interface KubeProvisioner extends Provisioner {
  renewCredentials(now?: Date): Promise<string[]>;
}

/** Starts `p` now and answers it later; a rejection not asked for is not an unhandled one. */
function settled<T>(p: Promise<T>): () => Promise<T> {
  p.catch(() => undefined);
  return () => p;
}

export function createKubeProvisioner(opts: KubeProvisionerOptions): KubeProvisioner {
  const { client, log } = opts;
  /** Gateways whose fleets were not ready at their last reconcile: looked at again every pollSeconds. */
  const waiting = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let podMonitorsServed = true;
  let podMonitorsAskedAt = 0;
  /** Namespaces applied by this process, by the applied object: not applied again while unchanged. */
  const namespacesApplied = new Map<string, string>();
  /**
   * Per gateway, the object set last pruned to and the root's resourceVersion after that apply: while both are
   * the same, nothing can have become stale (any writer of another set changes the root's annotation).
   */
  const pruned = new Map<string, { set: string; rootVersion: string }>();
  /**
   * Per gateway, the fleet this process last applied (a hash of the translated objects), the root the apply
   * answered, the apply's notes and when. A reconcile whose fleet hashes the same within reapplySeconds, and
   * whose root is still the one applied, makes one read of the root instead of the fleet's applies (a gateway is
   * reconciled on every route change, node report and ACK; its fleet changes only with its listeners, template
   * or credentials). Forgotten on any failure, on removal and when a pod of the fleet changes.
   */
  const applied = new Map<string, { hash: string; root: Listed; notes: string[]; at: number }>();
  const reapplyMs = (opts.reapplySeconds ?? 300) * 1000;
  const podWatch = new FleetPodWatch({
    client,
    log,
    onChange: (ids) => {
      for (const id of ids) applied.delete(id);
      void opts.requeue(ids).catch((err: unknown) => log.warn({ err }, 'requeueing fleets failed'));
    },
  });

  /**
   * Credential renewal: every fleet's xDS token is of the current half lifetime (fleetToken), but a fleet is
   * rendered only when something about it changes, so a gateway left alone would keep its token until it
   * expired and its Envoys were refused. At each half-lifetime boundary (and once at start, for what a
   * stopped process missed) the fleets whose credentials Secret is of an earlier window are reconciled: the
   * Secret gets the new token and the pods roll, with half a lifetime to spare.
   */
  let renewTimer: NodeJS.Timeout | undefined;
  let renewing = false;
  async function renewCredentials(now = new Date()): Promise<string[]> {
    const current = credentialWindow(opts.tokenTtlSeconds, now).expiresAt;
    const secrets = await client.list<Listed>('v1', 'Secret', ownerSelector());
    const stale = new Set<string>();
    for (const s of secrets) {
      const id = s.metadata.labels?.[LABEL_GATEWAY_ID];
      const expires = Date.parse(s.metadata.annotations?.[ANNOTATION_CREDENTIALS_EXPIRE] ?? '');
      if (id && !(expires >= current)) stale.add(id);
    }
    if (stale.size > 0) {
      log.info({ fleets: stale.size }, 'renewing the xDS credentials of fleets from an earlier window');
      await opts.requeue([...stale]);
    }
    return [...stale];
  }
  function scheduleRenewal(): void {
    const { nextAt } = credentialWindow(opts.tokenTtlSeconds, new Date());
    // At the boundary (a timer cannot wait longer than ~24 days: it looks again at least every day).
    const delay = Math.min(Math.max(0, nextAt - Date.now()) + 1_000, 24 * 3600 * 1000);
    renewTimer = setTimeout(() => {
      if (renewing) return;
      renewing = true;
      renewCredentials()
        .catch((err: unknown) =>
          log.warn({ err }, 'renewing fleet credentials failed; trying again next window'),
        )
        .finally(() => {
          renewing = false;
          if (renewTimer) scheduleRenewal();
        });
    }, delay);
    renewTimer.unref();
  }

  /** Lists a kind across namespaces; a kind the cluster does not serve (no PodMonitor CRD) has nothing. */
  async function listAll(kind: { apiVersion: string; kind: string }, selector: string): Promise<Listed[]> {
    try {
      return await client.list<Listed>(kind.apiVersion, kind.kind, selector);
    } catch (e) {
      if (isNotFound(e) && isPodMonitor(kind.kind)) return [];
      throw e;
    }
  }

  /** Deletes every object of the gateway's fleet, then the namespaces left without fleets. */
  async function remove(gatewayId: string): Promise<void> {
    const namespaces = new Set<string>();
    for (const kind of FLEET_KINDS) {
      for (const o of await listAll(kind, ownerSelector(gatewayId))) {
        if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
        await client.delete(objectPath({ ...o, apiVersion: kind.apiVersion, kind: kind.kind }));
      }
    }
    for (const ns of namespaces) await removeNamespaceIfEmpty(ns);
    waiting.delete(gatewayId);
    pruned.delete(gatewayId);
    applied.delete(gatewayId);
  }

  /** An EPIC user namespace with no fleet root left in it goes (GC cannot reach a cluster-scoped object). */
  async function removeNamespaceIfEmpty(ns: string): Promise<void> {
    const namespace = await client.get<Listed>(`/api/v1/namespaces/${encodeURIComponent(ns)}`);
    if (namespace?.metadata.labels?.[LABEL_USER_NAMESPACE] !== 'true') return;
    const roots = await client.list<Listed>(ROOT_KIND.apiVersion, ROOT_KIND.kind, ownerSelector(), ns);
    if (roots.length === 0) {
      namespacesApplied.delete(ns);
      await client.delete(`/api/v1/namespaces/${encodeURIComponent(ns)}`);
    }
  }

  async function applyNamespace(ns: KubeObject): Promise<void> {
    const text = JSON.stringify(ns);
    if (namespacesApplied.get(ns.metadata.name) === text) return;
    await client.apply(ns);
    namespacesApplied.set(ns.metadata.name, text);
  }

  /**
   * Applies the root, after its namespace unless this process applied that already; a namespace removed since
   * (by another replica, or by hand) answers 404 for the root, and is applied again.
   */
  async function applyRoot(ns: KubeObject, root: KubeObject) {
    await applyNamespace(ns);
    try {
      return await client.applyReporting<Listed>(root);
    } catch (e) {
      namespacesApplied.delete(ns.metadata.name);
      if (!isNotFound(e)) throw e;
      await applyNamespace(ns);
      return client.applyReporting<Listed>(root);
    }
  }

  /** Deletes objects with the gateway's owner labels that are not in `desired` (kind/namespace/name). */
  async function prune(gatewayId: string, desired: Set<string>, kinds = FLEET_KINDS): Promise<void> {
    const listed = await Promise.all(
      kinds.map(async (kind) => ({ kind, items: await listAll(kind, ownerSelector(gatewayId)) })),
    );
    const stale = listed.flatMap(({ kind, items }) =>
      items
        .filter((o) => !desired.has(`${kind.kind}/${o.metadata.namespace}/${o.metadata.name}`))
        .map((o) => objectPath({ ...o, apiVersion: kind.apiVersion, kind: kind.kind })),
    );
    await Promise.all(stale.map((path) => client.delete(path)));
  }

  /** Applies the owned objects concurrently (none depends on another; all depend only on the root). */
  async function applyAll(objects: KubeObject[]): Promise<string[]> {
    const notes = await Promise.all(
      objects.map(async (o) => {
        // A cluster that served no PodMonitor a moment ago is not asked again for every fleet.
        if (isPodMonitor(o.kind) && !podMonitorsServed && Date.now() - podMonitorsAskedAt < PODMONITOR_ASK_MS)
          return NO_PODMONITOR;
        try {
          await client.apply(o);
          if (isPodMonitor(o.kind)) podMonitorsServed = true;
          return undefined;
        } catch (e) {
          if (isPodMonitor(o.kind) && e instanceof KubeError && e.status === 404) {
            // Prometheus Operator is not installed in the EPIC cluster: scraping annotations still apply.
            if (podMonitorsServed)
              log.info('the EPIC cluster serves no PodMonitor (Prometheus Operator not installed)');
            podMonitorsServed = false;
            podMonitorsAskedAt = Date.now();
            return NO_PODMONITOR;
          }
          throw e;
        }
      }),
    );
    return notes.filter((n) => n !== undefined) as string[];
  }

  async function provision(c: pg.ClientBase, gatewayId: string, now: Date): Promise<FleetStatus | undefined> {
    try {
      return await provisionFleet(c, gatewayId, now);
    } catch (e) {
      applied.delete(gatewayId);
      throw e;
    }
  }

  /** Applies the fleet's root, then its owned objects (unless this process applied the same fleet recently). */
  async function applyFleet(gatewayId: string, first: InfraObjects, input: InfraInput, set: string) {
    const annotated = (r: KubeObject): KubeObject => ({
      ...r,
      metadata: {
        ...r.metadata,
        annotations: {
          ...(r.metadata.annotations as Record<string, string> | undefined),
          [ANNOTATION_FLEET_OBJECTS]: set,
        },
      },
    });
    const hash = createHash('sha256')
      .update(JSON.stringify([first.namespace, first.root, first.owned]))
      .digest('hex');
    const last = applied.get(gatewayId);
    if (last?.hash === hash && Date.now() - last.at < reapplyMs) {
      // One read instead of the fleet's applies: the root as this process left it (deleting it, or its
      // namespace, takes the fleet with it; any writer of the root changes its resourceVersion).
      const now = await client.get<Listed>(
        objectPath({ ...ROOT_KIND, metadata: last.root.metadata } as KubeObjectRef),
      );
      if (
        now?.metadata.uid === last.root.metadata.uid &&
        now?.metadata.resourceVersion === last.root.metadata.resourceVersion
      )
        return { root: last.root, created: false, notes: last.notes };
    }
    applied.delete(gatewayId);
    const { object: root, created } = await applyRoot(first.namespace, annotated(first.root));
    const objects = translateInfrastructure(input, { rootUid: root.metadata.uid! });
    const notes = await applyAll(objects.owned);
    applied.set(gatewayId, { hash, root, notes, at: Date.now() });
    return { root, created, notes };
  }

  async function provisionFleet(
    c: pg.ClientBase,
    gatewayId: string,
    now: Date,
  ): Promise<FleetStatus | undefined> {
    const loaded = await loadInfraInput(c, gatewayId, opts, now);
    if ('missing' in loaded) {
      await remove(gatewayId);
      return undefined;
    }
    if ('problem' in loaded) {
      waiting.delete(gatewayId);
      return { desired: loaded.replicas, ready: 0, message: `proxies not provisioned: ${loaded.problem}` };
    }
    const { input } = loaded;
    const first = translateInfrastructure(input);
    const problems = [first.namespace, first.root, ...first.owned].flatMap(kubeAcceptanceProblems);
    if (problems.length > 0) {
      return {
        desired: input.template.replicas,
        ready: 0,
        message: `proxies not provisioned: the EPIC cluster would refuse ${problems.join('; ')}`,
      };
    }
    // The fleet's object set, named on the root: a set that changed changes the root (see `pruned`).
    const keys = [first.root, ...first.owned]
      .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    const set = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
    // A gateway this process has not pruned yet may be new: its other roots (see below) are listed while the
    // fleet is applied (whatever the list misses from before the apply is not another root of this gateway).
    const last = pruned.get(gatewayId);
    const otherRoots = last ? undefined : settled(listAll(ROOT_KIND, ownerSelector(gatewayId)));
    const { root, created, notes } = await applyFleet(gatewayId, first, input, set);

    // Prune: objects with this gateway's owner labels that are no longer desired (a PDB after scaling to one
    // replica, the Service of a gateway that lost its listeners, anything in a former namespace). Skipped when
    // this process pruned to the same set under the same root version. A root this apply created has no
    // dependents left over (the root is always applied first), so only other roots of the gateway (a former
    // namespace) are looked for.
    const desired = new Set(keys);
    const rootVersion = root.metadata.resourceVersion ?? '';
    if (!last || last.set !== set || last.rootVersion !== rootVersion) {
      if (created && otherRoots) {
        const roots = await otherRoots();
        if (roots.some((o) => !desired.has(`${ROOT_KIND.kind}/${o.metadata.namespace}/${o.metadata.name}`)))
          await prune(gatewayId, desired);
      } else await prune(gatewayId, desired);
      pruned.set(gatewayId, { set, rootVersion });
    }

    // Read back: the pods of the fleet and their readiness (from the pod watch when it is in sync).
    const pods =
      podWatch.podsOf(gatewayId) ??
      (await client.list<PodLike>('v1', 'Pod', ownerSelector(gatewayId), first.namespace.metadata.name));
    const observed = pods
      .map((p) => ({
        podName: p.metadata.name,
        nodeAddress: p.status?.hostIP ?? null,
        ready: (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
      }))
      .sort((a, b) => (a.podName < b.podName ? -1 : 1));
    const counts = await recordProxies(c, gatewayId, observed);
    const { ready } = counts;
    const desiredReplicas = input.template.replicas;
    if (ready < desiredReplicas) waiting.add(gatewayId);
    else waiting.delete(gatewayId);
    const where = `${first.namespace.metadata.name}/${first.root.metadata.name}`;
    // Ready = the pod is Ready in the cluster and its EPIC node reports it ready with the revision ACKed.
    const views =
      ready < desiredReplicas
        ? `; ${counts.podsReady} Ready in the EPIC cluster, ${counts.nodeReady} reported ready by an EPIC node` +
          (counts.revision === null ? '' : ` with revision ${counts.revision} acknowledged`)
        : '';
    const message =
      `${ready} of ${desiredReplicas} proxies ready (Deployment ${where})${views}` +
      (notes.length ? `; ${notes.join('; ')}` : '');
    return { desired: desiredReplicas, ready, message };
  }

  async function sweep(c: pg.ClientBase): Promise<void> {
    const seen = new Set<string>();
    for (const kind of FLEET_KINDS)
      for (const o of await listAll(kind, ownerSelector())) {
        const id = o.metadata.labels?.[LABEL_GATEWAY_ID];
        if (id) seen.add(id);
      }
    if (seen.size > 0) {
      const live = new Set(
        (
          await c.query<{ id: string }>('SELECT id::text FROM "Gateway" WHERE id = ANY($1::uuid[])', [
            [...seen],
          ])
        ).rows.map((r) => r.id),
      );
      for (const id of seen) if (!live.has(id)) await remove(id);
    }
    // Namespaces whose last fleet went while the provisioner was down.
    const namespaces = await client.list<Listed>(
      'v1',
      'Namespace',
      `${LABEL_USER_NAMESPACE}=true,app.kubernetes.io/managed-by=epic`,
    );
    for (const ns of namespaces) await removeNamespaceIfEmpty(ns.metadata.name);
  }

  return {
    provision,
    sweep,
    renewCredentials,
    async start() {
      podWatch.start();
      await renewCredentials().catch((err: unknown) =>
        log.warn({ err }, 'renewing fleet credentials failed; trying again next window'),
      );
      scheduleRenewal();
      timer = setInterval(() => {
        if (waiting.size === 0 || podWatch.inSync) return;
        opts.requeue([...waiting]).catch((err: unknown) => log.warn({ err }, 'requeueing fleets failed'));
      }, opts.pollSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (renewTimer) clearTimeout(renewTimer);
      renewTimer = undefined;
      await podWatch.stop();
    },
  };
}
