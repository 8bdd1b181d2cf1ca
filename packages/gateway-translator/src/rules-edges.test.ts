import { describe, expect, it } from 'vitest';
import { BackendResolver } from './backends.js';
import type { RouteInput, ServiceInput } from './input.js';
import { INVALID_BACKEND_CLUSTER } from './ir.js';
import { regexProblem } from './regex.js';
import { escapeRegex, pathRewrite, resolveRoute } from './rules.js';

// Stage 1 per route, one rule at a time: matches with their defaults, each filter's effect, weights and
// unresolved shares, timeouts and retries, and the values Envoy would refuse, with exact messages.

const svc = (name: string): ServiceInput => ({
  namespace: 'app',
  name,
  ports: [{ port: 80, targetPort: 8080 }],
  endpoints: [{ address: '10.0.0.1', port: 8080, ready: true }],
});
const resolver = () => new BackendResolver([svc('web'), svc('api')], []);
const WEB = 'service/app/web/80';
const API = 'service/app/api/80';

function http(rules: unknown): RouteInput {
  return {
    kind: 'HTTPRoute',
    id: 'r1',
    namespace: 'app',
    name: 'r',
    generation: 1,
    spec: (rules === undefined ? {} : { rules }) as never,
  };
}
const grpc = (rules: unknown): RouteInput => ({
  ...http(undefined),
  kind: 'GRPCRoute',
  spec: { rules } as never,
});
const resolve = (route: RouteInput) => resolveRoute(route, resolver());
const firstRule = (rule: unknown) => {
  const r = resolve(http([rule]));
  const out = r.rules[0];
  if (out === undefined) throw new Error('no rule');
  return { ...r, rule: out };
};
const defaultMatch = { path: { type: 'PathPrefix', value: '/' }, headers: [], queryParams: [] };
const web = { name: 'web', port: 80 };

describe('resolveRoute: HTTP matches', () => {
  it('gives a route without rules one rule that matches everything and cannot forward', () => {
    expect(resolve(http(undefined))).toStrictEqual({
      route: http(undefined),
      rules: [{ index: 0, matches: [defaultMatch], action: { kind: 'invalid' }, mirrors: [] }],
      problems: [],
      unsupported: [],
    });
  });

  it('fills match defaults, lower-cases header names, keeps query names, first duplicate wins', () => {
    const { rule } = firstRule({
      matches: [
        {},
        {
          path: { type: 'Exact', value: '/a' },
          method: 'POST',
          headers: [
            { name: 'X-A', value: '1' },
            { name: 'x-a', value: '2' },
            { type: 'RegularExpression', name: 'X-B', value: 'b.*' },
          ],
          queryParams: [
            { name: 'Q', value: '1' },
            { name: 'q', value: '2' },
            { name: 'Q', value: '3' },
          ],
        },
        { path: { value: '/p' } },
        { path: { type: 'RegularExpression' } },
      ],
      backendRefs: [web],
    });
    expect(rule.matches).toStrictEqual([
      defaultMatch,
      {
        path: { type: 'Exact', value: '/a' },
        headers: [
          { type: 'Exact', name: 'x-a', value: '1' },
          { type: 'RegularExpression', name: 'x-b', value: 'b.*' },
        ],
        queryParams: [
          { type: 'Exact', name: 'Q', value: '1' },
          { type: 'Exact', name: 'q', value: '2' },
        ],
        method: 'POST',
      },
      { path: { type: 'PathPrefix', value: '/p' }, headers: [], queryParams: [] },
      { path: { type: 'RegularExpression', value: '/' }, headers: [], queryParams: [] },
    ]);
  });

  it('treats an empty matches list like no matches', () => {
    expect(firstRule({ matches: [], backendRefs: [web] }).rule.matches).toStrictEqual([defaultMatch]);
  });
});

