// npm run bench -- agent [--burst 1000] [--present 3000] [--samples 50] [--rss 5000]
// The k8s Gateway controller end to end: the test Kubernetes API server (packages/kube-testserver, upstream
// Gateway API CRDs) → the controller → EPIC (API, reconciler and xDS plane in this process, embedded
// PostgreSQL) → a @grpc/grpc-js-xds client of the gateway (this process).
//   (b) --burst HTTPRoutes POSTed at once → every one Accepted (our status entry, current generation) and the
//       listener's attachedRoutes = burst: wall time and the number of status writes the controller made;
//   (a) with --present HTTPRoutes in place, a GRPCRoute PATCH at the API server → the client's RPCs follow it
//       (its x-canary header value now reaches pod-b): p50/p99 over --samples changes;
//   (c) process RSS with --rss HTTPRoutes present (an upper bound: the API, reconciler, xDS plane and test
//       server share the process; PostgreSQL is separate).
import { startKubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, raw } from '@epic/kube-testserver/test-support';
import { call, startBackend, stopBackends, useXdsClient, xdsEchoClient } from '@epic/xds-server/test-support';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pino from 'pino';
import { parse } from 'yaml';
import { CONTROLLER_NAME, GatewayController } from '../apps/agent/src/controller/controller.js';
import { startControlPlane } from '../apps/agent/src/test-support/control-plane.js';
import { percentile } from './support/embedded-db.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) =>
  args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt;
const BURST = arg('burst', 1_000);
const PRESENT = arg('present', 3_000);
const SAMPLES = arg('samples', 50);
const RSS_AT = arg('rss', 5_000);
const HOST = 'echo.example.com';
const GW = '/apis/gateway.networking.k8s.io/v1';
const NS = `${GW}/namespaces/default`;
const out = (s: string) => process.stdout.write(`[bench agent] ${s}\n`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const cp = await startControlPlane();
const server = await startKubeTestServer();
await installGatewayApiCrds(server);
const kube = async (method: string, path: string, body?: unknown, contentType?: string): Promise<any> => {
  const r = await raw(server, method, path, body, contentType ? { 'Content-Type': contentType } : {});
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.json;
};
await kube(
  'PATCH',
  '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gatewayclassconfigs.epic-gateway.io?fieldManager=bench&force=true',
  JSON.stringify(parse(readFileSync('k8s/crds/epic-gateway.io_gatewayclassconfigs.yaml', 'utf8'))),
  'application/apply-patch+yaml',
);
await new Promise((r) => setTimeout(r, 500));
const pod1 = await startBackend('pod-1');
const podB = await startBackend('pod-b');
for (const doc of [
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'epic-api-key' },
    stringData: { 'api-key': cp.demoKey },
    path: '/api/v1/namespaces/default/secrets',
  },
  {
    apiVersion: 'epic-gateway.io/v1alpha1',
    kind: 'GatewayClassConfig',
    metadata: { name: 'epic' },
    spec: {
      apiUrl: cp.apiUrl,
      account: 'demo',
      template: 'default',
      clusterName: 'bench',
      apiKeySecretRef: { name: 'epic-api-key' },
    },
    path: '/apis/epic-gateway.io/v1alpha1/namespaces/default/gatewayclassconfigs',
  },
  {
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
    path: `${GW}/gatewayclasses`,
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web' },
    spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    path: `${NS}/gateways`,
  },
  ...[
    ['echo', pod1.port],
    ['echo-b', podB.port],
  ].flatMap(([name, port]) => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ports: [{ name: 'grpc', port, targetPort: port }] },
      path: '/api/v1/namespaces/default/services',
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'grpc', port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    },
  ]),
]) {
  const { path, ...body } = doc as { path: string };
  await kube('POST', path, body);
}
const grpcRoute = (value: string) => ({
  spec: {
    parentRefs: [{ name: 'web' }],
    hostnames: [HOST],
    rules: [
      {
        matches: [{ headers: [{ name: 'x-canary', value }] }],
        backendRefs: [{ name: 'echo-b', port: podB.port }],
      },
      { backendRefs: [{ name: 'echo', port: pod1.port }] },
    ],
  },
});
await kube('POST', `${NS}/grpcroutes`, {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GRPCRoute',
  metadata: { name: 'echo' },
  ...grpcRoute('v0'),
});

