import { z } from 'zod';
import { Group, Kind, Namespace, ObjectName } from './common.js';
import { checkListeners, Listener } from './gateway.js';

// ListenerSet v1 (GEP-1713) as the standard-channel CRD of Gateway API v1.6.1 declares it: listeners that
// attach to a parent Gateway which allows them (`spec.allowedListeners`). A ListenerSet's listener entry has
// the Gateway Listener's fields and the same list rules (name unique within the ListenerSet, the
// port/protocol/hostname combination unique, tls by protocol).

/** ParentGatewayReference: the Gateway a ListenerSet attaches to (its own namespace by default). */
export const ParentGatewayReference = z.strictObject({
  group: Group.default('gateway.networking.k8s.io'),
  kind: Kind.default('Gateway'),
  name: ObjectName,
  namespace: Namespace.optional(),
});
export type ParentGatewayReference = z.infer<typeof ParentGatewayReference>;

/** ListenerEntry: a Gateway listener, scoped to the ListenerSet. */
export const ListenerEntry = Listener;
export type ListenerEntry = z.infer<typeof ListenerEntry>;

/** ListenerSetSpec (gateway.networking.k8s.io/v1). */
export const ListenerSetSpec = z.strictObject({
  parentRef: ParentGatewayReference,
  listeners: z.array(ListenerEntry).min(1).max(64).superRefine(checkListeners),
});
export type ListenerSetSpec = z.infer<typeof ListenerSetSpec>;
export type ListenerSetSpecInput = z.input<typeof ListenerSetSpec>;
