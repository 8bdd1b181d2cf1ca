// End to end, issue 12: a gateway created through the API → its fleet's objects in the EPIC cluster (the
// in-memory API server) → a proxy (a grpc-js-xds client standing in for Envoy, in its own network namespace)
// marked ready and ACKing the gateway's revision over the API's xDS → the node agent (`cli.ts --mode=epic-node`,
// pods read from the EPIC cluster, ACKs from the API) announces the /32 through gobgpd → the route at bird → the
// firewall open on the listener port only → a request from the router namespace to the gateway address reaches
// that proxy.
//
//   router ns (bird AS65000)  ──veth──  node ns (gobgpd AS65001, nft `inet epic`)  ──veth──  proxy ns
//   10.112.1.1                          10.112.1.2 │ 10.112.2.1                              10.112.2.2 (the pod)
//                                       the agent process                                  <gateway address> on lo
// The API, the reconciler, the provisioner, the xDS plane (on a unix socket the proxy namespace reaches) and the
// EPIC cluster run in this process; the API and the cluster are relayed into the node namespace at their
// loopback addresses. The test plays the scheduler and the kubelet: it creates the fleet's pod and sets its
// Ready condition. Everything it creates (namespaces `e2e12-*`, processes, the temp dir) goes in afterAll, and
// on a worker exit without it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { raw } from '@epic/kube-testserver/test-support';
import { trustClaimedNodeId } from '@epic/xds-server';
import { ownerSelector } from '@epic/infra-translator';
import { buildApp, type EpicApp } from '../../../api/src/app.js';
import { createDb, type Db } from '../../../api/src/db/client.js';
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '../../../api/src/db/embedded-postgres.js';
import { migrate } from '../../../api/src/db/migrate.js';
import { createReconciler, type Reconciler } from '../../../api/src/reconciler/reconciler.js';
import { requeueOn } from '../../../api/src/provisioner/index.js';
import { KubeClient as ProvisionerKubeClient } from '../../../api/src/provisioner/kube-client.js';
import { createKubeProvisioner } from '../../../api/src/provisioner/kube-provisioner.js';
import type { Provisioner } from '../../../api/src/provisioner/fleet.js';
import { freePort } from '../../../api/src/test-support/api-process.js';
import { seedSystem } from '../../../api/src/seed.js';
import { startXdsPlane, type XdsPlane } from '../../../api/src/xds/publisher.js';
import { DEFAULT_GOBGP_PROTO_DIR, Gobgp } from './bgp.js';
import { Firewall } from './firewall.js';
import { Bird } from './test-support/bird.js';
import { fileMissing, Lab, randomPort, unavailableReason, waitFor } from './test-support/netns.js';
import { Prober } from './test-support/prober.js';
import { relayInto, type Relay } from './test-support/relay.js';

const unavailable =
  unavailableReason(['gobgpd', 'bird', 'birdc', 'nft']) ??
  fileMissing(join(DEFAULT_GOBGP_PROTO_DIR, 'gobgp.proto'));
if (unavailable) console.warn(`skipping the end-to-end EPIC node test: ${unavailable}`);

const log = pino({ level: 'silent' });
const ROUTER_ADDR = '10.112.1.1';
const NODE_ADDR = '10.112.1.2';
const POD_GW = '10.112.2.1';
const POD_ADDR = '10.112.2.2';
const HOST = 'app.e2e12.example';
const STAND_IN = join(import.meta.dirname, 'test-support', 'proxy-stand-in.ts');
const AGENT_CLI = join(import.meta.dirname, '..', 'cli.ts');

