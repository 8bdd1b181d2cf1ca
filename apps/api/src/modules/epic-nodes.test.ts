import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../reconciler/reconciler.js';
import { open, seal } from '../lib/secret-box.js';
import {
  auth,
  createAccount,
  refusedFields,
  rest,
  testEnv,
  viewerKey,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';
import { snapshotDb } from '../test-support/snapshot.js';
import { openTunnelKey, sealPlainTunnelKeys } from './tunnel-keys.js';

// EPIC nodes and their proxies against a real database: the node credential's scope, registration, the desired
// state a node reads, proxy reports, the tenants' view, drain and delete, refusals naming the field, and the
// sealing of tunnel keys at rest.

let env: TestEnv;
const call = (...args: RestArgs) => rest(env, ...args);
let n = 0;
const nodeName = () => `node-${++n}.epic.example`;

async function createNode(name = nodeName(), body: Record<string, unknown> = {}) {
  const r = await call('POST', '/epic-nodes', env.adminKey, { name, ...body });
  if (r.status !== 201) throw new Error(`node create failed: ${r.raw}`);
  return { name, token: r.body.token as string, node: r.body.node };
}

/** An account with one gateway on port 80/TCP and 53/UDP, rendered once (revision 1). */
async function tenantGateway(label: string, spec = `10.${60 + n}.0.0/28`) {
  const acct = await createAccount(env, `nodes-${label}-${++n}`);
  const k = acct.key;
  const pool = await call('POST', '/address-pools', k, { name: 'p', spec });
  if (pool.status !== 201) throw new Error(pool.raw);
  const tpl = await call('POST', '/templates', k, {
    name: 't',
    poolName: 'p',
    dnsNameTemplate: '{gateway}.{account}.example.com',
  });
  if (tpl.status !== 201) throw new Error(tpl.raw);
  const gw = await call('POST', '/gateways', k, {
    name: 'edge',
    template: 't',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'tcp', port: 443, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  });
  if (gw.status !== 201) throw new Error(gw.raw);
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();
  return { key: k, accountId: acct.id, gatewayId: gw.body.id as string, address: gw.body.address as string };
}

const proxy = (gatewayId: string, podName: string, extra: Record<string, unknown> = {}) => ({
  gatewayId,
  podName,
  vethIfindex: 7,
  ready: true,
  ackedVersion: 1,
  ...extra,
});

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

describe('platform admins create, read, drain and delete EPIC nodes', () => {
  it('creating a node answers its node credential once; only a hash of it is stored', async () => {
    const name = nodeName();
    const r = await call('POST', '/epic-nodes', env.adminKey, {
      name,
      addresses: ['192.0.2.10', '2001:DB8::10'],
      bgp: { asn: 4_200_000_000, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] },
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.token).toMatch(/^epicnode_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(r.body.node).toMatchObject({
      name,
      addresses: ['192.0.2.10', '2001:db8::10'],
      bgp: { asn: 4_200_000_000, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] },
      draining: false,
    });
    const read = await call('GET', `/epic-nodes/${name}`, env.adminKey);
    expect(read.status).toBe(200);
    expect(read.raw).not.toContain('epicnode_');
    expect(
      (await call('GET', '/epic-nodes', env.adminKey)).body.items.map((x: { name: string }) => x.name),
    ).toContain(name);
    const secret = (r.body.token as string).split('_')[2]!;
    expect(JSON.stringify(await snapshotDb(env.db.$pool))).not.toContain(secret);
  });

  it('a second node of the same name is a conflict; an unknown name is 404', async () => {
    const { name } = await createNode();
    const again = await call('POST', '/epic-nodes', env.adminKey, { name });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain(name);
    expect((await call('GET', '/epic-nodes/nope.example', env.adminKey)).status).toBe(404);
    expect((await call('DELETE', '/epic-nodes/nope.example', env.adminKey)).status).toBe(404);
    expect((await call('POST', '/epic-nodes/nope.example/drain', env.adminKey, {})).status).toBe(404);
  });

  it('tenants, even owners, may neither create nor read nodes', async () => {
    const { key } = await createAccount(env, `nodes-owner-${++n}`);
    const { name } = await createNode();
    for (const [method, url, body] of [
      ['POST', '/epic-nodes', { name: 'x.example' }],
      ['GET', '/epic-nodes', undefined],
      ['GET', `/epic-nodes/${name}`, undefined],
      ['DELETE', `/epic-nodes/${name}`, undefined],
      ['POST', `/epic-nodes/${name}/drain`, {}],
      ['PUT', `/epic-nodes/${name}`, { addresses: ['192.0.2.1'] }],
      ['GET', `/epic-nodes/${name}/desired`, undefined],
      ['PUT', `/epic-nodes/${name}/proxies`, { proxies: [] }],
    ] as const) {
      const r = await call(method, url, key, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(403);
    }
  });

  it('drain sets draining until it is ended; a registration without draining keeps it', async () => {
    const { name, token } = await createNode();
    const d = await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, {});
    expect(d.status, d.raw).toBe(200);
    expect(d.body.draining).toBe(true);
    const reg = await call('PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.20'] });
    expect(reg.body.draining).toBe(true);
    expect((await call('GET', `/epic-nodes/${name}/desired`, token)).body.draining).toBe(true);
    const undrain = await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, { draining: false });
    expect(undrain.body.draining).toBe(false);
    // The node may drain itself.
    expect(
      (await call('PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.20'], draining: true })).body
        .draining,
    ).toBe(true);
  });

  it('deleting a node revokes its credential and removes its proxy records', async () => {
    const g = await tenantGateway('del');
    const { name, token } = await createNode();
    expect(
      (await call('PUT', `/epic-nodes/${name}/proxies`, token, { proxies: [proxy(g.gatewayId, 'envoy-1')] }))
        .status,
    ).toBe(204);
    expect((await call('DELETE', `/epic-nodes/${name}`, env.adminKey)).status).toBe(204);
    expect((await call('GET', `/epic-nodes/${name}/desired`, token)).status).toBe(401);
    expect((await call('GET', `/gateways/${g.gatewayId}/proxies`, g.key)).body.items).toEqual([]);
  });
});

