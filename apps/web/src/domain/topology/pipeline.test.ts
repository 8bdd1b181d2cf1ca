import { describe, expect, it } from 'vitest';
import { filterGraph } from './filter.js';
import { largeGateway, smallGateway, withProxies } from './fixtures.js';
import { groupGraph } from './group.js';
import { layoutGraph, NODE_HEIGHT } from './layout.js';
import { buildModel } from './model.js';
import { topology } from './pipeline.js';
import { traceHighlight } from './trace.js';

const ids = (g: { nodes: { id: string }[] }) => g.nodes.map((n) => n.id);
const edgeSet = (g: { edges: { from: string; to: string }[] }) =>
  new Set(g.edges.map((e) => `${e.from} > ${e.to}`));

describe('model', () => {
  it('builds gateway → listener → route → rule → weighted backends → services → endpoints → nodes', () => {
    const g = buildModel(smallGateway());
    expect(ids(g)).toEqual([
      'gateway:g1',
      'listener:http',
      'route:r1',
      'rule:r1/0',
      'backend:r1/0/0',
      'service:default/shop-v1',
      'backend:r1/0/1',
      'service:default/shop-v2',
      'endpoint:s1/10.0.1.1',
      'node:c1/node-a',
      'endpoint:s1/10.0.1.2',
      'endpoint:s2/10.0.2.1',
      'node:c1/node-b',
      'endpoint:s2/10.0.2.2',
    ]);
    expect(edgeSet(g)).toContain('rule:r1/0 > backend:r1/0/1');
    expect(edgeSet(g)).toContain('endpoint:s2/10.0.2.2 > node:c1/node-b');
    expect(g.nodes.find((n) => n.id === 'backend:r1/0/0')!.label).toBe('shop-v1:8080 · 90%');
  });

  it('colours endpoints and services by readiness, routes by their conditions', () => {
    const g = buildModel(smallGateway());
    const by = (id: string) => g.nodes.find((n) => n.id === id)!;
    expect(by('endpoint:s1/10.0.1.1').health).toBe('ok');
    expect(by('endpoint:s1/10.0.1.2').health).toBe('bad');
    expect(by('service:default/shop-v1').health).toBe('warn');
    expect(by('service:default/shop-v1').details.endpoints).toBe('1/2 ready');
    expect(by('route:r1').health).toBe('ok');
  });

  it('carries the workload nodes on through their tunnels to the EPIC nodes and the proxies on them', () => {
    const g = buildModel(withProxies(smallGateway()));
    const by = (id: string) => g.nodes.find((n) => n.id === id)!;
    // One tunnel per (workload node, EPIC node): node-a and node-b, each to epic-1 and epic-2.
    expect(ids(g).filter((id) => id.startsWith('tunnel:'))).toEqual([
      'tunnel:c1/node-a>epic-1',
      'tunnel:c1/node-a>epic-2',
      'tunnel:c1/node-b>epic-1',
      'tunnel:c1/node-b>epic-2',
    ]);
    expect(edgeSet(g)).toContain('node:c1/node-a > tunnel:c1/node-a>epic-2');
    expect(edgeSet(g)).toContain('tunnel:c1/node-a>epic-2 > epic:epic-2');
    expect(edgeSet(g)).toContain('epic:epic-1 > proxy:proxy-a');
    expect(edgeSet(g)).toContain('epic:epic-1 > proxy:proxy-b');
    expect(by('tunnel:c1/node-b>epic-1').details.tunnelAddress).toBe('198.51.100.10');
    expect(by('node:c1/node-a').details.tunnelAddress).toBe('198.51.100.10');
    // Coloured by the proxies' readiness; an EPIC node is as healthy as its proxies.
    expect(by('proxy:proxy-a').health).toBe('ok');
    expect(by('proxy:proxy-b').health).toBe('bad');
    expect(by('proxy:proxy-b').details.ackedRevision).toBe('v2');
    expect(by('epic:epic-1').health).toBe('warn');
    expect(by('epic:epic-2').health).toBe('ok');
    const down = withProxies(smallGateway());
    down.proxies = down.proxies!.map((p) => (p.node === 'epic-1' ? { ...p, ready: false } : p));
    expect(buildModel(down).nodes.find((n) => n.id === 'epic:epic-1')!.health).toBe('bad');
    // A proxy no node reported yet is drawn without an EPIC node.
    expect(by('proxy:proxy-d').details.epicNode).toMatch(/not reported/);
    expect([...edgeSet(g)].some((e) => e.endsWith('> proxy:proxy-d'))).toBe(false);
  });

  it('draws no tunnel for a workload node without a tunnel address, nor without an EPIC node', () => {
    const input = withProxies(smallGateway());
    const noAddress = {
      ...input,
      slices: input.slices.map((s) => (s.serviceName === 'shop-v2' ? { ...s, nodeAddresses: {} } : s)),
    };
    expect(ids(buildModel(noAddress)).filter((id) => id.startsWith('tunnel:c1/node-b'))).toEqual([]);
    const noProxies = { ...input, proxies: [] };
    expect(ids(buildModel(noProxies)).some((id) => /^(tunnel|epic|proxy):/.test(id))).toBe(false);
  });

  it('leaves out services no route sends to', () => {
    expect(ids(buildModel(smallGateway())).some((id) => id.includes('unrelated'))).toBe(false);
  });
});

