// The in-memory "etcd": objects by resource and key, one resourceVersion counter for the whole store,
// a bounded history of events for watches that resume, and synchronous fan-out so watchers see events
// in resourceVersion order.
import { isObject, str, type JsonObject } from './json.js';
import { gone } from './status.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  /** storageKey of the resource (`group/plural`). */
  resource: string;
  namespace: string;
  obj: JsonObject;
  /**
   * The object before a MODIFIED or DELETED event: selector transitions become ADDED/DELETED, and lists at
   * an older resourceVersion are rebuilt by undoing events.
   */
  prev?: JsonObject;
}

export interface StoreWatcher {
  resource: string;
  deliver(event: StoreEvent): void;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ObjectStore {
  private rv = 1;
  private readonly data = new Map<string, Map<string, JsonObject>>();
  /** Events in resourceVersion order; entries before `head` are already compacted away. */
  private history: StoreEvent[] = [];
  private head = 0;
  /** Highest resourceVersion whose event is no longer in history. */
  private compactedThrough = 0;
  private readonly watchers = new Set<StoreWatcher>();
  /** Observers of every resource (the garbage collector's graph builder). */
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /** Sorted keys per resource, rebuilt lazily after an insert or delete (lists are far more frequent). */
  private readonly sortedKeys = new Map<string, string[]>();

  constructor(private historyLimit: number) {}

  get resourceVersion(): number {
    return this.rv;
  }

  setHistoryLimit(limit: number): void {
    this.historyLimit = limit;
    this.trim();
  }

  /**
   * Forgets history up to `throughRv` (default: all of it), as an etcd compaction would: watches, exact lists
   * and continue tokens from an older resourceVersion get 410 Gone.
   */
  compact(throughRv = this.rv): void {
    const upTo = Math.min(throughRv, this.rv);
    if (upTo <= this.compactedThrough) return;
    this.compactedThrough = upTo;
    while (this.head < this.history.length && (this.history[this.head]?.rv ?? 0) <= upTo) this.head++;
    this.trim();
  }

  get(resource: string, namespace: string, name: string): JsonObject | undefined {
    return this.data.get(resource)?.get(objectKey(namespace, name));
  }

  /** Objects of a resource (in one namespace when given), ordered by namespace then name. */
  list(resource: string, namespace?: string): JsonObject[] {
    const bucket = this.data.get(resource);
    if (!bucket) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) {
      keys = [...bucket.keys()].sort();
      this.sortedKeys.set(resource, keys);
    }
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const out: JsonObject[] = [];
    for (const k of keys)
      if (prefix === undefined || k.startsWith(prefix)) out.push(bucket.get(k) as JsonObject);
    return out;
  }

  /**
   * Objects of a resource as they were at resourceVersion `rv` (what etcd serves for a read at a revision),
   * rebuilt from the current state by undoing later events; undefined when those events are compacted away.
   */
  listAt(resource: string, namespace: string | undefined, rv: number): JsonObject[] | undefined {
    if (rv >= this.rv) return this.list(resource, namespace);
    if (rv < this.compactedThrough) return undefined;
    const later = this.eventsSince(resource, rv);
    if (later.length === 0) return this.list(resource, namespace);
    const bucket = new Map(this.data.get(resource) ?? []);
    for (let i = later.length - 1; i >= 0; i--) {
      const e = later[i] as StoreEvent;
      const key = objectKey(e.namespace, str((e.obj.metadata as JsonObject | undefined)?.name) ?? '');
      if (e.type === 'ADDED') bucket.delete(key);
      else if (e.prev) bucket.set(key, e.prev);
    }
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    return [...bucket.keys()]
      .filter((k) => prefix === undefined || k.startsWith(prefix))
      .sort()
      .map((k) => bucket.get(k) as JsonObject);
  }

  /** The lowest resourceVersion still readable (reads at an older one get 410). */
  get oldestReadable(): number {
    return this.compactedThrough;
  }

  namespacesInUse(resource: string): Set<string> {
    const out = new Set<string>();
    for (const k of this.data.get(resource)?.keys() ?? []) out.add(k.slice(0, k.indexOf('/')));
    return out;
  }

  resources(): string[] {
    return [...this.data.keys()];
  }

  /** Stores `obj` (taking ownership of it) under a new resourceVersion and notifies watchers. */
  put(resource: string, namespace: string, name: string, obj: JsonObject): JsonObject {
    const bucket = this.data.get(resource) ?? new Map<string, JsonObject>();
    this.data.set(resource, bucket);
    const key = objectKey(namespace, name);
    const prev = bucket.get(key);
    if (!prev) this.sortedKeys.delete(resource);
    const rv = ++this.rv;
    const meta = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
    meta.resourceVersion = String(rv);
    bucket.set(key, obj);
    this.record({
      rv,
      type: prev ? 'MODIFIED' : 'ADDED',
      resource,
      namespace,
      obj,
      ...(prev ? { prev } : {}),
    });
    return obj;
  }

  remove(resource: string, namespace: string, name: string): JsonObject | undefined {
    const bucket = this.data.get(resource);
    const key = objectKey(namespace, name);
    const prev = bucket?.get(key);
    if (!bucket || !prev) return undefined;
    bucket.delete(key);
    this.sortedKeys.delete(resource);
    const rv = ++this.rv;
    const obj: JsonObject = {
      ...prev,
      metadata: { ...(prev.metadata as JsonObject), resourceVersion: String(rv) },
    };
    this.record({ rv, type: 'DELETED', resource, namespace, obj, prev });
    return obj;
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    this.trim();
    for (const w of this.watchers) if (w.resource === event.resource) w.deliver(event);
    for (const l of this.listeners) l(event);
  }

  private trim(): void {
    const excess = this.history.length - this.head - this.historyLimit;
    if (excess > 0) {
      this.head += excess;
      this.compactedThrough = Math.max(this.compactedThrough, this.history[this.head - 1]?.rv ?? 0);
    }
    // Drop the compacted prefix in batches rather than shifting the array on every write.
    if (this.head > 1024 && this.head * 2 > this.history.length) {
      this.history = this.history.slice(this.head);
      this.head = 0;
    }
  }

  /** Events of `resource` after `rv`, or 410 Gone when some of them were compacted away. */
  eventsSince(resource: string, rv: number): StoreEvent[] {
    if (rv < this.compactedThrough) {
      throw gone(`too old resource version: ${rv} (${this.compactedThrough + 1})`);
    }
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.history[mid]?.rv ?? 0) > rv) hi = mid;
      else lo = mid + 1;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.history.length; i++) {
      const e = this.history[i] as StoreEvent;
      if (e.resource === resource) out.push(e);
    }
    return out;
  }

  /** Calls `listener` synchronously after every write, of any resource. */
  addListener(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  addWatcher(w: StoreWatcher): () => void {
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }
}
