import { KIND_ORDER, type Layout, type NodeKind, type PlacedNode, type TopologyGraph } from './types.js';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 34;
export const COLUMN_GAP = 70;
export const ROW_GAP = 12;

/**
 * Stage 4: deterministic layered columns (one band per kind, as Hubble UI and Headlamp do) — no physics and no
 * dagre. Within a column, nodes sit in the order of the mean row of their parents (one barycentre sweep,
 * ties broken by id), so children line up with what points at them and crossings stay few. O(V + E log E).
 */
/** A collapsed endpoint group stands where its endpoints would: one band for both. */
const bandOf = (k: NodeKind): NodeKind => (k === 'endpoints' ? 'endpoint' : k);

/**
 * What `layoutGraph` keeps between calls: the previous input's edges and, for each placed node, the index of
 * its input node and its place. A graph with the same `edges` array (an unchanged structure, as the model and
 * group stages hand it on) is not laid out again: its nodes take the places they had — only what changed is
 * re-laid out, and a live update that only recolours nodes moves nothing.
 */
export interface LayoutMemo {
  last?: {
    edges: TopologyGraph['edges'];
    ids: string[];
    /** The input nodes themselves: one that is the same object keeps its placed node too. */
    inputs: TopologyGraph['nodes'];
    order: number[];
    layout: Layout;
  };
}

export function layoutGraph(graph: TopologyGraph, memo?: LayoutMemo): Layout {
  const last = memo?.last;
  if (last && last.edges === graph.edges && last.ids.length === graph.nodes.length) {
    const same = graph.nodes.every((n, i) => n.id === last.ids[i]);
    if (same) {
      const before = last.layout.nodes;
      // A node the earlier stages handed on unchanged (the same object) keeps its placed object as well, so
      // only the recoloured nodes are new (and only they are drawn again).
      const nodes = last.order.map((i, j) => {
        const n = graph.nodes[i]!;
        const p = before[j]!;
        return n === last.inputs[i] ? p : { ...n, column: p.column, x: p.x, y: p.y };
      });
      // The same ids in the same places: the previous index still holds.
      const layout = { ...last.layout, nodes, edges: graph.edges };
      memo!.last = { ...last, inputs: graph.nodes, layout };
      return layout;
    }
  }
  const bands = new Map<NodeKind, TopologyGraph['nodes']>();
  const indexOf = new Map<TopologyGraph['nodes'][number], number>();
  graph.nodes.forEach((n, i) => {
    if (memo) indexOf.set(n, i);
    const list = bands.get(bandOf(n.kind));
    if (list) list.push(n);
    else bands.set(bandOf(n.kind), [n]);
  });
  const order: number[] = [];
  const present = KIND_ORDER.filter((k) => bands.has(k));
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = parents.get(e.to);
    if (list) list.push(e.from);
    else parents.set(e.to, [e.from]);
  }
  const row = new Map<string, number>();
  const placed: PlacedNode[] = [];
  let height = 0;
  for (const [c, kind] of present.entries()) {
    const col = bands.get(kind)!;
    const key = new Map(
      col.map((n) => {
        const ps = (parents.get(n.id) ?? [])
          .map((p) => row.get(p))
          .filter((r): r is number => r !== undefined);
        return [n.id, ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Number.POSITIVE_INFINITY];
      }),
    );
    col.sort((a, b) => key.get(a.id)! - key.get(b.id)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    col.forEach((n, i) => {
      row.set(n.id, i);
      if (memo) order.push(indexOf.get(n)!);
      placed.push({ ...n, column: c, x: c * (NODE_WIDTH + COLUMN_GAP), y: i * (NODE_HEIGHT + ROW_GAP) });
    });
    height = Math.max(height, col.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP);
  }
  const layout = {
    nodes: placed,
    index: new Map(placed.map((n, i) => [n.id, i])),
    edges: graph.edges,
    width: Math.max(0, present.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP),
    height: Math.max(0, height),
  };
  if (memo)
    memo.last = { edges: graph.edges, ids: graph.nodes.map((n) => n.id), inputs: graph.nodes, order, layout };
  return layout;
}
