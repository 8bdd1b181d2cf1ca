import { describe, expect, it } from 'vitest';
import { parseHeaderLines } from './header-lines.js';

describe('header lines of the trace form', () => {
  it('reads one `name: value` per line, lower-cases names and keeps colons in values', () => {
    expect(parseHeaderLines('X-Canary: true\n\nauthorization: Bearer a:b')).toEqual({
      headers: { 'x-canary': 'true', authorization: 'Bearer a:b' },
      bad: [],
    });
  });

  it('turns a repeated name into a list, in order', () => {
    expect(parseHeaderLines('accept: a\nAccept: b\naccept: c').headers).toEqual({ accept: ['a', 'b', 'c'] });
  });

  it('names the lines that are not headers', () => {
    expect(parseHeaderLines('ok: 1\nno colon\n: empty name\nbad name: x').bad).toEqual([2, 3, 4]);
  });
});
