// `--mode=epic-node`: every interval, observe the local proxies, report them to the API, read what the node
// must program and reconcile. Level-triggered: each tick recomputes everything from the API's answer and the
// live state of gobgpd, nftables and the GUE maps, so a restarted agent converges without memory. When the API
// cannot be reached the node keeps what it has programmed (withdrawing every route because the control plane
// is briefly away would take traffic down for nothing); /healthz then reports the failure.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { DEFAULT_GOBGP_PROTO_DIR, Gobgp } from './bgp.js';
import type {
  NodeBgpSettings,
  NodeDesiredState,
  NodeRegistration,
  ProxyObservation,
  ProxyReport,
} from './contract.js';
import { KubeClient } from '../controller/kube-client.js';
import { Firewall } from './firewall.js';
import { GueProgrammer } from './gue.js';
import { podObserver } from './pod-observer.js';
import { NodeReconciler, type NodeParts, type NodeReconcileResult } from './reconcile.js';

/** Where the node's desired state comes from and where its proxies are reported (the API client). */
export interface NodeSource {
  desired(): Promise<NodeDesiredState>;
  report(p: ProxyReport): Promise<void>;
  /** Both in one exchange, when the source can (one round trip per tick). */
  sync?(p: ProxyReport): Promise<NodeDesiredState>;
  register?(r: NodeRegistration): Promise<unknown>;
}

/** How the agent sees the Envoys on its node. */
export interface ProxyObserver {
  observe(): Promise<ProxyObservation[]>;
}

/** Reads the proxies from a JSON file (`ProxyObservation[]`) kept up to date by the node's pod watcher. */
export function fileObserver(path: string): ProxyObserver {
  return {
    async observe() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as ProxyObservation[];
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    },
  };
}

export class NodeMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'epic_node_reconciles_total',
    help: 'Reconciles of the EPIC node, by result (ok, partial, api_error).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'epic_node_reconcile_duration_seconds',
    help: 'Time of one observe-report-read-program round.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly gateways = new Gauge({
    name: 'epic_node_gateways',
    help: 'Gateways placed on the node, by whether they are announced.',
    labelNames: ['announced'],
    registers: [this.registry],
  });
  readonly prefixes = new Gauge({
    name: 'epic_node_announced_prefixes',
    help: 'Prefixes the node asks gobgpd to originate.',
    registers: [this.registry],
  });
  readonly proxies = new Gauge({
    name: 'epic_node_proxies',
    help: 'Local Envoy proxies, by readiness.',
    labelNames: ['ready'],
    registers: [this.registry],
  });
  readonly partErrors = new Counter({
    name: 'epic_node_part_errors_total',
    help: 'Failures to program one part of the node (bgp, firewall, gue).',
    labelNames: ['part'],
    registers: [this.registry],
  });
}

export interface NodeLoopOptions {
  source: NodeSource;
  observer: ProxyObserver;
  reconciler: Pick<NodeReconciler, 'reconcile'> & Partial<Pick<NodeReconciler, 'readBgp'>>;
  intervalMs: number;
  log: Logger;
  metrics?: NodeMetrics;
}

