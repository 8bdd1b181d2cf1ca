import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: '@epic/web',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    // The webRoot test reads the built bundle: build it first when it is missing or stale.
    globalSetup: ['../../scripts/build-web.mjs'],
  },
});
