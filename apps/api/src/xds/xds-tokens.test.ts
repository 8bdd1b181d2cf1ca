// Per-gateway xDS tokens through the API's xDS plane, with a plain grpc-js ADS client (grpc-js-xds cannot send
// call credentials, so its tests trust the claimed node id; this suite covers what the tokens enforce): which
// node a token admits, and its lifecycle (docs/adr/0403-xds-token-lifecycle.md) — deleted gateways, revoked and
// expired tokens — across two API replicas on one database.
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER, ROUTE, SECRET } from '@epic/envoy-proto';
import type { DiscoveryRequest, DiscoveryResponse } from '@epic/xds-server';
import { AdsTestClient, namesOf, type StreamProbe } from '@epic/xds-server/test-support';
import { buildApp } from '../app.js';
import { createReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { testCertA } from '../test-support/tls-fixture.js';
import { startXdsPlane, type XdsPlane } from './publisher.js';
import { gatewayIdOfNode, issueXdsToken } from './tokens.js';

const log = pino({ level: 'silent' });
const secretKey = randomBytes(32);
const TIMEOUT = 15_000;
let env: TestEnv;
let key: string;
let reconciler: Reconciler;
/** Two API replicas' xDS planes on one database, each with its own client. */
let planes: [XdsPlane, XdsPlane];
let clients: [AdsTestClient, AdsTestClient];
let shop: string;
let blog: string;
const open: StreamProbe<DiscoveryRequest, DiscoveryResponse>[] = [];

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload !== undefined ? { payload } : {}),
  });

async function eventually(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Creates a gateway, renders it and waits until both replicas serve it. */
async function gateway(name: string, listeners: object[]): Promise<string> {
  const r = await api('POST', '/gateways', { name, namespace: 'web', template: 'gw', listeners });
  if (r.statusCode !== 201) throw new Error(`gateway ${name}: ${r.body}`);
  const id = r.json().id as string;
  await reconciler.drain();
  await eventually(`both replicas serve ${name}`, () =>
    planes.every((p) => p.cache.getSnapshot(`tok.${id}`) !== undefined),
  );
  return id;
}

/** A token as the API issues it, of the gateway's first generation, valid for an hour. */
const tokenFor = (nodeId: string, generation = 1, expiresAt = Date.now() + 3600_000) =>
  issueXdsToken(secretKey, { nodeId, generation, expiresAt });

async function freshToken(gatewayId: string): Promise<string> {
  const r = await api('POST', `/gateways/${gatewayId}/xds-token`, {});
  expect(r.statusCode, r.body).toBe(201);
  return r.json().token as string;
}

function subscribe(nodeId: string, token: string, typeUrl = LISTENER, replica: 0 | 1 = 0) {
  const s = clients[replica].sotw(token);
  open.push(s);
  s.send({ node: { id: nodeId, cluster: 'tok' }, type_url: typeUrl, resource_names: [] });
  return s;
}

/** The stream was refused before anything was sent. */
async function refused(s: StreamProbe<DiscoveryRequest, DiscoveryResponse>, reason: RegExp) {
  const status = await s.ended(TIMEOUT);
  expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
  expect(status.details).toMatch(reason);
  expect(await s.quiet(50)).toBe(true);
}

beforeAll(async () => {
  env = await testEnv();
  // The app and the xDS planes must share the key that signs tokens.
  await env.app.close();
  env.app = await buildApp({ db: env.db, logger: false, secretKey });
  await env.app.ready();
  key = (await createAccount(env, 'tok')).key;
  await api('POST', '/address-pools', { name: 'pub', spec: '10.82.0.0/28' });
  await api('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  await api('POST', '/routes', {
    kind: 'GRPCRoute',
    name: 'echo',
    namespace: 'web',
    spec: {
      parentRefs: [{ name: 'shop' }],
      hostnames: ['echo.example.com'],
      rules: [{ backendRefs: [{ name: 'echo', port: 9000 }] }],
    },
  });
  // As main.ts wires them: replica 0 renders and hands its revisions to its plane in process; replica 1 reads
  // them back through NOTIFY epic_revision.
  reconciler = createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log,
    resyncSeconds: 3600,
    onRevision: (gatewayId, _version, revision) => planes?.[0]?.handOver(gatewayId, revision),
  });
  const plane = () =>
    startXdsPlane({ db: env.db, databaseUrl: env.url, log, secretKey, address: '127.0.0.1:0' });
  planes = [await plane(), await plane()];
  clients = [new AdsTestClient(planes[0].port), new AdsTestClient(planes[1].port)];
  const http80 = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  shop = await gateway('shop', http80);
  blog = await gateway('blog', http80);
});
afterAll(async () => {
  for (const s of open) s.close();
  for (const c of clients ?? []) c?.close();
  for (const p of planes ?? []) await p?.close();
  await env?.close();
});

