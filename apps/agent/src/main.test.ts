import { describe, expect, it } from 'vitest';
import { parseMode } from './main.js';

describe('agent mode', () => {
  it('accepts each documented mode', () => {
    expect(parseMode(['--mode=epic-node'])).toBe('epic-node');
  });
  it('names the allowed modes when the flag is wrong', () => {
    expect(() => parseMode(['--mode=router'])).toThrow(/controller, node, linux, epic-node; got router/);
  });
});
