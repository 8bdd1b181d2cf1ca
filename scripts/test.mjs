#!/usr/bin/env node
// `npm test`: every check the project has, in the order a failure is cheapest to find.
// Static checks first (generate, types, lint), then every Vitest project in one run, whose
// summary reporter prints the `N passed, N failed` line CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const steps = [
  ['prisma client', 'node', ['scripts/prisma.mjs', 'generate']],
  ['bpf programs', 'node', ['scripts/build-bpf.mjs']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  // The module-boundary rule reads Nx's project graph; computing it once makes it available to ESLint.
  ['project graph', 'npx', ['nx', 'show', 'projects']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings=0']],
  ['tests', 'npx', ['vitest', 'run', ...process.argv.slice(2)]],
];

for (const [name, cmd, args] of steps) {
  if (cmd === 'node' && !existsSync(args[0])) continue;
  const started = Date.now();
  process.stdout.write(`\n==> ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  process.stdout.write(
    `==> ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (r.status !== 0) {
    if (name !== 'tests') process.stdout.write(`\n0 passed, 1 failed\n`);
    process.exit(r.status ?? 1);
  }
}
