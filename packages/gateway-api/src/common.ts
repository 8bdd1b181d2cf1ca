import { z } from 'zod';
import { regexProblem } from './regex.js';

// Primitive types of Gateway API v1 (sigs.k8s.io/gateway-api/apis/v1/shared_types.go), with the patterns
// and lengths the v1.6.1 CRDs declare. Patterns are copied verbatim so ours never accept what upstream rejects.

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GROUP_PATTERN = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND_PATTERN = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const DURATION_PATTERN = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const CONTROLLER_NAME_PATTERN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

export const IPV4_PATTERN =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/** True for a dotted-quad IPv4 address; hostnames must not be IPs (Gateway API Hostname docs). */
export function isIPv4(value: string): boolean {
  return IPV4_PATTERN.test(value);
}

const pattern = (re: RegExp, what: string) => ({
  message: `must match ${re.source} (${what})`,
});

/** Group: a DNS subdomain or "" (the core API group). */
export const Group = z.string().max(253).regex(GROUP_PATTERN, pattern(GROUP_PATTERN, 'API group'));
export type Group = z.infer<typeof Group>;

/** Kind: a CamelCase API kind. */
export const Kind = z.string().min(1).max(63).regex(KIND_PATTERN, pattern(KIND_PATTERN, 'API kind'));
export type Kind = z.infer<typeof Kind>;

/** ObjectName: any non-empty name up to 253 characters (upstream leaves the format to the referent). */
export const ObjectName = z.string().min(1).max(253);
export type ObjectName = z.infer<typeof ObjectName>;

/** Namespace: an RFC 1123 label. */
export const Namespace = z
  .string()
  .min(1)
  .max(63)
  .regex(NAMESPACE_PATTERN, pattern(NAMESPACE_PATTERN, 'RFC 1123 label'));
export type Namespace = z.infer<typeof Namespace>;

/** SectionName: an RFC 1123 subdomain naming a listener (or a port name for Services). */
export const SectionName = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, pattern(DNS1123_SUBDOMAIN, 'RFC 1123 subdomain'));
export type SectionName = z.infer<typeof SectionName>;

/** Rule and listener names share SectionName's format. */
export const RouteRuleName = SectionName;

export const PortNumber = z.number().int().min(1).max(65535);
export type PortNumber = z.infer<typeof PortNumber>;

/** Hostname: an RFC 1123 subdomain, optionally prefixed by one "*." wildcard label; never an IP address. */
export const Hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(WILDCARD_HOSTNAME, pattern(WILDCARD_HOSTNAME, 'RFC 1123 hostname, optional leading "*."'))
  .refine((h) => !isIPv4(h), { message: 'Hostnames cannot contain an IP' });
export type Hostname = z.infer<typeof Hostname>;

/** PreciseHostname: like Hostname, without wildcards. */
export const PreciseHostname = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, pattern(DNS1123_SUBDOMAIN, 'RFC 1123 hostname without wildcard'));
export type PreciseHostname = z.infer<typeof PreciseHostname>;

/**
 * Envoy's `HTTP_HEADER_VALUE` rule (non-strict, as HeaderValue declares it): no NUL, CR or LF. Envoy applies
 * it to header values and to everything it writes into a header (redirect paths, rewrites); a proxy given such
 * a value rejects the whole RouteConfiguration, so it is refused at the field instead.
 */
export const HEADER_VALUE_FORBIDDEN = /[\0\r\n]/;
const HEADER_VALUE_MESSAGE = 'must not contain NUL, CR or LF (Envoy HTTP_HEADER_VALUE)';

/** A string Envoy accepts as a header value (and as a redirect path or rewrite, which end up in headers). */
export const headerValueText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !HEADER_VALUE_FORBIDDEN.test(v), { message: HEADER_VALUE_MESSAGE });

/** Adds an issue at `path` when RE2 would reject `value` (for values whose type decides if they are regexes). */
export function addRegexIssue(value: string, ctx: z.RefinementCtx, path: PropertyKey[]): void {
  const problem = regexProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path, message: problem });
}

/** HTTPHeaderName: an RFC 7230 token. */
export const HTTPHeaderName = z
  .string()
  .min(1)
  .max(256)
  .regex(HEADER_NAME_PATTERN, pattern(HEADER_NAME_PATTERN, 'RFC 7230 token'));
export type HTTPHeaderName = z.infer<typeof HTTPHeaderName>;

/** Duration in the GEP-2257 format, e.g. "1h", "10s", "500ms", "1m30s". */
export const Duration = z
  .string()
  .regex(DURATION_PATTERN, pattern(DURATION_PATTERN, 'GEP-2257 duration such as "10s" or "1m30s"'));
