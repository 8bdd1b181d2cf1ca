import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GUE_PORT,
  IPPROTO_TCP,
  IPPROTO_UDP,
  concatBytes,
  encodeKeepAlive,
  gueDataHeader,
  ipv4Packet,
  toHex,
  udpDatagram,
  type Counters,
} from '@epic/gue-wire';
import { TunnelManager } from './tunnel-manager.js';
import { isBpffs } from './bpffs.js';
import type { EpicNodeConfig, WorkloadNodeConfig } from './agent.js';
import { bpfObject, bpfUnavailableReason, buildBpf } from './test-support/bpf-env.js';
import { blobSha256 } from './test-support/blob.js';
import type { LineProcess } from './test-support/proc.js';
import { ADDR, ADDR6, Topology } from './test-support/topology.js';

// Real traffic through proxy ─ epic-node ─ nat (masquerade) ─ workload-node ─ pod, with the programs
// attached by the tunnel manager and keep-alives sent and verified by agent processes in the namespaces.
const unavailable = bpfUnavailableReason();
if (unavailable) console.warn(`skipping GUE namespace tests: ${unavailable}`);

const SUFFIX = `${process.pid}`;
const TUNNEL = 7001;
const KEY = randomBytes(32);
const INTERVAL_MS = 1000;
const DOWN_AFTER_MS = 3 * INTERVAL_MS;
const HELLO = `http://${ADDR.pod}:8080/hello`;

const topo = new Topology(SUFFIX);
let epicMgr: TunnelManager;
let wlMgr: TunnelManager;
let epicAgent: LineProcess | undefined;
let wlAgent: LineProcess | undefined;
let proxy: LineProcess;
let natBox: LineProcess;
let epicCfg: EpicNodeConfig;
let wlCfg: WorkloadNodeConfig;

