// The Kubernetes provisioner against the in-memory API server as the EPIC cluster: gateways created, updated and
// deleted through the API → their fleets appear, change and disappear; crashes at every step converge.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { ownerSelector } from '@epic/infra-translator';
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { raw } from '@epic/kube-testserver/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withPgTx } from '../db/client.js';
import { createReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, rest, testEnv, type TestEnv } from '../test-support/harness.js';
import { KubeClient } from './kube-client.js';
import { createKubeProvisioner } from './kube-provisioner.js';
import { requeueOn } from './index.js';

/** What the provisioner and reconciler log at error level (a reconcile that failed and was pushed back). */
const logged: string[] = [];
const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line.slice(0, 2000)) });
/** Drains the queue; no reconcile on the way may have failed (a failure would leave the rows stale, unexplained). */
async function drainClean(r: Reconciler): Promise<void> {
  logged.length = 0;
  await r.drain();
  expect(logged, 'a reconcile failed').toEqual([]);
}
const podMonitorCrd = readFileSync(
  join(
    import.meta.dirname,
    '../../../../packages/infra-translator/testdata/crds/monitoring.coreos.com_podmonitors.yaml',
  ),
  'utf8',
);
const FLEET_KINDS: [string, string][] = [
  ['v1', 'configmaps'],
  ['v1', 'serviceaccounts'],
  ['v1', 'secrets'],
  ['v1', 'services'],
  ['apps/v1', 'deployments'],
  ['policy/v1', 'poddisruptionbudgets'],
  ['networking.k8s.io/v1', 'networkpolicies'],
  ['monitoring.coreos.com/v1', 'podmonitors'],
];

let env: TestEnv;
let server: KubeTestServer;
let key: string;
let templateId: string;
let kc: Awaited<ReturnType<KubeTestServer['kubeConfig']>>;

function reconcilerWith(onRequest?: (method: string, path: string) => void): Reconciler {
  return withProvisioner(onRequest).reconciler;
}

function withProvisioner(onRequest?: (method: string, path: string) => void, cluster = kc) {
  const provisioner = createKubeProvisioner({
    client: new KubeClient(cluster, onRequest ? { onRequest } : {}),
    log,
    secretKey: randomBytes(32),
    xds: { host: 'epic-api.epic.svc', port: 18000 },
    tokenTtlSeconds: 7 * 24 * 3600,
    requeue: requeueOn(env.db),
    pollSeconds: 3600,
  });
  return {
    provisioner,
    reconciler: createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600, provisioner }),
  };
}

