import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler } from '../reconciler/reconciler.js';
import {
  createAccount,
  missingId,
  refusedFields,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// EPIC nodes through REST against a real database, each test with its own node: the audit entry of each
// admin operation, and the not-found message and field name of each route.

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);
let n = 0;
const nodeName = () => `edge-${++n}.epic.example`;

/** The audit entries of one node, oldest first, as [action, data]. */
async function trail(id: string) {
  const rows = await env.db.auditEvent.findMany({
    where: { objectId: id, objectKind: 'EpicNode' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((e) => [e.action, e.data]);
}

describe('EPIC node admin operations are audited', () => {
  it('create, drain, undrain and delete each leave an entry naming the node', async () => {
    const name = nodeName();
    const c = await call('POST', '/epic-nodes', env.adminKey, { name });
    expect(c.status, c.raw).toBe(201);
    const id = c.body.node.id as string;
    expect((await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, {})).body.draining).toBe(true);
    expect(
      (await call('POST', `/epic-nodes/${name}/drain`, env.adminKey, { draining: false })).body.draining,
    ).toBe(false);
    expect((await call('DELETE', `/epic-nodes/${name}`, env.adminKey)).status).toBe(204);
    // Entries of one millisecond have no order between them: compared as a set.
    const entries = await trail(id);
    expect(entries).toHaveLength(4);
    expect(entries).toEqual(
      expect.arrayContaining([
        ['epicNode.create', { name }],
        ['epicNode.drain', { name }],
        ['epicNode.undrain', { name }],
        ['epicNode.delete', { name }],
      ]),
    );
  });
});

describe('EPIC node routes name what is missing or malformed', () => {
  it('an unknown node is 404 with its name, on every admin route', async () => {
    const missing = 'nope.epic.example';
    for (const [method, url, body] of [
      ['GET', `/epic-nodes/${missing}`, undefined],
      ['DELETE', `/epic-nodes/${missing}`, undefined],
      ['POST', `/epic-nodes/${missing}/drain`, {}],
      ['PUT', `/epic-nodes/${missing}`, { addresses: ['192.0.2.1'] }],
    ] as const) {
      const r = await call(method, url, env.adminKey, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(404);
      expect(r.body.message).toBe(`EPIC node "${missing}" not found`);
    }
  });

  it('a malformed name is 400 naming the name, on every route', async () => {
    for (const [method, url, body] of [
      ['GET', '/epic-nodes/Bad_Name', undefined],
      ['DELETE', '/epic-nodes/Bad_Name', undefined],
      ['POST', '/epic-nodes/Bad_Name/drain', {}],
      ['PUT', '/epic-nodes/Bad_Name', { addresses: ['192.0.2.1'] }],
      ['GET', '/epic-nodes/Bad_Name/desired', undefined],
      ['PUT', '/epic-nodes/Bad_Name/proxies', { proxies: [] }],
    ] as const) {
      const r = await call(method, url, env.adminKey, body);
      expect(r.status, `${method} ${url}: ${r.raw}`).toBe(400);
      expect(
        r.body.issues.map((i: { path: string }) => i.path),
        `${method} ${url}`,
      ).toEqual(['name']);
    }
  });
});

describe('EPIC node records', () => {
  it('show bgp only while the node has BGP settings; a registration without them clears them', async () => {
    const name = nodeName();
    const bgp = { asn: 65001, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] };
    const c = await call('POST', '/epic-nodes', env.adminKey, { name, addresses: ['192.0.2.5'], bgp });
    expect(c.status, c.raw).toBe(201);
    expect(c.body.node.bgp).toEqual(bgp);
    const token = c.body.token as string;
    const cleared = await call('PUT', `/epic-nodes/${name}`, token, { addresses: ['192.0.2.5'] });
    expect(cleared.status, cleared.raw).toBe(200);
    expect(cleared.body).not.toHaveProperty('bgp');
    expect((await call('GET', `/epic-nodes/${name}`, env.adminKey)).body).not.toHaveProperty('bgp');
    const plain = await call('POST', '/epic-nodes', env.adminKey, { name: nodeName() });
    expect(plain.body.node).not.toHaveProperty('bgp');
  });
});

/** A gateway of a fresh account with `listeners`, rendered once. */
let pool = 80;
/** The owner key of the account of the last gateway `gatewayWith` made. */
let lastOwnerKey: string | undefined;
async function gatewayWith(listeners: unknown[]) {
  const acct = await createAccount(env, `edge-nodes-${++n}`);
  const k = acct.key;
  expect((await call('POST', '/address-pools', k, { name: 'p', spec: `10.${pool++}.0.0/28` })).status).toBe(
    201,
  );
  const tpl = await call('POST', '/templates', k, {
    name: 't',
    poolName: 'p',
    dnsNameTemplate: '{gateway}.{account}.example.com',
  });
  expect(tpl.status, tpl.raw).toBe(201);
  const gw = await call('POST', '/gateways', k, { name: 'edge', template: 't', listeners });
  expect(gw.status, gw.raw).toBe(201);
  lastOwnerKey = k;
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();
  return gw.body.id as string;
}
let addressNumber = 0;
/** A node of its own address (a provisioner's row names its node by address). */
async function node() {
  const name = nodeName();
  const address = `198.18.0.${++addressNumber}`;
  const c = await call('POST', '/epic-nodes', env.adminKey, { name, addresses: [address] });
  expect(c.status, c.raw).toBe(201);
  const row = await env.db.epicNode.findUniqueOrThrow({ where: { name }, select: { id: true } });
  return { name, token: c.body.token as string, id: row.id, address };
}
const proxy = (gatewayId: string, podName: string, extra: Record<string, unknown> = {}) => ({
  gatewayId,
  podName,
  vethIfindex: 7,
  ready: true,
  ackedVersion: 1,
  ...extra,
});
const http = (name: string, port: number, hostname?: string) => ({
  name,
  port,
  protocol: 'HTTP',
  ...(hostname ? { hostname } : {}),
});

describe('the desired state of a node', () => {
  it('ports: one per port and transport, sorted by port then TCP before UDP', async () => {
    const gw = await gatewayWith([
      http('b', 8080, 'b.example.com'),
      { name: 'dns', port: 53, protocol: 'UDP' },
      http('a', 8080, 'a.example.com'),
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      http('low', 25),
    ]);
    const { name, token } = await node();
    expect(
      (await call('PUT', `/epic-nodes/${name}/proxies`, token, { proxies: [proxy(gw, 'e-1')] })).status,
    ).toBe(204);
    const d = await call('GET', `/epic-nodes/${name}/desired`, token);
    expect(d.status, d.raw).toBe(200);
    expect(d.body.gateways[0].ports).toEqual([
      { port: 25, protocol: 'TCP' },
      { port: 53, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
      { port: 8080, protocol: 'TCP' },
    ]);
  });

  it("tunnels: each gateway shows its own, in tunnel id order; another node's are not shown", async () => {
    const g1 = await gatewayWith([http('h', 80)]);
    const g2 = await gatewayWith([http('h', 80)]);
    const a = await node();
    const b = await node();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(g1, 'e-1'), proxy(g2, 'e-2')],
    });
    await call('PUT', `/epic-nodes/${b.name}/proxies`, b.token, { proxies: [proxy(g1, 'e-3')] });
    const base = 700_000 + n * 10;
    const tunnel = (tunnelId: number, gatewayId: string, epicNodeId: string) => ({
      tunnelId,
      gatewayId,
      epicNodeId,
      clientNode: `worker-${tunnelId}`,
      localAddress: '198.18.1.1',
      key: 'cd'.repeat(32),
    });
    await env.db.tunnel.createMany({
      data: [
        tunnel(base + 3, g1, a.id),
        tunnel(base + 1, g1, a.id),
        tunnel(base + 2, g2, a.id),
        tunnel(base + 4, g1, b.id),
      ],
    });
    const d = (await call('GET', `/epic-nodes/${a.name}/desired`, a.token)).body;
    const byGateway = Object.fromEntries(
      (d.gateways as { gatewayId: string; tunnels: { tunnelId: number; key: string }[] }[]).map((g) => [
        g.gatewayId,
        g.tunnels.map((t) => t.tunnelId),
      ]),
    );
    expect(byGateway).toEqual({ [g1]: [base + 1, base + 3], [g2]: [base + 2] });
    const other = (await call('GET', `/epic-nodes/${b.name}/desired`, b.token)).body;
    expect(
      other.gateways.map((g: { tunnels: { tunnelId: number }[] }) => g.tunnels.map((t) => t.tunnelId)),
    ).toEqual([[base + 4]]);
  });
});