describe('filter', () => {
  it('hides a kind and bridges the edges through it', () => {
    const g = filterGraph(buildModel(smallGateway()), { hide: ['rule', 'backend'] });
    expect(ids(g).some((id) => id.startsWith('rule:') || id.startsWith('backend:'))).toBe(false);
    expect(edgeSet(g)).toContain('route:r1 > service:default/shop-v1');
  });

  it('keeps only the routes that match the search and what hangs off them', () => {
    const g = filterGraph(buildModel(largeGateway(3, 1)), { route: 'route-1' });
    expect(ids(g).filter((id) => id.startsWith('route:'))).toEqual(['route:r0001']);
    expect(ids(g)).toContain('service:default/svc-1');
    expect(ids(g)).not.toContain('service:default/svc-2');
    expect(ids(g)).toContain('gateway:g1');
  });
});

describe('group', () => {
  it('collapses a service with more endpoints than the threshold into one node with counts', () => {
    const g = groupGraph(buildModel(smallGateway(8)), { threshold: 5 });
    const group = g.nodes.find((n) => n.id === 'endpoints:service:default/shop-v1')!;
    expect(group.count).toEqual({ total: 8, ready: 7 });
    expect(group.health).toBe('warn');
    expect(ids(g).some((id) => id.startsWith('endpoint:s1/'))).toBe(false);
    expect(edgeSet(g)).toContain('service:default/shop-v1 > endpoints:service:default/shop-v1');
    expect(edgeSet(g)).toContain('endpoints:service:default/shop-v1 > node:c1/node-a');
  });

  it('keeps small sets and expanded services as single endpoints', () => {
    const model = buildModel(smallGateway(8));
    const g = groupGraph(model, { threshold: 5, expanded: new Set(['service:default/shop-v2']) });
    expect(ids(g).filter((id) => id.startsWith('endpoint:s2/'))).toHaveLength(8);
    expect(groupGraph(buildModel(smallGateway(2)), { threshold: 5 }).nodes).toHaveLength(14);
  });
});