async function setPodReady(podName: string, ready: boolean) {
  const st = await raw(
    server,
    'PATCH',
    `/api/v1/namespaces/epic-prov/pods/${podName}/status`,
    { status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
    { 'Content-Type': 'application/merge-patch+json' },
  );
  expect(st.status).toBe(200);
}

const apiPath = (apiVersion: string, plural: string, ns?: string) =>
  `${apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`}${ns ? `/namespaces/${ns}` : ''}/${plural}`;

/** Every object with EPIC's owner labels in the cluster, as kind/namespace/name. */
async function fleetObjects(gatewayId?: string): Promise<string[]> {
  const out: string[] = [];
  for (const [v, plural] of FLEET_KINDS) {
    const r = await raw(
      server,
      'GET',
      `${apiPath(v, plural)}?labelSelector=${encodeURIComponent(ownerSelector(gatewayId))}`,
    );
    expect(r.status).toBe(200);
    for (const o of r.json.items) out.push(`${plural}/${o.metadata.namespace}/${o.metadata.name}`);
  }
  return out.sort();
}

async function createGateway(name: string, listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }]) {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/gateways',
    headers: auth(key),
    payload: { name, template: 'fleet', listeners },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().gateway?.id ?? r.json().id;
}

async function deployment(ns: string, gatewayId: string) {
  const r = await raw(
    server,
    'GET',
    `${apiPath('apps/v1', 'deployments', ns)}?labelSelector=${encodeURIComponent(ownerSelector(gatewayId))}`,
  );
  return r.json.items[0];
}

async function programmed(gatewayId: string) {
  const g = await env.db.gateway.findUniqueOrThrow({ where: { id: gatewayId } });
  return (g.conditions as { type: string; status: string; reason: string; message: string }[]).find(
    (c) => c.type === 'Programmed',
  )!;
}

let nodes = 0;
async function createNode() {
  const name = `prov-${++nodes}.epic.example`;
  const r = await rest(env, 'POST', '/epic-nodes', env.adminKey, { name, addresses: ['10.1.0.7'] });
  expect(r.status, r.raw).toBe(201);
  return { name, token: r.body.token as string };
}

const nodeProxy = (gatewayId: string, podName: string, extra: Record<string, unknown> = {}) => ({
  gatewayId,
  podName,
  vethIfindex: 7,
  ready: true,
  ackedVersion: 1,
  ...extra,
});

async function report(node: { name: string; token: string }, proxies: unknown[]) {
  const r = await rest(env, 'PUT', `/epic-nodes/${node.name}/proxies`, node.token, { proxies });
  expect(r.status, r.raw).toBe(204);
}

async function revision(gatewayId: string): Promise<number> {
  const rev = await env.db.configRevision.findFirstOrThrow({
    where: { gatewayId },
    orderBy: { version: 'desc' },
  });
  return rev.version;
}

/** The gateway's ProxyInstance rows: the provisioner's columns, then the node's. */
async function proxyRows(gatewayId: string) {
  return env.db.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT p."podName", p."nodeAddress", p."podReady", p.ready, n.name AS node, p."ackedVersion" AS acked
       FROM "ProxyInstance" p LEFT JOIN "EpicNode" n ON n.id = p."epicNodeId"
      WHERE p."gatewayId" = '${gatewayId}' ORDER BY p."podName"`,
  );
}

/** A pod of the gateway's fleet, as the kubelet would report it. */
async function putPod(gatewayId: string, podName: string, ready: boolean, hostIP = '10.1.0.7') {
  const d = await deployment('epic-prov', gatewayId);
  const pod = await raw(server, 'POST', '/api/v1/namespaces/epic-prov/pods', {
    metadata: { name: podName, labels: d.spec.template.metadata.labels },
    spec: { containers: [{ name: 'envoy', image: 'envoyproxy/envoy:v1.36.2' }] },
  });
  expect(pod.status).toBe(201);
  const st = await raw(
    server,
    'PATCH',
    `/api/v1/namespaces/epic-prov/pods/${podName}/status`,
    { status: { hostIP, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } },
    { 'Content-Type': 'application/merge-patch+json' },
  );
  expect(st.status).toBe(200);
}

beforeAll(async () => {
  env = await testEnv();
  server = await startKubeTestServer();
  kc = await server.kubeConfig();
  const crd = await raw(
    server,
    'PATCH',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/podmonitors.monitoring.coreos.com?fieldManager=test&force=true',
    podMonitorCrd,
    { 'Content-Type': 'application/apply-patch+yaml' },
  );
  expect([200, 201]).toContain(crd.status);
  key = (await createAccount(env, 'prov', 100)).key;
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(key),
    payload: { name: 'pub', spec: '10.60.0.0/24' },
  });
  const t = await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(key),
    payload: { name: 'fleet', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com', replicas: 2 },
  });
  expect(t.statusCode, t.body).toBe(201);
  templateId = t.json().id;
});
afterAll(async () => {
  await env?.close();
  await server?.close();
});

