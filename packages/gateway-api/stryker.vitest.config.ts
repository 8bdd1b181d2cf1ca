import { defineConfig } from 'vitest/config';

// Used by Stryker only (stryker.config.mjs): without a config of its own, Vitest in the sandbox would
// find the root workspace config and look for projects that the sandbox does not hold.
export default defineConfig({
  test: { name: '@epic/gateway-api' },
});