describe('a node credential acts only for its own node', () => {
  it('registers its node, reads its desired state and reports its proxies', async () => {
    const { name, token } = await createNode();
    const r = await call('PUT', `/epic-nodes/${name}`, token, {
      addresses: ['198.51.100.7'],
      bgp: {
        asn: 65010,
        routerId: '198.51.100.7',
        peers: [{ address: '198.51.100.1', asn: 65000, port: 1790 }],
      },
    });
    expect(r.status, r.raw).toBe(200);
    expect(r.body).toMatchObject({
      name,
      addresses: ['198.51.100.7'],
      bgp: { asn: 65010, peers: [{ port: 1790 }] },
      createdAt: expect.any(String),
    });
    expect((await call('GET', `/epic-nodes/${name}/desired`, token)).body).toEqual({
      node: name,
      draining: false,
      gateways: [],
    });
  });

  it("another node's name is 403 and nothing changes", async () => {
    const a = await createNode();
    const b = await createNode();
    const before = await snapshotDb(env.db.$pool);
    for (const [method, url, body] of [
      ['PUT', `/epic-nodes/${b.name}`, { addresses: ['192.0.2.66'] }],
      ['GET', `/epic-nodes/${b.name}/desired`, undefined],
      ['PUT', `/epic-nodes/${b.name}/proxies`, { proxies: [] }],
    ] as const) {
      const r = await call(method, url, a.token, body);
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.body.message).toContain(a.name);
    }
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it('every other route refuses it with 403 (admin node routes included), and so does GraphQL', async () => {
    const { name, token } = await createNode();
    const g = await tenantGateway('scope');
    for (const [method, url, body] of [
      ['GET', '/whoami', undefined],
      ['GET', '/gateways', undefined],
      ['GET', `/gateways/${g.gatewayId}`, undefined],
      ['GET', `/gateways/${g.gatewayId}/proxies`, undefined],
      ['GET', '/epic-nodes', undefined],
      ['GET', `/epic-nodes/${name}`, undefined],
      ['POST', `/epic-nodes/${name}/drain`, {}],
      ['DELETE', `/epic-nodes/${name}`, undefined],
      ['POST', '/epic-nodes', { name: 'y.example' }],
    ] as const) {
      const r = await call(method, url, token, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(403);
      expect(r.raw).not.toContain(g.gatewayId.slice(0, 8) + '"');
    }
    const gql = async (query: string, variables: Record<string, unknown> = {}) =>
      (
        await env.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: auth(token),
          payload: { query, variables },
        })
      ).json();
    const other = await gql('{ gateways { edges { node { id } } } }');
    expect(other.errors[0].extensions.code).toBe('Forbidden');
    expect(other.data?.gateways ?? null).toBeNull();
    const own = await gql('query($n: String!) { epicNodeDesiredState(name: $n) { node draining } }', {
      n: name,
    });
    expect(own).toEqual({ data: { epicNodeDesiredState: { node: name, draining: false } } });
    const reg = await gql(
      'mutation($n: String!, $i: RegisterEpicNodeInput!) { registerEpicNode(name: $n, input: $i) { name addresses bgp { asn } } }',
      {
        n: name,
        i: { addresses: ['192.0.2.77'], bgp: { asn: 4_294_967_295, routerId: '192.0.2.77', peers: [] } },
      },
    );
    expect(reg).toEqual({
      data: { registerEpicNode: { name, addresses: ['192.0.2.77'], bgp: { asn: 4_294_967_295 } } },
    });
  });

  it('a wrong secret or a malformed node token is 401', async () => {
    const { name, token } = await createNode();
    for (const bad of [`${token.slice(0, 22)}${'A'.repeat(32)}`, 'epicnode_x', token.toUpperCase()]) {
      expect((await call('GET', `/epic-nodes/${name}/desired`, bad)).status).toBe(401);
    }
  });
});

