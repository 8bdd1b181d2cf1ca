// Hostname semantics of the Gateway API: a leading "*." label matches one or more labels, so
// "*.example.com" covers "a.example.com" and "a.b.example.com" but not "example.com".

function isWildcard(h: string): boolean {
  return h.startsWith('*.');
}

/** True when `host` (a precise name) is covered by `pattern` (precise or wildcard). */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!isWildcard(p)) return p === h;
  const suffix = p.slice(1); // ".example.com"
  return h.endsWith(suffix) && h.length > suffix.length;
}

/**
 * Hostnames a route serves on a listener: the intersection of the listener's hostname (none = any) with the
 * route's hostnames (none = any). Returns [] when they do not intersect, ['*'] when neither restricts.
 * Of two overlapping names the more specific is kept, as the spec's examples show.
 */
export function intersectHostnames(
  listenerHostname: string | undefined,
  routeHostnames: readonly string[],
): string[] {
  const listener = listenerHostname?.toLowerCase();
  const routes = routeHostnames.map((h) => h.toLowerCase());
  if (listener === undefined || listener === '') return routes.length > 0 ? unique(routes) : ['*'];
  if (routes.length === 0) return [listener];
  const out: string[] = [];
  for (const r of routes) {
    if (!isWildcard(r) && !isWildcard(listener)) {
      if (r === listener) out.push(r);
    } else if (!isWildcard(r)) {
      if (hostnameMatches(listener, r)) out.push(r);
    } else if (!isWildcard(listener)) {
      if (hostnameMatches(r, listener)) out.push(listener);
    } else if (r.endsWith(listener.slice(1))) {
      out.push(r);
    } else if (listener.endsWith(r.slice(1))) {
      out.push(listener);
    }
  }
  return unique(out);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Envoy picks a virtual host by exact name, then longest wildcard suffix; "*" last. Used for sorting. */
export function hostnameSpecificity(h: string): [number, number] {
  if (h === '*') return [2, 0];
  if (isWildcard(h)) return [1, -h.length];
  return [0, -h.length];
}
