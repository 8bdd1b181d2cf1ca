export { XdsServer, type XdsLogger, type XdsServerOptions } from './xds-server.js';
export type { ConnectedStream } from './ads-stream.js';
export {
  type EncodedResource,
  type EncodeMemo,
  type ResourceInput,
  type Snapshot,
  SnapshotCache,
  type SnapshotInput,
  type SnapshotListener,
  type TypeSnapshot,
} from './snapshot-cache.js';
export {
  type AuthGrant,
  type AuthRequest,
  type Authenticator,
  XdsAuthError,
  anyOf,
  bearerTokenAuthenticator,
  grantOf,
  mtlsAuthenticator,
  trustClaimedNodeId,
} from './authenticate.js';
export type {
  AckEvent,
  AuthFailureEvent,
  ConnectionEvent,
  NackEvent,
  StreamKind,
  XdsServerEvents,
} from './events.js';
export {
  type AdsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
  adsServiceDefinition,
} from './discovery-codec.js';
export { type XdsMetrics, createXdsMetrics } from './metrics.js';
