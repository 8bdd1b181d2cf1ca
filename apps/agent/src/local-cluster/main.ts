// `npm start`'s local workload cluster (scripts/start-children.mjs runs it beside the API): waits for the key
// the API writes to LOCAL_CLUSTER_KEY_FILE at each start, then runs the test API server with the controller
// attached and writes its kubeconfig to LOCAL_CLUSTER_KUBECONFIG. Stops on SIGTERM/SIGINT/SIGHUP.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { z } from 'zod';
import { startLocalCluster } from './local-cluster.js';

const env = z
  .object({
    EPIC_API_URL: z.string().url(),
    LOCAL_CLUSTER_KEY_FILE: z.string().min(1),
    LOCAL_CLUSTER_KUBECONFIG: z.string().min(1),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .safeParse(process.env);
if (!env.success) {
  const i = env.error.issues[0]!;
  process.stderr.write(`local workload cluster: ${i.path.join('.')}: ${i.message}\n`);
  process.exit(2);
}
const cfg = env.data;
const log = pino({ level: cfg.LOG_LEVEL, base: { component: 'local-cluster' } });

/** The key of this start: the file exists and the API (up by then) accepts it. A key of a past start is revoked. */
async function awaitKey(): Promise<string> {
  const since = Date.now();
  let told = false;
  for (;;) {
    let key: string | undefined;
    try {
      key = readFileSync(cfg.LOCAL_CLUSTER_KEY_FILE, 'utf8').trim();
    } catch {
      key = undefined;
    }
    if (key) {
      const ok = await fetch(new URL('api/v1/whoami', `${cfg.EPIC_API_URL}/`), {
        headers: { authorization: `Bearer ${key}` },
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return key;
    }
    if (!told && Date.now() - since > 30_000) {
      log.warn({ file: cfg.LOCAL_CLUSTER_KEY_FILE }, 'still waiting for the API and its local cluster key');
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const apiKey = await awaitKey();
const cluster = await startLocalCluster({
  kubeconfigPath: cfg.LOCAL_CLUSTER_KUBECONFIG,
  apiUrl: cfg.EPIC_API_URL,
  apiKey,
  log,
});
process.stdout.write(
  [
    '',
    `  Local workload cluster (GatewayClass "epic", controller attached): kubectl --kubeconfig ${cfg.LOCAL_CLUSTER_KUBECONFIG} get gatewayclass`,
    '',
  ].join('\n') + '\n',
);
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    void cluster.close().then(() => process.exit(0));
  });
}
