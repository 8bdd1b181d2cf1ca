// npm run bench -- provision [gateways]   (as root: gobgpd, bird and birdc in network namespaces)
//
// From the create call to the gateway's route at the BGP peer, one gateway at a time, through the real pieces:
// POST /api/v1/gateways (address allocated) → the reconcile with the Kubernetes provisioner (revision rendered,
// the fleet server-side applied to @epic/kube-testserver, prune lists, pod read-back) → the proxy is marked
// ready (a stand-in for Envoy: the node agent's observation says ready with the revision ACKed) → one tick of
// the EPIC node agent (NodeLoop: POST /epic-nodes/{name}/sync — its report and desired state — over HTTP, then
// gobgpd over gRPC) → the /32 in the kernel table of the router namespace, installed there by bird from its BGP session
// with that gobgpd (`ip monitor route`, no polling).
//
// The EPIC cluster's API server (@epic/kube-testserver) runs in a child process, as a kube-apiserver is never in the
// process of the API that calls it.
//
// The floor, measured in the same run and interleaved: the same create call and the same reconcile without a
// provisioner (the same database writes: gateway, address, revision, status), the proxy's row as the node's report
// writes it (one statement), one server-side apply of one object, and one gobgp AddPath on a second speaker peered
// with the same bird, to the route at bird.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApp } from '../apps/api/src/app.js';
import { KubeClient } from '../apps/api/src/provisioner/kube-client.js';
import { createKubeProvisioner } from '../apps/api/src/provisioner/kube-provisioner.js';
import { requeueOn } from '../apps/api/src/provisioner/index.js';
import { createReconciler } from '../apps/api/src/reconciler/reconciler.js';
import { createNodeApiClient } from '../apps/agent/src/epic-node/api-client.js';
import { DEFAULT_GOBGP_PROTO_DIR, Gobgp } from '../apps/agent/src/epic-node/bgp.js';
import type { NodeBgpSettings, ProxyObservation } from '../apps/agent/src/epic-node/contract.js';
import { NodeReconciler } from '../apps/agent/src/epic-node/reconcile.js';
import { NodeLoop } from '../apps/agent/src/epic-node/run.js';
import { Bird } from '../apps/agent/src/epic-node/test-support/bird.js';
import {
  fileMissing,
  Lab,
  randomPort,
  unavailableReason,
  waitFor,
} from '../apps/agent/src/epic-node/test-support/netns.js';
import { benchDatabase, percentile } from './support/embedded-db.js';

const GATEWAYS = Number(process.argv[2] ?? 200);
const WARMUP = 10;
const log = (s: string) => process.stdout.write(`[bench provision] ${s}\n`);
const silent = pino({ level: 'silent' });

const unavailable =
  unavailableReason(['gobgpd', 'bird', 'birdc']) ?? fileMissing(join(DEFAULT_GOBGP_PROTO_DIR, 'gobgp.proto'));
if (unavailable) {
  log(`cannot run: ${unavailable}`);
  process.exit(2);
}

/*
 *   prov-node (10.93.1.2, gobgpd AS65001, the agent) ──veth── prov-router (bird AS65000) ──veth── prov-floor
 *                                                   10.93.1.1                  10.93.2.1      (10.93.2.2, gobgpd)
 */
