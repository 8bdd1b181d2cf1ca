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
  const names = tables.rows.map((t) => t.name).filter((n) => !IGNORED.has(n));
  // One round trip for every table: the matrix takes hundreds of snapshots.
  const quote = (n: string) => `"${n.replaceAll('"', '""')}"`;
  const sql = names
    .map((n, i) => `SELECT ${i}::int AS t, to_jsonb(x)::text AS row FROM ${quote(n)} x`)
    .join(' UNION ALL ');
  const out: DbSnapshot = Object.fromEntries(names.map((n) => [n, [] as string[]]));
  if (names.length === 0) return out;
  const r = await pool.query<{ t: number; row: string }>(sql);
  for (const { t, row } of r.rows) out[names[t]!]!.push(row);
  for (const rows of Object.values(out)) rows.sort();
  return out;
}

/** Row counts per table, to assert that a snapshot is not trivially empty. */
export function rowCounts(s: DbSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length]));
}
