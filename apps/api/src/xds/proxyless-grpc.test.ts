// The whole path with an independent xDS client: REST API → reconciler → ConfigRevision → xDS plane →
// @grpc/grpc-js-xds (the gRPC team's client, bootstrapped once per process: vitest runs each file in its own
// process) → real RPCs to gRPC servers on loopback that stand in for pods.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER, ROUTE, CLUSTER, ENDPOINT } from '@epic/envoy-proto';
import { trustClaimedNodeId, type AckEvent, type NackEvent } from '@epic/xds-server';
import {
  call,
  startTraffic,
  useXdsClient,
  xdsEchoClient,
  type EchoClient,
} from '@epic/xds-server/test-support';
import { buildApp } from '../app.js';
import { createReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { startXdsPlane, type XdsPlane } from './publisher.js';
import { startPods, type Pods } from './test-support/loopback-backends.js';

const log = pino({ level: 'silent' });
const secretKey = randomBytes(32);
const HOST = 'echo.example.com';

let env: TestEnv;
let reconciler: Reconciler;
let plane: XdsPlane;
let pods: Pods;
let key: string;
let gatewayId: string;
let routeId: string;
let grpcNode: string;
let client: EchoClient;
const registry = new Registry();

const api = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
  const r = await env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  if (r.statusCode >= 400) throw new Error(`${method} ${url} → ${r.statusCode}: ${r.body}`);
  return r;
};

const setEndpoints = (service: string, names: string[]) =>
  api('PUT', `/static-endpoints/default/${service}`, {
    ports: [{ port: pods.port }],
    endpoints: names.map((n) => ({ address: pods.pods[n]!.address })),
  });

interface RouteState {
  canaryValue: string;
  weights: [number, number];
}

const grpcRoute = (s: RouteState) => ({
  parentRefs: [{ name: 'web' }],
  hostnames: [HOST],
  rules: [
    {
      matches: [{ method: { service: 'epic.test.Echo', method: 'Shout' } }],
      backendRefs: [{ name: 'gamma', port: pods.port }],
    },
    {
      matches: [{ headers: [{ name: 'x-canary', value: s.canaryValue }] }],
      backendRefs: [{ name: 'beta', port: pods.port }],
    },
    {
      backendRefs: [
        { name: 'alpha', port: pods.port, weight: s.weights[0] },
        { name: 'beta', port: pods.port, weight: s.weights[1] },
      ],
    },
  ],
});

const newestVersion = async () =>
  ((await api('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{ version: number }>)[0]
    ?.version ?? 0;

/** Resolves on the first event of the proxyless node about a revision ≥ `version`. */
function nextEvent<E extends AckEvent | NackEvent>(
  kind: 'ack' | 'nack',
  version: number,
  timeoutMs = 15_000,
  on = plane,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      on.server.off(kind as 'ack', listener);
      reject(new Error(`no ${kind} of revision ≥ ${version} within ${timeoutMs} ms`));
    }, timeoutMs);
    // One listener type for both events: 'ack' and 'nack' differ only in the payload resolved.
    const listener = (e: AckEvent | NackEvent) => {
      if (e.nodeId !== grpcNode || Number(e.snapshotVersion) < version) return;
      clearTimeout(timer);
      on.server.off(kind as 'ack', listener);
      resolve(e as E);
    };
    on.server.on(kind as 'ack', listener);
  });
}

async function programmed(): Promise<{ status: string; reason: string; message: string }> {
  const gw = (await api('GET', `/gateways/${gatewayId}`)).json();
  return (gw.conditions as Array<{ type: string; status: string; reason: string; message: string }>).find(
    (c) => c.type === 'Programmed',
  )!;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 10));
    last = await probe();
  }
  return last;
}

async function countBackends(
  n: number,
  method: 'Echo' | 'Shout' = 'Echo',
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let done = 0; done < n; done += 50) {
    const replies = await Promise.all(
      Array.from({ length: Math.min(50, n - done) }, () => call(client, method, headers)),
    );
    for (const r of replies) counts[r.backend] = (counts[r.backend] ?? 0) + 1;
  }
  return counts;
}

