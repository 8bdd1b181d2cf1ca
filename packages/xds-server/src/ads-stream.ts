// What both ADS stream flavours share: authentication on the first request, one request processed at a time,
// subscription to the node's snapshots, and ending the stream with a status.
import * as grpc from '@grpc/grpc-js';
import { XDS_TYPE_URLS, type XdsTypeUrl } from '@epic/envoy-proto';
import { type AuthGrant, type Authenticator, XdsAuthError, grantOf } from './authenticate.js';
import type { NodeInfo } from './discovery-codec.js';
import type { PeerAuthContext } from './peer-auth.js';
import type { AckEvent, NackEvent, StreamKind } from './events.js';
import type { XdsMetrics } from './metrics.js';
import type { Snapshot, SnapshotCache } from './snapshot-cache.js';

/** The view of a stream the server keeps: who it serves, and how to end it. */
export interface ConnectedStream {
  readonly kind: StreamKind;
  readonly nodeId: string | undefined;
  /** What the authenticator granted (claims, expiry); undefined until the stream is authenticated. */
  readonly grant: AuthGrant | undefined;
  readonly peer: string;
  endWith(code: grpc.status, details: string): void;
}

export interface StreamHost {
  cache: SnapshotCache;
  authenticate: Authenticator;
  metrics: XdsMetrics | undefined;
  onAck(event: AckEvent): void;
  onNack(event: NackEvent): void;
  onConnect(stream: ConnectedStream): void;
  onDisconnect(stream: ConnectedStream): void;
  onAuthFailure(claimedNodeId: string, peer: string, error: XdsAuthError): void;
}

export interface StreamCall<Req, Res> {
  write(res: Res): boolean;
  on(event: 'data', listener: (req: Req) => void): unknown;
  on(event: 'end' | 'close' | 'cancelled', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  metadata: grpc.Metadata;
  getPeer(): string;
  getAuthContext(): PeerAuthContext;
  emit(event: 'error', err: unknown): boolean;
  end(): void;
  cancelled: boolean;
}

interface NodeCarrying {
  node?: NodeInfo | null;
}

export abstract class AdsStreamBase<Req, Res> implements ConnectedStream {
  abstract readonly kind: StreamKind;
  nodeId: string | undefined;
  grant: AuthGrant | undefined;
  readonly peer: string;
  private expiryTimer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private unwatch: (() => void) | undefined;
  private finished = false;
  private nonceCounter = 0;

  constructor(
    protected readonly host: StreamHost,
    protected readonly call: StreamCall<Req, Res>,
  ) {
    this.peer = call.getPeer();
    call.on('data', (req) => {
      this.queue = this.queue
        .then(() => this.receive(req as Req & NodeCarrying))
        .catch((err: unknown) => this.fail(err));
    });
    const done = (): void => this.finish();
    call.on('end', () => {
      done();
      if (!this.call.cancelled) this.call.end();
    });
    call.on('cancelled', done);
    call.on('close', done);
    call.on('error', done);
  }

  protected nextNonce(): string {
    this.nonceCounter += 1;
    return String(this.nonceCounter);
  }

  private async receive(req: Req & NodeCarrying): Promise<void> {
    if (this.finished) return;
    if (this.nodeId === undefined) {
      const node = req.node;
      if (!node || !node.id)
        throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'the first request must carry node.id');
      let grant: AuthGrant;
      try {
        grant = grantOf(
          await this.host.authenticate({
            metadata: this.call.metadata,
            node,
            authContext: this.call.getAuthContext(),
            peer: this.peer,
          }),
        );
        if (grant.expiresAt !== undefined && grant.expiresAt <= Date.now())
          throw new XdsAuthError(grpc.status.UNAUTHENTICATED, 'credential expired');
      } catch (err) {
        if (err instanceof XdsAuthError) this.host.onAuthFailure(node.id, this.peer, err);
        throw err;
      }
      const allowed = grant.nodeId;
      if (allowed !== node.id)
        throw new XdsAuthError(grpc.status.PERMISSION_DENIED, `not allowed to act as node "${node.id}"`);
      if (this.finished) return;
      this.nodeId = allowed;
      this.grant = grant;
      if (grant.expiresAt !== undefined) this.endAtExpiry(grant.expiresAt);
      this.unwatch = this.host.cache.watch(grant.snapshotKey ?? allowed, (snapshot, changed) => {
        if (!this.finished) this.onSnapshot(snapshot, changed);
      });
      this.host.onConnect(this);
    } else if (req.node && req.node.id && req.node.id !== this.nodeId) {
      throw new XdsAuthError(grpc.status.PERMISSION_DENIED, `stream is bound to node "${this.nodeId}"`);
    }
    this.handle(req);
  }

