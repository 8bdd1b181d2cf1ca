import { describe, expect, it } from 'vitest';
import { GatewayPageCache } from './gateway-page-cache.js';

// The page cache on its own (no database): version check, least-recently-used order, entry and byte bounds.
const cache = (maxEntries: number, maxBytes: number) =>
  new GatewayPageCache<string>(maxEntries, maxBytes, (s) => s.length);

describe('GatewayPageCache', () => {
  it('answers a kept page only at the version it was read at, and forgets it at another', () => {
    const c = cache(4, 100);
    expect(c.get('a', '1')).toBeUndefined();
    expect(c.has('a')).toBe(false);
    c.set('a', '1', 'page-a');
    expect(c.has('a')).toBe(true);
    expect(c.get('a', '1')).toBe('page-a');
    expect(c.get('a', '2')).toBeUndefined();
    expect(c.has('a')).toBe(false);
    expect(c.size).toBe(0);
    // The stale page's bytes were given back: a page of the whole budget fits now.
    c.set('b', '1', 'x'.repeat(100));
    expect(c.get('b', '1')).toBe('x'.repeat(100));
  });

  it('evicts the least recently used page when there are more than maxEntries', () => {
    const c = cache(2, 1000);
    c.set('a', '1', 'A');
    c.set('b', '1', 'B');
    expect(c.get('a', '1')).toBe('A'); // a is now the most recently used
    c.set('c', '1', 'C');
    expect(c.size).toBe(2);
    expect(c.has('b')).toBe(false);
    expect(c.get('a', '1')).toBe('A');
    expect(c.get('c', '1')).toBe('C');
  });

  it('evicts by bytes, oldest first, until the kept pages fit maxBytes', () => {
    const c = cache(10, 10);
    c.set('a', '1', 'aaaa');
    c.set('b', '1', 'bbbb');
    expect(c.size).toBe(2);
    c.set('c', '1', 'ccc'); // 11 bytes: a goes
    expect(c.has('a')).toBe(false);
    expect(c.has('b') && c.has('c')).toBe(true);
    c.set('d', '1', 'dddddddddd'); // exactly maxBytes: only d stays
    expect(c.size).toBe(1);
    expect(c.get('d', '1')).toBe('dddddddddd');
  });

  it('replacing a page counts its bytes once', () => {
    const c = cache(10, 10);
    c.set('a', '1', 'aaaaaa');
    c.set('a', '2', 'aaaaaa');
    c.set('b', '1', 'bbbb'); // 6 + 4 = 10 fits only if the first 'a' was not counted twice
    expect(c.size).toBe(2);
    expect(c.get('a', '1')).toBeUndefined();
    expect(c.get('b', '1')).toBe('bbbb');
  });

  it('does not keep a page larger than maxBytes, and drops the older page of that key', () => {
    const c = cache(10, 5);
    c.set('k', '1', 'kk');
    c.set('a', '1', 'aaa');
    c.set('a', '2', 'aaaaaa');
    expect(c.has('a')).toBe(false);
    // The refused page evicted nothing else.
    expect(c.get('k', '1')).toBe('kk');
    c.set('k', '2', '');
    c.set('b', '1', 'bbbbb'); // the refused page left no bytes behind
    expect(c.get('b', '1')).toBe('bbbbb');
  });

  it('keeps nothing when maxEntries is 0', () => {
    const c = cache(0, 100);
    c.set('a', '1', 'A');
    expect(c.has('a')).toBe(false);
    expect(c.size).toBe(0);
  });
});