describe('proxy reports and the desired state', () => {
  it('reported proxies make their gateway desired, with addresses, host prefixes, ports, revision and tunnels', async () => {
    const g = await tenantGateway('desired');
    const { name, token } = await createNode();
    await call('PUT', `/epic-nodes/${name}`, token, { addresses: ['203.0.113.5'] });
    const rep = await call('PUT', `/epic-nodes/${name}/proxies`, token, {
      proxies: [
        proxy(g.gatewayId, 'envoy-a'),
        proxy(g.gatewayId, 'envoy-b', { ready: false, ackedVersion: null }),
      ],
    });
    expect(rep.status, rep.raw).toBe(204);
    const node = await env.db.epicNode.findUniqueOrThrow({ where: { name } });
    const hex = 'ab'.repeat(32);
    await env.db.tunnel.create({
      data: {
        tunnelId: 4242,
        gatewayId: g.gatewayId,
        epicNodeId: node.id,
        clientNode: 'worker-1',
        localAddress: '203.0.113.5',
        key: hex,
      },
    });
    const d = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(d.status, d.raw).toBe(200);
    expect(d.body).toEqual({
      node: name,
      draining: false,
      gateways: [
        {
          gatewayId: g.gatewayId,
          addresses: [g.address],
          advertise: [{ prefix: `${g.address}/32` }],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 80, protocol: 'TCP' },
            { port: 443, protocol: 'TCP' },
          ],
          revision: 1,
          ackedRevision: null,
          proxyAcks: [
            { podName: 'envoy-a', revision: null },
            { podName: 'envoy-b', revision: null },
          ],
          tunnels: [
            {
              tunnelId: 4242,
              clientNode: 'worker-1',
              localAddress: '203.0.113.5',
              localPort: 6080,
              remoteAddress: null,
              remotePort: null,
              key: hex,
            },
          ],
        },
      ],
    });
    // A proxy of the gateway ACKs revision 1 over xDS (the xDS plane marks it acked): the node reads it.
    await env.db.configRevision.updateMany({
      where: { gatewayId: g.gatewayId, version: 1 },
      data: { status: 'acked' },
    });
    const acked = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(acked.body.gateways[0]).toMatchObject({ revision: 1, ackedRevision: 1 });
    // envoy-a's own stream ACKs it (the xDS plane records it on its row): the node reads it per proxy.
    await env.db.proxyInstance.updateMany({
      where: { gatewayId: g.gatewayId, podName: 'envoy-a' },
      data: { xdsAckedVersion: 1 },
    });
    const perProxy = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(perProxy.body.gateways[0].proxyAcks).toEqual([
      { podName: 'envoy-a', revision: 1 },
      { podName: 'envoy-b', revision: null },
    ]);
    const rows = await env.db.proxyInstance.findMany({
      where: { epicNodeId: node.id },
      orderBy: { podName: 'asc' },
    });
    expect(rows.map((r) => [r.podName, r.ready, r.ackedVersion, r.vethIfindex, r.nodeAddress])).toEqual([
      ['envoy-a', true, 1, 7, '203.0.113.5'],
      ['envoy-b', false, null, 7, '203.0.113.5'],
    ]);
  });

  it("a proxy the provisioner recorded with the node's address (and no node yet) makes its gateway desired", async () => {
    const g = await tenantGateway('prov');
    const { name, token } = await createNode(nodeName(), { addresses: ['192.0.2.123'] });
    await env.db.proxyInstance.create({
      data: { gatewayId: g.gatewayId, podName: 'envoy-p', nodeAddress: '192.0.2.123', ready: true },
    });
    const d = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(d.body.gateways.map((x: { gatewayId: string }) => x.gatewayId)).toEqual([g.gatewayId]);
    // Reported by the node, the row becomes the node's; the provisioner's host address stays.
    await call('PUT', `/epic-nodes/${name}/proxies`, token, { proxies: [proxy(g.gatewayId, 'envoy-p')] });
    const row = await env.db.proxyInstance.findFirstOrThrow({ where: { podName: 'envoy-p' } });
    expect([row.nodeAddress, row.vethIfindex]).toEqual(['192.0.2.123', 7]);
    const other = await createNode(nodeName(), { addresses: ['192.0.2.124'] });
    expect((await call('GET', `/epic-nodes/${other.name}/desired`, other.token)).body.gateways).toEqual([]);
  });

  it('an IPv6 gateway is advertised as a /128', async () => {
    const g = await tenantGateway('v6', 'fd00:60::/120');
    const { name, token } = await createNode();
    await call('PUT', `/epic-nodes/${name}/proxies`, token, { proxies: [proxy(g.gatewayId, 'envoy-6')] });
    const d = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(g.address).toContain(':');
    expect(d.body.gateways[0].advertise).toEqual([{ prefix: `${g.address}/128` }]);
  });

  it("a report replaces the node's rows: omitted pods go, updated ones change, other nodes' rows stay", async () => {
    const g = await tenantGateway('replace');
    const a = await createNode();
    const b = await createNode();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(g.gatewayId, 'envoy-1'), proxy(g.gatewayId, 'envoy-2')],
    });
    await call('PUT', `/epic-nodes/${b.name}/proxies`, b.token, { proxies: [proxy(g.gatewayId, 'envoy-3')] });
    const r = await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(g.gatewayId, 'envoy-2', { ready: false, ackedVersion: 2, vethIfindex: null })],
    });
    expect(r.status, r.raw).toBe(204);
    const seen = await call('GET', `/gateways/${g.gatewayId}/proxies`, g.key);
    expect(
      seen.body.items.map((p: Record<string, unknown>) => [p.podName, p.node, p.ready, p.ackedVersion]),
    ).toEqual([
      ['envoy-2', a.name, false, 2],
      ['envoy-3', b.name, true, 1],
    ]);
    expect((await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies: [] })).status).toBe(204);
    expect((await call('GET', `/epic-nodes/${a.name}/desired`, a.token)).body.gateways).toEqual([]);
    expect((await call('GET', `/epic-nodes/${b.name}/desired`, b.token)).body.gateways).toHaveLength(1);
  });

  it('a report queues a reconcile of the gateways whose proxies changed, and only those', async () => {
    const g = await tenantGateway('queue');
    const h = await tenantGateway('queue2');
    const a = await createNode();
    const queued = async () =>
      (
        await env.db.$queryRawUnsafe<{ id: string }[]>(
          `SELECT DISTINCT "gatewayId"::text AS id FROM "ReconcileRequest" WHERE "gatewayId" IN ('${g.gatewayId}', '${h.gatewayId}') ORDER BY 1`,
        )
      ).map((r) => r.id);
    const clear = () =>
      env.db.$executeRawUnsafe(
        `DELETE FROM "ReconcileRequest" WHERE "gatewayId" IN ('${g.gatewayId}', '${h.gatewayId}')`,
      );
    const put = (proxies: unknown[]) => call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies });
    await clear();
    await put([proxy(g.gatewayId, 'envoy-q'), proxy(h.gatewayId, 'envoy-r')]);
    expect(await queued()).toEqual([g.gatewayId, h.gatewayId].sort());
    await clear();
    await put([proxy(g.gatewayId, 'envoy-q'), proxy(h.gatewayId, 'envoy-r')]);
    expect(await queued()).toEqual([]);
    await put([proxy(g.gatewayId, 'envoy-q', { ackedVersion: 2 }), proxy(h.gatewayId, 'envoy-r')]);
    expect(await queued()).toEqual([g.gatewayId]);
    await clear();
    await put([proxy(g.gatewayId, 'envoy-q', { ackedVersion: 2 })]);
    expect(await queued()).toEqual([h.gatewayId]);
  });

  it('proxies of a gateway that no longer exists are skipped; a pod recorded on another node is a conflict', async () => {
    const g = await tenantGateway('gone');
    const a = await createNode();
    const b = await createNode();
    const skipped = await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy('00000000-0000-4000-8000-000000000000', 'envoy-x'), proxy(g.gatewayId, 'envoy-1')],
    });
    expect(skipped.status, skipped.raw).toBe(204);
    expect(await env.db.proxyInstance.count({ where: { podName: 'envoy-x' } })).toBe(0);
    const before = await snapshotDb(env.db.$pool);
    const clash = await call('PUT', `/epic-nodes/${b.name}/proxies`, b.token, {
      proxies: [proxy(g.gatewayId, 'envoy-2'), proxy(g.gatewayId, 'envoy-1')],
    });
    expect(clash.status).toBe(409);
    expect(refusedFields(clash)).toEqual(['proxies[1].podName']);
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it("tenants see their gateway's proxies with the node's name only; other tenants get 404", async () => {
    const g = await tenantGateway('view');
    const other = await createAccount(env, `nodes-other-${++n}`);
    const { name, token } = await createNode(nodeName(), {
      addresses: ['192.0.2.99'],
      bgp: { asn: 65099, routerId: '192.0.2.99', peers: [] },
    });
    await call('PUT', `/epic-nodes/${name}/proxies`, token, { proxies: [proxy(g.gatewayId, 'envoy-v')] });
    const viewer = await viewerKey(env, g.key);
    const seen = await call('GET', `/gateways/${g.gatewayId}/proxies`, viewer);
    expect(seen.status).toBe(200);
    expect(seen.body.items).toEqual([
      {
        podName: 'envoy-v',
        node: name,
        ready: true,
        podReady: null,
        xdsConnected: false,
        ackedVersion: 1,
        updatedAt: expect.any(String),
      },
    ]);
    expect(seen.raw).not.toContain('192.0.2.99');
    expect(seen.raw).not.toContain('65099');
    const denied = await call('GET', `/gateways/${g.gatewayId}/proxies`, other.key);
    expect(denied.status).toBe(404);
    expect(denied.raw).not.toContain('envoy-v');
  });
});

