// State-of-the-world ADS (StreamAggregatedResources). Per type: what the proxy subscribed to, the last response
// (version, nonce, contents) and whether it still awaits its ACK. At most one response per type is in flight,
// so every version is acknowledged or rejected before the next one is sent; a NACKed version is not re-sent.
import { CLUSTER, LISTENER, type XdsTypeUrl, isXdsTypeUrl } from '@epic/envoy-proto';
import { AdsStreamBase } from './ads-stream.js';
import type { DiscoveryRequest, DiscoveryResponse } from './discovery-codec.js';
import { shortType } from './metrics.js';
import type { EncodedResource } from './snapshot-cache.js';

interface TypeState {
  /** Legacy wildcard (first request with no names) or an explicit "*": every resource of the type. */
  wildcard: boolean;
  legacyWildcard: boolean;
  names: Set<string>;
  nonce: string | undefined;
  awaitingAck: boolean;
  sentVersion: string | undefined;
  /** name → content version of what the last response carried. */
  sent: Map<string, string> | undefined;
  sentAt: number;
  snapshotSetAt: number;
  snapshotVersion: string;
}

/** Types whose responses must list every subscribed resource; a missing one means "deleted" (xDS protocol). */
const FULL_STATE = new Set<string>([LISTENER, CLUSTER]);

export class SotwStream extends AdsStreamBase<DiscoveryRequest, DiscoveryResponse> {
  readonly kind = 'sotw' as const;
  protected readonly types = new Map<XdsTypeUrl, TypeState>();

  protected handle(req: DiscoveryRequest): void {
    const typeUrl = req.type_url;
    if (!isXdsTypeUrl(typeUrl)) return; // e.g. RTDS: not served, the proxy keeps its defaults.
    let state = this.types.get(typeUrl);
    const first = state === undefined;
    // A nonce on the first request of a type comes from an earlier stream (another server): nothing to settle.
    if (req.response_nonce && state) {
      // A request answering an older response is stale: the proxy will answer the newest one too.
      if (req.response_nonce !== state.nonce) return;
      if (state.awaitingAck) {
        state.awaitingAck = false;
        this.settle(typeUrl, state, req);
      }
    }
    if (!state) {
      state = {
        wildcard: false,
        legacyWildcard: false,
        names: new Set(),
        nonce: undefined,
        awaitingAck: false,
        sentVersion: undefined,
        sent: undefined,
        sentAt: 0,
        snapshotSetAt: 0,
        snapshotVersion: '',
      };
      this.types.set(typeUrl, state);
    }
    const names = req.resource_names.filter((n) => n !== '*');
    if (first && req.resource_names.length === 0) {
      state.legacyWildcard = true;
      state.wildcard = true;
    } else if (req.resource_names.includes('*')) {
      state.wildcard = true;
    } else if (!(state.legacyWildcard && req.resource_names.length === 0)) {
      state.wildcard = false;
      state.legacyWildcard = false;
    }
    const added = names.some((n) => !state.names.has(n));
    state.names = new Set(names);
    this.push(typeUrl, first || added);
    this.pushChanged();
  }

  private settle(typeUrl: XdsTypeUrl, state: TypeState, req: DiscoveryRequest): void {
    const nodeId = this.nodeId ?? '';
    const nonce = req.response_nonce;
    const error = req.error_detail;
    if (error && (error.code !== 0 || error.message)) {
      this.host.onNack({
        nodeId,
        typeUrl,
        snapshotVersion: state.snapshotVersion,
        version: state.sentVersion ?? '',
        nonce,
        error: error.message,
        code: error.code,
        stream: this.kind,
      });
      return;
    }
    const now = performance.now();
    this.host.onAck({
      nodeId,
      typeUrl,
      version: req.version_info,
      nonce,
      latencyMs: now - state.sentAt,
      sinceSnapshotMs: now - state.snapshotSetAt,
      snapshotVersion: state.snapshotVersion,
      stream: this.kind,
    });
  }

  protected push(typeUrl: XdsTypeUrl, force: boolean): void {
    const state = this.types.get(typeUrl);
    const snapshot = this.snapshot();
    if (!state || state.awaitingAck || !snapshot || this.isFinished) return;
    const typeSnapshot = snapshot.types.get(typeUrl);
    if (!typeSnapshot) return;
    if (!force && this.blockedByEarlierType(typeUrl, snapshot)) return;
    const selected: EncodedResource[] = [];
    if (state.wildcard) selected.push(...typeSnapshot.resources.values());
    for (const name of state.names) {
      const r = typeSnapshot.resources.get(name);
      if (r && !(state.wildcard && selected.includes(r))) selected.push(r);
    }
    if (selected.length === 0 && !FULL_STATE.has(typeUrl) && !state.wildcard) return;
    if (!force && state.sent && sameContents(state.sent, selected)) {
      // Nothing this proxy subscribes to changed (or it rejected exactly this content): nothing to send.
      state.sentVersion = typeSnapshot.version;
      return;
    }
    const nonce = this.nextNonce();
    const response: DiscoveryResponse = {
      version_info: typeSnapshot.version,
      resources: selected.map((r) => r.any),
      type_url: typeUrl,
      nonce,
    };
    state.nonce = nonce;
    state.awaitingAck = true;
    state.sentVersion = typeSnapshot.version;
    state.sent = new Map(selected.map((r) => [r.name, r.version]));
    state.sentAt = performance.now();
    state.snapshotSetAt = snapshot.setAt;
    state.snapshotVersion = snapshot.version;
    this.host.metrics?.pushes.inc({ type: shortType(typeUrl) });
    this.call.write(response);
  }
}

function sameContents(sent: Map<string, string>, selected: EncodedResource[]): boolean {
  if (sent.size !== selected.length) return false;
  return selected.every((r) => sent.get(r.name) === r.version);
}