/** As main.ts wires them: the reconciler hands its revisions to the plane in process. */
function wiredReconciler() {
  return createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log,
    resyncSeconds: 3600,
    onRevision: (id, _version, revision) => plane?.handOver(id, revision),
  });
}

beforeAll(async () => {
  pods = await startPods(['alpha-1', 'alpha-2', 'beta-1', 'gamma-1']);
  env = await testEnv();
  reconciler = wiredReconciler();
  key = (await createAccount(env, 'grpcx')).key;
  await api('POST', '/address-pools', { name: 'pub', spec: '10.81.0.0/28' });
  await api('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  gatewayId = (
    await api('POST', '/gateways', {
      name: 'web',
      template: 'gw',
      // A UDP listener (UDPRoute, Envoy's UDP proxy) beside the HTTP one: not for gRPC clients, which must
      // keep working with a gateway that has one.
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    })
  ).json().id;
  await setEndpoints('alpha', ['alpha-1', 'alpha-2']);
  await setEndpoints('beta', ['beta-1']);
  await setEndpoints('gamma', ['gamma-1']);
  routeId = (
    await api('POST', '/routes', {
      kind: 'GRPCRoute',
      name: 'echo',
      spec: grpcRoute({ canaryValue: 'yes', weights: [3, 1] }),
    })
  ).json().id;
  await api('POST', '/routes', {
    kind: 'UDPRoute',
    name: 'dns',
    spec: {
      parentRefs: [{ name: 'web', sectionName: 'dns' }],
      rules: [{ backendRefs: [{ name: 'gamma', port: pods.port }] }],
    },
  });
  await reconciler.drain();
  await reconciler.start();
  plane = await startXdsPlane({
    db: env.db,
    databaseUrl: env.url,
    log,
    secretKey,
    address: '127.0.0.1:0',
    authenticate: trustClaimedNodeId(),
    registry,
  });
  grpcNode = `grpcx.${gatewayId}.grpc`;
  await useXdsClient(plane.port, grpcNode);
  const acked = nextEvent<AckEvent>('ack', 1);
  client = xdsEchoClient(HOST);
  await acked;
});

afterAll(async () => {
  client?.close();
  await reconciler?.stop();
  await plane?.close();
  await env?.close();
  pods?.stop();
});