export class NodeLoop {
  readonly metrics: NodeMetrics;
  /** The last round's outcome, for /healthz. */
  lastError: string | null = 'not reconciled yet';
  lastSuccessAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: NodeLoopOptions) {
    this.metrics = opts.metrics ?? new NodeMetrics();
  }

  /** One round. Never throws: failures are logged, counted and kept for /healthz. */
  async tick(): Promise<NodeReconcileResult | null> {
    const end = this.metrics.duration.startTimer();
    const { source, observer, reconciler, log } = this.opts;
    try {
      const proxies = await observer.observe();
      this.metrics.proxies.set({ ready: 'true' }, proxies.filter((p) => p.ready).length);
      this.metrics.proxies.set({ ready: 'false' }, proxies.filter((p) => !p.ready).length);
      // gobgpd's paths are read while the API answers (one wait, not two in a row).
      const bgpNow = reconciler.readBgp?.();
      let desired: NodeDesiredState;
      try {
        if (source.sync) desired = await source.sync({ proxies });
        else {
          await source.report({ proxies });
          desired = await source.desired();
        }
      } catch (e) {
        this.metrics.reconciles.inc({ result: 'api_error' });
        this.lastError = `api: ${message(e)}`;
        log.warn({ err: message(e) }, 'EPIC API unreachable; keeping what is programmed');
        return null;
      }
      const r = await reconciler.reconcile(desired, proxies, bgpNow);
      const announced = r.plan.gateways.filter((g) => g.announced).length;
      this.metrics.gateways.set({ announced: 'true' }, announced);
      this.metrics.gateways.set({ announced: 'false' }, r.plan.gateways.length - announced);
      this.metrics.prefixes.set(r.plan.prefixes.length);
      for (const e of r.errors) {
        this.metrics.partErrors.inc({ part: e.part });
        log.error({ part: e.part, err: e.message }, 'programming the node failed; retrying next round');
      }
      this.metrics.reconciles.inc({ result: r.errors.length ? 'partial' : 'ok' });
      this.lastError = r.errors.length ? r.errors.map((e) => `${e.part}: ${e.message}`).join('; ') : null;
      if (!r.errors.length) this.lastSuccessAt = Date.now();
      log.debug({ gateways: r.plan.gateways, prefixes: r.plan.prefixes }, 'reconciled');
      return r;
    } catch (e) {
      this.metrics.reconciles.inc({ result: 'partial' });
      this.lastError = message(e);
      log.error({ err: message(e) }, 'reconcile failed');
      return null;
    } finally {
      end();
    }
  }

  /** Healthy when the last round succeeded and it is recent (three intervals). */
  get healthy(): boolean {
    return this.lastError === null && Date.now() - this.lastSuccessAt < 3 * this.opts.intervalMs + 1_000;
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** /healthz (the last round succeeded recently) and /metrics (Prometheus). */
export function healthServer(loop: NodeLoop): Server {
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      void loop.metrics.registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': loop.metrics.registry.contentType }).end(body);
      });
      return;
    }
    if (req.url === '/healthz') {
      const ok = loop.healthy;
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : `unhealthy: ${loop.lastError ?? 'no recent reconcile'}\n`);
      return;
    }
    res.writeHead(404).end();
  });
}

const peerList = z
  .string()
  .default('')
  .transform((s, ctx) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        // address:asn[:port]; IPv6 peers in brackets: [2001:db8::1]:65000:179
        const m = /^(\[[^\]]+\]|[^:]+):(\d+)(?::(\d+))?$/.exec(p);
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `bad peer ${p} (want address:asn[:port])` });
          return z.NEVER;
        }
        return {
          address: m[1]!.replace(/^\[|\]$/g, ''),
          asn: Number(m[2]),
          ...(m[3] ? { port: Number(m[3]) } : {}),
        };
      }),
  );

/** The node agent's settings, read once from the environment; a bad value stops start-up naming it. */
export const epicNodeEnv = z
  .object({
    EPIC_API_URL: z.url(),
    EPIC_NODE_NAME: z.string().min(1),
    EPIC_NODE_TOKEN: z.string().min(1),
    /** The node's addresses, comma-separated; the first is the GUE tunnel endpoint. */
    EPIC_NODE_ADDRESSES: z.string().min(1),
    /**
     * Where the node's proxies come from: `kubernetes` = the EPIC cluster's fleet pods on this node (readiness from
     * their Ready condition, the veth from the node's route to the pod); `file` = EPIC_PROXIES_FILE.
     */
    EPIC_PROXIES_FROM: z.enum(['file', 'kubernetes']).default('file'),
    EPIC_PROXIES_FILE: z.string().min(1).default('/run/epic/node/proxies.json'),
    /** The EPIC cluster's kubeconfig for EPIC_PROXIES_FROM=kubernetes; in-cluster credentials when unset. */
    EPIC_CLUSTER_KUBECONFIG: z.string().min(1).optional(),
    GOBGP_API: z.string().min(1).default('127.0.0.1:50051'),
    GOBGP_PROTO_DIR: z.string().min(1).default(DEFAULT_GOBGP_PROTO_DIR),
    BGP_ASN: z.coerce.number().int().min(1).max(4_294_967_295).optional(),
    BGP_ROUTER_ID: z.ipv4().optional(),
    BGP_PEERS: peerList,
    FIREWALL: z.enum(['on', 'off']).default('on'),
    GUE_NIC: z.string().optional(),
    GUE_OBJECT: z.string().default('/usr/lib/epic/gue.bpf.o'),
    RECONCILE_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
    HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((v, ctx) => {
    if ((v.BGP_ASN === undefined) !== (v.BGP_ROUTER_ID === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['BGP_ASN'], message: 'BGP_ASN and BGP_ROUTER_ID go together' });
    }
  });

export type EpicNodeConfig = z.infer<typeof epicNodeEnv>;

/**
 * The node credential from EPIC_NODE_TOKEN, or else from EPIC_NODE_TOKEN_DIR/<EPIC_NODE_NAME> (a Secret with one
 * key per node mounted into a DaemonSet: k8s/epic-node).
 */
function withTokenFromDir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dir = env['EPIC_NODE_TOKEN_DIR'];
  const name = env['EPIC_NODE_NAME'];
  if (env['EPIC_NODE_TOKEN'] || !dir || !name || name.includes('/')) return env;
  try {
    return { ...env, EPIC_NODE_TOKEN: readFileSync(join(dir, name), 'utf8').trim() };
  } catch (e) {
    throw new Error(`EPIC_NODE_TOKEN_DIR: no credential for ${name}: ${(e as Error).message}`);
  }
}

