import { z } from 'zod';
import { GatewayController, Group, Kind, ParentReference, SectionName } from './common.js';
import { ADDRESS_HOSTNAME, AddressType, checkAddressValue } from './gateway.js';

// Status types (metav1.Condition and the Gateway API status structs), as the v1.6.1 CRDs declare them.

const CONDITION_TYPE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** metav1.Condition. `lastTransitionTime` is an RFC 3339 timestamp, stamped by whoever writes status. */
export const Condition = z.strictObject({
  type: z
    .string()
    .max(316)
    .regex(CONDITION_TYPE, { message: `must match ${CONDITION_TYPE.source}` }),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: z.number().int().min(0).optional(),
  lastTransitionTime: z.iso.datetime({ offset: true }),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(CONDITION_REASON, { message: `must match ${CONDITION_REASON.source}` }),
  message: z.string().max(32768),
});
export type Condition = z.infer<typeof Condition>;
export type ConditionStatus = Condition['status'];

const Conditions = (min: number) => z.array(Condition).min(min).max(8);

/** RouteParentStatus: a route's status with respect to one parent, written by one controller. */
export const RouteParentStatus = z.strictObject({
  parentRef: ParentReference,
  controllerName: GatewayController,
  conditions: Conditions(1),
});
export type RouteParentStatus = z.infer<typeof RouteParentStatus>;

/** RouteStatus: shared by HTTPRoute, GRPCRoute, TCPRoute and TLSRoute. */
export const RouteStatus = z.strictObject({ parents: z.array(RouteParentStatus).max(32) });
export type RouteStatus = z.infer<typeof RouteStatus>;

export const ListenerStatus = z.strictObject({
  name: SectionName,
  supportedKinds: z
    .array(z.strictObject({ group: Group.default('gateway.networking.k8s.io'), kind: Kind }))
    .max(8)
    .optional(),
  attachedRoutes: z.number().int().min(-2_147_483_648).max(2_147_483_647),
  conditions: Conditions(0),
});
export type ListenerStatus = z.infer<typeof ListenerStatus>;

export const GatewayStatusAddress = z
  .strictObject({ type: AddressType, value: z.string().min(1).max(253) })
  .superRefine((a, ctx) =>
    checkAddressValue(
      a,
      ctx,
      `Hostname value must only contain valid characters (matching ${ADDRESS_HOSTNAME.source})`,
    ),
  );
export type GatewayStatusAddress = z.infer<typeof GatewayStatusAddress>;

const PENDING = (type: 'Accepted' | 'Programmed'): Condition => ({
  type,
  status: 'Unknown',
  lastTransitionTime: '1970-01-01T00:00:00Z',
  reason: 'Pending',
  message: 'Waiting for controller',
});

export const GatewayStatus = z.strictObject({
  addresses: z.array(GatewayStatusAddress).max(16).optional(),
  // The CRD's default: what a Gateway shows before any controller has seen it.
  conditions: Conditions(0).default(() => [PENDING('Accepted'), PENDING('Programmed')]),
  listeners: z.array(ListenerStatus).max(64).optional(),
  attachedListenerSets: z.number().int().min(0).max(2_147_483_647).optional(),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;

/** ListenerEntryStatus: a ListenerSet listener's status (the Gateway ListenerStatus shape). */
export const ListenerEntryStatus = ListenerStatus;
export type ListenerEntryStatus = z.infer<typeof ListenerEntryStatus>;

/** ListenerSetStatus (GEP-1713): Accepted/Programmed, and one entry per listener. */
export const ListenerSetStatus = z.strictObject({
  conditions: Conditions(0).default(() => [PENDING('Accepted'), PENDING('Programmed')]),
  listeners: z.array(ListenerEntryStatus).max(64).optional(),
});
export type ListenerSetStatus = z.infer<typeof ListenerSetStatus>;
