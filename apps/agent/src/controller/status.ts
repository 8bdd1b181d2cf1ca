import type {
  EpicGatewayState,
  EpicListenerSetState,
  EpicPolicyState,
  EpicRouteParent,
  StoredCondition,
} from './epic-client.js';
import type { KubeObject } from './resources.js';

/**
 * Status as EPIC computed it, put into the shape the Gateway API defines — nothing here decides a condition
 * (the shared translator did, on the EPIC side); this only copies, stamps observedGeneration with the
 * client generation EPIC says it describes, and compares before a write.
 */

type Condition = Omit<StoredCondition, 'observedGeneration'> & { observedGeneration?: number };

const stamp = (conditions: readonly StoredCondition[], generation: number): Condition[] =>
  conditions.map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    observedGeneration: generation,
    lastTransitionTime: c.lastTransitionTime,
  }));

/** Deep equality that ignores every lastTransitionTime and key order. */
export function sameIgnoringTransitionTimes(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        if (k === 'lastTransitionTime') continue;
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = norm(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * The Gateway's status from EPIC's state, or undefined when EPIC has not yet described the generation sent.
 * `attachedListenerSets` is null when EPIC leaves it out: a merge patch then removes it.
 */
export function gatewayStatus(state: EpicGatewayState): Record<string, unknown> | undefined {
  const gen = state.observedClientGeneration;
  if (gen === null) return undefined;
  const addresses = [
    ...(state.address ? [{ type: 'IPAddress', value: state.address }] : []),
    ...(state.dnsName ? [{ type: 'Hostname', value: state.dnsName }] : []),
  ];
  return {
    addresses,
    conditions: stamp(state.conditions, gen),
    listeners: state.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: l.attachedRoutes,
      conditions: stamp(l.conditions, gen),
    })),
    attachedListenerSets: state.attachedListenerSets ?? null,
  };
}

/**
 * A ListenerSet's status (GEP-1713) from EPIC's state: wholly ours (its parent Gateway is of our class), the
 * conditions and listeners stamped with the client generation they describe; undefined while pending.
 */
export function listenerSetStatus(state: EpicListenerSetState): Record<string, unknown> | undefined {
  const gen = state.observedClientGeneration;
  if (gen === null) return undefined;
  return {
    conditions: stamp(state.conditions, gen),
    listeners: state.listeners.map((l) => ({
      name: l.name,
      supportedKinds: l.supportedKinds,
      attachedRoutes: l.attachedRoutes,
      conditions: stamp(l.conditions, gen),
    })),
  };
}

interface RouteParentStatus {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: Condition[];
}

/**
 * A route's status.parents with our entries replaced by EPIC's (from every EPIC cluster the route reaches)
 * and every other controller's entries kept as they are, in their order. `ours` undefined means EPIC's
 * status is pending: keep what we wrote before.
 */
export function routeParents(
  route: KubeObject,
  controllerName: string,
  ours: { generation: number; parents: EpicRouteParent[] } | undefined,
): RouteParentStatus[] | undefined {
  const current = ((route.status?.parents as RouteParentStatus[] | undefined) ?? []).filter(Boolean);
  if (!ours) return undefined;
  const others = current.filter((p) => p.controllerName !== controllerName);
  const mine = ours.parents.map((p) => ({
    parentRef: p.parentRef,
    controllerName,
    conditions: stamp(p.conditions, ours.generation),
  }));
  return [...others, ...mine];
}

/**
 * A BackendTLSPolicy's `status.ancestors`: other controllers' entries as they are, ours replaced by EPIC's
 * (without EPIC's gateway ids), stamped with the generation they describe; undefined while ours are pending.
 * The spec caps the list at 16 entries.
 */
export function policyAncestors(
  policy: KubeObject,
  controllerName: string,
  ours: { generation: number; ancestors: EpicPolicyState['ancestors'] } | undefined,
): Array<Record<string, unknown>> | undefined {
  if (!ours) return undefined;
  const current = ((policy.status?.ancestors as Array<{ controllerName?: string }> | undefined) ?? []).filter(
    Boolean,
  );
  const others = current.filter((a) => a.controllerName !== controllerName);
  const mine = ours.ancestors.map((a) => ({
    ancestorRef: a.ancestorRef,
    controllerName,
    conditions: stamp(a.conditions, ours.generation),
  }));
  return [...others, ...mine].slice(0, 16);
}

/** GatewayClass status: Accepted with the reason the spec defines, and the features EPIC supports. */
export function gatewayClassStatus(
  generation: number,
  verdict: { accepted: true; message: string; features: string[] } | { accepted: false; message: string },
  now: string,
  current: KubeObject['status'],
): Record<string, unknown> {
  const prior = ((current?.conditions as Condition[] | undefined) ?? []).find((c) => c.type === 'Accepted');
  const status = verdict.accepted ? 'True' : 'False';
  const accepted: Condition = {
    type: 'Accepted',
    status,
    reason: verdict.accepted ? 'Accepted' : 'InvalidParameters',
    message: verdict.message,
    observedGeneration: generation,
    lastTransitionTime: prior && prior.status === status ? prior.lastTransitionTime : now,
  };
  const others = ((current?.conditions as Condition[] | undefined) ?? []).filter(
    (c) => c.type !== 'Accepted',
  );
  return {
    conditions: [accepted, ...others],
    ...(verdict.accepted
      ? { supportedFeatures: [...verdict.features].sort().map((name) => ({ name })) }
      : {}),
  };
}
