import { filterGraph, type FilterOptions } from './filter.js';
import { groupGraph, type GroupOptions } from './group.js';
import { layoutGraph } from './layout.js';
import { buildModel, type ModelInput } from './model.js';
import type { Layout } from './types.js';

/** model → filter → group → layout, each stage pure. */
export function topology(
  input: ModelInput,
  filter: FilterOptions = {},
  group: GroupOptions = { threshold: 5 },
): Layout {
  return layoutGraph(groupGraph(filterGraph(buildModel(input), filter), group));
}
