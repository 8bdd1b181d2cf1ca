import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import { NODE_HEIGHT, NODE_WIDTH } from '../domain/topology/layout.js';
import type { Layout, PlacedNode } from '../domain/topology/types.js';
import { drawnWindow, edgeBatches, visiblePart, type Rect } from '../domain/topology/viewport.js';

const KIND_LABEL: Record<PlacedNode['kind'], string> = {
  gateway: 'Gateway',
  listener: 'Listener',
  route: 'Route',
  rule: 'Rule',
  backend: 'Backend',
  service: 'Service',
  endpoints: 'Endpoints',
  endpoint: 'Endpoint',
  node: 'Node',
  tunnel: 'Tunnel',
  epicNode: 'EPIC node',
  proxy: 'Proxy',
};
const HEALTH_LABEL = { ok: 'healthy', bad: 'failing', warn: 'degraded', unknown: 'no status' } as const;
const PAD = 24;
const MIN_FIT = 0.6;
/** The view grows with the graph up to this height (px); beyond it the user pans. */
const MAX_HEIGHT = 640;

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export interface Highlight {
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
}

/**
 * The topology as SVG: React renders nodes and edges from the (pure) layout; d3-zoom only owns the view
 * transform, which survives live updates. Every node is focusable (Tab in layout order); arrow keys move
 * within a column (↑ ↓) and across columns to the nearest node (← →); Enter or Space selects.
 */
