import type pg from 'pg';

/** Tables whose rows a refused request may legitimately add (the audit log records nothing for refusals today, but may). */
const IGNORED = new Set(['AuditEvent', '_prisma_migrations']);

export type DbSnapshot = Record<string, string[]>;

/**
 * Every row of every table (except the audit log), as sorted JSON text per table: two snapshots are
 * equal exactly when no row was inserted, changed or deleted in between.
 */
export async function snapshotDb(pool: pg.Pool): Promise<DbSnapshot> {
  const tables = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: DbSnapshot = {};
  for (const { name } of tables.rows) {
    if (IGNORED.has(name)) continue;
    const r = await pool.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM "${name.replaceAll('"', '""')}" t`);
    out[name] = r.rows.map((x) => x.row).sort();
  }
  return out;
}

/** Row counts per table, to assert that a snapshot is not trivially empty. */
export function rowCounts(s: DbSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length]));
}
