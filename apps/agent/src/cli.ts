// The agent binary: `node --import tsx apps/agent/src/cli.ts --mode=<mode>`.
import { parseMode } from './main.js';
import { runController } from './controller/run.js';
import { runEpicNode, type EpicNodeConfig, type NodeSource } from './epic-node/run.js';
import { createNodeApiClient } from './epic-node/api-client.js';

/** The node agent reads and reports through the API's node endpoints with the node credential. */
function nodeApiSource(cfg: EpicNodeConfig): Promise<NodeSource> {
  return Promise.resolve(
    createNodeApiClient({ apiUrl: cfg.EPIC_API_URL, node: cfg.EPIC_NODE_NAME, token: cfg.EPIC_NODE_TOKEN }),
  );
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
