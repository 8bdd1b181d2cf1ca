// `npm run bench -- gue`: the GUE tunnel against plain routing and kernel VXLAN, in the same namespaces and
// the same run. Throughput with iperf3 (both directions), request/response latency and new connections per
// second with a Node client in the proxy namespace. Figures go to stdout and bench/results/gue.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IPPROTO_TCP, toHex } from '@epic/gue-wire';
import { TunnelManager } from '../packages/tunnel-manager/src/tunnel-manager.js';
import {
  bpfObject,
  bpfUnavailableReason,
  buildBpf,
  repoRoot,
} from '../packages/tunnel-manager/src/test-support/bpf-env.js';
import type { LineProcess } from '../packages/tunnel-manager/src/test-support/proc.js';
import { ADDR, Topology } from '../packages/tunnel-manager/src/test-support/topology.js';

const SECONDS = Number(process.env.GUE_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.GUE_BENCH_ROUNDS ?? 6);
const TUNNEL = 9001;
const log = (m: string): void => console.log(`[gue bench] ${m}`);

interface Path {
  name: 'plain' | 'gue' | 'vxlan';
  /** Source address in the proxy namespace: selects the path. */
  from: string;
  to: string;
  iperfPort: number;
  echoPort: number;
}

const paths: Path[] = [
  { name: 'plain', from: ADDR.proxyPlain, to: ADDR.pod, iperfPort: 5202, echoPort: 8082 },
  { name: 'gue', from: ADDR.proxy, to: ADDR.pod, iperfPort: 5201, echoPort: 8081 },
  { name: 'vxlan', from: ADDR.proxyVxlan, to: ADDR.podVxlan, iperfPort: 5202, echoPort: 8082 },
];

function setupVxlan(topo: Topology): boolean {
  const { epic, workload, pod } = topo.ns;
  try {
    topo.sh(
      epic,
      'ip',
      'link',
      'add',
      'vx0',
      'type',
      'vxlan',
      'id',
      '42',
      'local',
      ADDR.epic,
      'remote',
      ADDR.workload,
      'dstport',
      '4789',
      'nolearning',
      'dev',
      'eth0',
    );
  } catch (e) {
    log(`kernel VXLAN unavailable: ${(e as Error).message}`);
    return false;
  }
  topo.sh(epic, 'ip', 'addr', 'add', '10.99.0.1/30', 'dev', 'vx0');
  topo.sh(epic, 'ip', 'link', 'set', 'vx0', 'up');
  topo.sh(epic, 'ip', 'route', 'add', '10.245.0.0/16', 'via', '10.99.0.2', 'dev', 'vx0');
  topo.sh(
    workload,
    'ip',
    'link',
    'add',
    'vx0',
    'type',
    'vxlan',
    'id',
    '42',
    'local',
    ADDR.workload,
    'remote',
    ADDR.epic,
    'dstport',
    '4789',
    'nolearning',
    'dev',
    'eth0',
  );
  topo.sh(workload, 'ip', 'addr', 'add', '10.99.0.2/30', 'dev', 'vx0');
  topo.sh(workload, 'ip', 'link', 'set', 'vx0', 'up');
  topo.sh(workload, 'ip', 'route', 'add', `${ADDR.proxyVxlan}/32`, 'via', '10.99.0.1', 'dev', 'vx0');
  topo.sh(workload, 'ip', 'route', 'add', `${ADDR.podVxlan}/32`, 'dev', 'vpod');
  topo.sh(pod, 'ip', 'addr', 'add', `${ADDR.podVxlan}/32`, 'dev', 'eth0');
  return true;
}

/** Bytes and packets the NAT box forwarded on its public side: shows whether GSO super-packets survive. */
function natCounters(topo: Topology, ns = topo.ns.nat, dev = 'pub'): { bytes: number; packets: number } {
  const [link] = JSON.parse(topo.sh(ns, 'ip', '-j', '-s', 'link', 'show', dev)) as Array<{
    stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } };
  }>;
  const s = link!.stats64;
  return { bytes: s.rx.bytes + s.tx.bytes, packets: s.rx.packets + s.tx.packets };
}

