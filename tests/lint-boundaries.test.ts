import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
// An empty Nx cache directory: what a fresh clone has (no project graph computed yet).
let freshNxCache = '';
beforeAll(() => {
  freshNxCache = mkdtempSync(path.join(tmpdir(), 'epic-lint-nx-'));
});
afterAll(() => {
  if (freshNxCache) rmSync(freshNxCache, { recursive: true, force: true });
});

// `npm run lint` is `eslint <flags> .`: run it with its own flags on one file.
const [bin, ...lintArgs] = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { lint: string } }
).scripts.lint.split(/\s+/);

/** The ESLint CLI as `npm run lint` runs it, on source given on stdin as if it were a new file in `dir`. */
function lint(dir: string, source: string): { status: number | null; output: string } {
  expect(bin).toBe('eslint');
  const r = spawnSync(
    process.execPath,
    [
      'node_modules/eslint/bin/eslint.js',
      ...lintArgs.filter((a) => a !== '.'),
      '--stdin',
      '--stdin-filename',
      path.join(dir, 'lint-probe.ts'),
    ],
    {
      cwd: repoRoot,
      input: source,
      encoding: 'utf8',
      env: {
        ...process.env,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_WORKSPACE_DATA_DIRECTORY: freshNxCache,
      },
      timeout: 120_000,
    },
  );
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('npm run lint enforces module boundaries from a fresh clone', () => {
  it('refuses a pure package importing fastify, with no project graph computed beforehand', () => {
    const r = lint('packages/gateway-api/src', "import Fastify from 'fastify';\nexport const f = Fastify;\n");
    expect(r.output).toMatch(/type:pure.*not allowed to import "fastify".*@nx\/enforce-module-boundaries/);
    expect(r.output).not.toMatch(/rule will be skipped/);
    expect(r.status).toBe(1);
  });

  it('refuses a pure package importing a Node library of the workspace', () => {
    const r = lint(
      'packages/gateway-translator/src',
      "import * as xds from '@epic/xds-server';\nexport const x = xds;\n",
    );
    expect(r.output).toMatch(/@nx\/enforce-module-boundaries/);
    expect(r.status).toBe(1);
  });

  it('lets an app import fastify', () => {
    const r = lint('apps/api/src', "import Fastify from 'fastify';\nexport const f = Fastify;\n");
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails on a warning', () => {
    const r = lint('apps/api/src', '// eslint-disable-next-line no-console\nexport const f = 1;\n');
    expect(r.output).toMatch(/warning/);
    expect(r.status).toBe(1);
  });
});
