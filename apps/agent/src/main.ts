/**
 * EPIC agent: one binary, four modes (docs/ARCHITECTURE.md §1).
 *   controller  watches Gateway API objects in a workload cluster and mirrors them into EPIC
 *   node        runs the workload side of the GUE transport on a workload node
 *   linux       the Linux Gateway Controller for plain hosts
 *   epic-node   runs on EPIC nodes: GUE transport, BGP announcements, firewall
 * `controller` is implemented (controller/); the others arrive with the provisioning and workload-agent issues.
 */
export const agentModes = ['controller', 'node', 'linux', 'epic-node'] as const;
export type AgentMode = (typeof agentModes)[number];

export function parseMode(argv: readonly string[]): AgentMode {
  const arg = argv.find((a) => a.startsWith('--mode='))?.slice('--mode='.length);
  if (!arg || !(agentModes as readonly string[]).includes(arg)) {
    throw new Error(`--mode must be one of ${agentModes.join(', ')}; got ${arg ?? 'nothing'}`);
  }
  return arg as AgentMode;
}
