import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export type { Prisma } from '../generated/prisma/client.js';

/** The Prisma client, through the pg driver adapter (no engine binary). */
export function createDb(url: string, poolSize = 20): Db {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize });
  return new PrismaClient({ adapter });
}

/** A transaction client: the Prisma client inside `$transaction`. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
