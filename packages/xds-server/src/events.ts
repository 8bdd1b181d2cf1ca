// What the xDS server tells the application: ACKs and NACKs per node and type (so the API can mark a
// ConfigRevision acked or tainted), and proxies connecting or leaving.
export type StreamKind = 'sotw' | 'delta';

export interface AckEvent {
  nodeId: string;
  typeUrl: string;
  /** The version the proxy now runs for this type (version_info). */
  version: string;
  /** Version of the whole snapshot (revision) the acknowledged response was cut from. */
  snapshotVersion: string;
  nonce: string;
  /** From sending the response to receiving its ACK. */
  latencyMs: number;
  /** From setSnapshot of the acknowledged snapshot to the ACK: route-programming latency. */
  sinceSnapshotMs: number;
  stream: StreamKind;
}

export interface NackEvent {
  nodeId: string;
  typeUrl: string;
  /** The version the proxy rejected (it keeps running its previous one). */
  version: string;
  /** Version of the whole snapshot (revision) the rejected response was cut from: the revision to taint. */
  snapshotVersion: string;
  nonce: string;
  /** error_detail.message from the proxy. */
  error: string;
  code: number;
  stream: StreamKind;
}

export interface ConnectionEvent {
  nodeId: string;
  peer: string;
  stream: StreamKind;
}

export interface AuthFailureEvent {
  claimedNodeId: string;
  peer: string;
  code: number;
  message: string;
}

export interface XdsServerEvents {
  ack: [AckEvent];
  nack: [NackEvent];
  connect: [ConnectionEvent];
  disconnect: [ConnectionEvent];
  authFailure: [AuthFailureEvent];
}