describe("a node's proxy report", () => {
  it('a clash names the index in the report as sent, skipped proxies counted; nothing is written', async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    const b = await node();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies: [proxy(gw, 'taken')] });
    const r = await call('PUT', `/epic-nodes/${b.name}/proxies`, b.token, {
      proxies: [proxy(missingId, 'gone'), proxy(gw, 'taken'), proxy(gw, 'fresh')],
    });
    expect(r.status, r.raw).toBe(409);
    expect(refusedFields(r)).toEqual(['proxies[1].podName']);
    expect(r.body.message).toBe('proxies[1].podName: the pod is recorded on another EPIC node');
    expect(r.body.issues).toEqual([
      expect.objectContaining({
        path: 'proxies[1].podName',
        message: 'the pod is recorded on another EPIC node',
      }),
    ]);
    expect(await env.db.proxyInstance.count({ where: { gatewayId: gw, podName: 'fresh' } })).toBe(0);
  });

  it('an omitted pod the provisioner sees keeps its row without the node; one it does not see goes', async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(gw, 'seen'), proxy(gw, 'unseen'), proxy(gw, 'stays')],
    });
    await env.db.proxyInstance.updateMany({
      where: { gatewayId: gw, podName: 'seen' },
      data: { podReady: true },
    });
    const r = await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies: [proxy(gw, 'stays')] });
    expect(r.status, r.raw).toBe(204);
    const rows = await env.db.proxyInstance.findMany({
      where: { gatewayId: gw },
      orderBy: { podName: 'asc' },
    });
    expect(
      rows.map((x) => [x.podName, x.epicNodeId, x.vethIfindex, x.ready, x.ackedVersion, x.podReady]),
    ).toEqual([
      ['seen', null, null, false, null, true],
      ['stays', a.id, 7, true, 1, null],
    ]);
  });

  it('a new veth index alone is written but queues no reconcile; a readiness change queues one', async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    const put = (extra: Record<string, unknown>) =>
      call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies: [proxy(gw, 'e-1', extra)] });
    const queued = async () =>
      (
        await env.db.$pool.query(
          'SELECT count(*)::int AS n FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid',
          [gw],
        )
      ).rows[0].n as number;
    const clear = () =>
      env.db.$pool.query('DELETE FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid', [gw]);
    expect((await put({})).status).toBe(204);
    await clear();
    expect((await put({ vethIfindex: 9 })).status).toBe(204);
    const row = await env.db.proxyInstance.findFirstOrThrow({ where: { gatewayId: gw, podName: 'e-1' } });
    expect(row.vethIfindex).toBe(9);
    expect(await queued()).toBe(0);
    expect((await put({ vethIfindex: 9, ready: false })).status).toBe(204);
    expect(await queued()).toBeGreaterThan(0);
  });
});

