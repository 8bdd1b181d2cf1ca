// End to end: kubectl → the test API server (upstream Gateway API CRDs + ours) → the controller → a real EPIC
// API process on its embedded PostgreSQL → status back on the Gateway API objects.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, Kubectl } from '@epic/kube-testserver/test-support';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort, startApiProcess, type ApiProcess } from '../../../api/src/test-support/api-process.js';
import { testCertA, testCertB } from '../../../api/src/test-support/tls-fixture.js';
import { resettingProxy, type ResettingProxy } from '../test-support/resetting-proxy.js';
import { epicClassObjects, eventually, gatewayClassConfigCrd } from '../test-support/workload.js';
import { CONTROLLER_NAME, FINALIZER, GatewayController } from './controller.js';

let server: KubeTestServer;
let kubectl: Kubectl;
let api: ApiProcess;
let apiUrl: string;
/** The controller reaches EPIC through this proxy, which a test can take down (connections reset). */
let epicProxy: ResettingProxy;
let demoKey: string;
let dataDir: string;
let controller: GatewayController | undefined;
/** Every request the controllers of this file made to the Kubernetes API: `METHOD path`. */
const kubeRequests = new Set<string>();
/** How many times each of them was made. */
const kubeRequestCounts = new Map<string, number>();
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

async function startController(): Promise<GatewayController> {
  const c = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log,
    debounceMs: 50,
    maxDelayMs: 500,
    statusPollMs: 200,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    revalidateMs: 300,
    onKubeRequest: (method, path) => {
      const req = `${method} ${path.split('?')[0]}`;
      kubeRequests.add(req);
      kubeRequestCounts.set(req, (kubeRequestCounts.get(req) ?? 0) + 1);
    },
  });
  await c.start();
  return c;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'epic-controller-it-'));
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = startApiProcess({
    PORT: String(port),
    EPIC_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    XDS_PORT: String(await freePort()),
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
  });
  server = await startKubeTestServer({ kubeconfigPath: true });
  kubectl = new Kubectl(server);
  await installGatewayApiCrds(server);
  const r = await kubectl.run(['apply', '--server-side', '-f', gatewayClassConfigCrd]);
  expect(r.stderr).toBe('');
  await api.ready(port);
  epicProxy = await resettingProxy(port);
  demoKey = /Demo account key:\s+(\S+)/.exec(api.output())![1]!;
  controller = await startController();
});

