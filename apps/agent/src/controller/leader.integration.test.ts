// Two replicas of the controller against one test API server and one EPIC API: one holds the Lease and does
// every write (EPIC syncs, finalizers, status), the other writes nothing; when the leader crashes (its Lease
// left to expire) or stops (its Lease released), the other takes over and carries on.
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { installGatewayApiCrds, raw } from '@epic/kube-testserver/test-support';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../test-support/control-plane.js';
import { createEpicClass, eventually, installGatewayClassConfigCrd } from '../test-support/workload.js';
import { CONTROLLER_NAME, GatewayController } from './controller.js';

const GW = '/apis/gateway.networking.k8s.io/v1';
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/epic-gateway-system/leases/epic-gateway-controller';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

let cp: ControlPlane;
let server: KubeTestServer;
const replicas: GatewayController[] = [];
/** The replicas' requests for their Lease, as `verb` (the Role in k8s/controller/rbac.yaml must grant exactly these). */
const leaseVerbs = new Set<string>();

async function kube(method: string, path: string, body?: unknown, contentType?: string): Promise<any> {
  const r = await raw(server, method, path, body, contentType ? { 'Content-Type': contentType } : {});
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.json;
}

/** A replica; `started` resolves once it leads (or was stopped while waiting). */
async function replica(identity: string): Promise<{ c: GatewayController; started: Promise<void> }> {
  const c = new GatewayController({
    kubeConfig: await server.kubeConfig(),
    log,
    debounceMs: 50,
    maxDelayMs: 300,
    statusPollMs: 200,
    onKubeRequest: (method, path) => {
      if (path.includes('/leases'))
        leaseVerbs.add(method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method.toLowerCase());
    },
    leaderElection: {
      namespace: 'epic-gateway-system',
      identity,
      leaseDurationMs: 3_000,
      retryMs: 300,
    },
  });
  replicas.push(c);
  return { c, started: c.start() };
}

const route = (name: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name },
  spec: {
    parentRefs: [{ name: 'web' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${name}` } }] }],
  },
});
const accepted = async (name: string) => {
  const r = await kube('GET', `${GW}/namespaces/default/httproutes/${name}`);
  const ours = r.status?.parents?.find((p: any) => p.controllerName === CONTROLLER_NAME);
  expect(ours?.conditions?.find((c: any) => c.type === 'Accepted')?.status).toBe('True');
};
const epicRouteNames = async () =>
  ((await cp.api('/routes')).items as Array<{ name: string }>).map((r) => r.name).sort();
const writes = (c: GatewayController) => c.stats.syncCalls + c.statusWriter.writes;

beforeAll(async () => {
  cp = await startControlPlane();
  server = await startKubeTestServer();
  await installGatewayApiCrds(server);
  await installGatewayClassConfigCrd(kube);
  await kube('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'epic-gateway-system' },
  });
  await createEpicClass(kube, { apiUrl: cp.apiUrl, apiKey: cp.demoKey, clusterName: 'leader' });
  await kube('POST', `${GW}/namespaces/default/gateways`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'web' },
    spec: { gatewayClassName: 'epic', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
}, 120_000);

afterAll(async () => {
  for (const c of replicas) c.stop();
  await server?.close();
  await cp?.close();
});

describe('two replicas', () => {
  it('one leads and writes; the other writes nothing, and takes over when the leader crashes or stops', async () => {
    const a = await replica('replica-a');
    await a.started;
    expect(a.c.leading).toBe(true);
    const b = await replica('replica-b');
    let bLeads = false;
    void b.started.then(() => (bLeads = true));

    await kube('POST', `${GW}/namespaces/default/httproutes`, route('one'));
    await eventually(() => accepted('one'));
    expect(await epicRouteNames()).toEqual(['one']);
    // Several renewals later: still a's, and b has not written anything anywhere.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await kube('GET', LEASE)).spec.holderIdentity).toBe('replica-a');
    expect(bLeads).toBe(false);
    expect(b.c.leading).toBe(false);
    expect(writes(b.c)).toBe(0);
    expect(writes(a.c)).toBeGreaterThan(0);
    // /metrics says which replica leads, and what the leader did.
    expect(b.c.metricsText()).toMatch(/^epic_controller_leader 0$/m);
    expect(a.c.metricsText()).toMatch(/^epic_controller_leader 1$/m);
    expect(a.c.metricsText()).toMatch(/^epic_controller_reconcile_duration_seconds_count [1-9]\d*$/m);
    expect(b.c.metricsText()).toMatch(/^epic_controller_status_writes_total 0$/m);

    // a crashes: its Lease is not released, so b waits for it to expire, then leads.
    a.c.stop(false);
    const crashedAt = Date.now();
    const aWrites = writes(a.c);
    await kube('POST', `${GW}/namespaces/default/httproutes`, route('two'));
    await eventually(async () => expect(bLeads).toBe(true));
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(2_500);
    await eventually(() => accepted('two'));
    expect(await epicRouteNames()).toEqual(['one', 'two']);
    const lease = await kube('GET', LEASE);
    expect(lease.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(writes(a.c)).toBe(aWrites);

    // b stops cleanly: it releases the Lease, and a new replica c leads well before it would have expired.
    const c = await replica('replica-c');
    let cLeads = false;
    void c.started.then(() => (cLeads = true));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cLeads).toBe(false);
    b.c.stop();
    const stoppedAt = Date.now();
    await eventually(async () => expect(cLeads).toBe(true));
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
    await kube('POST', `${GW}/namespaces/default/httproutes`, route('three'));
    await eventually(() => accepted('three'));
    expect(await epicRouteNames()).toEqual(['one', 'three', 'two']);
  });

  it("k8s/controller's leader-election Role grants exactly what the replicas did with their Lease", () => {
    const rbac = fileURLToPath(new URL('../../../../k8s/controller/rbac.yaml', import.meta.url));
    const role = parseAllDocuments(readFileSync(rbac, 'utf8'))
      .map((d) => d.toJSON())
      .find((d) => d.kind === 'Role');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: [...leaseVerbs].sort() },
    ]);
    expect([...leaseVerbs].sort()).toEqual(['create', 'get', 'update']);
  });
});
