import { z } from 'zod';
import { BackendRef, Hostname, ParentRefs, RouteRuleName } from './common.js';

// TCPRoute, TLSRoute and UDPRoute: in Gateway API v1.6.1 all three are served as v1 by the standard-channel CRDs
// (v1alpha2 is no longer served), so that is the version modelled here.

/** A layer-4 rule: one list of weighted backends. */
const L4RouteRule = z.strictObject({
  name: RouteRuleName.optional(),
  backendRefs: z.array(BackendRef).min(1).max(16),
});

export const TCPRouteRule = L4RouteRule;
export type TCPRouteRule = z.infer<typeof TCPRouteRule>;

/** TCPRouteSpec (gateway.networking.k8s.io/v1): exactly one rule. */
export const TCPRouteSpec = z.strictObject({
  parentRefs: ParentRefs.optional(),
  rules: z.array(TCPRouteRule).min(1).max(1),
});
export type TCPRouteSpec = z.infer<typeof TCPRouteSpec>;
export type TCPRouteSpecInput = z.input<typeof TCPRouteSpec>;

export const TLSRouteRule = L4RouteRule;
export type TLSRouteRule = z.infer<typeof TLSRouteRule>;

/** TLSRouteSpec (gateway.networking.k8s.io/v1): SNI hostnames are required; exactly one rule. */
export const TLSRouteSpec = z.strictObject({
  parentRefs: ParentRefs.optional(),
  hostnames: z.array(Hostname).min(1).max(1024),
  rules: z.array(TLSRouteRule).min(1).max(1),
});
export type TLSRouteSpec = z.infer<typeof TLSRouteSpec>;
export type TLSRouteSpecInput = z.input<typeof TLSRouteSpec>;

export const UDPRouteRule = L4RouteRule;
export type UDPRouteRule = z.infer<typeof UDPRouteRule>;

/** UDPRouteSpec (gateway.networking.k8s.io/v1): exactly one rule, like TCPRoute. */
export const UDPRouteSpec = z.strictObject({
  parentRefs: ParentRefs.optional(),
  rules: z.array(UDPRouteRule).min(1).max(1),
});
export type UDPRouteSpec = z.infer<typeof UDPRouteSpec>;
export type UDPRouteSpecInput = z.input<typeof UDPRouteSpec>;
