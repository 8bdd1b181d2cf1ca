import { productionSources, strykerConfig } from '../../scripts/stryker-base.mjs';

export default strykerConfig({
  mutate: productionSources,
  vitestConfig: 'stryker.vitest.config.mjs',
  timeoutMS: 30_000,
});
