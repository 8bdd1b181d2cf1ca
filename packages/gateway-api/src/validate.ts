import { z } from 'zod';
import { BackendTLSPolicySpec } from './backend-tls-policy.js';
import { GatewaySpec } from './gateway.js';
import { GatewayClassSpec } from './gateway-class.js';
import { GRPCRouteSpec } from './grpc-route.js';
import { HTTPRouteSpec } from './http-route.js';
import { TCPRouteSpec, TLSRouteSpec, UDPRouteSpec } from './l4-route.js';
import { ListenerSetSpec } from './listener-set.js';
import { ReferenceGrantSpec } from './reference-grant.js';

/** Route kinds the API accepts, each with the schema of its `spec`. */
export const routeSpecSchemas = {
  HTTPRoute: HTTPRouteSpec,
  GRPCRoute: GRPCRouteSpec,
  TCPRoute: TCPRouteSpec,
  TLSRoute: TLSRouteSpec,
  UDPRoute: UDPRouteSpec,
} as const satisfies Record<'HTTPRoute' | 'TCPRoute' | 'GRPCRoute' | 'TLSRoute' | 'UDPRoute', z.ZodType>;
export type RouteKind = keyof typeof routeSpecSchemas;

/** Every kind whose spec this package validates. */
export const specSchemas = {
  ...routeSpecSchemas,
  Gateway: GatewaySpec,
  GatewayClass: GatewayClassSpec,
  ReferenceGrant: ReferenceGrantSpec,
  BackendTLSPolicy: BackendTLSPolicySpec,
  ListenerSet: ListenerSetSpec,
} as const;
export type SpecKind = keyof typeof specSchemas;
export type SpecOf<K extends SpecKind> = z.output<(typeof specSchemas)[K]>;

export function isRouteKind(kind: string): kind is RouteKind {
  return Object.hasOwn(routeSpecSchemas, kind);
}

export interface ValidationIssue {
  /** Kubernetes-style field path, e.g. `spec.rules[0].matches[0].path.value`. */
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * Kubernetes-style field path from a zod issue path: `['rules', 0, 'name']` → `spec.rules[0].name`.
 * Map keys that are not identifiers are bracketed and quoted, like the API server does for labels.
 */
export function fieldPath(issuePath: readonly PropertyKey[], root = 'spec'): string {
  let out = root;
  for (const segment of issuePath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment))
      out += `${out ? '.' : ''}${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Turns zod issues into field-path issues; unknown fields are reported on the field itself. */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[], root = 'spec'): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const message =
          issue.message.includes(`filter.${key} must be nil`) || issue.message.includes(`when ${key} is set`)
            ? (issue.message.split('; ').find((m) => m.includes(key)) ?? issue.message)
            : 'unknown field';
        out.push({ path: fieldPath([...issue.path, key], root), message });
      }
      continue;
    }
    // zod 4 fills `issue.input` only when asked to; its message says what was received.
    if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
      out.push({ path: fieldPath(issue.path, root), message: 'Required value' });
      continue;
    }
    out.push({ path: fieldPath(issue.path, root), message: issue.message });
  }
  return out;
}

/** Validates and defaults the `spec` of a Gateway API object of the given kind. */
export function validate<K extends SpecKind>(
  kind: K,
  spec: unknown,
  root = 'spec',
): ValidationResult<SpecOf<K>> {
  const schema: z.ZodType = specSchemas[kind];
  const result = schema.safeParse(spec);
  if (result.success) return { ok: true, value: result.data as SpecOf<K> };
  return { ok: false, issues: toValidationIssues(result.error.issues, root) };
}

/** One line per issue: `spec.rules[0].matches[0].path.value: must not contain '//' ...`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
