// What a real workload cluster and a real EPIC data plane would add to the conformance run, and the test API
// server and the API process do not: the EndpointSlices the backends' Deployments would get from the
// EndpointSlice controller, and proxies that acknowledge every configuration pushed to a gateway (so EPIC can
// report Programmed=True, which the conformance suite waits for before it sends a request).
import { CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET } from '@epic/envoy-proto';
import type { DiscoveryRequest, DiscoveryResponse } from '@epic/xds-server';
import { AdsTestClient, type StreamProbe } from '@epic/xds-server/test-support';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}
interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { ports?: ContainerPort[] }[] };
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The EndpointSlices the EndpointSlice controller would create for `objects`' Services with a selector: one
 * IPv4 slice per Service holding one ready endpoint per replica of the Deployments the selector picks (pod
 * addresses from 10.244.0.0/16, numbered in order of appearance, so reruns give the same addresses). Named
 * `targetPort`s are resolved from the Deployment's container ports, as for a real pod.
 */
export function endpointSlicesFor(objects: K8sObject[], firstHost = 1): K8sObject[] {
  const slices: K8sObject[] = [];
  let host = firstHost;
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    const selector = svc.spec?.['selector'] as Record<string, string> | undefined;
    if (!selector || Object.keys(selector).length === 0) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const deployments = objects.filter(
      (o) =>
        o.kind === 'Deployment' &&
        (o.metadata.namespace ?? 'default') === ns &&
        matches(selector, (o.spec?.['template'] as PodTemplate).metadata?.labels ?? {}),
    );
    if (deployments.length === 0) continue;
    const containerPorts = deployments.flatMap((d) =>
      ((d.spec?.['template'] as PodTemplate).spec?.containers ?? []).flatMap((c) => c.ports ?? []),
    );
    const ports = ((svc.spec?.['ports'] as ServicePort[] | undefined) ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port:
        typeof p.targetPort === 'number'
          ? p.targetPort
          : typeof p.targetPort === 'string'
            ? (containerPorts.find((c) => c.name === p.targetPort)?.containerPort ?? p.port)
            : p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
    }));
    const endpoints = deployments.flatMap((d) =>
      Array.from({ length: (d.spec?.['replicas'] as number | undefined) ?? 1 }, (_, i) => {
        const n = host++;
        return {
          addresses: [`10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`],
          conditions: { ready: true, serving: true, terminating: false },
          nodeName: 'conformance-node',
          targetRef: { kind: 'Pod', namespace: ns, name: `${d.metadata.name}-${i}` },
        };
      }),
    );
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${svc.metadata.name}-conformance`,
        namespace: ns,
        labels: {
          'kubernetes.io/service-name': svc.metadata.name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
      },
      addressType: 'IPv4',
      ports,
      endpoints,
    });
  }
  return slices;
}

/**
 * One stand-in proxy per EPIC gateway: an ADS stream (with the gateway's xDS token) that subscribes to every
 * listener and cluster and ACKs every response, as a healthy Envoy would. `poll()` attaches one to each gateway
 * the API lists that has none yet.
 */
export class StandInProxies {
  private readonly client: AdsTestClient;
  private readonly streams = new Map<string, StreamProbe<DiscoveryRequest, DiscoveryResponse>>();
  acks = 0;

  constructor(
    xdsPort: number,
    private readonly api: (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>,
  ) {
    this.client = new AdsTestClient(xdsPort);
  }

  async poll(): Promise<void> {
    const { items } = (await this.api('GET', '/gateways?limit=100')) as { items: { id: string }[] };
    for (const { id } of items) {
      if (this.streams.has(id)) continue;
      const t = (await this.api('POST', `/gateways/${id}/xds-token`, {})) as {
        nodeId: string;
        token: string;
      };
      const stream = this.client.sotw(t.token);
      this.streams.set(id, stream);
      stream.call.on('data', (r: DiscoveryResponse) => {
        stream.send({
          type_url: r.type_url,
          version_info: r.version_info,
          response_nonce: r.nonce,
          resource_names: [],
        });
        this.acks += 1;
      });
      // Every type, legacy wildcard: a change of routes only is an RDS push, and is ACKed like any other.
      const [account] = t.nodeId.split('.');
      [LISTENER, CLUSTER, ROUTE, ENDPOINT, SECRET].forEach((type_url, i) =>
        stream.send({
          ...(i === 0 ? { node: { id: t.nodeId, cluster: account ?? '' } } : {}),
          type_url,
          resource_names: [],
        }),
      );
    }
  }

  close(): void {
    for (const s of this.streams.values()) s.close();
    this.client.close();
  }
}
