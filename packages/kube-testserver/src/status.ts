// Errors shaped as metav1.Status, worded like k8s.io/apimachinery's errors and field.Error so that
// clients that parse messages (kubectl, controllers) see what a real API server would send.
import type { JsonObject } from './json.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** ListMeta of the Status (a 410 for an expired continue token carries a token to resume with). */
  listMeta: JsonObject | undefined;

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.listMeta ?? {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status.details = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    status.code = this.code;
    return status;
  }
}

/** `pods` or `gateways.gateway.networking.k8s.io`, as Kubernetes names a resource in messages. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(group: string, resource: string, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function alreadyExists(group: string, resource: string, name: string): StatusError {
  return new StatusError(
    409,
    'AlreadyExists',
    `${qualifiedResource(group, resource)} "${name}" already exists`,
    {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    },
  );
}

export function conflict(group: string, resource: string, name: string, why: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`,
    { name, ...(group ? { group } : {}), kind: resource },
  );
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

export function unsupportedMediaType(accepted: string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function forbidden(group: string, resource: string, name: string, why: string): StatusError {
  return new StatusError(
    403,
    'Forbidden',
    `${qualifiedResource(group, resource)} "${name}" is forbidden: ${why}`,
    {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    },
  );
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** storage.NewTooLargeResourceVersionError, as the watch cache returns it (retry after 1 s). */
export function tooLargeResourceVersion(rv: number, current: number): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${rv}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/** One field.Error: `Error()` renders as `<field>: <detail>` exactly like field.Error.Error(). */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The text after `<field>: ` in the rendered message. */
  detail: string;
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTypeInvalid';

/** How field.Error prints a bad value: strings quoted, scalars verbatim, structures by their Go type. */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  // An unsigned Go integer (e.g. a resourceVersion) prints in hex with %#v.
  if (typeof v === 'object' && v !== null && 'goHex' in v)
    return `0x${Number((v as { goHex: number }).goHex).toString(16)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[]interface {}{${v.map((x) => renderValue(x)).join(', ')}}`;
  const entries = Object.entries(v as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, x]) => `${JSON.stringify(k)}:${renderValue(x)}`);
  return `map[string]interface {}{${entries.join(', ')}}`;
}

export const fieldError = {
  required(field: string, why = ''): FieldError {
    return { type: 'FieldValueRequired', field, detail: why ? `Required value: ${why}` : 'Required value' };
  },
  invalid(field: string, value: unknown, why: string): FieldError {
    return {
      type: 'FieldValueInvalid',
      field,
      detail: `Invalid value: ${renderValue(value)}${why ? `: ${why}` : ''}`,
    };
  },
  /** Type mismatches: kube-openapi reports the actual type name as the bad value. */
  typeInvalid(field: string, actualType: string, why: string): FieldError {
    return {
      type: 'FieldValueTypeInvalid',
      field,
      detail: `Invalid value: ${renderValue(actualType)}: ${why}`,
    };
  },
  notSupported(field: string, value: unknown, supported: unknown[]): FieldError {
    // The apiextensions server formats enum values with %v and quotes them: numbers appear as "301".
    const quoted = supported.map((s) => JSON.stringify(typeof s === 'string' ? s : JSON.stringify(s)));
    return {
      type: 'FieldValueNotSupported',
      field,
      detail: `Unsupported value: ${renderValue(value)}: supported values: ${quoted.join(', ')}`,
    };
  },
  tooLong(field: string, max: number): FieldError {
    return {
      type: 'FieldValueTooLong',
      field,
      detail: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`,
    };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return {
      type: 'FieldValueTooMany',
      field,
      detail: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${renderValue(value)}` };
  },
  forbidden(field: string, why: string): FieldError {
    return { type: 'FieldValueForbidden', field, detail: `Forbidden: ${why}` };
  },
};

/** 422 Invalid: `Kind.group "name" is invalid: [a, b]` with one cause per field error. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  const rendered = errors.map((e) => `${e.field}: ${e.detail}`);
  const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}
