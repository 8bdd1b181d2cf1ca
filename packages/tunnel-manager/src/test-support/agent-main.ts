// A node agent process for the integration tests and the benchmark: `ip netns exec <ns> node --import tsx
// agent-main.ts <epic|workload> <config.json>`. Prints one JSON event per line; SIGTERM stops user space only.
import { readFileSync } from 'node:fs';
import {
  runEpicNode,
  runWorkloadNode,
  type AgentEvent,
  type EpicNodeConfig,
  type RunningAgent,
  type WorkloadNodeConfig,
} from '../agent.js';

const [mode, configFile] = process.argv.slice(2);
const cfg: unknown = JSON.parse(readFileSync(configFile ?? '', 'utf8'));
const emit = (e: AgentEvent): void => {
  process.stdout.write(JSON.stringify(e) + '\n');
};
let agent: RunningAgent | undefined;
process.on('SIGTERM', () => {
  void (agent?.stop() ?? Promise.resolve()).then(() => process.exit(0));
});
try {
  agent =
    mode === 'epic'
      ? await runEpicNode(cfg as EpicNodeConfig, emit)
      : await runWorkloadNode(cfg as WorkloadNodeConfig, emit);
} catch (e) {
  emit({ event: 'error', message: `start failed: ${(e as Error).message}` });
  process.exit(1);
}
