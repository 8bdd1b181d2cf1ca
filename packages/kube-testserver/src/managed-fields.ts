// Server-side apply and managedFields, modelled on structured-merge-diff: field sets of member paths,
// ownership per (manager, operation, subresource), conflicts when another owner holds a differing value.
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.js';
import { builtinMergeKey } from './patch.js';
import { StatusError } from './status.js';

type ListKind = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** What we know of a field's type: the CRD schema where there is one, the built-in table otherwise. */
export class Shape {
  constructor(
    private readonly schema: JsonObject | undefined,
    private readonly path: string[],
  ) {}

  child(key: string): Shape {
    const path = [...this.path, key];
    if (this.path.length === 0 && key === 'metadata') return new Shape(undefined, path);
    const s = this.schema;
    if (!s) return new Shape(undefined, path);
    const props = isObject(s.properties) ? s.properties : undefined;
    const sub = props?.[key];
    if (isObject(sub)) return new Shape(sub, path);
    if (isObject(s.additionalProperties)) return new Shape(s.additionalProperties, path);
    return new Shape(undefined, path);
  }

  item(): Shape {
    const s = this.schema;
    return new Shape(s && isObject(s.items) ? s.items : undefined, this.path);
  }

  list(): ListKind {
    const s = this.schema;
    if (s) {
      const t = s['x-kubernetes-list-type'];
      if (t === 'set') return { type: 'set' };
      if (t === 'map' && Array.isArray(s['x-kubernetes-list-map-keys'])) {
        return {
          type: 'map',
          keys: s['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string'),
        };
      }
      return { type: 'atomic' };
    }
    const key = builtinMergeKey(this.path);
    if (key === '') return { type: 'set' };
    if (key === undefined) return { type: 'atomic' };
    if (key === 'containerPort' || key === 'port') return { type: 'map', keys: [key, 'protocol'] };
    return { type: 'map', keys: [key] };
  }

  atomicMap(): boolean {
    const s = this.schema;
    return (
      !!s &&
      (s['x-kubernetes-map-type'] === 'atomic' ||
        (s['x-kubernetes-preserve-unknown-fields'] === true && !isObject(s.properties)))
    );
  }
}

const SEP = '\u0000';

/** Fields never owned: identity and server-populated metadata (structured-merge-diff's ignored fields). */
const ignoredMeta = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'generateName',
]);

function itemKey(item: Json, list: ListKind): string | undefined {
  if (list.type === 'set') return `v:${JSON.stringify(item)}`;
  if (list.type === 'map' && isObject(item)) {
    const k: JsonObject = {};
    for (const name of list.keys) if (item[name] !== undefined) k[name] = item[name] as Json;
    return `k:${JSON.stringify(k)}`;
  }
  return undefined;
}

/** Whether live item `x` is the item `applied` names: equal set values, or equal values for the keys it sets. */
function sameItem(x: Json, applied: Json, list: ListKind): boolean {
  if (list.type === 'set') return deepEqual(x, applied);
  if (list.type !== 'map' || !isObject(x) || !isObject(applied)) return false;
  return list.keys.every((k) => applied[k] === undefined || deepEqual(x[k], applied[k]));
}

/** Member paths of every field set in `value` (leaves, list items, empty maps). */
export function fieldSet(value: JsonObject, shape: Shape, skipStatus: boolean): Set<string> {
  const out = new Set<string>();
  const walk = (v: Json, s: Shape, prefix: string[], isItem: boolean): void => {
    if (isObject(v) && !s.atomicMap()) {
      const keys = Object.keys(v);
      if (isItem || keys.length === 0) out.add(prefix.join(SEP));
      for (const k of keys) {
        if (prefix.length === 0 && (k === 'apiVersion' || k === 'kind' || (skipStatus && k === 'status')))
          continue;
        if (prefix.length === 1 && prefix[0] === 'f:metadata' && ignoredMeta.has(k)) continue;
        walk(v[k] as Json, s.child(k), [...prefix, `f:${k}`], false);
      }
      if (prefix.length === 1 && prefix[0] === 'f:metadata' && keys.every((k) => ignoredMeta.has(k)))
        out.delete('f:metadata');
      return;
    }
    if (Array.isArray(v)) {
      const lk = s.list();
      if (lk.type !== 'atomic') {
        for (const item of v) {
          const key = itemKey(item, lk);
          if (key) walk(item, s.item(), [...prefix, key], true);
        }
        if (v.length === 0) out.add(prefix.join(SEP));
        return;
      }
    }
    out.add(prefix.join(SEP));
  };
  walk(value, shape, [], false);
  out.delete('');
  return out;
}

