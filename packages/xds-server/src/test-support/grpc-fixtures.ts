// Hand-written xDS resources the way a gRPC (proxyless) client consumes them: an LDS Listener whose
// api_listener holds an HttpConnectionManager that points at RDS, a RouteConfiguration, EDS Clusters and
// ClusterLoadAssignments with loopback endpoints.
import { CLUSTER, ENDPOINT, type JsonObject, LISTENER, ROUTE } from '@epic/envoy-proto';
import type { SnapshotInput } from '../snapshot-cache.js';

export const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

export function apiListener(name: string, routeConfigName: string): JsonObject {
  return {
    name,
    apiListener: {
      apiListener: {
        '@type': HCM,
        statPrefix: name,
        rds: { routeConfigName, configSource: { ads: {}, resourceApiVersion: 'V3' } },
        httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': ROUTER } }],
      },
    },
  };
}

export function edsCluster(name: string): JsonObject {
  return {
    name,
    type: 'EDS',
    edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
    connectTimeout: '1s',
    lbPolicy: 'ROUND_ROBIN',
  };
}

export function loadAssignment(clusterName: string, ports: number[]): JsonObject {
  return {
    clusterName,
    endpoints: [
      {
        locality: { region: 'local' },
        loadBalancingWeight: 1,
        lbEndpoints: ports.map((port) => ({
          endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: port } } },
          healthStatus: 'HEALTHY',
        })),
      },
    ],
  };
}

export type RouteSpec = { match: JsonObject; route: JsonObject };

export function routeConfig(name: string, domain: string, routes: RouteSpec[]): JsonObject {
  return { name, virtualHosts: [{ name: `${name}-vh`, domains: [domain], routes }] };
}

/** A complete snapshot: one listener/route config, clusters with their endpoints. */
export function grpcSnapshot(
  version: string,
  opts: { listener: string; routes: RouteSpec[]; clusters: Record<string, number[]> },
): SnapshotInput {
  const rc = `${opts.listener}-routes`;
  return {
    version,
    resources: {
      [LISTENER]: [{ name: opts.listener, resource: apiListener(opts.listener, rc) }],
      [ROUTE]: [{ name: rc, resource: routeConfig(rc, '*', opts.routes) }],
      [CLUSTER]: Object.keys(opts.clusters).map((c) => ({ name: c, resource: edsCluster(c) })),
      [ENDPOINT]: Object.entries(opts.clusters).map(([c, ports]) => ({
        name: c,
        resource: loadAssignment(c, ports),
      })),
    },
  };
}
