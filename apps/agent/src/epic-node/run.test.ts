import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeDesiredState, ProxyObservation, ProxyReport } from './contract.js';
import { NodeReconciler } from './reconcile.js';
import { bgpSettings, healthServer, NodeLoop, parseEpicNodeEnv, type NodeSource } from './run.js';

const log = pino({ level: 'silent' });
const desired: NodeDesiredState = {
  node: 'n1',
  draining: false,
  gateways: [
    {
      gatewayId: 'a',
      addresses: ['203.0.113.10'],
      advertise: [],
      ports: [{ port: 443, protocol: 'TCP' }],
      revision: 1,
      tunnels: [],
    },
  ],
};
const proxies: ProxyObservation[] = [
  { gatewayId: 'a', podName: 'p', vethIfindex: null, ready: true, ackedVersion: 1 },
];

function setup(source: NodeSource) {
  const announced: string[][] = [];
  const reconciler = new NodeReconciler(
    {
      bgp: {
        reconcile: async (_s, p) => (
          announced.push([...p]),
          { started: false, peers: { added: 0, removed: 0 }, paths: { added: p.length, removed: 0 } }
        ),
      },
    },
    { asn: 65001, routerId: '10.0.0.1', peers: [] },
  );
  const loop = new NodeLoop({
    source,
    observer: { observe: async () => proxies },
    reconciler,
    intervalMs: 1_000,
    log,
  });
  return { loop, announced };
}

const servers: Array<{ close(cb: () => void): void }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function get(loop: NodeLoop, path: string): Promise<{ status: number; body: string }> {
  const server = healthServer(loop);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('NodeLoop', () => {
  it('reports the observed proxies, then programs what the API asks; healthy afterwards', async () => {
    const reports: ProxyReport[] = [];
    const { loop, announced } = setup({
      desired: async () => desired,
      report: async (r) => void reports.push(r),
    });
    expect((await get(loop, '/healthz')).status).toBe(503);
    await loop.tick();
    expect(reports).toEqual([{ proxies }]);
    expect(announced).toEqual([['203.0.113.10/32']]);
    expect(await get(loop, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const metrics = (await get(loop, '/metrics')).body;
    expect(metrics).toMatch(/epic_node_announced_prefixes 1/);
    expect(metrics).toMatch(/epic_node_reconciles_total\{result="ok"\} 1/);
  });

  it('keeps what is programmed when the API cannot be reached, and says so on /healthz', async () => {
    const { loop, announced } = setup({
      desired: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      report: async () => undefined,
    });
    expect(await loop.tick()).toBeNull();
    expect(announced).toEqual([]);
    const h = await get(loop, '/healthz');
    expect(h.status).toBe(503);
    expect(h.body).toMatch(/api: connect ECONNREFUSED/);
  });
});

describe('epic-node configuration', () => {
  const base = {
    EPIC_API_URL: 'https://epic.example/api',
    EPIC_NODE_NAME: 'n1',
    EPIC_NODE_TOKEN: 't',
    EPIC_NODE_ADDRESSES: '198.51.100.1',
  };
  it('parses BGP peers as address:asn[:port], IPv6 in brackets', () => {
    const cfg = parseEpicNodeEnv({
      ...base,
      BGP_ASN: '65001',
      BGP_ROUTER_ID: '198.51.100.1',
      BGP_PEERS: '198.51.100.254:65000, [2001:db8::1]:65000:1179',
    });
    expect(bgpSettings(cfg)).toEqual({
      asn: 65001,
      routerId: '198.51.100.1',
      peers: [
        { address: '198.51.100.254', asn: 65000 },
        { address: '2001:db8::1', asn: 65000, port: 1179 },
      ],
    });
    expect(bgpSettings(parseEpicNodeEnv(base))).toBeNull();
  });
  it('names the variable that is wrong', () => {
    expect(() => parseEpicNodeEnv({ ...base, BGP_PEERS: 'router' })).toThrow(/BGP_PEERS: bad peer router/);
    expect(() => parseEpicNodeEnv({ ...base, BGP_ASN: '65001' })).toThrow(/BGP_ASN: .*together/);
    expect(() => parseEpicNodeEnv({ ...base, EPIC_API_URL: undefined })).toThrow(/EPIC_API_URL/);
  });
});
