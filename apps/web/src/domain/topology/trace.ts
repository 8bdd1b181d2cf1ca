import type { TopologyGraph } from './types.js';

/**
 * The nodes and edges a trace answer lights up: the listener on the traced port, the route the evaluator
 * matched (Envoy route names carry `Kind/namespace/name`), its rules and backends, and the services of the
 * clusters it picked. Pure: it reads the trace's JSON, never the network.
 */
export function traceHighlight(
  graph: TopologyGraph,
  trace: { port: number; outcome: unknown },
): { nodes: Set<string>; edges: Set<string>; matched: boolean } {
  const text = JSON.stringify(trace.outcome ?? null);
  const nodes = new Set<string>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  for (const n of graph.nodes) {
    if (n.kind === 'gateway') nodes.add(n.id);
    if (n.kind === 'listener' && n.details.port === String(trace.port)) nodes.add(n.id);
  }
  const routes = graph.nodes.filter((n) => {
    if (n.kind !== 'route') return false;
    const [kind, ref] = n.label.split(' ');
    return text.includes(`${kind}/${ref}`) || text.includes(`${ref?.replace('/', '/')}`);
  });
  for (const r of routes) {
    nodes.add(r.id);
    for (const rule of out.get(r.id) ?? []) {
      const backends = (out.get(rule) ?? []).filter((b) => {
        const svc = byId.get(b)?.details.service?.split('/')[1];
        return svc !== undefined && text.includes(svc);
      });
      if (backends.length === 0) continue;
      nodes.add(rule);
      for (const b of backends) {
        nodes.add(b);
        for (const s of out.get(b) ?? []) nodes.add(s);
      }
    }
  }
  const edges = new Set(
    graph.edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)).map((e) => `${e.from}->${e.to}`),
  );
  return { nodes, edges, matched: routes.length > 0 };
}
