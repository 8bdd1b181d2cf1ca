import type { KubeConfig } from '@kubernetes/client-node';
import {
  COLLECTIONS,
  computeDesired,
  emptySet,
  type CertificateItem,
  type DesiredSet,
  type SyncCollection,
} from './desired.js';
import {
  EpicApiError,
  EpicClient,
  type EpicClusterState,
  type EpicRouteParent,
  type SyncRequest,
} from './epic-client.js';
import { Informers } from './informers.js';
import { isConflict, isNotFound, KubeClient } from './kube-client.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import { fingerprint, skipReason } from './predicates.js';
import {
  CONFIG_GROUP,
  KINDS,
  resourcePath,
  ROUTE_KINDS,
  type KindName,
  type KubeObject,
} from './resources.js';
import {
  gatewayClassStatus,
  gatewayStatus,
  listenerSetStatus,
  policyAncestors,
  routeParents,
  sameIgnoringTransitionTimes,
} from './status.js';
import { StatusWriter } from './status-writer.js';
import { BatchQueue } from './work-queue.js';

export const CONTROLLER_NAME = 'epic-gateway.io/gateway-controller';
export const FINALIZER = 'epic-gateway.io/finalizer';

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  controllerName?: string;
  /** Quiet time that closes a batch of events, and the longest a batch waits. */
  debounceMs?: number;
  maxDelayMs?: number;
  /** Backoff (full jitter) while EPIC or the Kubernetes API is unreachable. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often EPIC's status is read while the controller runs. */
  statusPollMs?: number;
  /** The most items (upserts and deletes) one sync call carries; a larger burst is several calls. Default 100. */
  syncChunk?: number;
  /** A periodic full recompute (and diff) even without events. */
  resyncMs?: number;
  /** How long a refused GatewayClass waits before its parameters are asked again. Default 30 s. */
  revalidateMs?: number;
  /**
   * Run as one of several replicas: only the holder of this Lease reconciles and writes (the others keep
   * their caches warm and wait). Without it the controller assumes it is alone.
   */
  leaderElection?: LeaderElectionOptions;
  /** Called when leadership is lost (the replica stops; run.ts then exits, and the Deployment restarts it). */
  onLeadershipLost?: () => void;
  /** Sees every request made to the Kubernetes API (method, path); the RBAC test records them. */
  onKubeRequest?: (method: string, path: string) => void;
  /**
   * The GatewayClassConfig a GatewayClass of ours uses when it has no spec.parametersRef (as Envoy Gateway and
   * Istio accept a class that names only their controller). Without it such a class is refused.
   */
  defaultParameters?: { namespace: string; name: string };
}

interface Verdict {
  accepted: boolean;
  message: string;
  features: string[];
  clusterId?: string;
}

/** One EPIC cluster reached through one GatewayClassConfig (its API, key and cluster). */
interface Target {
  key: string;
  identity: string;
  client: EpicClient;
  clusterId: string;
  /** `namespace/name` → hash of the listener certificates EPIC holds from us. */
  certificates?: Map<string, string>;
  /** uid → hash of what EPIC holds from us; undefined until the first (full) sync of this process. */
  lastSent?: Record<SyncCollection, Map<string, string>>;
  /** What the calls of an unfinished full sync carried (uid → hash). */
  fullProgress?: Record<SyncCollection, Map<string, string>>;
  state?: EpicClusterState;
}

/** Dependencies first (a route resolves against Gateways and Services that exist), deletes the other way. */
const UPSERT_ORDER: readonly SyncCollection[] = [
  'namespaces',
  'caBundles',
  'gateways',
  'services',
  'endpointSlices',
  'referenceGrants',
  'backendTlsPolicies',
  // After the Gateways they name, before the routes that attach through them.
  'listenerSets',
  'routes',
];
const DELETE_ORDER: readonly SyncCollection[] = [...UPSERT_ORDER].reverse();
const emptySent = () =>
  Object.fromEntries(COLLECTIONS.map((c) => [c, new Map()])) as Record<SyncCollection, Map<string, string>>;
const emptyUids = () =>
  Object.fromEntries(COLLECTIONS.map((c) => [c, [] as string[]])) as Record<SyncCollection, string[]>;

type Ref = { group?: string; kind?: string; name?: string; namespace?: string };

/** Finalizer patches sent at once (each object is patched once; they do not depend on each other). */
const FINALIZER_PATCHES_IN_FLIGHT = 16;

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure once all have settled. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}