describe('xDS tokens of the API', () => {
  it("refuses a stream that presents another gateway's token", async () => {
    const s = subscribe(`tok.${shop}`, tokenFor(`tok.${blog}`));
    const status = await s.ended();
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toContain(`tok.${shop}`);
  });

  it("refuses the proxyless node id of another gateway with this gateway's token", async () => {
    const s = subscribe(`tok.${blog}.grpc`, tokenFor(`tok.${shop}`));
    expect((await s.ended()).code).toBe(grpc.status.PERMISSION_DENIED);
  });

  it("admits a gateway's token for its proxyless node id, which receives api listeners named by host", async () => {
    const s = subscribe(`tok.${shop}.grpc`, tokenFor(`tok.${shop}`));
    const response = await s.next();
    expect(namesOf(response).sort()).toEqual(['echo.example.com', 'echo.example.com:80']);
    s.call.cancel();
  });

  it('admits the Envoy node id with its own token, which receives the socket listener', async () => {
    const s = subscribe(`tok.${shop}`, tokenFor(`tok.${shop}`));
    expect(namesOf(await s.next())).toEqual(['listener/80']);
    s.call.cancel();
  });

  it('a proxy instance (`/<pod>`) gets the fleet configuration, and its ACK is recorded on its own row', async () => {
    const token = tokenFor(`tok.${shop}`);
    const a = subscribe(`tok.${shop}/envoy-shop-a`, token);
    const b = subscribe(`tok.${shop}/envoy-shop-b`, token);
    const ra = await a.next();
    expect(namesOf(ra)).toEqual(['listener/80']);
    expect(namesOf(await b.next())).toEqual(['listener/80']);
    // Only pod a ACKs.
    a.send({
      type_url: LISTENER,
      version_info: ra.version_info,
      response_nonce: ra.nonce,
      resource_names: [],
    });
    const acked = async () =>
      (
        await env.db.proxyInstance.findMany({
          where: { gatewayId: shop },
          select: { podName: true, xdsAckedVersion: true },
          orderBy: { podName: 'asc' },
        })
      ).map((r) => `${r.podName} ${String(r.xdsAckedVersion)}`);
    await eventually('the ACK of pod a on its row', async () => (await acked()).length > 0);
    expect(await acked()).toEqual([`envoy-shop-a ${ra.version_info}`]);
    a.call.cancel();
    b.call.cancel();
    await env.db.proxyInstance.deleteMany({ where: { gatewayId: shop } });
  });

  it('maps both node ids of a gateway to the gateway, and nothing else', () => {
    expect(gatewayIdOfNode(`tok.${shop}`)).toBe(shop);
    expect(gatewayIdOfNode(`tok.${shop}.grpc`)).toBe(shop);
    expect(gatewayIdOfNode(`tok.${shop}.other`)).toBeUndefined();
    expect(gatewayIdOfNode('nodot')).toBeUndefined();
  });

  it('refuses a token that is not exactly as issued (suffix, extra segment, the pre-expiry format)', async () => {
    const good = tokenFor(`tok.${shop}`);
    const legacy = `${Buffer.from(`tok.${shop}`).toString('base64url')}.${good.split('.')[2]}`;
    for (const t of [`${good}.x`, `${good}x`, `x.${good}`, good.replace(/^v2\./, ''), legacy])
      await refused(subscribe(`tok.${shop}`, t), /malformed token/);
  });

  it('a token the REST API issues works on both replicas, for the Envoy and the proxyless node id', async () => {
    const token = await freshToken(shop);
    expect(namesOf(await subscribe(`tok.${shop}`, token, LISTENER, 0).next())).toEqual(['listener/80']);
    expect(namesOf(await subscribe(`tok.${shop}.grpc`, token, LISTENER, 1).next())).toContain(
      'echo.example.com',
    );
  });

  it("the bootstrap's token works, and its headers say when it expires and where the next one comes from", async () => {
    const r = await api('GET', `/gateways/${shop}/bootstrap`);
    expect(r.statusCode).toBe(200);
    const b = r.json();
    const header = b.dynamicResources.adsConfig.grpcServices[0].initialMetadata[0].value as string;
    const token = header.replace(/^Bearer /, '');
    const expiresAt = Date.parse(String(r.headers['x-epic-xds-token-expires-at']));
    // The default lifetime (XDS_TOKEN_TTL_SECONDS) is seven days.
    expect(Math.abs(expiresAt - (Date.now() + 7 * 24 * 3600_000))).toBeLessThan(120_000);
    expect(r.headers['x-epic-xds-token-refresh']).toBe(`POST /api/v1/gateways/${shop}/xds-token`);
    expect(namesOf(await subscribe(`tok.${shop}`, token).next())).toEqual(['listener/80']);
  });
});