  /**
   * A stream lives no longer than its credential: at expiry it ends with UNAUTHENTICATED and the proxy reconnects
   * with the credential it holds then (docs/adr/0403-xds-token-lifecycle.md). Timers are capped at setTimeout's
   * maximum and re-armed.
   */
  private endAtExpiry(expiresAt: number): void {
    const wait = expiresAt - Date.now();
    if (wait <= 0) {
      this.endWith(grpc.status.UNAUTHENTICATED, 'credential expired; reconnect with a fresh one');
      return;
    }
    this.expiryTimer = setTimeout(() => this.endAtExpiry(expiresAt), Math.min(wait, 2 ** 31 - 1));
    this.expiryTimer.unref();
  }

  /** A request of this stream's flavour, after authentication. */
  protected abstract handle(req: Req): void;

  /** Per-type state of this stream; what warming order needs of it is shared by both flavours. */
  protected abstract readonly types: ReadonlyMap<
    XdsTypeUrl,
    { awaitingAck: boolean; sentVersion: string | undefined }
  >;

  /** Sends the type's current contents unless a response is in flight or the proxy already has them. */
  protected abstract push(typeUrl: XdsTypeUrl, force: boolean): void;

  /** The node's snapshot changed; push the changed types this stream subscribes to. */
  protected onSnapshot(_snapshot: Snapshot, _changed: readonly XdsTypeUrl[]): void {
    this.pushChanged();
  }

  /** Pushes every type that is behind the snapshot, in warming order (secrets, CDS, EDS, LDS, RDS). */
  protected pushChanged(): void {
    for (const typeUrl of XDS_TYPE_URLS) this.push(typeUrl, false);
  }

  /**
   * True when a type earlier in warming order still has a newer version waiting for its in-flight response to be
   * acknowledged: later types wait too, so EDS never overtakes the CDS it belongs to (nor RDS its LDS).
   */
  protected blockedByEarlierType(typeUrl: XdsTypeUrl, snapshot: Snapshot): boolean {
    for (const earlier of XDS_TYPE_URLS) {
      if (earlier === typeUrl) return false;
      const state = this.types.get(earlier);
      if (state?.awaitingAck && state.sentVersion !== snapshot.types.get(earlier)?.version) return true;
    }
    return false;
  }

  protected snapshot(): Snapshot | undefined {
    return this.nodeId === undefined
      ? undefined
      : this.host.cache.getSnapshot(this.grant?.snapshotKey ?? this.nodeId);
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    const code = err instanceof XdsAuthError ? err.code : grpc.status.INTERNAL;
    const details = err instanceof Error ? err.message : String(err);
    this.endWith(code, details);
  }

  /** Ends the stream with a status (used for auth failures and server shutdown). */
  endWith(code: grpc.status, details: string): void {
    if (this.finished) return;
    this.finish();
    // grpc-js turns an 'error' emitted on a server stream into the call's final status.
    this.call.emit('error', Object.assign(new Error(details), { code, details }));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.expiryTimer);
    this.unwatch?.();
    if (this.nodeId !== undefined) this.host.onDisconnect(this);
  }

  protected get isFinished(): boolean {
    return this.finished;
  }
}
