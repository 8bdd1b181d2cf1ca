import { isJsonObject, jsonObjects, type JsonObject, type JsonValue } from './json.js';
import { regexFullMatch, regexReplaceAll } from './regex.js';

// What Envoy does with a request, given a RouteConfiguration (proto3 JSON): the virtual host and route it
// picks, the action, and the filters that route applies. Used for troubleshooting (trace API) and by the
// golden tests, which assert request → outcome tables through it. It models the fields stage 2 emits,
// plus common neighbours (pathSeparatedPrefix, prefix/suffix/contains string matchers, presentMatch,
// invertMatch, directResponse); anything else in a route makes the route not match, never a guess.

export interface RouteRequest {
  /** Host header, possibly with a port (stripped, as the HCM's stripAnyHostPort does). */
  host: string;
  /** Path, optionally with "?query". */
  path: string;
  method?: string;
  scheme?: 'http' | 'https';
  headers?: Record<string, string | string[]>;
  query?: Record<string, string>;
}

export interface EvaluateOptions {
  /** Cluster names that exist; routing to another one yields the route's clusterNotFoundResponseCode. */
  clusters?: Iterable<string>;
}

export interface ClusterOutcome {
  name: string;
  weight: number;
  /** Set when the cluster does not exist (needs `options.clusters`): the status Envoy answers instead. */
  status?: number;
  /** Upstream request headers for this cluster, after every level's mutations (names lower-cased). */
  requestHeaders: Record<string, string>;
  responseHeaders: HeaderMutationOutcome;
  /** The endpoints behind the cluster (its ClusterLoadAssignment); set by traceRequest. */
  endpoints?: EndpointOutcome[];
}

/** One endpoint of a cluster, as its ClusterLoadAssignment gives it. */
export interface EndpointOutcome {
  address: string;
  port: number;
  healthStatus: string;
  weight?: number;
}

export interface HeaderMutationOutcome {
  set: Record<string, string>;
  add: Record<string, string[]>;
  remove: string[];
}

export type RouteAction =
  | { type: 'route'; clusters: ClusterOutcome[] }
  | { type: 'redirect'; status: number; location: string }
  | { type: 'directResponse'; status: number; body?: string }
  /** The CORS filter answers an allowed preflight itself (200, the CORS response headers). */
  | { type: 'corsPreflight'; status: 200; headers: Record<string, string> }
  | { type: 'notFound'; status: 404 };

export interface RouteOutcome {
  virtualHost: string | null;
  route: string | null;
  /** The response status when Envoy answers itself (404, redirects, direct responses, missing clusters). */
  status?: number;
  action: RouteAction;
  rewrite?: { host?: string; path?: string };
  mirrors: { cluster: string; percent: number }[];
  timeout?: string;
  retryPolicy?: JsonObject;
  cors?: JsonObject;
  /**
   * What the CORS filter does with this request when the route has a CORS policy and the request carries
   * an Origin: a preflight (OPTIONS with Access-Control-Request-Method) is answered when the origin is
   * allowed and forwarded otherwise; other requests get these headers added to the response.
   */
  corsResponse?: { preflight: boolean; originAllowed: boolean; headers: Record<string, string> };
}

const STATUS_BY_NAME: Record<string, number> = {
  SERVICE_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  INTERNAL_SERVER_ERROR: 500,
};
const REDIRECT_STATUS: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

