// Small, valid resources shared by this package's tests (and handy for callers' tests).
import type { JsonObject } from './proto-json.js';

export const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export function httpListener(): JsonObject {
  return {
    name: 'http-8080',
    address: { socketAddress: { address: '0.0.0.0', portValue: 8080 } },
    filterChains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typedConfig: {
              '@type': HCM_TYPE,
              statPrefix: 'http',
              routeConfig: {
                name: 'local',
                virtualHosts: [
                  {
                    name: 'shop',
                    domains: ['shop.example.com'],
                    routes: [{ match: { prefix: '/' }, route: { cluster: 'shop', timeout: '1.5s' } }],
                  },
                ],
              },
              httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': ROUTER_TYPE } }],
            },
          },
        ],
      },
    ],
  };
}

export function edsCluster(name = 'shop'): JsonObject {
  return {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
    connectTimeout: '0.250s',
    lbPolicy: 'ROUND_ROBIN',
    perConnectionBufferLimitBytes: 32768,
  };
}
