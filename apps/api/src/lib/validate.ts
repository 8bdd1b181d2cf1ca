import type { z } from 'zod';
import { fieldPath, toValidationIssues } from '@epic/gateway-api';
import { AppError, type FieldIssue } from './errors.js';

// NUL (PostgreSQL text and jsonb refuse it) or any surrogate code unit; pairs are told apart below.
const SUSPECT = /[\u0000\ud800-\udfff]/;

/** Why a string cannot be stored as text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (!SUSPECT.test(s)) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return 'must not contain a NUL character (U+0000)';
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'must be valid Unicode: contains an unpaired UTF-16 surrogate';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'must be valid Unicode: contains an unpaired UTF-16 surrogate';
  }
  return undefined;
}

/**
 * Every string of a request (values and object keys, at any depth) must be storable text: PostgreSQL refuses
 * NUL in text and jsonb, and an unpaired surrogate is not Unicode. Checked before any schema, so that no
 * field, however loosely typed (`spec`, filters, labels), reaches the database with one.
 */
export function textIssues(input: unknown, prefix = ''): FieldIssue[] {
  const out: FieldIssue[] = [];
  const at = (path: PropertyKey[]) => fieldPath(path, prefix) || 'body';
  const walk = (v: unknown, path: PropertyKey[], d: number): void => {
    if (out.length >= 20 || d > 64) return;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) out.push({ path: at(path), message: problem });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i], d + 1));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        const problem = textProblem(k);
        // the key itself cannot be printed as a path: name its parent
        if (problem) out.push({ path: at(path), message: `a field name ${problem}` });
        else walk(x, [...path, k], d + 1);
      }
    }
  };
  walk(input, [], 0);
  return out;
}

/**
 * Parses input with a schema or throws a Validation AppError naming every bad field with a
 * Kubernetes-style path (`listeners[0].port`, `spec.rules[0].matches[0].path.value`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const text = textIssues(input, prefix);
  if (text.length > 0) throw AppError.validation(text);
  const r = schema.safeParse(input);
  if (!r.success) {
    // A body that is not even an object has no field to name: name the body.
    throw AppError.validation(
      toValidationIssues(r.error.issues, prefix).map((i) => (i.path === '' ? { ...i, path: 'body' } : i)),
    );
  }
  return r.data;
}
