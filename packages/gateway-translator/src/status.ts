import type { Condition } from './conditions.js';

// What the translator says about the objects it read. The caller stamps lastTransitionTime and merges these
// conditions by type into the stored status (keeping the time of unchanged ones).

export interface NormalizedParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface RouteParentStatus {
  parentRef: NormalizedParentRef;
  conditions: Condition[];
}

export interface RouteStatus {
  id: string;
  kind: string;
  namespace: string;
  name: string;
  /** One entry per parentRef that names this gateway; other parents are other gateways' business. */
  parents: RouteParentStatus[];
}

export interface ListenerStatus {
  name: string;
  attachedRoutes: number;
  supportedKinds: { group: string; kind: string }[];
  conditions: Condition[];
}

export interface GatewayStatus {
  observedGeneration: number;
  /** Accepted, and Programmed as far as translation can tell (the caller downgrades it on NACK/taint). */
  conditions: Condition[];
  listeners: ListenerStatus[];
  /** GEP-1713: ListenerSets attached (Accepted=True); present when the Gateway deals with ListenerSets. */
  attachedListenerSets?: number;
}

/** A ListenerSet's status (GEP-1713): Accepted and Programmed, and one entry per listener. */
export interface ListenerSetStatus {
  id: string;
  namespace: string;
  name: string;
  observedGeneration: number;
  conditions: Condition[];
  listeners: ListenerStatus[];
}

/** One ancestor (this gateway) of a BackendTLSPolicy that targets one of its backends. */
export interface PolicyAncestorStatus {
  ancestorRef: { group: string; kind: string; namespace: string; name: string };
  conditions: Condition[];
}

export interface BackendTlsPolicyStatus {
  id: string;
  namespace: string;
  name: string;
  ancestors: PolicyAncestorStatus[];
}

export interface TranslateStatus {
  gateway: GatewayStatus;
  /** Sorted by kind, namespace, name. */
  routes: RouteStatus[];
  /** BackendTLSPolicies that target a backend of this gateway, sorted by namespace/name (absent: none given). */
  backendTlsPolicies?: BackendTlsPolicyStatus[];
  /** ListenerSets whose parentRef names the gateway, in precedence order; absent when there are none. */
  listenerSets?: ListenerSetStatus[];
}
