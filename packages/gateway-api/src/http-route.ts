import { z } from 'zod';
import {
  backendRefShape,
  checkServicePort,
  Duration,
  durationToMillis,
  HTTPHeaderFilter,
  HTTPHeaderMatch,
  HTTPHeaderName,
  HTTPRequestMirrorFilter,
  LocalObjectReference,
  addRegexIssue,
  headerValueText,
  ParentRefs,
  PortNumber,
  PreciseHostname,
  RouteHostnames,
  RouteRuleName,
  duplicateIndices,
  uniqueBy,
} from './common.js';
import { checkFilterList, filterTypeError, filterVariant } from './filters.js';

// HTTPRoute v1 as the standard-channel CRD of Gateway API v1.6.1 declares it, plus the experimental
// channel's `rules[].retry` (GEP-1731) and `rules[].sessionPersistence` (GEP-1619), which EPIC supports.

const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

/** The CRD's CEL rules for Exact and PathPrefix path values, with upstream's messages. */
const PATH_RULES: readonly [(v: string) => boolean, string][] = [
  [
    (v) => v.startsWith('/'),
    "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
  ],
  [(v) => !v.includes('//'), "must not contain '//' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.includes('/./'), "must not contain '/./' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.includes('/../'), "must not contain '/../' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.includes('%2f'), "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.includes('%2F'), "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.includes('#'), "must not contain '#' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.endsWith('/..'), "must not end with '/..' when type one of ['Exact', 'PathPrefix']"],
  [(v) => !v.endsWith('/.'), "must not end with '/.' when type one of ['Exact', 'PathPrefix']"],
  [
    (v) => PATH_CHARS.test(v),
    `must only contain valid characters (matching ${PATH_CHARS.source}) for types ['Exact', 'PathPrefix']`,
  ],
];

export const PathMatchType = z.enum(['Exact', 'PathPrefix', 'RegularExpression']);
export type PathMatchType = z.infer<typeof PathMatchType>;

/** HTTPPathMatch: defaults to a PathPrefix match on "/". */
export const HTTPPathMatch = z
  .strictObject({
    type: PathMatchType.default('PathPrefix'),
    value: z.string().max(1024).default('/'),
  })
  .superRefine((path, ctx) => {
    if (path.type === 'RegularExpression') return addRegexIssue(path.value, ctx, ['value']);
    for (const [ok, message] of PATH_RULES) {
      if (!ok(path.value)) ctx.addIssue({ code: 'custom', path: ['value'], message });
    }
  });
export type HTTPPathMatch = z.infer<typeof HTTPPathMatch>;

export const HTTPQueryParamMatch = z
  .strictObject({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
    name: HTTPHeaderName,
    value: z.string().min(1).max(1024),
  })
  .superRefine((q, ctx) => {
    if (q.type === 'RegularExpression') addRegexIssue(q.value, ctx, ['value']);
  });
export type HTTPQueryParamMatch = z.infer<typeof HTTPQueryParamMatch>;

export const HTTPMethod = z.enum([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);
export type HTTPMethod = z.infer<typeof HTTPMethod>;

const defaultPathMatch = (): HTTPPathMatch => ({ type: 'PathPrefix', value: '/' });

/** HTTPRouteMatch: all conditions must hold (path, headers, query parameters, method). */
export const HTTPRouteMatch = z.strictObject({
  path: HTTPPathMatch.default(defaultPathMatch),
  headers: uniqueBy(HTTPHeaderMatch, (h) => h.name, 'name')
    .max(16)
    .optional(),
  queryParams: uniqueBy(HTTPQueryParamMatch, (q) => q.name, 'name')
    .max(16)
    .optional(),
  method: HTTPMethod.optional(),
});
export type HTTPRouteMatch = z.infer<typeof HTTPRouteMatch>;

const pathModifierError = (issue: { code: string; keys?: string[] }) => {
  if (issue.code !== 'unrecognized_keys') return undefined;
  return (issue.keys ?? [])
    .map((key) =>
      key === 'replaceFullPath'
        ? "type must be 'ReplaceFullPath' when replaceFullPath is set"
        : key === 'replacePrefixMatch'
          ? "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set"
          : `Unrecognized key: "${key}"`,
    )
    .join('; ');
};

/** HTTPPathModifier: replace the whole path or the matched prefix. */
export const HTTPPathModifier = z.discriminatedUnion(
  'type',
  [
    z.strictObject(
      { type: z.literal('ReplaceFullPath'), replaceFullPath: headerValueText(1024) },
      { error: pathModifierError },
    ),
    z.strictObject(
      { type: z.literal('ReplacePrefixMatch'), replacePrefixMatch: headerValueText(1024) },
      { error: pathModifierError },
    ),
  ],
  { error: filterTypeError(['ReplaceFullPath', 'ReplacePrefixMatch']) },
);
export type HTTPPathModifier = z.infer<typeof HTTPPathModifier>;

export const HTTPRequestRedirectFilter = z.strictObject({
  scheme: z.enum(['http', 'https']).optional(),
  hostname: PreciseHostname.optional(),
  path: HTTPPathModifier.optional(),
  port: PortNumber.optional(),
  statusCode: z
    .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)], {
      error: 'Unsupported value: supported values: 301, 302, 303, 307, 308',
    })
    .default(302),
});
export type HTTPRequestRedirectFilter = z.infer<typeof HTTPRequestRedirectFilter>;

