import { dbFailureOf } from '../db/errors.js';
import { AppError } from './errors.js';

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message: string;
}

/**
 * Maps errors raised by Fastify or Mercurius before a service ran (bad JSON, too large, wrong media type,
 * wrong method) to the API's error type; undefined when the error is not the caller's doing.
 */
export function fromFrameworkError(err: FrameworkError, bodyLimit: number): AppError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PayloadTooLarge', `body: larger than the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UnsupportedMediaType', 'body: send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return AppError.field('body', 'empty JSON body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return AppError.field('body', `not valid JSON: ${err.message}`);
    default:
      if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message)))
        return AppError.field('body', `not valid JSON: ${err.message}`);
      if (err.statusCode === 405) return new AppError('MethodNotAllowed', err.message);
      if (err.statusCode === 413)
        return new AppError('PayloadTooLarge', `body: larger than the limit of ${bodyLimit} bytes`);
      if (err.statusCode === 415) return new AppError('UnsupportedMediaType', 'body: send application/json');
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
        return new AppError('Validation', err.message);
      return undefined;
  }
}

const DB_UNAVAILABLE: Record<NonNullable<ReturnType<typeof dbFailureOf>>, string> = {
  connection: 'database unavailable: no connection to PostgreSQL; retry later',
  'no-answer': 'database unavailable: PostgreSQL did not answer in time; retry later',
  'statement-timeout': 'database unavailable: the statement ran out of time; retry later',
  'lock-timeout': 'database busy: a lock the request needs is held too long; retry later',
};

/**
 * Maps a failure to reach or hear from PostgreSQL (whatever wrapped it: pg, Prisma, the driver adapter) to
 * 503 Unavailable with Retry-After; undefined for any other error. The message names what is unavailable and
 * nothing internal.
 */
export function fromDatabaseError(err: unknown): AppError | undefined {
  const failure = dbFailureOf(err);
  return failure ? AppError.unavailable(DB_UNAVAILABLE[failure]) : undefined;
}
