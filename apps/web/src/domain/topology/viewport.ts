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
