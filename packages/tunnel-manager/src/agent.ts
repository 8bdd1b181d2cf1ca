import { fromHex, type ServiceKey } from '@epic/gue-wire';
import { KeepAliveReceiver } from './keepalive-receiver.js';
import { KeepAliveSender } from './keepalive-sender.js';
import { TunnelManager, type ReconcileResult } from './tunnel-manager.js';

/** What an agent node mode is given (JSON-friendly: keys are hex). */
export interface EpicNodeConfig {
  instance: string;
  nic: string;
  object: string;
  stateDir?: string;
  localAddr: string;
  tunnels: Array<{ id: number; keyHex: string }>;
  envoyVeths: string[];
  services: Array<ServiceKey & { tunnelId: number }>;
  downAfterMs?: number;
}

export interface WorkloadNodeConfig {
  instance: string;
  nic: string;
  object: string;
  stateDir?: string;
  localAddr: string;
  keepAliveIntervalMs?: number;
  tunnels: Array<{ id: number; keyHex: string; epicAddr: string; epicPort?: number }>;
}

export type AgentEvent =
  | { event: 'reconciled'; result: ReconcileResult }
  | { event: 'ready' }
  | { event: 'learned'; tunnelId: number; addr: string; port: number }
  | { event: 'rejected'; reason: string; from: string }
  | { event: 'error'; message: string };

export interface RunningAgent {
  manager: TunnelManager;
  /** Stops user-space work only: programs and maps stay, so traffic keeps flowing across a restart. */
  stop(): Promise<void>;
}

export async function runEpicNode(cfg: EpicNodeConfig, emit: (e: AgentEvent) => void): Promise<RunningAgent> {
  const manager = new TunnelManager({
    instance: cfg.instance,
    role: 'epic',
    nic: cfg.nic,
    object: cfg.object,
    stateDir: cfg.stateDir,
  });
  const result = await manager.reconcileEpic({
    localAddr: cfg.localAddr,
    tunnelIds: cfg.tunnels.map((t) => t.id),
    envoyVeths: cfg.envoyVeths,
    services: cfg.services,
  });
  emit({ event: 'reconciled', result });
  const receiver = new KeepAliveReceiver({
    manager,
    keys: new Map(cfg.tunnels.map((t) => [t.id, fromHex(t.keyHex)])),
    downAfterMs: cfg.downAfterMs,
    onLearned: (tunnelId, addr, port) => emit({ event: 'learned', tunnelId, addr, port }),
    onRejected: (reason, from) => emit({ event: 'rejected', reason, from }),
    onError: (e) => emit({ event: 'error', message: e.message }),
  });
  await receiver.start();
  emit({ event: 'ready' });
  return { manager, stop: () => receiver.stop() };
}

export async function runWorkloadNode(
  cfg: WorkloadNodeConfig,
  emit: (e: AgentEvent) => void,
): Promise<RunningAgent> {
  const manager = new TunnelManager({
    instance: cfg.instance,
    role: 'workload',
    nic: cfg.nic,
    object: cfg.object,
    stateDir: cfg.stateDir,
  });
  const result = await manager.reconcileWorkload({ localAddr: cfg.localAddr, tunnels: cfg.tunnels });
  emit({ event: 'reconciled', result });
  const sender = new KeepAliveSender({
    localAddr: cfg.localAddr,
    intervalMs: cfg.keepAliveIntervalMs,
    tunnels: cfg.tunnels.map((t) => ({
      id: t.id,
      key: fromHex(t.keyHex),
      epicAddr: t.epicAddr,
      epicPort: t.epicPort,
    })),
    onError: (e) => emit({ event: 'error', message: e.message }),
  });
  await sender.start();
  emit({ event: 'ready' });
  return { manager, stop: () => sender.stop() };
}
