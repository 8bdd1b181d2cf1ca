// The agent binary: `node --import tsx apps/agent/src/cli.ts --mode=<mode>`.
import { parseMode } from './main.js';
import { runController } from './controller/run.js';

async function main(): Promise<void> {
  const mode = parseMode(process.argv.slice(2));
  if (mode !== 'controller') throw new Error(`--mode=${mode} is not implemented yet`);
  const stop = await runController();
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
