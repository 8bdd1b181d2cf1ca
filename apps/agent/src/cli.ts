// The agent binary: `node --import tsx apps/agent/src/cli.ts --mode=<mode>`.
import { parseMode } from './main.js';
import { runController } from './controller/run.js';
import { runEpicNode, type EpicNodeConfig, type NodeSource } from './epic-node/run.js';

/**
 * The EPIC API client of the node agent (epic-node/api-client.ts, written with the API's node endpoints).
 * Loaded by name at start-up so that this file does not pin the client's module shape at compile time.
 */
async function nodeApiSource(cfg: EpicNodeConfig): Promise<NodeSource> {
  const spec = './epic-node/api-client.js';
  const mod = (await import(spec)) as {
    createNodeApiClient?: (o: { baseUrl: string; node: string; token: string }) => NodeSource;
  };
  if (!mod.createNodeApiClient) throw new Error(`${spec} does not export createNodeApiClient`);
  return mod.createNodeApiClient({
    baseUrl: cfg.EPIC_API_URL,
    node: cfg.EPIC_NODE_NAME,
    token: cfg.EPIC_NODE_TOKEN,
  });
}

async function main(): Promise<void> {
  const mode = parseMode(process.argv.slice(2));
  let stop: () => Promise<void>;
  if (mode === 'controller') stop = await runController();
  else if (mode === 'epic-node') stop = await runEpicNode(nodeApiSource);
  else throw new Error(`--mode=${mode} is not implemented yet`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      void stop().then(() => process.exit(0));
    });
  }
}

main().catch((e: unknown) => {
  console.error(`epic-agent: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