export function TopologyGraph({
  layout,
  title,
  selected,
  onSelect,
  highlight,
}: {
  layout: Layout;
  title: string;
  selected: string | null;
  onSelect: (id: string) => void;
  highlight?: Highlight | null;
}) {
  const svgRef = useRef<SVGSVGElement>(null);
  const viewRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const nodeRefs = useRef(new Map<string, SVGGElement>());
  const fitted = useRef(false);
  // Only what lies in (or near) the view is in the DOM: a gateway of thousands of nodes draws a few hundred,
  // and a pan or zoom that leaves the drawn window moves it. The focused and the selected node are always drawn.
  const [drawn, setDrawn] = useState<Rect | null>(null);
  const drawnRef = useRef<Rect | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);
  const pendingFocus = useRef<string | null>(null);

  // Lookups by id through the layout's index, which a live update that moves nothing keeps (no new map of
  // thousands of nodes per update).
  const byId = useMemo(() => {
    const index = layout.index ?? new Map(layout.nodes.map((n, i) => [n.id, i]));
    return {
      get: (id: string): PlacedNode | undefined => {
        const i = index.get(id);
        return i === undefined ? undefined : layout.nodes[i];
      },
    };
  }, [layout]);
  const columns = useMemo(() => {
    const cols: PlacedNode[][] = [];
    for (const n of layout.nodes) (cols[n.column] ??= []).push(n);
    return cols;
  }, [layout]);

  // Fit shrinks a large graph only down to a readable size; what is still wider is panned to, not squeezed.
  const fit = useCallback(() => {
    const svg = svgRef.current;
    const z = zoomRef.current;
    if (!svg || !z) return;
    const { width, height } = svg.getBoundingClientRect();
    const w = layout.width + 2 * PAD;
    const h = layout.height + 2 * PAD;
    const k = Math.max(MIN_FIT, Math.min(1, width / w, height / h));
    const x = w * k <= width ? (width - w * k) / 2 : 0;
    const y = h * k <= height ? (height - h * k) / 2 : 0;
    select(svg).call(z.transform, zoomIdentity.translate(x + PAD * k, y + PAD * k).scale(k));
  }, [layout.width, layout.height]);

  // A layout effect, so that the first fit (below) has the zoom behaviour and draws before the first paint.
  useLayoutEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .on('zoom', (e: { transform: { x: number; y: number; k: number; toString(): string } }) => {
        viewRef.current?.setAttribute('transform', e.transform.toString());
        const next = drawnWindow(e.transform, svg.getBoundingClientRect(), drawnRef.current);
        if (next === drawnRef.current) return;
        drawnRef.current = next;
        setDrawn(next);
      });
    zoomRef.current = z;
    select(svg).call(z).on('dblclick.zoom', null);
    return () => {
      select(svg).on('.zoom', null);
    };
  }, []);

  // Fit once, when the first layout arrives (before it is painted); later (live) updates keep the user's view.
  useLayoutEffect(() => {
    if (!fitted.current && layout.nodes.length) {
      fitted.current = true;
      fit();
    }
  }, [fit, layout.nodes.length]);

  useLayoutEffect(() => {
    if (drawn) performance.mark('topology:drawn');
  }, [drawn, layout]);

  // A node moved to by keyboard that was outside the drawn window is focused once it is drawn.
  useEffect(() => {
    const id = pendingFocus.current;
    const el = id ? nodeRefs.current.get(id) : undefined;
    if (el) {
      pendingFocus.current = null;
      el.focus();
    }
  });

  // What is drawn, kept by place: while the layout's places (its index), its edges, the drawn window and the
  // always-drawn nodes are the same (a live update that only recolours), the same nodes and edges are drawn —
  // taken by index from the new layout, without testing thousands of nodes and edges against the window again.
  const visibleCache = useRef<{
    key: readonly unknown[];
    at: number[];
    edges: ReturnType<typeof visiblePart>['edges'];
  } | null>(null);
  const visible = useMemo(() => {
    const key = [layout.index, layout.edges, drawn, selected, focusId] as const;
    const c = visibleCache.current;
    const index = layout.index;
    if (index && c && c.key.every((k, i) => k === key[i]))
      return { nodes: c.at.map((i) => layout.nodes[i]!), edges: c.edges };
    const part = visiblePart(
      layout,
      byId,
      drawn,
      new Set([selected, focusId].filter((x): x is string => Boolean(x))),
    );
    visibleCache.current = index
      ? { key, at: part.nodes.map((n) => index.get(n.id)!), edges: part.edges }
      : null;
    return part;
  }, [layout, byId, drawn, selected, focusId]);

  // The edges' paths, kept while the layout's edges, places (its index: a live update that moves nothing keeps
  // it), the drawn window and the highlight are the same: a recolouring update builds no curve again.
  const edgeCache = useRef<{
    key: readonly unknown[];
    out: ReturnType<typeof edgeBatches>;
  } | null>(null);
  const edgeKey = [layout.edges, layout.index, drawn, highlight] as const;
  const cached = edgeCache.current;
  const edges =
    cached && layout.index && cached.key.every((k, i) => k === edgeKey[i])
      ? cached.out
      : (edgeCache.current = {
          key: edgeKey,
          out: edgeBatches(visible.edges, byId, (key) => highlight?.edges.has(key) ?? false),
        }).out;

  // The latest layout and callback for the node events, which stay the same function across renders so that
  // a memoised node re-renders only when its own picture changes (a live update touches a few nodes, not all).
  const latest = useRef({ byId, columns, onSelect });
  latest.current = { byId, columns, onSelect };

  const events = useMemo<NodeEvents>(() => {
    const reveal = (n: PlacedNode) => {
      const svg = svgRef.current;
      const z = zoomRef.current;
      const view = viewRef.current;
      if (!svg || !z || !view) return;
      const m = view.transform.baseVal.consolidate()?.matrix;
      const k = m?.a ?? 1;
      const x = (m?.e ?? 0) + (n.x + NODE_WIDTH / 2) * k;
      const y = (m?.f ?? 0) + (n.y + NODE_HEIGHT / 2) * k;
      const { width, height } = svg.getBoundingClientRect();
      if (x < 0 || y < 0 || x > width || y > height)
        select(svg).call(z.translateTo, n.x + NODE_WIDTH / 2, n.y + NODE_HEIGHT / 2);
    };
    const move = (from: PlacedNode, key: string): PlacedNode | undefined => {
      const columns = latest.current.columns;
      const col = columns[from.column] ?? [];
      const i = col.findIndex((n) => n.id === from.id);
      if (key === 'ArrowUp') return col[i - 1];
      if (key === 'ArrowDown') return col[i + 1];
      const next = columns[from.column + (key === 'ArrowRight' ? 1 : -1)];
      if (!next?.length) return undefined;
      return next.reduce((best, n) => (Math.abs(n.y - from.y) < Math.abs(best.y - from.y) ? n : best));
    };
    return {
      register: (id, el) => {
        if (el) nodeRefs.current.set(id, el);
        else nodeRefs.current.delete(id);
      },
      click: (id) => latest.current.onSelect(id),
      focus: (id) => {
        const n = latest.current.byId.get(id);
        setFocusId(id);
        if (n) reveal(n);
      },
      key: (id, e) => {
        const n = latest.current.byId.get(id);
        if (!n) return;
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          latest.current.onSelect(id);
          return;
        }
        if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(e.key)) return;
        e.preventDefault();
        const to = move(n, e.key);
        if (!to) return;
        const el = nodeRefs.current.get(to.id);
        if (el) el.focus();
        else {
          pendingFocus.current = to.id;
          setFocusId(to.id);
          reveal(to);
        }
      },
    };
  }, []);

  const zoomBy = (k: number) => {
    const svg = svgRef.current;
    if (svg && zoomRef.current) select(svg).call(zoomRef.current.scaleBy, k);
  };

  return (
    <div className="graph">
      <div className="graph-tools" role="toolbar" aria-label="Graph view">
        <button type="button" onClick={() => zoomBy(1.25)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomBy(0.8)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit}>
          Fit
        </button>
        <span className="muted legend" aria-hidden="true">
          <span className="dot ok" /> healthy <span className="dot warn" /> degraded{' '}
          <span className="dot bad" /> failing <span className="dot unknown" /> no status
        </span>
      </div>
      <svg
        ref={svgRef}
        className="graph-svg"
        role="group"
        aria-label={title}
        data-testid="topology"
        data-drawn={visible.nodes.length}
        data-total={layout.nodes.length}
        style={{ height: Math.min(MAX_HEIGHT, Math.max(220, layout.height + 2 * PAD + 8)) }}
      >
        <g ref={viewRef}>
          {/* Nothing until the first window is known: the first drawing then mounts the edges and nodes as one new
              subtree, instead of inserting hundreds of children one by one into groups already in the DOM. */}
          {drawn ? (
            <>
              <g className="edges" aria-hidden="true">
                {edges.batches.map((b, i) => (
                  <EdgeBatch key={i} d={b.d} count={b.count} />
                ))}
                {edges.single.map((e) => (
                  <Edge key={e.key} id={e.key} d={e.d} lit={e.lit} />
                ))}
              </g>
              <g className="nodes">
                {visible.nodes.map((n) => {
                  const lit = highlight?.nodes.has(n.id) ?? false;
                  return (
                    <GraphNode
                      key={n.id}
                      n={n}
                      selected={selected === n.id}
                      lit={lit}
                      dim={Boolean(highlight) && !lit}
                      events={events}
                    />
                  );
                })}
              </g>
            </>
          ) : null}
        </g>
      </svg>
    </div>
  );
}