export function evaluateRoute(
  routeConfiguration: JsonObject,
  request: RouteRequest,
  options: EvaluateOptions = {},
): RouteOutcome {
  const known =
    options.clusters === undefined
      ? undefined
      : options.clusters instanceof Set
        ? (options.clusters as ReadonlySet<string>)
        : new Set(options.clusters);
  const host = stripPort(request.host).toLowerCase();
  const [rawPath, rawQuery] = splitQuery(request.path);
  const query = { ...parseQuery(rawQuery), ...(request.query ?? {}) };
  const method = (request.method ?? 'GET').toUpperCase();
  const headers = normalizeHeaders(request.headers ?? {});
  const vh = selectVirtualHost(virtualHostIndex(routeConfiguration), host);
  const notFound: RouteOutcome = {
    virtualHost: vh === undefined ? null : str(vh['name']),
    route: null,
    status: 404,
    action: { type: 'notFound', status: 404 },
    mirrors: [],
  };
  if (vh === undefined) return notFound;
  const pseudo = {
    ':method': [method],
    ':authority': [host],
    ':path': [request.path],
    ':scheme': [request.scheme ?? 'http'],
  };
  const route = jsonObjects(vh['routes']).find((r) =>
    routeMatches(r, rawPath, { ...headers, ...pseudo }, query),
  );
  if (route === undefined) return notFound;
  const out: RouteOutcome = {
    virtualHost: str(vh['name']),
    route: str(route['name']),
    action: notFound.action,
    mirrors: [],
  };
  delete out.status;

  // The CORS filter runs before the router: an allowed preflight never reaches the route's action.
  const perFilter = route['typedPerFilterConfig'];
  const corsPolicy =
    isJsonObject(perFilter) && isJsonObject(perFilter['envoy.filters.http.cors'])
      ? perFilter['envoy.filters.http.cors']
      : undefined;
  if (corsPolicy !== undefined) {
    out.cors = corsPolicy;
    const cors = corsAnswer(corsPolicy, method, headers);
    if (cors !== undefined) {
      out.corsResponse = cors;
      if (cors.preflight && cors.originAllowed) {
        out.status = 200;
        out.action = { type: 'corsPreflight', status: 200, headers: cors.headers };
        return out;
      }
    }
  }

  const redirect = route['redirect'];
  const direct = route['directResponse'];
  const action = route['route'];
  if (isJsonObject(redirect)) {
    const status = REDIRECT_STATUS[str(redirect['responseCode']) || 'MOVED_PERMANENTLY'] ?? 301;
    out.status = status;
    out.action = {
      type: 'redirect',
      status,
      location: redirectLocation(redirect, route, request, host, rawPath, rawQuery),
    };
    return out;
  }
  if (isJsonObject(direct)) {
    const status = num(direct['status']);
    out.status = status;
    const body = direct['body'];
    out.action = {
      type: 'directResponse',
      status,
      ...(isJsonObject(body) && typeof body['inlineString'] === 'string'
        ? { body: body['inlineString'] }
        : {}),
    };
    return out;
  }
  if (!isJsonObject(action)) return notFound;

  const rewrite: { host?: string; path?: string } = {};
  if (typeof action['hostRewriteLiteral'] === 'string') rewrite.host = action['hostRewriteLiteral'];
  const rewrittenPath = rewritePath(action, route, rawPath);
  if (rewrittenPath !== undefined) rewrite.path = rewrittenPath;
  if (Object.keys(rewrite).length > 0) out.rewrite = rewrite;

  const notFoundStatus =
    STATUS_BY_NAME[str(action['clusterNotFoundResponseCode']) || 'SERVICE_UNAVAILABLE'] ?? 503;
  const targets: { cluster: JsonObject; weight: number }[] =
    typeof action['cluster'] === 'string'
      ? [{ cluster: { name: action['cluster'] }, weight: 1 }]
      : isJsonObject(action['weightedClusters'])
        ? jsonObjects(action['weightedClusters']['clusters']).map((c) => ({
            cluster: c,
            weight: num(c['weight']),
          }))
        : [];
  const base = { ...headers };
  if (rewrite.host !== undefined) base[':authority'] = [rewrite.host];
  const levels = [route, vh, routeConfiguration];
  const clusters = targets.map(({ cluster, weight }) => {
    const requestHeaders = applyRequestMutations(base, [cluster, ...levels]);
    const c: ClusterOutcome = {
      name: str(cluster['name']),
      weight,
      requestHeaders,
      responseHeaders: responseMutations([cluster, ...levels]),
    };
    if (known !== undefined && !known.has(c.name)) c.status = notFoundStatus;
    return c;
  });
  out.action = { type: 'route', clusters };
  const live = clusters.filter((c) => c.weight > 0);
  if (live.length > 0 && live.every((c) => c.status !== undefined))
    out.status = live[0]?.status ?? notFoundStatus;

  out.mirrors = jsonObjects(action['requestMirrorPolicies']).map((m) => {
    const fraction = m['runtimeFraction'];
    let percent = 100;
    if (isJsonObject(fraction) && isJsonObject(fraction['defaultValue'])) {
      const dv = fraction['defaultValue'];
      const denominator =
        { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 }[str(dv['denominator']) || 'HUNDRED'] ??
        100;
      percent = (num(dv['numerator']) / denominator) * 100;
    }
    return { cluster: str(m['cluster']), percent };
  });
  if (typeof action['timeout'] === 'string') out.timeout = action['timeout'];
  if (isJsonObject(action['retryPolicy'])) out.retryPolicy = action['retryPolicy'];
  return out;
}

