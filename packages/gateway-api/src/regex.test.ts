import { describe, expect, it } from 'vitest';
import { regexFullMatch, regexProblem, regexReplaceAll, validate } from './index.js';

describe('the RE2 engine (Envoy safe_regex semantics)', () => {
  it.each(['/api/v[0-9]+/.*', 'a{90}', '(?i)abc', '[[:alpha:]]+', '(?P<n>a)', '\\z'])(
    'accepts %j, which RE2 compiles',
    (re) => {
      expect(regexProblem(re)).toBeUndefined();
    },
  );

  it.each([
    ['', 'empty'],
    ['(', 'missing'],
    ['a{1001}', 'repeat count'],
    ['\\Z', 'escape'],
    ['(?<=a)b', 'named capture'],
    ['(?<!a)b', 'named capture'],
    ['(?=x)', 'Perl syntax'],
    ['(?!x)', 'Perl syntax'],
    ['(a)\\1', 'escape'],
    ['a**', 'nested repetition'],
  ])('rejects %j, valid in JavaScript or not, which RE2 (and so Envoy) rejects', (re, why) => {
    expect(regexProblem(re)).toContain(why);
  });

  it("refuses a program larger than Envoy's default re2.max_program_size.error_level (100)", () => {
    expect(regexProblem('a{1000}')).toMatch(/program size 1002 is over Envoy's limit of 100/);
    expect(regexProblem('/(x|y){60}')).toMatch(/program size/);
    expect(regexProblem('a{90}')).toBeUndefined();
  });

  it('matches the whole value, as safe_regex path and header matchers do', () => {
    expect(regexFullMatch('/api/.*', '/api/x')).toBe(true);
    expect(regexFullMatch('/api', '/api/x')).toBe(false);
    expect(regexFullMatch('api', '/api')).toBe(false);
    expect(regexFullMatch('a|b', 'a')).toBe(true);
    expect(regexFullMatch('a|b', 'ab')).toBe(false);
    expect(regexFullMatch('(', '(')).toBe(false);
  });

  it('runs in linear time where a backtracking engine takes exponential time', () => {
    // JavaScript's RegExp needs ~2^n steps for this; at n = 5,000 it would never finish.
    const started = Date.now();
    expect(regexFullMatch('/(a+)+b', `/${'a'.repeat(5_000)}`)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rewrites with RE2 substitution syntax (\\N names a group, $ is literal)', () => {
    expect(regexReplaceAll('^/api/(\\w+)', '/api/foo/bar', '/v2/\\1')).toBe('/v2/foo/bar');
    expect(regexReplaceAll('o', 'foo', '0')).toBe('f00');
    expect(regexReplaceAll('b+', 'abbbc', '[\\0]')).toBe('a[bbb]c');
    expect(regexReplaceAll('o', 'fo', '$1\\\\')).toBe('f$1\\');
    expect(regexReplaceAll('(', 'x', 'y')).toBeUndefined();
  });
});

describe('regexes in specs are RE2, refused at the field', () => {
  const issuePaths = (kind: 'HTTPRoute' | 'GRPCRoute', spec: object) => {
    const r = validate(kind, spec);
    return r.ok ? [] : r.issues.map((i) => i.path);
  };

  it.each(['a{1001}', '\\Z', '(?<=/a)b', '(a)\\1', '/(?=x)'])('path %j', (value) => {
    expect(
      issuePaths('HTTPRoute', { rules: [{ matches: [{ path: { type: 'RegularExpression', value } }] }] }),
    ).toEqual(['spec.rules[0].matches[0].path.value']);
  });

  it('header and query parameter matches', () => {
    expect(
      issuePaths('HTTPRoute', {
        rules: [
          {
            matches: [
              {
                headers: [{ type: 'RegularExpression', name: 'x-a', value: 'a{1001}' }],
                queryParams: [{ type: 'RegularExpression', name: 'q', value: '\\Z' }],
              },
            ],
          },
        ],
      }),
    ).toEqual(['spec.rules[0].matches[0].headers[0].value', 'spec.rules[0].matches[0].queryParams[0].value']);
  });

  it('gRPC service and method matches', () => {
    expect(
      issuePaths('GRPCRoute', {
        rules: [
          { matches: [{ method: { type: 'RegularExpression', service: '(?!x)', method: 'a{2000}' } }] },
        ],
      }),
    ).toEqual(['spec.rules[0].matches[0].method.service', 'spec.rules[0].matches[0].method.method']);
  });

  it('an Exact value is not a regex', () => {
    expect(
      issuePaths('HTTPRoute', { rules: [{ matches: [{ headers: [{ name: 'x-a', value: 'a{1001}' }] }] }] }),
    ).toEqual([]);
  });
});

describe('header names and values are what Envoy accepts, refused at the field', () => {
  const issues = (spec: object) => {
    const r = validate('HTTPRoute', spec);
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  };
  const filter = (f: object) => ({ rules: [{ filters: [f] }] });

  it.each(['a\r\nx-injected: 1', 'a\nb', 'a\rb', 'a\0b'])('a header modifier value %j', (value) => {
    expect(
      issues(
        filter({ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value }] } }),
      ),
    ).toEqual([
      'spec.rules[0].filters[0].requestHeaderModifier.set[0].value: must not contain NUL, CR or LF (Envoy HTTP_HEADER_VALUE)',
    ]);
    expect(
      issues(
        filter({ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-a', value }] } }),
      ),
    ).toEqual([
      'spec.rules[0].filters[0].responseHeaderModifier.add[0].value: must not contain NUL, CR or LF (Envoy HTTP_HEADER_VALUE)',
    ]);
  });

  it('header modifier and backend-level names, and names to remove', () => {
    expect(
      issues({
        rules: [
          {
            filters: [
              {
                type: 'RequestHeaderModifier',
                requestHeaderModifier: { remove: ['x\r\ny'], set: [{ name: 'a b', value: 'v' }] },
              },
            ],
            backendRefs: [
              {
                name: 's',
                port: 80,
                filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: [':path'] } }],
              },
            ],
          },
        ],
      }).map((i) => i.slice(0, i.indexOf(':', 8))),
    ).toEqual([
      'spec.rules[0].filters[0].requestHeaderModifier.set[0].name',
      'spec.rules[0].filters[0].requestHeaderModifier.remove[0]',
      'spec.rules[0].backendRefs[0].filters[0].responseHeaderModifier.remove[0]',
    ]);
  });

  it('an exact header match value with CR/LF', () => {
    expect(issues({ rules: [{ matches: [{ headers: [{ name: 'x-a', value: 'a\r\nb' }] }] }] })).toHaveLength(
      1,
    );
  });

  it.each([
    [
      {
        type: 'RequestRedirect',
        requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/a\r\nb' } },
      },
      'requestRedirect.path.replaceFullPath',
    ],
    [
      {
        type: 'URLRewrite',
        urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/a\nb' } },
      },
      'urlRewrite.path.replacePrefixMatch',
    ],
  ])('a redirect or rewrite path (Envoy writes it into a header) %#', (f, field) => {
    expect(issues(filter(f)).map((i) => i.slice(0, i.indexOf(': ')))).toEqual([
      `spec.rules[0].filters[0].${field}`,
    ]);
  });

  it('ordinary values pass', () => {
    expect(
      issues(
        filter({
          type: 'RequestHeaderModifier',
          requestHeaderModifier: { set: [{ name: 'x-a', value: 'v1; q="a b"\t%' }], remove: ['x-b'] },
        }),
      ),
    ).toEqual([]);
  });
});
