import { defineConfig } from 'vitest/config';

// Golden and property tests translate many gateways; give them room on a shared 2-core machine.
export default defineConfig({
  test: { name: '@epic/gateway-translator', testTimeout: 60_000 },
});