/**
 * Envoy's CORS filter on one request (a CorsPolicy as translate-ir writes it): undefined without an Origin.
 * The origin is allowed when an allowOriginStringMatch matcher matches it (RE2 for safeRegex).
 */
function corsAnswer(
  policy: JsonObject,
  method: string,
  headers: Record<string, string[]>,
): NonNullable<RouteOutcome['corsResponse']> | undefined {
  const origin = headers['origin']?.[0];
  if (origin === undefined || origin === '') return undefined;
  const preflight = method === 'OPTIONS' && (headers['access-control-request-method']?.[0] ?? '') !== '';
  const originAllowed = jsonObjects(policy['allowOriginStringMatch']).some((m) => stringMatches(m, origin));
  const out: Record<string, string> = {};
  if (!originAllowed) return { preflight, originAllowed, headers: out };
  out['access-control-allow-origin'] = origin;
  if (policy['allowCredentials'] === true) out['access-control-allow-credentials'] = 'true';
  if (preflight) {
    if (str(policy['allowMethods']) !== '') out['access-control-allow-methods'] = str(policy['allowMethods']);
    if (str(policy['allowHeaders']) !== '') out['access-control-allow-headers'] = str(policy['allowHeaders']);
    if (str(policy['maxAge']) !== '') out['access-control-max-age'] = str(policy['maxAge']);
  } else if (str(policy['exposeHeaders']) !== '') {
    out['access-control-expose-headers'] = str(policy['exposeHeaders']);
  }
  return { preflight, originAllowed, headers: out };
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function num(v: JsonValue | undefined): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end >= 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

function splitQuery(path: string): [string, string] {
  const q = path.indexOf('?');
  return q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q + 1)];
}

function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    if (!(k in out)) out[k] = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

function normalizeHeaders(h: Record<string, string | string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    const key = k.toLowerCase();
    out[key] = [...(out[key] ?? []), ...(Array.isArray(v) ? v : [v])];
  }
  return out;
}

/**
 * The virtual hosts of a RouteConfiguration by domain, built once per configuration object (resources are
 * not changed after rendering): Envoy's order is an exact domain, then the longest `*suffix`, then the
 * longest `prefix*`, then `*`; among equals the first virtual host. A trace then costs the same on a
 * 1,000-host gateway as on a small one.
 */
interface VirtualHostIndex {
  exact: Map<string, JsonObject>;
  /** Longest first; stable, so equal lengths keep the configuration's order. */
  suffixes: { suffix: string; vh: JsonObject }[];
  prefixes: { prefix: string; vh: JsonObject }[];
  any: JsonObject | undefined;
}
const vhostIndexes = new WeakMap<JsonObject, VirtualHostIndex>();

function virtualHostIndex(routeConfiguration: JsonObject): VirtualHostIndex {
  const cached = vhostIndexes.get(routeConfiguration);
  if (cached !== undefined) return cached;
  const index: VirtualHostIndex = { exact: new Map(), suffixes: [], prefixes: [], any: undefined };
  for (const vh of jsonObjects(routeConfiguration['virtualHosts'])) {
    for (const raw of Array.isArray(vh['domains']) ? vh['domains'] : []) {
      if (typeof raw !== 'string') continue;
      const d = raw.toLowerCase();
      if (d === '*') index.any ??= vh;
      else if (d.startsWith('*')) index.suffixes.push({ suffix: d.slice(1), vh });
      else if (d.endsWith('*')) index.prefixes.push({ prefix: d.slice(0, -1), vh });
      else if (!index.exact.has(d)) index.exact.set(d, vh);
    }
  }
  index.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
  index.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  vhostIndexes.set(routeConfiguration, index);
  return index;
}

