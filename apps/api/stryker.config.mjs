import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strykerConfig } from '../../scripts/stryker-base.mjs';

// The sandbox is <repo>/.stryker-tmp/sandbox-*; the API serves the web UI from ../../web/public relative
// to its sources (apps/web/public), so the sandbox needs a `web` beside it.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
mkdirSync(path.join(root, '.stryker-tmp'), { recursive: true });
if (!existsSync(path.join(root, '.stryker-tmp/web')))
  symlinkSync('../apps/web', path.join(root, '.stryker-tmp/web'));

// apps/api/src/modules is tested through the PostgreSQL-backed API tests: the api project's own
// Vitest config runs its globalSetup (one embedded PostgreSQL per test runner process).
export default strykerConfig({
  mutate: ['src/modules/**/*.ts', '!src/modules/**/*.test.ts', '!src/modules/**/test-support/**'],
  vitestConfig: 'stryker.vitest.config.mjs',
  timeoutMS: 60_000,
});
