import { productionSources, strykerConfig } from '../../scripts/stryker-base.mjs';

export default strykerConfig({
  mutate: productionSources,
  vitestConfig: 'vitest.config.ts',
  timeoutMS: 30_000,
});
