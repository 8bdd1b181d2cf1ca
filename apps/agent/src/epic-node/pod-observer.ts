// The node's Envoys as the EPIC cluster sees them: the fleet pods scheduled on this node (the provisioner's owner
// labels, `spec.nodeName` = the node), ready when the kubelet's readiness probe on Envoy's admin /ready passes,
// with the host-side veth found by asking the kernel how it reaches the pod's address. The revision each proxy
// ACKed is not visible here: the API's record of each proxy's own xDS ACKs (`proxyAcks`) stands in for it.
import { LABEL_GATEWAY_ID, ownerSelector } from '@epic/infra-translator';
import type { ProxyObservation } from './contract.js';
import { execIn, type Exec } from './exec.js';

/** The part of a Pod the observer reads. */
export interface ObservedPod {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

/** Lists pods in the EPIC cluster (`GET` of a path under the API server, parsed JSON). */
export interface PodLister {
  get(path: string): Promise<unknown>;
}

export interface PodObserverOptions {
  kube: PodLister;
  /** The node's name in the EPIC cluster (the pods' `spec.nodeName`). */
  node: string;
  /** Runs `ip` where the node's routes are (the host; a namespace in tests). */
  exec?: Exec;
}

/** The pods' list path: every EPIC fleet pod on `node`, across namespaces. */
export function podListPath(node: string): string {
  const q = new URLSearchParams({ labelSelector: ownerSelector(), fieldSelector: `spec.nodeName=${node}` });
  return `/api/v1/pods?${q.toString()}`;
}

export function isReady(p: ObservedPod): boolean {
  if (p.metadata.deletionTimestamp) return false;
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The ifindex of the interface the node routes `address` through when that is a directly attached link (a pod's
 * host-side veth: `ip route get` has no gateway); null when the address is reached through a router or is local.
 */
export async function vethOf(
  exec: Exec,
  address: string,
  ifindexes: Map<string, number>,
): Promise<number | null> {
  const routes = JSON.parse(await exec('ip', ['-j', 'route', 'get', address])) as Array<{
    dev?: string;
    gateway?: string;
    type?: string;
  }>;
  const r = routes[0];
  if (!r?.dev || r.gateway || r.type === 'local' || r.dev === 'lo') return null;
  return ifindexes.get(r.dev) ?? null;
}

export function podObserver(opts: PodObserverOptions): { observe(): Promise<ProxyObservation[]> } {
  const exec = opts.exec ?? execIn();
  const path = podListPath(opts.node);
  return {
    async observe() {
      const list = (await opts.kube.get(path)) as { items?: ObservedPod[] };
      const pods = (list.items ?? []).filter((p) => p.metadata.labels?.[LABEL_GATEWAY_ID]);
      if (pods.length === 0) return [];
      const links = JSON.parse(await exec('ip', ['-j', 'link', 'show'])) as Array<{
        ifname: string;
        ifindex: number;
      }>;
      const ifindexes = new Map(links.map((l) => [l.ifname, l.ifindex]));
      const out: ProxyObservation[] = [];
      for (const p of pods) {
        const ip = p.status?.podIP;
        out.push({
          gatewayId: p.metadata.labels![LABEL_GATEWAY_ID]!,
          podName: p.metadata.name,
          // A pod whose address the node cannot route yet has no veth to tag: GUE skips it until it has.
          vethIfindex: ip ? await vethOf(exec, ip, ifindexes).catch(() => null) : null,
          ready: isReady(p),
          ackedVersion: null,
        });
      }
      return out.sort((a, b) =>
        a.gatewayId === b.gatewayId
          ? a.podName.localeCompare(b.podName)
          : a.gatewayId.localeCompare(b.gatewayId),
      );
    },
  };
}