describe('two replicas', () => {
  it('the replica that rendered a revision serves it as handed over, byte for byte what the other reads back', async () => {
    expect(
      (await api('PUT', '/certificates', { name: 'same-tls', namespace: 'web', ...testCertA })).statusCode,
    ).toBe(201);
    const id = await gateway('same', [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'same-tls' }] } },
    ]);
    const r = await api('POST', '/routes', {
      kind: 'HTTPRoute',
      name: 'same',
      namespace: 'web',
      spec: {
        parentRefs: [{ name: 'same' }],
        hostnames: ['same.example.com'],
        rules: [
          {
            filters: [{ type: 'CORS', cors: { allowOrigins: ['https://a.example.com'] } }],
            sessionPersistence: { sessionName: 'sticky', type: 'Cookie' },
            backendRefs: [{ name: 'echo', port: 9000 }],
          },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    await reconciler.drain();
    const version = String(
      (
        await env.db.configRevision.findFirstOrThrow({
          where: { gatewayId: id },
          orderBy: { version: 'desc' },
        })
      ).version,
    );
    // What a node's snapshot is: per type, its version and each resource's content version (a hash of its bytes).
    const served = (p: XdsPlane, node: string) => {
      const s = p.cache.getSnapshot(node);
      return (
        s && {
          version: s.version,
          types: [...s.types].map(([t, ts]) => [
            t,
            ts.version,
            [...ts.resources].map(([n, e]) => [n, e.version]),
          ]),
        }
      );
    };
    for (const node of [`tok.${id}`, `tok.${id}.grpc`]) {
      await eventually(`both replicas serve revision ${version} to ${node}`, () =>
        planes.every((p) => p.cache.getSnapshot(node)?.version === version),
      );
      expect(served(planes[0], node)).toEqual(served(planes[1], node));
    }
    const routes = planes[0].cache.getSnapshot(`tok.${id}`)!.types.get(ROUTE)!;
    expect([...routes.resources.keys()].length).toBeGreaterThan(0);
    const secrets = planes[0].cache.getSnapshot(`tok.${id}`)!.types.get(SECRET)!;
    expect(secrets.resources.size).toBe(1);
  });

  it('a read in flight when a newer revision is handed over does not serve the older one it read', async () => {
    const id = await gateway('race', [{ name: 'http', port: 80, protocol: 'HTTP' }]);
    const stored = await env.db.configRevision.findFirstOrThrow({
      where: { gatewayId: id },
      orderBy: { version: 'desc' },
    });
    const node = `tok.${id}`;
    await eventually(
      'replica 0 serves it',
      () => planes[0].cache.getSnapshot(node)?.version === String(stored.version),
    );
    // The stored revision's content handed over in process under another version.
    const handOverStored = (version: number) =>
      planes[0].handOver(id, {
        gatewayId: id,
        accountName: 'tok',
        version,
        resources: stored.resources as never,
        typeVersions: stored.typeVersions as never,
      });
    // A newer revision (the same content under the next version) handed over while a publish reads the stored one.
    const reading = planes[0].publish(id);
    handOverStored(stored.version + 1);
    expect(planes[0].cache.getSnapshot(node)?.version).toBe(String(stored.version + 1));
    await reading;
    expect(planes[0].cache.getSnapshot(node)?.version).toBe(String(stored.version + 1));
    // A gateway this replica saw deleted is not served again by a hand-over that comes after.
    expect((await api('DELETE', `/gateways/${id}`)).statusCode).toBe(204);
    await eventually('replica 0 dropped it', () => planes[0].cache.getSnapshot(node) === undefined);
    handOverStored(stored.version + 2);
    expect(planes[0].cache.getSnapshot(node)).toBeUndefined();
  });
});

