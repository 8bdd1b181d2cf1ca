/** Where the built Service Manager lives (vite build output); apps/api serves it at /. */
export const webRoot = new URL('../dist/', import.meta.url);
/** Everything the build reads: a change to any of these makes dist stale. */
export const webSources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map(
  (p) => new URL(`../${p}`, import.meta.url),
);