/**
 * The k8s Gateway Controller: informers → predicates → one keyed, debounced queue → a level-triggered
 * reconcile that recomputes from the caches what each EPIC cluster should hold and sends the difference in one
 * POST /clusters/{id}/sync (everything, with `full`, on the first sync after start, so what was deleted while
 * the controller was down is removed). Gateways and routes carry a finalizer until EPIC has dropped them.
 * Status is EPIC's (GET /clusters/{id}/status), copied by one coalescing writer.
 */
export class GatewayController {
  readonly controllerName: string;
  private readonly revalidateMs: number;
  private readonly syncChunk: number;
  private readonly kube: KubeClient;
  private readonly informers: Informers;
  private readonly queue: BatchQueue;
  readonly statusWriter: StatusWriter;
  private readonly targets = new Map<string, Target>();
  /** Per GatewayClassConfig (namespace/name): what EPIC said of its parameters, and when. */
  private readonly verdicts = new Map<
    string,
    { fp: string; verdict: Verdict; at: number; identity: string }
  >();
  private readonly fingerprints = new Map<string, string>();
  private referencedServices = new Set<string>();
  private referencedSecrets = new Set<string>();
  private referencedConfigMaps = new Set<string>();
  private classTargets = new Map<string, { target: string; template: string }>();
  private synced = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly elector: LeaderElector | undefined;
  /** Counters a test or /metrics reads. */
  readonly stats = { batches: 0, syncCalls: 0, skippedEvents: 0, apiErrors: 0, certificates: 0 };

  constructor(private readonly opts: ControllerOptions) {
    this.controllerName = opts.controllerName ?? CONTROLLER_NAME;
    this.revalidateMs = opts.revalidateMs ?? 30_000;
    this.syncChunk = opts.syncChunk ?? 100;
    this.kube = new KubeClient(opts.kubeConfig, { onRequest: opts.onKubeRequest });
    this.informers = new Informers(
      opts.kubeConfig,
      this.kube,
      (kind, ev, obj) => this.onEvent(kind, ev, obj),
      opts.log,
      { baseMs: opts.backoffBaseMs ?? 200, maxMs: opts.backoffMaxMs ?? 30_000 },
      opts.onKubeRequest,
    );
    this.queue = new BatchQueue(
      () => this.reconcile(),
      {
        debounceMs: opts.debounceMs ?? 100,
        maxDelayMs: opts.maxDelayMs ?? 1_000,
        backoffBaseMs: opts.backoffBaseMs ?? 500,
        backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      },
      (e, attempt, delayMs) => {
        this.stats.apiErrors++;
        opts.log.warn({ err: String(e), attempt, delayMs }, 'reconcile failed; retrying');
      },
    );
    this.elector =
      opts.leaderElection &&
      new LeaderElector(this.kube, opts.leaderElection, () => {
        opts.log.error({ identity: opts.leaderElection!.identity }, 'leadership lost; stopping');
        this.stop(false);
        opts.onLeadershipLost?.();
      });
    this.statusWriter = new StatusWriter(
      (path, patch) => this.kube.patch(path, patch).then(() => undefined),
      (key, e) =>
        isConflict(e) || isNotFound(e)
          ? opts.log.debug({ key }, 'status write conflicted or the object is gone; the next pass decides')
          : opts.log.warn({ key, err: String(e) }, 'status write failed'),
    );
  }

  /**
   * Starts the informers and, with leader election, waits until this replica holds the Lease (resolves
   * without reconciling if stopped first).
   */
  async start(): Promise<void> {
    await this.informers.start();
    this.synced = true;
    if (this.elector) {
      this.opts.log.info({ identity: this.opts.leaderElection!.identity }, 'waiting for leadership');
      if (!(await this.elector.acquire()) || this.stopped) return;
      this.opts.log.info({ identity: this.opts.leaderElection!.identity }, 'leading');
    }
    this.queue.add('start');
    this.schedulePoll();
    this.timers.push(setInterval(() => this.queue.add('resync'), this.opts.resyncMs ?? 300_000));
  }

  get ready(): boolean {
    return this.synced;
  }

  /** Whether this replica reconciles (always, without leader election). */
  get leading(): boolean {
    return this.elector ? this.elector.leader : !this.stopped;
  }

  /** Stops everything; a Lease held is released (`releaseLease` false: left to expire, as a crash would). */
  stop(releaseLease = true): void {
    this.stopped = true;
    void this.elector?.stop(releaseLease);
    for (const t of this.timers) clearInterval(t);
    this.queue.stop();
    this.informers.stop();
    this.kube.close();
  }