function selectVirtualHost(index: VirtualHostIndex, host: string): JsonObject | undefined {
  const exact = index.exact.get(host);
  if (exact !== undefined) return exact;
  for (const { suffix, vh } of index.suffixes)
    if (host.length > suffix.length && host.endsWith(suffix)) return vh;
  for (const { prefix, vh } of index.prefixes)
    if (host.length > prefix.length && host.startsWith(prefix)) return vh;
  return index.any;
}

/** safe_regex matchers match the whole value, with RE2 (linear time: a trace cannot be made to hang). */
function fullMatch(regex: string, value: string): boolean {
  return regexFullMatch(regex, value);
}

function stringMatches(m: JsonObject, value: string): boolean {
  const ignoreCase = m['ignoreCase'] === true;
  const v = ignoreCase ? value.toLowerCase() : value;
  const norm = (s: JsonValue | undefined) => (ignoreCase ? str(s).toLowerCase() : str(s));
  if ('exact' in m) return v === norm(m['exact']);
  if ('prefix' in m) return v.startsWith(norm(m['prefix']));
  if ('suffix' in m) return v.endsWith(norm(m['suffix']));
  if ('contains' in m) return v.includes(norm(m['contains']));
  const re = m['safeRegex'];
  if (isJsonObject(re)) return fullMatch(str(re['regex']), value);
  return false;
}

function routeMatches(
  route: JsonObject,
  path: string,
  headers: Record<string, string[]>,
  query: Record<string, string>,
): boolean {
  const m = route['match'];
  if (!isJsonObject(m)) return false;
  const caseSensitive = m['caseSensitive'] !== false;
  const p = caseSensitive ? path : path.toLowerCase();
  const cs = (s: string) => (caseSensitive ? s : s.toLowerCase());
  let pathOk: boolean;
  if (typeof m['prefix'] === 'string') pathOk = p.startsWith(cs(m['prefix']));
  else if (typeof m['path'] === 'string') pathOk = p === cs(m['path']);
  else if (typeof m['pathSeparatedPrefix'] === 'string') {
    const pre = cs(m['pathSeparatedPrefix']);
    pathOk = p === pre || p.startsWith(`${pre}/`);
  } else if (isJsonObject(m['safeRegex'])) pathOk = fullMatch(str(m['safeRegex']['regex']), path);
  else pathOk = false;
  if (!pathOk) return false;
  for (const h of jsonObjects(m['headers'])) {
    const values = headers[str(h['name']).toLowerCase()];
    let ok: boolean;
    if (values === undefined) ok = false;
    else if (h['presentMatch'] !== undefined) ok = h['presentMatch'] === true;
    else if (isJsonObject(h['stringMatch'])) ok = stringMatches(h['stringMatch'], values.join(','));
    else if (typeof h['exactMatch'] === 'string') ok = values.join(',') === h['exactMatch'];
    else if (isJsonObject(h['safeRegexMatch']))
      ok = fullMatch(str(h['safeRegexMatch']['regex']), values.join(','));
    else ok = true;
    if (values === undefined && h['presentMatch'] === false) ok = true;
    if (h['invertMatch'] === true) ok = !ok;
    if (!ok) return false;
  }
  for (const q of jsonObjects(m['queryParameters'])) {
    const value = query[str(q['name'])];
    let ok: boolean;
    if (q['presentMatch'] === true) ok = value !== undefined;
    else if (value === undefined) ok = false;
    else if (isJsonObject(q['stringMatch'])) ok = stringMatches(q['stringMatch'], value);
    else ok = false;
    if (!ok) return false;
  }
  return true;
}

/** The part of the path the route's path specifier matched (what prefixRewrite replaces). */
function matchedPrefix(route: JsonObject, path: string): string {
  const m = route['match'];
  if (!isJsonObject(m)) return '';
  if (typeof m['prefix'] === 'string') return path.slice(0, m['prefix'].length);
  if (typeof m['pathSeparatedPrefix'] === 'string') return path.slice(0, m['pathSeparatedPrefix'].length);
  return path;
}

