// The EPIC node's reconcile: desired state (from the API) + local proxy observations → what the node programs.
// planNode() is pure; NodeReconciler applies a plan to gobgpd, nftables and the GUE maps, each of which diffs
// against its own live state, so a reconcile after a restart (nothing remembered in memory) changes nothing.
import type { DesiredGateway, NodeBgpSettings, NodeDesiredState, ProxyObservation } from './contract.js';
import { canonical, hostPrefix, type BgpReconcileResult, type GobgpState } from './bgp.js';
import type { FirewallEntry } from './firewall.js';
import type { GuePlan } from './gue.js';

export type AnnounceReason =
  'announced' | 'draining' | 'no-local-proxy' | 'no-ready-proxy' | 'revision-not-acked';

export interface GatewayPlan {
  gatewayId: string;
  announced: boolean;
  reason: AnnounceReason;
}

export interface NodePlan {
  /** Prefixes gobgpd must originate, sorted, without duplicates (gateways may share an aggregate). */
  prefixes: string[];
  firewall: FirewallEntry[];
  /** Null when the node carries no tunnel. */
  gue: GuePlan | null;
  gateways: GatewayPlan[];
}

const PROTO = { TCP: 6, UDP: 17 } as const;

function announceReason(
  g: Pick<DesiredGateway, 'revision' | 'ackedRevision' | 'proxyAcks'>,
  draining: boolean,
  proxies: readonly ProxyObservation[],
  announcedNow: boolean,
): AnnounceReason {
  if (draining) return 'draining';
  if (proxies.length === 0) return 'no-local-proxy';
  const ready = proxies.filter((p) => p.ready);
  if (ready.length === 0) return 'no-ready-proxy';
  // A proxy that ACKed a newer revision than the one the API sent has certainly applied this one. The ACK is
  // the proxy's own when its observer knows it, else the API's record of that proxy's ACKs over xDS (its
  // stream names the pod); only an API older than per-proxy ACKs leaves the gateway's ACK to stand in.
  const own = new Map((g.proxyAcks ?? []).map((a) => [a.podName, a.revision]));
  const acked = ready.map(
    (p) => p.ackedVersion ?? (g.proxyAcks ? (own.get(p.podName) ?? null) : (g.ackedRevision ?? null)),
  );
  if (acked.some((v) => v !== null && v >= g.revision)) return 'announced';
  // A newer revision the proxy has not ACKed yet (a configuration change in flight, or one it refuses): a
  // ready proxy that ACKed an earlier one keeps serving it, so a route already announced stays. Only the first
  // announcement waits for the ACK. What is announced now is gobgpd's (restart-safe), not the agent's memory.
  if (announcedNow && acked.some((v) => v !== null)) return 'announced';
  return 'revision-not-acked';
}

/** For comparing with gobgpd's paths; a malformed prefix is left as it is (the BGP part reports it). */
function comparable(prefix: string): string {
  try {
    return canonical(prefix);
  } catch {
    return prefix;
  }
}

const advertised = (g: DesiredGateway): string[] =>
  (g.advertise.length > 0 ? g.advertise.map((a) => a.prefix) : g.addresses).map(hostPrefix);

/**
 * `announcedNow`: the prefixes the node originates at the moment (gobgpd's paths); a gateway whose prefixes
 * are all among them stays announced through a revision its proxy has not ACKed yet.
 */