export type Duration = z.infer<typeof Duration>;

/** GatewayController: "<domain>/<path>". */
export const GatewayController = z
  .string()
  .min(1)
  .max(253)
  .regex(CONTROLLER_NAME_PATTERN, pattern(CONTROLLER_NAME_PATTERN, 'domain-prefixed path'));
export type GatewayController = z.infer<typeof GatewayController>;

const DURATION_UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/**
 * Milliseconds of a GEP-2257 duration. Components add up like Go's time.ParseDuration, which is what the
 * CRD's CEL `duration()` uses, so "1m1m" is 2 minutes. Throws on a string the Duration schema rejects.
 */
export function durationToMillis(duration: string): number {
  if (!DURATION_PATTERN.test(duration)) throw new Error(`invalid duration ${JSON.stringify(duration)}`);
  let total = 0;
  for (const [, digits, unit] of duration.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    total += Number(digits) * (DURATION_UNIT_MS[unit ?? ''] ?? 0);
  }
  return total;
}

/** Keeps only the first occurrence of duplicated keys' indices (for list-map/set uniqueness checks). */
export function duplicateIndices<T>(items: readonly T[], key: (item: T) => string): number[] {
  const seen = new Set<string>();
  const dupes: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) dupes.push(i);
    else seen.add(k);
  });
  return dupes;
}

/**
 * An array whose items are unique by `key` (Kubernetes `x-kubernetes-list-type: map|set`, which the API
 * server enforces as "Duplicate value").
 */
export function uniqueBy<T extends z.ZodType>(item: T, key: (v: z.output<T>) => string, what: string) {
  return z.array(item).superRefine((items, ctx) => {
    for (const i of duplicateIndices(items, key)) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        message: `Duplicate value: ${what} ${JSON.stringify(key(items[i] as z.output<T>))}`,
      });
    }
  });
}

/** ParentReference: what a route attaches to (a Gateway by default). */
export const ParentReference = z.strictObject({
  group: Group.default('gateway.networking.k8s.io'),
  kind: Kind.default('Gateway'),
  namespace: Namespace.optional(),
  name: ObjectName,
  sectionName: SectionName.optional(),
  port: PortNumber.optional(),
});
export type ParentReference = z.infer<typeof ParentReference>;

function parentKey(p: ParentReference): string {
  return JSON.stringify([p.group, p.kind, p.name, p.namespace ?? '']);
}

/**
 * parentRefs list with the CRD's CEL rules: several references to one parent must each name a distinct
 * sectionName.
 */
export const ParentRefs = z
  .array(ParentReference)
  .max(32)
  .superRefine((refs, ctx) => {
    const byParent = new Map<string, number[]>();
    refs.forEach((ref, i) => byParent.set(parentKey(ref), [...(byParent.get(parentKey(ref)) ?? []), i]));
    for (const indices of byParent.values()) {
      if (indices.length < 2) continue;
      const withSection = indices.filter((i) => (refs[i]?.sectionName ?? '') !== '');
      if (withSection.length !== indices.length) {
        const i = indices.find((j) => (refs[j]?.sectionName ?? '') === '') ?? 0;
        ctx.addIssue({
          code: 'custom',
          path: [i, 'sectionName'],
          message:
            'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
        });
        continue;
      }
      for (const dup of duplicateIndices(indices, (i) => refs[i]?.sectionName ?? '')) {
        ctx.addIssue({
          code: 'custom',
          path: [indices[dup] ?? 0, 'sectionName'],
          message:
            'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
        });
      }
    }
  });

const servicePortRule = (ref: { group: string; kind: string; port?: number | undefined }) =>
  ref.group === '' && ref.kind === 'Service' ? ref.port !== undefined : true;

const backendObjectShape = {
  group: Group.default(''),
  kind: Kind.default('Service'),
  name: ObjectName,
  namespace: Namespace.optional(),
  port: PortNumber.optional(),
};

/** BackendObjectReference: a Service (default) or another backend kind, with the port Services require. */
export const BackendObjectReference = z.strictObject(backendObjectShape).superRefine((ref, ctx) => {
  if (!servicePortRule(ref))
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'Must have port for Service reference' });
});
export type BackendObjectReference = z.infer<typeof BackendObjectReference>;

export const Weight = z.number().int().min(0).max(1_000_000);