interface NodeEvents {
  register: (id: string, el: SVGGElement | null) => void;
  click: (id: string) => void;
  focus: (id: string) => void;
  key: (id: string, e: KeyboardEvent<SVGGElement>) => void;
}

const Edge = memo(function Edge({ id, d, lit }: { id: string; d: string; lit: boolean }) {
  return <path data-edge={id} className={`edge${lit ? ' hl' : ''}`} d={d} />;
});

/** Many plain edges as one path (`edgeBatches`); the same text is the same picture. */
const EdgeBatch = memo(function EdgeBatch({ d, count }: { d: string; count: number }) {
  return <path className="edge" data-edges={count} d={d} />;
});

/** Equal when everything the node draws is equal (a live update re-creates every node object). */
function sameNode(
  a: { n: PlacedNode; selected: boolean; lit: boolean; dim: boolean; events: NodeEvents },
  b: typeof a,
): boolean {
  return (
    a.selected === b.selected &&
    a.lit === b.lit &&
    a.dim === b.dim &&
    a.events === b.events &&
    a.n.id === b.n.id &&
    a.n.x === b.n.x &&
    a.n.y === b.n.y &&
    a.n.kind === b.n.kind &&
    a.n.label === b.n.label &&
    a.n.health === b.n.health &&
    a.n.count?.ready === b.n.count?.ready &&
    a.n.count?.total === b.n.count?.total
  );
}

const GraphNode = memo(function GraphNode({
  n,
  selected,
  lit,
  dim,
  events,
}: {
  n: PlacedNode;
  selected: boolean;
  lit: boolean;
  dim: boolean;
  events: NodeEvents;
}) {
  return (
    <g
      ref={(el) => {
        events.register(n.id, el);
        return () => events.register(n.id, null);
      }}
      className={`node kind-${n.kind} health-${n.health}${selected ? ' selected' : ''}${lit ? ' hl' : ''}${dim ? ' dim' : ''}`}
      transform={`translate(${n.x},${n.y})`}
      tabIndex={0}
      role="button"
      aria-pressed={selected}
      aria-label={`${KIND_LABEL[n.kind]} ${n.label}, ${HEALTH_LABEL[n.health]}${lit ? ', on the traced path' : ''}`}
      data-node={n.id}
      data-kind={n.kind}
      onClick={() => events.click(n.id)}
      onKeyDown={(e) => events.key(n.id, e)}
      onFocus={() => events.focus(n.id)}
    >
      <title>{`${KIND_LABEL[n.kind]}: ${n.label}`}</title>
      <rect className="box" width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
      <rect className="bar" width={5} height={NODE_HEIGHT} rx={2} />
      <text x={12} y={13} className="kind">
        {KIND_LABEL[n.kind].toUpperCase()}
        {n.count ? ` · ${n.count.ready}/${n.count.total} ready` : ''}
      </text>
      <text x={12} y={27} className="label">
        {clip(n.label, 27)}
      </text>
    </g>
  );
}, sameNode);
