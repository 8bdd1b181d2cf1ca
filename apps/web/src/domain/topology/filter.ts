import type { NodeKind, TopologyEdge, TopologyGraph } from './types.js';

export interface FilterOptions {
  /** Kinds to leave out (e.g. nodes, rules); edges through a hidden node are bridged. */
  hide?: readonly NodeKind[];
  /** Only routes whose label contains this text (case-insensitive), and what hangs off them. */
  route?: string;
}

/**
 * What `filterGraph` keeps between calls: with the same input `edges` array (an unchanged structure) and the
 * same options, the same nodes are kept and the same edges come out, so only the kept nodes are picked again.
 */
export interface FilterMemo {
  last?: { edgesIn: TopologyEdge[]; key: string; kept: ReadonlySet<string>; edgesOut: TopologyEdge[] };
}

/**
 * Stage 2: drops hidden kinds, keeping the picture connected (a → hidden → b becomes a → b), and keeps only the
 * routes that match the search with everything reachable from them.
 */
export function filterGraph(graph: TopologyGraph, opts: FilterOptions, memo?: FilterMemo): TopologyGraph {
  const query = opts.route?.trim().toLowerCase();
  if (!query && !opts.hide?.length) return graph;
  const key = `${[...(opts.hide ?? [])].sort().join(',')}\u0000${query ?? ''}`;
  const last = memo?.last;
  if (last && last.edgesIn === graph.edges && last.key === key)
    return { nodes: graph.nodes.filter((n) => last.kept.has(n.id)), edges: last.edgesOut };
  const out = filterFresh(graph, opts, query);
  if (memo)
    memo.last = { edgesIn: graph.edges, key, kept: new Set(out.nodes.map((n) => n.id)), edgesOut: out.edges };
  return out;
}

function filterFresh(graph: TopologyGraph, opts: FilterOptions, query: string | undefined): TopologyGraph {
  let { nodes, edges } = graph;
  if (query) {
    const keep = new Set(nodes.filter((n) => n.kind === 'gateway' || n.kind === 'listener').map((n) => n.id));
    const frontier = nodes
      .filter((n) => n.kind === 'route' && n.label.toLowerCase().includes(query))
      .map((n) => n.id);
    const out = new Map<string, string[]>();
    for (const e of edges) {
      const list = out.get(e.from);
      if (list) list.push(e.to);
      else out.set(e.from, [e.to]);
    }
    while (frontier.length) {
      const id = frontier.pop()!;
      if (keep.has(id) && !id.startsWith('gateway:') && !id.startsWith('listener:')) continue;
      keep.add(id);
      for (const to of out.get(id) ?? []) if (!keep.has(to)) frontier.push(to);
    }
    nodes = nodes.filter((n) => keep.has(n.id));
    edges = edges.filter((e) => keep.has(e.from) && keep.has(e.to));
  }
  const hidden = new Set(nodes.filter((n) => opts.hide?.includes(n.kind)).map((n) => n.id));
  if (hidden.size === 0) return { nodes, edges };
  const incoming = new Map<string, string[]>();
  for (const e of edges) {
    const ins = incoming.get(e.to);
    if (ins) ins.push(e.from);
    else incoming.set(e.to, [e.from]);
  }
  // The visible sources of a node, looking back through hidden ones.
  const sources = (id: string, seen = new Set<string>()): string[] =>
    (incoming.get(id) ?? []).flatMap((f) => {
      if (seen.has(f)) return [];
      seen.add(f);
      return hidden.has(f) ? sources(f, seen) : [f];
    });
  const bridged = new Map<string, { from: string; to: string; label?: string }>();
  for (const e of edges) {
    if (hidden.has(e.to)) continue;
    const froms = hidden.has(e.from) ? sources(e.from) : [e.from];
    for (const from of froms) {
      const k = `${from}\u0000${e.to}`;
      if (!bridged.has(k)) bridged.set(k, hidden.has(e.from) ? { from, to: e.to } : { ...e });
    }
  }
  return { nodes: nodes.filter((n) => !hidden.has(n.id)), edges: [...bridged.values()] };
}
