// Envoy bootstrap for a gateway's proxies: identity (node id `<account>.<gateway>`), one ADS connection to the
// control plane, an admin listener on loopback only. Everything else arrives over xDS.
import type { JsonObject } from './proto-json.js';
import { ProtoValidationError, validateResource } from './resource-codec.js';
import { BOOTSTRAP } from './type-urls.js';

export interface BootstrapOptions {
  account: string;
  gateway: string;
  /** Envoy's `node.cluster` (stats/grouping); defaults to the account. */
  cluster?: string;
  xds: {
    /** Control-plane address: an IP or a DNS name (resolved with STRICT_DNS). */
    host: string;
    port: number;
    /** Per-gateway token, sent as `authorization: Bearer <token>` on the ADS stream. */
    token?: string;
    /** mTLS to the control plane; file paths inside the proxy's container. */
    tls?: { caFile: string; certFile?: string; keyFile?: string; sni?: string };
    /** Incremental xDS (DeltaAggregatedResources) instead of state of the world. */
    delta?: boolean;
  };
  /** Admin interface port on 127.0.0.1; default 19000. */
  adminPort?: number;
  /** Extra node metadata (proto3 JSON Struct). */
  metadata?: JsonObject;
}

const XDS_CLUSTER = 'epic_xds';
const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function nodeIdOf(account: string, gateway: string): string {
  return `${account}.${gateway}`;
}

/** Builds the bootstrap as proto3 JSON and checks it against envoy.config.bootstrap.v3.Bootstrap. */
export function bootstrap(opts: BootstrapOptions): JsonObject {
  for (const [what, value] of [
    ['account', opts.account],
    ['gateway', opts.gateway],
  ] as const) {
    if (!NAME.test(value)) throw new Error(`bootstrap: ${what} "${value}" must be a DNS label (no dots)`);
  }
  const isIp = /^[0-9.]+$/.test(opts.xds.host) || opts.xds.host.includes(':');
  const grpcService: JsonObject = { envoyGrpc: { clusterName: XDS_CLUSTER } };
  if (opts.xds.token)
    grpcService.initialMetadata = [{ key: 'authorization', value: `Bearer ${opts.xds.token}` }];

  const xdsCluster: JsonObject = {
    name: XDS_CLUSTER,
    type: isIp ? 'STATIC' : 'STRICT_DNS',
    connectTimeout: '5s',
    loadAssignment: {
      clusterName: XDS_CLUSTER,
      endpoints: [
        {
          lbEndpoints: [
            {
              endpoint: { address: { socketAddress: { address: opts.xds.host, portValue: opts.xds.port } } },
            },
          ],
        },
      ],
    },
    typedExtensionProtocolOptions: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicitHttpConfig: { http2ProtocolOptions: {} },
      },
    },
  };
  if (opts.xds.tls) {
    const common: JsonObject = { validationContext: { trustedCa: { filename: opts.xds.tls.caFile } } };
    if (opts.xds.tls.certFile && opts.xds.tls.keyFile) {
      common.tlsCertificates = [
        {
          certificateChain: { filename: opts.xds.tls.certFile },
          privateKey: { filename: opts.xds.tls.keyFile },
        },
      ];
    }
    const upstream: JsonObject = {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      commonTlsContext: common,
    };
    if (opts.xds.tls.sni ?? !isIp) upstream.sni = opts.xds.tls.sni ?? opts.xds.host;
    xdsCluster.transportSocket = { name: 'envoy.transport_sockets.tls', typedConfig: upstream };
  }

  const node: JsonObject = {
    id: nodeIdOf(opts.account, opts.gateway),
    cluster: opts.cluster ?? opts.account,
  };
  if (opts.metadata) node.metadata = opts.metadata;
  const config: JsonObject = {
    node,
    dynamicResources: {
      adsConfig: {
        apiType: opts.xds.delta ? 'DELTA_GRPC' : 'GRPC',
        transportApiVersion: 'V3',
        grpcServices: [grpcService],
        setNodeOnFirstMessageOnly: true,
      },
      cdsConfig: { ads: {}, resourceApiVersion: 'V3' },
      ldsConfig: { ads: {}, resourceApiVersion: 'V3' },
    },
    staticResources: { clusters: [xdsCluster] },
    admin: { address: { socketAddress: { address: '127.0.0.1', portValue: opts.adminPort ?? 19000 } } },
  };
  const result = validateResource(BOOTSTRAP, config);
  if (!result.ok) throw new ProtoValidationError(BOOTSTRAP, result.errors);
  return config;
}
