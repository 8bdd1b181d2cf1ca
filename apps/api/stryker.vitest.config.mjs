import { defineConfig } from 'vitest/config';
import { mutationTests } from '../../scripts/stryker-vitest.mjs';
import base from './vitest.config.ts';

// Used by Stryker only (stryker.config.mjs): the API's own config (its globalSetup starts one embedded
// PostgreSQL per test runner), with `--testFiles` as `include`.
export default defineConfig(mutationTests(base));
