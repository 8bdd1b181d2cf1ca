#!/usr/bin/env node
// `npm start`: generate the Prisma client if needed, then run the control plane (embedded default unless
// DATABASE_URL is set). The process is replaced by tsx running apps/api/src/main.ts.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('apps/api/src/generated/prisma/client.ts')) {
  const r = spawnSync('node', ['scripts/prisma.mjs', 'generate'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn('npx', ['tsx', 'apps/api/src/main.ts'], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
