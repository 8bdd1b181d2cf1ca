import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { fleetName, type JsonObject } from '@epic/infra-translator';
import {
  loadInfraInput,
  recordProxies,
  type FleetStatus,
  type Provisioner,
  type ProvisionerCredentials,
} from './fleet.js';

export interface LocalProvisionerOptions extends ProvisionerCredentials {
  log: Logger;
  /** The Envoy binary: a name looked up on PATH, or a path. */
  envoyBinary: string;
  /** PATH to look the binary up on (default: the process's). */
  path?: string;
  requeue: (gatewayIds: string[]) => Promise<void>;
  /** Readiness checks of running Envoys, and the first restart delay (doubling to 30 s). */
  probeMs?: number;
  restartMs?: number;
}

/** An executable `name` on PATH (or `name` itself when it is a path), or undefined. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates =
    isAbsolute(name) || name.includes('/')
      ? [name]
      : path
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

interface Proxy {
  gatewayId: string;
  podName: string;
  args: string[];
  hash: string;
  dir: string;
  child?: ChildProcess;
  ready: boolean;
  restarts: number;
  stopped: boolean;
  lastExit?: string;
  restartTimer?: NodeJS.Timeout;
}

/**
 * The embedded default's data plane (`npm start`, no cluster): one Envoy process per gateway on this machine,
 * with the generated bootstrap (admin on a loopback port Envoy picks), supervised — restarted with backoff when
 * it exits, replaced when its bootstrap changes, stopped when the gateway goes. Without an Envoy binary it
 * records the desired proxy and says in the gateway's status what is missing.
 */