describe('a proxy report, further', () => {
  it("a row the provisioner wrote becomes the node's even when the report matches its columns", async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    await env.db.proxyInstance.create({
      data: { gatewayId: gw, podName: 'prov', nodeAddress: '192.0.2.50' },
    });
    const r = await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(gw, 'prov', { vethIfindex: null, ready: false, ackedVersion: null })],
    });
    expect(r.status, r.raw).toBe(204);
    const row = await env.db.proxyInstance.findFirstOrThrow({ where: { gatewayId: gw, podName: 'prov' } });
    expect(row.epicNodeId).toBe(a.id);
    const seen = await call('GET', `/epic-nodes/${a.name}/desired`, a.token);
    expect(seen.body.gateways.map((g: { gatewayId: string }) => g.gatewayId)).toEqual([gw]);
  });

  it('a report that changes nothing leaves the rows as they were (their updatedAt too)', async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    const put = () => call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, { proxies: [proxy(gw, 'e-1')] });
    expect((await put()).status).toBe(204);
    const first = await env.db.proxyInstance.findFirstOrThrow({ where: { gatewayId: gw, podName: 'e-1' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await put()).status).toBe(204);
    const again = await env.db.proxyInstance.findFirstOrThrow({ where: { gatewayId: gw, podName: 'e-1' } });
    expect(again.updatedAt).toEqual(first.updatedAt);
  });

  it('POST …/sync is the report and then the desired state, in one call', async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    const r = await call('POST', `/epic-nodes/${a.name}/sync`, a.token, { proxies: [proxy(gw, 'e-1')] });
    expect(r.status, r.raw).toBe(200);
    expect(r.body).toMatchObject({ node: a.name, draining: false });
    expect(
      r.body.gateways.map((g: { gatewayId: string; proxyAcks: unknown[] }) => [g.gatewayId, g.proxyAcks]),
    ).toEqual([[gw, [{ podName: 'e-1', revision: null }]]]);
    const cleared = await call('POST', `/epic-nodes/${a.name}/sync`, a.token, { proxies: [] });
    expect(cleared.body.gateways).toEqual([]);
  });
});

