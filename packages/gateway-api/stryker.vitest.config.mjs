import { defineConfig } from 'vitest/config';
import { mutationTests } from '../../scripts/stryker-vitest.mjs';

// Used by Stryker only (stryker.config.mjs): without a config of its own, Vitest in the sandbox would
// find the root workspace config and look for projects that the sandbox does not hold.
export default defineConfig(mutationTests({ test: { name: '@epic/gateway-api' } }));
