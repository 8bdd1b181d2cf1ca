import type { Health, TopologyCondition, TopologyEdge, TopologyGraph, TopologyNode } from './types.js';

/** The API objects the model reads (a structural subset, so tests can pass plain literals). */
export interface ModelInput {
  gateway: {
    id: string;
    name: string;
    namespace: string;
    address: string | null;
    dnsName: string | null;
    listeners: { name: string; port: number; protocol: string; hostname?: string | null }[];
    conditions: TopologyCondition[];
  };
  routes: {
    id: string;
    kind: string;
    name: string;
    namespace: string;
    spec: Record<string, unknown>;
    status?: unknown;
    parents?: { gatewayId: string; refIndex: number }[];
  }[];
  slices: {
    id: string;
    namespace: string;
    serviceName: string;
    clusterId: string | null;
    endpoints: {
      addresses: string[];
      conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null } | null;
      nodeName?: string | null;
      targetRef?: { kind?: string; name?: string } | null;
    }[];
    /** Workload node name → the address that carries its tunnels (set once the cluster's agent reports it). */
    nodeAddresses?: Record<string, string>;
  }[];
  /** The gateway's Envoy proxies as its tenant sees them: pod, the EPIC node's name, readiness. */
  proxies?: {
    podName: string;
    node: string | null;
    ready: boolean;
    xdsConnected: boolean;
    ackedVersion: number | null;
  }[];
}

