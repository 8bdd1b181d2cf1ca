// JSON value helpers: the store keeps objects as plain JSON so that what a client sends is what it gets back.
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A body that is plain JSON, parsed with JSON.parse; undefined when it is not JSON or names a key twice in one
 * object (JSON.parse keeps the last, a YAML parser refuses it: the caller's YAML path answers that). JSON is YAML,
 * so the result is what the YAML parser would give, at a fraction of its cost (clients send apply patches as
 * JSON).
 */
export function parseJsonOnly(text: string): Json | undefined {
  if (!/^\s*[[{]/.test(text)) return undefined;
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  return keysInText(text) === keysIn(parsed) ? parsed : undefined;
}

/** The keys of every object in a JSON text: strings followed by a colon. */
function keysInText(text: string): number {
  let keys = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 34) continue;
    for (i++; text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    let j = i + 1;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    if (text[j] === ':') keys++;
  }
  return keys;
}

function keysIn(v: Json): number {
  if (Array.isArray(v)) return v.reduce<number>((n, x) => n + keysIn(x), 0);
  if (!isObject(v)) return 0;
  let n = 0;
  for (const k in v) n += 1 + keysIn(v[k]!);
  return n;
}

/** The object at `key` of `parent`, created empty when missing or not an object. */
export function child(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isObject(v)) return v;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Reads a dotted path (`metadata.name`, `involvedObject.kind`) from an object. */
export function getPath(obj: JsonObject, path: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}
