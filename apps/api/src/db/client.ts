import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

/**
 * The Prisma client (through the pg driver adapter, no engine binary) plus the pg pool underneath it.
 * Hot paths whose latency is a product target (gateway create and list, API-key lookup) use SQL on the
 * same pool; everything else goes through Prisma (docs/adr/0003-hot-paths-in-sql.md).
 */
export type Db = PrismaClient & { $pool: pg.Pool };
export type { Prisma } from '../generated/prisma/client.js';

export function createDb(url: string, poolSize = 20): Db {
  // Prisma writes `timestamp(3)` columns in UTC; read them back as UTC in SQL paths too.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 1114 ? (s: string) => new Date(`${s.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format),
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: types as pg.CustomTypesConfig });
  pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const end = client.$disconnect.bind(client);
  return Object.assign(client, {
    $pool: pool,
    async $disconnect() {
      await end();
      await pool.end().catch(() => undefined);
    },
  }) as Db;
}

/** A transaction client: the Prisma client inside `$transaction`. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Runs `fn` in a pg transaction on the shared pool, rolling back on any error. */
export async function withPgTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