interface BackendRef {
  name?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  kind?: string;
}
interface Rule {
  matches?: { path?: { type?: string; value?: string }; method?: string; headers?: { name: string }[] }[];
  backendRefs?: BackendRef[];
  filters?: { type: string }[];
}
interface ParentRef {
  name?: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

export function healthOf(conditions: TopologyCondition[]): Health {
  if (conditions.length === 0) return 'unknown';
  if (conditions.some((c) => c.status === 'False')) return 'bad';
  if (conditions.some((c) => c.status === 'Unknown')) return 'warn';
  return 'ok';
}

function routeConditions(status: unknown, gatewayId: string): TopologyCondition[] {
  const parents = (status as { parents?: { gatewayId?: string; conditions?: TopologyCondition[] }[] } | null)
    ?.parents;
  if (!Array.isArray(parents)) return [];
  return parents.filter((p) => !p.gatewayId || p.gatewayId === gatewayId).flatMap((p) => p.conditions ?? []);
}

function matchLabel(rule: Rule, index: number): string {
  const m = rule.matches?.[0];
  if (!m) return `rule ${index}: any`;
  const parts = [
    m.method,
    m.path
      ? `${m.path.type === 'Exact' ? '=' : m.path.type === 'RegularExpression' ? '~' : ''}${m.path.value ?? '/'}`
      : undefined,
  ];
  const more = (rule.matches?.length ?? 1) > 1 ? ` +${(rule.matches?.length ?? 1) - 1}` : '';
  return `rule ${index}: ${parts.filter(Boolean).join(' ') || 'any'}${more}`;
}

function proxyHealth(p: NonNullable<ModelInput['proxies']>[number]): Health {
  if (!p.ready) return 'bad';
  return p.xdsConnected ? 'ok' : 'warn';
}

/**
 * Stage 1: the gateway's objects as a graph — gateway → listeners → routes → rules → weighted backends →
 * services → endpoints → nodes → tunnels → EPIC nodes → proxies. Pure and deterministic: the same input gives
 * the same nodes in the same order.
 *
 * A tunnel exists per (gateway, workload node, EPIC node) (ARCHITECTURE.md): the graph draws one for every
 * workload node with a tunnel address and every EPIC node that runs one of the gateway's proxies. A tenant
 * sees neither the EPIC nodes' addresses nor the tunnels' keep-alives, so a tunnel has no health of its own.
 */
export function buildModel(input: ModelInput): TopologyGraph {
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  const edgeKeys = new Set<string>();
  const add = (n: TopologyNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const link = (from: string, to: string, label?: string) => {
    const k = `${from}\u0000${to}`;
    if (edgeKeys.has(k)) return;
    edgeKeys.add(k);
    edges.push(label ? { from, to, label } : { from, to });
  };

  const g = input.gateway;
  const gwId = add({
    id: `gateway:${g.id}`,
    kind: 'gateway',
    label: `${g.namespace}/${g.name}`,
    health: healthOf(g.conditions),
    details: { address: g.address ?? '—', dnsName: g.dnsName ?? '—' },
    conditions: g.conditions,
  });
  const listenerIds = new Map<string, string>();
  for (const l of g.listeners) {
    const id = add({
      id: `listener:${l.name}`,
      kind: 'listener',
      label: `${l.name} ${l.protocol}:${l.port}`,
      health: 'unknown',
      details: { protocol: l.protocol, port: String(l.port), hostname: l.hostname ?? '*' },
      conditions: [],
    });
    listenerIds.set(l.name, id);
    link(gwId, id);
  }

  const services = new Set<string>();
  const routes = [...input.routes].sort((a, b) =>
    `${a.namespace}/${a.name}/${a.id}`.localeCompare(`${b.namespace}/${b.name}/${b.id}`),
  );
  for (const r of routes) {
    const conditions = routeConditions(r.status, g.id);
    const routeId = add({
      id: `route:${r.id}`,
      kind: 'route',
      label: `${r.kind} ${r.namespace}/${r.name}`,
      health: healthOf(conditions),
      details: { kind: r.kind, hostnames: ((r.spec.hostnames as string[] | undefined) ?? ['*']).join(', ') },
      conditions,
    });
    const parentRefs = (r.spec.parentRefs as ParentRef[] | undefined) ?? [];
    const mine = r.parents?.filter((p) => p.gatewayId === g.id) ?? [];
    const sections = mine.map((p) => parentRefs[p.refIndex]?.sectionName);
    const attached =
      sections.length && sections.every((s) => s)
        ? sections.map((s) => listenerIds.get(s!)).filter((x): x is string => Boolean(x))
        : [...listenerIds.values()];
    for (const l of attached) link(l, routeId);

    const rules = (r.spec.rules as Rule[] | undefined) ?? [];
    rules.forEach((rule, i) => {
      const ruleId = add({
        id: `rule:${r.id}/${i}`,
        kind: 'rule',
        label: matchLabel(rule, i),
        health: 'unknown',
        details: {
          matches: JSON.stringify(rule.matches ?? []),
          filters: (rule.filters ?? []).map((f) => f.type).join(', ') || 'none',
        },
        conditions: [],
      });
      link(routeId, ruleId);
      const refs = rule.backendRefs ?? [];
      const total = refs.reduce((n, b) => n + (b.weight ?? 1), 0);
      refs.forEach((b, j) => {
        const ns = b.namespace ?? r.namespace;
        const weight = b.weight ?? 1;
        const backendId = add({
          id: `backend:${r.id}/${i}/${j}`,
          kind: 'backend',
          label: `${b.name ?? '?'}:${b.port ?? '?'} · ${total ? Math.round((weight / total) * 100) : 0}%`,
          health: 'unknown',
          details: { service: `${ns}/${b.name ?? '?'}`, port: String(b.port ?? '—'), weight: String(weight) },
          conditions: [],
        });
        link(ruleId, backendId, `w ${weight}`);
        const svc = `${ns}/${b.name ?? '?'}`;
        services.add(svc);
        const serviceId = add({
          id: `service:${svc}`,
          kind: 'service',
          label: svc,
          health: 'unknown',
          details: { service: svc },
          conditions: [],
        });
        link(backendId, serviceId);
      });
    });
  }

  const slices = [...input.slices].sort((a, b) => a.id.localeCompare(b.id));
  const tunnelNodes = new Map<string, { node: string; cluster: string; address: string }>();
  const readyBySvc = new Map<string, { total: number; ready: number }>();
  for (const s of slices) {
    const svc = `${s.namespace}/${s.serviceName}`;
    if (!services.has(svc)) continue;
    const serviceId = `service:${svc}`;
    for (const e of s.endpoints) {
      const ready = e.conditions?.ready !== false;
      const terminating = e.conditions?.terminating === true;
      const c = readyBySvc.get(svc) ?? { total: 0, ready: 0 };
      c.total++;
      if (ready && !terminating) c.ready++;
      readyBySvc.set(svc, c);
      const addr = e.addresses[0] ?? '?';
      const epId = add({
        id: `endpoint:${s.id}/${addr}`,
        kind: 'endpoint',
        label: e.targetRef?.name ? `${e.targetRef.name} ${addr}` : addr,
        health: terminating ? 'warn' : ready ? 'ok' : 'bad',
        details: {
          address: e.addresses.join(', '),
          pod: e.targetRef?.name ?? '—',
          node: e.nodeName ?? '—',
          cluster: s.clusterId ?? 'static',
          ready: String(ready),
          serving: String(e.conditions?.serving ?? ready),
          terminating: String(terminating),
        },
        conditions: [],
        groupOf: serviceId,
      });
      link(serviceId, epId);
      if (e.nodeName) {
        const cluster = s.clusterId ?? 'static';
        const nodeId = add({
          id: `node:${cluster}/${e.nodeName}`,
          kind: 'node',
          label: e.nodeName,
          health: 'unknown',
          details: { node: e.nodeName, cluster },
          conditions: [],
        });
        link(epId, nodeId);
        const tunnelAddress = s.nodeAddresses?.[e.nodeName];
        if (tunnelAddress) {
          const n = nodes.get(nodeId)!;
          if (!n.details.tunnelAddress) n.details = { ...n.details, tunnelAddress };
          tunnelNodes.set(nodeId, { node: e.nodeName, cluster, address: n.details.tunnelAddress! });
        }
      }
    }
  }
  for (const [svc, c] of readyBySvc) {
    const n = nodes.get(`service:${svc}`);
    if (!n) continue;
    n.health = c.ready === c.total ? 'ok' : c.ready === 0 ? 'bad' : 'warn';
    n.details = { ...n.details, endpoints: `${c.ready}/${c.total} ready` };
  }

  // The EPIC nodes that run the gateway's proxies, each with its proxies; a proxy no node has reported yet
  // stands alone in the proxy band.
  const proxies = [...(input.proxies ?? [])].sort((a, b) => a.podName.localeCompare(b.podName));
  const epicNodes = [...new Set(proxies.map((p) => p.node).filter((n): n is string => Boolean(n)))].sort();
  for (const [nodeId, t] of [...tunnelNodes].sort((a, b) => a[0].localeCompare(b[0])))
    for (const epic of epicNodes) {
      const tunnelId = add({
        id: `tunnel:${t.cluster}/${t.node}>${epic}`,
        kind: 'tunnel',
        label: `${t.node} ⇄ ${epic}`,
        health: 'unknown',
        details: { workloadNode: t.node, cluster: t.cluster, tunnelAddress: t.address, epicNode: epic },
        conditions: [],
      });
      link(nodeId, tunnelId);
      link(tunnelId, `epic:${epic}`);
    }
  for (const epic of epicNodes) {
    const mine = proxies.filter((p) => p.node === epic);
    const ready = mine.filter((p) => proxyHealth(p) === 'ok').length;
    // Failing only when none of its proxies is even ready; degraded while some are not ready or not on xDS.
    add({
      id: `epic:${epic}`,
      kind: 'epicNode',
      label: epic,
      health: ready === mine.length ? 'ok' : mine.every((p) => !p.ready) ? 'bad' : 'warn',
      details: { epicNode: epic, proxies: `${ready}/${mine.length} ready` },
      conditions: [],
    });
  }
  for (const p of proxies) {
    const proxyId = add({
      id: `proxy:${p.podName}`,
      kind: 'proxy',
      label: p.podName,
      health: proxyHealth(p),
      details: {
        pod: p.podName,
        epicNode: p.node ?? 'not reported by a node yet',
        ready: String(p.ready),
        xdsConnected: String(p.xdsConnected),
        ackedRevision: p.ackedVersion === null ? '—' : `v${p.ackedVersion}`,
      },
      conditions: [],
    });
    if (p.node) link(`epic:${p.node}`, proxyId);
  }
  return { nodes: [...nodes.values()], edges };
}