afterAll(async () => {
  controller?.stop();
  if (api && api.child.exitCode === null) {
    api.child.kill('SIGTERM');
    await api.exited;
  }
  epicProxy?.close();
  kubectl?.cleanup();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Retries an assertion until it holds (the controller and EPIC converge asynchronously). */
async function apply(doc: unknown): Promise<void> {
  const r = await kubectl.run(['apply', '-f', '-'], JSON.stringify(doc));
  expect(r.stderr, r.stderr).toBe('');
}

async function get(kind: string, name: string, ns = 'default'): Promise<any> {
  const r = await kubectl.run(['get', kind, name, '-n', ns, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

async function epic(path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${apiUrl}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${demoKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return r.json();
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (key: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'epic-api-key', namespace: 'default' },
  type: 'Opaque',
  data: { 'api-key': b64(key) },
});
const gateway = (port = 80) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'web', namespace: 'default' },
  spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port, protocol: 'HTTP' }] },
});
const route = (name: string, gatewayName = 'web') => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace: 'default' },
  spec: {
    parentRefs: [{ name: gatewayName }],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/${name}` } }],
        backendRefs: [{ name: 'app', port: 80 }],
      },
    ],
  },
});
const cond = (obj: { status?: { conditions?: any[] } }, type: string) =>
  obj.status?.conditions?.find((c: { type: string }) => c.type === type);

describe('the controller against a real EPIC API', () => {
  it('a GatewayClass is InvalidParameters with the API error for a wrong key, Accepted with the right one', async () => {
    await apply(secret('epic_wrong_key'));
    const cls = epicClassObjects({ apiUrl: epicProxy.url, apiKey: demoKey, clusterName: 'workload-1' });
    await apply(cls.config);
    await apply(cls.gatewayClass);
    const refused = await eventually(async () => {
      const gc = await get('gatewayclass', 'epic');
      expect(cond(gc, 'Accepted')).toMatchObject({ status: 'False', reason: 'InvalidParameters' });
      return gc;
    });
    expect(cond(refused, 'Accepted').message).toMatch(/EPIC API refused the parameters: .+/);

    await apply(secret(demoKey));
    const gc = await eventually(async () => {
      const gc = await get('gatewayclass', 'epic');
      expect(cond(gc, 'Accepted')).toMatchObject({
        status: 'True',
        reason: 'Accepted',
        observedGeneration: 1,
      });
      return gc;
    });
    const features = gc.status.supportedFeatures.map((f: { name: string }) => f.name);
    expect(features).toContain('HTTPRoute');
    expect(features).toEqual([...features].sort());
    const clusters = await epic('/clusters');
    expect(clusters.items.map((c: { name: string }) => c.name)).toContain('workload-1');
  });

  it('a class whose template does not exist yet is refused, and accepted once EPIC has it (no edit needed)', async () => {
    const later = epicClassObjects({
      apiUrl: epicProxy.url,
      apiKey: demoKey,
      clusterName: 'workload-1',
      className: 'epic-later',
      template: 'later',
    });
    await apply(later.config);
    await apply(later.gatewayClass);
    await eventually(async () => {
      const gc = await get('gatewayclass', 'epic-later');
      expect(cond(gc, 'Accepted')).toMatchObject({
        status: 'False',
        reason: 'InvalidParameters',
        message: expect.stringContaining('template "later" does not exist in account "demo"'),
      });
    });
    const [template] = (await epic('/templates')).items;
    const created = await epic('/templates', {
      name: 'later',
      poolName: template.poolName,
      dnsNameTemplate: '{gateway}.later.example.com',
    });
    expect(created.name).toBe('later');
    await eventually(async () => {
      const gc = await get('gatewayclass', 'epic-later');
      expect(cond(gc, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    });
    // The class stays: it names the same EPIC cluster as "epic", and the tests below would see one class's
    // full sync delete the other's Gateways if the two did not share one sync target.
  });

  it('a Gateway and an HTTPRoute get EPIC address and conditions; other controllers are left alone', async () => {
    // Another controller's class and Gateway: never sent, never written.
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'other' },
      spec: { controllerName: 'example.com/other-controller' },
    });
    await apply({
      ...gateway(),
      metadata: { name: 'theirs', namespace: 'default' },
      spec: { ...gateway().spec, gatewayClassName: 'other' },
    });
    await apply(gateway());
    await apply(route('shop'));
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GRPCRoute',
      metadata: { name: 'rpc', namespace: 'default' },
      spec: { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'grpc-app', port: 9000 }] }] },
    });
    // Another controller's entry in the route's status.parents (theirs), written before ours.
    const foreign = {
      parentRef: {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'theirs',
        namespace: 'default',
      },
      controllerName: 'example.com/other-controller',
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: 'theirs',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const patched = await kubectl.run([
      'patch',
      'httproute',
      'shop',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { parents: [foreign] } }),
    ]);
    expect(patched.stderr).toBe('');

    const gw = await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(gw.status.addresses?.[0]?.type).toBe('IPAddress');
      expect(cond(gw, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
      expect(gw.status.listeners?.[0]?.attachedRoutes).toBe(2);
      return gw;
    });
    const [epicGw] = (await epic('/gateways')).items;
    expect(gw.status.addresses).toEqual([
      { type: 'IPAddress', value: epicGw.address },
      { type: 'Hostname', value: epicGw.dnsName },
    ]);
    // No proxy has acknowledged a revision: Programmed is not True (and says so).
    expect(cond(gw, 'Programmed')).toMatchObject({
      status: 'Unknown',
      reason: 'Pending',
      observedGeneration: 1,
    });
    expect(gw.status.listeners[0]).toMatchObject({
      name: 'http',
      supportedKinds: expect.arrayContaining([{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]),
    });
    expect(gw.metadata.finalizers).toContain(FINALIZER);

    const r = await eventually(async () => {
      const r = await get('httproute', 'shop');
      expect(r.status.parents).toHaveLength(2);
      return r;
    });
    expect(r.status.parents[0]).toEqual(foreign);
    expect(r.status.parents[1]).toMatchObject({
      controllerName: CONTROLLER_NAME,
      parentRef: { name: 'web', namespace: 'default' },
      conditions: expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True', observedGeneration: 1 }),
        expect.objectContaining({ type: 'ResolvedRefs', observedGeneration: 1 }),
      ]),
    });
    expect(r.metadata.finalizers).toContain(FINALIZER);
    const rpc = await eventually(async () => {
      const rpc = await get('grpcroute', 'rpc');
      expect(rpc.status?.parents?.[0]?.controllerName).toBe(CONTROLLER_NAME);
      return rpc;
    });
    expect(rpc.metadata.finalizers).toContain(FINALIZER);

    const theirs = await get('gateway', 'theirs');
    expect(theirs.metadata.finalizers ?? []).not.toContain(FINALIZER);
    expect(cond(theirs, 'Accepted')).toMatchObject({ status: 'Unknown', reason: 'Pending' });
    expect((await epic('/gateways')).items.map((g: { name: string }) => g.name)).toEqual(['web']);
  });

  it('a listener edit reaches EPIC and the status follows the new generation', async () => {
    await apply(gateway(8080));
    await eventually(async () => {
      const [g] = (await epic('/gateways')).items;
      expect(g.listeners[0].port).toBe(8080);
    });
    await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(gw.metadata.generation).toBe(2);
      expect(cond(gw, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 2 });
    });
  });

  it('spec.addresses and spec.infrastructure reach EPIC: the requested IP is the status address, edits follow', async () => {
    const g = gateway(8080);
    await apply({
      ...g,
      spec: {
        ...g.spec,
        addresses: [{ type: 'IPAddress', value: '192.0.2.77' }],
        infrastructure: { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'shop-team' } },
      },
    });
    await eventually(async () => {
      const [e] = (await epic('/gateways')).items;
      expect(e.addresses).toEqual([{ type: 'IPAddress', value: '192.0.2.77' }]);
      expect(e.address).toBe('192.0.2.77');
      expect(e.infrastructure).toMatchObject({
        labels: { team: 'shop' },
        annotations: { 'example.com/owner': 'shop-team' },
      });
    });
    await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(gw.status.addresses).toContainEqual({ type: 'IPAddress', value: '192.0.2.77' });
      expect(cond(gw, 'Programmed')?.observedGeneration).toBe(gw.metadata.generation);
    });
    // Taken off again: EPIC holds none of it (the pool picks the address).
    await apply(g);
    await eventually(async () => {
      const [e] = (await epic('/gateways')).items;
      expect(e.addresses).toBeNull();
      expect(e.infrastructure).toBeNull();
    });
  });

  it('a burst of 40 routes is a few sync calls, not 40', async () => {
    const before = controller!.stats.syncCalls;
    // Many YAML documents in one apply (the test server's OpenAPI has no v1 List for kubectl to validate).
    const docs = Array.from({ length: 40 }, (_, i) => stringify(route(`burst-${i}`))).join('---\n');
    const r = await kubectl.run(['apply', '-f', '-'], docs);
    expect(r.stderr).toBe('');
    await eventually(async () => {
      const routes = await epic('/routes?limit=100');
      expect(routes.items.filter((x: { name: string }) => x.name.startsWith('burst-'))).toHaveLength(40);
    });
    expect(controller!.stats.syncCalls - before).toBeLessThanOrEqual(4);
    await eventually(async () => {
      const gw = await get('gateway', 'web');
      expect(gw.status.listeners[0].attachedRoutes).toBe(42);
    });
    const d = await kubectl.run([
      'delete',
      'httproute',
      ...Array.from({ length: 40 }, (_, i) => `burst-${i}`),
    ]);
    expect(d.code).toBe(0);
    await eventually(async () => {
      expect((await epic('/routes?limit=100')).items.map((x: { name: string }) => x.name).sort()).toEqual([
        'rpc',
        'shop',
      ]);
    });
  });

  it('deleting the route and the Gateway removes them from EPIC before the objects go', async () => {
    const d = await kubectl.run(['delete', 'httproute', 'shop', '--wait=false']);
    expect(d.code).toBe(0);
    expect((await kubectl.run(['delete', 'grpcroute', 'rpc', '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic('/routes')).items).toEqual([]));
    await eventually(async () => {
      const r = await kubectl.run(['get', 'httproute', 'shop']);
      expect(r.stderr).toMatch(/NotFound/);
    });
    await kubectl.run(['delete', 'gateway', 'web', '--wait=false']);
    await eventually(async () => expect((await epic('/gateways')).items).toEqual([]));
    await eventually(async () => {
      const r = await kubectl.run(['get', 'gateway', 'web']);
      expect(r.stderr).toMatch(/NotFound/);
    });
  });

  it('after a restart, what was deleted while the controller was down is removed from EPIC', async () => {
    await apply({ ...gateway(), metadata: { name: 'transient', namespace: 'default' } });
    await apply(route('kept', 'transient'));
    await eventually(async () => expect((await epic('/gateways')).items).toHaveLength(1));
    await eventually(async () => expect((await epic('/routes')).items).toHaveLength(1));
    controller!.stop();
    // Gone for good while the controller is down (its finalizer removed by hand, then deleted).
    for (const [kind, name] of [
      ['httproute', 'kept'],
      ['gateway', 'transient'],
    ] as const) {
      const p = await kubectl.run([
        'patch',
        kind,
        name,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
      expect(p.stderr).toBe('');
      const d = await kubectl.run(['delete', kind, name]);
      expect(d.code).toBe(0);
    }
    controller = await startController();
    await eventually(async () => {
      expect((await epic('/gateways')).items).toEqual([]);
      expect((await epic('/routes')).items).toEqual([]);
    });
  });

  it('while EPIC is unreachable changes wait with backoff, survive a 410 relist, and arrive once it is back', async () => {
    epicProxy.down = true;
    const errorsBefore = controller!.stats.apiErrors;
    await apply({ ...gateway(), metadata: { name: 'later', namespace: 'default' } });
    await apply(route('early', 'later'));
    await eventually(async () => expect(controller!.stats.apiErrors).toBeGreaterThan(errorsBefore + 1));
    // The watch history is compacted and the watches dropped: the informers get 410 Gone and relist.
    // Every watch whose last event is older than the compaction relists (the HTTPRoute one saw a newer event).
    const listsBefore = controller!.informerLists;
    server.store.compact();
    await apply(route('meanwhile', 'later'));
    server.faults.dropWatches();
    await eventually(async () => expect(controller!.informerLists).toBeGreaterThanOrEqual(listsBefore + 8));
    expect((await epic('/gateways')).items).toEqual([]);
    epicProxy.down = false;
    await eventually(async () => {
      expect((await epic('/gateways')).items.map((g: { name: string }) => g.name)).toEqual(['later']);
      expect((await epic('/routes')).items.map((r: { name: string }) => r.name).sort()).toEqual([
        'early',
        'meanwhile',
      ]);
    });
    await eventually(async () => {
      const gw = await get('gateway', 'later');
      expect(gw.status.listeners[0].attachedRoutes).toBe(2);
    });
    for (const [kind, name] of [
      ['httproute', 'early'],
      ['httproute', 'meanwhile'],
      ['gateway', 'later'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic('/gateways')).items).toEqual([]));
  });

  it('a TCPRoute and a TLSRoute with several parentRefs (sectionName, port) reach EPIC and get our status entries', async () => {
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'l4', namespace: 'default' },
      spec: {
        gatewayClassName: 'epic',
        listeners: [
          { name: 'db', port: 5432, protocol: 'TCP' },
          { name: 'cache', port: 6379, protocol: 'TCP' },
          {
            name: 'tls',
            port: 443,
            protocol: 'TLS',
            hostname: 'x.example.com',
            tls: { mode: 'Passthrough' },
          },
        ],
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TCPRoute',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        parentRefs: [
          { name: 'l4', sectionName: 'db' },
          { name: 'l4', sectionName: 'cache', port: 6379 },
        ],
        rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }],
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'TLSRoute',
      metadata: { name: 'pass', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'l4', sectionName: 'tls' }],
        hostnames: ['x.example.com'],
        rules: [{ backendRefs: [{ name: 'tls-app', port: 8443 }] }],
      },
    });
    await eventually(async () => {
      const routes = (await epic('/routes?limit=100')).items as Array<{ name: string; kind: string }>;
      expect(
        routes
          .filter((r) => r.name === 'db' || r.name === 'pass')
          .map((r) => r.kind)
          .sort(),
      ).toEqual(['TCPRoute', 'TLSRoute']);
    });
    const db = await eventually(async () => {
      const db = await get('tcproute', 'db');
      expect(db.status?.parents).toHaveLength(2);
      return db;
    });
    expect(db.metadata.finalizers).toContain(FINALIZER);
    expect(db.status.parents.map((p: any) => p.parentRef.sectionName).sort()).toEqual(['cache', 'db']);
    expect(db.status.parents.find((p: any) => p.parentRef.sectionName === 'cache').parentRef.port).toBe(6379);
    for (const p of db.status.parents) {
      expect(p.controllerName).toBe(CONTROLLER_NAME);
      expect(p.conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({
        status: 'True',
        reason: 'Accepted',
        observedGeneration: 1,
      });
    }
    const pass = await eventually(async () => {
      const pass = await get('tlsroute', 'pass');
      expect(pass.status?.parents?.[0]?.controllerName).toBe(CONTROLLER_NAME);
      return pass;
    });
    expect(pass.status.parents[0].parentRef.sectionName).toBe('tls');
    expect(pass.status.parents[0].conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
    });
    expect(pass.metadata.finalizers).toContain(FINALIZER);
    for (const [kind, name] of [
      ['tcproute', 'db'],
      ['tlsroute', 'pass'],
      ['gateway', 'l4'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic('/gateways')).items).toEqual([]));
  });

  it('a UDPRoute on a UDP listener reaches EPIC and gets our status entry, with Accepted and ResolvedRefs', async () => {
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'dns', namespace: 'default' },
      spec: {
        gatewayClassName: 'epic',
        listeners: [
          { name: 'dns-udp', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'UDPRoute',
      metadata: { name: 'coredns', namespace: 'default' },
      spec: {
        parentRefs: [{ name: 'dns', sectionName: 'dns-udp' }],
        rules: [{ backendRefs: [{ name: 'coredns', port: 53 }] }],
      },
    });
    await eventually(async () => {
      const routes = (await epic('/routes?kind=UDPRoute')).items as Array<{ name: string; kind: string }>;
      expect(routes.map((r) => [r.kind, r.name])).toEqual([['UDPRoute', 'coredns']]);
    });
    const udp = await eventually(async () => {
      const udp = await get('udproute', 'coredns');
      expect(udp.status?.parents?.[0]?.controllerName).toBe(CONTROLLER_NAME);
      return udp;
    });
    expect(udp.metadata.finalizers).toContain(FINALIZER);
    expect(udp.status.parents[0].parentRef).toMatchObject({ name: 'dns', sectionName: 'dns-udp' });
    expect(udp.status.parents[0].conditions.find((c: any) => c.type === 'Accepted')).toMatchObject({
      status: 'True',
      reason: 'Accepted',
      observedGeneration: 1,
    });
    // The Service does not exist in EPIC: the spec's reason for it.
    expect(udp.status.parents[0].conditions.find((c: any) => c.type === 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'BackendNotFound',
    });
    const gw = await eventually(async () => {
      const gw = await get('gateway', 'dns');
      expect(gw.status?.listeners?.find((l: any) => l.name === 'dns-udp')?.attachedRoutes).toBe(1);
      return gw;
    });
    expect(gw.status.listeners.find((l: any) => l.name === 'dns-udp').supportedKinds).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'UDPRoute' },
    ]);
    for (const [kind, name] of [
      ['udproute', 'coredns'],
      ['gateway', 'dns'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic('/routes?kind=UDPRoute')).items).toEqual([]));
  });

  it("a BackendTLSPolicy and its CA ConfigMap reach EPIC; the policy's ancestor status is ours, others' entries stay", async () => {
    const configMap = (name: string, pem: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { 'ca.crt': pem },
    });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'secure', namespace: 'default' },
      spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'tls-app', namespace: 'default' },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
    });
    await apply({
      ...route('secure', 'secure'),
      spec: { parentRefs: [{ name: 'secure' }], rules: [{ backendRefs: [{ name: 'tls-app', port: 443 }] }] },
    });
    await apply(configMap('tls-app-ca', testCertA.certificate));
    // Named by nothing of ours: never sent.
    await apply(configMap('unrelated', testCertB.certificate));
    const policy = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'tls-app', namespace: 'default' },
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'tls-app' }],
        validation: {
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'tls-app-ca' }],
          hostname: 'tls-app.example.com',
        },
      },
    };
    await apply(policy);
    // Another controller's ancestor entry, written before ours: it must survive our writes.
    const foreign = {
      ancestorRef: {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        namespace: 'default',
        name: 'elsewhere',
      },
      controllerName: 'example.com/other-controller',
      conditions: [
        {
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const patched = await kubectl.run([
      'patch',
      'backendtlspolicy',
      'tls-app',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { ancestors: [foreign] } }),
    ]);
    expect(patched.stderr).toBe('');

    await eventually(async () => {
      const policies = (await epic('/backend-tls-policies')).items as Array<{ name: string; spec: unknown }>;
      expect(policies.map((p) => [p.name, p.spec])).toEqual([['tls-app', policy.spec]]);
      const bundles = (await epic('/ca-bundles')).items as Array<{
        kind: string;
        name: string;
        caCertificate: string;
      }>;
      expect(bundles.map((b) => [b.kind, b.name, b.caCertificate])).toEqual([
        ['ConfigMap', 'tls-app-ca', testCertA.certificate],
      ]);
    });
    const status = await eventually(async () => {
      const p = await get('backendtlspolicy', 'tls-app');
      expect(p.status?.ancestors?.map((a: any) => a.controllerName)).toEqual([
        'example.com/other-controller',
        CONTROLLER_NAME,
      ]);
      return p.status.ancestors;
    });
    expect(status[0]).toEqual(foreign);
    expect(status[1].ancestorRef).toEqual({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      namespace: 'default',
      name: 'secure',
    });
    expect(status[1].conditions.map((c: any) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ['Accepted', 'True', 'Accepted', 1],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 1],
    ]);

    // A new CA in the ConfigMap reaches EPIC; a policy edit is reflected at its new generation.
    await apply(configMap('tls-app-ca', testCertB.certificate));
    await eventually(async () => {
      const bundles = (await epic('/ca-bundles')).items as Array<{ caCertificate: string }>;
      expect(bundles.map((b) => b.caCertificate)).toEqual([testCertB.certificate]);
    });
    await apply({
      ...policy,
      spec: { ...policy.spec, validation: { ...policy.spec.validation, hostname: 'other.example.com' } },
    });
    await eventually(async () => {
      const p = await get('backendtlspolicy', 'tls-app');
      expect(p.metadata.generation).toBe(2);
      const ours = p.status.ancestors.find((a: any) => a.controllerName === CONTROLLER_NAME);
      expect(ours.conditions.map((c: any) => c.observedGeneration)).toEqual([2, 2]);
    });

    // Deleting the policy removes it (and, no longer named, its CA bundle) from EPIC.
    expect((await kubectl.run(['delete', 'backendtlspolicy', 'tls-app'])).code).toBe(0);
    await eventually(async () => {
      expect((await epic('/backend-tls-policies')).items).toEqual([]);
      expect((await epic('/ca-bundles')).items).toEqual([]);
    });
    for (const [kind, name] of [
      ['httproute', 'secure'],
      ['gateway', 'secure'],
      ['service', 'tls-app'],
      ['configmap', 'tls-app-ca'],
      ['configmap', 'unrelated'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '--wait=false'])).code).toBe(0);
  });

  it("a ListenerSet of our Gateway reaches EPIC with the Gateway's allowedListeners; its status is ours, a route attaches through it; another class's ListenerSet is never sent", async () => {
    await apply(listenerSetParent('parent', { namespaces: { from: 'Same' } }));
    const listenerSet = (port: number) => childListenerSet('extra', 'parent', port, 'extra.example.com');
    await apply(listenerSet(8080));
    // Its parent is no Gateway of ours: never sent, its status never touched.
    await apply({
      ...listenerSet(8080),
      metadata: { name: 'foreign', namespace: 'default' },
      spec: { ...listenerSet(8080).spec, parentRef: { name: 'not-ours' } },
    });
    await apply({
      ...route('via-set', 'parent'),
      spec: {
        ...route('via-set', 'parent').spec,
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', name: 'extra' }],
      },
    });

    await eventually(async () => {
      const sets = (await epic('/listener-sets')).items as Array<{ name: string; spec: any }>;
      expect(sets.map((x) => [x.name, x.spec.listeners[0].port])).toEqual([['extra', 8080]]);
      const gws = (await epic('/gateways?name=parent')).items as Array<{ allowedListeners: unknown }>;
      expect(gws.map((g) => g.allowedListeners)).toEqual([{ namespaces: { from: 'Same' } }]);
    });
    const status = await eventually(async () => {
      const l = await get('listenerset', 'extra');
      expect(cond(l, 'Accepted')?.status).toBe('True');
      expect(l.status.listeners?.[0]?.attachedRoutes).toBe(1);
      return l.status;
    });
    expect(status.conditions.map((c: any) => [c.type, c.status, c.reason, c.observedGeneration])).toEqual([
      ['Accepted', 'True', 'Accepted', 1],
      // No proxy has acknowledged the parent's revision: not programmed yet (as the Gateway).
      ['Programmed', 'Unknown', 'Pending', 1],
    ]);
    expect(status.listeners.map((l: any) => [l.name, l.attachedRoutes, l.supportedKinds])).toEqual([
      [
        'extra',
        1,
        [
          { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
          { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
        ],
      ],
    ]);
    await eventually(async () => {
      const viaSet = await get('httproute', 'via-set');
      expect(
        viaSet.status?.parents?.map((p: any) => [
          p.parentRef.kind,
          p.parentRef.name,
          p.conditions.find((c: any) => c.type === 'Accepted')?.status,
        ]),
      ).toEqual([['ListenerSet', 'extra', 'True']]);
    });
    expect((await get('listenerset', 'foreign')).status?.listeners).toBeUndefined();

    // An edit is reflected at its new generation.
    await apply(listenerSet(8081));
    await eventually(async () => {
      const l = await get('listenerset', 'extra');
      expect(l.metadata.generation).toBe(2);
      expect(l.status.conditions.map((c: any) => c.observedGeneration)).toEqual([2, 2]);
      const sets = (await epic('/listener-sets')).items as Array<{ spec: any }>;
      expect(sets.map((x) => x.spec.listeners[0].port)).toEqual([8081]);
    });

    // Deleting it removes it from EPIC.
    expect((await kubectl.run(['delete', 'listenerset', 'extra'])).code).toBe(0);
    await eventually(async () => expect((await epic('/listener-sets')).items).toEqual([]));
    for (const [kind, name] of [
      ['httproute', 'via-set'],
      ['listenerset', 'foreign'],
      ['gateway', 'parent'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '--wait=false'])).code).toBe(0);
  });

  it("the Gateway's status.attachedListenerSets counts its attached ListenerSets, unwritten while unchanged, and is removed once it allows none and none names it", async () => {
    const parent = (allowedListeners?: unknown) => listenerSetParent('counted', allowedListeners);
    const listenerSet = (name: string, port: number) =>
      childListenerSet(name, 'counted', port, `${name}.example.com`);
    await apply(parent({ namespaces: { from: 'Same' } }));
    await apply(listenerSet('counted-a', 8080));
    await apply(listenerSet('counted-b', 8081));
    const attached = async (n: number | undefined) =>
      eventually(async () => {
        const g = await get('gateway', 'counted');
        expect(cond(g, 'Accepted')?.observedGeneration).toBe(g.metadata.generation);
        expect(g.status?.attachedListenerSets).toBe(n);
        return g;
      });
    expect(cond(await attached(2), 'AttachedListenerSets')?.reason).toBe('ListenerSetsAttached');
    // Unchanged: no further write of the Gateway's status over several status polls.
    const writes = () =>
      kubeRequestCounts.get(
        'PATCH /apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/counted/status',
      );
    const before = writes();
    expect(before).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(writes()).toBe(before);

    expect((await kubectl.run(['delete', 'listenerset', 'counted-a'])).code).toBe(0);
    await attached(1);
    expect((await kubectl.run(['delete', 'listenerset', 'counted-b'])).code).toBe(0);
    expect(cond(await attached(0), 'AttachedListenerSets')?.reason).toBe('NoListenerSetsAttached');
    // Nothing to do with ListenerSets any more: the field goes.
    await apply(parent());
    const gone = await attached(undefined);
    expect('attachedListenerSets' in gone.status).toBe(false);
    expect(cond(gone, 'AttachedListenerSets')).toBeUndefined();
    expect((await kubectl.run(['delete', 'gateway', 'counted', '--wait=false'])).code).toBe(0);
  });

  it("a listener's allowedRoutes selector refuses a route until kubectl labels the route's namespace", async () => {
    const ns = 'ns-selected-apps';
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await apply({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'sel', namespace: 'default' },
      spec: {
        gatewayClassName: 'epic',
        listeners: [
          {
            name: 'http',
            port: 80,
            protocol: 'HTTP',
            allowedRoutes: {
              namespaces: { from: 'Selector', selector: { matchLabels: { 'ns-team': 'shop' } } },
            },
          },
        ],
      },
    });
    await apply({
      ...route('picky'),
      metadata: { name: 'picky', namespace: ns },
      spec: { ...route('picky').spec, parentRefs: [{ name: 'sel', namespace: 'default' }] },
    });
    const accepted = async () => {
      const r = await get('httproute', 'picky', ns);
      const entry = r.status?.parents?.find((p: any) => p.controllerName === CONTROLLER_NAME);
      return entry?.conditions?.find((c: any) => c.type === 'Accepted');
    };
    await eventually(async () =>
      expect(await accepted()).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' }),
    );
    const labelled = await kubectl.run(['label', 'namespace', ns, 'ns-team=shop']);
    expect(labelled.stderr, labelled.stderr).toBe('');
    await eventually(async () =>
      expect(await accepted()).toMatchObject({ status: 'True', reason: 'Accepted' }),
    );
    // EPIC holds the namespace's labels (kubernetes.io/metadata.name is implied, not stored).
    const held = (await epic(`/namespaces?name=${ns}`)).items as Array<{ labels: Record<string, string> }>;
    expect(held.map((n) => n.labels)).toEqual([{ 'ns-team': 'shop' }]);
    // Taking the label off refuses the route again.
    expect((await kubectl.run(['label', 'namespace', ns, 'ns-team-'])).code).toBe(0);
    await eventually(async () =>
      expect(await accepted()).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' }),
    );
    for (const [kind, name, n] of [
      ['httproute', 'picky', ns],
      ['gateway', 'sel', 'default'],
    ] as const)
      expect((await kubectl.run(['delete', kind, name, '-n', n, '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic('/gateways')).items).toEqual([]));
    expect((await kubectl.run(['delete', 'namespace', ns, '--wait=false'])).code).toBe(0);
    await eventually(async () => expect((await epic(`/namespaces?name=${ns}`)).items).toEqual([]));
  });

  it('k8s/controller applies with kubectl apply -k, and its ClusterRole grants exactly what the controller used', async () => {
    // The test API server serves no rbac.authorization.k8s.io: schemaless stand-ins let kubectl apply -k run.
    for (const [kind, plural] of <const>[
      ['ClusterRole', 'clusterroles'],
      ['ClusterRoleBinding', 'clusterrolebindings'],
      ['Role', 'roles'],
      ['RoleBinding', 'rolebindings'],
    ]) {
      await apply({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${plural}.rbac.authorization.k8s.io` },
        spec: {
          group: 'rbac.authorization.k8s.io',
          names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
          scope: kind.startsWith('Cluster') ? 'Cluster' : 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      });
    }
    const base = fileURLToPath(new URL('../../../../k8s/controller', import.meta.url));
    await eventually(async () => {
      const r = await kubectl.run(['apply', '-k', base]);
      expect(r.stderr).toBe('');
    });
    const dep = await get('deployment', 'epic-gateway-controller', 'epic-gateway-system');
    expect(dep.spec.template.spec.serviceAccountName).toBe('epic-gateway-controller');
    const sa = await get('serviceaccount', 'epic-gateway-controller', 'epic-gateway-system');
    expect(sa.metadata.name).toBe('epic-gateway-controller');

    // What the role grants, as `group resource verb`.
    const role = JSON.parse(
      (await kubectl.run(['get', 'clusterrole', 'epic-gateway-controller', '-o', 'json'])).stdout,
    );
    const granted = new Set<string>();
    for (const rule of role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>)
      for (const g of rule.apiGroups)
        for (const res of rule.resources) for (const v of rule.verbs) granted.add(`${g} ${res} ${v}`);
    // What the controllers of this file did, as the authorizer sees it.
    const used = new Set<string>();
    for (const req of kubeRequests) {
      const [method, path] = req.split(' ') as [string, string];
      const parts = path.split('/').filter(Boolean);
      const group = parts[0] === 'api' ? '' : parts[1]!;
      let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
      if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
      const [resource, name, sub] = rest;
      const verb =
        method === 'WATCH' ? 'watch' : method === 'GET' ? (name ? 'get' : 'list') : method.toLowerCase();
      used.add(`${group} ${resource}${sub ? `/${sub}` : ''} ${verb}`);
    }
    expect([...used].sort()).toEqual([...granted].sort());
    // The manifests as rendered name the same role the binding binds.
    const rendered = (await kubectl.run(['kustomize', base])).stdout;
    const kinds = parseAllDocuments(rendered).map((d) => (d.toJSON() as { kind: string }).kind);
    expect(kinds.sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'ServiceAccount',
    ]);
  });
});

/** A Gateway of ours in `default` with one HTTP listener, allowing ListenerSets as given. */
function listenerSetParent(name: string, allowedListeners?: unknown) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'default' },
    spec: {
      gatewayClassName: 'epic',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      ...(allowedListeners ? { allowedListeners } : {}),
    },
  };
}

/** A ListenerSet in `default` with one HTTP listener named `extra`, attached to `parent`. */
function childListenerSet(name: string, parent: string, port: number, hostname: string) {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name, namespace: 'default' },
    spec: {
      parentRef: { name: parent },
      listeners: [{ name: 'extra', port, protocol: 'HTTP', hostname }],
    },
  };
}
