#!/usr/bin/env node
// Offline Prisma tasks (docs/adr/0002-prisma-offline.md).
//   generate             generate the client into apps/api/src/generated/prisma (no database needed)
//   new-migration NAME   start a throw-away embedded Postgres, apply the committed migrations, and write
//                        the SQL that takes it to prisma/schema.prisma as prisma/migrations/<ts>_NAME
//   diff                 print that SQL without writing it (empty when schema and migrations agree)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [cmd, name] = process.argv.slice(2);
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.resolve('scripts/unref-timers.cjs')}`,
};

function prisma(args, extraEnv = {}) {
  const r = spawnSync('node', ['node_modules/prisma/build/index.js', ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

if (cmd === 'generate') {
  // The datasource url is only read by the CLI; generate never connects.
  prisma(['generate'], { DATABASE_URL: env.DATABASE_URL ?? 'postgresql://unused@127.0.0.1:1/unused' });
  console.log('prisma client generated');
} else if (cmd === 'new-migration' || cmd === 'diff') {
  if (cmd === 'new-migration' && !/^[a-z0-9_]+$/.test(name ?? '')) {
    console.error('usage: node scripts/prisma.mjs new-migration <snake_case_name>');
    process.exit(2);
  }
  const r = spawnSync('npx', ['tsx', 'scripts/migration-diff.ts'], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 1);
  }
  const sql = r.stdout;
  if (cmd === 'diff') process.stdout.write(sql);
  else if (!sql.trim() || /This is an empty migration/.test(sql))
    console.log('schema and migrations agree: nothing to write');
  else {
    const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const dir = path.join('prisma/migrations', `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${dir}/migration.sql`);
  }
} else {
  console.error('usage: node scripts/prisma.mjs generate|new-migration NAME|diff');
  process.exit(2);
}
