// npm run bench -- xds [--samples N]
// Route-programming latency of the xDS server: from setSnapshot (a route change of one gateway) to the ACK of a
// connected @grpc/grpc-js-xds client, with 100, 1,000 and 10,000 gateways loaded in the snapshot cache, and the
// control plane's memory at 10,000 gateways / ~100,000 routes. Standalone (no API/DB in the loop).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CLUSTER, ENDPOINT, type JsonObject, LISTENER, ROUTE } from '@epic/envoy-proto';
import {
  type AckEvent,
  SnapshotCache,
  type SnapshotInput,
  XdsServer,
  trustClaimedNodeId,
} from '@epic/xds-server';
import {
  apiListener,
  edsCluster,
  loadAssignment,
  startBackend,
  stopBackends,
} from '@epic/xds-server/test-support';

const args = process.argv.slice(2);
const SAMPLES = Number(args[args.indexOf('--samples') + 1] || 200);
// Simulated proxies (one ADS stream per gateway, in a separate process) connected from the 1,000-gateway phase on.
const PROXIES = Number(args.includes('--proxies') ? args[args.indexOf('--proxies') + 1] : 999);
const OBSERVED = 'acme.observed';
const CLUSTERS_PER_GATEWAY = 3;

function gatewaySnapshot(
  gateway: string,
  version: string,
  routes: number,
  variant: string,
  ports: number[],
): SnapshotInput {
  const listener = 'shop';
  const rc = `${gateway}-routes`;
  const clusters = Array.from({ length: CLUSTERS_PER_GATEWAY }, (_, i) => `${gateway}-svc-${i}`);
  const routeList: JsonObject[] = Array.from({ length: routes }, (_, i) => ({
    match: {
      prefix: i === routes - 1 ? '/' : `/epic.test.Echo/${i}`,
      headers: i === 0 ? [{ name: 'x-variant', stringMatch: { exact: variant } }] : [],
    },
    route: { cluster: clusters[i % clusters.length]!, timeout: '15s' },
  }));
  return {
    version,
    resources: {
      [LISTENER]: [{ name: listener, resource: apiListener(listener, rc) }],
      [ROUTE]: [
        {
          name: rc,
          resource: { name: rc, virtualHosts: [{ name: 'vh', domains: ['*'], routes: routeList }] },
        },
      ],
      [CLUSTER]: clusters.map((c) => ({ name: c, resource: edsCluster(c) })),
      [ENDPOINT]: clusters.map((c) => ({ name: c, resource: loadAssignment(c, ports) })),
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function memory(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function main(): Promise<void> {
  const backend = await startBackend('observed');
  const cache = new SnapshotCache();
  const server = new XdsServer({ cache, authenticate: trustClaimedNodeId() });
  const port = await server.listen('127.0.0.1:0');
  let routesLoaded = 0;
  let gatewaysLoaded = 0;

  // Fill the fleet (gateways other than the observed one, which keeps 3 routes throughout).
  const fill = (gateways: number, routesPerGateway: number): number => {
    const started = performance.now();
    for (let g = 0; g < gateways - 1; g++) {
      const name = `acct${g % 500}.gw${g}`;
      if (cache.getSnapshot(name) && routesPerGateway === 3) continue;
      cache.setSnapshot(
        name,
        gatewaySnapshot(`gw${g}`, '1', routesPerGateway, 'v0', [10000 + (g % 50000), 20000 + (g % 40000)]),
      );
      if (g % 2000 === 1999) process.stdout.write(`  … ${g + 1} gateways loaded\n`);
    }
    gatewaysLoaded = gateways;
    routesLoaded = (gateways - 1) * routesPerGateway + 3;
    return performance.now() - started;
  };

  let version = 0;
  let observedVariant = 0;
  const acks = new Map<string, (e: AckEvent) => void>();
  server.on('ack', (e) => {
    if (e.nodeId === OBSERVED && e.typeUrl === ROUTE) acks.get(e.version)?.(e);
  });
  const publishObserved = (): { ack: Promise<AckEvent>; setMs: number; started: number } => {
    version += 1;
    observedVariant += 1;
    const v = String(version);
    const ack = new Promise<AckEvent>((resolve) => acks.set(v, resolve));
    const started = performance.now();
    cache.setSnapshot(OBSERVED, gatewaySnapshot('observed', v, 3, `v${observedVariant}`, [backend.port]));
    return { ack, setMs: performance.now() - started, started };
  };

  // The observed gateway and its proxy: the gRPC team's xDS client, bootstrapped as node acme.observed, in its
  // own process like a real proxy (it must not share the control plane's heap and event loop).
  const first = publishObserved();
  const supportDir = createRequire(import.meta.url)
    .resolve('@epic/xds-server/test-support')
    .replace(/index\.ts$/, '');
  const worker = `${supportDir}xds-client-process.ts`;
  const proxy = spawn(process.execPath, ['--import', 'tsx', worker, String(port), OBSERVED, 'shop'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await first.ack;

  const measure = async (label: string): Promise<Record<string, number | string>> => {
    const latencies: number[] = [];
    const setCosts: number[] = [];
    const pushToAck: number[] = [];
    // Wall-clock latency on a shared 2-core machine is noisy; the control plane's own CPU time per change and
    // its event-loop delay say what the server itself costs.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    let cpuStart = process.cpuUsage();
    for (let i = 0; i < SAMPLES + 20; i++) {
      const { ack, setMs, started } = publishObserved();
      const event = await ack;
      const elapsed = performance.now() - started;
      if (i === 19) {
        cpuStart = process.cpuUsage();
        loopDelay.enable();
      }
      if (i >= 20) {
        latencies.push(elapsed);
        setCosts.push(setMs);
        pushToAck.push(event.latencyMs);
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    loopDelay.disable();
    latencies.sort((a, b) => a - b);
    setCosts.sort((a, b) => a - b);
    pushToAck.sort((a, b) => a - b);
    const mem = memory();
    const row = {
      phase: label,
      gateways: gatewaysLoaded,
      routes: routesLoaded,
      samples: latencies.length,
      p50_ms: Number(percentile(latencies, 50).toFixed(2)),
      p99_ms: Number(percentile(latencies, 99).toFixed(2)),
      max_ms: Number(latencies[latencies.length - 1]!.toFixed(2)),
      // setSnapshot includes encoding the gateway's resources and writing the RDS response to the stream.
      setSnapshot_p50_ms: Number(percentile(setCosts, 50).toFixed(3)),
      setSnapshot_p99_ms: Number(percentile(setCosts, 99).toFixed(3)),
      // From the response leaving the server to its ACK: the client's share (decode, validate, apply, ACK).
      pushToAck_p50_ms: Number(percentile(pushToAck, 50).toFixed(2)),
      server_cpu_per_change_ms: Number(((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(2)),
      loop_delay_p99_ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
      rss_mib: Number(mib(mem.rss)),
      heap_mib: Number(mib(mem.heap)),
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return row;
  };

  const rows: Record<string, number | string>[] = [];
  process.stdout.write(
    `xds bench: ${SAMPLES} route changes per phase, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}\n`,
  );
  process.stdout.write(`loading 100 gateways × 3 routes… ${fill(100, 3).toFixed(0)} ms\n`);
  rows.push(await measure('100 gateways'));
  process.stdout.write(`loading 1,000 gateways × 3 routes… ${fill(1000, 3).toFixed(0)} ms\n`);
  let fleet: ReturnType<typeof spawn> | undefined;
  if (PROXIES > 0) {
    const started = performance.now();
    fleet = spawn(
      process.execPath,
      ['--import', 'tsx', `${supportDir}simulated-proxies-process.ts`, String(port), String(PROXIES)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      fleet!.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      fleet!.on('exit', (code) => reject(new Error(`simulated proxies exited with ${code}`)));
    });
    process.stdout.write(
      `  ${server.connectedNodeIds().length} proxies connected and initialised in ${(performance.now() - started).toFixed(0)} ms\n`,
    );
  }
  rows.push(await measure(`1,000 gateways / 3,000 routes, ${PROXIES + 1} proxies`));
  process.stdout.write('loading 10,000 gateways × 10 routes…\n');
  const loadMs = fill(10_000, 10);
  process.stdout.write(
    `  loaded in ${(loadMs / 1000).toFixed(1)} s (${(loadMs / 10_000).toFixed(2)} ms per gateway)\n`,
  );
  rows.push(await measure(`10,000 gateways / 100,000 routes, ${PROXIES + 1} proxies`));

  const small = rows[0]!;
  const big = rows[2]!;
  process.stdout.write(`\nsummary (load average at the end: ${loadavg()[0]!.toFixed(1)})\n`);
  console.table(rows);
  process.stdout.write(
    `p50 ratio 10,000 vs 100 gateways: ${((big.p50_ms as number) / (small.p50_ms as number)).toFixed(2)}; ` +
      `server CPU per change ratio: ${((big.server_cpu_per_change_ms as number) / (small.server_cpu_per_change_ms as number)).toFixed(2)}; ` +
      `RSS at 10,000 gateways: ${big.rss_mib} MiB (target < 1024)\n`,
  );
  proxy.stdin?.end();
  proxy.kill();
  fleet?.stdin?.end();
  fleet?.kill();
  await server.close(500);
  stopBackends([backend]);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
