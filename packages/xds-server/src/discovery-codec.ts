// gRPC service definition for ADS with protobufjs codecs from @epic/envoy-proto's Root, so the server encodes
// responses from resources that were serialised once per snapshot (the `Any.value` bytes are copied, not
// re-encoded per stream).
import type * as grpc from '@grpc/grpc-js';
import { envoyRoot } from '@epic/envoy-proto';
import type protobuf from 'protobufjs';

export interface NodeInfo {
  id: string;
  cluster: string;
}

export interface RpcStatus {
  code: number;
  message: string;
}

export interface AnyBytes {
  type_url: string;
  value: Uint8Array;
}

export interface DiscoveryRequest {
  version_info: string;
  node?: NodeInfo | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: RpcStatus | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyBytes[];
  type_url: string;
  nonce: string;
}

export interface DeltaDiscoveryRequest {
  node?: NodeInfo | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: RpcStatus | null;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource?: AnyBytes;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
}

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

function codec<T>(type: protobuf.Type): {
  serialize: (value: T) => Buffer;
  deserialize: (bytes: Buffer) => T;
} {
  return {
    serialize: (value: T): Buffer => {
      const bytes = type.encode(value as unknown as Record<string, unknown>).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes: Buffer): T =>
      type.toObject(type.decode(bytes), {
        defaults: true,
        arrays: true,
        objects: true,
        longs: String,
      }) as unknown as T,
  };
}

export type AdsServiceDefinition = grpc.ServiceDefinition<{
  StreamAggregatedResources: grpc.handleBidiStreamingCall<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources: grpc.handleBidiStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
}>;

let cached: AdsServiceDefinition | undefined;

/** The ADS service (both streams), usable for a server and, through makeGenericClientConstructor, a client. */
export function adsServiceDefinition(): AdsServiceDefinition {
  if (cached) return cached;
  const root = envoyRoot();
  const req = codec<DiscoveryRequest>(root.lookupType('envoy.service.discovery.v3.DiscoveryRequest'));
  const res = codec<DiscoveryResponse>(root.lookupType('envoy.service.discovery.v3.DiscoveryResponse'));
  const dreq = codec<DeltaDiscoveryRequest>(
    root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
  );
  const dres = codec<DeltaDiscoveryResponse>(
    root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
  );
  cached = {
    StreamAggregatedResources: {
      path: `/${SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: req.serialize,
      requestDeserialize: req.deserialize,
      responseSerialize: res.serialize,
      responseDeserialize: res.deserialize,
      originalName: 'streamAggregatedResources',
    },
    DeltaAggregatedResources: {
      path: `/${SERVICE}/DeltaAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: dreq.serialize,
      requestDeserialize: dreq.deserialize,
      responseSerialize: dres.serialize,
      responseDeserialize: dres.deserialize,
      originalName: 'deltaAggregatedResources',
    },
  };
  return cached;
}
