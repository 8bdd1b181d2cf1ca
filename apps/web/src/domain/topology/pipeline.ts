import { filterGraph, type FilterMemo, type FilterOptions } from './filter.js';
import { groupGraph, type GroupMemo, type GroupOptions } from './group.js';
import { layoutGraph, type LayoutMemo } from './layout.js';
import { buildModel, modelMemo, warmModel, type ModelInput } from './model.js';
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
export interface TopologyPipeline {
  (input: ModelInput, filter: FilterOptions, group: GroupOptions): PipelineResult;
  /** Builds the model's parts of these objects ahead (`warmModel`): the next call finds them ready. */
  warm(part: Parameters<typeof warmModel>[1]): void;
}

export function topologyPipeline(): TopologyPipeline {
  const model = modelMemo();
  const filter: FilterMemo = {};
  const grouping: GroupMemo = {};
  const layout: LayoutMemo = {};
  const run = (input: ModelInput, f: FilterOptions, g: GroupOptions): PipelineResult => {
    const grouped = groupGraph(filterGraph(buildModel(input, model), f, filter), g, grouping);
    return { grouped, layout: layoutGraph(grouped, layout) };
  };
  return Object.assign(run, { warm: (part: Parameters<typeof warmModel>[1]) => warmModel(model, part) });
}
