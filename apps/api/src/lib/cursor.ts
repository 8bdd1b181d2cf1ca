import { AppError } from './errors.js';

/** Opaque keyset cursor over (createdAt, id): stable under inserts, unlike offsets. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  // The bytes of JSON.stringify([iso, id]), without building the array (an ISO date needs no escaping).
  return Buffer.from(`["${c.createdAt.toISOString()}",${JSON.stringify(c.id)}]`).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Exactly what encodeCursor writes (Date#toISOString of a row's createdAt), years 1970 to 9999: a forged
// cursor cannot carry a date PostgreSQL's timestamp cannot hold ("+275760-…", "-000001-…", "0000-…").
const ISO_RE = /^(19[7-9]\d|[2-9]\d{3})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function decodeCursor(text: string, field = 'cursor'): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
    ) {
      const createdAt = new Date(parsed[0]);
      if (
        ISO_RE.test(parsed[0]) &&
        !Number.isNaN(createdAt.getTime()) &&
        createdAt.toISOString() === parsed[0] &&
        UUID_RE.test(parsed[1])
      )
        return { createdAt, id: parsed[1] };
    }
  } catch {
    // fall through to the validation error
  }
  throw AppError.field(field, 'not a cursor returned by this API');
}

/** Prisma `where` and `orderBy` fragments for a page after the cursor, oldest first. */
export function pageArgs(cursor: string | undefined, limit: number) {
  const c = cursor ? decodeCursor(cursor) : undefined;
  return {
    where: c
      ? { OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] }
      : {},
    orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }],
    take: limit + 1,
  };
}

export function pageOf<T extends { createdAt: Date; id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
