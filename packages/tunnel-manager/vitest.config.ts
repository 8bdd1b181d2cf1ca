import { defineConfig } from 'vitest/config';

// Tests load BPF programs and build network namespaces as root: one file at a time, generous timeouts.
export default defineConfig({
  test: {
    name: '@epic/tunnel-manager',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
