import {
  GatewayConditionReason,
  ListenerConditionReason,
  PolicyConditionReason,
  ListenerSetConditionReason,
  RouteConditionReason,
} from '@epic/gateway-api';

// Condition types and reasons this translator reports, taken from @epic/gateway-api so the spelling is
// upstream's.

export const ConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  Conflicted: 'Conflicted',
  InsecureFrontendValidationMode: 'InsecureFrontendValidationMode',
  AttachedListenerSets: 'AttachedListenerSets',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  Accepted: RouteConditionReason.Accepted,
  ResolvedRefs: RouteConditionReason.ResolvedRefs,
  Programmed: GatewayConditionReason.Programmed,
  Invalid: GatewayConditionReason.Invalid,
  NotAllowedByListeners: RouteConditionReason.NotAllowedByListeners,
  NoMatchingListenerHostname: RouteConditionReason.NoMatchingListenerHostname,
  NoMatchingParent: RouteConditionReason.NoMatchingParent,
  UnsupportedValue: RouteConditionReason.UnsupportedValue,
  RefNotPermitted: RouteConditionReason.RefNotPermitted,
  InvalidKind: RouteConditionReason.InvalidKind,
  BackendNotFound: RouteConditionReason.BackendNotFound,
  ListenersNotValid: GatewayConditionReason.ListenersNotValid,
  UnsupportedProtocol: ListenerConditionReason.UnsupportedProtocol,
  InvalidCertificateRef: ListenerConditionReason.InvalidCertificateRef,
  InvalidRouteKinds: ListenerConditionReason.InvalidRouteKinds,
  ProtocolConflict: ListenerConditionReason.ProtocolConflict,
  HostnameConflict: ListenerConditionReason.HostnameConflict,
  NoConflicts: ListenerConditionReason.NoConflicts,
  UnsupportedAddress: GatewayConditionReason.UnsupportedAddress,
  InvalidParameters: GatewayConditionReason.InvalidParameters,
  AddressNotAssigned: GatewayConditionReason.AddressNotAssigned,
  AddressNotUsable: GatewayConditionReason.AddressNotUsable,
  ConfigurationChanged: GatewayConditionReason.ConfigurationChanged,
  NoValidCACertificate: ListenerConditionReason.NoValidCACertificate,
  InvalidCACertificateRef: ListenerConditionReason.InvalidCACertificateRef,
  InvalidCACertificateKind: ListenerConditionReason.InvalidCACertificateKind,
  Conflicted: PolicyConditionReason.Conflicted,
  InvalidClientCertificateRef: GatewayConditionReason.InvalidClientCertificateRef,
  // GEP-1713 (ListenerSet and the Gateway's AttachedListenerSets condition).
  NotAllowed: ListenerSetConditionReason.NotAllowed,
  ParentNotAccepted: ListenerSetConditionReason.ParentNotAccepted,
  ListenerSetsAttached: GatewayConditionReason.ListenerSetsAttached,
  NoListenerSetsAttached: GatewayConditionReason.NoListenerSetsAttached,
  ListenerSetsNotAllowed: GatewayConditionReason.ListenerSetsNotAllowed,
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** A status condition without lastTransitionTime: the caller stamps time when it writes status. */
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
  observedGeneration: number;
}

export function condition(
  type: ConditionType,
  ok: boolean,
  reason: Reason,
  message: string,
  observedGeneration: number,
): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, observedGeneration };
}