describe.skipIf(unavailable !== undefined)(
  'a gateway from the API to a request at its proxy (end to end)',
  { timeout: 60_000 },
  () => {
    const lab = new Lab('e2e12');
    const bgpPort = randomPort();
    const nodeName = `e2e12-node-${lab.id}`;
    const xdsSocket = join(lab.dir, 'xds.sock');
    let router: string;
    let nodeNs: string;
    let proxyNs: string;
    let pg: EmbeddedDatabase | undefined;
    let db: Db | undefined;
    let app: EpicApp | undefined;
    let plane: XdsPlane | undefined;
    let reconciler: Reconciler | undefined;
    let provisioner: Provisioner | undefined;
    let cluster: KubeTestServer | undefined;
    let bird: Bird;
    let prober: Prober;
    let apiUrl: string;
    let adminKey: string;
    let key: string;
    let nodeToken: string;
    let gatewayId: string;
    let gatewayAddress: string;
    let account: string;
    let podName: string;
    let podNamespace: string;
    let agent: ReturnType<Lab['spawn']> | undefined;
    /** The test's own look at gobgpd (what it originates). */
    let inspect: Gobgp | undefined;
    const gobgpSocket = join(lab.dir, 'gobgpd.sock');
    const healthPort = randomPort();
    const relays: Relay[] = [];
    /** A worker that exits without afterAll must not leave its PostgreSQL running (a fast shutdown). */
    const stopPgOnExit = () => {
      try {
        if (pg) process.kill(pg.pid, 'SIGINT');
      } catch {
        // already gone
      }
    };
    let proxy: ReturnType<Lab['spawn']>;

    /** One REST call; a 503 is the API's "retry later" (its database heartbeat missed on a loaded machine). */
    const rest = async (method: string, path: string, bearer: string, body?: unknown) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const r = await fetch(`${apiUrl}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${bearer}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await r.text();
        if (r.status === 503 && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 250));
          continue;
        }
        if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
      }
    };

    /**
     * The node agent itself (`cli.ts --mode=epic-node`, configured from the environment) inside the node
     * namespace, as on an EPIC node: nft and ip act there; the API and the EPIC cluster are relayed in.
     */
    const startAgent = async () => {
      const env = {
        EPIC_API_URL: apiUrl,
        EPIC_NODE_NAME: nodeName,
        EPIC_NODE_TOKEN: nodeToken,
        EPIC_NODE_ADDRESSES: NODE_ADDR,
        EPIC_PROXIES_FROM: 'kubernetes',
        EPIC_CLUSTER_KUBECONFIG: join(lab.dir, 'kubeconfig'),
        GOBGP_API: `unix://${gobgpSocket}`,
        BGP_ASN: '65001',
        BGP_ROUTER_ID: NODE_ADDR,
        BGP_PEERS: `${ROUTER_ADDR}:65000:${bgpPort}`,
        RECONCILE_MS: '300',
        HEALTH_HOST: '127.0.0.1',
        HEALTH_PORT: String(healthPort),
        LOG_LEVEL: 'warn',
      };
      agent = lab.spawn(nodeNs, 'env', [
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        '--import',
        'tsx',
        AGENT_CLI,
        '--mode=epic-node',
      ]);
      await waitFor(
        'the agent healthy',
        async () =>
          (await agentHttp('/healthz')) === 'ok' ||
          (agent!.exitCode !== null && Promise.reject(new Error(agent!.output()))),
        30_000,
      );
    };
    /** Stopping leaves routes and rules as they are (the agent's contract). */
    const stopAgent = async () => {
      if (!agent || agent.exitCode !== null || agent.signalCode !== null) return;
      const gone = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await gone;
    };
    /** The agent's /healthz or /metrics, read inside the node namespace. */
    const agentHttp = (path: string) => fetchIn(nodeNs, `http://127.0.0.1:${healthPort}${path}`);
    /** Rounds the running agent has completed (ok, partial or api_error). */
    const rounds = async () =>
      [...(await agentHttp('/metrics')).matchAll(/^epic_node_reconciles_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    let kubeConfig: Awaited<ReturnType<KubeTestServer['kubeConfig']>> | undefined;

    const prefix = () => `${gatewayAddress}/32`;
    /** One HTTP GET from inside a namespace (a process there): the body, or the error. */
    const fetchIn = (ns: string, url: string): Promise<string> =>
      new Promise((resolve) => {
        execFile(
          'ip',
          [
            'netns',
            'exec',
            ns,
            process.execPath,
            '-e',
            `fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then(r => r.text()).then(t => process.stdout.write(t), e => process.stdout.write('error: ' + (e.cause?.code ?? e.name)))`,
            url,
          ],
          { encoding: 'utf8', timeout: 5_000 },
          (err, stdout) => resolve(err ? `error: ${err.message}` : stdout.trim()),
        );
      });
    /** A request from the router namespace to the gateway address. */
    const request = (port: number) => fetchIn(router, `http://${gatewayAddress}:${port}/e2e`);
    const fleetPod = (ready: boolean) =>
      raw(
        cluster!,
        'PATCH',
        `/api/v1/namespaces/${podNamespace}/pods/${podName}/status`,
        {
          status: {
            phase: 'Running',
            hostIP: NODE_ADDR,
            podIP: POD_ADDR,
            conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
          },
        },
        { 'Content-Type': 'application/merge-patch+json' },
      );
    const revisions = async () =>
      (
        await db!.$pool.query<{ version: number; status: string }>(
          'SELECT version, status FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version',
          [gatewayId],
        )
      ).rows;

    beforeAll(async () => {
      // The network: router, node and the proxy's pod namespace.
      router = lab.ns('router');
      nodeNs = lab.ns('node');
      proxyNs = lab.ns('proxy');
      lab.link(
        { ns: router, dev: 'eth0', cidr: `${ROUTER_ADDR}/24` },
        { ns: nodeNs, dev: 'eth0', cidr: `${NODE_ADDR}/24` },
      );
      lab.link(
        { ns: nodeNs, dev: 'pod0', cidr: `${POD_GW}/24` },
        { ns: proxyNs, dev: 'eth0', cidr: `${POD_ADDR}/24` },
      );
      lab.sh(nodeNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      lab.sh(proxyNs, 'ip', 'route', 'add', 'default', 'via', POD_GW);

      // Independent start-ups side by side: the daemons, the API's database, the EPIC cluster, the proxy process.
      const daemons = (async () => {
        lab.spawn(nodeNs, 'gobgpd', [
          `--api-hosts=unix://${gobgpSocket}`,
          '--pprof-disable',
          '-p',
          '-l',
          'warn',
        ]);
        await waitFor('the gobgpd API socket', () => existsSync(gobgpSocket));
        bird = await Bird.start(lab, router, {
          routerId: ROUTER_ADDR,
          asn: 65000,
          port: bgpPort,
          neighbors: [{ name: 'epic', localAddress: ROUTER_ADDR, address: NODE_ADDR, asn: 65001 }],
        });
        prober = await Prober.start(lab, router);
      })();
      const database = (async () => {
        pg = await startEmbeddedPostgres({
          dataDir: join(lab.dir, 'pg'),
          port: await freePort(),
          persistent: false,
        });
        process.once('exit', stopPgOnExit);
        const u = pg.url('epic');
        await ensureDatabase(u);
        await migrate(u);
        return u;
      })();
      const epicCluster = (async () => {
        cluster = await startKubeTestServer();
        kubeConfig = await cluster.kubeConfig();
      })();
      // The proxy's process, loaded ahead (seconds on a loaded machine); it connects once handed the gateway.
      proxy = lab.spawn(proxyNs, process.execPath, ['--import', 'tsx', STAND_IN]);
      const proxyLoaded = waitFor(
        'the proxy process loaded',
        () =>
          proxy.output().includes('started') ||
          (proxy.exitCode !== null && Promise.reject(new Error(proxy.output()))),
        60_000,
      );
      // All settled before going on, so that afterAll finds everything that started (a failure included).
      const started = await Promise.allSettled([database, daemons, epicCluster, proxyLoaded]);
      for (const r of started) if (r.status === 'rejected') throw r.reason;
      const url = await database;

      // The API, with the reconciler, the Kubernetes provisioner and the xDS plane.
      db = createDb(url);
      const secretKey = randomBytes(32);
      adminKey = (await seedSystem(db, { demo: false })).adminKey!;
      app = await buildApp({ db, logger: false, secretKey });
      await app.listen({ host: '127.0.0.1', port: 0 });
      apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      provisioner = createKubeProvisioner({
        client: new ProvisionerKubeClient(kubeConfig!),
        log,
        secretKey,
        xds: { host: 'epic-api.epic.svc', port: 18000 },
        tokenTtlSeconds: 3600,
        requeue: requeueOn(db),
        pollSeconds: 1,
      });
      await provisioner.start();
      reconciler = createReconciler({ db, databaseUrl: url, log, resyncSeconds: 3600, provisioner });
      await reconciler.start();
      // grpc-js-xds sends no call credentials: the plane trusts the node id it claims (as its other tests do).
      plane = await startXdsPlane({
        db,
        databaseUrl: url,
        log,
        secretKey,
        address: `unix://${xdsSocket}`,
        authenticate: trustClaimedNodeId(),
      });

      // The platform: an account, a pool and template, the EPIC node and its credential.
      account = `e2e12${lab.id}`;
      key = (await rest('POST', '/accounts', adminKey, { name: account, gatewayQuota: 5 })).apiKey.secret;
      await rest('POST', '/address-pools', key, { name: 'pub', spec: '198.18.112.0/28' });
      await rest('POST', '/templates', key, {
        name: 'fleet',
        poolName: 'pub',
        dnsNameTemplate: '{gateway}.example.com',
        replicas: 1,
      });
      nodeToken = (await rest('POST', '/epic-nodes', adminKey, { name: nodeName })).token;
      inspect = new Gobgp({ target: `unix://${gobgpSocket}` });
      // The agent in the node namespace reaches the API and the EPIC cluster at their addresses here.
      relays.push(await relayInto(lab, nodeNs, '127.0.0.1', (app.server.address() as AddressInfo).port));
      relays.push(await relayInto(lab, nodeNs, '127.0.0.1', Number(new URL(cluster!.url).port)));
      writeFileSync(join(lab.dir, 'kubeconfig'), kubeConfig!.exportConfig(), { mode: 0o600 });
      await startAgent();
      // The agent registered its node's addresses and BGP settings itself.
      expect(await rest('GET', `/epic-nodes/${nodeName}`, adminKey)).toMatchObject({
        addresses: [NODE_ADDR],
        bgp: {
          asn: 65001,
          routerId: NODE_ADDR,
          peers: [{ address: ROUTER_ADDR, asn: 65000, port: bgpPort }],
        },
      });
    }, 90_000);

    afterAll(async () => {
      const steps: Array<() => Promise<unknown> | unknown> = [
        stopAgent,
        () => inspect?.close(),
        ...relays.map((r) => () => r.close()),
        () => reconciler?.stop(),
        () => provisioner?.stop(),
        () => plane?.close(),
        () => app?.close(),
        () => db?.$disconnect(),
        () => cluster?.close(),
        () => pg?.stop(),
        () => process.off('exit', stopPgOnExit),
        () => lab.cleanup(),
      ];
      const failures: unknown[] = [];
      for (const step of steps)
        await Promise.resolve()
          .then(step)
          .catch((e: unknown) => failures.push(e));
      rmSync(xdsSocket, { force: true });
      if (failures.length) throw failures[0];
    }, 60_000);

    it('creates the gateway through the API and its fleet appears in the EPIC cluster', async () => {
      const gw = await rest('POST', '/gateways', key, {
        name: 'shop',
        template: 'fleet',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      });
      gatewayId = gw.id;
      gatewayAddress = gw.address;
      expect(gatewayAddress).toMatch(/^198\.18\.112\.\d+$/);
      await rest('POST', '/routes', key, {
        kind: 'GRPCRoute',
        name: 'echo',
        spec: {
          parentRefs: [{ name: 'shop' }],
          hostnames: [HOST],
          rules: [{ backendRefs: [{ name: 'echo', port: 9000 }] }],
        },
      });
      const deployment = await waitFor('the Deployment in the EPIC cluster', async () => {
        const r = await raw(
          cluster!,
          'GET',
          `/apis/apps/v1/deployments?labelSelector=${encodeURIComponent(ownerSelector(gatewayId))}`,
        );
        return r.json.items?.[0];
      });
      podNamespace = deployment.metadata.namespace;
      expect(podNamespace).toBe(`epic-${account}`);
      await waitFor('a pending revision', async () =>
        (await revisions()).some((r) => r.status === 'pending'),
      );

      // The scheduler and the kubelet, played by the test: a pod of the fleet on the node, not ready yet.
      podName = `${deployment.metadata.name}-e2e`;
      const pod = await raw(cluster!, 'POST', `/api/v1/namespaces/${podNamespace}/pods`, {
        metadata: { name: podName, labels: deployment.spec.template.metadata.labels },
        spec: {
          nodeName,
          containers: [{ name: 'envoy', image: deployment.spec.template.spec.containers[0].image }],
        },
      });
      expect(pod.status, pod.text).toBe(201);
      expect((await fleetPod(false)).status).toBe(200);
    });

    it('programs the firewall but announces nothing while the proxy is not ready, nor ready without an ACK', async () => {
      const fw = new Firewall({ netns: nodeNs });
      await waitFor('the gateway address in the EPIC table', async () =>
        JSON.stringify(await fw.list()).includes(gatewayAddress),
      );
      await waitFor('the BGP session', () => bird.established('epic'), 25_000);
      const proxies = await waitFor('the pod reported by the agent', async () => {
        const rows = await db!.proxyInstance.findMany({ where: { gatewayId }, include: { epicNode: true } });
        return rows.length === 1 && rows[0]!.epicNode?.name === nodeName ? rows : undefined;
      });
      // The agent found the pod's host-side veth by the node's route to the pod.
      const pod0 = JSON.parse(lab.sh(nodeNs, 'ip', '-j', 'link', 'show', 'pod0'))[0].ifindex;
      expect(proxies[0]).toMatchObject({ podName, ready: false, vethIfindex: pod0, nodeAddress: NODE_ADDR });

      // Ready as the kubelet sees it, but no proxy has ACKed the revision: still nothing announced.
      expect((await fleetPod(true)).status).toBe(200);
      await waitFor(
        'the ready pod reported',
        async () => (await db!.proxyInstance.findFirst({ where: { gatewayId, podName } }))?.ready === true,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await inspect!.localPrefixes()).toEqual([]);
      expect(bird.route(prefix())).toBeUndefined();
      expect(bird.kernelRoute(prefix())).toBe('');
      expect(await prober.probe(gatewayAddress, 80, 500)).not.toBe('open');
    });

    it('announces once the proxy ACKs over xDS; a request from the router reaches its listener, other ports are dropped', async () => {
      // The proxy: its address on lo, the node's route to it through the pod's veth, then the stand-in.
      lab.sh(proxyNs, 'ip', 'addr', 'add', `${gatewayAddress}/32`, 'dev', 'lo');
      lab.sh(nodeNs, 'ip', 'route', 'add', `${gatewayAddress}/32`, 'via', POD_ADDR, 'dev', 'pod0');
      proxy.stdin!.write(
        `${JSON.stringify({
          serverUri: `unix://${xdsSocket}`,
          // The instance's own node id (what `--service-node` gives an Envoy): its ACKs are recorded per pod.
          nodeId: `${account}.${gatewayId}.grpc/${podName}`,
          target: HOST,
          podName,
          address: gatewayAddress,
          ports: [80, 8080],
        })}\n`,
      );
      await waitFor(
        'the proxy listening',
        () =>
          proxy.output().includes('ready') ||
          (proxy.exitCode !== null && Promise.reject(new Error(proxy.output()))),
      );
      const acked = await waitFor('the revision ACKed by the proxy', async () =>
        (await revisions()).find((r) => r.status === 'acked'),
      );
      const desired = await rest('GET', `/epic-nodes/${nodeName}/desired`, nodeToken);
      expect(desired.gateways).toMatchObject([
        {
          gatewayId,
          revision: acked.version,
          ackedRevision: acked.version,
          proxyAcks: [{ podName, revision: acked.version }],
        },
      ]);

      await waitFor('the route at bird', () => bird.route(prefix()), 15_000);
      expect(bird.nextHops(prefix())).toEqual([NODE_ADDR]);
      await waitFor('the route in the router kernel', () =>
        bird.kernelRoute(prefix()).includes(`via ${NODE_ADDR}`),
      );
      expect(
        await waitFor(
          'the request at the proxy',
          async () => {
            const body = await request(80);
            return body.startsWith(podName) ? body : undefined;
          },
          10_000,
        ),
      ).toBe(`${podName} /e2e`);
      // The proxy listens on 8080 too, but the gateway has no listener there: the node drops it.
      expect(await prober.probe(gatewayAddress, 8080, 1_000)).toBe('timeout');
      expect(await prober.probe(gatewayAddress, 80)).toBe('open');
      // The API says so too: the gateway is Programmed.
      await waitFor('Programmed', async () => {
        const g = await rest('GET', `/gateways/${gatewayId}`, key);
        return (g.conditions as Array<{ type: string; status: string }>).some(
          (c) => c.type === 'Programmed' && c.status === 'True',
        );
      });
    });

    it('an agent restart (the process stopped and started again) does not flap the route', async () => {
      const before = bird.importCounters('epic');
      const since = /\[epic ([^\]]+)\]/.exec(bird.route(prefix())!)?.[1];
      expect(since).toBeDefined();
      await stopAgent();
      await startAgent();
      const first = await rounds();
      await waitFor('three rounds of the new agent', async () => (await rounds()) >= first + 3);
      expect(await agentHttp('/healthz')).toBe('ok');
      expect(bird.importCounters('epic')).toEqual(before);
      expect(/\[epic ([^\]]+)\]/.exec(bird.route(prefix())!)?.[1]).toBe(since);
      expect(await request(80)).toBe(`${podName} /e2e`);
    });

    it('a configuration change its proxy has not ACKed yet does not withdraw the route', async () => {
      const before = bird.importCounters('epic');
      const since = /\[epic ([^\]]+)\]/.exec(bird.route(prefix())!)?.[1];
      const acked = Math.max(
        ...(await revisions()).filter((r) => r.status === 'acked').map((r) => r.version),
      );
      // The proxy cannot answer for a while (stopped): the next revision stays pending.
      proxy.kill('SIGSTOP');
      try {
        await rest('POST', '/routes', key, {
          kind: 'GRPCRoute',
          name: 'echo-b',
          spec: {
            parentRefs: [{ name: 'shop' }],
            hostnames: [`b.${HOST}`],
            rules: [{ backendRefs: [{ name: 'echo', port: 9000 }] }],
          },
        });
        await waitFor('the node told of a newer revision, not ACKed', async () => {
          const g = (await rest('GET', `/epic-nodes/${nodeName}/desired`, nodeToken)).gateways[0];
          return g.revision > acked && g.ackedRevision === acked;
        });
        // Several rounds of the agent with the revision pending.
        const start = await rounds();
        await waitFor('three rounds', async () => (await rounds()) >= start + 3);
        expect(await agentHttp('/healthz')).toBe('ok');
        expect(await inspect!.localPrefixes()).toEqual([prefix()]);
        expect(bird.importCounters('epic')).toEqual(before);
        expect(/\[epic ([^\]]+)\]/.exec(bird.route(prefix())!)?.[1]).toBe(since);
      } finally {
        proxy.kill('SIGCONT');
      }
      await waitFor('the new revision ACKed', async () =>
        (await revisions()).some((r) => r.status === 'acked' && r.version > acked),
      );
      expect(await request(80)).toBe(`${podName} /e2e`);
    });

    it('withdraws the route and closes the address when the gateway is deleted', async () => {
      await rest('DELETE', `/gateways/${gatewayId}`, key);
      await waitFor('the route gone from bird', () => bird.route(prefix()) === undefined, 15_000);
      await waitFor('the route gone from the router kernel', () => bird.kernelRoute(prefix()) === '');
      const fw = new Firewall({ netns: nodeNs });
      await waitFor(
        'the address gone from the EPIC table',
        async () => !JSON.stringify(await fw.list()).includes(gatewayAddress),
      );
      await waitFor('the fleet gone from the EPIC cluster', async () => {
        const r = await raw(
          cluster!,
          'GET',
          `/apis/apps/v1/deployments?labelSelector=${encodeURIComponent(ownerSelector(gatewayId))}`,
        );
        return r.json.items.length === 0;
      });
    });
  },
);
