import { strykerConfig } from '../../scripts/stryker-base.mjs';

// apps/api/src/modules is tested through the PostgreSQL-backed API tests: the api project's own
// Vitest config runs its globalSetup (one embedded PostgreSQL per test runner process).
export default strykerConfig({
  mutate: ['src/modules/**/*.ts', '!src/modules/**/*.test.ts', '!src/modules/**/test-support/**'],
  vitestConfig: 'vitest.config.ts',
  timeoutMS: 60_000,
});