describe('deleting a node', () => {
  it("removes its own proxy rows, keeps those the provisioner sees without the node, and leaves other nodes' rows", async () => {
    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    const b = await node();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(gw, 'a-1'), proxy(gw, 'a-seen')],
    });
    await call('PUT', `/epic-nodes/${b.name}/proxies`, b.token, {
      proxies: [proxy(gw, 'b-1'), proxy(gw, 'b-seen')],
    });
    await env.db.proxyInstance.updateMany({
      where: { gatewayId: gw, podName: { in: ['a-seen', 'b-seen'] } },
      data: { podReady: true },
    });
    expect((await call('DELETE', `/epic-nodes/${a.name}`, env.adminKey)).status).toBe(204);
    const rows = await env.db.proxyInstance.findMany({
      where: { gatewayId: gw },
      orderBy: { podName: 'asc' },
    });
    expect(rows.map((x) => [x.podName, x.epicNodeId, x.vethIfindex, x.ready, x.ackedVersion])).toEqual([
      ['a-seen', null, null, false, null],
      ['b-1', b.id, 7, true, 1],
      ['b-seen', b.id, 7, true, 1],
    ]);
  });
});

describe('admin views of nodes', () => {
  it('a second node of one name is a 409 naming it; the list is ordered by name', async () => {
    const suffix = `${++n}.epic.example`;
    for (const name of [`zz-${suffix}`, `aa-${suffix}`]) {
      expect((await call('POST', '/epic-nodes', env.adminKey, { name })).status).toBe(201);
    }
    const again = await call('POST', '/epic-nodes', env.adminKey, { name: `aa-${suffix}` });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`EPIC node "aa-${suffix}" already exists`);
    const names = ((await call('GET', '/epic-nodes', env.adminKey)).body.items as { name: string }[])
      .map((x) => x.name)
      .filter((x) => x.endsWith(suffix));
    expect(names).toEqual([`aa-${suffix}`, `zz-${suffix}`]);
  });
});

describe("a tenant's view of its gateway's proxies", () => {
  it('names a malformed or unknown gateway; lists pods by name, a pod no node reported with node null', async () => {
    const acct = await createAccount(env, `edge-nodes-view-${++n}`);
    const bad = await call('GET', '/gateways/not-a-uuid/proxies', acct.key);
    expect(bad.status).toBe(400);
    expect(refusedFields(bad)).toEqual(['id']);
    const missing = await call('GET', `/gateways/${missingId}/proxies`, acct.key);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`gateway "${missingId}" not found`);

    const gw = await gatewayWith([http('h', 80)]);
    const a = await node();
    await call('PUT', `/epic-nodes/${a.name}/proxies`, a.token, {
      proxies: [proxy(gw, 'pod-c'), proxy(gw, 'pod-a')],
    });
    await env.db.proxyInstance.create({
      data: { gatewayId: gw, podName: 'pod-b', nodeAddress: '192.0.2.77' },
    });
    const seen = await call('GET', `/gateways/${gw}/proxies`, lastOwnerKey!);
    expect(seen.status, seen.raw).toBe(200);
    expect(seen.body.items.map((p: { podName: string; node: string | null }) => [p.podName, p.node])).toEqual(
      [
        ['pod-a', a.name],
        ['pod-b', null],
        ['pod-c', a.name],
      ],
    );
  });
});
