import { defineConfig } from 'vitest/config';
import { mutationTests } from '../../scripts/stryker-vitest.mjs';
import base from './vitest.config.ts';

// Used by Stryker only (stryker.config.mjs): the package's own config, with `--testFiles` as `include`.
export default defineConfig(mutationTests(base));