describe('resolveRoute: backends and weights', () => {
  it('forwards to resolved backends with weight 1 by default and drops weight-0 ones', () => {
    const r = firstRule({
      backendRefs: [web, { name: 'api', port: 80, weight: 0 }, { name: 'api', port: 80, weight: 3 }],
    });
    expect(r.rule.action).toStrictEqual({
      kind: 'forward',
      destinations: [
        { cluster: WEB, weight: 1 },
        { cluster: API, weight: 3 },
      ],
    });
    expect(r.problems).toEqual([]);
  });

  it('keeps the share of unresolved backends on the invalid-backend cluster', () => {
    const r = firstRule({
      backendRefs: [{ name: 'gone', port: 80, weight: 2 }, web, { name: 'gone2', port: 80 }],
    });
    expect(r.rule.action).toStrictEqual({
      kind: 'forward',
      destinations: [
        { cluster: WEB, weight: 1 },
        { cluster: INVALID_BACKEND_CLUSTER, weight: 3 },
      ],
    });
    expect(r.problems).toEqual([
      { reason: 'BackendNotFound', message: 'backend app/gone: service not found' },
      { reason: 'BackendNotFound', message: 'backend app/gone2: service not found' },
    ]);
  });

  it('adds no invalid share when unresolved backends weigh 0', () => {
    const r = firstRule({ backendRefs: [{ name: 'gone', port: 80, weight: 0 }, web] });
    expect(r.rule.action).toStrictEqual({ kind: 'forward', destinations: [{ cluster: WEB, weight: 1 }] });
    expect(r.problems).toHaveLength(1);
  });

  it('cannot forward when nothing resolves or every weight is 0', () => {
    expect(firstRule({ backendRefs: [{ name: 'gone', port: 80 }] }).rule.action).toStrictEqual({
      kind: 'invalid',
    });
    expect(firstRule({ backendRefs: [{ ...web, weight: 0 }] }).rule.action).toStrictEqual({
      kind: 'invalid',
    });
    expect(firstRule({}).rule.action).toStrictEqual({ kind: 'invalid' });
  });

  it('puts header filters of a backend on its destination only', () => {
    const r = firstRule({
      backendRefs: [
        {
          ...web,
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'a', value: '1' }] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['b'] } },
          ],
        },
        { name: 'api', port: 80 },
      ],
    });
    expect(r.rule.action).toStrictEqual({
      kind: 'forward',
      destinations: [
        {
          cluster: WEB,
          weight: 1,
          requestHeaders: { set: [{ name: 'a', value: '1' }], add: [], remove: [] },
          responseHeaders: { set: [], add: [], remove: ['b'] },
        },
        { cluster: API, weight: 1 },
      ],
    });
    expect(r.rule.requestHeaders).toBeUndefined();
  });

  it('resolves TCP and TLS route rules to destinations without matches', () => {
    const tcp: RouteInput = {
      ...http(undefined),
      kind: 'TCPRoute',
      spec: { rules: [{ backendRefs: [web] }, { backendRefs: [{ name: 'gone', port: 80 }] }] } as never,
    };
    const r = resolve(tcp);
    expect(r.rules).toStrictEqual([
      {
        index: 0,
        matches: [],
        action: { kind: 'forward', destinations: [{ cluster: WEB, weight: 1 }] },
        mirrors: [],
      },
      { index: 1, matches: [], action: { kind: 'invalid' }, mirrors: [] },
    ]);
    expect(r.problems).toEqual([
      { reason: 'BackendNotFound', message: 'backend app/gone: service not found' },
    ]);
    expect(r.unsupported).toEqual([]);
    expect(resolve({ ...tcp, kind: 'TLSRoute' } as RouteInput).rules).toStrictEqual([
      {
        index: 0,
        matches: [],
        action: { kind: 'forward', destinations: [{ cluster: WEB, weight: 1 }] },
        mirrors: [],
      },
      { index: 1, matches: [], action: { kind: 'invalid' }, mirrors: [] },
    ]);
  });
});

