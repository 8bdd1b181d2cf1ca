/**
 * EPIC agent: one binary, four modes (docs/ARCHITECTURE.md §1).
 *   controller  watches Gateway API objects in a workload cluster and mirrors them into EPIC
 *   node        runs the workload side of the GUE transport on a workload node
 *   linux       the Linux Gateway Controller for plain hosts
 *   epic-node   runs on EPIC nodes: GUE transport, BGP announcements, firewall
 * `controller` (controller/) and `epic-node` (epic-node/) are implemented; the others arrive with the workload-agent
 * issue.
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