describe('proxyless gRPC clients of a gateway configured through the API', () => {
  it('serves a gateway whose revision also holds a UDP listener (UDPRoute) to the gRPC client', async () => {
    const row = (
      await env.db.$pool.query<{ resources: { listeners: { name: string }[] } }>(
        `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
        [gatewayId],
      )
    ).rows[0]!;
    expect(row.resources.listeners.map((l) => l.name)).toContain('listener/udp/53');
    expect((await call(client, 'Echo')).backend).toMatch(/^(alpha|beta|gamma)-/);
  });

  it('reports Programmed=True once the client has acknowledged the revision', async () => {
    const c = await eventually('Programmed', programmed, (p) => p.status === 'True');
    expect(c.reason).toBe('Programmed');
    const revs = (await api('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{
      status: string;
    }>;
    expect(revs[0]!.status).toBe('acked');
  });

  it("records a revision's ACK time (REST and GraphQL) and the propagation time from the change's commit", async () => {
    const propagation = async () =>
      (await registry.getSingleMetricAsString('epic_route_propagation_seconds')).split('\n');
    const value = async (series: 'count' | 'sum') =>
      Number(
        (await propagation())
          .find((l) => l.startsWith(`epic_route_propagation_seconds_${series} `))
          ?.split(' ')[1] ?? 0,
      );
    const before = { count: await value('count'), sum: await value('sum') };
    const version = (await newestVersion()) + 1;
    const acked = nextEvent<AckEvent>('ack', version);
    const started = Date.now();
    await api('PUT', `/routes/${routeId}`, { spec: grpcRoute({ canaryValue: 'ack-time', weights: [3, 1] }) });
    await acked;
    const rev = await eventually(
      'ackedAt',
      async () =>
        (
          (await api('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{
            version: number;
            ackedAt: string | null;
            createdAt: string;
          }>
        )[0]!,
      (r) => r.version === version && r.ackedAt !== null,
    );
    const ackedAt = Date.parse(rev.ackedAt!);
    expect(ackedAt).toBeGreaterThanOrEqual(Date.parse(rev.createdAt));
    expect(ackedAt).toBeLessThanOrEqual(Date.now());
    expect(await value('count')).toBe(before.count + 1);
    // One observation, of at most the time the test took from its write to the ACK's bookkeeping.
    const observed = (await value('sum')) - before.sum;
    expect(observed).toBeGreaterThan(0);
    expect(observed).toBeLessThan((Date.now() - started) / 1000 + 0.05);
    const gql = await env.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth(key),
      payload: {
        query: 'query($g: ID!) { revisions(gatewayId: $g, first: 1) { edges { node { version ackedAt } } } }',
        variables: { g: gatewayId },
      },
    });
    const node = gql.json().data.revisions.edges[0].node as { version: number; ackedAt: string };
    expect(node).toEqual({ version, ackedAt: rev.ackedAt });
    // The route as the later tests expect it.
    const restored = nextEvent<AckEvent>('ack', version + 1);
    await api('PUT', `/routes/${routeId}`, { spec: grpcRoute({ canaryValue: 'yes', weights: [3, 1] }) });
    await restored;
  });

  it('routes real RPCs by method and by header', async () => {
    expect(await countBackends(20, 'Shout')).toEqual({ 'gamma-1': 20 });
    expect(await countBackends(20, 'Echo', { 'x-canary': 'yes' })).toEqual({ 'beta-1': 20 });
    // The method match wins over the header match, as the GRPCRoute precedence says.
    expect(await countBackends(10, 'Shout', { 'x-canary': 'yes' })).toEqual({ 'gamma-1': 10 });
  });

  it('splits traffic by the route weights (3:1) over 2,000 calls, and round-robins inside a service', async () => {
    const counts = await countBackends(2000);
    const alpha = (counts['alpha-1'] ?? 0) + (counts['alpha-2'] ?? 0);
    const beta = counts['beta-1'] ?? 0;
    expect(alpha + beta).toBe(2000);
    // Expected beta share 0.25, σ ≈ 0.0097 over 2,000 calls: ±5σ.
    expect(beta / 2000).toBeGreaterThan(0.2);
    expect(beta / 2000).toBeLessThan(0.3);
    expect(counts['alpha-1']).toBeGreaterThan(alpha * 0.35);
    expect(counts['alpha-2']).toBeGreaterThan(alpha * 0.35);
  });

  it('resolves the host:port form of the target to the same virtual host', async () => {
    const withPort = xdsEchoClient(`${HOST}:80`);
    try {
      const r = await call(withPort, 'Shout');
      expect(r.backend).toBe('gamma-1');
    } finally {
      withPort.close();
    }
  });

  it('serves every RPC while 100 route and endpoint changes are applied through the API', async () => {
    const traffic = startTraffic(client);
    let version = await newestVersion();
    let state: RouteState = { canaryValue: 'yes', weights: [3, 1] };
    let alphaPods = ['alpha-1', 'alpha-2'];
    for (let i = 1; i <= 100; i++) {
      version += 1;
      const acked = nextEvent<AckEvent>('ack', version);
      if (i % 2 === 1) {
        // Route change: the header value and the weights move.
        state = { canaryValue: `v${i}`, weights: state.weights[0] === 3 ? [1, 3] : [3, 1] };
        await api('PUT', `/routes/${routeId}`, { spec: grpcRoute(state) });
      } else {
        alphaPods = alphaPods.length === 2 ? ['alpha-2'] : ['alpha-1', 'alpha-2'];
        await setEndpoints('alpha', alphaPods);
      }
      const e = await acked;
      expect(e.typeUrl).toBe(i % 2 === 1 ? ROUTE : ENDPOINT);
    }
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(200);
    expect(Object.keys(report.byBackend).sort()).toEqual(['alpha-1', 'alpha-2', 'beta-1']);
    // The last header value is really in force.
    expect(await countBackends(5, 'Echo', { 'x-canary': state.canaryValue })).toEqual({ 'beta-1': 5 });
  }, 120_000); // ~12 s on an idle 2-core node; the shared CI machine is often several times slower

  it('taints a revision the client NACKs, says so in Programmed, and keeps serving the last good one', async () => {
    const good = await newestVersion();
    const traffic = startTraffic(client);
    const nacked = nextEvent<NackEvent>('nack', good + 1);
    // Envoy accepts redirects; gRPC clients reject a route configuration that contains one.
    const redirect = await api('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'moved',
      spec: {
        parentRefs: [{ name: 'web' }],
        hostnames: [HOST],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
            filters: [
              { type: 'RequestRedirect', requestRedirect: { hostname: 'new.example.com', statusCode: 301 } },
            ],
          },
        ],
      },
    });
    const nack = await nacked;
    expect(nack.snapshotVersion).toBe(String(good + 1));
    const revs = await eventually(
      'tainted revision',
      async () =>
        (await api('GET', `/gateways/${gatewayId}/revisions`)).json().items as Array<{
          version: number;
          status: string;
          error: string | null;
        }>,
      (items) => items[0]?.status === 'tainted',
    );
    expect(revs[0]).toMatchObject({ version: good + 1, status: 'tainted' });
    expect(revs[0]!.error).toMatch(new RegExp(`rejected by proxy ${grpcNode.replace(/\./g, '\\.')}`));
    const c = await eventually('Programmed=False', programmed, (p) => p.status === 'False');
    expect(c.reason).toBe('Invalid');
    expect(c.message).toContain(`proxies keep serving revision ${good}`);
    // The client is served the previous good revision again and keeps routing with it.
    expect(plane.cache.typeVersions(grpcNode)[ROUTE]).not.toBe(String(good + 1));
    expect(await countBackends(10, 'Shout')).toEqual({ 'gamma-1': 10 });
    const report = await traffic.stop();
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(0);
    // Removing the offending route renders the last good content again: nothing new is pushed, and the new
    // revision counts as acknowledged because its content was.
    await api('DELETE', `/routes/${redirect.json().id}`);
    const c2 = await eventually('Programmed=True', programmed, (p) => p.status === 'True');
    expect(c2.reason).toBe('Programmed');
    expect((await api('GET', `/gateways/${gatewayId}/revisions`)).json().items[0]).toMatchObject({
      version: good + 2,
      status: 'acked',
    });
  });

  it('after an API restart (app, reconciler, xDS plane) on the same database and port, the client gets the same versions and traffic continues', async () => {
    const traffic = startTraffic(client);
    const before = plane.cache.typeVersions(grpcNode);
    const port = plane.port;
    await plane.close();
    await reconciler.stop();
    await env.app.close();
    env.app = await buildApp({ db: env.db, logger: false, secretKey: randomBytes(32) });
    await env.app.ready();
    reconciler = wiredReconciler();
    await reconciler.start();
    const next = await startXdsPlane({
      db: env.db,
      databaseUrl: env.url,
      log,
      secretKey,
      address: `127.0.0.1:${port}`,
      authenticate: trustClaimedNodeId(),
    });
    plane = next;
    const subscribed = [LISTENER, ROUTE, CLUSTER, ENDPOINT] as const;
    const restored = next.cache.typeVersions(grpcNode);
    for (const t of subscribed) expect(restored[t], t).toBe(before[t]);
    const acks = new Map<string, string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ACKs after restart: ${JSON.stringify([...acks])}`)),
        20_000,
      );
      const onAck = (e: AckEvent) => {
        if (e.nodeId !== grpcNode) return;
        acks.set(e.typeUrl, e.version);
        if (subscribed.every((t) => acks.has(t))) {
          clearTimeout(timer);
          next.server.off('ack', onAck);
          resolve();
        }
      };
      next.server.on('ack', onAck);
    });
    for (const t of subscribed) expect(acks.get(t), t).toBe(before[t]);
    expect(await countBackends(10, 'Shout')).toEqual({ 'gamma-1': 10 });
    expect((await programmed()).status).toBe('True');
    const report = await traffic.stop();
    expect(report.errors).toEqual([]);
    expect(report.failed).toBe(0);
  });
});