describe('refusals name the field and change nothing', () => {
  it('NUL bytes, wrong types and bad addresses are 400 naming each field', async () => {
    const { name, token } = await createNode();
    const before = await snapshotDb(env.db.$pool);
    const cases: Array<[RestArgs, string[]]> = [
      [['POST', '/epic-nodes', env.adminKey, { name: 'a\u0000b' }], ['name']],
      [['POST', '/epic-nodes', env.adminKey, { name: 42 }], ['name']],
      [['POST', '/epic-nodes', env.adminKey, { name: 'ok.example', addresses: 'x' }], ['addresses']],
      [
        ['POST', '/epic-nodes', env.adminKey, { name: 'ok.example', addresses: ['300.1.1.1'] }],
        ['addresses[0]'],
      ],
      [['POST', '/epic-nodes', env.adminKey, { name: 'ok.example', extra: 1 }], ['extra']],
      [
        [
          'POST',
          '/epic-nodes',
          env.adminKey,
          { name: 'ok.example', bgp: { asn: 1.5, routerId: '::1', peers: [{}] } },
        ],
        ['bgp.asn', 'bgp.routerId', 'bgp.peers[0].address', 'bgp.peers[0].asn'],
      ],
      [['POST', `/epic-nodes/${name}/drain`, env.adminKey, { draining: 'yes' }], ['draining']],
      [['PUT', `/epic-nodes/${name}`, token, { addresses: [] }], ['addresses']],
      [['PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.1', '192.0.2.1'] }], ['addresses']],
      [['PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.1\u0000'] }], ['addresses[0]']],
      [['PUT', `/epic-nodes/${name}/proxies`, token, { proxies: {} }], ['proxies']],
      [
        [
          'PUT',
          `/epic-nodes/${name}/proxies`,
          token,
          { proxies: [{ gatewayId: 'x', podName: 'P', vethIfindex: '3', ready: 1, ackedVersion: -1 }] },
        ],
        [
          'proxies[0].gatewayId',
          'proxies[0].podName',
          'proxies[0].vethIfindex',
          'proxies[0].ready',
          'proxies[0].ackedVersion',
        ],
      ],
      [
        [
          'PUT',
          `/epic-nodes/${name}/proxies`,
          token,
          {
            proxies: [
              proxy('00000000-0000-4000-8000-000000000001', 'p'),
              proxy('00000000-0000-4000-8000-000000000001', 'p'),
            ],
          },
        ],
        ['proxies'],
      ],
      [['GET', `/epic-nodes/Bad_Name`, env.adminKey], ['name']],
    ];
    for (const [args, fields] of cases) {
      const r = await call(...args);
      expect(r.status, `${args[0]} ${args[1]} ${JSON.stringify(args[3])}: ${r.raw}`).toBe(400);
      expect(refusedFields(r).sort(), `${args[1]} ${JSON.stringify(args[3])}`).toEqual([...fields].sort());
    }
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });
});

