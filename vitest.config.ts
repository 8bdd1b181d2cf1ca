import { defineConfig } from 'vitest/config';

// Every app and package is a Vitest project; a project may add its own vitest.config.ts
// (longer timeouts, serial execution for tests that need root and network namespaces).
export default defineConfig({
  test: {
    projects: [
      'apps/*',
      'packages/*',
      // The Service Manager in a real browser (e2e/vitest.config.ts).
      'e2e',
      // Checks of the repository itself (lint set-up, citations, vendored files).
      { test: { name: '@epic/repo', include: ['tests/**/*.test.ts'], testTimeout: 120_000 } },
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