export const HTTPURLRewriteFilter = z.strictObject({
  hostname: PreciseHostname.optional(),
  path: HTTPPathModifier.optional(),
});
export type HTTPURLRewriteFilter = z.infer<typeof HTTPURLRewriteFilter>;

const CORS_ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

/** A CORS set-typed list where "*" must stand alone. */
function corsList<T extends z.ZodType<string>>(item: T, max: number, starMessage?: string) {
  return uniqueBy(item, (s) => String(s), 'value')
    .max(max)
    .superRefine((list: readonly string[], ctx) => {
      if (starMessage && list.includes('*') && list.length > 1) {
        ctx.addIssue({ code: 'custom', path: [], message: starMessage });
      }
    });
}

/** HTTPCORSFilter (standard since v1.5). */
export const HTTPCORSFilter = z.strictObject({
  allowOrigins: corsList(
    z
      .string()
      .min(1)
      .max(253)
      .regex(CORS_ORIGIN, { message: `must match ${CORS_ORIGIN.source}` }),
    64,
    "AllowOrigins cannot contain '*' alongside other origins",
  ).optional(),
  allowCredentials: z.boolean().optional(),
  allowMethods: corsList(
    z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*']),
    9,
    "AllowMethods cannot contain '*' alongside other methods",
  ).optional(),
  allowHeaders: corsList(
    HTTPHeaderName,
    64,
    "AllowHeaders cannot contain '*' alongside other methods",
  ).optional(),
  exposeHeaders: corsList(HTTPHeaderName, 64).optional(),
  maxAge: z.number().int().min(1).max(2_147_483_647).default(5),
});
export type HTTPCORSFilter = z.infer<typeof HTTPCORSFilter>;

export const HTTP_FILTER_TYPES = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'RequestMirror',
  'RequestRedirect',
  'URLRewrite',
  'ExtensionRef',
  'CORS',
] as const;

/** HTTPRouteFilter: a discriminated union on `type`. */
export const HTTPRouteFilter = z.discriminatedUnion(
  'type',
  [
    filterVariant('RequestHeaderModifier', HTTPHeaderFilter),
    filterVariant('ResponseHeaderModifier', HTTPHeaderFilter),
    filterVariant('RequestMirror', HTTPRequestMirrorFilter),
    filterVariant('RequestRedirect', HTTPRequestRedirectFilter),
    filterVariant('URLRewrite', HTTPURLRewriteFilter),
    filterVariant('ExtensionRef', LocalObjectReference),
    filterVariant('CORS', HTTPCORSFilter),
  ],
  { error: filterTypeError(HTTP_FILTER_TYPES) },
);
export type HTTPRouteFilter = z.infer<typeof HTTPRouteFilter>;

const HTTPRouteFilters = z
  .array(HTTPRouteFilter)
  .max(16)
  .superRefine((filters, ctx) =>
    checkFilterList(filters, ctx, [
      'CORS',
      'RequestHeaderModifier',
      'ResponseHeaderModifier',
      'RequestRedirect',
      'URLRewrite',
    ]),
  );

/** HTTPBackendRef: a weighted backend with its own filters. */
export const HTTPBackendRef = z
  .strictObject({ ...backendRefShape, filters: HTTPRouteFilters.optional() })
  .superRefine(checkServicePort);
export type HTTPBackendRef = z.infer<typeof HTTPBackendRef>;

/** HTTPRouteTimeouts: request (whole exchange) and backendRequest (one backend try). "0s" disables. */
export const HTTPRouteTimeouts = z
  .strictObject({ request: Duration.optional(), backendRequest: Duration.optional() })
  .superRefine((t, ctx) => {
    // Refinements also run when a field failed its pattern (zod continues past check failures).
    if (!Duration.safeParse(t.request).success || !Duration.safeParse(t.backendRequest).success) return;
    if (t.request === undefined || t.backendRequest === undefined) return;
    const request = durationToMillis(t.request);
    if (request !== 0 && durationToMillis(t.backendRequest) > request) {
      ctx.addIssue({
        code: 'custom',
        path: ['backendRequest'],
        message: 'backendRequest timeout cannot be longer than request timeout',
      });
    }
  });
export type HTTPRouteTimeouts = z.infer<typeof HTTPRouteTimeouts>;

type PrefixFilterKind = 'requestRedirect' | 'urlRewrite';

function replacesPrefix(filters: readonly HTTPRouteFilter[] | undefined, kind: PrefixFilterKind): boolean {
  return (filters ?? []).some((f) => {
    const path =
      f.type === 'RequestRedirect' && kind === 'requestRedirect'
        ? f.requestRedirect.path
        : f.type === 'URLRewrite' && kind === 'urlRewrite'
          ? f.urlRewrite.path
          : undefined;
    return path?.type === 'ReplacePrefixMatch';
  });
}

