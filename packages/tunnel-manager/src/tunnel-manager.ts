import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import {
  COUNTER_NAMES,
  GUE_PORT,
  decodeReturnFlowKey,
  decodeTunnelKey,
  decodeTunnelRef,
  decodeTunnelValue,
  encodeAnyServiceKey,
  isIpv6,
  encodeTunnelKey,
  encodeTunnelRef,
  encodeTunnelValue,
  sumPerCpu,
  type Counters,
  type ServiceKey,
  type TunnelValue,
} from '@epic/gue-wire';
import { PinnedMap, type MapEntry } from './bpf-map.js';
import { ensureBpffs, removeBpffs } from './bpffs.js';
import { runner, type Runner } from './run.js';
import { attach, attachedProgram, detach, removeClsactIfEmpty, type Attachment } from './tc.js';

export type Role = 'epic' | 'workload';

export interface TunnelManagerOptions {
  /** Unique per simulated node: names the state directory and the bpffs. */
  instance: string;
  role: Role;
  /** Interface facing the NAT / network: decap on ingress, encap on egress. */
  nic: string;
  /** Network namespace the interfaces live in (tests); unset = this process's namespace. */
  netns?: string;
  /** The compiled programs (bpf/.output/gue.bpf.o). */
  object: string;
  /** Default /run/epic/gue/<instance>. */
  stateDir?: string;
}

export interface EpicDesired {
  /** Outer source address of this node. */
  localAddr: string;
  tunnelIds: number[];
  /** Envoy host veths to tag (their ifindex becomes the mark in service keys). */
  envoyVeths: string[];
  services: Array<ServiceKey & { tunnelId: number }>;
}

export interface WorkloadDesired {
  localAddr: string;
  tunnels: Array<{ id: number; epicAddr: string; epicPort?: number }>;
}

export interface ReconcileResult {
  attached: number;
  tunnels: { added: number; changed: number; removed: number };
  services: { added: number; changed: number; removed: number };
  returnFlows: { removed: number };
}

type MapName =
  | 'gue_tunnels'
  | 'gue_services'
  | 'gue_services6'
  | 'gue_return_flows'
  | 'gue_return_flows6'
  | 'gue_counters';

const RETURN_FLOW_MAPS = ['gue_return_flows', 'gue_return_flows6'] as const;

/**
 * Owns one node's GUE data path: a private bpffs, the TC attachments, and the maps' contents.
 * Everything is level-triggered: reconcile() compares what is attached and stored with what is desired and
 * changes only the difference, so running it again (or after an agent restart) changes nothing and never
 * interrupts traffic. Learned state (a tunnel's remote, keep-alive counter, up flag) lives in the pinned maps.
 */
export class TunnelManager {
  readonly stateDir: string;
  readonly bpffs: string;
  private readonly run: Runner;
  private readonly host: Runner = runner();
  /** Map writes are read-modify-write: reconcile and keep-alive learning must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: TunnelManagerOptions) {
    if (endianness() !== 'LE') throw new Error('map layouts assume a little-endian host');
    if (!/^[A-Za-z0-9_.-]+$/.test(opts.instance)) throw new Error(`bad instance name: ${opts.instance}`);
    this.stateDir = opts.stateDir ?? join('/run/epic/gue', opts.instance);
    this.bpffs = join(this.stateDir, 'bpffs');
    this.run = runner(opts.netns);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private map(name: MapName): PinnedMap {
    return new PinnedMap(this.host, join(this.bpffs, 'tc', 'globals', name));
  }

  get tunnelsMap(): PinnedMap {
    return this.map('gue_tunnels');
  }

  /** The object copied under a content-addressed name, so tc's reported name tells whether it changed. */
  private async stagedObject(): Promise<string> {
    const bytes = await readFile(this.opts.object);
    const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const staged = join(this.stateDir, `gue-${digest}.bpf.o`);
    await mkdir(this.stateDir, { recursive: true });
    await copyFile(this.opts.object, staged);
    return staged;
  }

  private nicAttachments(): Attachment[] {
    const nic = this.opts.nic;
    return this.opts.role === 'epic'
      ? [
          { dev: nic, direction: 'ingress', section: 'tc/epic_decap' },
          { dev: nic, direction: 'egress', section: 'tc/epic_encap' },
        ]
      : [
          { dev: nic, direction: 'ingress', section: 'tc/wl_decap' },
          { dev: nic, direction: 'egress', section: 'tc/wl_encap' },
        ];
  }

  private async attachAll(extra: Attachment[]): Promise<number> {
    await ensureBpffs(this.host, this.bpffs);
    const object = await this.stagedObject();
    let n = 0;
    for (const a of [...this.nicAttachments(), ...extra]) {
      if (await attach(this.run, a, object, this.bpffs)) n++;
    }
    return n;
  }

  reconcileEpic(d: EpicDesired): Promise<ReconcileResult> {
    return this.exclusive(() => this.doReconcileEpic(d));
  }

  reconcileWorkload(d: WorkloadDesired): Promise<ReconcileResult> {
    return this.exclusive(() => this.doReconcileWorkload(d));
  }

