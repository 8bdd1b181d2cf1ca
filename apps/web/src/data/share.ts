/**
 * Structural sharing (as TanStack Query does with its query cache): `next` with every part that equals the same
 * part of `prev` replaced by `prev`'s object. A poll that changed one endpoint of one slice hands back the
 * previous objects for everything else, so the graph's stages, memoised by object identity, redo only that
 * slice. Plain JSON values only (objects, arrays, strings, numbers, booleans, null).
 */
export function shareEqual<T>(prev: unknown, next: T): T {
  if (prev === next) return next;
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(prev) !== Array.isArray(next)) return next;
  if (Array.isArray(next)) {
    const p = prev as unknown[];
    let same = p.length === next.length;
    const out = next.map((v, i) => {
      const s = i < p.length ? shareEqual(p[i], v) : v;
      if (s !== p[i]) same = false;
      return s;
    });
    return (same ? p : out) as T;
  }
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(n);
  let same = keys.length === Object.keys(p).length;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const s = Object.hasOwn(p, k) ? shareEqual(p[k], n[k]) : n[k];
    if (s !== p[k] || !Object.hasOwn(p, k)) same = false;
    out[k] = s;
  }
  return (same ? p : out) as T;
}

/**
 * `next`'s items, each replaced by the previous item of the same id when the two are equal (and shared part by
 * part when not): lists that grew, shrank or were reordered keep every unchanged item's identity.
 */
export function shareById<T extends { id: string }>(prev: readonly T[] | undefined, next: T[]): T[] {
  if (!prev) return next;
  const before = new Map(prev.map((x) => [x.id, x]));
  return next.map((x) => shareEqual(before.get(x.id), x));
}
