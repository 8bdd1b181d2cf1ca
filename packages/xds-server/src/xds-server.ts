// The ADS gRPC server: both stream flavours over one SnapshotCache, with authentication, ACK/NACK events and
// metrics. The server holds no configuration of its own; the application fills the cache (setSnapshot).
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { ConnectedStream, StreamCall, StreamHost } from './ads-stream.js';
import type { Authenticator, XdsAuthError } from './authenticate.js';
import { DeltaStream } from './delta-stream.js';
import {
  adsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from './discovery-codec.js';
import type { AckEvent, NackEvent, XdsServerEvents } from './events.js';
import { type XdsMetrics, createXdsMetrics, shortType } from './metrics.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { SotwStream } from './sotw-stream.js';

/** Minimal structured logger (pino-compatible). */
export interface XdsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface XdsServerOptions {
  cache: SnapshotCache;
  authenticate: Authenticator;
  /** prom-client registry for the server's metrics; none are recorded without it. */
  registry?: Registry;
  onAck?: (event: AckEvent) => void;
  onNack?: (event: NackEvent) => void;
  logger?: XdsLogger;
  /** gRPC server options (keepalive, max message size…). */
  grpcOptions?: grpc.ServerOptions;
}

export class XdsServer extends EventEmitter<XdsServerEvents> {
  private readonly server: grpc.Server;
  private readonly streams = new Set<ConnectedStream>();
  private readonly metrics: XdsMetrics | undefined;
  private readonly host: StreamHost;
  private closing = false;

  constructor(private readonly options: XdsServerOptions) {
    super();
    this.metrics = options.registry ? createXdsMetrics(options.registry) : undefined;
    const log = options.logger;
    this.host = {
      cache: options.cache,
      authenticate: options.authenticate,
      metrics: this.metrics,
      onAck: (event) => {
        this.metrics?.pushLatency.observe({ type: shortType(event.typeUrl) }, event.latencyMs / 1000);
        options.onAck?.(event);
        this.emit('ack', event);
      },
      onNack: (event) => {
        this.metrics?.nacks.inc({ type: shortType(event.typeUrl) });
        log?.warn(
          {
            nodeId: event.nodeId,
            type: shortType(event.typeUrl),
            version: event.version,
            error: event.error,
          },
          'xDS NACK',
        );
        options.onNack?.(event);
        this.emit('nack', event);
      },
      onConnect: (stream) => {
        this.streams.add(stream);
        this.metrics?.connectedProxies.inc();
        log?.info({ nodeId: stream.nodeId, peer: stream.peer, stream: stream.kind }, 'xDS proxy connected');
        this.emit('connect', { nodeId: stream.nodeId ?? '', peer: stream.peer, stream: stream.kind });
      },
      onDisconnect: (stream) => {
        if (this.streams.delete(stream)) this.metrics?.connectedProxies.dec();
        this.emit('disconnect', { nodeId: stream.nodeId ?? '', peer: stream.peer, stream: stream.kind });
      },
      onAuthFailure: (claimedNodeId: string, peer: string, error: XdsAuthError) => {
        log?.warn(
          { claimedNodeId, peer, code: error.code, error: error.message },
          'xDS authentication failed',
        );
        this.emit('authFailure', { claimedNodeId, peer, code: error.code, message: error.message });
      },
    };
    this.server = new grpc.Server(options.grpcOptions);
    this.server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        if (this.refuseWhileClosing(call)) return;
        new SotwStream(this.host, call as unknown as StreamCall<DiscoveryRequest, DiscoveryResponse>);
      },
      DeltaAggregatedResources: (
        call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
      ) => {
        if (this.refuseWhileClosing(call)) return;
        new DeltaStream(
          this.host,
          call as unknown as StreamCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
        );
      },
    });
  }

  private refuseWhileClosing(call: grpc.ServerDuplexStream<unknown, unknown>): boolean {
    if (!this.closing) return false;
    call.emit(
      'error',
      Object.assign(new Error('xDS server is shutting down'), { code: grpc.status.UNAVAILABLE }),
    );
    return true;
  }

  /** Binds (e.g. `127.0.0.1:0`) and starts serving; resolves with the bound port. */
  listen(
    address: string,
    credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  /** Node ids with at least one authenticated stream. */
  connectedNodeIds(): string[] {
    return [...new Set([...this.streams].map((s) => s.nodeId ?? ''))].sort();
  }

  /**
   * Ends the authenticated streams `match` selects (e.g. a deleted gateway's, or those of revoked credentials)
   * with `code`; returns how many were ended. The proxy reconnects and is authenticated afresh.
   */
  disconnect(
    match: (stream: ConnectedStream) => boolean,
    code: grpc.status = grpc.status.UNAUTHENTICATED,
    details = 'credential no longer valid',
  ): number {
    let ended = 0;
    for (const stream of [...this.streams]) {
      if (!match(stream)) continue;
      stream.endWith(code, details);
      ended += 1;
    }
    if (ended) this.options.logger?.info({ ended, details }, 'xDS streams disconnected');
    return ended;
  }

  /**
   * Ends every stream with UNAVAILABLE (proxies reconnect, to another replica if there is one), then waits up
   * to `graceMs` for calls to finish before forcing the transport closed.
   */
  async close(graceMs = 5_000): Promise<void> {
    this.closing = true;
    for (const stream of [...this.streams])
      stream.endWith(grpc.status.UNAVAILABLE, 'xDS server is shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.options.logger?.info({}, 'xDS server closed');
  }
}
