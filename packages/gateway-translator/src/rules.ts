import { Reason } from './conditions.js';
import { BackendResolver, type RefProblem } from './backends.js';
import { parseDuration } from './duration.js';
import { HEADER_VALUE_FORBIDDEN } from '@epic/gateway-api';
import { regexProblem } from './regex.js';
import type {
  CorsFilter,
  GrpcRouteMatch,
  HeaderModifier,
  HttpBackendRef,
  HttpRouteRule,
  GrpcRouteRule,
  HttpRouteMatch,
  RequestRedirect,
  RouteFilter,
  RouteInput,
  SessionPersistenceInput,
  StringMatch,
} from './input.js';
import {
  INVALID_BACKEND_CLUSTER,
  type IRCors,
  type IRDestination,
  type IRHeaderMutation,
  type IRMatch,
  type IRMirror,
  type IRPathRewrite,
  type IRRetry,
  type IRSessionPersistence,
  type IRStringMatch,
} from './ir.js';

// Stage 1, per route: rules → matches, action and filters with every reference resolved. Which listeners
// and hostnames a rule ends up on is decided later; a rule's meaning does not depend on that, except for a
// redirect's default port and scheme, which is why redirects keep their raw spec here.

export type ResolvedAction =
  | { kind: 'forward'; destinations: IRDestination[] }
  | { kind: 'redirect'; redirect: RequestRedirect }
  | { kind: 'invalid' };

export interface ResolvedRule {
  index: number;
  matches: IRMatch[];
  action: ResolvedAction;
  requestHeaders?: IRHeaderMutation;
  responseHeaders?: IRHeaderMutation;
  rewrite?: { hostname?: string; path?: IRPathRewrite };
  mirrors: IRMirror[];
  cors?: IRCors;
  timeouts?: { requestMillis?: number; backendRequestMillis?: number };
  retry?: IRRetry;
  sessionPersistence?: IRSessionPersistence;
}

export interface ResolvedRoute {
  route: RouteInput;
  rules: ResolvedRule[];
  /** Backend/filter references that did not resolve (ResolvedRefs=False); the first one names the reason. */
  problems: RefProblem[];
  /** Values this implementation cannot program (Accepted=False, UnsupportedValue): the route is not attached. */
  unsupported: string[];
}

