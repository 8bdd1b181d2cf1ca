import { describe, expect, it } from 'vitest';
import { regexProblem } from './regex.js';

describe('regexProblem', () => {
  it('accepts RE2 syntax', () => {
    expect(regexProblem('/api/v[0-9]+/.*')).toBeUndefined();
  });

  it.each(['', '(', '/(?=x)', '/(?!x)', '(a)\\1'])('rejects %j, which Envoy would reject', (re) => {
    expect(regexProblem(re)).toBeDefined();
  });
});
