// The garbage collector of kube-controller-manager, inline: a graph of ownerReferences built from every store
// event, and a queue of objects to look at again (pkg/controller/garbagecollector). It runs after the write
// that made it necessary (setImmediate), like the real one runs after the API call, and writes only through
// the API semantics (deletes with a UID precondition and a propagation policy, metadata updates).
//
// - Background: the owner goes at once; its dependents are then found dangling and deleted.
// - Foreground: the owner keeps `foregroundDeletion` until every dependent whose reference has
//   `blockOwnerDeletion: true` is gone; all dependents are deleted (those with dependents of their own in
//   foreground too).
// - Orphan: the owner keeps `orphan` until its references are removed from every dependent.
// - A reference whose owner is absent or has another uid is dangling; an object whose references are all
//   dangling (or waiting for foreground deletion) is deleted, one with a solid owner only loses the others.
// - A reference to a kind that is not served cannot be resolved: like the real collector (which retries with
//   backoff), the object is left alone and looked at again when a CRD changes. Kinds resolved once stay
//   known (the collector's RESTMapper is a cache), so dependents of a deleted CRD's objects are collected.
// - A reference from a cluster-scoped object to a namespaced kind is invalid and never collected.
import { isObject, str, type JsonObject } from './json.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { storageKey, type ResourceType } from './resource-types.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** What the collector needs from the API: resolving kinds, deleting and rewriting metadata as a client would. */
export interface CollectorApi {
  typeForStorage(resource: string): ResourceType | undefined;
  typeForOwner(apiVersion: string, kind: string): ResourceType | undefined;
  /** DELETE with a UID precondition and a propagation policy; does nothing when the uid no longer matches. */
  collect(type: ResourceType, namespace: string, name: string, uid: string, policy: PropagationPolicy): void;
  /** Rewrites the metadata of the object with `uid`; `mutate` returns false when nothing needs to change. */
  updateMetadata(
    type: ResourceType,
    namespace: string,
    name: string,
    uid: string,
    mutate: (meta: JsonObject) => boolean,
  ): void;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion: boolean;
}

function metaOf(obj: JsonObject): JsonObject {
  return isObject(obj.metadata) ? obj.metadata : {};
}

export function ownerRefsOf(obj: JsonObject): OwnerRef[] {
  const refs = metaOf(obj).ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(isObject).map((r) => ({
    apiVersion: str(r.apiVersion) ?? '',
    kind: str(r.kind) ?? '',
    name: str(r.name) ?? '',
    uid: str(r.uid) ?? '',
    blockOwnerDeletion: r.blockOwnerDeletion === true,
  }));
}

export function finalizersOf(obj: JsonObject): string[] {
  const f = metaOf(obj).finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [];
}

function locatorKey(resource: string, namespace: string, name: string): string {
  return `${resource}\n${namespace}\n${name}`;
}

const CRD_RESOURCE = 'apiextensions.k8s.io/customresourcedefinitions';

/** Objects processed per turn of the event loop before yielding to I/O. */
const BATCH = 500;

