// Prints the SQL that takes the schema of the last commit (or an empty database when no migration exists
// yet) to prisma/schema.prisma; empty when nothing changed. The CLI's --from-migrations and --from-url do
// not work with a driver adapter (docs/adr/0002-prisma-offline.md), so the diff is between two datamodels;
// the schema engine still wants a database to talk to, which is a throw-away embedded PostgreSQL.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, startEmbeddedPostgres } from '../apps/api/src/db/embedded-postgres.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'epic-migration-diff-'));
const hasMigrations =
  existsSync('prisma/migrations') &&
  readdirSync('prisma/migrations').some((d) => existsSync(`prisma/migrations/${d}/migration.sql`));
let from = ['--from-empty'];
if (hasMigrations) {
  const previous = path.join(dataDir, 'previous.prisma');
  writeFileSync(previous, execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { encoding: 'utf8' }));
  from = ['--from-schema-datamodel', previous];
}
const pg = await startEmbeddedPostgres({
  dataDir: path.join(dataDir, 'pg'),
  port: 30000 + Math.floor(Math.random() * 20000),
  persistent: false,
});
try {
  const url = pg.url('epic');
  await ensureDatabase(url);
  const r = spawnSync(
    'node',
    [
      'node_modules/prisma/build/index.js',
      'migrate',
      'diff',
      ...from,
      '--to-schema-datamodel',
      'prisma/schema.prisma',
      '--script',
    ],
    { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' },
  );
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exitCode = 1;
  } else process.stdout.write(r.stdout);
} finally {
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
