import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../apps/api/src/db/client.js';
import { ensureDatabase, startEmbeddedPostgres } from '../../apps/api/src/db/embedded-postgres.js';
import { migrate } from '../../apps/api/src/db/migrate.js';
import { seedSystem } from '../../apps/api/src/seed.js';

/** A throw-away embedded PostgreSQL with the schema migrated and the system account seeded. */
export async function benchDatabase(): Promise<{
  url: string;
  db: Db;
  adminKey: string;
  stop: () => Promise<void>;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'epic-bench-'));
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: 40000 + Math.floor(Math.random() * 20000),
    persistent: false,
  });
  const url = pg.url('epic');
  await ensureDatabase(url);
  await migrate(url);
  const db = createDb(url);
  const { adminKey } = await seedSystem(db, { demo: false });
  return {
    url,
    db,
    adminKey: adminKey!,
    async stop() {
      await db.$disconnect();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function rssOf(pid: number): number {
  // VmRSS in kB from /proc
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}