  /** Lists the informers made (a relist after 410 Gone adds one per kind). */
  get informerLists(): number {
    return this.informers.lists;
  }

  /** Whether the controller has nothing queued (tests wait on it with the caches settled). */
  get queueDepth(): number {
    return this.queue.depth;
  }

  private onEvent(kind: KindName, ev: 'add' | 'update' | 'delete', obj: KubeObject): void {
    const uid = obj.metadata.uid;
    const next = ev === 'delete' ? undefined : fingerprint(kind, obj);
    const previous = this.fingerprints.get(uid);
    if (next === undefined) this.fingerprints.delete(uid);
    else this.fingerprints.set(uid, next);
    const why = skipReason(kind, ev === 'delete' ? undefined : previous, next, this.referenced(kind, obj));
    if (why) {
      this.stats.skippedEvents++;
      return;
    }
    if (this.synced && this.leading) this.queue.add(uid);
  }

  private referenced(kind: KindName, o: KubeObject): boolean {
    const ns = o.metadata.namespace ?? '';
    if (kind === 'Service') return this.referencedServices.has(`${ns}/${o.metadata.name}`);
    if (kind === 'EndpointSlice')
      return this.referencedServices.has(`${ns}/${o.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`);
    if (kind === 'Secret') return this.referencedSecrets.has(`${ns}/${o.metadata.name}`);
    if (kind === 'ConfigMap') return this.referencedConfigMaps.has(`${ns}/${o.metadata.name}`);
    return true;
  }

  /** Reconcile durations (s): the buckets' upper bounds, counts per bucket, sum and count. */
  private readonly durations = {
    bounds: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    counts: Array<number>(9).fill(0),
    sum: 0,
    count: 0,
  };

