import { defineConfig } from 'vitest/config';

// Suites start real HTTP servers and spawn kubectl; kubectl is slow on 2 shared cores.
export default defineConfig({
  test: { name: '@epic/kube-testserver', testTimeout: 60_000, hookTimeout: 60_000 },
});