describe('token lifecycle', () => {
  it('an expired token is refused at stream start', async () => {
    await refused(subscribe(`tok.${shop}`, tokenFor(`tok.${shop}`, 1, Date.now() - 1000)), /expired/);
  });

  it('an open stream ends with UNAUTHENTICATED when its token expires, and the proxy reconnects with a fresh one', async () => {
    // Long enough for the first response to arrive before expiry on a loaded machine (whole seconds: ≥ 6 s).
    const s = subscribe(`tok.${blog}`, tokenFor(`tok.${blog}`, 1, Date.now() + 7000));
    expect(namesOf(await s.next(TIMEOUT))).toEqual(['listener/80']);
    const status = await s.ended(TIMEOUT);
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).toMatch(/expired/);
    const again = subscribe(`tok.${blog}`, await freshToken(blog));
    expect(namesOf(await again.next(TIMEOUT))).toEqual(['listener/80']);
  });

  it("revoking a gateway's tokens ends their streams on both replicas, refuses them afterwards and leaves other gateways alone", async () => {
    const before = await freshToken(shop);
    const streams = [
      subscribe(`tok.${shop}`, before, LISTENER, 0),
      subscribe(`tok.${shop}`, before, LISTENER, 1),
      subscribe(`tok.${shop}.grpc`, before, LISTENER, 1),
    ];
    for (const s of streams) await s.next(TIMEOUT);
    const neighbour = subscribe(`tok.${blog}`, await freshToken(blog), LISTENER, 0);
    await neighbour.next(TIMEOUT);

    const r = await api('POST', `/gateways/${shop}/xds-token/revoke`, {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ gatewayId: shop, generation: 2 });
    for (const s of streams) {
      const status = await s.ended(TIMEOUT);
      expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(status.details).toMatch(/revoked/);
    }
    await refused(subscribe(`tok.${shop}`, before, LISTENER, 0), /revoked/);
    await refused(subscribe(`tok.${shop}`, before, LISTENER, 1), /revoked/);
    // Another gateway's stream is still open and served.
    expect(neighbour.status).toBeUndefined();
    expect(planes[0].server.connectedNodeIds()).toContain(`tok.${blog}`);

    const after = await freshToken(shop);
    expect(namesOf(await subscribe(`tok.${shop}`, after, LISTENER, 0).next(TIMEOUT))).toEqual([
      'listener/80',
    ]);
    expect(namesOf(await subscribe(`tok.${shop}`, after, LISTENER, 1).next(TIMEOUT))).toEqual([
      'listener/80',
    ]);
  });

  it('after a gateway is deleted, its old token gets neither LDS nor SDS and its open streams end, on both replicas', async () => {
    const cert = await api('PUT', '/certificates', { namespace: 'web', name: 'vault-tls', ...testCertA });
    expect([200, 201], cert.body).toContain(cert.statusCode);
    const vault = await gateway('vault', [
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        tls: { mode: 'Terminate', certificateRefs: [{ name: 'vault-tls' }] },
      },
    ]);
    const node = `tok.${vault}`;
    const token = await freshToken(vault);
    const lds = subscribe(node, token, LISTENER, 0);
    const sds = subscribe(node, token, SECRET, 1);
    const grpcLds = subscribe(`${node}.grpc`, token, LISTENER, 0);
    expect(namesOf(await lds.next(TIMEOUT))).toEqual(['listener/443']);
    const secret = await sds.next(TIMEOUT);
    expect(secret.resources.length).toBeGreaterThan(0);
    await grpcLds.next(TIMEOUT);

    expect((await api('DELETE', `/gateways/${vault}`)).statusCode).toBe(204);
    for (const s of [lds, sds, grpcLds]) {
      const status = await s.ended(TIMEOUT);
      expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    }
    for (const p of planes) {
      await eventually('snapshots dropped', () =>
        [node, `${node}.grpc`].every((n) => p.cache.getSnapshot(n) === undefined),
      );
      expect(p.server.connectedNodeIds().filter((n) => gatewayIdOfNode(n) === vault)).toEqual([]);
    }
    for (const replica of [0, 1] as const) {
      await refused(subscribe(node, token, LISTENER, replica), /no longer exists/);
      await refused(subscribe(node, token, SECRET, replica), /no longer exists/);
    }
  });

  it('a gateway deleted with its account (cascade) leaves the xDS plane too', async () => {
    const other = await createAccount(env, 'gone');
    const call = (method: 'POST', url: string, payload: object) =>
      env.app.inject({ method, url: `/api/v1${url}`, headers: auth(other.key), payload });
    await call('POST', '/address-pools', { name: 'pub', spec: '10.83.0.0/28' });
    await call('POST', '/templates', {
      name: 'gw',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const g = await call('POST', '/gateways', {
      name: 'web',
      template: 'gw',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    const id = g.json().id as string;
    await reconciler.drain();
    const node = `gone.${id}`;
    await eventually('served', () => planes.every((p) => p.cache.getSnapshot(node) !== undefined));
    const s = subscribe(node, tokenFor(node), LISTENER, 1);
    expect(namesOf(await s.next(TIMEOUT))).toEqual(['listener/80']);
    // Accounts have no delete route yet; whatever deletes one cascades to its gateways.
    await env.db.$pool.query('DELETE FROM "Account" WHERE id = $1::uuid', [other.id]);
    expect((await s.ended(TIMEOUT)).code).toBe(grpc.status.UNAUTHENTICATED);
    for (const p of planes) await eventually('dropped', () => p.cache.getSnapshot(node) === undefined);
  });
});
