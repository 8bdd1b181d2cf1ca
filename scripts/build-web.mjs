#!/usr/bin/env node
// Builds the Service Manager (apps/web, `vite build`) into apps/web/dist when the bundle is missing or older
// than any of its sources. `npm start`, the web and e2e test projects (as a Vitest globalSetup) and the UI
// bench call it, so nobody has to remember a build step. `--force` rebuilds regardless.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(repo, 'apps/web');
const dist = path.join(web, 'dist');
const stamp = path.join(dist, '.build-stamp');

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

/** True when dist is missing or a source is newer than the last build. */
export function webBuildStale() {
  if (!existsSync(stamp) || !existsSync(path.join(dist, 'index.html'))) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => path.join(web, p));
  const built = statSync(stamp).mtimeMs;
  return sources.some((p) => newestMtime(p) > built);
}

/** Runs `vite build` if needed; throws when the build fails. */
export function ensureWebBuild({ force = false, quiet = false } = {}) {
  if (!force && !webBuildStale()) return false;
  const started = Date.now();
  const vite = path.join(repo, 'node_modules/vite/bin/vite.js');
  // Always a production bundle: Vitest (whose globalSetup calls this) sets NODE_ENV=test, which the child would
  // inherit, and vite then bundles React's development build (twice the size, several times slower).
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', quiet ? 'error' : 'warn'], {
    cwd: web,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`vite build of apps/web failed (exit ${r.status ?? r.signal})`);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  if (!quiet) process.stdout.write(`apps/web built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return true;
}

/** Vitest globalSetup. */
export default function setup() {
  ensureWebBuild({ quiet: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureWebBuild({ force: process.argv.includes('--force') });
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