describe('tunnel keys are sealed at rest', () => {
  it('the start-up step seals plain-hex keys once and leaves sealed ones alone', async () => {
    const g = await tenantGateway('seal');
    const { name } = await createNode();
    const node = await env.db.epicNode.findUniqueOrThrow({ where: { name } });
    const secretKey = Buffer.alloc(32, 7);
    const plain = 'cd'.repeat(32);
    const alreadySealed = seal(secretKey, 'ef'.repeat(32));
    await env.db.tunnel.createMany({
      data: [
        {
          tunnelId: 9001,
          gatewayId: g.gatewayId,
          epicNodeId: node.id,
          clientNode: 'w1',
          localAddress: '192.0.2.1',
          key: plain,
        },
        {
          tunnelId: 9002,
          gatewayId: g.gatewayId,
          epicNodeId: node.id,
          clientNode: 'w2',
          localAddress: '192.0.2.1',
          key: alreadySealed,
        },
      ],
    });
    expect(await sealPlainTunnelKeys(env.db, secretKey)).toBeGreaterThanOrEqual(1);
    const rows = await env.db.tunnel.findMany({
      where: { tunnelId: { in: [9001, 9002] } },
      orderBy: { tunnelId: 'asc' },
    });
    expect(rows.every((r) => r.key.startsWith('v1.'))).toBe(true);
    expect(rows[0]!.key).not.toContain(plain);
    expect(open(secretKey, rows[0]!.key)).toBe(plain);
    expect(rows[1]!.key).toBe(alreadySealed);
    expect(openTunnelKey(secretKey, rows[1]!.key)).toBe('ef'.repeat(32));
    expect(await sealPlainTunnelKeys(env.db, secretKey)).toBe(0);
  });
});