function rewritePath(action: JsonObject, route: JsonObject, path: string): string | undefined {
  if (typeof action['prefixRewrite'] === 'string') {
    return action['prefixRewrite'] + path.slice(matchedPrefix(route, path).length);
  }
  const rr = action['regexRewrite'];
  if (isJsonObject(rr) && isJsonObject(rr['pattern'])) {
    return regexReplaceAll(str(rr['pattern']['regex']), path, str(rr['substitution']));
  }
  return undefined;
}

function redirectLocation(
  r: JsonObject,
  route: JsonObject,
  request: RouteRequest,
  host: string,
  path: string,
  rawQuery: string,
): string {
  const scheme =
    str(r['schemeRedirect']) || (r['httpsRedirect'] === true ? 'https' : (request.scheme ?? 'http'));
  const newHost = str(r['hostRedirect']) || host;
  const port = r['portRedirect'] !== undefined ? `:${num(r['portRedirect'])}` : '';
  let newPath = path;
  let query = rawQuery === '' || r['stripQuery'] === true ? '' : `?${rawQuery}`;
  if (typeof r['pathRedirect'] === 'string') {
    const [p, q] = splitQuery(r['pathRedirect']);
    newPath = p;
    if (r['pathRedirect'].includes('?')) query = q === '' ? '' : `?${q}`;
  } else if (typeof r['prefixRewrite'] === 'string') {
    newPath = r['prefixRewrite'] + path.slice(matchedPrefix(route, path).length);
  }
  return `${scheme}://${newHost}${port}${newPath}${query}`;
}

interface MutationEntry {
  key: string;
  value: string;
  action: string;
}

function mutationEntries(
  level: JsonObject,
  side: 'request' | 'response',
): { adds: MutationEntry[]; removes: string[] } {
  const adds = jsonObjects(level[`${side}HeadersToAdd`]).map((e) => {
    const h = isJsonObject(e['header']) ? e['header'] : {};
    const legacy = e['append'] === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';
    return {
      key: str(h['key']).toLowerCase(),
      // A value is a substitution format; `%%` is a literal `%` (other commands are left as written).
      value: str(h['value']).replaceAll('%%', '%'),
      action: str(e['appendAction']) || legacy,
    };
  });
  const removes = (
    Array.isArray(level[`${side}HeadersToRemove`]) ? (level[`${side}HeadersToRemove`] as JsonValue[]) : []
  ).map((v) => str(v).toLowerCase());
  return { adds, removes };
}

/** Envoy applies the weighted cluster's mutations first, then route, virtual host, route configuration. */
function applyRequestMutations(
  headers: Record<string, string[]>,
  levels: JsonObject[],
): Record<string, string> {
  const h: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) h[k] = [...v];
  for (const level of levels) {
    const { adds, removes } = mutationEntries(level, 'request');
    for (const r of removes) delete h[r];
    for (const a of adds) {
      const exists = h[a.key] !== undefined;
      if (a.action === 'OVERWRITE_IF_EXISTS_OR_ADD') h[a.key] = [a.value];
      else if (a.action === 'APPEND_IF_EXISTS_OR_ADD') h[a.key] = [...(h[a.key] ?? []), a.value];
      else if (a.action === 'ADD_IF_ABSENT' && !exists) h[a.key] = [a.value];
      else if (a.action === 'OVERWRITE_IF_EXISTS' && exists) h[a.key] = [a.value];
    }
  }
  const out: Record<string, string> = {};
  for (const k of Object.keys(h).sort()) if (!k.startsWith(':')) out[k] = (h[k] ?? []).join(',');
  return out;
}

function responseMutations(levels: JsonObject[]): HeaderMutationOutcome {
  const out: HeaderMutationOutcome = { set: {}, add: {}, remove: [] };
  for (const level of levels) {
    const { adds, removes } = mutationEntries(level, 'response');
    out.remove.push(...removes);
    for (const a of adds) {
      if (a.action === 'APPEND_IF_EXISTS_OR_ADD') out.add[a.key] = [...(out.add[a.key] ?? []), a.value];
      else out.set[a.key] = a.value;
    }
  }
  return out;
}
