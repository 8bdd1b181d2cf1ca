import { NODE_HEIGHT, NODE_WIDTH } from './layout.js';
import type { Layout, PlacedNode, TopologyEdge } from './types.js';

/** A rectangle in layout coordinates. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Drawn beyond the visible part, in view widths / heights: panning within it draws nothing new. */
export const MARGIN_X = 1;
export const MARGIN_Y = 0.5;

/**
 * Stage 5 (the view): the window of the layout to draw for a zoom transform and a view size — the visible part
 * plus margins. Returns `current` itself while the visible part stays inside it, so a pan within the margins
 * changes nothing.
 */
export function drawnWindow(
  t: { x: number; y: number; k: number },
  view: { width: number; height: number },
  current: Rect | null,
): Rect {
  const seen = {
    x0: -t.x / t.k,
    y0: -t.y / t.k,
    x1: (view.width - t.x) / t.k,
    y1: (view.height - t.y) / t.k,
  };
  if (
    current &&
    current.x0 <= seen.x0 &&
    current.y0 <= seen.y0 &&
    current.x1 >= seen.x1 &&
    current.y1 >= seen.y1
  )
    return current;
  const mx = (seen.x1 - seen.x0) * MARGIN_X;
  const my = (seen.y1 - seen.y0) * MARGIN_Y;
  return { x0: seen.x0 - mx, y0: seen.y0 - my, x1: seen.x1 + mx, y1: seen.y1 + my };
}

/**
 * The nodes and edges of the layout that touch the window, plus the nodes in `keep` (the selected and the
 * focused one). An edge is drawn when its bounding box crosses the window, even if both ends lie outside.
 */
export function visiblePart(
  layout: Layout,
  byId: { get(id: string): PlacedNode | undefined },
  w: Rect | null,
  keep: ReadonlySet<string>,
): { nodes: PlacedNode[]; edges: TopologyEdge[] } {
  if (!w) return { nodes: [], edges: [] };
  const inside = (n: PlacedNode) =>
    n.x + NODE_WIDTH >= w.x0 && n.x <= w.x1 && n.y + NODE_HEIGHT >= w.y0 && n.y <= w.y1;
  const nodes = layout.nodes.filter((n) => keep.has(n.id) || inside(n));
  const edges = layout.edges.filter((e) => {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) return false;
    const top = Math.min(a.y, b.y);
    const bottom = Math.max(a.y, b.y) + NODE_HEIGHT;
    return (
      Math.max(a.x, b.x) >= w.x0 && Math.min(a.x, b.x) + NODE_WIDTH <= w.x1 && bottom >= w.y0 && top <= w.y1
    );
  });
  return { nodes, edges };
}

/** Past this many drawn edges, the plain ones are drawn in batches (see `edgeBatches`). */
export const BATCH_EDGES_FROM = 400;
/** Edges per batch: one SVG path each. */
export const EDGE_BATCH = 250;

/** An edge's curve from the right side of `a` to the left side of `b` (horizontal tangents at both ends). */
export function edgeCurve(a: { x: number; y: number }, b: { x: number; y: number }): string {
  const x1 = a.x + NODE_WIDTH;
  const y1 = a.y + NODE_HEIGHT / 2;
  const x2 = b.x;
  const y2 = b.y + NODE_HEIGHT / 2;
  const mx = (x1 + x2) / 2;
  return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
}

/**
 * The drawn edges as SVG paths: each one its own path while they are few; past `from`, every lit edge (a traced
 * path) still its own, and the plain ones joined `size` to a path — the same curves in the same stroke, but a
 * few dozen elements for the browser to style, lay out and paint instead of thousands (the 500-route gateway
 * draws ~4,700 edges around its few hundred drawn nodes: fan-outs cross the window).
 */
export function edgeBatches(
  edges: readonly TopologyEdge[],
  byId: { get(id: string): PlacedNode | undefined },
  lit: (key: string) => boolean,
  from = BATCH_EDGES_FROM,
  size = EDGE_BATCH,
): { single: { key: string; d: string; lit: boolean }[]; batches: { d: string; count: number }[] } {
  const single: { key: string; d: string; lit: boolean }[] = [];
  const batches: { d: string; count: number }[] = [];
  const batch = edges.length > from;
  let d = '';
  let count = 0;
  for (const e of edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    const key = `${e.from}->${e.to}`;
    const on = lit(key);
    if (!batch || on) {
      single.push({ key, d: edgeCurve(a, b), lit: on });
      continue;
    }
    d += (count ? ' ' : '') + edgeCurve(a, b);
    if (++count === size) {
      batches.push({ d, count });
      d = '';
      count = 0;
    }
  }
  if (count) batches.push({ d, count });
  return { single, batches };
}