/** The value at a member path, or undefined. */
function valueAt(obj: Json, path: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const el of path.split(SEP)) {
    if (cur === undefined) return undefined;
    if (el.startsWith('f:')) cur = isObject(cur) ? cur[el.slice(2)] : undefined;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as JsonObject;
      cur = Array.isArray(cur)
        ? cur.find((x) => isObject(x) && Object.entries(key).every(([k, v]) => deepEqual(x[k], v)))
        : undefined;
    } else if (el.startsWith('v:')) {
      const want = JSON.parse(el.slice(2)) as Json;
      cur = Array.isArray(cur) ? cur.find((x) => deepEqual(x, want)) : undefined;
    } else return undefined;
  }
  return cur;
}

function removeAt(obj: JsonObject, path: string): void {
  const els = path.split(SEP);
  let cur: Json | undefined = obj;
  for (let i = 0; i < els.length; i++) {
    const el = els[i] as string;
    const last = i === els.length - 1;
    if (el.startsWith('f:')) {
      if (!isObject(cur)) return;
      if (last) delete cur[el.slice(2)];
      else cur = cur[el.slice(2)];
    } else {
      if (!Array.isArray(cur)) return;
      const arr: Json[] = cur;
      const idx = el.startsWith('k:')
        ? arr.findIndex(
            (x) =>
              isObject(x) &&
              Object.entries(JSON.parse(el.slice(2)) as JsonObject).every(([k, v]) => deepEqual(x[k], v)),
          )
        : arr.findIndex((x) => deepEqual(x, JSON.parse(el.slice(2)) as Json));
      if (idx < 0) return;
      if (last) arr.splice(idx, 1);
      else cur = arr[idx];
    }
  }
}

/** fieldpath.Path.String(): `.spec.containers[name="nginx"].image`. */
export function pathString(path: string): string {
  return path
    .split(SEP)
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      if (el.startsWith('k:')) {
        const key = JSON.parse(el.slice(2)) as JsonObject;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      return `[=${el.slice(2)}]`;
    })
    .join('');
}

export function toFieldsV1(set: Set<string>): JsonObject {
  const root: JsonObject = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const el of path.split(SEP)) {
      const next = node[el];
      node = isObject(next) ? next : (node[el] = {});
    }
    if (Object.keys(node).length > 0) node['.'] = {};
    else node['\u0001member'] = true;
  }
  // Second pass: a member that later got children is marked with ".", as FieldsV1 does.
  const finish = (n: JsonObject): JsonObject => {
    const out: JsonObject = {};
    const member = n['\u0001member'] === true || isObject(n['.']);
    const children = Object.entries(n).filter(([k]) => k !== '\u0001member' && k !== '.');
    if (member && children.length > 0) out['.'] = {};
    for (const [k, v] of children) out[k] = finish(v as JsonObject);
    return out;
  };
  return finish(root);
}

export function fromFieldsV1(fields: Json | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (n: Json | undefined, prefix: string[]): void => {
    if (!isObject(n)) return;
    const keys = Object.keys(n);
    if (keys.length === 0 || keys.includes('.')) out.add(prefix.join(SEP));
    for (const k of keys) if (k !== '.') walk(n[k], [...prefix, k]);
  };
  walk(fields, []);
  out.delete('');
  return out;
}

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: Set<string>;
}

export function readManaged(obj: JsonObject): ManagedEntry[] {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const list = Array.isArray(meta.managedFields) ? meta.managedFields.filter(isObject) : [];
  return list.map((e) => ({
    manager: typeof e.manager === 'string' ? e.manager : '',
    operation: e.operation === 'Apply' ? 'Apply' : 'Update',
    apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
    time: typeof e.time === 'string' ? e.time : '',
    ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
    fields: fromFieldsV1(e.fieldsV1),
  }));
}

export function writeManaged(obj: JsonObject, entries: ManagedEntry[]): void {
  const meta = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  const kept = entries.filter((e) => e.fields.size > 0);
  if (kept.length === 0) {
    delete meta.managedFields;
    return;
  }
  meta.managedFields = kept.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(e.fields),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

function sameEntry(
  e: ManagedEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
): boolean {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

/** Merges an applied configuration into the live object following the list and map types of `shape`. */
function mergeApplied(live: Json | undefined, applied: Json, shape: Shape): Json {
  if (isObject(applied) && isObject(live) && !shape.atomicMap()) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, shape.child(k));
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const lk = shape.list();
    if (lk.type === 'atomic') return clone(applied);
    const out = [...live];
    for (const item of applied) {
      const idx = out.findIndex((x) => sameItem(x, item, lk));
      if (idx >= 0) out[idx] = mergeApplied(out[idx], item, shape.item());
      else out.push(clone(item));
    }
    return out;
  }
  return clone(applied);
}

