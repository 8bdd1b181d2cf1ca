/** One error type for the whole API; the HTTP and GraphQL faces map `code` to their own status. */
export type ErrorCode =
  | 'Validation'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'MethodNotAllowed'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'Unavailable'
  | 'Internal';

export interface FieldIssue {
  /** Kubernetes-style field path, e.g. `listeners[0].port`. */
  path: string;
  message: string;
}

export const httpStatusOf: Record<ErrorCode, number> = {
  Validation: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  Unavailable: 503,
  Internal: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
    /** Seconds after which a retry may succeed (`Retry-After`); set on Unavailable. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return httpStatusOf[this.code];
  }

  static notFound(kind: string, id: string): AppError {
    return new AppError('NotFound', `${kind} ${JSON.stringify(id)} not found`);
  }

  static validation(issues: FieldIssue[]): AppError {
    const summary = issues
      .slice(0, 5)
      .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
      .join('; ');
    return new AppError('Validation', summary || 'invalid input', issues);
  }

  /** A dependency the request needs is down or too slow; the caller should retry after `retryAfterSeconds`. */
  static unavailable(message: string, retryAfterSeconds = 2): AppError {
    return new AppError('Unavailable', message, [], retryAfterSeconds);
  }

  static field(path: string, message: string): AppError {
    return AppError.validation([{ path, message }]);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
