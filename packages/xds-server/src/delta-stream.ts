// Incremental ADS (DeltaAggregatedResources). Per type the server tracks what the proxy holds (name → version,
// seeded from initial_resource_versions on reconnect) and sends only resources whose version differs, plus
// removed_resources for ones that disappeared or that the proxy asked for and do not exist.
import { type XdsTypeUrl, isXdsTypeUrl } from '@epic/envoy-proto';
import { AdsStreamBase } from './ads-stream.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaResource } from './discovery-codec.js';
import { shortType } from './metrics.js';

interface TypeState {
  wildcard: boolean;
  subscribed: Set<string>;
  /** What the proxy holds, as far as this stream knows: name → version. */
  known: Map<string, string>;
  /** Subscribed names already reported as absent, so they are reported once. */
  reportedAbsent: Set<string>;
  nonce: string | undefined;
  awaitingAck: boolean;
  sentVersion: string | undefined;
  sentAt: number;
  snapshotSetAt: number;
  snapshotVersion: string;
}

export class DeltaStream extends AdsStreamBase<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  readonly kind = 'delta' as const;
  protected readonly types = new Map<XdsTypeUrl, TypeState>();

  protected handle(req: DeltaDiscoveryRequest): void {
    const typeUrl = req.type_url;
    if (!isXdsTypeUrl(typeUrl)) return;
    let state = this.types.get(typeUrl);
    const first = state === undefined;
    if (!state) {
      state = {
        // An initial request that subscribes to nothing is a (legacy) wildcard subscription.
        wildcard: req.resource_names_subscribe.length === 0,
        subscribed: new Set(),
        known: new Map(Object.entries(req.initial_resource_versions ?? {})),
        reportedAbsent: new Set(),
        nonce: undefined,
        awaitingAck: false,
        sentVersion: undefined,
        sentAt: 0,
        snapshotSetAt: 0,
        snapshotVersion: '',
      };
      this.types.set(typeUrl, state);
    }
    if (req.response_nonce && state.awaitingAck && req.response_nonce === state.nonce) {
      state.awaitingAck = false;
      this.settle(typeUrl, state, req);
    }
    for (const name of req.resource_names_subscribe) {
      if (name === '*') state.wildcard = true;
      else state.subscribed.add(name);
    }
    for (const name of req.resource_names_unsubscribe) {
      if (name === '*') state.wildcard = false;
      else {
        state.subscribed.delete(name);
        state.known.delete(name);
        state.reportedAbsent.delete(name);
      }
    }
    this.push(typeUrl, first);
    this.pushChanged();
  }

  private settle(typeUrl: XdsTypeUrl, state: TypeState, req: DeltaDiscoveryRequest): void {
    const nodeId = this.nodeId ?? '';
    const version = state.sentVersion ?? '';
    const error = req.error_detail;
    if (error && (error.code !== 0 || error.message)) {
      this.host.onNack({
        nodeId,
        typeUrl,
        snapshotVersion: state.snapshotVersion,
        version,
        nonce: req.response_nonce,
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
      version,
      nonce: req.response_nonce,
      latencyMs: now - state.sentAt,
      sinceSnapshotMs: now - state.snapshotSetAt,
      snapshotVersion: state.snapshotVersion,
      stream: this.kind,
    });
  }

  protected push(typeUrl: XdsTypeUrl, first: boolean): void {
    const state = this.types.get(typeUrl);
    const snapshot = this.snapshot();
    if (!state || state.awaitingAck || !snapshot || this.isFinished) return;
    const typeSnapshot = snapshot.types.get(typeUrl);
    if (!typeSnapshot) return;
    if (!first && this.blockedByEarlierType(typeUrl, snapshot)) return;
    const wanted = (name: string): boolean => state.wildcard || state.subscribed.has(name);
    const resources: DeltaResource[] = [];
    for (const r of typeSnapshot.resources.values()) {
      if (wanted(r.name) && state.known.get(r.name) !== r.version)
        resources.push({ name: r.name, version: r.version, resource: r.any });
    }
    const removed = new Set<string>();
    for (const name of state.known.keys())
      if (wanted(name) && !typeSnapshot.resources.has(name)) removed.add(name);
    for (const name of state.subscribed) {
      if (!typeSnapshot.resources.has(name) && !state.reportedAbsent.has(name)) removed.add(name);
    }
    // A wildcard subscriber gets an answer to its first request even when there is nothing, so it can finish
    // initialising.
    if (resources.length === 0 && removed.size === 0 && !(first && state.wildcard)) return;
    const nonce = this.nextNonce();
    const response: DeltaDiscoveryResponse = {
      system_version_info: typeSnapshot.version,
      resources,
      type_url: typeUrl,
      removed_resources: [...removed],
      nonce,
    };
    for (const r of resources) state.known.set(r.name, r.version);
    for (const name of removed) {
      state.known.delete(name);
      state.reportedAbsent.add(name);
    }
    for (const r of resources) state.reportedAbsent.delete(r.name);
    state.nonce = nonce;
    state.awaitingAck = true;
    state.sentVersion = typeSnapshot.version;
    state.sentAt = performance.now();
    state.snapshotSetAt = snapshot.setAt;
    state.snapshotVersion = snapshot.version;
    this.host.metrics?.pushes.inc({ type: shortType(typeUrl) });
    this.call.write(response);
  }
}
