// Shared StrykerJS settings for `npm run mutation` (see docs/MUTATION.md). Each target keeps a
// stryker.config.mjs in its own directory and runs from there, so the sandbox holds that package only.
// Concurrency 1: the machine this runs on has 2 cores shared with other work.
import { fileURLToPath } from 'node:url';

// The stock Vitest runner, plus: a test file that fails to load is a failed test (see the file).
const runner = fileURLToPath(new URL('./stryker-vitest-runner.mjs', import.meta.url));

/** @param {{ mutate: string[], vitestConfig?: string, timeoutMS?: number }} target */
export function strykerConfig({ mutate, vitestConfig, timeoutMS = 10_000 }) {
  return {
    testRunner: 'epic-vitest',
    // The stock plugin stays loaded for its `vitest` options schema.
    plugins: ['@stryker-mutator/vitest-runner', runner],
    vitest: { configFile: vitestConfig, related: true },
    coverageAnalysis: 'perTest',
    mutate,
    ignorePatterns: ['reports', '.stryker-tmp'],
    checkers: [],
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
    timeoutMS,
    timeoutFactor: 2,
    incremental: true,
    incrementalFile: 'reports/mutation/stryker-incremental.json',
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: 'reports/mutation/index.html' },
    jsonReporter: { fileName: 'reports/mutation/mutation.json' },
    clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: false },
    thresholds: { high: 90, low: 85, break: null },
    // The sandbox sits two levels below the repository root, as the packages do, so that test support
    // reaching the repository by relative path (../../..) finds it from the sandbox too.
    tempDirName: '../../.stryker-tmp',
    cleanTempDir: true,
  };
}

/** Production sources of a package: no tests, no test support, no generated code. */
export const productionSources = [
  'src/**/*.ts',
  '!src/**/*.test.ts',
  '!src/**/*.spec.ts',
  '!src/test-support/**',
  '!src/generated/**',
];