  /**
   * The controller's metrics in the Prometheus text format (served at /metrics): queue depth, leadership,
   * reconcile batches and their durations, sync calls, EPIC API errors, status writes, skipped events.
   */
  metricsText(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, value: number) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    metric(
      'epic_controller_queue_depth',
      'gauge',
      'Keys waiting for the next reconcile batch.',
      this.queue.depth,
    );
    metric(
      'epic_controller_leader',
      'gauge',
      'Whether this replica reconciles (holds the Lease).',
      this.leading ? 1 : 0,
    );
    metric(
      'epic_controller_reconcile_batches_total',
      'counter',
      'Reconcile batches started.',
      this.stats.batches,
    );
    metric(
      'epic_controller_sync_calls_total',
      'counter',
      'POST /clusters/{id}/sync calls to EPIC.',
      this.stats.syncCalls,
    );
    metric(
      'epic_controller_api_errors_total',
      'counter',
      'Failed reconcile batches (EPIC or Kubernetes API errors).',
      this.stats.apiErrors,
    );
    metric(
      'epic_controller_status_writes_total',
      'counter',
      'Status patches sent to the Kubernetes API.',
      this.statusWriter.writes,
    );
    metric(
      'epic_controller_skipped_events_total',
      'counter',
      'Informer events the predicates skipped.',
      this.stats.skippedEvents,
    );
    const h = 'epic_controller_reconcile_duration_seconds';
    lines.push(`# HELP ${h} Duration of reconcile batches.`, `# TYPE ${h} histogram`);
    let cumulative = 0;
    this.durations.bounds.forEach((b, i) => {
      cumulative += this.durations.counts[i]!;
      lines.push(`${h}_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(
      `${h}_bucket{le="+Inf"} ${this.durations.count}`,
      `${h}_sum ${this.durations.sum}`,
      `${h}_count ${this.durations.count}`,
    );
    return `${lines.join('\n')}\n`;
  }

  private async reconcile(): Promise<void> {
    const started = performance.now();
    try {
      await this.reconcileOnce();
    } finally {
      const s = (performance.now() - started) / 1000;
      const i = this.durations.bounds.findIndex((b) => s <= b);
      if (i >= 0) this.durations.counts[i]!++;
      this.durations.sum += s;
      this.durations.count++;
    }
  }

  /** One batch: classes, the desired sets, finalizers, one sync per EPIC cluster, then status. */
  private async reconcileOnce(): Promise<void> {
    if (this.stopped) return;
    this.stats.batches++;
    this.classTargets = await this.resolveClasses();
    const desired = computeDesired(this.informers, this.classTargets);
    this.referencedServices = desired.referencedServices;
    for (const k of desired.referencedSecrets) this.referencedSecrets.add(k);
    this.referencedConfigMaps = desired.referencedConfigMaps;
    await this.addFinalizers(desired.owned);
    for (const [key, t] of this.targets) {
      if (![...this.classTargets.values()].some((c) => c.target === key)) continue;
      await this.putCertificates(t, desired.certificates.get(key));
      await this.syncTarget(t, desired.targets.get(key) ?? emptySet());
    }
    await this.releaseFinalizers(desired.owned);
    this.writeStatuses();
  }

  /**
   * Listener certificates before the Gateways that use them: each Secret once per content. One EPIC refuses
   * (not a certificate, a key that does not match) is logged and not sent again until it changes; the listener
   * then says what is wrong in its status. Certificates are the account's in EPIC (by namespace/name, shared by
   * its clusters), so a Secret deleted here is not deleted there.
   */
  private async putCertificates(
    t: Target,
    certs: Map<string, { item: CertificateItem; hash: string }> | undefined,
  ): Promise<void> {
    const sent = (t.certificates ??= new Map());
    for (const [k, { item, hash }] of certs ?? []) {
      if (sent.get(k) === hash) continue;
      try {
        await t.client.putCertificate(item);
      } catch (e) {
        if (!(e instanceof EpicApiError)) throw e;
        this.opts.log.warn(
          { cluster: t.clusterId, secret: k, err: e.message },
          'EPIC refused a listener certificate',
        );
      }
      this.stats.certificates++;
      sent.set(k, hash);
    }
  }

  /**
   * Sends the difference between what EPIC holds from us and `set`, in calls of at most `syncChunk` items
   * (each call bounded in time however large the burst; what a call carried is recorded as sent when it
   * returns, so a failure later in a burst keeps the progress made). The first sync of this process is full:
   * every item, its last call `full` with the uids of the earlier calls in `keep`, so EPIC deletes this
   * cluster's objects that the set does not name (what was deleted while the controller was down).
   */
  private async syncTarget(t: Target, set: DesiredSet): Promise<void> {
    const full = !t.lastSent;
    // During a full sync, what its earlier calls carried (kept across a failed attempt).
    const progress = t.lastSent ?? (t.fullProgress ??= emptySent());
    type Op = { c: SyncCollection; uid: string; item?: Record<string, unknown>; hash?: string };
    const ops: Op[] = [];
    for (const c of UPSERT_ORDER)
      for (const [uid, { item, hash }] of set[c])
        if (progress[c].get(uid) !== hash) ops.push({ c, uid, item, hash });
    if (!full)
      for (const c of DELETE_ORDER)
        for (const uid of progress[c].keys()) if (!set[c].has(uid)) ops.push({ c, uid });
    if (!full && ops.length === 0) return;
    let upserted = 0;
    let deleted = 0;
    for (let i = 0; i === 0 || i < ops.length; i += this.syncChunk) {
      const chunk = ops.slice(i, i + this.syncChunk);
      const last = i + this.syncChunk >= ops.length;
      const req: SyncRequest = { ...emptyUids(), full: full && last, deleted: emptyUids() };
      for (const op of chunk) {
        if (op.item) req[op.c].push(op.item);
        else req.deleted[op.c].push(op.uid);
      }
      if (req.full) {
        const inChunk = new Set(chunk.map((op) => op.uid));
        req.keep = emptyUids();
        for (const c of COLLECTIONS)
          for (const uid of set[c].keys()) if (!inChunk.has(uid)) req.keep[c].push(uid);
      }
      this.stats.syncCalls++;
      const result = await t.client.sync(t.clusterId, req).catch((e: unknown) => {
        // A key revoked (or a cluster removed) in EPIC: the class is validated again in the next batch.
        if (e instanceof EpicApiError && [401, 403, 404].includes(e.status))
          for (const [k, v] of this.verdicts) if (v.identity === t.key) this.verdicts.delete(k);
        throw e;
      });
      for (const op of chunk) {
        if (op.hash !== undefined) progress[op.c].set(op.uid, op.hash);
        else progress[op.c].delete(op.uid);
      }
      upserted += result.upserted;
      deleted += result.deleted;
      t.state = {
        gateways: result.gateways,
        routes: result.routes,
        backendTlsPolicies: result.backendTlsPolicies ?? [],
        listenerSets: result.listenerSets ?? [],
      };
      for (const e of result.errors)
        this.opts.log.warn(
          { cluster: t.clusterId, ...e },
          'EPIC refused an object; it is sent again when it changes',
        );
    }
    if (full) {
      // EPIC now holds exactly the set (the full call deleted the rest, progress included).
      for (const c of COLLECTIONS)
        for (const uid of progress[c].keys()) if (!set[c].has(uid)) progress[c].delete(uid);
      t.lastSent = progress;
      t.fullProgress = undefined;
    }
    this.opts.log.info(
      { cluster: t.clusterId, full, changes: ops.length, upserted, deleted },
      'synced with EPIC',
    );
  }

  /** Validates every GatewayClass of ours (cached by what it depends on) and writes its status. */
  private async resolveClasses(): Promise<Map<string, { target: string; template: string }>> {
    const out = new Map<string, { target: string; template: string }>();
    const secrets = new Set<string>();
    for (const gc of this.informers.list('GatewayClass')) {
      if (gc.spec?.controllerName !== this.controllerName) continue;
      const fallback = this.opts.defaultParameters;
      const ref = (gc.spec.parametersRef ??
        (fallback ? { group: CONFIG_GROUP, kind: 'GatewayClassConfig', ...fallback } : {})) as Ref;
      let verdict: Verdict;
      let target: { key: string; template: string } | undefined;
      if (ref.group !== CONFIG_GROUP || ref.kind !== 'GatewayClassConfig' || !ref.name || !ref.namespace) {
        verdict = this.refused(
          `spec.parametersRef must name a GatewayClassConfig (group ${CONFIG_GROUP}) with its namespace` +
            (gc.spec.parametersRef ? '' : ' (this controller has no default GatewayClassConfig)'),
        );
      } else {
        const config = this.informers.get('GatewayClassConfig', ref.namespace, ref.name);
        const spec = config?.spec as
          | {
              apiUrl: string;
              account: string;
              template: string;
              clusterName: string;
              caBundle?: string;
              apiKeySecretRef: { name: string; key?: string };
            }
          | undefined;
        if (!config || !spec) {
          verdict = this.refused(`GatewayClassConfig ${ref.namespace}/${ref.name} not found`);
        } else {
          const secretKey = spec.apiKeySecretRef.key ?? 'api-key';
          secrets.add(`${ref.namespace}/${spec.apiKeySecretRef.name}`);
          const secret = this.informers.get('Secret', ref.namespace, spec.apiKeySecretRef.name);
          const encoded = secret?.data?.[secretKey];
          if (!secret)
            verdict = this.refused(`Secret ${ref.namespace}/${spec.apiKeySecretRef.name} not found`);
          else if (!encoded)
            verdict = this.refused(
              `Secret ${ref.namespace}/${spec.apiKeySecretRef.name} has no key ${JSON.stringify(secretKey)}`,
            );
          else {
            const apiKey = Buffer.from(encoded, 'base64').toString('utf8').trim();
            const identity = JSON.stringify([
              spec.apiUrl,
              spec.account,
              spec.clusterName,
              spec.caBundle ?? '',
            ]);
            const fp = JSON.stringify([identity, spec.template, apiKey]);
            const key = `${ref.namespace}/${ref.name}`;
            let cached = this.verdicts.get(key);
            // A refusal is asked again after a while: the template or the account may since exist in EPIC.
            const stale = cached && !cached.verdict.accepted && Date.now() - cached.at > this.revalidateMs;
            if (cached?.fp !== fp || stale) {
              cached = { fp, verdict: await this.validate(spec, apiKey), at: Date.now(), identity };
              this.verdicts.set(key, cached);
              if (cached.verdict.accepted) this.ensureTarget(identity, spec, apiKey, cached.verdict);
            }
            verdict = cached.verdict;
            // Keyed by the EPIC cluster, not the config: two configs naming one cluster share one target, so
            // their full syncs never delete each other's objects.
            if (verdict.accepted) target = { key: identity, template: spec.template };
          }
        }
      }
      if (target) out.set(gc.metadata.name, { target: target.key, template: target.template });
      this.writeClassStatus(gc.metadata.name, verdict);
    }
    this.referencedSecrets = secrets;
    return out;
  }

  private refused(message: string): Verdict {
    return { accepted: false, message, features: [] };
  }

  /** Asks EPIC whether these parameters work: key, account, template; registers the cluster on first use. */
  private async validate(
    spec: { apiUrl: string; account: string; template: string; clusterName: string; caBundle?: string },
    apiKey: string,
  ): Promise<Verdict> {
    const client = new EpicClient({ apiUrl: spec.apiUrl, apiKey, caBundle: spec.caBundle });
    try {
      const me = await client.whoami();
      if (me.accountName !== spec.account)
        return this.refused(`the API key belongs to account "${me.accountName}", not "${spec.account}"`);
      if (me.role === 'viewer')
        return this.refused('the API key has the viewer role; the controller needs an admin key');
      const templates = await client.listTemplates();
      if (!templates.items.some((t) => t.name === spec.template))
        return this.refused(`template "${spec.template}" does not exist in account "${spec.account}"`);
      const clusters = await client.listClusters();
      const cluster =
        clusters.items.find((c) => c.name === spec.clusterName) ??
        (await client.createCluster(spec.clusterName));
      const { supportedFeatures } = await client.features();
      return {
        accepted: true,
        message: `EPIC at ${spec.apiUrl} accepted the key of account "${spec.account}"; this cluster is "${spec.clusterName}" (${cluster.id})`,
        features: supportedFeatures,
        clusterId: cluster.id,
      };
    } catch (e) {
      if (e instanceof EpicApiError) return this.refused(`EPIC API refused the parameters: ${e.message}`);
      throw e;
    }
  }

  private ensureTarget(
    identity: string,
    spec: { apiUrl: string; caBundle?: string },
    apiKey: string,
    verdict: Verdict,
  ): void {
    const key = identity;
    const prior = this.targets.get(key);
    const client = new EpicClient({ apiUrl: spec.apiUrl, apiKey, caBundle: spec.caBundle });
    // A new key for the same cluster keeps what was sent; a cluster recreated in EPIC gets a full sync.
    const same = prior && prior.clusterId === verdict.clusterId;
    this.targets.set(key, {
      key,
      identity,
      client,
      clusterId: verdict.clusterId!,
      ...(same && prior.lastSent ? { lastSent: prior.lastSent } : {}),
      ...(same && prior.state ? { state: prior.state } : {}),
      ...(same && prior.certificates ? { certificates: prior.certificates } : {}),
    });
  }

  private writeClassStatus(name: string, verdict: Verdict): void {
    this.statusWriter.request(`GatewayClass/${name}`, {
      compute: () => {
        const gc = this.informers.get('GatewayClass', undefined, name);
        if (!gc || gc.spec?.controllerName !== this.controllerName) return undefined;
        const status = gatewayClassStatus(
          gc.metadata.generation ?? 0,
          verdict.accepted
            ? { accepted: true, message: verdict.message, features: verdict.features }
            : { accepted: false, message: verdict.message },
          new Date().toISOString(),
          gc.status,
        );
        const current = {
          conditions: gc.status?.conditions ?? [],
          ...(status.supportedFeatures ? { supportedFeatures: gc.status?.supportedFeatures ?? [] } : {}),
        };
        if (sameIgnoringTransitionTimes(current, status)) return undefined;
        return { path: `${resourcePath(KINDS.GatewayClass, undefined, name)}/status`, patch: { status } };
      },
    });
  }

  private async addFinalizers(owned: Map<string, { kind: KindName; obj: KubeObject }>): Promise<void> {
    const todo = [...owned.values()].filter(
      ({ obj }) => !(obj.metadata.finalizers ?? []).includes(FINALIZER),
    );
    // Concurrently (a burst of 1,000 routes is 1,000 patches: one after the other they took seconds).
    await eachLimited(todo, FINALIZER_PATCHES_IN_FLIGHT, ({ kind, obj }) =>
      this.patchFinalizers(kind, obj, [...(obj.metadata.finalizers ?? []), FINALIZER]),
    );
  }

  /**
   * Drops our finalizer from Gateways and routes that EPIC no longer holds and that are no longer ours (being
   * deleted, or moved to another class or gateway) — only once every EPIC cluster has been synced in this
   * process, so that EPIC has dropped them too.
   */
  private async releaseFinalizers(owned: Map<string, { kind: KindName; obj: KubeObject }>): Promise<void> {
    const active = [...this.targets.values()].filter((t) =>
      [...this.classTargets.values()].some((c) => c.target === t.key),
    );
    if (active.some((t) => !t.lastSent)) return;
    const held = (uid: string) => active.some((t) => COLLECTIONS.some((c) => t.lastSent![c].has(uid)));
    const todo = (['Gateway', ...ROUTE_KINDS] as const).flatMap((kind) =>
      this.informers
        .list(kind)
        .filter(
          (obj) =>
            (obj.metadata.finalizers ?? []).includes(FINALIZER) &&
            !owned.has(obj.metadata.uid) &&
            !held(obj.metadata.uid),
        )
        .map((obj) => ({ kind, obj })),
    );
    await eachLimited(todo, FINALIZER_PATCHES_IN_FLIGHT, ({ kind, obj }) =>
      this.patchFinalizers(
        kind,
        obj,
        (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
      ),
    );
  }

  private async patchFinalizers(kind: KindName, obj: KubeObject, finalizers: string[]): Promise<void> {
    const path = resourcePath(KINDS[kind], obj.metadata.namespace, obj.metadata.name);
    try {
      // resourceVersion makes it conditional: a concurrent change (another controller's finalizer) is kept.
      await this.kube.patch(path, {
        metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (e) {
      if (isConflict(e)) this.queue.add(obj.metadata.uid);
      else if (!isNotFound(e)) throw e;
    }
  }

  /**
   * The next read of EPIC's status: every statusPollMs, but soon (a tenth of it, at least 50 ms) while EPIC
   * has not yet computed the status of something sent (a burst settles in a few fast reads, not one per poll).
   */
  private schedulePoll(): void {
    if (this.stopped) return;
    const every = this.opts.statusPollMs ?? 2_000;
    const pending = [...this.targets.values()].some(
      (t) =>
        t.state &&
        (t.state.gateways.some((g) => g.observedClientGeneration === null) ||
          t.state.routes.some((r) => r.observedClientGeneration === null) ||
          (t.state.backendTlsPolicies ?? []).some((p) => p.observedClientGeneration === null)),
    );
    const timer = setTimeout(
      () => void this.pollStatus().finally(() => this.schedulePoll()),
      pending ? Math.max(50, Math.round(every / 10)) : every,
    );
    this.timers = [...this.timers.filter((t) => t !== this.pollTimer), timer];
    this.pollTimer = timer;
  }
  private pollTimer: NodeJS.Timeout | undefined;

  private async pollStatus(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    if ([...this.verdicts.values()].some((v) => !v.verdict.accepted && now - v.at > this.revalidateMs))
      this.queue.add('revalidate');
    for (const t of this.targets.values()) {
      if (!t.lastSent) continue;
      try {
        t.state = await t.client.status(t.clusterId);
      } catch (e) {
        this.opts.log.warn({ cluster: t.clusterId, err: String(e) }, 'reading EPIC status failed');
      }
    }
    this.writeStatuses();
  }

  /** Requests a status write for every Gateway and route whose EPIC state is known (the writer diffs). */
  private writeStatuses(): void {
    for (const g of this.informers.list('Gateway')) {
      const cls = this.classTargets.get(g.spec?.gatewayClassName as string);
      const state = cls && this.targets.get(cls.target)?.state;
      if (!state) continue;
      const { namespace, name, uid } = g.metadata;
      this.statusWriter.request(`Gateway/${uid}`, {
        compute: () => {
          const obj = this.informers.get('Gateway', namespace, name);
          if (!obj || obj.metadata.uid !== uid || obj.metadata.deletionTimestamp) return undefined;
          // Only Gateways of a class that is ours, checked again right before the write.
          const gc = this.informers.get('GatewayClass', undefined, obj.spec?.gatewayClassName as string);
          if (gc?.spec?.controllerName !== this.controllerName) return undefined;
          const epic = state.gateways.find((x) => x.clientUid === uid);
          const status = epic && gatewayStatus(epic);
          if (!status) return undefined;
          const current = {
            addresses: obj.status?.addresses ?? [],
            conditions: obj.status?.conditions ?? [],
            listeners: obj.status?.listeners ?? [],
            attachedListenerSets: obj.status?.attachedListenerSets ?? null,
          };
          if (sameIgnoringTransitionTimes(current, status)) return undefined;
          return {
            path: `${resourcePath(KINDS.Gateway, namespace, name)}/status`,
            patch: { status },
            basis: obj.metadata.resourceVersion,
          };
        },
      });
    }
    for (const p of this.informers.list('BackendTLSPolicy')) {
      const { namespace, name, uid } = p.metadata;
      this.statusWriter.request(`BackendTLSPolicy/${uid}`, {
        compute: () => {
          const obj = this.informers.get('BackendTLSPolicy', namespace, name);
          if (!obj || obj.metadata.uid !== uid || obj.metadata.deletionTimestamp) return undefined;
          const ancestors = policyAncestors(obj, this.controllerName, this.ourPolicyAncestors(uid));
          if (!ancestors) return undefined;
          if (sameIgnoringTransitionTimes(obj.status?.ancestors ?? [], ancestors)) return undefined;
          return {
            path: `${resourcePath(KINDS.BackendTLSPolicy, namespace, name)}/status`,
            // Conditional on the version read, as for routes: other controllers' ancestors are never lost.
            patch: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { ancestors } },
            basis: obj.metadata.resourceVersion,
          };
        },
      });
    }
    for (const l of this.informers.list('ListenerSet')) {
      const { namespace, name, uid } = l.metadata;
      this.statusWriter.request(`ListenerSet/${uid}`, {
        compute: () => {
          const obj = this.informers.get('ListenerSet', namespace, name);
          if (!obj || obj.metadata.uid !== uid || obj.metadata.deletionTimestamp) return undefined;
          // Only a ListenerSet an EPIC cluster holds (its parent is one of our Gateways): its status is ours.
          const t = [...this.targets.values()].find((x) => x.lastSent?.listenerSets.has(uid));
          const st = t?.state?.listenerSets?.find((x) => x.clientUid === uid);
          const status = st && listenerSetStatus(st);
          if (!status) return undefined;
          if (sameIgnoringTransitionTimes(obj.status ?? {}, status)) return undefined;
          return {
            path: `${resourcePath(KINDS.ListenerSet, namespace, name)}/status`,
            // Conditional on the version read: a status computed from an older spec is not written over a newer one.
            patch: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status },
            basis: obj.metadata.resourceVersion,
          };
        },
      });
    }
    for (const kind of ROUTE_KINDS) {
      for (const r of this.informers.list(kind)) {
        const { namespace, name, uid } = r.metadata;
        this.statusWriter.request(`${kind}/${uid}`, {
          compute: () => {
            const obj = this.informers.get(kind, namespace, name);
            if (!obj || obj.metadata.uid !== uid || obj.metadata.deletionTimestamp) return undefined;
            const ours = this.ourRouteParents(uid);
            const parents = routeParents(obj, this.controllerName, ours);
            if (!parents) return undefined;
            if (sameIgnoringTransitionTimes(obj.status?.parents ?? [], parents)) return undefined;
            return {
              path: `${resourcePath(KINDS[kind], namespace, name)}/status`,
              // Conditional on the version read: other controllers' entries are never lost to a race.
              patch: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { parents } },
              basis: obj.metadata.resourceVersion,
            };
          },
        });
      }
    }
  }

  /**
   * EPIC's entries of ours for an object (a route's parents, a policy's ancestors) across the EPIC clusters that
   * hold it, with the client generation they describe; undefined while any of them has not yet computed status
   * for the generation sent. An object no EPIC cluster holds has no entries of ours — known only once every
   * cluster has been synced.
   */
  private ourEntries<S extends { clientUid: string; observedClientGeneration: number | null }, E>(
    uid: string,
    collection: 'routes' | 'backendTlsPolicies',
    states: (state: EpicClusterState) => readonly S[] | undefined,
    entries: (st: S) => readonly E[],
  ): { generation: number; entries: E[] } | undefined {
    const out: E[] = [];
    let generation: number | undefined;
    for (const t of this.targets.values()) {
      if (!t.lastSent?.[collection].has(uid)) continue;
      const st = t.state && states(t.state)?.find((x) => x.clientUid === uid);
      if (!st || st.observedClientGeneration === null) return undefined;
      generation = st.observedClientGeneration;
      out.push(...entries(st));
    }
    if (generation === undefined) {
      if ([...this.targets.values()].some((t) => !t.lastSent)) return undefined;
      return { generation: 0, entries: [] };
    }
    return { generation, entries: out };
  }

  private ourPolicyAncestors(uid: string) {
    // An EPIC API older than BackendTLSPolicy sync answers no such list.
    const e = this.ourEntries(
      uid,
      'backendTlsPolicies',
      (s) => s.backendTlsPolicies ?? [],
      (st) => st.ancestors,
    );
    return e && { generation: e.generation, ancestors: e.entries };
  }

  private ourRouteParents(uid: string): { generation: number; parents: EpicRouteParent[] } | undefined {
    const e = this.ourEntries(
      uid,
      'routes',
      (s) => s.routes,
      (st) => st.parents,
    );
    return e && { generation: e.generation, parents: e.entries };
  }
}
