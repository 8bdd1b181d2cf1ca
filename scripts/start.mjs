#!/usr/bin/env node
// `npm start`: generate the Prisma client if needed (npm ci already does), build the web UI if stale, then run the control plane
// (embedded default unless DATABASE_URL is set) in one child process (node with tsx's loader) and, beside it,
// the local workload cluster with the controller attached (scripts/start-children.mjs; LOCAL_CLUSTER=false
// leaves it out).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureWebBuild } from './build-web.mjs';
import { startChildren } from './start-children.mjs';

if (!existsSync('apps/api/src/generated/prisma/client.ts')) {
  const r = spawnSync(process.execPath, ['scripts/prisma.mjs', 'generate'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The web UI the API serves at /: rebuilt only when apps/web changed since the last build.
try {
  ensureWebBuild();
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
// The embedded default runs each gateway's Envoy on this machine (when an `envoy` binary is on PATH; otherwise
// each gateway's status says what is missing). PROVISIONER in the environment wins.
const env = { ...process.env };
if (!env.DATABASE_URL && !env.PROVISIONER) env.PROVISIONER = 'local';
const run = startChildren(env);
// Ctrl-C on a terminal reaches the children too; a signal sent to this process alone is passed on. Each
// child shuts down once however many copies it gets.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => run.kill(sig));
const { code } = await run.exited;
await run.stopped;
process.exit(code);
