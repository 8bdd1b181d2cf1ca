import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The Service Manager's bundle: built into apps/web/dist, which apps/api serves on its own port.
// Pages are separate chunks (React.lazy); the first page loads only the shell and the sign-in page.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // WEB_MINIFY=false keeps names readable in a CPU profile (`BENCH_PROFILE=1 npm run bench -- ui`).
    minify: process.env.WEB_MINIFY !== 'false',
    reportCompressedSize: false,
  },
});
