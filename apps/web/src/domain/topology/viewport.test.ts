import { describe, expect, it } from 'vitest';
import { largeGateway } from './fixtures.js';
import { COLUMN_GAP, layoutGraph, NODE_HEIGHT, NODE_WIDTH, ROW_GAP } from './layout.js';
import { topology } from './pipeline.js';
import type { Layout, PlacedNode } from './types.js';
import { drawnWindow, edgeBatches, MARGIN_X, MARGIN_Y, visiblePart } from './viewport.js';

const view = { width: 1000, height: 600 };
const byIdOf = (l: Layout) => new Map(l.nodes.map((n) => [n.id, n]));
const none = new Set<string>();

/** A hand-made layout: nodes where the test puts them, edges between them. */
function placed(spots: [string, number, number][], edges: [string, string][]): Layout {
  const nodes: PlacedNode[] = spots.map(([id, x, y]) => ({
    id,
    kind: 'route',
    label: id,
    health: 'ok',
    details: {},
    conditions: [],
    column: Math.round(x / (NODE_WIDTH + COLUMN_GAP)),
    x,
    y,
  }));
  return { nodes, edges: edges.map(([from, to]) => ({ from, to })), width: 0, height: 0 };
}

describe('viewport: the drawn window', () => {
  it('is the visible part of the layout plus a view width either side and half a view height above and below', () => {
    // Identity transform: the visible part is [0, 1000] × [0, 600].
    expect(drawnWindow({ x: 0, y: 0, k: 1 }, view, null)).toEqual({
      x0: -1000 * MARGIN_X,
      y0: -600 * MARGIN_Y,
      x1: 1000 + 1000 * MARGIN_X,
      y1: 600 + 600 * MARGIN_Y,
    });
  });

  it('follows a pan and a zoom in layout coordinates', () => {
    // Panned 500 px right into the layout and zoomed to ½: the view shows [1000, 3000] × [200, 1400].
    const w = drawnWindow({ x: -500, y: -100, k: 0.5 }, view, null);
    expect(w).toEqual({ x0: 1000 - 2000, y0: 200 - 600, x1: 3000 + 2000, y1: 1400 + 600 });
  });

  it('stays the same object while the visible part stays inside it, so a small pan draws nothing new', () => {
    const first = drawnWindow({ x: 0, y: 0, k: 1 }, view, null);
    expect(drawnWindow({ x: -900, y: -250, k: 1 }, view, first)).toBe(first);
    expect(drawnWindow({ x: 900, y: 250, k: 1 }, view, first)).toBe(first);
  });

  it('moves once the visible part leaves it, or a zoom out shows more than it holds', () => {
    const first = drawnWindow({ x: 0, y: 0, k: 1 }, view, null);
    const panned = drawnWindow({ x: -1100, y: 0, k: 1 }, view, first);
    expect(panned).not.toBe(first);
    expect(panned.x0).toBe(1100 - 1000);
    const out = drawnWindow({ x: 0, y: 0, k: 0.25 }, view, first);
    expect(out).not.toBe(first);
    expect(out.x1).toBe(4000 + 4000);
  });
});

