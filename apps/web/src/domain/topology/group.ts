import type { TopologyEdge, TopologyGraph, TopologyNode } from './types.js';

export interface GroupOptions {
  /** A service with more endpoints than this shows one group node with counts. */
  threshold: number;
  /** Services (node ids) the user expanded. */
  expanded?: ReadonlySet<string>;
}

/**
 * What `groupGraph` keeps between calls: the previous input's edges and options, and what it made of them. A
 * graph with the same `edges` array (the model's sign of an unchanged structure) and the same options collapses
 * the same way, so the (largest) work — re-linking every edge through the groups — is reused.
 */
export interface GroupMemo {
  last?: {
    edgesIn: TopologyEdge[];
    threshold: number;
    expanded: ReadonlySet<string> | undefined;
    edgesOut: TopologyEdge[];
  };
  /** The group nodes made last time, by id: an equal one is handed on as the same object. */
  groups?: Map<string, TopologyNode>;
}

/** Whether two group nodes draw and tell the same (their other fields follow from these). */
const sameGroup = (a: TopologyNode, b: TopologyNode) =>
  a.label === b.label &&
  a.health === b.health &&
  a.groupOf === b.groupOf &&
  a.count?.total === b.count?.total &&
  a.count?.ready === b.count?.ready;

/**
 * Stage 3: collapses each large endpoint set into one `endpoints` node (count, ready count, worst health);
 * edges from its endpoints to nodes are kept once, from the group. Large gateways stay readable this way.
 * With a `memo`, an unchanged structure keeps the previous output's `edges` array (see `GroupMemo`).
 */
export function groupGraph(graph: TopologyGraph, opts: GroupOptions, memo?: GroupMemo): TopologyGraph {
  const members = new Map<string, TopologyNode[]>();
  for (const n of graph.nodes)
    if (n.kind === 'endpoint' && n.groupOf) {
      const list = members.get(n.groupOf);
      if (list) list.push(n);
      else members.set(n.groupOf, [n]);
    }
  const collapse = new Map<string, string>();
  const groups: TopologyNode[] = [];
  for (const [service, eps] of members) {
    if (eps.length <= opts.threshold || opts.expanded?.has(service)) continue;
    const groupId = `endpoints:${service}`;
    const ready = eps.filter((e) => e.health === 'ok').length;
    const health = eps.some((e) => e.health === 'bad')
      ? ready === 0
        ? 'bad'
        : 'warn'
      : eps.some((e) => e.health === 'warn')
        ? 'warn'
        : 'ok';
    const group: TopologyNode = {
      id: groupId,
      kind: 'endpoints',
      label: `${eps.length} endpoints · ${ready} ready`,
      health,
      details: {
        service: service.replace(/^service:/, ''),
        endpoints: String(eps.length),
        ready: String(ready),
      },
      conditions: [],
      count: { total: eps.length, ready },
      groupOf: service,
    };
    const kept = memo?.groups?.get(groupId);
    groups.push(kept && sameGroup(kept, group) ? kept : group);
    for (const e of eps) collapse.set(e.id, groupId);
  }
  if (memo) memo.groups = new Map(groups.map((g) => [g.id, g]));
  if (collapse.size === 0) {
    if (memo) memo.last = undefined;
    return graph;
  }
  const nodes: TopologyNode[] = [];
  let groupsPlaced = false;
  for (const n of graph.nodes) {
    if (collapse.has(n.id)) {
      if (!groupsPlaced) {
        nodes.push(...groups);
        groupsPlaced = true;
      }
      continue;
    }
    nodes.push(n);
  }
  const last = memo?.last;
  if (
    last &&
    last.edgesIn === graph.edges &&
    last.threshold === opts.threshold &&
    last.expanded === opts.expanded
  )
    return { nodes, edges: last.edgesOut };
  const seen = new Set<string>();
  const edges: TopologyEdge[] = [];
  for (const e of graph.edges) {
    const from = collapse.get(e.from) ?? e.from;
    const to = collapse.get(e.to) ?? e.to;
    const k = `${from}\u0000${to}`;
    if (seen.has(k)) continue;
    seen.add(k);
    edges.push(e.label && from === e.from && to === e.to ? { from, to, label: e.label } : { from, to });
  }
  if (memo)
    memo.last = { edgesIn: graph.edges, threshold: opts.threshold, expanded: opts.expanded, edgesOut: edges };
  return { nodes, edges };
}