describe('Kubernetes provisioner', () => {
  it('creates a gateway → its fleet appears in epic-<account>; Programmed waits for ready proxies', async () => {
    const id = await createGateway('web');
    const r = reconcilerWith();
    await r.drain();
    const objects = await fleetObjects(id);
    const name = objects[0]!.split('/')[2]!;
    expect(name).toMatch(/^envoy-default-web-[0-9a-f]{8}$/);
    expect(objects).toEqual(FLEET_KINDS.map(([, plural]) => `${plural}/epic-prov/${name}`).sort());
    const ns = await raw(server, 'GET', '/api/v1/namespaces/epic-prov');
    expect(ns.json.metadata.labels['epic-gateway.io/user-namespace']).toBe('true');
    const d = await deployment('epic-prov', id);
    expect(d.metadata.managedFields.map((f: { manager: string }) => f.manager)).toEqual(['epic']);
    expect(d.metadata.ownerReferences[0]).toMatchObject({ kind: 'ConfigMap', name, controller: true });
    expect((await programmed(id)).status).not.toBe('True');

    // The proxies acknowledge the revision; none is ready yet: Programmed says so, in words.
    await env.db.$executeRawUnsafe(
      `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = '${id}'`,
    );
    await requeueOn(env.db)([id]);
    await r.drain();
    const pending = await programmed(id);
    expect(pending).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(pending.message).toContain('no proxy is ready: 0 of 2 proxies ready');

    // A pod of the fleet becomes ready: a ProxyInstance row, and the gateway is Programmed.
    await putPod(id, `${name}-abc`, true);
    await requeueOn(env.db)([id]);
    await r.drain();
    expect(await proxyRows(id)).toEqual([
      {
        podName: `${name}-abc`,
        nodeAddress: '10.1.0.7',
        podReady: true,
        ready: false,
        node: null,
        acked: null,
      },
    ]);
    // The cluster's view alone does not program the gateway: its EPIC node must report the proxy ready, having
    // ACKed the revision (only then does the node announce the address).
    const half = await programmed(id);
    expect(half).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(half.message).toContain('1 Ready in the EPIC cluster, 0 reported ready by an EPIC node');
    const node = await createNode();
    await report(node, [nodeProxy(id, `${name}-abc`, { ackedVersion: await revision(id) })]);
    await r.drain(); // the report queued the reconcile
    expect(await programmed(id)).toMatchObject({ status: 'True', reason: 'Programmed' });
  });

  it('a template image change rolls the Deployment; scaling to one replica prunes the PodDisruptionBudget', async () => {
    const id = await createGateway('roll');
    const r = reconcilerWith();
    await r.drain();
    const before = await deployment('epic-prov', id);
    const upd = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/templates/${templateId}`,
      headers: auth(key),
      payload: {
        poolName: 'pub',
        dnsNameTemplate: '{gateway}.example.com',
        envoyImage: 'envoyproxy/envoy:v1.37.0',
        replicas: 1,
      },
    });
    expect(upd.statusCode, upd.body).toBe(200);
    await r.drain();
    const after = await deployment('epic-prov', id);
    expect(after.spec.template.spec.containers[0].image).toBe('envoyproxy/envoy:v1.37.0');
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation);
    expect(after.spec.selector).toEqual(before.spec.selector);
    expect(after.spec.replicas).toBe(1);
    expect((await fleetObjects(id)).filter((o) => o.startsWith('poddisruptionbudgets/'))).toEqual([]);
  });

  it('pods are watched: one appearing, becoming Ready, going queues its gateway (no poll, no requeue)', async () => {
    const { provisioner, reconciler: r } = withProvisioner();
    await provisioner.start();
    try {
      const id = await createGateway('watched');
      await r.drain();
      const name = (await fleetObjects(id))[0]!.split('/')[2]!;
      const rows = () =>
        proxyRows(id).then((xs) => xs.map((x) => `${String(x.podName)} ${String(x.podReady)}`));
      // Only the watch queues the reconciles below (pollSeconds is an hour; nothing calls requeue).
      const settles = (want: string[]) =>
        vi.waitFor(
          async () => {
            await r.drain();
            expect(await rows()).toEqual(want);
          },
          { timeout: 10_000, interval: 50 },
        );
      await putPod(id, `${name}-w1`, false);
      await settles([`${name}-w1 false`]);
      await setPodReady(`${name}-w1`, true);
      await settles([`${name}-w1 true`]);
      const del = await raw(server, 'DELETE', `/api/v1/namespaces/epic-prov/pods/${name}-w1`);
      expect(del.status).toBe(200);
      await settles([]);
    } finally {
      await provisioner.stop();
    }
  });

  it('a namespace removed behind the provisioner is applied again (its applied namespaces are not trusted blindly)', async () => {
    const { reconciler: r } = withProvisioner();
    const a = await createGateway('ns-a');
    await r.drain();
    // Someone removes the account namespace (and with it the fleet).
    for (const o of await fleetObjects(a)) {
      const [plural, ns, n] = o.split('/');
      const kind = FLEET_KINDS.find(([, p]) => p === plural)!;
      // 404: the garbage collector took it with the root already.
      expect([200, 404]).toContain(
        (await raw(server, 'DELETE', `${apiPath(kind[0], plural!, ns)}/${n}`)).status,
      );
    }
    expect((await raw(server, 'DELETE', '/api/v1/namespaces/epic-prov')).status).toBe(200);
    const b = await createGateway('ns-b');
    await r.drain();
    expect((await raw(server, 'GET', '/api/v1/namespaces/epic-prov')).status).toBe(200);
    expect((await fleetObjects(b)).length).toBeGreaterThanOrEqual(7);
    // And the first gateway's fleet comes back on its next reconcile, pruned to its set again.
    await requeueOn(env.db)([a]);
    await r.drain();
    expect((await fleetObjects(a)).length).toBeGreaterThanOrEqual(7);
  });

  it('a fleet unchanged since this process applied it costs one read of its root, not its applies', async () => {
    const requests: string[] = [];
    const { reconciler: r } = withProvisioner((method, path) =>
      requests.push(`${method} ${path.split('?')[0]}`),
    );
    const id = await createGateway('unchanged');
    await r.drain();
    expect(requests.filter((q) => q.startsWith('PATCH ')).length).toBeGreaterThanOrEqual(7);
    requests.length = 0;
    await requeueOn(env.db)([id]);
    await r.drain();
    expect(requests.filter((q) => !q.endsWith('/pods'))).toEqual([
      expect.stringMatching(/^GET \/api\/v1\/namespaces\/epic-prov\/configmaps\/[^/]+$/),
    ]);
    // A root changed behind it (here: relabelled by hand) is not trusted: the fleet is applied again.
    const root = requests[0]!.slice('GET '.length);
    const patched = await raw(
      server,
      'PATCH',
      root,
      { metadata: { labels: { touched: 'yes' } } },
      {
        'Content-Type': 'application/merge-patch+json',
      },
    );
    expect(patched.status).toBe(200);
    requests.length = 0;
    await requeueOn(env.db)([id]);
    await r.drain();
    expect(requests.filter((q) => q.startsWith('PATCH ')).length).toBeGreaterThanOrEqual(7);
  });

  it('an EPIC cluster without Prometheus Operator: fleets are provisioned, and it is not asked again per fleet', async () => {
    const bare = await startKubeTestServer();
    try {
      const requests: string[] = [];
      const { reconciler: r } = withProvisioner(
        (method, path) => requests.push(`${method} ${path.split('?')[0]}`),
        await bare.kubeConfig(),
      );
      const podMonitorApplies = () =>
        requests.filter((q) => q.startsWith('PATCH ') && q.includes('/podmonitors/'));
      const a = await createGateway('no-prom-a');
      await r.drain();
      expect(podMonitorApplies()).toHaveLength(1);
      const b = await createGateway('no-prom-b');
      await r.drain();
      expect(podMonitorApplies()).toHaveLength(1);
      expect(requests.filter((q) => q.startsWith('PATCH ') && q.includes('/deployments/'))).toHaveLength(2);
      for (const id of [a, b])
        expect(
          (await env.app.inject({ method: 'DELETE', url: `/api/v1/gateways/${id}`, headers: auth(key) }))
            .statusCode,
        ).toBe(204);
      await r.drain();
    } finally {
      await bare.close();
    }
  });

  it('a listener change updates the Service and the container ports in place', async () => {
    const id = await createGateway('ports', [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'alt', port: 8080, protocol: 'HTTP' },
    ]);
    const r = reconcilerWith();
    await r.drain();
    const put = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/gateways/${id}/listeners`,
      headers: auth(key),
      payload: { listeners: [{ name: 'alt', port: 8080, protocol: 'HTTP' }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    await r.drain();
    const svc = await raw(
      server,
      'GET',
      `${apiPath('v1', 'services', 'epic-prov')}?labelSelector=${encodeURIComponent(ownerSelector(id))}`,
    );
    expect(svc.json.items[0].spec.ports.map((p: { port: number }) => p.port)).toEqual([8080]);
    const d = await deployment('epic-prov', id);
    expect(
      d.spec.template.spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort),
    ).toEqual([8080, 19001]);
  });

  it('who owns a proxy row: the provisioner its pod view, the node its own; a row lives while either sees the pod', async () => {
    const id = await createGateway('owners');
    const r = reconcilerWith();
    await drainClean(r);
    await env.db.$executeRawUnsafe(
      `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = '${id}'`,
    );
    const v = await revision(id);
    const node = await createNode();
    const desired = async () =>
      (await rest(env, 'GET', `/epic-nodes/${node.name}/desired`, node.token)).body.gateways.map(
        (g: { gatewayId: string }) => g.gatewayId,
      );

    // The node reports its Envoy before the provisioner sees the pod: the provisioner's reconcile (queued by
    // the report) keeps the row, so the node keeps the gateway; one view is not enough for Programmed.
    await report(node, [nodeProxy(id, 'owners-a', { ackedVersion: v })]);
    await drainClean(r);
    expect(await proxyRows(id)).toEqual([
      {
        podName: 'owners-a',
        nodeAddress: '10.1.0.7',
        podReady: null,
        ready: true,
        node: node.name,
        acked: v,
      },
    ]);
    expect(await desired()).toEqual([id]);
    const nodeOnly = await programmed(id);
    expect(nodeOnly.status).toBe('False');
    expect(nodeOnly.message).toContain('0 Ready in the EPIC cluster, 1 reported ready by an EPIC node');

    // The pod is Ready in the cluster: both views, Programmed; the provisioner left the node's columns alone.
    await putPod(id, 'owners-a', true, '10.1.0.8');
    await requeueOn(env.db)([id]);
    await drainClean(r);
    expect(await proxyRows(id)).toEqual([
      {
        podName: 'owners-a',
        nodeAddress: '10.1.0.8',
        podReady: true,
        ready: true,
        node: node.name,
        acked: v,
      },
    ]);
    expect(await programmed(id)).toMatchObject({ status: 'True', reason: 'Programmed' });

    // A report of a proxy ready but behind the revision does not count.
    await report(node, [nodeProxy(id, 'owners-a', { ackedVersion: v - 1 })]);
    await drainClean(r);
    expect((await programmed(id)).status).toBe('False');

    // The node stops reporting it; the cluster still has the pod: the row stays with the node's view cleared,
    // and Programmed goes False at once (the report queued the reconcile).
    await report(node, [nodeProxy(id, 'owners-a', { ackedVersion: v })]);
    await drainClean(r);
    expect((await programmed(id)).status).toBe('True');
    await report(node, []);
    await drainClean(r);
    expect(await proxyRows(id)).toEqual([
      { podName: 'owners-a', nodeAddress: '10.1.0.8', podReady: true, ready: false, node: null, acked: null },
    ]);
    expect((await programmed(id)).status).toBe('False');

    // The pod goes from the cluster while the node still reports it: the row stays with podReady null; once
    // the node omits it too, the row goes.
    await report(node, [nodeProxy(id, 'owners-a', { ackedVersion: v })]);
    expect((await raw(server, 'DELETE', '/api/v1/namespaces/epic-prov/pods/owners-a')).status).toBe(200);
    await requeueOn(env.db)([id]);
    await drainClean(r);
    expect(await proxyRows(id)).toEqual([
      {
        podName: 'owners-a',
        nodeAddress: '10.1.0.8',
        podReady: null,
        ready: true,
        node: node.name,
        acked: v,
      },
    ]);
    expect((await programmed(id)).status).toBe('False');
    await report(node, []);
    expect(await proxyRows(id)).toEqual([]);

    // Deleting a node keeps the rows of pods the cluster still has (without the node's view) and drops the rest.
    await putPod(id, 'owners-b', true);
    await requeueOn(env.db)([id]);
    await drainClean(r);
    await report(node, [nodeProxy(id, 'owners-b', { ackedVersion: v }), nodeProxy(id, 'owners-c')]);
    expect((await rest(env, 'DELETE', `/epic-nodes/${node.name}`, env.adminKey)).status).toBe(204);
    expect(await proxyRows(id)).toEqual([
      { podName: 'owners-b', nodeAddress: '10.1.0.7', podReady: true, ready: false, node: null, acked: null },
    ]);
  });

  it("a fleet's xDS credentials are renewed in the next half lifetime without any change to the gateway, and the pods roll", async () => {
    const id = await createGateway('renewed');
    const day = 24 * 3600;
    const withTtl = createKubeProvisioner({
      client: new KubeClient(kc),
      log,
      secretKey: randomBytes(32),
      xds: { host: 'epic-api.epic.svc', port: 18000 },
      tokenTtlSeconds: 2 * day,
      requeue: requeueOn(env.db),
      pollSeconds: 3600,
    });
    const r = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      provisioner: withTtl,
    });
    await drainClean(r);
    const secret = async () =>
      (
        await raw(
          server,
          'GET',
          `${apiPath('v1', 'secrets', 'epic-prov')}?labelSelector=${encodeURIComponent(ownerSelector(id))}`,
        )
      ).json.items[0];
    const first = await secret();
    const expires = Date.parse(first.metadata.annotations['epic-gateway.io/xds-credentials-expire-at']);
    const rollHash = async () =>
      (await deployment('epic-prov', id)).spec.template.metadata.annotations[
        'epic-gateway.io/xds-credentials-hash'
      ];
    const hash = await rollHash();
    // In the same window nothing is due; a day later (the next half lifetime) this fleet is.
    expect(await withTtl.renewCredentials(new Date())).not.toContain(id);
    const later = new Date(Date.now() + day * 1000);
    expect(await withTtl.renewCredentials(later)).toContain(id);
    expect(await env.db.reconcileRequest.count({ where: { gatewayId: id } })).toBeGreaterThan(0);
    // The reconcile it queued, run "a day later", writes a token of that window: a later expiry, pods rolled.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(later);
    try {
      await drainClean(r);
    } finally {
      vi.useRealTimers();
    }
    const renewed = await secret();
    expect(Date.parse(renewed.metadata.annotations['epic-gateway.io/xds-credentials-expire-at'])).toBe(
      expires + day * 1000,
    );
    expect(await rollHash()).not.toBe(hash);
    expect(await withTtl.renewCredentials(later)).not.toContain(id);
  });

  it('deleting gateways removes their fleets, and the namespace with the last one', async () => {
    const r = reconcilerWith();
    const gws = (await env.db.gateway.findMany({ select: { id: true } })).map((g) => g.id);
    expect(gws.length).toBeGreaterThan(0);
    for (const id of gws) {
      const del = await env.app.inject({
        method: 'DELETE',
        url: `/api/v1/gateways/${id}`,
        headers: auth(key),
      });
      expect(del.statusCode).toBe(204);
      await r.drain();
      expect(await fleetObjects(id)).toEqual([]);
    }
    await server.settled();
    expect(await fleetObjects()).toEqual([]);
    expect((await raw(server, 'GET', '/api/v1/namespaces/epic-prov')).status).toBe(404);
  });

  it('a gateway deleted while no provisioner ran is swept at start', async () => {
    const id = await createGateway('swept');
    await reconcilerWith().drain();
    expect((await fleetObjects(id)).length).toBeGreaterThan(0);
    // Gone behind the provisioner's back (its queue row too): only the sweep can find it.
    await env.db.$executeRawUnsafe(`DELETE FROM "Gateway" WHERE id = '${id}'`);
    await env.db.$executeRawUnsafe(`DELETE FROM "ReconcileRequest"`);
    const provisioner = createKubeProvisioner({
      client: new KubeClient(kc),
      log,
      secretKey: randomBytes(32),
      xds: { host: 'x', port: 1 },
      tokenTtlSeconds: 3600,
      requeue: async () => undefined,
      pollSeconds: 3600,
    });
    await withPgTx(env.db.$pool, (c) => provisioner.sweep(c));
    expect(await fleetObjects()).toEqual([]);
    expect((await raw(server, 'GET', '/api/v1/namespaces/epic-prov')).status).toBe(404);
  });

  it('a crash at any step of creating, then of deleting, converges on restart with no leftovers', async () => {
    // Count the requests one clean provisioning makes, then crash before each of them in turn.
    let requests = 0;
    const probeId = await createGateway('probe');
    await reconcilerWith(() => requests++).drain();
    const expected = await fleetObjects(probeId);
    expect(expected.length).toBeGreaterThanOrEqual(7);
    // Namespace, root, each owned object, the roots of the gateway (nothing else to prune on create), its pods.
    expect(requests).toBeGreaterThanOrEqual(expected.length + 3);
    for (let k = 0; k < requests; k++) {
      const id = await createGateway(`crash-${k}`);
      let n = 0;
      await reconcilerWith(() => {
        if (n++ === k) throw new Error(`crash before request ${k}`);
      }).drain();
      // Restart (after the retry backoff): a fresh reconciler and provisioner.
      await env.db.$executeRawUnsafe(
        `UPDATE "ReconcileRequest" SET "requestedAt" = now() - interval '1 second'`,
      );
      await reconcilerWith().drain();
      const got = await fleetObjects(id);
      expect(
        got.map((o) => o.replace(/envoy-default-[^/]+$/, 'X')),
        `crash at ${k}`,
      ).toEqual(expected.map((o) => o.replace(/envoy-default-[^/]+$/, 'X')));
      const g = await env.db.gateway.findUniqueOrThrow({ where: { id } });
      expect(g.observedGeneration, `crash at ${k}`).toBe(g.generation);

      // And a crash while deleting it.
      const del = await env.app.inject({
        method: 'DELETE',
        url: `/api/v1/gateways/${id}`,
        headers: auth(key),
      });
      expect(del.statusCode).toBe(204);
      let m = 0;
      await reconcilerWith(() => {
        if (m++ === Math.min(k, 3)) throw new Error('crash while deleting');
      }).drain();
      await env.db.$executeRawUnsafe(
        `UPDATE "ReconcileRequest" SET "requestedAt" = now() - interval '1 second'`,
      );
      await reconcilerWith().drain();
      expect(await fleetObjects(id), `delete after crash at ${k}`).toEqual([]);
    }
    // Only the probe's fleet is left in the cluster.
    expect(await fleetObjects()).toEqual(expected);
  });
});