export function resolveRoute(route: RouteInput, backends: BackendResolver): ResolvedRoute {
  const problems: RefProblem[] = [];
  const from = { kind: route.kind, namespace: route.namespace };
  const rules: ResolvedRule[] = [];

  if (route.kind === 'TCPRoute' || route.kind === 'TLSRoute' || route.kind === 'UDPRoute') {
    route.spec.rules.forEach((rule, index) => {
      const destinations = weightedDestinations(rule.backendRefs, backends, from, problems);
      rules.push({
        index,
        matches: [],
        action: destinations === undefined ? { kind: 'invalid' } : { kind: 'forward', destinations },
        mirrors: [],
      });
    });
    return { route, rules, problems, unsupported: [] };
  }

  const specRules: (HttpRouteRule | GrpcRouteRule)[] = route.spec.rules ?? [{}];
  const sessionProblems: string[] = [];
  specRules.forEach((rule, index) => {
    const filters: RouteFilter[] = rule.filters ?? [];
    const matches =
      route.kind === 'HTTPRoute'
        ? nonEmpty(rule.matches as HttpRouteMatch[] | undefined).map(httpMatch)
        : nonEmpty(rule.matches as GrpcRouteMatch[] | undefined).map(grpcMatch);

    let unsupported = false;
    const resolved: ResolvedRule = { index, matches, action: { kind: 'invalid' }, mirrors: [] };
    let redirect: RequestRedirect | undefined;
    for (const f of filters) {
      switch (f.type) {
        case 'RequestHeaderModifier':
          resolved.requestHeaders = headerMutation(f.requestHeaderModifier);
          break;
        case 'ResponseHeaderModifier':
          resolved.responseHeaders = headerMutation(f.responseHeaderModifier);
          break;
        case 'RequestRedirect':
          redirect = f.requestRedirect;
          break;
        case 'URLRewrite': {
          const rw: { hostname?: string; path?: IRPathRewrite } = {};
          if (f.urlRewrite.hostname !== undefined) rw.hostname = f.urlRewrite.hostname;
          const path = pathRewrite(f.urlRewrite.path);
          if (path !== undefined) rw.path = path;
          resolved.rewrite = rw;
          break;
        }
        case 'RequestMirror': {
          const r = backends.resolve(f.requestMirror.backendRef, from);
          if (r.ok)
            resolved.mirrors.push({ cluster: r.cluster, partsPerMillion: mirrorShare(f.requestMirror) });
          else problems.push(r.problem);
          break;
        }
        case 'CORS':
          resolved.cors = cors(f.cors);
          break;
        case 'ExtensionRef':
          unsupported = true;
          problems.push({
            reason: Reason.InvalidKind,
            message: `rule ${index}: ExtensionRef ${f.extensionRef.group}/${f.extensionRef.kind} ${f.extensionRef.name} is not supported`,
          });
          break;
      }
    }

    if ('timeouts' in rule && rule.timeouts !== undefined) {
      const t: { requestMillis?: number; backendRequestMillis?: number } = {};
      const request = rule.timeouts.request === undefined ? undefined : parseDuration(rule.timeouts.request);
      const backend =
        rule.timeouts.backendRequest === undefined ? undefined : parseDuration(rule.timeouts.backendRequest);
      if (request !== undefined) t.requestMillis = request;
      if (backend !== undefined) t.backendRequestMillis = backend;
      if (request !== undefined || backend !== undefined) resolved.timeouts = t;
    }
    if ('retry' in rule && rule.retry !== undefined) {
      const backoff = rule.retry.backoff === undefined ? undefined : parseDuration(rule.retry.backoff);
      resolved.retry = {
        attempts: rule.retry.attempts ?? 1,
        codes: [...(rule.retry.codes ?? [])].sort((a, b) => a - b),
        ...(backoff !== undefined && backoff > 0 ? { backoffMillis: backoff } : {}),
      };
    }

    if ('sessionPersistence' in rule && rule.sessionPersistence !== undefined) {
      const sp = sessionPersistence(rule.sessionPersistence);
      if (typeof sp === 'string') sessionProblems.push(`rule ${index}: ${sp}`);
      else resolved.sessionPersistence = sp;
    }

    if (unsupported) {
      resolved.action = { kind: 'invalid' };
    } else if (redirect !== undefined) {
      resolved.action = { kind: 'redirect', redirect };
    } else {
      const destinations = weightedDestinations(rule.backendRefs ?? [], backends, from, problems);
      resolved.action = destinations === undefined ? { kind: 'invalid' } : { kind: 'forward', destinations };
    }
    rules.push(resolved);
  });
  const unsupported: string[] = [];
  for (const rule of rules) {
    for (const m of rule.matches) {
      const regexes = [
        ...(m.path.type === 'RegularExpression' ? [m.path.value] : []),
        ...[...m.headers, ...m.queryParams].filter((h) => h.type === 'RegularExpression').map((h) => h.value),
      ];
      for (const re of regexes) {
        const problem = regexProblem(re);
        if (problem !== undefined)
          unsupported.push(
            `rule ${rule.index}: invalid regular expression ${JSON.stringify(re)}: ${problem}`,
          );
      }
    }
  }
  specRules.forEach((rule, index) => {
    const filterLists = [rule.filters ?? [], ...(rule.backendRefs ?? []).map((b) => b.filters ?? [])];
    for (const filters of filterLists)
      for (const problem of filters.flatMap(unservableFilterValues))
        unsupported.push(`rule ${index}: ${problem}`);
  });
  unsupported.push(...sessionProblems);
  return { route, rules, problems, unsupported };
}

/** Default names of the session cookie and header when a rule gives no sessionName. */
export const DEFAULT_SESSION_COOKIE = 'epic-session';
export const DEFAULT_SESSION_HEADER = 'x-epic-session';