const defaultMatches = (): HTTPRouteMatch[] => [{ path: defaultPathMatch() }];

/** HTTPRouteRule with the CRD's cross-field rules (redirect vs backends, ReplacePrefixMatch needs a prefix). */
/**
 * Retries of a rule (GEP-1731; experimental channel, `rules[].retry`): accepted so that users can configure
 * them; the translator maps them to Envoy's retry policy.
 */
export const HTTPRouteRetry = z.strictObject({
  codes: z
    .array(z.number().int().min(400).max(599))
    .max(50)
    .superRefine((codes, ctx) => {
      for (const i of duplicateIndices(codes, String))
        ctx.addIssue({ code: 'custom', path: [i], message: 'Duplicate value' });
    })
    .optional(),
  attempts: z.number().int().min(1).max(1000).optional(),
  backoff: Duration.optional(),
});
export type HTTPRouteRetry = z.infer<typeof HTTPRouteRetry>;

/**
 * Session persistence of a rule (GEP-1619; experimental channel, `rules[].sessionPersistence`), with the
 * CRD's defaults (type Cookie, lifetimeType Session) and CEL rules and messages.
 */
export const SessionPersistence = z
  .strictObject({
    sessionName: z.string().max(128).optional(),
    absoluteTimeout: Duration.optional(),
    type: z.enum(['Cookie', 'Header']).default('Cookie'),
    cookieConfig: z
      .strictObject({ lifetimeType: z.enum(['Permanent', 'Session']).default('Session') })
      .optional(),
  })
  .superRefine((sp, ctx) => {
    if (sp.cookieConfig?.lifetimeType === 'Permanent' && sp.absoluteTimeout === undefined)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'AbsoluteTimeout must be specified when cookie lifetimeType is Permanent',
      });
    if (sp.cookieConfig !== undefined && sp.type !== 'Cookie')
      ctx.addIssue({ code: 'custom', path: [], message: 'cookieConfig can only be set with type Cookie' });
  });
export type SessionPersistence = z.infer<typeof SessionPersistence>;

export const HTTPRouteRule = z
  .strictObject({
    name: RouteRuleName.optional(),
    matches: z.array(HTTPRouteMatch).max(64).default(defaultMatches),
    filters: HTTPRouteFilters.optional(),
    backendRefs: z.array(HTTPBackendRef).max(16).optional(),
    timeouts: HTTPRouteTimeouts.optional(),
    retry: HTTPRouteRetry.optional(),
    sessionPersistence: SessionPersistence.optional(),
  })
  .superRefine((rule, ctx) => {
    const hasBackends = (rule.backendRefs ?? []).length > 0;
    if (hasBackends) {
      const redirect = (rule.filters ?? []).findIndex((f) => f.type === 'RequestRedirect');
      if (redirect >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['filters', redirect],
          message: 'RequestRedirect filter must not be used together with backendRefs',
        });
      }
    }
    const singlePrefixMatch = rule.matches.length === 1 && rule.matches[0]?.path.type === 'PathPrefix';
    if (singlePrefixMatch) return;
    const needs: [boolean, (string | number)[], string][] = [
      [
        replacesPrefix(rule.filters, 'requestRedirect'),
        ['matches'],
        'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ],
      [
        replacesPrefix(rule.filters, 'urlRewrite'),
        ['matches'],
        'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ],
      [
        (rule.backendRefs ?? []).some((b) => replacesPrefix(b.filters, 'requestRedirect')),
        ['matches'],
        'Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ],
      [
        (rule.backendRefs ?? []).some((b) => replacesPrefix(b.filters, 'urlRewrite')),
        ['matches'],
        'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ],
    ];
    for (const [applies, path, message] of needs)
      if (applies) ctx.addIssue({ code: 'custom', path, message });
  });
export type HTTPRouteRule = z.infer<typeof HTTPRouteRule>;

const MAX_TOTAL_MATCHES = 128;

/** Total matches across rules, which the CRD caps at 128. */
export function checkTotalMatches(
  rules: readonly { matches?: readonly unknown[] | undefined }[],
  ctx: z.RefinementCtx,
): void {
  const total = rules.reduce((n, r) => n + (r.matches?.length ?? 0), 0);
  if (total > MAX_TOTAL_MATCHES) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message:
        'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
    });
  }
}

const defaultRules = (): HTTPRouteRule[] => [{ matches: defaultMatches() }];

/** HTTPRouteSpec (gateway.networking.k8s.io/v1). */
export const HTTPRouteSpec = z.strictObject({
  parentRefs: ParentRefs.optional(),
  hostnames: RouteHostnames.optional(),
  rules: z.array(HTTPRouteRule).min(1).max(16).superRefine(checkTotalMatches).default(defaultRules),
});
export type HTTPRouteSpec = z.infer<typeof HTTPRouteSpec>;
export type HTTPRouteSpecInput = z.input<typeof HTTPRouteSpec>;
