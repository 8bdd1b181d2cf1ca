/** The API's objects as the Service Manager reads them (a subset of the OpenAPI document's schemas). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface Listener {
  name: string;
  port: number;
  protocol: string;
  hostname?: string | null;
}

export interface Gateway {
  id: string;
  name: string;
  namespace: string;
  address: string | null;
  dnsName: string | null;
  listeners: Listener[];
  conditions: Condition[];
  status: unknown;
  template: { id: string; name: string } | null;
  clients: { clusterId: string | null; clusterName?: string | null }[];
  generation: number;
  observedGeneration: number;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Route {
  id: string;
  kind: string;
  name: string;
  namespace: string;
  spec: Record<string, unknown>;
  status: unknown;
  parents: { gatewayId: string; refIndex: number }[];
}

export interface EndpointSlice {
  id: string;
  clusterId: string | null;
  namespace: string;
  name: string;
  serviceName: string;
  endpoints: {
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    nodeName?: string | null;
    targetRef?: { kind?: string; name?: string } | null;
  }[];
  nodeAddresses: Record<string, string>;
}

/** One Envoy of a gateway as its tenant sees it: the EPIC node's name, never its addresses. */
export interface GatewayProxy {
  podName: string;
  node: string | null;
  ready: boolean;
  xdsConnected: boolean;
  ackedVersion: number | null;
  updatedAt: string;
}

export interface EnvoyResource {
  typeUrl: string;
  name: string;
  resource: unknown;
}

export interface Revision {
  version: number;
  hash: string;
  /** pending: not yet acknowledged by every proxy; acked: served; tainted: a proxy refused it (NACK) or it failed. */
  status: 'pending' | 'acked' | 'tainted';
  error: string | null;
  rollbackOf: number | null;
  createdAt: string;
  resources?: Record<string, EnvoyResource[]>;
}

export interface RevisionPage {
  items: Revision[];
  nextBefore: number | null;
}

export interface RevisionDiff {
  from: number;
  to: number;
  changes: { typeUrl: string; name: string; change: 'added' | 'removed' | 'modified'; paths?: string[] }[];
}
