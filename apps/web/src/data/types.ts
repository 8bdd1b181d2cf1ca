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
