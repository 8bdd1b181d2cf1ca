// The EPIC side of the GUE transport for the node agent: the tag program on each local Envoy's host veth and
// the service entries of its tunnels, programmed through packages/tunnel-manager (which owns the programs,
// the pinned maps and their level-triggered reconcile). This file only turns the node's plan into the
// manager's `EpicDesired`, translating veth ifindexes (what the agent observes) into device names (what tc
// attaches to).
import { TunnelManager, runner, type ReconcileResult, type Runner } from '@epic/tunnel-manager';

/** What the node must program for GUE: derived by planNode() from the desired state and the local proxies. */
export interface GuePlan {
  /** Outer source address of this node (the tunnels' local address). */
  localAddr: string;
  tunnelIds: number[];
  /** Host-side veth ifindexes of the local Envoys that reach backends through a tunnel. */
  vethIfindexes: number[];
  services: Array<{ podAddr: string; podPort: number; proto: number; mark: number; tunnelId: number }>;
}

export interface GueOptions {
  instance: string;
  /** The interface facing the network (decap on ingress, encap on egress). */
  nic: string;
  /** bpf/.output/gue.bpf.o */
  object: string;
  netns?: string;
  stateDir?: string;
}

export class GueProgrammer {
  private readonly manager: TunnelManager;
  private readonly run: Runner;

  constructor(opts: GueOptions) {
    this.manager = new TunnelManager({ ...opts, role: 'epic' });
    this.run = runner(opts.netns);
  }

  /** ifindex → device name, read from the kernel on every reconcile (a recreated pod gets a new veth). */
  private async devices(): Promise<Map<number, string>> {
    const links = JSON.parse(await this.run('ip', ['-j', 'link', 'show'])) as Array<{
      ifindex: number;
      ifname: string;
    }>;
    return new Map(links.map((l) => [l.ifindex, l.ifname]));
  }

  async reconcile(plan: GuePlan): Promise<ReconcileResult> {
    const devs = await this.devices();
    // A veth that vanished between the observation and now is skipped; the next reconcile sees the new one.
    const envoyVeths = plan.vethIfindexes.flatMap((i) => (devs.has(i) ? [devs.get(i)!] : []));
    const live = new Set(plan.vethIfindexes.filter((i) => devs.has(i)));
    return this.manager.reconcileEpic({
      localAddr: plan.localAddr,
      tunnelIds: plan.tunnelIds,
      envoyVeths,
      services: plan.services.filter((s) => live.has(s.mark)),
    });
  }

  get tunnelManager(): TunnelManager {
    return this.manager;
  }
}
