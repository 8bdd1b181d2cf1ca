#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts; results are recorded by hand in docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync('bench')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
const file = `bench/${name}.ts`;
if (!existsSync(file)) process.exit(2);
const r = spawnSync('npx', ['tsx', file, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