export function planNode(
  desired: NodeDesiredState,
  proxies: readonly ProxyObservation[],
  announcedNow: readonly string[] = [],
): NodePlan {
  const now = new Set(announcedNow.map(comparable));
  const byGateway = new Map<string, ProxyObservation[]>();
  for (const p of proxies) byGateway.set(p.gatewayId, [...(byGateway.get(p.gatewayId) ?? []), p]);

  const prefixes = new Set<string>();
  const gateways: GatewayPlan[] = [];
  const firewall: FirewallEntry[] = [];
  const tunnelIds = new Set<number>();
  const veths = new Set<number>();
  const services = new Map<string, GuePlan['services'][number]>();
  let localAddr: string | undefined;

  for (const g of [...desired.gateways].sort((a, b) => a.gatewayId.localeCompare(b.gatewayId))) {
    const local = byGateway.get(g.gatewayId) ?? [];
    const adv = advertised(g);
    const reason = announceReason(
      g,
      desired.draining,
      local,
      adv.length > 0 && adv.every((p) => now.has(comparable(p))),
    );
    gateways.push({ gatewayId: g.gatewayId, announced: reason === 'announced', reason });
    if (reason === 'announced') for (const p of adv) prefixes.add(p);
    // The firewall serves every gateway placed on the node: until it is announced no traffic is attracted,
    // and once it is, the listener ports are already open.
    for (const address of g.addresses) firewall.push({ address, ports: g.ports });

    const marks = local.flatMap((p) => (p.vethIfindex === null ? [] : [p.vethIfindex]));
    for (const t of g.tunnels) {
      tunnelIds.add(t.tunnelId);
      localAddr ??= t.localAddress;
      for (const m of marks) veths.add(m);
      for (const s of t.services ?? []) {
        for (const mark of marks) {
          const entry = {
            podAddr: s.address,
            podPort: s.port,
            proto: PROTO[s.protocol],
            mark,
            tunnelId: t.tunnelId,
          };
          services.set(`${s.address}|${s.port}|${entry.proto}|${mark}`, entry);
        }
      }
    }
  }

  const gue: GuePlan | null =
    localAddr === undefined
      ? null
      : {
          localAddr,
          tunnelIds: [...tunnelIds].sort((a, b) => a - b),
          vethIfindexes: [...veths].sort((a, b) => a - b),
          services: [...services.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v),
        };
  return { prefixes: [...prefixes].sort(), firewall, gue, gateways };
}

/** The parts a reconciler drives; each is optional so a node without (say) GUE runs the rest. */
export interface NodeParts {
  bgp?: {
    reconcile(
      s: NodeBgpSettings | null,
      prefixes: readonly string[],
      seen?: Partial<GobgpState>,
    ): Promise<BgpReconcileResult>;
    /** What gobgpd originates now (a gateway announced stays so through a revision not ACKed yet). */
    localPrefixes?(): Promise<string[]>;
    /** The speaker, its peers and what it originates, in one wait (else localPrefixes() alone is read). */
    readState?(): Promise<GobgpState>;
  };
  firewall?: { apply(entries: readonly FirewallEntry[]): Promise<void> };
  gue?: { reconcile(plan: GuePlan): Promise<unknown> };
}

export interface NodeReconcileResult {
  plan: NodePlan;
  bgp: BgpReconcileResult | null;
  errors: Array<{ part: 'bgp' | 'firewall' | 'gue'; message: string }>;
}

export class NodeReconciler {
  constructor(
    private readonly parts: NodeParts,
    private readonly bgpSettings: NodeBgpSettings | null,
  ) {}

  /**
   * What gobgpd has now (above all what it originates); undefined when gobgpd is unreachable or not started
   * (nothing is announced, so nothing can be kept). The agent is gobgpd's only writer, so the loop reads it while
   * it waits for the API and passes it to reconcile().
   */
  readBgp(): Promise<Partial<GobgpState> | undefined> {
    const bgp = this.parts.bgp;
    const read = bgp?.readState
      ? bgp.readState()
      : bgp?.localPrefixes?.().then((originated) => ({ originated }));
    return read?.catch(() => undefined) ?? Promise.resolve(undefined);
  }

  /**
   * Applies the plan part by part; a part that fails is reported and the others still run (the next
   * reconcile retries it). Firewall first so that a route is never announced towards a closed port.
   */
  async reconcile(
    desired: NodeDesiredState,
    proxies: readonly ProxyObservation[],
    bgpNow: Promise<Partial<GobgpState> | undefined> = this.readBgp(),
  ): Promise<NodeReconcileResult> {
    const { firewall, gue, bgp } = this.parts;
    const read = await bgpNow;
    const announcedNow = read?.originated ?? [];
    const plan = planNode(desired, proxies, announcedNow);
    const errors: NodeReconcileResult['errors'] = [];
    const attempt = async <T>(part: 'bgp' | 'firewall' | 'gue', fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        errors.push({ part, message: e instanceof Error ? e.message : String(e) });
        return null;
      }
    };
    if (firewall) await attempt('firewall', () => firewall.apply(plan.firewall));
    if (gue && plan.gue) await attempt('gue', () => gue.reconcile(plan.gue!));
    const bgpResult = bgp
      ? await attempt('bgp', () => bgp.reconcile(this.bgpSettings, plan.prefixes, read))
      : null;
    return { plan, bgp: bgpResult, errors };
  }
}