/**
 * GEP-1619 → Envoy's stateful session: a cookie (session cookie, or Permanent with Max-Age = absoluteTimeout)
 * or a header. What Envoy cannot do is a string naming the field: an absoluteTimeout on a session cookie or
 * on a header (Envoy's cookie expiry is its Max-Age; the header state has no expiry).
 */
function sessionPersistence(sp: SessionPersistenceInput): IRSessionPersistence | string {
  const type = sp.type ?? 'Cookie';
  const timeout = sp.absoluteTimeout === undefined ? undefined : parseDuration(sp.absoluteTimeout);
  if (type === 'Header') {
    if (timeout !== undefined) return 'sessionPersistence.absoluteTimeout is not supported for type Header';
    return { type, name: (sp.sessionName ?? DEFAULT_SESSION_HEADER).toLowerCase() };
  }
  const permanent = sp.cookieConfig?.lifetimeType === 'Permanent';
  if (!permanent && timeout !== undefined)
    return 'sessionPersistence.absoluteTimeout is supported only with cookieConfig.lifetimeType Permanent';
  return {
    type,
    name: sp.sessionName ?? DEFAULT_SESSION_COOKIE,
    ...(permanent && timeout !== undefined && timeout > 0 ? { ttlMillis: timeout } : {}),
  };
}

/** Header names Envoy's HTTP_HEADER_NAME accepts (RFC 7230 tokens, as the Gateway API CRD declares them). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * Values of a filter that Envoy would refuse (its HTTP_HEADER_NAME / HTTP_HEADER_VALUE rules), which would
 * make it reject the whole RouteConfiguration. The API's schemas refuse them up front; this keeps a route
 * stored before that check (or written by another client) from taking the gateway's other routes with it.
 */
function unservableFilterValues(f: RouteFilter): string[] {
  const out: string[] = [];
  const value = (what: string, v: string | undefined) => {
    if (v !== undefined && HEADER_VALUE_FORBIDDEN.test(v))
      out.push(`${what} ${JSON.stringify(v)} contains NUL, CR or LF`);
  };
  const name = (what: string, n: string) => {
    if (!HEADER_NAME.test(n)) out.push(`${what} ${JSON.stringify(n)} is not a valid header name`);
  };
  const headers = (m: HeaderModifier, filter: string) => {
    for (const h of [...(m.set ?? []), ...(m.add ?? [])]) {
      name(`${filter} header`, h.name);
      value(`${filter} ${h.name} value`, h.value);
    }
    for (const n of m.remove ?? []) name(`${filter} remove`, n);
  };
  const path = (p: { replaceFullPath?: string; replacePrefixMatch?: string } | undefined, filter: string) => {
    value(`${filter} path`, p?.replaceFullPath);
    value(`${filter} path`, p?.replacePrefixMatch);
  };
  if (f.type === 'RequestHeaderModifier') headers(f.requestHeaderModifier, f.type);
  else if (f.type === 'ResponseHeaderModifier') headers(f.responseHeaderModifier, f.type);
  else if (f.type === 'RequestRedirect') path(f.requestRedirect.path, f.type);
  else if (f.type === 'URLRewrite') path(f.urlRewrite.path, f.type);
  else if (f.type === 'CORS')
    for (const n of [...(f.cors.allowHeaders ?? []), ...(f.cors.exposeHeaders ?? [])]) name('CORS header', n);
  return out;
}

/**
 * Backends with their weights. Unresolved backends keep their share, pointed at a cluster that does not exist
 * so that share answers 500 (HTTPRoute spec, "BackendRefs"); undefined when nothing can receive traffic.
 */
