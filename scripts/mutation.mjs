#!/usr/bin/env node
// `npm run mutation [-- <target> [stryker options…]]`: StrykerJS mutation testing (docs/MUTATION.md).
// Not part of `npm test`: a full run takes hours on a 2-core machine. With no target it runs all three
// in turn; a target runs alone, and anything after it goes to `stryker run` (e.g. `--mutate src/a.ts`).
// Each target runs from its own directory with its stryker.config.mjs, one test runner, under `nice`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = {
  'gateway-api': 'packages/gateway-api',
  'gateway-translator': 'packages/gateway-translator',
  api: 'apps/api',
};
const aliases = {
  '@epic/gateway-api': 'gateway-api',
  'packages/gateway-api': 'gateway-api',
  '@epic/gateway-translator': 'gateway-translator',
  'packages/gateway-translator': 'gateway-translator',
  '@epic/api': 'api',
  'apps/api': 'api',
  'apps/api/src/modules': 'api',
  modules: 'api',
};

const [first, ...rest] = process.argv.slice(2);
let selected = Object.keys(targets);
let strykerArgs = process.argv.slice(2);
if (first !== undefined && !first.startsWith('-')) {
  const name = aliases[first] ?? first;
  if (!(name in targets)) {
    console.error(`unknown mutation target "${first}"; one of: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
  selected = [name];
  strykerArgs = rest;
}

// `--testFiles a,b` is not passed to Stryker: Stryker 9.6.1 then plans every static mutant with a test
// filter and so with runtime activation (mutant-test-planner: `mutantActivation: testFilter ? 'runtime'
// : 'static'`), and a mutant in module-level code is never switched on — it survives every test. The
// list becomes the Vitest `include` of the target's mutation config instead (STRYKER_TEST_FILES, read
// by scripts/stryker-vitest.mjs), so Stryker sees no filter, reloads the environment for each static
// mutant and runs exactly these files.
const testFiles = [];
strykerArgs = strykerArgs.filter((arg, i, all) => {
  if (arg === '--testFiles') return false;
  if (arg.startsWith('--testFiles=')) return (testFiles.push(...arg.slice(12).split(',')), false);
  if (all[i - 1] === '--testFiles') return (testFiles.push(...arg.split(',')), false);
  return true;
});

/** Counts per status from Stryker's JSON report (mutation-testing-report-schema). */
function summarise(reportFile) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const counts = {};
  for (const file of Object.values(report.files)) {
    for (const m of file.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  }
  const n = (s) => counts[s] ?? 0;
  const detected = n('Killed') + n('Timeout');
  const valid = detected + n('Survived') + n('NoCoverage');
  return {
    files: Object.keys(report.files).length,
    mutants: valid,
    killed: n('Killed'),
    timeout: n('Timeout'),
    survived: n('Survived'),
    noCoverage: n('NoCoverage'),
    ignored: n('Ignored'),
    errors: n('CompileError') + n('RuntimeError'),
    score: valid === 0 ? NaN : (100 * detected) / valid,
  };
}

const results = [];
let failed = false;
for (const name of selected) {
  const dir = path.join(root, targets[name]);
  const started = Date.now();
  const only = testFiles.length > 0 ? ` (tests: ${testFiles.join(', ')})` : '';
  process.stdout.write(
    `\n==> mutation ${name} (${targets[name]}): stryker run ${strykerArgs.join(' ')}${only}\n`,
  );
  const r = spawnSync('nice', ['-n', '10', 'npx', 'stryker', 'run', ...strykerArgs], {
    cwd: dir,
    stdio: 'inherit',
    env: {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      ...(testFiles.length > 0 ? { STRYKER_TEST_FILES: testFiles.join(',') } : {}),
    },
  });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const reportFile = path.join(dir, 'reports/mutation/mutation.json');
  if (r.status !== 0 || !existsSync(reportFile)) {
    failed = true;
    process.stdout.write(`==> mutation ${name}: FAILED (exit ${r.status}) after ${minutes} min\n`);
    continue;
  }
  results.push({ name, minutes, ...summarise(reportFile) });
}

if (results.length > 0) {
  process.stdout.write(
    '\ntarget              files  mutants  killed  timeout  survived  no-cov  score   minutes\n',
  );
  for (const s of results) {
    process.stdout.write(
      `${s.name.padEnd(18)}  ${String(s.files).padStart(5)}  ${String(s.mutants).padStart(7)}  ` +
        `${String(s.killed).padStart(6)}  ${String(s.timeout).padStart(7)}  ${String(s.survived).padStart(8)}  ` +
        `${String(s.noCoverage).padStart(6)}  ${s.score.toFixed(2).padStart(6)}  ${s.minutes.padStart(7)}\n`,
    );
  }
}
process.exit(failed ? 1 : 0);
