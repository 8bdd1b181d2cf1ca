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

/** A part of the graph built from one input object: its nodes and edges, and what its structure is. */
interface Part {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /**
   * Node ids and edges (with labels), as one text: equal texts are the same structure. Made only when an update
   * compares this part with a different one (an unchanged part is the same object), and kept.
   */
  shape?: string;
}

interface RoutePart extends Part {
  services: string[];
}

interface SlicePart extends Part {
  service: string;
  total: number;
  ready: number;
  /** Workload node id → the tunnel address this slice reports for it. */
  tunnels: [string, { node: string; cluster: string; address: string }][];
}

/**
 * What `buildModel` keeps between calls: the part built from each route and slice object, by identity. Answers
 * shared structurally with the previous ones (`data/share.ts`) hand back the same objects for what did not
 * change, so a live update rebuilds only the parts of the objects that did.
 */
export interface ModelMemo {
  routes: WeakMap<object, { key: string; part: RoutePart }>;
  slices: WeakMap<object, SlicePart>;
  /**
   * The previous graph and its parts (or, for the gateway and its tail, their shapes as texts): an update that
   * changes no shape keeps its edges array.
   */
  last?: { shapes: (string | Part)[]; graph: TopologyGraph };
  /** The last sort of the routes (by their objects) and of the slices (by their ids): an update keeps both. */
  order?: {
    routes?: { input: readonly object[]; sorted: object[] };
    slices?: { ids: string[]; perm: number[] };
  };
  /** Each service node with its counts, by id, and the route part's node it was made from. */
  services?: Map<string, { base: TopologyNode; node: TopologyNode }>;
}

export function modelMemo(): ModelMemo {
  return { routes: new WeakMap(), slices: new WeakMap() };
}

/** `localeCompare`'s order (the same default collation), without building a collator per comparison. */
const collator = new Intl.Collator();

function shapeOf(part: Part): string {
  if (part.shape !== undefined) return part.shape;
  const { nodes, edges } = part;
  let s = '';
  for (const n of nodes) s += `${n.id}\u0001`;
  for (const e of edges) s += `${e.from}\u0002${e.to}\u0002${e.label ?? ''}\u0001`;
  part.shape = s;
  return s;
}

/** The same structure: the same part, or parts (or texts) of equal shape. */
const sameShape = (a: string | Part, b: string | Part): boolean =>
  a === b || (typeof a === 'string' || typeof b === 'string' ? false : shapeOf(a) === shapeOf(b));

function partBuilder() {
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const ids = new Set<string>();
  const edgeKeys = new Set<string>();
  return {
    nodes,
    edges,
    add(n: TopologyNode) {
      if (!ids.has(n.id)) {
        ids.add(n.id);
        nodes.push(n);
      }
      return n.id;
    },
    link(from: string, to: string, label?: string) {
      const k = `${from}\u0000${to}`;
      if (edgeKeys.has(k)) return;
      edgeKeys.add(k);
      edges.push(label ? { from, to, label } : { from, to });
    },
  };
}