describe('viewport: the visible part', () => {
  it('draws nothing before the first window', () => {
    const l = placed([['a', 0, 0]], []);
    expect(visiblePart(l, byIdOf(l), null, none)).toEqual({ nodes: [], edges: [] });
  });

  it('keeps the nodes that touch the window, a node half inside included', () => {
    const l = placed(
      [
        ['inside', 100, 100],
        ['left-edge', -NODE_WIDTH + 1, 100],
        ['just-left', -NODE_WIDTH - 1, 100],
        ['below', 100, 501],
        ['above-edge', 100, -NODE_HEIGHT],
      ],
      [],
    );
    const got = visiblePart(l, byIdOf(l), { x0: 0, y0: 0, x1: 1000, y1: 500 }, none);
    expect(got.nodes.map((n) => n.id)).toEqual(['inside', 'left-edge', 'above-edge']);
  });

  it('always keeps the selected and the focused node, wherever they are', () => {
    const l = placed(
      [
        ['inside', 0, 0],
        ['far', 50_000, 50_000],
      ],
      [],
    );
    const got = visiblePart(l, byIdOf(l), { x0: 0, y0: 0, x1: 1000, y1: 500 }, new Set(['far']));
    expect(got.nodes.map((n) => n.id)).toEqual(['inside', 'far']);
  });

  it('draws an edge whose span crosses the window although both of its ends lie outside', () => {
    const l = placed(
      [
        ['top', 0, -5000],
        ['bottom', 260, 5000],
        ['off-a', 0, 9000],
        ['off-b', 260, 9500],
        ['back-a', 2600, 100],
        ['back-b', 260, 100],
      ],
      [
        ['top', 'bottom'],
        ['off-a', 'off-b'],
        // An edge drawn right to left (a filter's bridge can point back): judged by its span all the same.
        ['back-a', 'back-b'],
        ['top', 'missing'],
      ],
    );
    const got = visiblePart(l, byIdOf(l), { x0: 0, y0: 0, x1: 1000, y1: 500 }, none);
    expect(got.nodes.map((n) => n.id)).toEqual(['back-b']);
    expect(got.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['top>bottom', 'back-a>back-b']);
  });

  it('of the 500-route gateway fitted to a view draws a few hundred of its thousands of nodes', () => {
    const l = topology(largeGateway(500, 10), {}, { threshold: 5 });
    const w = drawnWindow({ x: 24, y: 24, k: 0.6 }, { width: 1360, height: 640 }, null);
    const got = visiblePart(l, byIdOf(l), w, none);
    expect(l.nodes.length).toBeGreaterThan(2000);
    expect(got.nodes.length).toBeGreaterThan(50);
    expect(got.nodes.length).toBeLessThan(l.nodes.length / 5);
    // Everything drawn lies near the window, and every node near the window is drawn.
    expect(got.nodes.every((n) => n.y + NODE_HEIGHT >= w.y0 && n.y <= w.y1)).toBe(true);
    const routesInReach = l.nodes.filter((n) => n.kind === 'route' && n.y <= w.y1);
    expect(routesInReach.length).toBeGreaterThanOrEqual(Math.floor(w.y1 / (NODE_HEIGHT + ROW_GAP)));
    expect(routesInReach.every((n) => got.nodes.includes(n))).toBe(true);
  });

  it('is the whole of a small layout inside a generous window', () => {
    const l = layoutGraph({
      nodes: [
        { id: 'a', kind: 'gateway', label: 'a', health: 'ok', details: {}, conditions: [] },
        { id: 'b', kind: 'listener', label: 'b', health: 'ok', details: {}, conditions: [] },
      ],
      edges: [{ from: 'a', to: 'b' }],
    });
    const got = visiblePart(l, byIdOf(l), drawnWindow({ x: 0, y: 0, k: 1 }, view, null), none);
    expect(got.nodes).toHaveLength(2);
    expect(got.edges).toHaveLength(1);
  });
});

describe('viewport: edges as paths', () => {
  const place = (id: string, x: number, y: number) => ({ id, x, y }) as PlacedNode;
  const nodes = new Map(
    [place('a', 0, 0), place('b', 300, 0), place('c', 300, 100), place('d', 600, 50)].map((n) => [n.id, n]),
  );
  const byId = { get: (id: string) => nodes.get(id) };
  const edges = [
    { from: 'a', to: 'b' },
    { from: 'a', to: 'c' },
    { from: 'b', to: 'd' },
    { from: 'c', to: 'd' },
    { from: 'c', to: 'gone' },
  ];

  it('draws each edge as its own path while they are few, lit or not, and skips one whose end is gone', () => {
    const { single, batches } = edgeBatches(edges, byId, (k) => k === 'b->d');
    expect(batches).toEqual([]);
    expect(single.map((e) => [e.key, e.lit])).toEqual([
      ['a->b', false],
      ['a->c', false],
      ['b->d', true],
      ['c->d', false],
    ]);
    expect(single[0]!.d).toBe(
      `M${NODE_WIDTH},${NODE_HEIGHT / 2} C${(NODE_WIDTH + 300) / 2},${NODE_HEIGHT / 2} ${(NODE_WIDTH + 300) / 2},${NODE_HEIGHT / 2} 300,${NODE_HEIGHT / 2}`,
    );
  });

  it('past the threshold joins the plain edges into batches of the same curves, and keeps the lit ones apart', () => {
    const few = edgeBatches(edges, byId, () => false);
    const { single, batches } = edgeBatches(edges, byId, (k) => k === 'b->d', 2, 2);
    expect(single.map((e) => e.key)).toEqual(['b->d']);
    expect(batches.map((b) => b.count)).toEqual([2, 1]);
    const curve = (k: string) => few.single.find((e) => e.key === k)!.d;
    expect(batches[0]!.d).toBe(`${curve('a->b')} ${curve('a->c')}`);
    expect(batches[1]!.d).toBe(curve('c->d'));
  });

  it('of the 500-route gateway fitted to a view batches thousands of drawn edges into a few dozen paths', () => {
    const layout = topology(largeGateway(500, 10));
    const index = new Map(layout.nodes.map((n) => [n.id, n]));
    const visible = visiblePart(
      layout,
      { get: (id) => index.get(id) },
      { x0: -1400, y0: -450, x1: 2800, y1: 1350 },
      new Set(),
    );
    const { single, batches } = edgeBatches(visible.edges, { get: (id) => index.get(id) }, () => false);
    expect(visible.edges.length).toBeGreaterThan(1000);
    expect(single).toEqual([]);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(visible.edges.length);
    expect(batches.length).toBeLessThan(visible.edges.length / 100);
  });
});
