import { z } from 'zod';
import {
  backendRefShape,
  checkServicePort,
  HTTPHeaderFilter,
  HTTPHeaderMatch,
  HTTPRequestMirrorFilter,
  LocalObjectReference,
  addRegexIssue,
  ParentRefs,
  RouteHostnames,
  RouteRuleName,
  uniqueBy,
} from './common.js';
import { checkFilterList, filterTypeError, filterVariant } from './filters.js';
import { checkTotalMatches } from './http-route.js';

const GRPC_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** GRPCMethodMatch: service and/or method, exact (validated names) or regular expressions. */
export const GRPCMethodMatch = z
  .strictObject({
    type: z.enum(['Exact', 'RegularExpression']).default('Exact'),
    service: z.string().max(1024).optional(),
    method: z.string().max(1024).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.service === undefined && m.method === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: "One or both of 'service' or 'method' must be specified",
      });
    }
    if (m.type === 'RegularExpression') {
      if (m.service !== undefined) addRegexIssue(m.service, ctx, ['service']);
      if (m.method !== undefined) addRegexIssue(m.method, ctx, ['method']);
      return;
    }
    if (m.service !== undefined && !GRPC_SERVICE.test(m.service)) {
      ctx.addIssue({
        code: 'custom',
        path: ['service'],
        message:
          'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
      });
    }
    if (m.method !== undefined && !GRPC_METHOD.test(m.method)) {
      ctx.addIssue({
        code: 'custom',
        path: ['method'],
        message: 'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
      });
    }
  });
export type GRPCMethodMatch = z.infer<typeof GRPCMethodMatch>;

export const GRPCHeaderMatch = HTTPHeaderMatch;
export type GRPCHeaderMatch = z.infer<typeof GRPCHeaderMatch>;

export const GRPCRouteMatch = z.strictObject({
  method: GRPCMethodMatch.optional(),
  headers: uniqueBy(GRPCHeaderMatch, (h) => h.name, 'name')
    .max(16)
    .optional(),
});
export type GRPCRouteMatch = z.infer<typeof GRPCRouteMatch>;

export const GRPC_FILTER_TYPES = [
  'ResponseHeaderModifier',
  'RequestHeaderModifier',
  'RequestMirror',
  'ExtensionRef',
] as const;

export const GRPCRouteFilter = z.discriminatedUnion(
  'type',
  [
    filterVariant('RequestHeaderModifier', HTTPHeaderFilter),
    filterVariant('ResponseHeaderModifier', HTTPHeaderFilter),
    filterVariant('RequestMirror', HTTPRequestMirrorFilter),
    filterVariant('ExtensionRef', LocalObjectReference),
  ],
  { error: filterTypeError(GRPC_FILTER_TYPES) },
);
export type GRPCRouteFilter = z.infer<typeof GRPCRouteFilter>;

const GRPCRouteFilters = z
  .array(GRPCRouteFilter)
  .max(16)
  .superRefine((filters, ctx) =>
    checkFilterList(filters, ctx, ['RequestHeaderModifier', 'ResponseHeaderModifier']),
  );

export const GRPCBackendRef = z
  .strictObject({ ...backendRefShape, filters: GRPCRouteFilters.optional() })
  .superRefine(checkServicePort);
export type GRPCBackendRef = z.infer<typeof GRPCBackendRef>;

export const GRPCRouteRule = z.strictObject({
  name: RouteRuleName.optional(),
  matches: z.array(GRPCRouteMatch).max(64).optional(),
  filters: GRPCRouteFilters.optional(),
  backendRefs: z.array(GRPCBackendRef).max(16).optional(),
});
export type GRPCRouteRule = z.infer<typeof GRPCRouteRule>;

/** GRPCRouteSpec (gateway.networking.k8s.io/v1). */
export const GRPCRouteSpec = z.strictObject({
  parentRefs: ParentRefs.optional(),
  hostnames: RouteHostnames.optional(),
  rules: z.array(GRPCRouteRule).max(16).superRefine(checkTotalMatches).optional(),
});
export type GRPCRouteSpec = z.infer<typeof GRPCRouteSpec>;
export type GRPCRouteSpecInput = z.input<typeof GRPCRouteSpec>;
