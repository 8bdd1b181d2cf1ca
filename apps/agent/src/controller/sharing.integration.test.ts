// Two workload clusters (two test API servers, a controller each) share one EPIC gateway: their Gateways carry
// the same sharing key, so EPIC gives both one address; the pods of both clusters reach a @grpc/grpc-js-xds
// client of that gateway; deleting one cluster's Gateway leaves the other's traffic intact.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, raw } from '@epic/kube-testserver/test-support';
import {
  call,
  startBackend,
  stopBackends,
  useXdsClient,
  xdsEchoClient,
  type Backend,
  type EchoClient,
} from '@epic/xds-server/test-support';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../test-support/control-plane.js';
import { createEpicClass, eventually, installGatewayClassConfigCrd } from '../test-support/workload.js';
import { GatewayController } from './controller.js';
import { SHARING_KEY_ANNOTATION } from './desired.js';

const HOST = 'shared.example.com';
const GW = '/apis/gateway.networking.k8s.io/v1';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

interface Cluster {
  name: string;
  server: KubeTestServer;
  controller: GatewayController;
  backend: Backend;
}
let cp: ControlPlane;
const clusters: Cluster[] = [];
let client: EchoClient | undefined;

async function kube(
  server: KubeTestServer,
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<any> {
  const r = await raw(server, method, path, body, contentType ? { 'Content-Type': contentType } : {});
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.json;
}

/** A workload cluster with the controller, a GatewayClass of ours, a shared Gateway and one pod. */
async function workloadCluster(name: string): Promise<Cluster> {
  const server = await startKubeTestServer();
  await installGatewayApiCrds(server);
  const k = (method: string, path: string, body?: unknown, ct?: string) =>
    kube(server, method, path, body, ct);
  await installGatewayClassConfigCrd(k);
  await createEpicClass(k, { apiUrl: cp.apiUrl, apiKey: cp.demoKey, clusterName: name });
  const backend = await startBackend(`${name}-pod`);
  await k('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo' },
    spec: { ports: [{ name: 'grpc', port: 50051, targetPort: backend.port }] },
  });
  await k('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'echo-1', labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4',
    ports: [{ name: 'grpc', port: backend.port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
  await k('POST', `${GW}/namespaces/default/gateways`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web', annotations: { [SHARING_KEY_ANNOTATION]: 'shop' } },
    spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  await k('POST', `${GW}/namespaces/default/grpcroutes`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name: 'echo' },
    spec: {
      parentRefs: [{ name: 'web' }],
      hostnames: [HOST],
      rules: [{ backendRefs: [{ name: 'echo', port: 50051 }] }],
    },
  });
  const controller = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log,
    debounceMs: 50,
    maxDelayMs: 300,
    statusPollMs: 200,
  });
  const c = { name, server, controller, backend };
  clusters.push(c);
  await controller.start();
  return c;
}

const gatewayOf = (c: Cluster) => kube(c.server, 'GET', `${GW}/namespaces/default/gateways/web`);

async function backendsSeen(calls: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const r = await call(client!, 'Echo');
    seen[r.backend] = (seen[r.backend] ?? 0) + 1;
  }
  return seen;
}

beforeAll(async () => {
  cp = await startControlPlane();
}, 120_000);

afterAll(async () => {
  client?.close();
  for (const c of clusters) {
    c.controller.stop();
    await c.server.close();
  }
  stopBackends(clusters.map((c) => c.backend));
  await cp?.close();
});

describe('two clusters sharing one gateway', () => {
  it("one EPIC gateway and address for both; both clusters' pods serve; deleting one Gateway keeps the other", async () => {
    const one = await workloadCluster('cluster-1');
    await eventually(async () => expect((await cp.api('/gateways')).items).toHaveLength(1));
    const two = await workloadCluster('cluster-2');
    // Both clusters' Gateways are clients of the same EPIC gateway, and both show its address.
    const [gw] = await eventually(async () => {
      const items = (await cp.api('/gateways')).items;
      expect(items).toHaveLength(1);
      const routes = (await cp.api('/routes')).items;
      expect(routes).toHaveLength(2);
      return items;
    });
    const addresses = await eventually(async () => {
      const [a, b] = [await gatewayOf(one), await gatewayOf(two)];
      expect(a.status?.addresses?.length).toBeGreaterThan(0);
      expect(b.status?.addresses).toEqual(a.status.addresses);
      return a.status.addresses;
    });
    expect(addresses[0]).toEqual({ type: 'IPAddress', value: gw.address });

    await useXdsClient(cp.plane.port, `demo.${gw.id}.grpc`);
    client = xdsEchoClient(HOST);
    // Endpoints from both clusters reach the client, in proportion to their ready pods (one each).
    const seen = await eventually(async () => {
      const s = await backendsSeen(40);
      expect(Object.keys(s).sort()).toEqual(['cluster-1-pod', 'cluster-2-pod']);
      return s;
    });
    expect(seen['cluster-1-pod']).toBeGreaterThan(5);
    expect(seen['cluster-2-pod']).toBeGreaterThan(5);

    // Cluster 1 deletes its Gateway: the shared gateway stays, and cluster 2's pod serves everything.
    await kube(one.server, 'DELETE', `${GW}/namespaces/default/gateways/web`);
    await eventually(async () => {
      const r = await raw(one.server, 'GET', `${GW}/namespaces/default/gateways/web`);
      expect(r.status).toBe(404);
    });
    expect((await cp.api('/gateways')).items.map((g: { id: string }) => g.id)).toEqual([gw.id]);
    await eventually(async () => expect(await backendsSeen(20)).toEqual({ 'cluster-2-pod': 20 }));
    expect((await gatewayOf(two)).status.addresses).toEqual(addresses);
  });
});
