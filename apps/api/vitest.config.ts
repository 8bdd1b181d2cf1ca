import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@epic/api',
    globalSetup: ['./src/test-support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
