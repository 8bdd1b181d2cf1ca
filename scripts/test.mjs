#!/usr/bin/env node
// `npm test`: every check the project has, in the order a failure is cheapest to find.
// Static checks first (generate, types, lint), then every Vitest project in one run, whose
// summary reporter prints the `N passed, N failed` line CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const steps = [
  ['prisma client', 'node', ['scripts/prisma.mjs', 'generate']],
  ['bpf programs', 'node', ['scripts/build-bpf.mjs']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  // eslint.config.mjs computes Nx's project graph itself (the module-boundary rule needs it).
  ['lint', 'npx', ['eslint', '.', '--max-warnings=0']],
  ['tests', 'npx', ['vitest', 'run', ...process.argv.slice(2)]],
];

const summaryFile = path.join(tmpdir(), `epic-test-summary-${process.pid}.json`);
rmSync(summaryFile, { force: true });

for (const [name, cmd, args] of steps) {
  if (cmd === 'node' && !existsSync(args[0])) continue;
  const started = Date.now();
  process.stdout.write(`\n==> ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', EPIC_TEST_SUMMARY: summaryFile },
  });
  let status = r.status;
  if (name === 'tests') {
    // A dependency once turned a failed run's exit code into 0; the reporter's counts are the second witness.
    const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
    if (!summary || summary.failed > 0 || summary.passed === 0) status = status || 1;
    rmSync(summaryFile, { force: true });
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`==> ${name}: ${status === 0 ? 'ok' : 'FAILED'} in ${seconds} s\n`);
  if (status !== 0) {
    if (name !== 'tests') process.stdout.write(`\n0 passed, 1 failed\n`);
    process.exit(status ?? 1);
  }
}