export interface ApplyRequest {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  apiVersion: string;
  force: boolean;
  shape: Shape;
  subresource: string | undefined;
  now: string;
}

/** Server-side apply: returns the merged object with managedFields updated, or throws a 409 naming conflicts. */
export function serverSideApply(req: ApplyRequest): JsonObject {
  const { live, applied, manager, shape } = req;
  const skipStatus = req.subresource === undefined;
  const newSet = fieldSet(applied, shape, false);
  if (req.subresource === 'status')
    for (const p of [...newSet]) if (!p.startsWith('f:status')) newSet.delete(p);
  if (skipStatus) for (const p of [...newSet]) if (p.startsWith('f:status')) newSet.delete(p);
  const entries = live ? readManaged(live) : [];
  const conflicts: { manager: string; apiVersion: string; path: string; entry: ManagedEntry }[] = [];
  for (const e of entries) {
    if (sameEntry(e, manager, 'Apply', req.subresource)) continue;
    for (const p of newSet) {
      // A list item's own membership never conflicts; its fields do.
      if (p.slice(p.lastIndexOf(SEP) + 1).startsWith('k:')) continue;
      if (e.fields.has(p) && !deepEqual(valueAt(live ?? null, p), valueAt(applied, p))) {
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p, entry: e });
      }
    }
  }
  if (conflicts.length > 0 && !req.force) throw conflictError(conflicts);
  for (const c of conflicts) c.entry.fields.delete(c.path);

  const mine = entries.find((e) => sameEntry(e, manager, 'Apply', req.subresource));
  let base: JsonObject = live ? clone(live) : {};
  if (mine) {
    const others = entries.filter((e) => e !== mine);
    const ownedByOthers = (p: string): boolean =>
      others.some((e) => [...e.fields].some((q) => q === p || q.startsWith(p + SEP)));
    const removed = [...mine.fields]
      .filter((p) => !newSet.has(p) && !ownedByOthers(p))
      .sort((a, b) => a.length - b.length);
    for (const p of removed) removeAt(base, p);
  }
  base = mergeApplied(base, applied, shape) as JsonObject;
  const entry: ManagedEntry = {
    manager,
    operation: 'Apply',
    apiVersion: req.apiVersion,
    time: req.now,
    ...(req.subresource ? { subresource: req.subresource } : {}),
    fields: newSet,
  };
  const next = mine ? entries.map((e) => (e === mine ? entry : e)) : [...entries, entry];
  writeManaged(base, next);
  return base;
}

function conflictError(conflicts: { manager: string; apiVersion: string; path: string }[]): StatusError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const k = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(k, [...(byManager.get(k) ?? []), pathString(c.path)]);
  }
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0] as { manager: string; apiVersion: string; path: string };
    message = `Apply failed with 1 conflict: conflict with "${c.manager}" using ${c.apiVersion}: ${pathString(c.path)}`;
  } else {
    const parts = [...byManager].map(([who, paths]) =>
      paths.length === 1
        ? `conflict with ${who}: ${paths[0]}`
        : `conflicts with ${who}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
    );
    message = `Apply failed with ${conflicts.length} conflicts: ${parts.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with "${c.manager}" using ${c.apiVersion}`,
      field: pathString(c.path),
    })),
  });
}

/** Records a non-apply write: the writer takes the fields it changed; removed fields lose every owner. */
export function trackUpdate(
  oldObj: JsonObject | undefined,
  newObj: JsonObject,
  manager: string,
  apiVersion: string,
  shape: Shape,
  subresource: string | undefined,
  now: string,
): void {
  const entries = oldObj ? readManaged(oldObj) : [];
  const before = oldObj ? fieldSet(oldObj, shape, false) : new Set<string>();
  const after = fieldSet(newObj, shape, false);
  const changed = new Set<string>();
  for (const p of after) {
    if (!before.has(p) || !deepEqual(valueAt(oldObj ?? null, p), valueAt(newObj, p))) changed.add(p);
  }
  for (const e of entries) {
    for (const p of [...e.fields]) if (!after.has(p) || changed.has(p)) e.fields.delete(p);
  }
  if (changed.size > 0) {
    let mine = entries.find((e) => sameEntry(e, manager, 'Update', subresource));
    if (!mine) {
      mine = {
        manager,
        operation: 'Update',
        apiVersion,
        time: now,
        ...(subresource ? { subresource } : {}),
        fields: new Set(),
      };
      entries.push(mine);
    }
    mine.time = now;
    mine.apiVersion = apiVersion;
    for (const p of changed) mine.fields.add(p);
  }
  writeManaged(newObj, entries);
}
