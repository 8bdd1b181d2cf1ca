// The exchange between an EPIC node agent (`apps/agent --mode=epic-node`) and the EPIC API.
// The API serves these shapes (apps/api, node-scoped credential); the agent reads and reports them.
//
//   PUT  /epic-nodes/{name}            register or update the node (NodeRegistration) -> NodeRecord
//   GET  /epic-nodes/{name}/desired    what the node must program                   -> NodeDesiredState
//   PUT  /epic-nodes/{name}/proxies    the node's local Envoy proxies                 (ProxyReport) -> 204
//   POST /epic-nodes/{name}/sync       both in one round trip (the agent's tick)      (ProxyReport) -> NodeDesiredState
//
// The node credential is a bearer token scoped to one node name (`Authorization: Bearer <token>`); it can read
// and report only for that node. Platform admins create it (POST /epic-nodes with an admin key).

/** BGP settings of a node: its own ASN and router id, and the peers its gobgpd dials. */
export interface NodeBgpSettings {
  asn: number;
  routerId: string;
  peers: Array<{ address: string; asn: number; port?: number }>;
}

export interface NodeRegistration {
  /** Addresses of the node (the first is the GUE tunnel endpoint clients dial). */
  addresses: string[];
  bgp?: NodeBgpSettings;
  /** True while the node is being drained: it must withdraw every route. */
  draining?: boolean;
}

export interface NodeRecord extends NodeRegistration {
  name: string;
  createdAt: string;
}

/** One listener port of a gateway address, as the firewall opens it. */
export interface ListenerPort {
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** A gateway whose proxies run (or should run) on this node. */
export interface DesiredGateway {
  gatewayId: string;
  /** The gateway's public addresses (IPv4 and/or IPv6). */
  addresses: string[];
  /** What to announce for each address: the host route (/32, /128) or the pool's aggregate, as the template says. */
  advertise: Array<{ prefix: string }>;
  ports: ListenerPort[];
  /** The revision a local proxy must have ACKed before the node announces the gateway. */
  revision: number;
  /**
   * The newest revision a proxy of the gateway ACKed over the API's xDS (null while none): where the node learns
   * of ACKs when its proxies' own observations do not carry them. Absent from an older API = unknown.
   */
  ackedRevision?: number | null;
  /**
   * This node's proxies of the gateway and the revision each ACKed over the API's xDS (the instance in its
   * stream's node id; null while none). When present it decides for a proxy whose observation carries no ACK,
   * and `ackedRevision` (per gateway: another node's proxy may have ACKed) does not. Absent from an older API.
   */
  proxyAcks?: Array<{ podName: string; revision: number | null }>;
  /** GUE tunnels from client nodes of the tenant's clusters to this EPIC node, for this gateway. */
  tunnels: Array<{
    tunnelId: number;
    clientNode: string;
    localAddress: string;
    localPort: number;
    remoteAddress: string | null;
    remotePort: number | null;
    /** The tunnel's keep-alive HMAC key (hex), for the keep-alive receiver; only this node reads it. */
    key?: string;
    /**
     * The backends (pod address, port, protocol) this gateway's Envoys reach through the tunnel: the node's
     * GUE service entries (pod, port, protocol, Envoy veth mark) → tunnel. Absent = none programmed yet.
     */
    services?: Array<{ address: string; port: number; protocol: 'TCP' | 'UDP' }>;
  }>;
}

export interface NodeDesiredState {
  node: string;
  draining: boolean;
  gateways: DesiredGateway[];
}

/** A local Envoy proxy on the node, as the agent sees it. */
export interface ProxyObservation {
  gatewayId: string;
  podName: string;
  /** ifindex of the proxy's host-side veth (the GUE tag program attaches there). */
  vethIfindex: number | null;
  ready: boolean;
  /** The revision the proxy ACKed, if its observer knows it (otherwise the API's `proxyAcks` decide). */
  ackedVersion: number | null;
}

export interface ProxyReport {
  proxies: ProxyObservation[];
}
