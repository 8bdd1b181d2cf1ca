import { defineConfig } from 'vitest/config';

// The controller's integration tests start a test API server, kubectl and a real EPIC API process.
export default defineConfig({
  test: {
    name: '@epic/agent',
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