export function parseEpicNodeEnv(env: NodeJS.ProcessEnv): EpicNodeConfig {
  const r = epicNodeEnv.safeParse(withTokenFromDir(env));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

export function bgpSettings(cfg: EpicNodeConfig): NodeBgpSettings | null {
  if (cfg.BGP_ASN === undefined || cfg.BGP_ROUTER_ID === undefined) return null;
  return { asn: cfg.BGP_ASN, routerId: cfg.BGP_ROUTER_ID, peers: cfg.BGP_PEERS };
}

/**
 * `--mode=epic-node`. `makeSource` builds the API client (the api-client module beside this file) from the
 * configuration; it is passed in so the run loop does not depend on how the client is written.
 */
export async function runEpicNode(
  makeSource: (cfg: EpicNodeConfig) => NodeSource | Promise<NodeSource>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<() => Promise<void>> {
  const cfg = parseEpicNodeEnv(env);
  const log = pino({ level: cfg.LOG_LEVEL, base: { mode: 'epic-node', node: cfg.EPIC_NODE_NAME } });
  const settings = bgpSettings(cfg);
  const bgp = settings ? new Gobgp({ target: cfg.GOBGP_API, protoDir: cfg.GOBGP_PROTO_DIR }) : undefined;
  const parts: NodeParts = {
    bgp,
    firewall: cfg.FIREWALL === 'on' ? new Firewall() : undefined,
    gue: cfg.GUE_NIC
      ? new GueProgrammer({ instance: cfg.EPIC_NODE_NAME, nic: cfg.GUE_NIC, object: cfg.GUE_OBJECT })
      : undefined,
  };
  const source = await makeSource(cfg);
  const addresses = cfg.EPIC_NODE_ADDRESSES.split(',').map((a) => a.trim());
  if (source.register) {
    await source.register({ addresses, ...(settings ? { bgp: settings } : {}) });
  }
  const loop = new NodeLoop({
    source,
    observer: await proxyObserver(cfg),
    reconciler: new NodeReconciler(parts, settings),
    intervalMs: cfg.RECONCILE_MS,
    log,
  });
  const health = healthServer(loop);
  await new Promise<void>((resolve) => health.listen(cfg.HEALTH_PORT, cfg.HEALTH_HOST, resolve));
  log.info(
    { api: cfg.EPIC_API_URL, bgp: settings !== null, gue: !!cfg.GUE_NIC },
    'starting the EPIC node agent',
  );
  loop.start();
  // Stopping leaves routes, rules and maps as they are: a restarted agent takes over without a flap.
  return async () => {
    await loop.stop();
    bgp?.close();
    await new Promise((r) => health.close(r));
  };
}

/** The observer the configuration names (EPIC_PROXIES_FROM). */
export async function proxyObserver(cfg: EpicNodeConfig): Promise<ProxyObserver> {
  if (cfg.EPIC_PROXIES_FROM === 'file') return fileObserver(cfg.EPIC_PROXIES_FILE);
  // client-node is heavy: loaded only when the pods are read from the cluster.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (cfg.EPIC_CLUSTER_KUBECONFIG) kc.loadFromFile(cfg.EPIC_CLUSTER_KUBECONFIG);
  else kc.loadFromCluster();
  return podObserver({ kube: new KubeClient(kc, { timeoutMs: 10_000 }), node: cfg.EPIC_NODE_NAME });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