const lab = new Lab('prov');
const db = await benchDatabase();
// The EPIC cluster: @epic/kube-testserver in a process of its own, as a kube-apiserver would be.
const kubeDir = mkdtempSync(join(tmpdir(), 'bench-provision-'));
const kubeServer = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    new URL('./support/kube-testserver-process.ts', import.meta.url).pathname,
    join(kubeDir, 'kubeconfig'),
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  kubeServer.once('exit', (code) => reject(new Error(`the kube test server exited (${code})`)));
  kubeServer.stdout!.on('data', (d: Buffer) => {
    if (d.toString().includes('ready')) resolve();
  });
});
const bgps: Gobgp[] = [];
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
let stopProvisioner: (() => Promise<void>) | undefined;
try {
  const router = lab.ns('router');
  const bgpPort = randomPort();
  const speakers = [1, 2].map((i) => {
    const ns = lab.ns(i === 1 ? 'node' : 'floor');
    lab.link(
      { ns: router, dev: `r${i}`, cidr: `10.93.${i}.1/24` },
      { ns, dev: 'eth0', cidr: `10.93.${i}.2/24` },
    );
    const sock = join(lab.dir, `gobgpd-${i}.sock`);
    rmSync(sock, { force: true });
    lab.spawn(ns, 'gobgpd', [`--api-hosts=unix://${sock}`, '--pprof-disable', '-p', '-l', 'warn']);
    const settings: NodeBgpSettings = {
      asn: 65001,
      routerId: `10.93.${i}.2`,
      peers: [{ address: `10.93.${i}.1`, asn: 65000, port: bgpPort }],
    };
    return { sock, settings };
  });
  for (const s of speakers) await waitFor('the gobgpd API socket', () => existsSync(s.sock));
  const bird = await Bird.start(lab, router, {
    routerId: '10.93.0.1',
    asn: 65000,
    port: bgpPort,
    neighbors: [1, 2].map((i) => ({
      name: `epic${i}`,
      localAddress: `10.93.${i}.1`,
      address: `10.93.${i}.2`,
      asn: 65001,
    })),
  });

  // Routes bird installs in the router's kernel table, as they appear.
  const arrived = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const monitor = lab.spawn(router, 'ip', ['-4', 'monitor', 'route']);
  let partial = '';
  monitor.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    const at = performance.now();
    for (const line of lines) {
      const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/32)? .*proto bird/.exec(line);
      if (!m) continue;
      arrived.set(m[1]!, at);
      waiters.get(m[1]!)?.();
    }
  });
  const routeAt = (address: string): Promise<number> =>
    arrived.has(address)
      ? Promise.resolve(arrived.get(address)!)
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no route to ${address} at bird after 10 s`)), 10_000);
          waiters.set(address, () => {
            clearTimeout(t);
            waiters.delete(address);
            resolve(arrived.get(address)!);
          });
        });

  const kc = new KubeConfig();
  kc.loadFromFile(join(kubeDir, 'kubeconfig'));
  const secretKey = randomBytes(32);
  app = await buildApp({ db: db.db, logger: false, secretKey });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const admin = { authorization: `Bearer ${db.adminKey}` };
  const acct = await app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: admin,
    payload: { name: 'bench', gatewayQuota: 10_000 },
  });
  const key = { authorization: `Bearer ${acct.json().apiKey.secret}` };
  await app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: key,
    payload: { name: 'pub', spec: '10.70.0.0/16' },
  });
  await app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: key,
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com', replicas: 2 },
  });
  const node = await app.inject({
    method: 'POST',
    url: '/api/v1/epic-nodes',
    headers: admin,
    payload: { name: 'prov-node', addresses: ['10.93.1.2'] },
  });
  if (node.statusCode !== 201) throw new Error(node.body);

  const client = new KubeClient(kc);
  const provisioner = createKubeProvisioner({
    client,
    log: silent,
    secretKey,
    xds: { host: 'epic-api.epic.svc', port: 18000 },
    tokenTtlSeconds: 7 * 24 * 3600,
    requeue: requeueOn(db.db),
    pollSeconds: 3600,
  });
  // The pod watch runs as in the API process (nothing in the timed path waits for it: the stand-in is ready).
  await provisioner.start();
  stopProvisioner = () => provisioner.stop();
  const reconciler = createReconciler({
    db: db.db,
    databaseUrl: db.url,
    log: silent,
    resyncSeconds: 3600,
    provisioner,
  });
  const plainReconciler = createReconciler({
    db: db.db,
    databaseUrl: db.url,
    log: silent,
    resyncSeconds: 3600,
  });

  // The node agent: its real loop, API client and gobgpd driver; the observation is the Envoy stand-in.
  const observed: ProxyObservation[] = [];
  const agentBgp = new Gobgp({ target: `unix://${speakers[0]!.sock}`, connectRetrySeconds: 1 });
  bgps.push(agentBgp);
  const api = createNodeApiClient({ apiUrl, node: 'prov-node', token: node.json().token });
  const inTick = { sync: 0 };
  const loop = new NodeLoop({
    source: {
      report: (p) => api.report(p),
      desired: () => api.desired(),
      // The tick's one round trip: report, then desired state.
      async sync(p) {
        const t = performance.now();
        const d = await api.sync(p);
        inTick.sync = performance.now() - t;
        return d;
      },
    },
    observer: { observe: async () => observed },
    reconciler: new NodeReconciler({ bgp: agentBgp }, speakers[0]!.settings),
    intervalMs: 3_600_000,
    log: silent,
  });
  const tick = async () => {
    const r = await loop.tick();
    if (!r || r.errors.length) throw new Error(`agent tick failed: ${loop.lastError}`);
  };
  const floorBgp = new Gobgp({ target: `unix://${speakers[1]!.sock}`, connectRetrySeconds: 1 });
  bgps.push(floorBgp);
  await tick();
  await floorBgp.reconcile(speakers[1]!.settings, []);
  await waitFor('both BGP sessions', () => bird.established('epic1') && bird.established('epic2'), 30_000);

  const create = async (name: string) => {
    const r = await app!.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: key,
      payload: { name, template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    if (r.statusCode !== 201) throw new Error(r.body);
    return { id: r.json().id as string, address: r.json().address as string };
  };
  const latestRevision = async (id: string) =>
    (await db.db.configRevision.findFirstOrThrow({ where: { gatewayId: id }, orderBy: { version: 'desc' } }))
      .version;
  await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'floor' } });

  const total: number[] = [];
  const stages = {
    create: [] as number[],
    reconcile: [] as number[],
    agent: [] as number[],
    sync: [] as number[],
    bgp: [] as number[],
  };
  const floor: number[] = [];
  const floorWithoutRow: number[] = [];
  const floorBgpOnly: number[] = [];

  const provisionOne = async (name: string, record: boolean) => {
    const t0 = performance.now();
    const gw = await create(name);
    const t1 = performance.now();
    await reconciler.drain();
    const t2 = performance.now();
    // The Envoy stand-in: ready, having ACKed the revision it was sent (untimed).
    observed.push({
      gatewayId: gw.id,
      podName: `envoy-${name}-0`,
      vethIfindex: null,
      ready: true,
      ackedVersion: await latestRevision(gw.id),
    });
    const t3 = performance.now();
    await tick();
    const t4 = performance.now();
    const t5 = await routeAt(gw.address);
    if (record) {
      total.push(t5 - t0 - (t3 - t2));
      stages.create.push(t1 - t0);
      stages.reconcile.push(t2 - t1);
      stages.agent.push(t4 - t3);
      stages.sync.push(inTick.sync);
      stages.bgp.push(Math.max(0, t5 - t4));
    }
    // The reconcile the node's report queued (Programmed), and a check that the fleet is there: untimed.
    await reconciler.drain();
    if ((await client.list('apps/v1', 'Deployment', `epic-gateway.io/gateway-id=${gw.id}`)).length !== 1)
      throw new Error(`gateway ${gw.id}: no Deployment`);
  };
  const floorOne = async (i: string, record: boolean) => {
    const t0 = performance.now();
    const gw = await create(`floor-${i}`);
    await plainReconciler.drain();
    // The proxy's row, as the node's report writes it (one committed statement; its host address is no
    // EPIC node's, so the agent's desired state does not grow with the floor's gateways).
    const tr = performance.now();
    await db.db.$pool.query(
      `INSERT INTO "ProxyInstance" (id, "gatewayId", "podName", "nodeAddress", ready, "ackedVersion", "updatedAt")
       VALUES (gen_random_uuid(), $1::uuid, $2, '10.93.2.2', true, 1, now())`,
      [gw.id, `envoy-floor-${i}-0`],
    );
    const row = performance.now() - tr;
    await client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `floor-${i}`, namespace: 'floor' },
      data: { gateway: gw.id },
    } as never);
    const t1 = performance.now();
    await floorBgp.addPath(`${gw.address}/32`);
    const t2 = await routeAt(gw.address);
    if (record) {
      floor.push(t2 - t0);
      floorWithoutRow.push(t2 - t0 - row);
      floorBgpOnly.push(t2 - t1);
    }
  };

  for (let i = 0; i < WARMUP; i++) {
    await provisionOne(`warm-${i}`, false);
    await floorOne(`warm-${i}`, false);
  }
  for (let i = 0; i < GATEWAYS; i++) {
    await provisionOne(`gw-${i}`, true);
    await floorOne(String(i), true);
  }

  const f = (x: number) => `${x.toFixed(1)} ms`;
  const pp = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `p50 ${f(percentile(s, 50))}, p99 ${f(percentile(s, 99))}, max ${f(s.at(-1)!)}`;
  };
  log(`${GATEWAYS} gateways (after ${WARMUP} warm-up), load average ${loadavg()[0]!.toFixed(1)}`);
  log(`create → route at bird: ${pp(total)}`);
  log(`  create call (address): ${pp(stages.create)}`);
  log(`  reconcile (revision, fleet applied, read back): ${pp(stages.reconcile)}`);
  log(`  agent tick (sync, gobgpd): ${pp(stages.agent)}`);
  log(`    POST …/sync (report + desired): ${pp(stages.sync)}`);
  log(`  gobgpd → bird → kernel: ${pp(stages.bgp)}`);
  log(
    `floor (create + reconcile without provisioner + the proxy's row + one SSA + one AddPath → bird): ${pp(floor)}`,
  );
  log(`  of which AddPath → bird: ${pp(floorBgpOnly)}`);
  const s = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const ratio = (q: number) => percentile(s(total), q) / percentile(s(floor), q);
  log(`ratio p50 ${ratio(50).toFixed(2)}, p99 ${ratio(99).toFixed(2)} (target p99 ≤ 2 and < 1000 ms)`);
  const before = (q: number) => percentile(s(total), q) / percentile(s(floorWithoutRow), q);
  log(
    `  (to the floor without the proxy's row, as measured before 2026-12-08: p50 ${before(50).toFixed(2)}, p99 ${before(99).toFixed(2)})`,
  );
} finally {
  await stopProvisioner?.();
  await app?.close();
  for (const b of bgps) b.close();
  await lab.cleanup();
  await new Promise((resolve) => {
    kubeServer.once('exit', resolve);
    kubeServer.stdin!.end();
  });
  rmSync(kubeDir, { recursive: true, force: true });
  await db.stop();
}