describe('layout', () => {
  it('puts each kind in its own column, left to right, and never overlaps two nodes', () => {
    const l = layoutGraph(buildModel(smallGateway()));
    const col = (id: string) => l.nodes.find((n) => n.id === id)!.column;
    expect([col('gateway:g1'), col('listener:http'), col('route:r1'), col('rule:r1/0')]).toEqual([
      0, 1, 2, 3,
    ]);
    expect(col('node:c1/node-a')).toBeGreaterThan(col('endpoint:s1/10.0.1.1'));
    const spots = new Set(l.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(l.nodes.length);
  });

  it('puts tunnels, EPIC nodes and proxies in bands of their own after the workload nodes', () => {
    const l = layoutGraph(buildModel(withProxies(smallGateway())));
    const band = (kind: string) => new Set(l.nodes.filter((n) => n.kind === kind).map((n) => n.column));
    const [node, tunnel, epic, proxy] = ['node', 'tunnel', 'epicNode', 'proxy'].map((k) => [...band(k)]);
    expect([node, tunnel, epic, proxy].every((b) => b!.length === 1)).toBe(true);
    expect([tunnel![0]! - node![0]!, epic![0]! - node![0]!, proxy![0]! - node![0]!]).toEqual([1, 2, 3]);
  });

  it('orders a column by the rows of the parents', () => {
    const l = layoutGraph(buildModel(smallGateway()));
    const y = (id: string) => l.nodes.find((n) => n.id === id)!.y;
    expect(y('service:default/shop-v1')).toBeLessThan(y('service:default/shop-v2'));
    expect(y('endpoint:s1/10.0.1.2')).toBeLessThan(y('endpoint:s2/10.0.2.1'));
    expect(y('gateway:g1')).toBe(0);
    expect(l.height).toBeGreaterThanOrEqual(NODE_HEIGHT);
  });

  it('puts a collapsed endpoint group in the same band as single endpoints', () => {
    const l = topology(smallGateway(), {}, { threshold: 1, expanded: new Set(['service:default/shop-v1']) });
    const bands = new Set(
      l.nodes.filter((n) => n.kind === 'endpoints' || n.kind === 'endpoint').map((n) => n.column),
    );
    expect(l.nodes.filter((n) => n.kind === 'endpoints')).toHaveLength(1);
    expect(l.nodes.filter((n) => n.kind === 'endpoint')).toHaveLength(2);
    expect(bands.size).toBe(1);
  });

  it('is deterministic: the same input in another order gives the same picture', () => {
    const a = smallGateway();
    const b = { ...a, routes: [...a.routes].reverse(), slices: [...a.slices].reverse() };
    expect(layoutGraph(buildModel(b))).toEqual(layoutGraph(buildModel(a)));
  });

  it('lays out 500 routes and 5,000 endpoints quickly, with the endpoint sets grouped', () => {
    const started = performance.now();
    const l = topology(largeGateway(500, 10), {}, { threshold: 5 });
    const ms = performance.now() - started;
    expect(l.nodes.filter((n) => n.kind === 'endpoints')).toHaveLength(500);
    expect(l.nodes.filter((n) => n.kind === 'endpoint')).toHaveLength(0);
    expect(ms).toBeLessThan(2000);
  });
});

describe('trace', () => {
  // The shape of the trace API's answer: Envoy names routes <kind>/<ns>/<name>/rule/<i>/match/<j> and
  // clusters service/<ns>/<name>/<port>.
  const answer = (route: string | null, clusters: string[], mirrors: string[] = []) => ({
    port: 80,
    outcome: {
      route,
      action: route
        ? { type: 'route', clusters: clusters.map((name) => ({ name, weight: 1 })) }
        : { type: 'notFound' },
      mirrors: mirrors.map((cluster) => ({ cluster, percent: 100 })),
    },
  });

  it('highlights the traced listener, the matched route and rule, and the backend of the picked cluster', () => {
    const g = buildModel(smallGateway());
    const h = traceHighlight(
      g,
      answer('httproute/default/shop/rule/0/match/0', ['service/default/shop-v2/8080']),
    );
    expect(h.matched).toBe(true);
    expect([...h.nodes].filter((id) => !/^(endpoint|node):/.test(id)).sort()).toEqual(
      [
        'gateway:g1',
        'listener:http',
        'route:r1',
        'rule:r1/0',
        'backend:r1/0/1',
        'service:default/shop-v2',
      ].sort(),
    );
    // What the service sends to is on the path too; the other backend's service is not.
    expect(h.nodes.has('endpoint:s2/10.0.2.1')).toBe(true);
    expect(h.nodes.has('service:default/shop-v1')).toBe(false);
    expect(h.edges).toContain('listener:http->route:r1');
    expect(h.edges).toContain('backend:r1/0/1->service:default/shop-v2');
    expect(h.edges).not.toContain('rule:r1/0->backend:r1/0/0');
  });

  it('lights a mirrored cluster as well as the weighted ones', () => {
    const h = traceHighlight(
      buildModel(smallGateway()),
      answer(
        'httproute/default/shop/rule/0/match/0',
        ['service/default/shop-v1/8080'],
        ['service/default/shop-v2/8080'],
      ),
    );
    expect(h.nodes.has('backend:r1/0/0')).toBe(true);
    expect(h.nodes.has('backend:r1/0/1')).toBe(true);
  });

  it('matches the route by kind, namespace and name, not by a prefix of the name', () => {
    const h = traceHighlight(buildModel(smallGateway()), answer('grpcroute/default/shop/rule/0/match/0', []));
    expect(h.matched).toBe(false);
    const prefix = traceHighlight(buildModel(smallGateway()), answer('httproute/default/sho/rule/0', []));
    expect(prefix.matched).toBe(false);
  });

  it('highlights no route when nothing matched', () => {
    const h = traceHighlight(buildModel(smallGateway()), answer(null, []));
    expect(h.matched).toBe(false);
    expect(h.nodes.has('route:r1')).toBe(false);
    expect(h.nodes.has('listener:http')).toBe(true);
  });
});
