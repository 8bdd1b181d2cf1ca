// Stryker test runner `epic-vitest` (docs/MUTATION.md): @stryker-mutator/vitest-runner 9.6.1, plus one
// rule — a test file that fails to load counts as a failed test. The stock runner collects only the tests
// of each file, so a mutant that makes a module throw while it loads (`const pem = () => undefined`, whose
// first use is at module level) leaves its test files with no tests, no failure, and survives although
// nothing that imports the module can run. Here such a file becomes one failed test, `<file>#<load>`:
// in a mutant run that kills the mutant; in the dry run it fails the run, as a broken test file should.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { INSTRUMENTER_CONSTANTS } from '@stryker-mutator/api/core';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';
import { DryRunStatus, TestStatus } from '@stryker-mutator/api/test-runner';

// The runner class is not in the package's exports; its file is, pinned with the package's version.
const require = createRequire(import.meta.url);
const runnerDir = path.dirname(require.resolve('@stryker-mutator/vitest-runner/package.json'));
const { VitestTestRunner } = await import(
  pathToFileURL(path.join(runnerDir, 'dist/src/vitest-test-runner.js')).href
);

/** @param {{ tasks?: Array<{ type: string, tasks?: unknown[] }> }} suite */
function hasTests(suite) {
  return (suite.tasks ?? []).some((t) => t.type === 'test' || (t.type === 'suite' && hasTests(t)));
}

class LoadFailureAwareVitestRunner extends VitestTestRunner {
  async run(options) {
    const result = await super.run(options);
    if (result.status !== DryRunStatus.Complete) return result;
    const unloaded = this.ctx.state
      .getFiles()
      .filter((file) => file.result?.state === 'fail' && !hasTests(file));
    if (unloaded.length === 0) return result;
    return {
      ...result,
      tests: [
        ...result.tests,
        ...unloaded.map((file) => ({
          id: `${path.relative(process.cwd(), file.filepath).replace(/\\/g, '/')}#<load>`,
          name: `${file.name} <load>`,
          fileName: file.filepath,
          status: TestStatus.Failed,
          failureMessage: file.result?.errors?.[0]?.message ?? 'the test file failed to load',
          timeSpentMs: file.result?.duration ?? 0,
        })),
      ],
    };
  }
}

function createRunner(injector) {
  return injector
    .provideValue('globalNamespace', INSTRUMENTER_CONSTANTS.NAMESPACE)
    .injectClass(LoadFailureAwareVitestRunner);
}
createRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'epic-vitest', createRunner)];