describe('resolveRoute: filters', () => {
  it('copies header modifiers with empty lists for what is not set', () => {
    const { rule } = firstRule({
      filters: [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: {
            set: [{ name: 's', value: '1' }],
            add: [{ name: 'a', value: '2' }],
            remove: ['r'],
          },
        },
        { type: 'ResponseHeaderModifier', responseHeaderModifier: {} },
      ],
      backendRefs: [web],
    });
    expect(rule.requestHeaders).toStrictEqual({
      set: [{ name: 's', value: '1' }],
      add: [{ name: 'a', value: '2' }],
      remove: ['r'],
    });
    expect(rule.responseHeaders).toStrictEqual({ set: [], add: [], remove: [] });
  });

  it('redirects instead of forwarding, keeping the raw redirect', () => {
    const redirect = { scheme: 'https', statusCode: 301 };
    const r = firstRule({
      filters: [{ type: 'RequestRedirect', requestRedirect: redirect }],
      backendRefs: [web],
    });
    expect(r.rule.action).toStrictEqual({ kind: 'redirect', redirect });
  });

  it('rewrites hostname and path, with "/" when the path value is missing', () => {
    const rw = (urlRewrite: unknown) =>
      firstRule({ filters: [{ type: 'URLRewrite', urlRewrite }], backendRefs: [web] }).rule.rewrite;
    expect(
      rw({ hostname: 'h.example.com', path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } }),
    ).toStrictEqual({
      hostname: 'h.example.com',
      path: { type: 'ReplaceFullPath', value: '/x' },
    });
    expect(rw({ path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/p' } })).toStrictEqual({
      path: { type: 'ReplacePrefixMatch', value: '/p' },
    });
    expect(rw({ hostname: 'h' })).toStrictEqual({ hostname: 'h' });
    expect(rw({})).toStrictEqual({});
  });

  it('computes mirror shares in millionths from percent, fraction (denominator 100 by default) or all', () => {
    const mirror = (extra: object) => ({
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: 'api', port: 80 }, ...extra },
    });
    const { rule, problems } = firstRule({
      filters: [
        mirror({}),
        mirror({ percent: 25 }),
        mirror({ fraction: { numerator: 1 } }),
        mirror({ fraction: { numerator: 1, denominator: 3 } }),
        { type: 'RequestMirror', requestMirror: { backendRef: { name: 'gone', port: 80 } } },
      ],
      backendRefs: [web],
    });
    expect(rule.mirrors).toStrictEqual([
      { cluster: API, partsPerMillion: 1_000_000 },
      { cluster: API, partsPerMillion: 250_000 },
      { cluster: API, partsPerMillion: 10_000 },
      { cluster: API, partsPerMillion: 333_333 },
    ]);
    expect(problems).toEqual([{ reason: 'BackendNotFound', message: 'backend app/gone: service not found' }]);
  });

  it('fills CORS defaults and copies the lists', () => {
    const cors = (c: object) =>
      firstRule({ filters: [{ type: 'CORS', cors: c }], backendRefs: [web] }).rule.cors;
    expect(cors({})).toStrictEqual({
      allowOrigins: [],
      allowCredentials: false,
      allowMethods: [],
      allowHeaders: [],
      exposeHeaders: [],
      maxAgeSeconds: 5,
    });
    expect(
      cors({
        allowOrigins: ['https://a'],
        allowCredentials: true,
        allowMethods: ['GET'],
        allowHeaders: ['x-a'],
        exposeHeaders: ['x-b'],
        maxAge: 60,
      }),
    ).toStrictEqual({
      allowOrigins: ['https://a'],
      allowCredentials: true,
      allowMethods: ['GET'],
      allowHeaders: ['x-a'],
      exposeHeaders: ['x-b'],
      maxAgeSeconds: 60,
    });
  });

  it('makes a rule with an ExtensionRef unservable, even with a redirect', () => {
    const r = resolve(
      http([
        { backendRefs: [web] },
        {
          filters: [
            { type: 'RequestRedirect', requestRedirect: { statusCode: 302 } },
            { type: 'ExtensionRef', extensionRef: { group: 'example.com', kind: 'Auth', name: 'a' } },
          ],
          backendRefs: [web],
        },
      ]),
    );
    expect(r.rules.map((x) => x.action.kind)).toEqual(['forward', 'invalid']);
    expect(r.problems).toEqual([
      { reason: 'InvalidKind', message: 'rule 1: ExtensionRef example.com/Auth a is not supported' },
    ]);
  });
});