const controller = new GatewayController({
  kubeConfig: await server.kubeConfig(),
  log: pino({ level: 'warn' }),
});
await controller.start();
const epicGateway = async () => {
  for (;;) {
    const [g] = (await cp.api('/gateways')).items;
    if (g) return g as { id: string };
    await new Promise((r) => setTimeout(r, 200));
  }
};
const gw = await epicGateway();
await useXdsClient(cp.plane.port, `demo.${gw.id}.grpc`);
const client = xdsEchoClient(HOST);
const reaches = async (value: string) => {
  try {
    return (await call(client, 'Echo', { 'x-canary': value }, 2_000)).backend === 'pod-b';
  } catch {
    return false;
  }
};
while (!(await reaches('v0'))) await new Promise((r) => setTimeout(r, 100));
out(`ready: cpus ${os.cpus().length}, load ${load()}`);

let routes = 0;
const httpRoute = (i: number) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: `r-${i}` },
  spec: {
    parentRefs: [{ name: 'web' }],
    hostnames: ['bench.example.com'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }],
        backendRefs: [{ name: 'echo', port: pod1.port }],
      },
    ],
  },
});
async function createRoutes(n: number): Promise<void> {
  const ids = Array.from({ length: n }, () => routes++);
  for (let i = 0; i < ids.length; i += 32)
    await Promise.all(ids.slice(i, i + 32).map((id) => kube('POST', `${NS}/httproutes`, httpRoute(id))));
}
/** Every HTTPRoute Accepted by us at its generation, and the listener counting them all. */
async function settled(): Promise<boolean> {
  const list = (await kube('GET', `${NS}/httproutes`)).items as any[];
  if (list.length !== routes) return false;
  for (const r of list) {
    const ours = r.status?.parents?.find((p: any) => p.controllerName === CONTROLLER_NAME);
    const a = ours?.conditions?.find((c: any) => c.type === 'Accepted');
    if (a?.status !== 'True' || a.observedGeneration !== r.metadata.generation) return false;
  }
  const g = await kube('GET', `${NS}/gateways/web`);
  // The GRPCRoute is attached too.
  return g.status?.listeners?.[0]?.attachedRoutes === routes + 1;
}
async function waitSettled(): Promise<void> {
  while (!(await settled())) await new Promise((r) => setTimeout(r, 250));
}

// (b) a burst
{
  const writes = controller.statusWriter.writes;
  const calls = controller.stats.syncCalls;
  const t0 = performance.now();
  await createRoutes(BURST);
  const applied = performance.now() - t0;
  await waitSettled();
  const ms = performance.now() - t0;
  out(
    `(b) ${BURST} HTTPRoutes at once → all Accepted, attachedRoutes ${BURST}: ${(ms / 1000).toFixed(1)} s ` +
      `(POSTs took ${(applied / 1000).toFixed(1)} s), ${controller.statusWriter.writes - writes} status writes, ` +
      `${controller.stats.syncCalls - calls} sync calls; load ${load()}`,
  );
}

// (a) route programming latency with PRESENT routes
{
  if (routes < PRESENT) {
    await createRoutes(PRESENT - routes);
    await waitSettled();
  }
  const samples: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    const value = `v${i}`;
    const t0 = performance.now();
    await kube('PATCH', `${NS}/grpcroutes/echo`, grpcRoute(value), 'application/merge-patch+json');
    while (!(await reaches(value))) await new Promise((r) => setTimeout(r, 2));
    samples.push(performance.now() - t0);
  }
  samples.sort((x, y) => x - y);
  out(
    `(a) GRPCRoute PATCH → in force at the grpc-js-xds client, ${routes} HTTPRoutes present, ${SAMPLES} samples: ` +
      `p50 ${percentile(samples, 50).toFixed(0)} ms, p99 ${percentile(samples, 99).toFixed(0)} ms, ` +
      `max ${samples.at(-1)!.toFixed(0)} ms; load ${load()}`,
  );
}

// (c) RSS
{
  if (routes < RSS_AT) {
    await createRoutes(RSS_AT - routes);
    await waitSettled();
  }
  global.gc?.();
  const m = process.memoryUsage();
  out(
    `(c) ${routes} HTTPRoutes: process RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap used ` +
      `${(m.heapUsed / 2 ** 20).toFixed(0)} MiB (controller + API + reconciler + xDS plane + test server); load ${load()}`,
  );
}

client.close();
controller.stop();
stopBackends([pod1, podB]);
await server.close();
await cp.close();
process.exit(0);
