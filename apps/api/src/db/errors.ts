/**
 * Which errors mean "the database is not available right now" (as opposed to "this statement was wrong").
 * The same failure reaches us in several wrappings: a pg error or Node socket error, a Prisma error code, a
 * driver-adapter error kind, an AggregateError of one connect attempt per address. Pure duck typing: no pg,
 * no Prisma import, so this also classifies errors from another copy of either.
 */
export type DbFailure =
  /** No connection: refused, reset, timed out while connecting, server shutting down or starting up. */
  | 'connection'
  /** The server did not answer a query in time (client-side limit): the connection is unusable. */
  | 'no-answer'
  /** The server cancelled a statement that ran past `statement_timeout`. */
  | 'statement-timeout'
  /** A statement waited past `lock_timeout` for a lock. */
  | 'lock-timeout';

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server that is going away, starting or full (class 08: connection exception). */
const SQLSTATE_CONNECTION = new Set(['57P01', '57P02', '57P03', '53300', '57P05']);

/** Prisma's codes for the same situations (https://www.prisma.io/docs/orm/reference/error-reference). */
const PRISMA_CONNECTION = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2037']);

/** Driver-adapter error kinds (`@prisma/driver-adapter-utils`). */
const ADAPTER_CONNECTION = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections']);

/** Messages of pg and pg-pool that carry no code. */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^timeout expired$/, // pg's connect timeout (connectionTimeoutMillis) destroys the socket with this
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Connection ended/,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
  kind?: unknown;
  cause?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: unknown };
}

function classifyOne(e: ErrorLike): DbFailure | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (code && SOCKET_CODES.has(code)) return 'connection';
  if (code && typeof e.severity === 'string') {
    if (code === '57014') return 'statement-timeout';
    if (code === '55P03') return 'lock-timeout';
    if (code.startsWith('08') || SQLSTATE_CONNECTION.has(code)) return 'connection';
  }
  if (code && PRISMA_CONNECTION.has(code)) return 'connection';
  if (code === 'P1008') return 'no-answer';
  if (typeof e.kind === 'string') {
    if (ADAPTER_CONNECTION.has(e.kind)) return 'connection';
    if (e.kind === 'SocketTimeout') return 'no-answer';
    if (e.kind === 'postgres' && typeof e.code === 'string')
      return classifyOne({ code: e.code, severity: 'ERROR', message });
  }
  if (message === 'Query read timeout') return 'no-answer';
  if (PG_CONNECTION_MESSAGES.some((re) => re.test(message))) return 'connection';
  return undefined;
}

/** What kind of database unavailability `err` reports, or undefined when it is not one. */
export function dbFailureOf(err: unknown, depth = 0): DbFailure | undefined {
  if (err === null || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as ErrorLike;
  const own = classifyOne(e);
  if (own) return own;
  for (const inner of [e.meta?.driverAdapterError, e.cause]) {
    const found = dbFailureOf(inner, depth + 1);
    if (found) return found;
  }
  // One connect attempt per resolved address (localhost → ::1 and 127.0.0.1): all failed the same way.
  if (Array.isArray(e.errors) && e.errors.length > 0) return dbFailureOf(e.errors[0], depth + 1);
  return undefined;
}

/** Whether the connection that raised `err` can no longer be used (drop it rather than roll it back). */
export function isConnectionLost(err: unknown): boolean {
  const f = dbFailureOf(err);
  return f === 'connection' || f === 'no-answer';
}
