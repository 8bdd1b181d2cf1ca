import { defineConfig } from 'vitest/config';

// The apiserver test starts an in-memory Kubernetes API server; give it room on a shared 2-core machine.
export default defineConfig({
  test: { name: '@epic/infra-translator', testTimeout: 60_000 },
});
