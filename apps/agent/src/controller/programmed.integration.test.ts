// Programmed=True only once the gateway's proxies acknowledged its revision, end to end: kubectl → the test
// API server → the controller → EPIC (API, reconciler, xDS plane in this process) → a @grpc/grpc-js-xds client
// (this file's process; its bootstrap is once per process) ACKs → EPIC marks the revision acked → the
// Gateway's Programmed condition in the test server flips from Unknown/Pending to True.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, Kubectl } from '@epic/kube-testserver/test-support';
import {
  call,
  startBackend,
  stopBackends,
  useXdsClient,
  xdsEchoClient,
  type Backend,
  type EchoClient,
} from '@epic/xds-server/test-support';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertA } from '../../../api/src/test-support/tls-fixture.js';
import { startControlPlane, type ControlPlane } from '../test-support/control-plane.js';
import { CONTROLLER_NAME, GatewayController } from './controller.js';

const HOST = 'echo.example.com';
const crd = fileURLToPath(
  new URL('../../../../k8s/crds/epic-gateway.io_gatewayclassconfigs.yaml', import.meta.url),
);
let cp: ControlPlane;
let server: KubeTestServer;
let kubectl: Kubectl;
let controller: GatewayController;
let backend: Backend;
let client: EchoClient | undefined;

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
async function apply(doc: unknown): Promise<void> {
  const r = await kubectl.run(['apply', '-f', '-'], JSON.stringify(doc));
  expect(r.stderr, r.stderr).toBe('');
}
async function get(kind: string, name: string): Promise<any> {
  const r = await kubectl.run(['get', kind, name, '-n', 'default', '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
const cond = (o: any, type: string) => o.status?.conditions?.find((c: { type: string }) => c.type === type);

beforeAll(async () => {
  cp = await startControlPlane();
  backend = await startBackend('pod-1');
  server = await startKubeTestServer({ kubeconfigPath: true });
  kubectl = new Kubectl(server);
  await installGatewayApiCrds(server);
  expect((await kubectl.run(['apply', '--server-side', '-f', crd])).stderr).toBe('');
  controller = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
    debounceMs: 20,
    maxDelayMs: 200,
    statusPollMs: 100,
  });
  await controller.start();
});

afterAll(async () => {
  client?.close();
  controller?.stop();
  kubectl?.cleanup();
  await server?.close();
  if (backend) stopBackends([backend]);
  await cp?.close();
});

describe('Programmed follows the proxies', () => {
  it('is Unknown/Pending until a grpc-js-xds client of the gateway ACKs its revision, then True', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'epic-api-key', namespace: 'default' },
      stringData: { 'api-key': cp.demoKey },
    });
    await apply({
      apiVersion: 'epic-gateway.io/v1alpha1',
      kind: 'GatewayClassConfig',
      metadata: { name: 'epic', namespace: 'default' },
      spec: {
        apiUrl: cp.apiUrl,
        account: 'demo',
        template: 'default',
        clusterName: 'workload-1',
        apiKeySecretRef: { name: 'epic-api-key' },
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'epic' },
      spec: {
        controllerName: CONTROLLER_NAME,
        parametersRef: {
          group: 'epic-gateway.io',
          kind: 'GatewayClassConfig',
          name: 'epic',
          namespace: 'default',
        },
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'default' },
      spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { ports: [{ name: 'grpc', port: backend.port, targetPort: backend.port }] },
    });
    await apply({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'echo-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'echo' } },
      addressType: 'IPv4',
      ports: [{ name: 'grpc', port: backend.port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'echo', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: [HOST],
        rules: [{ backendRefs: [{ name: 'echo', port: backend.port }] }],
      },
    });

    // Rendered, attached, and not yet served by anyone: Programmed says so.
    const pending = await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(cond(gw, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
      expect(gw.status.listeners?.[0]?.attachedRoutes).toBe(1);
      expect(cond(gw, 'Programmed')?.message).toMatch(/waiting for its proxies to acknowledge it/);
      return gw;
    });
    expect(cond(pending, 'Programmed')).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
      observedGeneration: 1,
    });
    // It stays so while no proxy connects (several status polls later).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cond(await get('gateway', 'web'), 'Programmed')).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
    });

    const [epicGw] = (await cp.api('/gateways')).items;
    await useXdsClient(cp.plane.port, `demo.${epicGw.id}.grpc`);
    client = xdsEchoClient(HOST);
    const programmed = await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(cond(gw, 'Programmed')).toMatchObject({
        status: 'True',
        reason: 'Programmed',
        observedGeneration: 1,
      });
      return gw;
    });
    expect(cond(programmed, 'Programmed').message).not.toMatch(/waiting/);
    const revisions = (await cp.api(`/gateways/${epicGw.id}/revisions`)).items;
    expect(revisions[0].status).toBe('acked');
    // And the route it was programmed with is really in force: an RPC reaches the pod.
    expect((await call(client, 'Echo')).backend).toBe('pod-1');
  });
  it("a listener's certificate Secret, created after its Gateway, reaches EPIC and the HTTPS listener resolves it", async () => {
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'shop', namespace: 'default' },
      spec: {
        gatewayClassName: 'epic',
        listeners: [
          {
            name: 'https',
            port: 443,
            protocol: 'HTTPS',
            hostname: 'shop-a.example.com',
            tls: { certificateRefs: [{ name: 'shop-a' }] },
          },
        ],
      },
    });
    const https = (gw: any, type: string) =>
      gw.status?.listeners
        ?.find((l: { name: string }) => l.name === 'https')
        ?.conditions?.find((c: { type: string }) => c.type === type);
    // No Secret yet: EPIC says so on the listener.
    await eventually(async () => {
      expect(https(await get('gateway', 'shop'), 'ResolvedRefs')).toMatchObject({
        status: 'False',
        reason: 'InvalidCertificateRef',
      });
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'shop-a', namespace: 'default' },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': testCertA.certificate, 'tls.key': testCertA.privateKey },
    });
    const certs = await eventually(async () => {
      const certs = (await cp.api('/certificates')).items as Array<{
        namespace: string;
        name: string;
        subject: string;
      }>;
      expect(certs.map((c) => `${c.namespace}/${c.name}`)).toEqual(['default/shop-a']);
      return certs;
    });
    expect(certs[0]!.subject).toMatch(/shop-a\.example\.com/);
    await eventually(async () => {
      const gw = await get('gateway', 'shop');
      expect(https(gw, 'ResolvedRefs')).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
      expect(https(gw, 'Programmed')).toMatchObject({ status: 'True' });
    });
    expect(controller.stats.certificates).toBe(1);
  });
});
