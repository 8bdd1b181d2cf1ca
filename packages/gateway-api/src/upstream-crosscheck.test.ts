import { describe, expect, it } from 'vitest';
import { formatIssues, validate } from './index.js';
import { invalidCases, validCases } from './test-support/corpus.js';
import { upstreamValidator } from './test-support/upstream.js';

// What the upstream CRD schema (v1.6.1, structural part, compiled with ajv) rejects, ours must reject too,
// naming a field path. CEL rules are not in the structural schema: the 'cel' cases show ours enforces them.

const named = <T extends { name: string; kind: string }>(cases: T[]) =>
  cases.map((c) => [`${c.kind}: ${c.name}`, c] as const);

describe('cross-check against the upstream CRD schemas', () => {
  it('has a corpus of at least 40 specs the upstream structural schema rejects', () => {
    expect(invalidCases.filter((c) => c.upstream === 'schema').length).toBeGreaterThanOrEqual(40);
  });

  it.each(named(invalidCases.filter((c) => c.upstream === 'schema')))('upstream rejects %s', (_, c) => {
    expect(upstreamValidator(c.kind)(c.spec).ok).toBe(false);
  });

  it.each(named(invalidCases.filter((c) => c.upstream === 'cel')))(
    'upstream structural schema accepts %s (a CEL rule or pruning catches it)',
    (_, c) => {
      expect(upstreamValidator(c.kind)(c.spec).errors).toEqual([]);
    },
  );

  it.each(named(invalidCases))('ours rejects %s', (_, c) => {
    expect(validate(c.kind, c.spec).ok).toBe(false);
  });

  it.each(named(invalidCases))('ours names the field for %s', (_, c) => {
    const result = validate(c.kind, c.spec);
    const paths = result.ok ? [] : result.issues.map((i) => i.path);
    const namesField = paths.some(
      (p) => p === c.path || p.startsWith(`${c.path}.`) || p.startsWith(`${c.path}[`),
    );
    expect(namesField ? c.path : formatIssues(result.ok ? [] : result.issues)).toBe(c.path);
  });

  it.each(named(validCases))('both accept %s', (_, c) => {
    const ours = validate(c.kind, c.spec);
    expect({
      ours: ours.ok ? '' : formatIssues(ours.issues),
      upstream: upstreamValidator(c.kind)(c.spec).errors,
    }).toEqual({
      ours: '',
      upstream: [],
    });
  });
});