  private async doReconcileEpic(d: EpicDesired): Promise<ReconcileResult> {
    if (this.opts.role !== 'epic') throw new Error('reconcileEpic on a workload node');
    const tags: Attachment[] = d.envoyVeths.map((dev) => ({ dev, direction: 'ingress', section: 'tc/tag' }));
    const attached = await this.attachAll(tags);
    // Learned fields (remote, counter, up) are kept; only the node's own address is ours to set.
    const current = new Map(
      (await this.tunnelsMap.dump()).map((e) => [decodeTunnelKey(e.key), decodeTunnelValue(e.value)]),
    );
    const tunnels: MapEntry[] = d.tunnelIds.map((id) => {
      const learned = current.get(id);
      const value: TunnelValue = {
        remoteAddr: learned?.remoteAddr ?? '0.0.0.0',
        remotePort: learned?.remotePort ?? 0,
        up: learned?.up ?? false,
        kaCounter: learned?.kaCounter ?? 0n,
        localAddr: d.localAddr,
        localPort: GUE_PORT,
      };
      return { key: encodeTunnelKey(id), value: encodeTunnelValue(value) };
    });
    const entries = (v6: boolean): MapEntry[] =>
      d.services
        .filter((s) => isIpv6(s.podAddr) === v6)
        .map((s) => ({ key: encodeAnyServiceKey(s), value: encodeTunnelRef(s.tunnelId) }));
    const tunnelResult = await this.tunnelsMap.reconcile(tunnels);
    const v4 = await this.map('gue_services').reconcile(entries(false));
    const v6 = await this.map('gue_services6').reconcile(entries(true));
    return {
      attached,
      tunnels: tunnelResult,
      services: {
        added: v4.added + v6.added,
        changed: v4.changed + v6.changed,
        removed: v4.removed + v6.removed,
      },
      returnFlows: { removed: 0 },
    };
  }

  private async doReconcileWorkload(d: WorkloadDesired): Promise<ReconcileResult> {
    if (this.opts.role !== 'workload') throw new Error('reconcileWorkload on an EPIC node');
    const attached = await this.attachAll([]);
    const tunnels: MapEntry[] = d.tunnels.map((t) => ({
      key: encodeTunnelKey(t.id),
      value: encodeTunnelValue({
        remoteAddr: t.epicAddr,
        remotePort: t.epicPort ?? GUE_PORT,
        localAddr: d.localAddr,
        localPort: GUE_PORT,
        up: true,
        kaCounter: 0n,
      }),
    }));
    const tunnelResult = await this.tunnelsMap.reconcile(tunnels);
    // Return flows are learned by the decap program; forget those whose tunnel is gone.
    const ids = new Set(d.tunnels.map((t) => t.id));
    let removed = 0;
    for (const name of RETURN_FLOW_MAPS) {
      const flows = this.map(name);
      for (const e of await flows.dump()) {
        if (ids.has(decodeTunnelRef(e.value))) continue;
        await flows.delete(e.key);
        removed++;
      }
    }
    return {
      attached,
      tunnels: tunnelResult,
      services: { added: 0, changed: 0, removed: 0 },
      returnFlows: { removed },
    };
  }

  async tunnels(): Promise<Map<number, TunnelValue>> {
    return new Map(
      (await this.tunnelsMap.dump()).map((e) => [decodeTunnelKey(e.key), decodeTunnelValue(e.value)]),
    );
  }

  async returnFlows(): Promise<Map<string, number>> {
    const flows = [
      ...(await this.map('gue_return_flows').dump()),
      ...(await this.map('gue_return_flows6').dump()),
    ];
    return new Map(flows.map((e) => [decodeReturnFlowKey(e.key), decodeTunnelRef(e.value)]));
  }

  async counters(): Promise<Counters> {
    const slots = await this.map('gue_counters').dumpPerCpu();
    const out = Object.fromEntries(COUNTER_NAMES.map((n) => [n, 0n])) as Counters;
    for (const s of slots) {
      const name = COUNTER_NAMES[decodeTunnelKey(s.key)];
      if (name) out[name] = sumPerCpu(s.values);
    }
    return out;
  }

  /**
   * Records a verified keep-alive: its outer source becomes the tunnel's remote. Only the verifier calls this.
   * Returns the tunnel as it was before, so the caller can tell whether the remote moved.
   */
  learnRemote(
    tunnelId: number,
    remoteAddr: string,
    remotePort: number,
    counter: bigint,
  ): Promise<TunnelValue> {
    return this.exclusive(async () => {
      const raw = await this.tunnelsMap.lookup(encodeTunnelKey(tunnelId));
      if (!raw) throw new Error(`tunnel ${tunnelId} is not configured`);
      const cur = decodeTunnelValue(raw);
      const next: TunnelValue = { ...cur, remoteAddr, remotePort, kaCounter: counter, up: true };
      await this.tunnelsMap.update(encodeTunnelKey(tunnelId), encodeTunnelValue(next));
      return cur;
    });
  }

  markDown(tunnelId: number): Promise<void> {
    return this.exclusive(async () => {
      const cur = (await this.tunnels()).get(tunnelId);
      if (!cur || !cur.up) return;
      await this.tunnelsMap.update(encodeTunnelKey(tunnelId), encodeTunnelValue({ ...cur, up: false }));
    });
  }

  /** Whether the NIC programs of this manager are attached (for health checks and tests). */
  async isAttached(): Promise<boolean> {
    for (const a of this.nicAttachments()) {
      if (!(await attachedProgram(this.run, a.dev, a.direction))) return false;
    }
    return true;
  }

  /** Detaches everything this instance attached, then drops its bpffs (and with it every pinned map). */
  async uninstall(envoyVeths: readonly string[] = []): Promise<void> {
    const all = [
      ...this.nicAttachments(),
      ...envoyVeths.map((dev) => ({ dev, direction: 'ingress' as const })),
    ];
    for (const a of all) await detach(this.run, a).catch(() => undefined);
    for (const dev of new Set(all.map((a) => a.dev)))
      await removeClsactIfEmpty(this.run, dev).catch(() => undefined);
    await removeBpffs(this.host, this.bpffs);
    await rm(this.stateDir, { recursive: true, force: true });
  }
}
