// The fleet pods of the EPIC cluster, kept by one list-then-watch across namespaces (the provisioner's owner
// labels): the provisioner reads a gateway's pods from here instead of listing them on every reconcile, and a pod
// appearing, going, becoming Ready or moving host queues a reconcile of its gateway at once (no polling).
import type { Logger } from 'pino';
import { LABEL_GATEWAY_ID, ownerSelector } from '@epic/infra-translator';
import { KubeError, type KubeClient } from './kube-client.js';

export interface WatchedPod {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    deletionTimestamp?: string;
  };
  status?: { hostIP?: string; conditions?: { type: string; status: string }[] };
}

/** What of a pod the provisioner records: a change of it queues a reconcile of the pod's gateway. */
const viewOf = (p: WatchedPod) =>
  `${p.status?.hostIP ?? ''}|${(p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')}`;

export interface FleetPodWatchOptions {
  client: Pick<KubeClient, 'listWithVersion' | 'watch'>;
  log: Logger;
  /** Gateways whose pods changed (batched per event burst). */
  onChange: (gatewayIds: string[]) => void;
  /** Wait before listing again after a failure (default 1 s, doubling to 30 s). */
  retryMs?: number;
}

export class FleetPodWatch {
  /** gateway id → pod key (namespace/name) → pod. */
  private readonly byGateway = new Map<string, Map<string, WatchedPod>>();
  /** pod key → the gateway it is filed under. */
  private readonly gatewayOf = new Map<string, string>();
  private synced = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private pending = new Set<string>();
  private flushScheduled = false;

  constructor(private readonly opts: FleetPodWatchOptions) {}

  /** The gateway's pods, or undefined while the watch is not in sync (the caller lists them itself). */
  podsOf(gatewayId: string): WatchedPod[] | undefined {
    if (!this.synced) return undefined;
    return [...(this.byGateway.get(gatewayId)?.values() ?? [])];
  }

  get inSync(): boolean {
    return this.synced;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const base = this.opts.retryMs ?? 1000;
    let delay = base;
    while (!this.abort.signal.aborted) {
      try {
        let rv = await this.relist();
        delay = base;
        // Watch from the list's resourceVersion; a stream the server ends is resumed from the last event seen.
        for (;;) {
          if (this.abort.signal.aborted) return;
          const q = new URLSearchParams({
            watch: 'true',
            labelSelector: ownerSelector(),
            resourceVersion: rv,
            allowWatchBookmarks: 'true',
          });
          let gone = false;
          await this.opts.client.watch(
            `/api/v1/pods?${q.toString()}`,
            (e) => {
              const obj = e.object as unknown as WatchedPod & { code?: number };
              if (e.type === 'ERROR') {
                gone = true;
                return;
              }
              if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
              if (e.type === 'BOOKMARK') return;
              this.apply(e.type, obj);
            },
            { signal: this.abort.signal },
          );
          if (gone) break; // 410 Gone (or another error event): list again
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.synced = false;
        const status = err instanceof KubeError ? err.status : undefined;
        this.opts.log.warn({ err, status, delayMs: delay }, 'fleet pod watch failed; listing again');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** Lists every fleet pod; gateways whose pods differ from what the cache held are reported. */
  private async relist(): Promise<string> {
    const r = await this.opts.client.listWithVersion<WatchedPod>('v1', 'Pod', ownerSelector());
    const before = new Map(
      [...this.byGateway].map(([id, pods]) => [id, new Map([...pods].map(([k, p]) => [k, viewOf(p)]))]),
    );
    this.byGateway.clear();
    this.gatewayOf.clear();
    for (const p of r.items) this.put(p);
    for (const id of new Set([...before.keys(), ...this.byGateway.keys()])) {
      const was = before.get(id) ?? new Map<string, string>();
      const now = this.byGateway.get(id) ?? new Map<string, WatchedPod>();
      const same = was.size === now.size && [...now].every(([k, p]) => was.get(k) === viewOf(p));
      if (!same || !this.synced) this.changed(id);
    }
    this.synced = true;
    return r.resourceVersion;
  }

  private put(p: WatchedPod): string | undefined {
    const id = p.metadata.labels?.[LABEL_GATEWAY_ID];
    if (!id) return undefined;
    let pods = this.byGateway.get(id);
    if (!pods) this.byGateway.set(id, (pods = new Map()));
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    pods.set(key, p);
    this.gatewayOf.set(key, id);
    return id;
  }

  private apply(type: string, p: WatchedPod): void {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    // The gateway the pod was filed under (labels may have changed since).
    let was: { id: string; view: string } | undefined;
    const filed = this.gatewayOf.get(key);
    const pods = filed === undefined ? undefined : this.byGateway.get(filed);
    const old = pods?.get(key);
    if (filed !== undefined && pods && old) {
      was = { id: filed, view: viewOf(old) };
      pods.delete(key);
      if (pods.size === 0) this.byGateway.delete(filed);
    }
    this.gatewayOf.delete(key);
    const id = type === 'DELETED' ? undefined : this.put(p);
    if (was && was.id !== id) this.changed(was.id);
    if (id && (!was || was.id !== id || was.view !== viewOf(p))) this.changed(id);
  }

  private changed(gatewayId: string): void {
    this.pending.add(gatewayId);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const ids = [...this.pending];
      this.pending = new Set();
      if (ids.length) this.opts.onChange(ids);
    });
  }
}