describe('resolveRoute: timeouts and retries', () => {
  it('keeps only the timeouts that are set, zero included', () => {
    const t = (timeouts: unknown) => firstRule({ timeouts, backendRefs: [web] }).rule.timeouts;
    expect(t({ request: '10s' })).toStrictEqual({ requestMillis: 10_000 });
    expect(t({ backendRequest: '250ms' })).toStrictEqual({ backendRequestMillis: 250 });
    expect(t({ request: '1m', backendRequest: '0s' })).toStrictEqual({
      requestMillis: 60_000,
      backendRequestMillis: 0,
    });
    expect(t({})).toBeUndefined();
    expect(t(undefined)).toBeUndefined();
  });

  it('defaults retry attempts to 1, sorts codes, and keeps only a positive backoff', () => {
    const retry = (r: unknown) => firstRule({ retry: r, backendRefs: [web] }).rule.retry;
    expect(retry({})).toStrictEqual({ attempts: 1, codes: [] });
    expect(retry({ attempts: 3, codes: [504, 500, 502], backoff: '100ms' })).toStrictEqual({
      attempts: 3,
      codes: [500, 502, 504],
      backoffMillis: 100,
    });
    expect(retry({ attempts: 0, backoff: '0s' })).toStrictEqual({ attempts: 0, codes: [] });
    expect(retry(undefined)).toBeUndefined();
  });
});

describe('resolveRoute: values Envoy would refuse', () => {
  it('names invalid regular expressions of paths, headers and query parameters by rule', () => {
    const bad = '(';
    const problem = regexProblem(bad);
    if (problem === undefined) throw new Error(`${bad} should be invalid`);
    const r = resolve(
      http([
        {
          matches: [
            {
              path: { type: 'PathPrefix', value: bad },
              headers: [{ name: 'h', value: bad }],
              queryParams: [{ name: 'q', value: bad }],
            },
          ],
          backendRefs: [web],
        },
        {
          matches: [
            { path: { type: 'RegularExpression', value: bad } },
            {
              headers: [{ type: 'RegularExpression', name: 'h', value: '[' }],
              queryParams: [{ type: 'RegularExpression', name: 'q', value: 'ok.*' }],
            },
          ],
          backendRefs: [web],
        },
      ]),
    );
    expect(r.unsupported).toEqual([
      `rule 1: invalid regular expression "(": ${problem}`,
      `rule 1: invalid regular expression "[": ${regexProblem('[')}`,
    ]);
  });

  it('names header names and values, paths and CORS headers Envoy would refuse, in rule and backend filters', () => {
    const r = resolve(
      http([
        { backendRefs: [web] },
        {
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: {
                set: [{ name: 'bad name', value: 'ok' }],
                add: [{ name: 'x-a', value: 'a\nb' }],
                remove: ['bad:name', 'fine'],
              },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { add: [{ name: 'x-r', value: 'a\rb' }] },
            },
            {
              type: 'RequestRedirect',
              requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/a\u0000' } },
            },
            {
              type: 'URLRewrite',
              urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b\n' } },
            },
            { type: 'CORS', cors: { allowHeaders: ['ok', 'x y'], exposeHeaders: ['a@b'] } },
          ],
          backendRefs: [
            {
              ...web,
              filters: [
                {
                  type: 'ResponseHeaderModifier',
                  responseHeaderModifier: { set: [{ name: 'é', value: 'v' }] },
                },
              ],
            },
          ],
        },
      ]),
    );
    expect(r.unsupported).toEqual([
      'rule 1: RequestHeaderModifier header "bad name" is not a valid header name',
      'rule 1: RequestHeaderModifier x-a value "a\\nb" contains NUL, CR or LF',
      'rule 1: RequestHeaderModifier remove "bad:name" is not a valid header name',
      'rule 1: ResponseHeaderModifier x-r value "a\\rb" contains NUL, CR or LF',
      'rule 1: RequestRedirect path "/a\\u0000" contains NUL, CR or LF',
      'rule 1: URLRewrite path "/b\\n" contains NUL, CR or LF',
      'rule 1: CORS header "x y" is not a valid header name',
      'rule 1: CORS header "a@b" is not a valid header name',
      'rule 1: ResponseHeaderModifier header "é" is not a valid header name',
    ]);
  });

  it('accepts every RFC 7230 token character in header names', () => {
    const name = "Az09!#$%&'*+-.^_`|~";
    const r = firstRule({
      filters: [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: { set: [{ name, value: 'v\tw' }], remove: [name] },
        },
      ],
      backendRefs: [web],
    });
    expect(r.unsupported).toEqual([]);
  });
});

