import { describe, expect, it } from 'vitest';
import { bootstrap } from './bootstrap.js';
import { canonicalResource } from './resource-codec.js';
import { BOOTSTRAP } from './type-urls.js';

describe('bootstrap', () => {
  it('names the node <account>.<gateway> and points ADS at the control plane', () => {
    const config = canonicalResource(
      BOOTSTRAP,
      bootstrap({ account: 'acme', gateway: 'shop', xds: { host: '10.0.0.1', port: 18000 } }),
    ) as any;
    expect(config.node).toEqual({ id: 'acme.shop', cluster: 'acme' });
    expect(config.dynamicResources.adsConfig.apiType).toBe('GRPC');
    const cluster = config.staticResources.clusters[0];
    expect(cluster.type).toBe('STATIC');
    expect(cluster.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress).toEqual({
      address: '10.0.0.1',
      portValue: 18000,
    });
    expect(config.admin.address.socketAddress.address).toBe('127.0.0.1');
  });

  it('sends the gateway token as a bearer authorization header on the ADS stream', () => {
    const config = bootstrap({
      account: 'acme',
      gateway: 'shop',
      xds: { host: 'xds.epic.svc', port: 18000, token: 's3cret' },
    }) as any;
    expect(config.dynamicResources.adsConfig.grpcServices[0].initialMetadata).toEqual([
      { key: 'authorization', value: 'Bearer s3cret' },
    ]);
    expect(config.staticResources.clusters[0].type).toBe('STRICT_DNS');
  });

  it('adds an mTLS transport socket and delta xDS when asked', () => {
    const config = canonicalResource(
      BOOTSTRAP,
      bootstrap({
        account: 'acme',
        gateway: 'shop',
        xds: {
          host: 'xds.epic.svc',
          port: 18000,
          delta: true,
          tls: { caFile: '/tls/ca.crt', certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' },
        },
      }),
    ) as any;
    expect(config.dynamicResources.adsConfig.apiType).toBe('DELTA_GRPC');
    const tls = config.staticResources.clusters[0].transportSocket.typedConfig;
    expect(tls['@type']).toBe(
      'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    );
    expect(tls.sni).toBe('xds.epic.svc');
    expect(tls.commonTlsContext.tlsCertificates[0].privateKey.filename).toBe('/tls/tls.key');
  });

  it('refuses names that would make an ambiguous node id', () => {
    expect(() => bootstrap({ account: 'a.b', gateway: 'c', xds: { host: '10.0.0.1', port: 1 } })).toThrow(
      /DNS label/,
    );
  });

  it('rejects an invalid control-plane port through the Bootstrap schema', () => {
    expect(() => bootstrap({ account: 'a', gateway: 'c', xds: { host: '10.0.0.1', port: 70000 } })).toThrow(
      /port_value/,
    );
  });
});