export class GarbageCollector {
  /** Owner uid → keys of the objects that reference it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** Object key → the owner uids it references. */
  private readonly ownersOf = new Map<string, string[]>();
  private readonly keyByUid = new Map<string, string>();
  private readonly queue = new Set<string>();
  /**
   * Kinds resolved once stay resolvable, like the collector's cached RESTMapper: dependents of objects whose
   * CRD was just deleted are still found dangling and collected.
   */
  private readonly knownKinds = new Map<string, ResourceType>();
  /** Objects skipped because an owner kind was not served; retried whenever a CRD changes. */
  private readonly unresolved = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly api: CollectorApi,
  ) {
    this.unsubscribe = store.addListener((e) => this.observe(e));
  }

  /** Resolves once nothing is left to collect (at once when idle). */
  idle(): Promise<void> {
    if (this.queue.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.queue.clear();
    this.wakeIdle();
  }

  private observe(e: StoreEvent): void {
    const m = metaOf(e.obj);
    const uid = str(m.uid) ?? '';
    const key = locatorKey(e.resource, e.namespace, str(m.name) ?? '');
    const before = this.ownersOf.get(key) ?? [];
    if (e.resource === CRD_RESOURCE) {
      for (const k of this.unresolved) this.enqueue(k);
      this.unresolved.clear();
    }
    if (e.type === 'DELETED') {
      this.unresolved.delete(key);
      if (uid && this.keyByUid.get(uid) === key) this.keyByUid.delete(uid);
      this.setOwners(key, []);
      // Owners waiting in foreground may be free now; dependents may be dangling now.
      for (const o of before) this.enqueueUid(o);
      for (const d of this.dependents.get(uid) ?? []) this.enqueue(d);
      return;
    }
    if (uid) this.keyByUid.set(uid, key);
    const owners = [...new Set(ownerRefsOf(e.obj).map((r) => r.uid))];
    this.setOwners(key, owners);
    const finalizers = finalizersOf(e.obj);
    if (
      owners.length > 0 ||
      (m.deletionTimestamp &&
        (finalizers.includes(FINALIZER_ORPHAN) || finalizers.includes(FINALIZER_FOREGROUND)))
    )
      this.enqueue(key);
    for (const o of new Set([...before, ...owners])) this.enqueueUid(o);
  }

  private setOwners(key: string, owners: string[]): void {
    for (const o of this.ownersOf.get(key) ?? []) {
      const set = this.dependents.get(o);
      set?.delete(key);
      if (set?.size === 0) this.dependents.delete(o);
    }
    if (owners.length === 0) this.ownersOf.delete(key);
    else this.ownersOf.set(key, owners);
    for (const o of owners) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(key);
    }
  }

  private enqueueUid(uid: string): void {
    const key = this.keyByUid.get(uid);
    if (key) this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    for (let n = 0; n < BATCH && this.queue.size > 0 && !this.stopped; n++) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
      try {
        this.process(key);
      } catch {
        // A refused write (the object changed meanwhile) is retried when its next event arrives.
      }
    }
    if (this.queue.size > 0 && !this.stopped) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    } else if (!this.scheduled) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private locate(key: string): { type: ResourceType; ns: string; name: string; obj: JsonObject } | undefined {
    const [resource = '', ns = '', name = ''] = key.split('\n');
    const obj = this.store.get(resource, ns, name);
    const type = this.api.typeForStorage(resource);
    return obj && type ? { type, ns, name, obj } : undefined;
  }

  private process(key: string): void {
    const found = this.locate(key);
    if (!found) return;
    const { type, ns, name, obj } = found;
    const m = metaOf(obj);
    const uid = str(m.uid) ?? '';
    const finalizers = finalizersOf(obj);
    if (m.deletionTimestamp) {
      if (finalizers.includes(FINALIZER_ORPHAN)) this.orphanDependents(type, ns, name, uid);
      else if (finalizers.includes(FINALIZER_FOREGROUND)) this.deleteDependents(type, ns, name, uid);
      // Anything else being deleted waits for its own finalizers.
      return;
    }
    const refs = ownerRefsOf(obj);
    if (refs.length === 0) return;
    const solid: string[] = [];
    const dangling: string[] = [];
    const waiting: string[] = [];
    for (const ref of refs) {
      const ownerType = this.ownerType(ref);
      if (!ownerType) {
        this.unresolved.add(key);
        return;
      }
      if (ownerType.namespaced && !type.namespaced) return;
      const owner = this.store.get(storageKey(ownerType), ownerType.namespaced ? ns : '', ref.name);
      if (!owner || metaOf(owner).uid !== ref.uid) dangling.push(ref.uid);
      else if (metaOf(owner).deletionTimestamp && finalizersOf(owner).includes(FINALIZER_FOREGROUND))
        waiting.push(ref.uid);
      else solid.push(ref.uid);
    }
    if (solid.length > 0) {
      const drop = new Set([...dangling, ...waiting]);
      if (drop.size > 0) this.removeOwnerRefs(type, ns, name, uid, drop);
      return;
    }
    let policy: PropagationPolicy;
    if (waiting.length > 0 && (this.dependents.get(uid)?.size ?? 0) > 0) policy = 'Foreground';
    else if (finalizers.includes(FINALIZER_ORPHAN)) policy = 'Orphan';
    else if (finalizers.includes(FINALIZER_FOREGROUND)) policy = 'Foreground';
    else policy = 'Background';
    this.api.collect(type, ns, name, uid, policy);
  }

  private ownerType(ref: OwnerRef): ResourceType | undefined {
    const id = `${ref.apiVersion}/${ref.kind}`;
    const served = this.api.typeForOwner(ref.apiVersion, ref.kind);
    if (served) this.knownKinds.set(id, served);
    return served ?? this.knownKinds.get(id);
  }

  private dependentsOf(uid: string): { type: ResourceType; ns: string; name: string; obj: JsonObject }[] {
    const out = [];
    for (const key of this.dependents.get(uid) ?? []) {
      const d = this.locate(key);
      if (d) out.push(d);
    }
    return out;
  }

  /** attemptToOrphan: drop the owner from every dependent, then the `orphan` finalizer from the owner. */
  private orphanDependents(type: ResourceType, ns: string, name: string, uid: string): void {
    for (const d of this.dependentsOf(uid))
      this.removeOwnerRefs(d.type, d.ns, d.name, str(metaOf(d.obj).uid) ?? '', new Set([uid]));
    this.removeFinalizer(type, ns, name, uid, FINALIZER_ORPHAN);
  }

  /** processDeletingDependentsItem: collect the dependents, then let the owner go once none blocks it. */
  private deleteDependents(type: ResourceType, ns: string, name: string, uid: string): void {
    const deps = this.dependentsOf(uid);
    const blocking = deps.filter((d) =>
      ownerRefsOf(d.obj).some((r) => r.uid === uid && r.blockOwnerDeletion),
    );
    if (blocking.length === 0) {
      this.removeFinalizer(type, ns, name, uid, FINALIZER_FOREGROUND);
      return;
    }
    for (const d of deps) this.enqueue(locatorKey(storageKey(d.type), d.ns, d.name));
  }

  private removeOwnerRefs(
    type: ResourceType,
    ns: string,
    name: string,
    uid: string,
    drop: Set<string>,
  ): void {
    this.api.updateMetadata(type, ns, name, uid, (m) => {
      const refs = Array.isArray(m.ownerReferences) ? m.ownerReferences : [];
      const kept = refs.filter((r) => !(isObject(r) && drop.has(str(r.uid) ?? '')));
      if (kept.length === refs.length) return false;
      if (kept.length === 0) delete m.ownerReferences;
      else m.ownerReferences = kept;
      return true;
    });
  }

  private removeFinalizer(
    type: ResourceType,
    ns: string,
    name: string,
    uid: string,
    finalizer: string,
  ): void {
    this.api.updateMetadata(type, ns, name, uid, (m) => {
      const f = Array.isArray(m.finalizers) ? m.finalizers : [];
      if (!f.includes(finalizer)) return false;
      const kept = f.filter((x) => x !== finalizer);
      if (kept.length === 0) delete m.finalizers;
      else m.finalizers = kept;
      return true;
    });
  }
}
