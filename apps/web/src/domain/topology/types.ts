/** The topology graph of one gateway: pure data, produced by model → filter → group → layout. */
export type NodeKind =
  | 'gateway'
  | 'listener'
  | 'route'
  | 'rule'
  | 'backend'
  | 'service'
  | 'endpoints'
  | 'endpoint'
  | 'node'
  | 'tunnel'
  | 'epicNode'
  | 'proxy';

/** Left to right: the bands (columns) of the layered layout, one per kind. */
export const KIND_ORDER: readonly NodeKind[] = [
  'gateway',
  'listener',
  'route',
  'rule',
  'backend',
  'service',
  'endpoints',
  'endpoint',
  'node',
  'tunnel',
  'epicNode',
  'proxy',
];

export type Health = 'ok' | 'bad' | 'warn' | 'unknown';

export interface TopologyCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  label: string;
  health: Health;
  /** Key facts for the side panel (address, port, weight, pod, node, cluster…). */
  details: Record<string, string>;
  conditions: TopologyCondition[];
  /** For a collapsed endpoint group: how many endpoints it stands for, and how many are ready. */
  count?: { total: number; ready: number };
  /** The service whose endpoints a group collapses. */
  groupOf?: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  label?: string;
}

export interface TopologyGraph {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export interface PlacedNode extends TopologyNode {
  x: number;
  y: number;
  column: number;
}

export interface Layout {
  nodes: PlacedNode[];
  /** Node id → its place in `nodes` (kept across live updates that move nothing). */
  index?: ReadonlyMap<string, number>;
  edges: TopologyEdge[];
  width: number;
  height: number;
}
