// Well-known condition types and reasons of Gateway API v1 (apis/v1/gateway_types.go, httproute_types.go,
// shared_types.go). `as const` objects so both the literal types and the values are available.

export const GatewayConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  /** Experimental upstream: references outside listeners, plus a summary of listeners' ResolvedRefs. */
  ResolvedRefs: 'ResolvedRefs',
  InsecureFrontendValidationMode: 'InsecureFrontendValidationMode',
  /** Reserved upstream for future use; implementations should not set it. */
  Ready: 'Ready',
  /** GEP-1713: True when at least one ListenerSet is attached. */
  AttachedListenerSets: 'AttachedListenerSets',
} as const;

export const GatewayConditionReason = {
  Accepted: 'Accepted',
  ListenersNotValid: 'ListenersNotValid',
  InvalidParameters: 'InvalidParameters',
  UnsupportedAddress: 'UnsupportedAddress',
  NotReconciled: 'NotReconciled',
  Pending: 'Pending',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  AddressNotAssigned: 'AddressNotAssigned',
  AddressNotUsable: 'AddressNotUsable',
  NoResources: 'NoResources',
  ConfigurationChanged: 'ConfigurationChanged',
  ResolvedRefs: 'ResolvedRefs',
  InvalidClientCertificateRef: 'InvalidClientCertificateRef',
  RefNotPermitted: 'RefNotPermitted',
  ListenersNotResolved: 'ListenersNotResolved',
  /** AttachedListenerSets reasons (GEP-1713). */
  ListenerSetsAttached: 'ListenerSetsAttached',
  NoListenerSetsAttached: 'NoListenerSetsAttached',
  ListenerSetsNotAllowed: 'ListenerSetsNotAllowed',
} as const;

/** ListenerSet condition types (GEP-1713, apis/v1/listenerset_types.go). */
export const ListenerSetConditionType = {
  Accepted: 'Accepted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
} as const;

export const ListenerSetConditionReason = {
  Accepted: 'Accepted',
  NotAllowed: 'NotAllowed',
  ParentNotAccepted: 'ParentNotAccepted',
  ListenersNotValid: 'ListenersNotValid',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  Pending: 'Pending',
  ResolvedRefs: 'ResolvedRefs',
} as const;

export const GatewayClassConditionType = {
  Accepted: 'Accepted',
  SupportedVersion: 'SupportedVersion',
} as const;

export const GatewayClassConditionReason = {
  Accepted: 'Accepted',
  InvalidParameters: 'InvalidParameters',
  Pending: 'Pending',
  Unsupported: 'Unsupported',
  SupportedVersion: 'SupportedVersion',
  UnsupportedVersion: 'UnsupportedVersion',
} as const;

export const ListenerConditionType = {
  Accepted: 'Accepted',
  Conflicted: 'Conflicted',
  Programmed: 'Programmed',
  ResolvedRefs: 'ResolvedRefs',
  OverlappingTLSConfig: 'OverlappingTLSConfig',
} as const;

export const ListenerConditionReason = {
  Accepted: 'Accepted',
  PortUnavailable: 'PortUnavailable',
  UnsupportedProtocol: 'UnsupportedProtocol',
  NoConflicts: 'NoConflicts',
  HostnameConflict: 'HostnameConflict',
  ProtocolConflict: 'ProtocolConflict',
  ResolvedRefs: 'ResolvedRefs',
  InvalidCertificateRef: 'InvalidCertificateRef',
  InvalidRouteKinds: 'InvalidRouteKinds',
  RefNotPermitted: 'RefNotPermitted',
  Programmed: 'Programmed',
  Invalid: 'Invalid',
  Pending: 'Pending',
  OverlappingHostnames: 'OverlappingHostnames',
  OverlappingCertificates: 'OverlappingCertificates',
  UnsupportedValue: 'UnsupportedValue',
  NoValidCACertificate: 'NoValidCACertificate',
  InvalidCACertificateRef: 'InvalidCACertificateRef',
  InvalidCACertificateKind: 'InvalidCACertificateKind',
} as const;

export const RouteConditionType = {
  Accepted: 'Accepted',
  ResolvedRefs: 'ResolvedRefs',
  PartiallyInvalid: 'PartiallyInvalid',
} as const;

export const RouteConditionReason = {
  Accepted: 'Accepted',
  NotAllowedByListeners: 'NotAllowedByListeners',
  NoMatchingListenerHostname: 'NoMatchingListenerHostname',
  NoMatchingParent: 'NoMatchingParent',
  UnsupportedValue: 'UnsupportedValue',
  Pending: 'Pending',
  IncompatibleFilters: 'IncompatibleFilters',
  ResolvedRefs: 'ResolvedRefs',
  RefNotPermitted: 'RefNotPermitted',
  InvalidKind: 'InvalidKind',
  BackendNotFound: 'BackendNotFound',
  UnsupportedProtocol: 'UnsupportedProtocol',
} as const;

export type GatewayConditionType = (typeof GatewayConditionType)[keyof typeof GatewayConditionType];
export type GatewayConditionReason = (typeof GatewayConditionReason)[keyof typeof GatewayConditionReason];
export type ListenerConditionType = (typeof ListenerConditionType)[keyof typeof ListenerConditionType];
export type ListenerConditionReason = (typeof ListenerConditionReason)[keyof typeof ListenerConditionReason];
export type RouteConditionType = (typeof RouteConditionType)[keyof typeof RouteConditionType];
export type ListenerSetConditionType =
  (typeof ListenerSetConditionType)[keyof typeof ListenerSetConditionType];
export type ListenerSetConditionReason =
  (typeof ListenerSetConditionReason)[keyof typeof ListenerSetConditionReason];
export type RouteConditionReason = (typeof RouteConditionReason)[keyof typeof RouteConditionReason];

/** API group and version of the Gateway API objects modelled here. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = 'v1';
/** The upstream release whose CRDs these schemas follow. */
export const GATEWAY_API_BUNDLE_VERSION = 'v1.6.1';