function routePart(
  r: ModelInput['routes'][number],
  gatewayId: string,
  listenerIds: ReadonlyMap<string, string>,
): RoutePart {
  const b = partBuilder();
  const services: string[] = [];
  const conditions = routeConditions(r.status, gatewayId);
  const routeId = b.add({
    id: `route:${r.id}`,
    kind: 'route',
    label: `${r.kind} ${r.namespace}/${r.name}`,
    health: healthOf(conditions),
    details: { kind: r.kind, hostnames: ((r.spec.hostnames as string[] | undefined) ?? ['*']).join(', ') },
    conditions,
  });
  const parentRefs = (r.spec.parentRefs as ParentRef[] | undefined) ?? [];
  const mine = r.parents?.filter((p) => p.gatewayId === gatewayId) ?? [];
  const sections = mine.map((p) => parentRefs[p.refIndex]?.sectionName);
  const attached =
    sections.length && sections.every((s) => s)
      ? sections.map((s) => listenerIds.get(s!)).filter((x): x is string => Boolean(x))
      : [...listenerIds.values()];
  const listenerEdges = attached.map((l) => ({ from: l, to: routeId }));
  const rules = (r.spec.rules as Rule[] | undefined) ?? [];
  rules.forEach((rule, i) => {
    const ruleId = b.add({
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
    b.link(routeId, ruleId);
    const refs = rule.backendRefs ?? [];
    const total = refs.reduce((n, x) => n + (x.weight ?? 1), 0);
    refs.forEach((ref, j) => {
      const ns = ref.namespace ?? r.namespace;
      const weight = ref.weight ?? 1;
      const backendId = b.add({
        id: `backend:${r.id}/${i}/${j}`,
        kind: 'backend',
        label: `${ref.name ?? '?'}:${ref.port ?? '?'} · ${total ? Math.round((weight / total) * 100) : 0}%`,
        health: 'unknown',
        details: {
          service: `${ns}/${ref.name ?? '?'}`,
          port: String(ref.port ?? '—'),
          weight: String(weight),
        },
        conditions: [],
      });
      b.link(ruleId, backendId, `w ${weight}`);
      const svc = `${ns}/${ref.name ?? '?'}`;
      services.push(svc);
      const serviceId = b.add({
        id: `service:${svc}`,
        kind: 'service',
        label: svc,
        health: 'unknown',
        details: { service: svc },
        conditions: [],
      });
      b.link(backendId, serviceId);
    });
  });
  // The listener edges come first in the graph's edge list (as the route is linked before its rules).
  const edges = [...listenerEdges, ...b.edges];
  return { nodes: b.nodes, edges, services };
}

function slicePart(s: ModelInput['slices'][number]): SlicePart {
  const b = partBuilder();
  const service = `${s.namespace}/${s.serviceName}`;
  const serviceId = `service:${service}`;
  const tunnels = new Map<string, { node: string; cluster: string; address: string }>();
  let total = 0;
  let readyCount = 0;
  for (const e of s.endpoints) {
    const ready = e.conditions?.ready !== false;
    const terminating = e.conditions?.terminating === true;
    total++;
    if (ready && !terminating) readyCount++;
    const addr = e.addresses[0] ?? '?';
    const epId = b.add({
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
    b.link(serviceId, epId);
    if (e.nodeName) {
      const cluster = s.clusterId ?? 'static';
      const nodeId = b.add({
        id: `node:${cluster}/${e.nodeName}`,
        kind: 'node',
        label: e.nodeName,
        health: 'unknown',
        details: { node: e.nodeName, cluster },
        conditions: [],
      });
      b.link(epId, nodeId);
      const address = s.nodeAddresses?.[e.nodeName];
      if (address && !tunnels.has(nodeId)) tunnels.set(nodeId, { node: e.nodeName, cluster, address });
    }
  }
  return {
    nodes: b.nodes,
    edges: b.edges,
    service,
    total,
    ready: readyCount,
    tunnels: [...tunnels],
  };
}

/**
 * Builds into `memo` the parts of the routes and slices given, as `buildModel` would with this memo (and the
 * gateway's listeners), without assembling a graph: a first load builds them while the rest of its answer is
 * still on the way, and `buildModel` then finds them ready. Changes no answer of `buildModel`.
 */
export function warmModel(
  memo: ModelMemo,
  part: {
    gateway?: Pick<ModelInput['gateway'], 'id' | 'listeners'>;
    routes?: ModelInput['routes'];
    slices?: ModelInput['slices'];
  },
): void {
  for (const s of part.slices ?? []) if (!memo.slices.has(s)) memo.slices.set(s, slicePart(s));
  const g = part.gateway;
  if (!g || !part.routes?.length) return;
  // The listener ids as buildModel makes them: the first listener of each name.
  const listenerIds = new Map<string, string>();
  for (const l of g.listeners) if (!listenerIds.has(l.name)) listenerIds.set(l.name, `listener:${l.name}`);
  const key = `${g.id}\u0000${[...listenerIds].join('\u0001')}`;
  for (const r of part.routes)
    if (memo.routes.get(r)?.key !== key) memo.routes.set(r, { key, part: routePart(r, g.id, listenerIds) });
}

/**
 * Stage 1: the gateway's objects as a graph — gateway → listeners → routes → rules → weighted backends →
 * services → endpoints → nodes → tunnels → EPIC nodes → proxies. Pure and deterministic: the same input gives
 * the same nodes in the same order.
 *
 * A tunnel exists per (gateway, workload node, EPIC node) (ARCHITECTURE.md): the graph draws one for every
 * workload node with a tunnel address and every EPIC node that runs one of the gateway's proxies. A tenant
 * sees neither the EPIC nodes' addresses nor the tunnels' keep-alives, so a tunnel has no health of its own.
 *
 * With a `memo`, the part of each route and slice is built once per object and reused while the object is the
 * same, and a graph whose structure (node ids, edges) equals the previous call's keeps the previous `edges`
 * array: the later stages take that identity to mean "nothing moved" and reuse their work. The answer equals
 * the one without a memo.
 */
export function buildModel(input: ModelInput, memo?: ModelMemo): TopologyGraph {
  const nodes = new Map<string, TopologyNode>();
  let edges: TopologyEdge[] = [];
  const shapes: (string | Part)[] = [];
  const add = (n: TopologyNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const link = (from: string, to: string, label?: string) => {
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
    const id = `listener:${l.name}`;
    if (nodes.has(id)) continue;
    add({
      id,
      kind: 'listener',
      label: `${l.name} ${l.protocol}:${l.port}`,
      health: 'unknown',
      details: { protocol: l.protocol, port: String(l.port), hostname: l.hostname ?? '*' },
      conditions: [],
    });
    listenerIds.set(l.name, id);
    link(gwId, id);
  }
  shapes.push(`${gwId}\u0001${[...listenerIds.values()].join('\u0001')}`);
  const listenerKey = `${g.id}\u0000${[...listenerIds].join('\u0001')}`;
  const services = new Set<string>();
  // Sorted once per list: the same route objects (a live update that changed no route hands the list on as it
  // was) or the same slice ids in the same order keep the last order, without comparing hundreds of names again.
  const order = memo ? (memo.order ??= {}) : undefined;
  const routes =
    order?.routes?.input === input.routes
      ? (order.routes.sorted as typeof input.routes)
      : input.routes
          .map((r) => [`${r.namespace}/${r.name}/${r.id}`, r] as const)
          .sort((a, b) => collator.compare(a[0], b[0]))
          .map(([, r]) => r);
  if (order) order.routes = { input: input.routes, sorted: routes };
  const seenRoutes = new Set<string>();
  for (const r of routes) {
    if (seenRoutes.has(r.id)) continue;
    seenRoutes.add(r.id);
    const kept = memo?.routes.get(r);
    const part = kept && kept.key === listenerKey ? kept.part : routePart(r, g.id, listenerIds);
    if (part !== kept?.part) memo?.routes.set(r, { key: listenerKey, part });
    for (const n of part.nodes) add(n);
    for (const e of part.edges) edges.push(e);
    for (const svc of part.services) services.add(svc);
    shapes.push(part);
  }
  const lastSlices = order?.slices;
  let slices: typeof input.slices;
  if (
    lastSlices &&
    lastSlices.ids.length === input.slices.length &&
    input.slices.every((x, i) => x.id === lastSlices.ids[i])
  )
    slices = lastSlices.perm.map((i) => input.slices[i]!);
  else {
    const perm = input.slices
      .map((_, i) => i)
      .sort((a, b) => collator.compare(input.slices[a]!.id, input.slices[b]!.id));
    slices = perm.map((i) => input.slices[i]!);
    if (order) order.slices = { ids: input.slices.map((x) => x.id), perm };
  }
  const tunnelNodes = new Map<string, { node: string; cluster: string; address: string }>();
  const readyBySvc = new Map<string, { total: number; ready: number }>();
  const seenSlices = new Set<string>();
  for (const s of slices) {
    if (seenSlices.has(s.id)) continue;
    seenSlices.add(s.id);
    let part = memo?.slices.get(s);
    if (!part) {
      part = slicePart(s);
      memo?.slices.set(s, part);
    }
    if (!services.has(part.service)) continue;
    shapes.push(part);
    for (const n of part.nodes) {
      if (n.kind === 'node') {
        // A workload node seen in several slices: one node, whose tunnel address is the first one reported.
        if (!nodes.has(n.id)) nodes.set(n.id, { ...n, details: { ...n.details } });
      } else add(n);
    }
    for (const e of part.edges) edges.push(e);
    const c = readyBySvc.get(part.service) ?? { total: 0, ready: 0 };
    c.total += part.total;
    c.ready += part.ready;
    readyBySvc.set(part.service, c);
    for (const [nodeId, t] of part.tunnels) {
      const n = nodes.get(nodeId)!;
      if (!n.details.tunnelAddress) n.details.tunnelAddress = t.address;
      tunnelNodes.set(nodeId, { ...t, address: n.details.tunnelAddress });
    }
  }
  const servicesBefore = memo?.services;
  const servicesNow = new Map<string, { base: TopologyNode; node: TopologyNode }>();
  for (const [svc, c] of readyBySvc) {
    const id = `service:${svc}`;
    const n = nodes.get(id);
    if (!n) continue;
    const health: Health = c.ready === c.total ? 'ok' : c.ready === 0 ? 'bad' : 'warn';
    const endpoints = `${c.ready}/${c.total} ready`;
    // The same counts on the same route part's node: the node made last time, as it was (the later stages
    // and the drawing take an unchanged object to mean an unchanged node).
    const kept = servicesBefore?.get(id);
    const node =
      kept && kept.base === n && kept.node.health === health && kept.node.details.endpoints === endpoints
        ? kept.node
        : // A copy: the route parts that hold the service node are shared between calls.
          { ...n, health, details: { ...n.details, endpoints } };
    servicesNow.set(id, { base: n, node });
    nodes.set(id, node);
  }
  if (memo) memo.services = servicesNow;
  // The EPIC nodes that run the gateway's proxies, each with its proxies; a proxy no node has reported yet
  // stands alone in the proxy band.
  const tail: string[] = [];
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
      tail.push(tunnelId);
      link(nodeId, tunnelId);
      link(tunnelId, `epic:${epic}`);
    }
  for (const epic of epicNodes) {
    const mine = proxies.filter((p) => p.node === epic);
    const ready = mine.filter((p) => proxyHealth(p) === 'ok').length;
    // Failing only when none of its proxies is even ready; degraded while some are not ready or not on xDS.
    tail.push(
      add({
        id: `epic:${epic}`,
        kind: 'epicNode',
        label: epic,
        health: ready === mine.length ? 'ok' : mine.every((p) => !p.ready) ? 'bad' : 'warn',
        details: { epicNode: epic, proxies: `${ready}/${mine.length} ready` },
        conditions: [],
      }),
    );
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
    tail.push(`${proxyId}>${p.node ?? ''}`);
    if (p.node) link(`epic:${p.node}`, proxyId);
  }
  shapes.push(tail.join('\u0001'));
  if (memo) {
    const last = memo.last;
    if (
      last &&
      last.shapes.length === shapes.length &&
      last.shapes.every((x, i) => sameShape(x, shapes[i]!)) &&
      last.graph.edges.length === edges.length
    )
      edges = last.graph.edges;
  }
  const graph = { nodes: [...nodes.values()], edges };
  if (memo) memo.last = { shapes, graph };
  return graph;
}
