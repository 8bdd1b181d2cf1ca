import { compareStrings } from './backends.js';
import type { IRMatch } from './ir.js';
import type { RouteInput } from './input.js';

/** One match of one rule of one route, as it will be placed in a virtual host. */
export interface MatchEntry {
  route: RouteInput;
  rule: number;
  matchIndex: number;
  match: IRMatch;
  /** The route hostname pattern through which the match applies to the virtual host. */
  hostname: string;
}

const PATH_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

/** Length that counts for a prefix: trailing slashes do not make a prefix more specific. */
function effectiveLength(m: IRMatch): number {
  if (m.path.type !== 'PathPrefix') return m.path.value.length;
  const trimmed = m.path.value.replace(/\/+$/, '');
  return trimmed.length;
}

/**
 * Gateway API precedence among matches that share a hostname (HTTPRouteRule docs): exact path, then the
 * longest prefix, then method, most headers, most query parameters, then the oldest route, then
 * namespace/name alphabetically, then rule and match order. Regular expressions rank after exact paths
 * and before prefixes (implementation-specific in the spec; this keeps a "/" catch-all from shadowing them).
 * The route hostname's specificity (non-wildcard characters, then characters) breaks ties after the
 * match criteria: HTTPRouteMatchingAcrossRoutes expects a longer prefix from a "*.com" route to win over
 * "/" from an "example.com" route.
 */
export function compareMatchEntries(a: MatchEntry, b: MatchEntry): number {
  return (
    PATH_RANK[a.match.path.type] - PATH_RANK[b.match.path.type] ||
    effectiveLength(b.match) - effectiveLength(a.match) ||
    Number(b.match.method !== undefined) - Number(a.match.method !== undefined) ||
    b.match.headers.length - a.match.headers.length ||
    b.match.queryParams.length - a.match.queryParams.length ||
    compareHostnames(a.hostname, b.hostname) ||
    compareCreation(a.route.creationTimestamp, b.route.creationTimestamp) ||
    compareStrings(qualifiedName(a.route), qualifiedName(b.route)) ||
    compareStrings(a.route.kind, b.route.kind) ||
    a.rule - b.rule ||
    a.matchIndex - b.matchIndex
  );
}

function compareHostnames(a: string, b: string): number {
  const rank = (h: string): [number, number] =>
    h === '*' ? [0, 0] : h.startsWith('*.') ? [0, h.length] : [h.length, h.length];
  const [na, ca] = rank(a);
  const [nb, cb] = rank(b);
  return nb - na || cb - ca;
}

/**
 * The spec orders tied routes by "{namespace}/{name}" as one string, which is not namespace-then-name:
 * "ns-a/x" sorts before "ns/x" because "-" sorts before "/".
 */
function qualifiedName(r: RouteInput): string {
  return `${r.namespace}/${r.name}`;
}

function compareCreation(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return compareStrings(a, b);
  return ta - tb;
}

/** Oldest first, then namespace/name: which of several routes wins where only one can (TCP, TLS SNI). */
export function compareRoutes(a: RouteInput, b: RouteInput): number {
  return (
    compareCreation(a.creationTimestamp, b.creationTimestamp) ||
    compareStrings(qualifiedName(a), qualifiedName(b)) ||
    compareStrings(a.kind, b.kind)
  );
}
