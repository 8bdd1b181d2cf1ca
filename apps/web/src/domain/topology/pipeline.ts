import { filterGraph, type FilterMemo, type FilterOptions } from './filter.js';
import { groupGraph, type GroupMemo, type GroupOptions } from './group.js';
import { layoutGraph, type LayoutMemo } from './layout.js';
import { buildModel, modelMemo, type ModelInput } from './model.js';
import type { Layout, TopologyGraph } from './types.js';

/** model → filter → group → layout, each stage pure. */
export function topology(
  input: ModelInput,
  filter: FilterOptions = {},
  group: GroupOptions = { threshold: 5 },
): Layout {
  return layoutGraph(groupGraph(filterGraph(buildModel(input), filter), group));
}

export interface PipelineResult {
  /** The graph the layout was made from (what a trace highlights). */
  grouped: TopologyGraph;
  layout: Layout;
}

/**
 * The same pipeline for a page that runs it again on every live update: each stage keeps what it needs to redo
 * only what changed (docs/adr/0800-topology-over-graphql-and-incremental-graph.md). The model rebuilds only the
 * routes and slices whose objects changed; while the structure (node ids and edges) stays the same, the edges
 * array keeps its identity through filter and group, and the layout reuses every place. Each call's answer
 * equals `topology()` of the same arguments.
 */
export function topologyPipeline(): (
  input: ModelInput,
  filter: FilterOptions,
  group: GroupOptions,
) => PipelineResult {
  const model = modelMemo();
  const filter: FilterMemo = {};
  const grouping: GroupMemo = {};
  const layout: LayoutMemo = {};
  return (input, f, g) => {
    const grouped = groupGraph(filterGraph(buildModel(input, model), f, filter), g, grouping);
    return { grouped, layout: layoutGraph(grouped, layout) };
  };
}
