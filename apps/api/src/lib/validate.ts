import type { z } from 'zod';
import { toValidationIssues } from '@epic/gateway-api';
import { AppError } from './errors.js';

/**
 * Parses input with a schema or throws a Validation AppError naming every bad field with a
 * Kubernetes-style path (`listeners[0].port`, `spec.rules[0].matches[0].path.value`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    // A body that is not even an object has no field to name: name the body.
    throw AppError.validation(
      toValidationIssues(r.error.issues, prefix).map((i) => (i.path === '' ? { ...i, path: 'body' } : i)),
    );
  }
  return r.data;
}
