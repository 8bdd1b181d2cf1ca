// xDS resource type URLs served by the ADS server; each names the message its resources decode into.
export const TYPE_PREFIX = 'type.googleapis.com/';

export const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export const SECRET = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
export const BOOTSTRAP = 'type.googleapis.com/envoy.config.bootstrap.v3.Bootstrap';

export type XdsTypeUrl = typeof LISTENER | typeof ROUTE | typeof CLUSTER | typeof ENDPOINT | typeof SECRET;

/** The five xDS resource types, in the order an ADS server pushes them (ADR 0400: secrets, CDS, EDS, LDS, RDS). */
export const XDS_TYPE_URLS: readonly XdsTypeUrl[] = [SECRET, CLUSTER, ENDPOINT, LISTENER, ROUTE];

export function isXdsTypeUrl(typeUrl: string): typeUrl is XdsTypeUrl {
  return (XDS_TYPE_URLS as readonly string[]).includes(typeUrl);
}

/** `type.googleapis.com/a.b.C` → `a.b.C` (anything after the last '/', as the Any spec says). */
export function messageNameOfTypeUrl(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

export function typeUrlOf(messageName: string): string {
  return TYPE_PREFIX + messageName;
}