export function createLocalProvisioner(opts: LocalProvisionerOptions): Provisioner & {
  /** The running proxies (tests). */
  proxies(): { gatewayId: string; pid: number | undefined; ready: boolean; restarts: number }[];
} {
  const { log } = opts;
  const probeMs = opts.probeMs ?? 1000;
  const restartMs = opts.restartMs ?? 1000;
  const proxies = new Map<string, Proxy>();
  let probeTimer: NodeJS.Timeout | undefined;

  function launch(p: Proxy, binary: string): void {
    if (p.stopped) return;
    rmSync(join(p.dir, 'admin-address'), { force: true });
    const child = spawn(binary, p.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.child = child;
    let tail = '';
    child.stderr?.on('data', (b: Buffer) => {
      tail = (tail + b.toString('utf8')).slice(-2000);
    });
    child.on('error', (err) => log.warn({ gateway: p.gatewayId, err }, 'envoy could not be started'));
    child.on('exit', (code, signal) => {
      if (p.child === child) p.child = undefined;
      const wasReady = p.ready;
      p.ready = false;
      if (p.stopped) return;
      p.lastExit = `exited with ${signal ?? `code ${code}`}${tail ? `: ${tail.trim().split('\n').pop()}` : ''}`;
      const delay = Math.min(30_000, restartMs * 2 ** Math.min(p.restarts, 5));
      p.restarts++;
      log.warn({ gateway: p.gatewayId, code, signal, restartInMs: delay }, 'envoy exited; restarting');
      if (wasReady) void opts.requeue([p.gatewayId]).catch(() => undefined);
      p.restartTimer = setTimeout(() => launch(p, binary), delay);
      p.restartTimer.unref();
    });
  }

  function stop(p: Proxy): void {
    p.stopped = true;
    if (p.restartTimer) clearTimeout(p.restartTimer);
    p.child?.kill('SIGTERM');
    const child = p.child;
    if (child) {
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      force.unref();
      child.once('exit', () => clearTimeout(force));
    }
    rmSync(p.dir, { recursive: true, force: true });
    proxies.delete(p.gatewayId);
  }

  /** GET /ready on the admin address Envoy wrote. */
  function probe(p: Proxy): Promise<boolean> {
    let address: string;
    try {
      address = readFileSync(join(p.dir, 'admin-address'), 'utf8').trim();
    } catch {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const req = request(`http://${address}/ready`, { timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  async function probeAll(): Promise<void> {
    const changed: string[] = [];
    for (const p of proxies.values()) {
      const ready = p.child ? await probe(p) : false;
      if (ready !== p.ready) {
        p.ready = ready;
        if (ready) p.restarts = 0;
        changed.push(p.gatewayId);
      }
    }
    if (changed.length > 0) await opts.requeue(changed);
  }

  async function provision(c: pg.ClientBase, gatewayId: string, now: Date): Promise<FleetStatus | undefined> {
    const loaded = await loadInfraInput(c, gatewayId, opts, now);
    const running = proxies.get(gatewayId);
    if ('missing' in loaded) {
      if (running) stop(running);
      return undefined;
    }
    if ('problem' in loaded) return { desired: 1, ready: 0, message: `proxy not started: ${loaded.problem}` };
    const { input } = loaded;
    const podName = `local-${fleetName(input.gateway)}`;
    const binary = findExecutable(opts.envoyBinary, opts.path);
    if (!binary) {
      if (running) stop(running);
      await recordProxies(c, gatewayId, [{ podName, nodeAddress: '127.0.0.1', ready: false }], {
        localNode: true,
      });
      return {
        desired: 1,
        ready: 0,
        message:
          `no Envoy binary: "${opts.envoyBinary}" is not on PATH (ENVOY_BINARY), so this gateway's proxy does not run. ` +
          'Install Envoy (e.g. from https://www.envoyproxy.io/docs/envoy/latest/start/install) or point ENVOY_BINARY at one, ' +
          'or run EPIC with PROVISIONER=kubernetes',
      };
    }
    // The generated bootstrap, with the admin interface on a loopback port Envoy picks (several gateways, one host).
    const bootstrap = structuredClone(input.bootstrap) as JsonObject & {
      admin: { address: { socketAddress: { portValue: number } } };
    };
    bootstrap.admin.address.socketAddress.portValue = 0;
    const config = JSON.stringify(bootstrap);
    const hash = createHash('sha256').update(`${binary}\n${config}`).digest('hex');
    let p = running;
    if (p && p.hash !== hash) {
      stop(p);
      p = undefined;
    }
    if (!p) {
      const dir = mkdtempSync(join(tmpdir(), 'epic-envoy-'));
      p = {
        gatewayId,
        podName,
        hash,
        dir,
        ready: false,
        restarts: 0,
        stopped: false,
        args: [
          '--config-yaml',
          config,
          '--disable-hot-restart',
          '--admin-address-path',
          join(dir, 'admin-address'),
          '--log-level',
          'warn',
          '--drain-time-s',
          '5',
        ],
      };
      proxies.set(gatewayId, p);
      launch(p, binary);
    }
    await recordProxies(c, gatewayId, [{ podName, nodeAddress: '127.0.0.1', ready: p.ready }], {
      localNode: true,
    });
    const state = p.ready
      ? `running (pid ${p.child?.pid ?? '?'})`
      : p.child
        ? 'starting'
        : `not running${p.lastExit ? ` (${p.lastExit})` : ''}; restarting`;
    const replicas =
      input.template.replicas > 1
        ? ` (the template's ${input.template.replicas} replicas run as one locally)`
        : '';
    return { desired: 1, ready: p.ready ? 1 : 0, message: `local Envoy ${binary} ${state}${replicas}` };
  }

  return {
    provision,
    async sweep(c: pg.ClientBase) {
      const ids = [...proxies.keys()];
      if (ids.length === 0) return;
      const live = new Set(
        (
          await c.query<{ id: string }>('SELECT id::text FROM "Gateway" WHERE id = ANY($1::uuid[])', [ids])
        ).rows.map((r) => r.id),
      );
      for (const id of ids) if (!live.has(id)) stop(proxies.get(id)!);
    },
    async start() {
      probeTimer = setInterval(() => {
        probeAll().catch((err: unknown) => log.warn({ err }, 'probing local Envoys failed'));
      }, probeMs);
      probeTimer.unref();
    },
    async stop() {
      if (probeTimer) clearInterval(probeTimer);
      const children = [...proxies.values()]
        .map((p) => p.child)
        .filter((ch): ch is ChildProcess => ch !== undefined);
      const exited = children.map(
        (ch) => new Promise<void>((r) => (ch.exitCode !== null ? r() : ch.once('exit', () => r()))),
      );
      for (const p of [...proxies.values()]) stop(p);
      await Promise.all(exited);
    },
    proxies: () =>
      [...proxies.values()].map((p) => ({
        gatewayId: p.gatewayId,
        pid: p.child?.pid,
        ready: p.ready,
        restarts: p.restarts,
      })),
  };
}
