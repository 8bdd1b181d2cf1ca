import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import pino from 'pino';
import { z } from 'zod';
import { GatewayController } from './controller.js';

const ms = (dflt: number, min = 10, max = 3_600_000) =>
  z.coerce.number().int().min(min).max(max).default(dflt);

/** The controller's settings, read once from the environment; a bad value stops start-up naming it. */
export const controllerEnv = z.object({
  KUBECONFIG: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  DEBOUNCE_MS: ms(100),
  MAX_BATCH_DELAY_MS: ms(1_000),
  STATUS_POLL_MS: ms(2_000, 100),
  RESYNC_MS: ms(300_000, 1_000),
  /** Leader election with a Lease in POD_NAMESPACE (the Deployment sets it), identity POD_NAME. */
  LEADER_ELECTION: z.enum(['true', 'false']).default('true'),
  POD_NAMESPACE: z.string().min(1).optional(),
  POD_NAME: z.string().min(1).optional(),
  LEASE_DURATION_MS: ms(15_000, 1_000),
  /** `namespace/name` of the GatewayClassConfig a GatewayClass of ours without spec.parametersRef uses. */
  DEFAULT_GATEWAY_CLASS_CONFIG: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be namespace/name')
    .optional(),
});

export function parseControllerEnv(env: NodeJS.ProcessEnv) {
  const r = controllerEnv.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${i.path.join('.')}: ${i.message}`);
  }
  return r.data;
}

/** `--mode=controller`: the controller with /healthz, /readyz and /metrics; stops on SIGTERM/SIGINT. */
export async function runController(env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  const cfg = parseControllerEnv(env);
  const log = pino({ level: cfg.LOG_LEVEL, base: { mode: 'controller' } });
  const kc = new KubeConfig();
  if (cfg.KUBECONFIG) kc.loadFromFile(cfg.KUBECONFIG);
  else kc.loadFromDefault();
  const controller = new GatewayController({
    kubeConfig: kc,
    log,
    debounceMs: cfg.DEBOUNCE_MS,
    maxDelayMs: cfg.MAX_BATCH_DELAY_MS,
    statusPollMs: cfg.STATUS_POLL_MS,
    resyncMs: cfg.RESYNC_MS,
    ...(cfg.DEFAULT_GATEWAY_CLASS_CONFIG
      ? {
          defaultParameters: {
            namespace: cfg.DEFAULT_GATEWAY_CLASS_CONFIG.split('/')[0]!,
            name: cfg.DEFAULT_GATEWAY_CLASS_CONFIG.split('/')[1]!,
          },
        }
      : {}),
    // Outside a pod (no POD_NAMESPACE) the controller assumes it is alone.
    ...(cfg.LEADER_ELECTION === 'true' && cfg.POD_NAMESPACE
      ? {
          leaderElection: {
            namespace: cfg.POD_NAMESPACE,
            identity: cfg.POD_NAME ?? hostname(),
            leaseDurationMs: cfg.LEASE_DURATION_MS,
          },
          // As client-go's leader election: exit, and let the Deployment start a fresh replica.
          onLeadershipLost: () => process.exit(1),
        }
      : {}),
  });
  const health: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(controller.metricsText());
      return;
    }
    const ok = req.url === '/healthz' || (req.url === '/readyz' && controller.ready);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  await new Promise<void>((resolve) => health.listen(cfg.HEALTH_PORT, cfg.HEALTH_HOST, resolve));
  log.info({ cluster: kc.getCurrentCluster()?.server }, 'starting the EPIC Gateway controller');
  await controller.start();
  log.info({}, 'informers synced; reconciling');
  const stop = async () => {
    controller.stop();
    await new Promise((r) => health.close(r));
  };
  return stop;
}
