import { defineConfig } from 'vitest/config';

// Loading Envoy's protos takes ~0.5 s on first use; give the first test of each file room for it.
export default defineConfig({ test: { name: '@epic/envoy-proto', testTimeout: 20_000 } });
