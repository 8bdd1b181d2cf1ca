// The three non-apply patch formats: RFC 7386 merge patch, RFC 6902 JSON patch, and strategic merge patch
// (with the merge keys of the built-in fields our code patches; see docs/adr/0300-kube-testserver.md).
import { clone, deepEqual, isObject, type Json, type JsonObject } from './json.js';
import { StatusError } from './status.js';

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function patchError(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

interface Location {
  parent: JsonObject | Json[];
  key: string;
}

function locate(doc: Json, pointer: string): Location {
  if (!pointer.startsWith('/'))
    throw patchError(
      `the server rejected our request due to an error in our request: invalid JSON pointer "${pointer}"`,
    );
  const parts = pointer.slice(1).split('/').map(unescapePointer);
  let cur: Json = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (next === undefined) throw patchError(`jsonpatch: path ${pointer} does not exist`);
    cur = next;
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw patchError(`jsonpatch: path ${pointer} does not exist`);
  return { parent: cur, key: parts[parts.length - 1] as string };
}

function getAt(loc: Location, pointer: string): Json {
  const v = Array.isArray(loc.parent) ? loc.parent[Number(loc.key)] : loc.parent[loc.key];
  if (v === undefined) throw patchError(`jsonpatch: path ${pointer} does not exist`);
  return v;
}

function removeAt(loc: Location, pointer: string): Json {
  const v = getAt(loc, pointer);
  if (Array.isArray(loc.parent)) loc.parent.splice(Number(loc.key), 1);
  else delete loc.parent[loc.key];
  return v;
}

function addAt(loc: Location, value: Json, pointer: string): void {
  if (Array.isArray(loc.parent)) {
    const idx = loc.key === '-' ? loc.parent.length : Number(loc.key);
    if (!Number.isInteger(idx) || idx < 0 || idx > loc.parent.length)
      throw patchError(`jsonpatch: index out of bounds in ${pointer}`);
    loc.parent.splice(idx, 0, value);
  } else loc.parent[loc.key] = value;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw patchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw patchError('jsonpatch: malformed operation');
    const path = op.path;
    if (path === '') {
      if (op.op === 'add' || op.op === 'replace') doc = clone(op.value ?? null);
      continue;
    }
    switch (op.op) {
      case 'add':
        addAt(locate(doc, path), clone(op.value ?? null), path);
        break;
      case 'remove':
        removeAt(locate(doc, path), path);
        break;
      case 'replace': {
        const loc = locate(doc, path);
        getAt(loc, path);
        if (Array.isArray(loc.parent)) loc.parent[Number(loc.key)] = clone(op.value ?? null);
        else loc.parent[loc.key] = clone(op.value ?? null);
        break;
      }
      case 'move': {
        const from = String(op.from);
        const v = removeAt(locate(doc, from), from);
        addAt(locate(doc, path), v, path);
        break;
      }
      case 'copy': {
        const from = String(op.from);
        addAt(locate(doc, path), clone(getAt(locate(doc, from), from)), path);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(locate(doc, path), path), op.value))
          throw patchError(`testing value ${path} failed: test failed`);
        break;
      default:
        throw patchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/**
 * patchMergeKey of the built-in list fields, by field name (and parent field where the name is ambiguous).
 * `''` marks a primitive list merged as a set (patchStrategy=merge without a key).
 */
export function builtinMergeKey(path: string[]): string | undefined {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'env':
      return 'name';
    case 'ports':
      return parent === 'containers' || parent === 'initContainers' ? 'containerPort' : 'port';
    case 'volumeMounts':
      return 'mountPath';
    case 'conditions':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    case 'hostAliases':
      return 'ip';
    case 'finalizers':
      return '';
    default:
      return undefined;
  }
}

/** Strategic merge patch for built-in kinds: lists with merge keys merge by key, `$patch` directives honoured. */
export function strategicMergePatch(target: Json, patch: Json, path: string[] = []): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const original = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v))
        out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const childPath = [...path, k];
    const key = builtinMergeKey(childPath);
    const cur = out[k];
    if (Array.isArray(v) && key !== undefined && Array.isArray(cur))
      out[k] = mergeList(cur, v, key, childPath);
    else if (isObject(v)) out[k] = strategicMergePatch(cur ?? null, v, childPath);
    else out[k] = clone(v);
  }
  // mergePatchIntoOriginal: `$setElementOrder/<field>` fixes the relative order of the listed items.
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith('$setElementOrder/') || !Array.isArray(order)) continue;
    const field = k.slice('$setElementOrder/'.length);
    const key = builtinMergeKey([...path, field]);
    const merged = out[field];
    const before = original[field];
    if (key === undefined || !Array.isArray(merged)) continue;
    out[field] = normalizeElementOrder(merged, order, Array.isArray(before) ? before : [], key);
  }
  return out;
}

/**
 * strategicpatch's normalizeElementOrder + mergeSortedSlice: the items named by the patch keep the patch's
 * order, the server-only items keep the live order, and a server-only item goes before a patch item only
 * when the live list has both and it came first. So new items land ahead of the server-only items that
 * follow them: a patch adding one item to a list puts it first.
 */
function normalizeElementOrder(merged: Json[], patchOrder: Json[], serverOrder: Json[], key: string): Json[] {
  const id = (x: Json): Json | undefined => (key === '' ? x : isObject(x) ? x[key] : undefined);
  const indexIn = (list: Json[], x: Json): number => {
    const want = id(x);
    return list.findIndex((y) => !(isObject(y) && y.$patch === 'delete') && deepEqual(id(y), want));
  };
  const byOrder = (order: Json[]) => (a: Json, b: Json) => indexIn(order, a) - indexIn(order, b);
  const right = merged.filter((m) => indexIn(patchOrder, m) >= 0).sort(byOrder(patchOrder));
  const left = merged.filter((m) => indexIn(patchOrder, m) < 0).sort(byOrder(serverOrder));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] as Json);
    else if (j >= right.length) out.push(left[i++] as Json);
    else {
      const li = indexIn(serverOrder, left[i] as Json);
      const ri = indexIn(serverOrder, right[j] as Json);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as Json);
      else out.push(right[j++] as Json);
    }
  }
  return out;
}

function mergeList(cur: Json[], patch: Json[], key: string, path: string[]): Json[] {
  if (key === '') {
    const out = [...cur];
    for (const p of patch) if (!out.some((x) => deepEqual(x, p))) out.push(clone(p));
    return normalizeElementOrder(out, patch, cur, key);
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => clone(p));
  }
  const out = [...cur];
  for (const p of patch) {
    if (!isObject(p)) continue;
    const idx = out.findIndex((x) => isObject(x) && deepEqual(x[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx] ?? null, p, path);
    else out.push(strategicMergePatch(null, p, path));
  }
  return normalizeElementOrder(out, patch, cur, key);
}
