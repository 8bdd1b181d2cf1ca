import { defineConfig } from 'vitest/config';

// Each file that uses @grpc/grpc-js-xds needs its own process: the client reads its bootstrap once per process.
// Files run one after another because the statistical and 100-change tests are timing-sensitive on 2 cores.
export default defineConfig({
  test: {
    name: '@epic/xds-server',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