function iperf(topo: Topology, p: Path, reverse: boolean): number {
  const before = natCounters(topo);
  const podBefore = natCounters(topo, topo.ns.pod, 'eth0');
  const args = [
    '-c',
    p.to,
    '-p',
    String(p.iperfPort),
    '-B',
    p.from,
    '-t',
    String(SECONDS),
    '-J',
    ...(reverse ? ['-R'] : []),
  ];
  const out = JSON.parse(topo.sh(topo.ns.proxy, 'iperf3', ...args)) as {
    end: { sum_received: { bits_per_second: number } };
  };
  const after = natCounters(topo);
  const podAfter = natCounters(topo, topo.ns.pod, 'eth0');
  const avg = (after.bytes - before.bytes) / Math.max(1, after.packets - before.packets);
  const podAvg = (podAfter.bytes - podBefore.bytes) / Math.max(1, podAfter.packets - podBefore.packets);
  log(
    `${p.name}: average packet on the NAT's public link ${avg.toFixed(0)} bytes, on the pod's link ${podAvg.toFixed(0)} bytes`,
  );
  return out.end.sum_received.bits_per_second / 1e9;
}

async function main(): Promise<void> {
  const unavailable = bpfUnavailableReason();
  if (unavailable) throw new Error(`cannot run: ${unavailable}`);
  buildBpf();
  const suffix = `bench-${process.pid}`;
  const topo = new Topology(suffix);
  const managers: Array<[TunnelManager, string[]]> = [];
  const key = toHex(randomBytes(32));
  const cleanup = async (): Promise<void> => {
    for (const [m, veths] of managers.splice(0)) await m.uninstall(veths).catch(() => undefined);
    await topo.destroy();
    log('namespaces removed');
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void cleanup().then(() => process.exit(130));
    });
  }
  try {
    log('building namespaces');
    topo.create();
    const vxlan = setupVxlan(topo);
    topo.sh(topo.ns.proxy, 'sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1');
    const pod = topo.spawnTs(topo.ns.pod, 'pod-server.ts', ['8080', '8081', '8082']);
    await pod.waitLine((l) => l === 'ready');
    for (const port of [5201, 5202]) topo.spawn(topo.ns.pod, ['iperf3', '-s', '-p', String(port)]);

    const mark = topo.ifindex(topo.ns.epic, 'vproxy');
    const services = [8081, 5201].map((podPort) => ({
      podAddr: ADDR.pod,
      podPort,
      proto: IPPROTO_TCP,
      mark,
      tunnelId: TUNNEL,
    }));
    const stateDir = (n: string): string => join(topo.dir, n);
    const epicMgr = new TunnelManager({
      instance: `epic-${suffix}`,
      role: 'epic',
      nic: 'eth0',
      netns: topo.ns.epic,
      object: bpfObject,
      stateDir: stateDir('epic'),
    });
    const wlMgr = new TunnelManager({
      instance: `wl-${suffix}`,
      role: 'workload',
      nic: 'eth0',
      netns: topo.ns.workload,
      object: bpfObject,
      stateDir: stateDir('wl'),
    });
    managers.push([epicMgr, ['vproxy']], [wlMgr, []]);
    await epicMgr.reconcileEpic({
      localAddr: ADDR.epic,
      tunnelIds: [TUNNEL],
      envoyVeths: ['vproxy'],
      services,
    });
    await wlMgr.reconcileWorkload({
      localAddr: ADDR.workload,
      tunnels: [{ id: TUNNEL, epicAddr: ADDR.epic }],
    });
    const agentCfg = (mode: 'epic' | 'workload'): string => {
      const file = join(topo.dir, `${mode}.json`);
      const cfg =
        mode === 'epic'
          ? {
              instance: `epic-${suffix}`,
              nic: 'eth0',
              object: bpfObject,
              stateDir: stateDir('epic'),
              localAddr: ADDR.epic,
              tunnels: [{ id: TUNNEL, keyHex: key }],
              envoyVeths: ['vproxy'],
              services,
            }
          : {
              instance: `wl-${suffix}`,
              nic: 'eth0',
              object: bpfObject,
              stateDir: stateDir('wl'),
              localAddr: ADDR.workload,
              tunnels: [{ id: TUNNEL, keyHex: key, epicAddr: ADDR.epic }],
            };
      writeFileSync(file, JSON.stringify(cfg));
      return file;
    };
    const epicAgent = topo.spawnTs(topo.ns.epic, 'agent-main.ts', ['epic', agentCfg('epic')]);
    topo.spawnTs(topo.ns.workload, 'agent-main.ts', ['workload', agentCfg('workload')]);
    await epicAgent.waitLine((l) => l.includes('"learned"'), 30000);
    log('tunnel up (remote learned from a keep-alive)');
    const proxy: LineProcess = topo.spawnTs(topo.ns.proxy, 'driver.ts', []);
    await proxy.waitLine((l) => l.includes('ready'));
    await new Promise((r) => setTimeout(r, 500)); // let the iperf3 servers bind

    // The machine is shared: paths are interleaved round by round and each figure is the median of its rounds.
    const samples: Record<string, Record<string, number[]>> = {};
    const add = (path: string, metric: string, v: number): void => {
      ((samples[path] ??= {})[metric] ??= []).push(v);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const p of paths) {
        if (p.name === 'vxlan' && !vxlan) continue;
        log(`round ${round}/${ROUNDS} ${p.name}: iperf3 ${SECONDS}s each way`);
        add(p.name, 'gbpsToPod', iperf(topo, p, false));
        add(p.name, 'gbpsFromPod', iperf(topo, p, true));
        log(`round ${round}/${ROUNDS} ${p.name}: request/response latency, new connections`);
        await proxy.call({ op: 'rr', host: p.to, port: p.echoPort, localAddress: p.from, count: 2000 }); // warm-up
        const rr = await proxy.call<{ p50: number; p99: number }>(
          { op: 'rr', host: p.to, port: p.echoPort, localAddress: p.from, count: 10000 },
          120000,
        );
        add(p.name, 'rrP50us', rr.p50);
        add(p.name, 'rrP99us', rr.p99);
        const cps = await proxy.call<{ perSecond: number; errors: number }>(
          { op: 'cps', host: p.to, port: p.echoPort, localAddress: p.from, seconds: 2, concurrency: 8 },
          120000,
        );
        add(p.name, 'connPerSecond', cps.perSecond);
        add(p.name, 'connErrors', cps.errors);
      }
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2
        ? (s[(s.length - 1) / 2] as number)
        : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
    };
    const results: Record<string, Record<string, number>> = Object.fromEntries(
      Object.entries(samples).map(([path, m]) => [
        path,
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)])),
      ]),
    );
    // Best of the rounds approximates the uncontended figure (throughput and connections: max; latency: min).
    const best = (k: string, xs: number[]): number =>
      k.startsWith('rr') || k === 'connErrors' ? Math.min(...xs) : Math.max(...xs);
    const bestResults: Record<string, Record<string, number>> = Object.fromEntries(
      Object.entries(samples).map(([path, m]) => [
        path,
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, best(k, v)])),
      ]),
    );
    const counters = await epicMgr.counters();
    const ratios = (r: Record<string, Record<string, number>>): Record<string, number | null> => {
      const plain = r.plain!;
      const gue = r.gue!;
      const vx = r.vxlan;
      return {
        gueVsPlainToPod: gue.gbpsToPod! / plain.gbpsToPod!,
        gueVsPlainFromPod: gue.gbpsFromPod! / plain.gbpsFromPod!,
        gueVsVxlanToPod: vx ? gue.gbpsToPod! / vx.gbpsToPod! : null,
        gueVsVxlanFromPod: vx ? gue.gbpsFromPod! / vx.gbpsFromPod! : null,
        rrP50AddedUs: gue.rrP50us! - plain.rrP50us!,
        cpsVsPlain: gue.connPerSecond! / plain.connPerSecond!,
      };
    };
    const summary = {
      seconds: SECONDS,
      rounds: ROUNDS,
      median: results,
      best: bestResults,
      ratiosMedian: ratios(results),
      ratiosBest: ratios(bestResults),
      samples,
      epicCounters: Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, Number(v)])),
      vxlanAvailable: vxlan,
    };
    console.log(JSON.stringify(summary, null, 2));
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench/results/gue.json'), JSON.stringify(summary, null, 2) + '\n');
  } finally {
    await cleanup();
  }
}

await main();
