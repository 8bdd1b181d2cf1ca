import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../../api/src/db/embedded-postgres.js';
import { freePort, startApiProcess, type ApiProcess } from '../../../api/src/test-support/api-process.js';
import { planNode } from './reconcile.js';
import { createNodeApiClient, NodeApiError, NodeApiUnavailableError } from './api-client.js';

// The node agent's API client against a real EPIC API process (its own PostgreSQL): registration, desired
// state, proxy reports, refusals as NodeApiError with the API's code and fields, an API that stalls or is
// away as NodeApiUnavailableError within the deadline, and a plain-hex tunnel key sealed by the API's
// start-up yet served to its node in hex.

let dataDir: string;
let db: EmbeddedDatabase;
let api: ApiProcess;
let apiEnv: Record<string, string>;
let port: number;
let apiUrl: string;
let adminKey: string;
let demoKey: string;
const nodeName = 'epic-it-1.nodes.example';
let token: string;

async function startApi() {
  api = startApiProcess(apiEnv);
  await api.ready(port);
}
async function stopApi() {
  if (api && api.child.exitCode === null) {
    api.child.kill('SIGTERM');
    await api.exited;
  }
}
async function restCall(method: string, path: string, key: string, body?: unknown) {
  const r = await fetch(`${apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'epic-node-api-it-'));
  db = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'pg'),
    port: await freePort(),
    persistent: false,
  });
  port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  apiEnv = {
    PORT: String(port),
    DATABASE_URL: db.url('epic'),
    EPIC_DATA_DIR: join(dataDir, 'api'),
    XDS_PORT: String(await freePort()),
    SEED_DEMO: 'true',
    LOG_LEVEL: 'warn',
  };
  await startApi();
  adminKey = /Platform admin key:\s+(\S+)/.exec(api.output())![1]!;
  demoKey = /Demo account key:\s+(\S+)/.exec(api.output())![1]!;
  token = (await restCall('POST', '/epic-nodes', adminKey, { name: nodeName })).token;
});

afterAll(async () => {
  await stopApi();
  await db?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the EPIC node API client', () => {
  it('registers the node and reads its record back', async () => {
    const client = createNodeApiClient({ apiUrl, node: nodeName, token });
    const rec = await client.register({
      addresses: ['198.51.100.7'],
      bgp: { asn: 65010, routerId: '198.51.100.7', peers: [{ address: '198.51.100.1', asn: 65000 }] },
    });
    expect(rec).toMatchObject({
      name: nodeName,
      addresses: ['198.51.100.7'],
      bgp: { asn: 65010, routerId: '198.51.100.7', peers: [{ address: '198.51.100.1', asn: 65000 }] },
      draining: false,
    });
    expect(Date.parse(rec.createdAt)).not.toBeNaN();
  });

  it('reports proxies and reads the desired state they make', async () => {
    const client = createNodeApiClient({ apiUrl, node: nodeName, token });
    const gw = await restCall('POST', '/gateways', demoKey, {
      name: 'node-it',
      template: 'default',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    expect(await client.desired()).toEqual({ node: nodeName, draining: false, gateways: [] });
    await client.report({
      proxies: [{ gatewayId: gw.id, podName: 'envoy-0', vethIfindex: 9, ready: true, ackedVersion: null }],
    });
    const d = await client.desired();
    expect(d.gateways).toHaveLength(1);
    expect(d.gateways[0]).toMatchObject({
      gatewayId: gw.id,
      addresses: [gw.address],
      advertise: [{ prefix: `${gw.address}/32` }],
      ports: [{ port: 80, protocol: 'TCP' }],
      tunnels: [],
    });
    const seen = await restCall('GET', `/gateways/${gw.id}/proxies`, demoKey);
    expect(seen.items).toEqual([
      expect.objectContaining({ podName: 'envoy-0', node: nodeName, ready: true }),
    ]);
    // The tick's single round trip: the report, then the desired state it makes, in one answer.
    const synced = await client.sync({
      proxies: [{ gatewayId: gw.id, podName: 'envoy-1', vethIfindex: 10, ready: false, ackedVersion: null }],
    });
    expect(synced).toEqual(await client.desired());
    expect(synced.gateways.map((g) => g.gatewayId)).toEqual([gw.id]);
    const after = await restCall('GET', `/gateways/${gw.id}/proxies`, demoKey);
    expect(after.items).toEqual([
      expect.objectContaining({ podName: 'envoy-1', node: nodeName, ready: false }),
    ]);
  });

  it("per-proxy ACKs: one node's proxy ACKed, another node's did not → only the first node advertises", async () => {
    // Two nodes of their own (the first node's report is what a later case reads).
    const node = async (name: string) =>
      createNodeApiClient({
        apiUrl,
        node: name,
        token: (await restCall('POST', '/epic-nodes', adminKey, { name })).token,
      });
    const first = await node('epic-it-2.nodes.example');
    const other = await node('epic-it-3.nodes.example');
    const gw = await restCall('POST', '/gateways', demoKey, {
      name: 'acks-it',
      template: 'default',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    // Both nodes see their pod ready (the pod observer: it knows no ACK).
    const mine = {
      gatewayId: gw.id,
      podName: 'envoy-acks-a',
      vethIfindex: null,
      ready: true,
      ackedVersion: null,
    };
    const theirs = { ...mine, podName: 'envoy-acks-b' };
    const sql = new pg.Client({ connectionString: db.url('epic') });
    await sql.connect();
    try {
      await first.sync({ proxies: [mine] });
      await other.sync({ proxies: [theirs] });
      // Pod a's stream ACKs the gateway's revision (what the xDS plane records); the gateway's revision is acked.
      await sql.query(
        `UPDATE "ProxyInstance" p SET "xdsAckedVersion" = (SELECT max(version) FROM "ConfigRevision" c WHERE c."gatewayId" = p."gatewayId")
          WHERE p."gatewayId" = $1::uuid AND p."podName" = 'envoy-acks-a'`,
        [gw.id],
      );
      await sql.query(`UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = $1::uuid`, [gw.id]);
    } finally {
      await sql.end();
    }
    const plan = async (client: typeof first, proxies: (typeof mine)[]) => {
      const d = await client.sync({ proxies });
      const p = planNode({ ...d, gateways: d.gateways.filter((g) => g.gatewayId === gw.id) }, proxies);
      return { prefixes: p.prefixes, reason: p.gateways[0]?.reason };
    };
    expect(await plan(first, [mine])).toEqual({ prefixes: [`${gw.address}/32`], reason: 'announced' });
    expect(await plan(other, [theirs])).toEqual({ prefixes: [], reason: 'revision-not-acked' });
    await other.sync({ proxies: [] });
    await first.sync({ proxies: [] });
  });

  it("refusals are NodeApiErrors with the API's code and the fields it named", async () => {
    const other = createNodeApiClient({ apiUrl, node: 'someone-else.nodes.example', token });
    const forbidden = await other.desired().catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(NodeApiError);
    expect(forbidden).toMatchObject({ status: 403, code: 'Forbidden' });
    expect((forbidden as Error).message).toContain(nodeName);

    const client = createNodeApiClient({ apiUrl, node: nodeName, token });
    const bad = await client
      .report({
        proxies: [{ gatewayId: 'x', podName: 'envoy-0', vethIfindex: null, ready: true, ackedVersion: -1 }],
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(NodeApiError);
    expect((bad as NodeApiError).issues.map((i) => i.path).sort()).toEqual([
      'proxies[0].ackedVersion',
      'proxies[0].gatewayId',
    ]);

    const wrongToken = createNodeApiClient({ apiUrl, node: nodeName, token: `${token.slice(0, -4)}AAAA` });
    await expect(wrongToken.desired()).rejects.toMatchObject({ status: 401, code: 'Unauthorized' });
  });

  it('an API that accepts and never answers is NodeApiUnavailableError within the deadline', async () => {
    const sockets: net.Socket[] = [];
    const stall = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    try {
      const { port: p } = stall.address() as net.AddressInfo;
      const client = createNodeApiClient({
        apiUrl: `http://127.0.0.1:${p}`,
        node: nodeName,
        token,
        timeoutMs: 300,
      });
      const started = Date.now();
      const e = await client.desired().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NodeApiUnavailableError);
      expect((e as Error).message).toMatch(/no answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => stall.close(r));
    }
  });

  it('an API that is not listening is NodeApiUnavailableError naming the host', async () => {
    const p = await freePort();
    const client = createNodeApiClient({ apiUrl: `http://127.0.0.1:${p}`, node: nodeName, token });
    const e = await client.register({ addresses: ['192.0.2.1'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NodeApiUnavailableError);
    expect((e as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${p}.*ECONNREFUSED`));
  });

  it('a tunnel key stored in plain hex is sealed by the next API start and still reaches its node in hex', async () => {
    const client = createNodeApiClient({ apiUrl, node: nodeName, token });
    const gatewayId = (await client.desired()).gateways[0]!.gatewayId;
    const hex = '5a'.repeat(32);
    const sql = new pg.Client({ connectionString: db.url('epic') });
    await sql.connect();
    try {
      await sql.query(
        `INSERT INTO "Tunnel" (id, "tunnelId", "gatewayId", "epicNodeId", "clientNode", "localAddress", key)
         SELECT gen_random_uuid(), 777, $1::uuid, n.id, 'worker-1', '198.51.100.7', $2 FROM "EpicNode" n WHERE n.name = $3`,
        [gatewayId, hex, nodeName],
      );
      await stopApi();
      await startApi();
      const stored = (await sql.query<{ key: string }>('SELECT key FROM "Tunnel" WHERE "tunnelId" = 777'))
        .rows[0]!;
      expect(stored.key.startsWith('v1.')).toBe(true);
      expect(stored.key).not.toContain(hex);
    } finally {
      await sql.end();
    }
    const d = await client.desired();
    expect(d.gateways[0]!.tunnels).toEqual([
      {
        tunnelId: 777,
        clientNode: 'worker-1',
        localAddress: '198.51.100.7',
        localPort: 6080,
        remoteAddress: null,
        remotePort: null,
        key: hex,
      },
    ]);
  });
});