/** BackendRef (TCPRoute, TLSRoute): a backend object reference with a traffic weight (default 1). */
export const BackendRef = z
  .strictObject({ ...backendObjectShape, weight: Weight.default(1) })
  .superRefine((ref, ctx) => {
    if (!servicePortRule(ref))
      ctx.addIssue({ code: 'custom', path: ['port'], message: 'Must have port for Service reference' });
  });
export type BackendRef = z.infer<typeof BackendRef>;

/** The shape route backendRefs share, for HTTPRoute/GRPCRoute to extend with per-backend filters. */
export const backendRefShape = { ...backendObjectShape, weight: Weight.default(1) };
export const checkServicePort = (
  ref: { group: string; kind: string; port?: number | undefined },
  ctx: z.RefinementCtx,
): void => {
  if (!servicePortRule(ref))
    ctx.addIssue({ code: 'custom', path: ['port'], message: 'Must have port for Service reference' });
};

/** LocalObjectReference with group, kind and name all required (ExtensionRef, parametersRef). */
export const LocalObjectReference = z.strictObject({ group: Group, kind: Kind, name: ObjectName });
export type LocalObjectReference = z.infer<typeof LocalObjectReference>;

/** SecretObjectReference: a Secret (default) certificate reference. */
export const SecretObjectReference = z.strictObject({
  group: Group.default(''),
  kind: Kind.default('Secret'),
  name: ObjectName,
  namespace: Namespace.optional(),
});
export type SecretObjectReference = z.infer<typeof SecretObjectReference>;

/** ObjectReference with group and kind required (CA certificate refs). */
export const ObjectReference = z.strictObject({
  group: Group,
  kind: Kind,
  name: ObjectName,
  namespace: Namespace.optional(),
});
export type ObjectReference = z.infer<typeof ObjectReference>;

/** Route hostnames: list of Hostname (max 16 on HTTPRoute/GRPCRoute). */
export const RouteHostnames = z.array(Hostname).max(16);

/** HTTPHeader: name/value pair used by header modifiers. */
export const HTTPHeader = z.strictObject({ name: HTTPHeaderName, value: headerValueText(4096).min(1) });
export type HTTPHeader = z.infer<typeof HTTPHeader>;

/** HTTPHeaderFilter (RequestHeaderModifier / ResponseHeaderModifier). */
export const HTTPHeaderFilter = z.strictObject({
  set: uniqueBy(HTTPHeader, (h) => h.name, 'name')
    .max(16)
    .optional(),
  add: uniqueBy(HTTPHeader, (h) => h.name, 'name')
    .max(16)
    .optional(),
  // Upstream leaves these unpatterned; Envoy's request/response_headers_to_remove take header names.
  remove: uniqueBy(HTTPHeaderName, (s) => s, 'header')
    .max(16)
    .optional(),
});
export type HTTPHeaderFilter = z.infer<typeof HTTPHeaderFilter>;

/** HTTPHeaderMatch, also used by GRPCRoute (GRPCHeaderMatch has the same shape). */
export const HTTPHeaderMatch = z
  .strictObject({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
    name: HTTPHeaderName,
    value: z.string().min(1).max(4096),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'RegularExpression') addRegexIssue(m.value, ctx, ['value']);
    // No request can carry a header value with NUL, CR or LF: such an exact match is a typo or an attack.
    else if (HEADER_VALUE_FORBIDDEN.test(m.value))
      ctx.addIssue({ code: 'custom', path: ['value'], message: HEADER_VALUE_MESSAGE });
  });
export type HTTPHeaderMatch = z.infer<typeof HTTPHeaderMatch>;

/** Fraction of requests (mirroring). */
export const Fraction = z
  .strictObject({
    numerator: z.number().int().min(0).max(2_147_483_647),
    denominator: z.number().int().min(1).max(2_147_483_647).default(100),
  })
  .superRefine((f, ctx) => {
    if (f.numerator > f.denominator) {
      ctx.addIssue({
        code: 'custom',
        path: ['numerator'],
        message: 'numerator must be less than or equal to denominator',
      });
    }
  });
export type Fraction = z.infer<typeof Fraction>;

/** HTTPRequestMirrorFilter: copy requests to another backend, optionally only a share of them. */
export const HTTPRequestMirrorFilter = z
  .strictObject({
    backendRef: BackendObjectReference,
    percent: z.number().int().min(0).max(100).optional(),
    fraction: Fraction.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.percent !== undefined && m.fraction !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['fraction'],
        message: 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
      });
    }
  });
export type HTTPRequestMirrorFilter = z.infer<typeof HTTPRequestMirrorFilter>;

/** A label selector (metav1.LabelSelector). */
export const LabelSelector = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;