describe('resolveRoute: gRPC method matches', () => {
  const matches = (m: unknown[]) => resolve(grpc([{ matches: m, backendRefs: [web] }])).rules[0]?.matches;

  it('turns methods into path matches, escaping exact names and grouping regular expressions', () => {
    expect(
      matches([
        {},
        { method: { service: 'pkg.Svc', method: 'Get' } },
        { method: { type: 'Exact', service: 'pkg.Svc' } },
        { method: { method: 'Get+' } },
        { method: {} },
        { method: { type: 'RegularExpression', service: 'pkg\\..*', method: 'Get|List' } },
        { method: { type: 'RegularExpression', method: 'Get' } },
        { method: { type: 'RegularExpression', service: 'S' } },
        {
          headers: [
            { name: 'X-Tenant', value: 'a' },
            { name: 'x-tenant', value: 'b' },
          ],
        },
      ]),
    ).toStrictEqual([
      defaultMatch,
      { path: { type: 'Exact', value: '/pkg.Svc/Get' }, headers: [], queryParams: [] },
      { path: { type: 'RegularExpression', value: '/pkg\\.Svc/[^/]+' }, headers: [], queryParams: [] },
      { path: { type: 'RegularExpression', value: '/[^/]+/Get\\+' }, headers: [], queryParams: [] },
      { path: { type: 'RegularExpression', value: '/[^/]+/[^/]+' }, headers: [], queryParams: [] },
      {
        path: { type: 'RegularExpression', value: '/(?:pkg\\..*)/(?:Get|List)' },
        headers: [],
        queryParams: [],
      },
      { path: { type: 'RegularExpression', value: '/[^/]+/(?:Get)' }, headers: [], queryParams: [] },
      { path: { type: 'RegularExpression', value: '/(?:S)/[^/]+' }, headers: [], queryParams: [] },
      {
        path: { type: 'PathPrefix', value: '/' },
        headers: [{ type: 'Exact', name: 'x-tenant', value: 'a' }],
        queryParams: [],
      },
    ]);
  });

  it('keeps header matches next to a method match', () => {
    expect(
      matches([{ method: { service: 's', method: 'm' }, headers: [{ name: 'A', value: '1' }] }]),
    ).toStrictEqual([
      {
        path: { type: 'Exact', value: '/s/m' },
        headers: [{ type: 'Exact', name: 'a', value: '1' }],
        queryParams: [],
      },
    ]);
  });
});

describe('escapeRegex and pathRewrite', () => {
  it('escapes every regex metacharacter and nothing else', () => {
    expect(escapeRegex('a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p-q')).toBe(
      'a\\.b\\*c\\+d\\?e\\^f\\$g\\{h\\}i\\(j\\)k\\|l\\[m\\]n\\\\o/p-q',
    );
  });

  it('maps path modifiers, with "/" for a missing value', () => {
    expect(pathRewrite(undefined)).toBeUndefined();
    expect(pathRewrite({ type: 'ReplaceFullPath' })).toStrictEqual({ type: 'ReplaceFullPath', value: '/' });
    expect(pathRewrite({ type: 'ReplacePrefixMatch' })).toStrictEqual({
      type: 'ReplacePrefixMatch',
      value: '/',
    });
    expect(
      pathRewrite({ type: 'ReplacePrefixMatch', replacePrefixMatch: '/x', replaceFullPath: '/y' }),
    ).toStrictEqual({
      type: 'ReplacePrefixMatch',
      value: '/x',
    });
  });
});
