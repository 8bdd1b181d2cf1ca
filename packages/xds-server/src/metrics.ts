// Prometheus metrics of the xDS server, registered in the registry the application passes in.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET } from '@epic/envoy-proto';

export interface XdsMetrics {
  connectedProxies: Gauge;
  pushLatency: Histogram<'type'>;
  nacks: Counter<'type'>;
  pushes: Counter<'type'>;
}

const SHORT: Record<string, string> = {
  [LISTENER]: 'LDS',
  [ROUTE]: 'RDS',
  [CLUSTER]: 'CDS',
  [ENDPOINT]: 'EDS',
  [SECRET]: 'SDS',
};

export function shortType(typeUrl: string): string {
  return SHORT[typeUrl] ?? 'other';
}

function reuse<T>(registry: Registry, name: string, create: () => T): T {
  // Two servers sharing one registry (tests, a restart in-process) share the metric instead of throwing.
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createXdsMetrics(registry: Registry): XdsMetrics {
  return {
    connectedProxies: reuse(
      registry,
      'epic_xds_connected_proxies',
      () =>
        new Gauge({
          name: 'epic_xds_connected_proxies',
          help: 'ADS streams with an authenticated node',
          registers: [registry],
        }),
    ),
    pushLatency: reuse(
      registry,
      'epic_xds_push_latency_seconds',
      () =>
        new Histogram({
          name: 'epic_xds_push_latency_seconds',
          help: 'Time from sending an xDS response to its ACK',
          labelNames: ['type'] as const,
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [registry],
        }),
    ),
    nacks: reuse(
      registry,
      'epic_xds_nacks_total',
      () =>
        new Counter({
          name: 'epic_xds_nacks_total',
          help: 'xDS responses rejected by a proxy',
          labelNames: ['type'] as const,
          registers: [registry],
        }),
    ),
    pushes: reuse(
      registry,
      'epic_xds_pushes_total',
      () =>
        new Counter({
          name: 'epic_xds_pushes_total',
          help: 'xDS responses sent',
          labelNames: ['type'] as const,
          registers: [registry],
        }),
    ),
  };
}
