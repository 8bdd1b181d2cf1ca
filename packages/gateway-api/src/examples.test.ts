import { describe, expect, it } from 'vitest';
import { formatIssues, validate, type SpecKind } from './index.js';
import { loadExamples, upstreamValidator } from './test-support/upstream.js';

const supported = new Set<string>([
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'TLSRoute',
  'UDPRoute',
  'Gateway',
  'ReferenceGrant',
]);
const examples = loadExamples().filter((e) => supported.has(e.kind));

describe('upstream examples (gateway-api v1.6.1 examples/standard)', () => {
  it('include every supported kind', () => {
    expect(new Set(examples.map((e) => e.kind))).toEqual(supported);
  });

  it.each(examples.map((e) => [`${e.file} ${e.kind}/${e.name}`, e] as const))(
    '%s validates with our schema',
    (_, e) => {
      const result = validate(e.kind as SpecKind, e.spec);
      expect(result.ok ? '' : formatIssues(result.issues)).toBe('');
    },
  );

  it.each(examples.map((e) => [`${e.file} ${e.kind}/${e.name}`, e] as const))(
    '%s validates with the upstream CRD schema',
    (_, e) => {
      expect(upstreamValidator(e.kind)(e.spec).errors).toEqual([]);
    },
  );
});
