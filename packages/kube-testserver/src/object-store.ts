// The in-memory "etcd": objects by resource and key, one resourceVersion counter for the whole store,
// a bounded history of events for watches that resume, and synchronous fan-out so watchers see events
// in resourceVersion order.
import { isObject, type JsonObject } from './json.js';
import { gone } from './status.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  type: EventType;
  /** storageKey of the resource (`group/plural`). */
  resource: string;
  namespace: string;
  obj: JsonObject;
  /** The object before a MODIFIED event, to turn selector transitions into ADDED/DELETED. */
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

  /** Forgets all history, as an etcd compaction would: watches from any older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedThrough = this.rv;
    this.history = [];
    this.head = 0;
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
    this.record({ rv, type: 'DELETED', resource, namespace, obj });
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
