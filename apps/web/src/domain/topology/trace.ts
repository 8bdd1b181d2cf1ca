import type { TopologyGraph } from './types.js';

/** The parts of the trace API's answer the graph reads (the translator's TraceResult / RouteOutcome). */
export interface TraceAnswer {
  port: number;
  outcome?: {
    route?: string | null;
    action?: { type: string; clusters?: { name: string; weight: number; status?: number }[] };
    mirrors?: { cluster: string }[];
  } | null;
}

export interface TraceHighlight {
  nodes: Set<string>;
  edges: Set<string>;
  /** Whether a route matched the request. */
  matched: boolean;
}

/** Envoy route names are `<kind>/<namespace>/<name>/rule/<i>/match/<j>` (kind lower-cased). */
function parseRouteName(name: string): { kind: string; ref: string; rule: number } | undefined {
  const m = /^([a-z]+)\/([^/]+)\/([^/]+)\/rule\/(\d+)(?:\/|$)/.exec(name);
  return m ? { kind: m[1]!, ref: `${m[2]}/${m[3]}`, rule: Number(m[4]) } : undefined;
}

/** Envoy cluster names of Kubernetes services are `service/<namespace>/<name>/<port>`. */
function parseClusterName(name: string): { service: string; port: string } | undefined {
  const m = /^service\/([^/]+)\/([^/]+)\/(\d+)$/.exec(name);
  return m ? { service: `${m[1]}/${m[2]}`, port: m[3]! } : undefined;
}

/**
 * The nodes and edges a trace answer lights up: the gateway, the listener on the traced port, the route and rule
 * the evaluator matched, the backends of that rule whose clusters it picked (weighted or mirrored), their
 * services and what hangs off them. Pure: it reads the answer, never the network.
 */
export function traceHighlight(graph: TopologyGraph, trace: TraceAnswer): TraceHighlight {
  const nodes = new Set<string>();
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const n of graph.nodes) {
    if (n.kind === 'gateway') nodes.add(n.id);
    if (n.kind === 'listener' && n.details.port === String(trace.port)) nodes.add(n.id);
  }
  const matched = trace.outcome?.route ? parseRouteName(trace.outcome.route) : undefined;
  const routes = matched
    ? graph.nodes.filter((n) => {
        if (n.kind !== 'route') return false;
        const [kind, ref] = n.label.split(' ');
        return kind?.toLowerCase() === matched.kind && ref === matched.ref;
      })
    : [];
  const clusters = [
    ...(trace.outcome?.action?.type === 'route'
      ? (trace.outcome.action.clusters ?? []).map((c) => c.name)
      : []),
    ...(trace.outcome?.mirrors ?? []).map((m) => m.cluster),
  ]
    .map(parseClusterName)
    .filter((c): c is { service: string; port: string } => c !== undefined);
  for (const r of routes) {
    nodes.add(r.id);
    const rule = `rule:${r.id.slice('route:'.length)}/${matched!.rule}`;
    if (!byId.has(rule)) continue;
    nodes.add(rule);
    for (const b of out.get(rule) ?? []) {
      const d = byId.get(b)?.details;
      if (!d || !clusters.some((c) => c.service === d.service && c.port === d.port)) continue;
      nodes.add(b);
      // The service, then its endpoints (or their group) and nodes.
      const stack = [...(out.get(b) ?? [])];
      while (stack.length) {
        const id = stack.pop()!;
        if (nodes.has(id)) continue;
        nodes.add(id);
        stack.push(...(out.get(id) ?? []));
      }
    }
  }
  const edges = new Set(
    graph.edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)).map((e) => `${e.from}->${e.to}`),
  );
  return { nodes, edges, matched: routes.length > 0 };
}
