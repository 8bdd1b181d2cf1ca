import { describe, expect, it } from 'vitest';
import { hostnameMatches, intersectHostnames } from './hostnames.js';

describe('hostname intersection (listener × route)', () => {
  const cases: [string | undefined, string[], string[]][] = [
    [undefined, [], ['*']],
    [undefined, ['a.com', '*.b.com'], ['a.com', '*.b.com']],
    ['a.com', [], ['a.com']],
    ['very.specific.com', ['non.matching.com', 'very.specific.com'], ['very.specific.com']],
    ['very.specific.com', ['*.specific.com'], ['very.specific.com']],
    [
      '*.wildcard.io',
      ['wildcard.io', 'foo.wildcard.io', 'foo.bar.wildcard.io'],
      ['foo.wildcard.io', 'foo.bar.wildcard.io'],
    ],
    ['*.example.com', ['*.foo.example.com'], ['*.foo.example.com']],
    ['*.foo.example.com', ['*.example.com'], ['*.foo.example.com']],
    ['*.example.com', ['*.example.org', 'example.com'], []],
    ['A.com', ['a.COM'], ['a.com']],
  ];
  for (const [listener, route, expected] of cases) {
    it(`${listener ?? '(none)'} × [${route.join(', ')}] = [${expected.join(', ')}]`, () => {
      expect(intersectHostnames(listener, route)).toEqual(expected);
    });
  }
});

describe('wildcard matching', () => {
  it('covers one or more labels but not the bare suffix', () => {
    expect(hostnameMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(hostnameMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnameMatches('*.example.com', 'example.com')).toBe(false);
  });
});
