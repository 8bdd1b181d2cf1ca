import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { isNotFound, type KubeClient } from './kube-client.js';
import { KINDS, OPTIONAL_KINDS, resourcePath, type KindName, type KubeObject } from './resources.js';

export type InformerEvent = 'add' | 'update' | 'delete';
export interface InformerLog {
  warn(obj: object, msg: string): void;
}

/**
 * One client-node ListWatch per kind: list, then watch from the list's resourceVersion; a 410 Gone makes
 * ListWatch relist (and report what vanished as deletes). A watch or list that fails is restarted after a
 * backoff with full jitter (ListWatch itself stops on errors).
 */
export class Informers {
  private readonly watches = new Map<KindName, ListWatch<KubernetesObject>>();
  private readonly failures = new Map<KindName, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Lists made (the first of each kind, then one per relist after 410 Gone or a failure). */
  lists = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly kube: KubeClient,
    private readonly onEvent: (kind: KindName, event: InformerEvent, obj: KubeObject) => void,
    private readonly log: InformerLog,
    private readonly backoff = { baseMs: 200, maxMs: 30_000 },
    private readonly onRequest?: (method: string, path: string) => void,
  ) {}

  /** Starts every informer; resolves once each has listed once (its cache is complete). */
  async start(): Promise<void> {
    const onRequest = this.onRequest;
    const watch = onRequest
      ? new (class extends Watch {
          override watch(...args: Parameters<Watch['watch']>) {
            onRequest('WATCH', args[0]);
            return super.watch(...args);
          }
        })(this.kc)
      : new Watch(this.kc);
    const synced: Promise<void>[] = [];
    for (const name of Object.keys(KINDS) as KindName[]) {
      const path = resourcePath(KINDS[name]);
      let markSynced!: () => void;
      synced.push(new Promise<void>((r) => (markSynced = r)));
      const list = async () => {
        this.lists++;
        const l = (await this.kube.get(path).catch((e: unknown) => {
          // A CRD not installed: synced as empty; the watch that follows fails and the kind is listed again.
          if (OPTIONAL_KINDS.has(name) && isNotFound(e))
            return { apiVersion: 'v1', kind: 'List', metadata: {}, items: [] };
          throw e;
        })) as KubernetesListObject<KubernetesObject>;
        this.failures.set(name, 0);
        // ListWatch fills its cache right after this promise resolves, in the same task.
        setImmediate(markSynced);
        return l;
      };
      const lw = new ListWatch<KubernetesObject>(path, watch, list, false);
      // The objects are JSON as served (timestamps are strings): KubeObject says so.
      lw.on('add', (o) => this.onEvent(name, 'add', o as unknown as KubeObject));
      lw.on('update', (o) => this.onEvent(name, 'update', o as unknown as KubeObject));
      lw.on('delete', (o) => this.onEvent(name, 'delete', o as unknown as KubeObject));
      lw.on('error', (err: unknown) => this.restart(name, lw, err));
      this.watches.set(name, lw);
      void lw.start();
    }
    await Promise.all(synced);
  }

  private restart(name: KindName, lw: ListWatch<KubernetesObject>, err: unknown): void {
    if (this.stopped) return;
    const n = (this.failures.get(name) ?? 0) + 1;
    this.failures.set(name, n);
    const delay = Math.round(
      Math.random() * Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (n - 1)),
    );
    this.log.warn({ kind: name, attempt: n, delayMs: delay, err: String(err) }, 'watch failed; restarting');
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) void lw.start();
    }, delay);
    this.timers.add(t);
  }

  list(kind: KindName, namespace?: string): KubeObject[] {
    return [...(this.watches.get(kind)?.list(namespace) ?? [])] as unknown as KubeObject[];
  }

  get(kind: KindName, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.watches.get(kind)?.get(name, KINDS[kind].namespaced ? namespace : undefined) as
      KubeObject | undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const lw of this.watches.values()) void lw.stop();
  }
}
