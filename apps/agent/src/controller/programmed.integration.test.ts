// Programmed=True only once the gateway's proxies acknowledged its revision, end to end: kubectl → the test
// API server → the controller → EPIC (API, reconciler, xDS plane in this process) → a @grpc/grpc-js-xds client
// (this file's process; its bootstrap is once per process) ACKs → EPIC marks the revision acked → the
// Gateway's Programmed condition in the test server flips from Unknown/Pending to True.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, Kubectl, raw } from '@epic/kube-testserver/test-support';
import {
  call,
  startBackend,
  startTraffic,
  stopBackends,
  useXdsClient,
  xdsEchoClient,
  type Backend,
  type EchoClient,
} from '@epic/xds-server/test-support';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertA } from '../../../api/src/test-support/tls-fixture.js';
import { startControlPlane, type ControlPlane } from '../test-support/control-plane.js';
import { epicClassObjects, eventually, gatewayClassConfigCrd } from '../test-support/workload.js';
import { GatewayController } from './controller.js';

const HOST = 'echo.example.com';
let cp: ControlPlane;
let server: KubeTestServer;
let kubectl: Kubectl;
let controller: GatewayController;
let backend: Backend;
let backendB: Backend | undefined;
let client: EchoClient | undefined;

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
  expect((await kubectl.run(['apply', '--server-side', '-f', gatewayClassConfigCrd])).stderr).toBe('');
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
  if (backend) stopBackends([backend, ...(backendB ? [backendB] : [])]);
  await cp?.close();
});

describe('Programmed follows the proxies', () => {
  it('is Unknown/Pending until a grpc-js-xds client of the gateway ACKs its revision, then True', async () => {
    for (const o of Object.values(
      epicClassObjects({ apiUrl: cp.apiUrl, apiKey: cp.demoKey, clusterName: 'workload-1' }),
    ))
      await apply(o);
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
  it('0 failed RPCs on a grpc-js-xds client while 100 GRPCRoute and HTTPRoute changes go through the API server, the controller, EPIC and xDS', async () => {
    backendB = await startBackend('pod-b');
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo-b', namespace: 'default' },
      spec: { ports: [{ name: 'grpc', port: backendB.port, targetPort: backendB.port }] },
    });
    await apply({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'echo-b-1',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'echo-b' },
      },
      addressType: 'IPv4',
      ports: [{ name: 'grpc', port: backendB.port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    });
    const [epicGw] = (await cp.api('/gateways')).items.filter((g: { name: string }) => g.name === 'web');
    /** The newest revision the client acknowledged. */
    const acked = async () =>
      Math.max(
        ...(
          (await cp.api(`/gateways/${epicGw.id}/revisions?limit=200`)).items as Array<{
            status: string;
            version: number;
          }>
        )
          .filter((r) => r.status === 'acked')
          .map((r) => r.version),
      );
    // The GRPCRoute sends x-canary: <value> to pod-b, the rest to pod-1; each change moves the value.
    const grpcRoute = (value: string) => ({
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: [HOST],
        rules: [
          {
            matches: [{ headers: [{ name: 'x-canary', value }] }],
            backendRefs: [{ name: 'echo-b', port: backendB!.port }],
          },
          { backendRefs: [{ name: 'echo', port: backend.port }] },
        ],
      },
    });
    const routes = '/apis/gateway.networking.k8s.io/v1/namespaces/default';
    const patch = async (path: string, body: unknown) => {
      const r = await raw(server, 'PATCH', path, body, { 'Content-Type': 'application/merge-patch+json' });
      expect(r.status, r.text).toBe(200);
    };
    await patch(`${routes}/grpcroutes/echo`, grpcRoute('v0'));
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'side', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: ['side.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/p0' } }],
            backendRefs: [{ name: 'echo', port: backend.port }],
          },
        ],
      },
    });
    await eventually(async () =>
      expect((await call(client!, 'Echo', { 'x-canary': 'v0' })).backend).toBe('pod-b'),
    );
    const ackedBefore = await acked();
    const traffic = startTraffic(client!);
    let last = 'v0';
    for (let i = 1; i <= 100; i++) {
      if (i % 2 === 1) {
        last = `v${i}`;
        await patch(`${routes}/grpcroutes/echo`, grpcRoute(last));
      } else {
        await patch(`${routes}/httproutes/side`, {
          spec: {
            rules: [
              {
                matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }],
                backendRefs: [{ name: 'echo', port: backend.port }],
              },
            ],
          },
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // The last change is in force at the client, while traffic kept flowing.
    await eventually(async () =>
      expect((await call(client!, 'Echo', { 'x-canary': last })).backend).toBe('pod-b'),
    );
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(100);
    expect(report.byBackend).toEqual({ 'pod-1': report.ok });
    // The changes went out as many revisions, each acknowledged by the client (batching may merge some).
    expect((await acked()) - ackedBefore).toBeGreaterThanOrEqual(10);
    // The HTTPRoute's last change (the 100th) came after the GRPCRoute's: the controller writes its status once
    // EPIC has computed it, after the sync and a status poll, so it is waited for rather than read at once.
    const side = await eventually(async () => {
      const side = await get('httproute', 'side');
      expect(side.status.parents[0].conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({
        status: 'True',
        observedGeneration: 51,
      });
      return side;
    });
    expect(side.metadata.generation).toBe(51);
  });
});
