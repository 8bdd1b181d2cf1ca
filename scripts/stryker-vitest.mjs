// The Vitest config a mutation target runs under Stryker (docs/MUTATION.md): the target's own config,
// with `include` narrowed to STRYKER_TEST_FILES when `npm run mutation -- <target> --testFiles a,b` set
// it. scripts/mutation.mjs turns `--testFiles` into this variable instead of passing it to Stryker,
// because Stryker 9.6.1 never activates static mutants when it is given a test filter.
/**
 * @template {{ test?: Record<string, unknown> }} C
 * @param {C} config
 * @returns {C}
 */
export function mutationTests(config) {
  const only = process.env.STRYKER_TEST_FILES;
  if (!only) return config;
  return { ...config, test: { ...config.test, include: only.split(',').filter(Boolean) } };
}
