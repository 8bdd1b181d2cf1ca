import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the closing line CI reads (`N passed, N failed, N skipped`) after Vitest's own summary,
 * counting individual tests across every project of the run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    // scripts/test.mjs reads this too: the verdict must not depend on the exit code alone.
    if (process.env.EPIC_TEST_SUMMARY)
      writeFileSync(process.env.EPIC_TEST_SUMMARY, JSON.stringify({ passed, failed, skipped }));
  }
}