function weightedDestinations(
  refs: readonly HttpBackendRef[],
  backends: BackendResolver,
  from: { kind: RouteInput['kind']; namespace: string },
  problems: RefProblem[],
): IRDestination[] | undefined {
  const out: IRDestination[] = [];
  let invalidWeight = 0;
  for (const ref of refs) {
    const weight = ref.weight ?? 1;
    const r = backends.resolve(ref, from);
    if (!r.ok) {
      problems.push(r.problem);
      invalidWeight += weight;
      continue;
    }
    if (weight === 0) continue;
    const d: IRDestination = { cluster: r.cluster, weight };
    for (const f of ref.filters ?? []) {
      if (f.type === 'RequestHeaderModifier') d.requestHeaders = headerMutation(f.requestHeaderModifier);
      if (f.type === 'ResponseHeaderModifier') d.responseHeaders = headerMutation(f.responseHeaderModifier);
    }
    out.push(d);
  }
  if (out.length === 0) return undefined;
  if (invalidWeight > 0) out.push({ cluster: INVALID_BACKEND_CLUSTER, weight: invalidWeight });
  return out;
}

function headerMutation(m: HeaderModifier): IRHeaderMutation {
  return {
    set: (m.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (m.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(m.remove ?? [])],
  };
}

export function pathRewrite(
  p: { type: string; replaceFullPath?: string; replacePrefixMatch?: string } | undefined,
): IRPathRewrite | undefined {
  if (p === undefined) return undefined;
  if (p.type === 'ReplaceFullPath') return { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' };
  return { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
}

function mirrorShare(m: {
  percent?: number;
  fraction?: { numerator: number; denominator?: number };
}): number {
  if (m.percent !== undefined) return m.percent * 10_000;
  if (m.fraction !== undefined) {
    const denominator = m.fraction.denominator ?? 100;
    return Math.floor((m.fraction.numerator * 1_000_000) / denominator);
  }
  return 1_000_000;
}

function cors(c: CorsFilter): IRCors {
  return {
    allowOrigins: [...(c.allowOrigins ?? [])],
    allowCredentials: c.allowCredentials ?? false,
    allowMethods: [...(c.allowMethods ?? [])],
    allowHeaders: [...(c.allowHeaders ?? [])],
    exposeHeaders: [...(c.exposeHeaders ?? [])],
    maxAgeSeconds: c.maxAge ?? 5,
  };
}

/** Header and query matches: the first match of a name wins, as the spec says for duplicates. */
function stringMatches(list: readonly StringMatch[] | undefined, lowerCase: boolean): IRStringMatch[] {
  const seen = new Set<string>();
  const out: IRStringMatch[] = [];
  for (const m of list ?? []) {
    const name = lowerCase ? m.name.toLowerCase() : m.name;
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ type: m.type ?? 'Exact', name, value: m.value });
  }
  return out;
}

function httpMatch(m: HttpRouteMatch): IRMatch {
  const out: IRMatch = {
    path: { type: m.path?.type ?? 'PathPrefix', value: m.path?.value ?? '/' },
    headers: stringMatches(m.headers, true),
    queryParams: stringMatches(m.queryParams, false),
  };
  if (m.method !== undefined) out.method = m.method;
  return out;
}

function nonEmpty<T extends object>(list: T[] | undefined): T[] {
  return list !== undefined && list.length > 0 ? list : [{} as T];
}

const ANY_SEGMENT = '[^/]+';

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** gRPC requests are POST /<service>/<method>, so method matches become path matches. */
function grpcMatch(m: GrpcRouteMatch): IRMatch {
  const headers = stringMatches(m.headers, true);
  const method = m.method;
  if (method === undefined) return { path: { type: 'PathPrefix', value: '/' }, headers, queryParams: [] };
  if ((method.type ?? 'Exact') === 'Exact') {
    if (method.service !== undefined && method.method !== undefined) {
      return {
        path: { type: 'Exact', value: `/${method.service}/${method.method}` },
        headers,
        queryParams: [],
      };
    }
    const service = method.service !== undefined ? escapeRegex(method.service) : ANY_SEGMENT;
    const name = method.method !== undefined ? escapeRegex(method.method) : ANY_SEGMENT;
    return { path: { type: 'RegularExpression', value: `/${service}/${name}` }, headers, queryParams: [] };
  }
  const service = method.service !== undefined ? `(?:${method.service})` : ANY_SEGMENT;
  const name = method.method !== undefined ? `(?:${method.method})` : ANY_SEGMENT;
  return { path: { type: 'RegularExpression', value: `/${service}/${name}` }, headers, queryParams: [] };
}