type Reply = {
  ok: boolean;
  error?: string;
  status?: number;
  body?: string;
  bytes?: number;
  sha256?: string;
  received?: string[];
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startAgent(mode: 'epic' | 'workload'): Promise<LineProcess> {
  const cfgFile = join(topo.dir, `${mode}.json`);
  writeFileSync(cfgFile, JSON.stringify(mode === 'epic' ? epicCfg : wlCfg));
  const p = topo.spawnTs(mode === 'epic' ? topo.ns.epic : topo.ns.workload, 'agent-main.ts', [mode, cfgFile]);
  await p.waitLine((l) => l.includes('"ready"'), 30000);
  return p;
}

async function remote(): Promise<{ addr: string; port: number; up: boolean; counter: bigint }> {
  const t = (await epicMgr.tunnels()).get(TUNNEL);
  if (!t) throw new Error('tunnel missing');
  return { addr: t.remoteAddr, port: t.remotePort, up: t.up, counter: t.kaCounter };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const diff = (a: Counters, b: Counters, k: keyof Counters): bigint => b[k] - a[k];

describe.skipIf(unavailable !== undefined)('GUE tunnel through a NAT (network namespaces)', () => {
  beforeAll(async () => {
    buildBpf();
    topo.create();
    const pod = topo.spawnTs(topo.ns.pod, 'pod-server.ts', ['8080', '8081', '8082']);
    await pod.waitLine((l) => l === 'ready');
    const mark = topo.ifindex(topo.ns.epic, 'vproxy');
    epicCfg = {
      instance: `epic-${SUFFIX}`,
      nic: 'eth0',
      object: bpfObject,
      stateDir: join(topo.dir, 'epic-state'),
      localAddr: ADDR.epic,
      tunnels: [{ id: TUNNEL, keyHex: toHex(KEY) }],
      envoyVeths: ['vproxy'],
      services: [
        ...[8080, 8081].map((podPort) => ({
          podAddr: ADDR.pod,
          podPort,
          proto: IPPROTO_TCP,
          mark,
          tunnelId: TUNNEL,
        })),
        { podAddr: ADDR6.pod, podPort: 8080, proto: IPPROTO_TCP, mark, tunnelId: TUNNEL },
      ],
      downAfterMs: DOWN_AFTER_MS,
    };
    wlCfg = {
      instance: `wl-${SUFFIX}`,
      nic: 'eth0',
      object: bpfObject,
      stateDir: join(topo.dir, 'wl-state'),
      localAddr: ADDR.workload,
      keepAliveIntervalMs: INTERVAL_MS,
      tunnels: [{ id: TUNNEL, keyHex: toHex(KEY), epicAddr: ADDR.epic }],
    };
    epicMgr = new TunnelManager({
      instance: epicCfg.instance,
      role: 'epic',
      nic: 'eth0',
      netns: topo.ns.epic,
      object: bpfObject,
      stateDir: epicCfg.stateDir,
    });
    wlMgr = new TunnelManager({
      instance: wlCfg.instance,
      role: 'workload',
      nic: 'eth0',
      netns: topo.ns.workload,
      object: bpfObject,
      stateDir: wlCfg.stateDir,
    });
    // The first install runs in this (the host's) mount namespace, so the bpffs outlives agent processes.
    await epicMgr.reconcileEpic({
      localAddr: epicCfg.localAddr,
      tunnelIds: [TUNNEL],
      envoyVeths: epicCfg.envoyVeths,
      services: epicCfg.services,
    });
    await wlMgr.reconcileWorkload({ localAddr: wlCfg.localAddr, tunnels: wlCfg.tunnels });
    epicAgent = await startAgent('epic');
    wlAgent = await startAgent('workload');
    proxy = topo.spawnTs(topo.ns.proxy, 'driver.ts', []);
    natBox = topo.spawnTs(topo.ns.nat, 'driver.ts', []);
    await proxy.waitLine((l) => l.includes('ready'));
    await natBox.waitLine((l) => l.includes('ready'));
  }, 180_000);

  afterAll(async () => {
    await epicMgr?.uninstall(['vproxy']).catch(() => undefined);
    await wlMgr?.uninstall().catch(() => undefined);
    await topo.destroy();
  }, 60_000);

  it('learns the NATed address of the workload node from its keep-alives', async () => {
    await epicAgent!.waitLine((l) => l.includes('"learned"') && l.includes(ADDR.natPublicA), 10000);
    expect(await remote()).toMatchObject({ addr: ADDR.natPublicA, up: true });
  });

  it('carries requests and responses through the tunnel with the proxy address preserved', async () => {
    const before = await epicMgr.counters();
    const r = await proxy.call<Reply>({ op: 'get', url: HELLO });
    const after = await epicMgr.counters();
    expect(r).toMatchObject({ ok: true, status: 200, body: `hello from pod ${ADDR.pod} to ${ADDR.proxy}\n` });
    expect(diff(before, after, 'encap') > 0n && diff(before, after, 'decap') > 0n).toBe(true);
    expect((await wlMgr.returnFlows()).get(ADDR.proxy)).toBe(TUNNEL);
  });

  it('carries IPv6 requests and responses through the same (IPv4) tunnel', async () => {
    const r = await proxy.call<Reply>({ op: 'get', url: `http://[${ADDR6.pod}]:8080/hello` });
    expect(r).toMatchObject({
      ok: true,
      status: 200,
      body: `hello from pod ${ADDR6.pod} to ${ADDR6.proxy}\n`,
    });
    expect((await wlMgr.returnFlows()).get(ADDR6.proxy)).toBe(TUNNEL);
  });

  it('transfers 64 MiB with a matching checksum', async () => {
    const bytes = 64 * 1024 * 1024;
    const r = await proxy.call<Reply>(
      { op: 'get', url: `http://${ADDR.pod}:8080/blob?bytes=${bytes}`, timeoutMs: 60000 },
      90000,
    );
    expect(r).toMatchObject({ ok: true, status: 200, bytes, sha256: blobSha256(bytes) });
  });

  it('clamps the MSS so a pod with a 1500-byte MTU never sends a segment too big for the tunnel', async () => {
    const wl = await wlMgr.counters();
    expect({ clamped: wl.mssClamped > 0n, tooBig: wl.dropTooBig, errors: wl.dropError }).toEqual({
      clamped: true,
      tooBig: 0n,
      errors: 0n,
    });
  });

  it('answers a packet too big for the tunnel with ICMP fragmentation-needed (path MTU learned)', async () => {
    const r = await proxy.call<Reply>({
      op: 'udp-send',
      bind: ADDR.proxy,
      to: ADDR.pod,
      port: 9,
      hex: '00'.repeat(1450),
    });
    expect(r.ok).toBe(true);
    const route = await waitFor(
      'a path MTU on the route to the pod',
      async () => {
        const out = topo.sh(topo.ns.proxy, 'ip', 'route', 'get', ADDR.pod);
        return /mtu 1464/.test(out) ? out : undefined;
      },
      5000,
    );
    expect(route).toMatch(/mtu 1464/);
  });

  it('does not move the tunnel for a keep-alive signed with a wrong key', async () => {
    const before = await remote();
    const forged = encodeKeepAlive(
      { tunnelId: TUNNEL, counter: before.counter + 1_000_000_000n },
      randomBytes(32),
    );
    const from = epicAgent!.lines.length;
    await natBox.call({
      op: 'udp-send',
      bind: ADDR.attacker,
      to: ADDR.epic,
      port: GUE_PORT,
      hex: toHex(forged),
    });
    await epicAgent!.waitLine((l) => l.includes('"bad-tag"') && l.includes(ADDR.attacker), 5000, from);
    expect(await remote()).toMatchObject({ addr: before.addr, port: before.port });
  });

  it('does not move the tunnel for a replayed keep-alive', async () => {
    const before = await remote();
    const replayed = encodeKeepAlive({ tunnelId: TUNNEL, counter: before.counter }, KEY);
    const from = epicAgent!.lines.length;
    await natBox.call({
      op: 'udp-send',
      bind: ADDR.attacker,
      to: ADDR.epic,
      port: GUE_PORT,
      hex: toHex(replayed),
    });
    await epicAgent!.waitLine((l) => l.includes('"replay"') && l.includes(ADDR.attacker), 5000, from);
    expect((await remote()).addr).toBe(before.addr);
  });

  it('drops data packets from any source other than the tunnel remote', async () => {
    await proxy.call({ op: 'udp-listen', port: 9999 });
    const inner = ipv4Packet(
      { src: ADDR.pod, dst: ADDR.proxy, protocol: IPPROTO_UDP },
      udpDatagram(5000, 9999, new TextEncoder().encode('spoofed')),
    );
    const before = await epicMgr.counters();
    await natBox.call({
      op: 'udp-send',
      bind: ADDR.attacker,
      to: ADDR.epic,
      port: GUE_PORT,
      hex: toHex(concatBytes(gueDataHeader(TUNNEL), inner)),
    });
    await sleep(500);
    const after = await epicMgr.counters();
    expect({
      wrongSource: diff(before, after, 'dropWrongSource'),
      received: (await proxy.call<Reply>({ op: 'udp-received' })).received,
    }).toEqual({
      wrongSource: 1n,
      received: [],
    });
  });

  it('recovers within one keep-alive interval after the NAT mapping changes', async () => {
    expect((await proxy.call<Reply>({ op: 'get', url: HELLO })).ok).toBe(true);
    topo.setNat(ADDR.natPublicB);
    topo.flushNatMappings();
    const started = Date.now();
    let r: Reply = { ok: false };
    while (!r.ok && Date.now() - started < 10 * INTERVAL_MS)
      r = await proxy.call<Reply>({ op: 'get', url: HELLO, timeoutMs: 200 });
    const recoveredMs = Date.now() - started;
    console.log(
      `NAT rebinding: traffic recovered after ${recoveredMs} ms (keep-alive interval ${INTERVAL_MS} ms)`,
    );
    expect({ ok: r.ok, remote: (await remote()).addr }).toEqual({ ok: true, remote: ADDR.natPublicB });
    // One interval for the next keep-alive, plus the 200 ms request timeout and the map update.
    expect(recoveredMs).toBeLessThanOrEqual(INTERVAL_MS + 400);
  });

  it('keeps an established TCP connection alive across a restart of both agents', async () => {
    expect(await proxy.call({ op: 'open', host: ADDR.pod, port: 8081 })).toMatchObject({ ok: true });
    expect(await proxy.call({ op: 'echo', text: 'before restart' })).toEqual({ ok: true });
    await epicAgent!.stop();
    await wlAgent!.stop();
    expect(await proxy.call({ op: 'echo', text: 'while stopped' })).toEqual({ ok: true });
    epicAgent = await startAgent('epic');
    wlAgent = await startAgent('workload');
    const reconciled = JSON.parse(await epicAgent.waitLine((l) => l.includes('"reconciled"'))) as {
      result: unknown;
    };
    expect(reconciled.result).toEqual({
      attached: 0,
      tunnels: { added: 0, changed: 0, removed: 0 },
      services: { added: 0, changed: 0, removed: 0 },
      returnFlows: { removed: 0 },
    });
    expect(await proxy.call({ op: 'echo', text: 'after restart' })).toEqual({ ok: true });
  });

  it('marks a tunnel down when keep-alives stop, and up again when they resume', async () => {
    await wlAgent!.stop();
    await waitFor('tunnel down', async () => ((await remote()).up ? undefined : true), DOWN_AFTER_MS + 3000);
    const before = await epicMgr.counters();
    expect((await proxy.call<Reply>({ op: 'get', url: HELLO, timeoutMs: 300 }, 5000)).ok).toBe(false);
    expect(diff(before, await epicMgr.counters(), 'dropTunnelDown') > 0n).toBe(true);
    wlAgent = await startAgent('workload');
    await waitFor('tunnel up', async () => ((await remote()).up ? true : undefined), 3 * INTERVAL_MS);
    expect((await proxy.call<Reply>({ op: 'get', url: HELLO })).ok).toBe(true);
  });

  it('reconciles idempotently and removes services that are no longer desired', async () => {
    const desired = {
      localAddr: epicCfg.localAddr,
      tunnelIds: [TUNNEL],
      envoyVeths: epicCfg.envoyVeths,
      services: epicCfg.services,
    };
    expect(await epicMgr.reconcileEpic(desired)).toMatchObject({
      attached: 0,
      tunnels: { added: 0, changed: 0, removed: 0 },
      services: { added: 0, changed: 0, removed: 0 },
    });
    expect(
      (await epicMgr.reconcileEpic({ ...desired, services: desired.services.filter((_, i) => i !== 1) }))
        .services,
    ).toEqual({ added: 0, changed: 0, removed: 1 });
    expect((await epicMgr.reconcileEpic(desired)).services).toEqual({ added: 1, changed: 0, removed: 0 });
  });

  it('uninstall removes the programs, the qdisc and the pinned maps', async () => {
    await epicAgent!.stop();
    await wlAgent!.stop();
    await epicMgr.uninstall(['vproxy']);
    await wlMgr.uninstall();
    const qdiscs = (ns: string, dev: string): string => topo.sh(ns, 'tc', 'qdisc', 'show', 'dev', dev);
    expect({
      epic: qdiscs(topo.ns.epic, 'eth0'),
      veth: qdiscs(topo.ns.epic, 'vproxy'),
      wl: qdiscs(topo.ns.workload, 'eth0'),
      bpffs: [await isBpffs(epicMgr.bpffs), await isBpffs(wlMgr.bpffs)],
    }).toEqual({
      epic: expect.not.stringContaining('clsact'),
      veth: expect.not.stringContaining('clsact'),
      wl: expect.not.stringContaining('clsact'),
      bpffs: [false, false],
    });
  });
});
