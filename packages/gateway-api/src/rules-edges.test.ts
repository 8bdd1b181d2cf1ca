import { describe, expect, it } from 'vitest';
import { baseGateway, baseGRPCRoute, baseHTTPRoute } from './test-support/corpus.js';
import {
  duplicateIndices,
  durationToMillis,
  fieldPath,
  formatIssues,
  isIPv4,
  isRouteKind,
  validate,
  specSchemas,
  type SpecKind,
  type ValidationIssue,
} from './index.js';

// The CRD's cross-field (CEL) rules, each with its exact field path and upstream message, and the edge on
// either side of each rule: the API answers these messages in its 4xx bodies, so they are behaviour.

function issues(kind: SpecKind, spec: unknown): ValidationIssue[] {
  const r = validate(kind, spec);
  return r.ok ? [] : r.issues;
}

const gw = (listeners: unknown[], extra: Record<string, unknown> = {}) => ({
  gatewayClassName: 'epic',
  listeners,
  ...extra,
});
const tlsTerminate = { certificateRefs: [{ name: 'cert' }] };

describe('Gateway listener rules', () => {
  it('tls is refused on HTTP, TCP and UDP listeners, on the tls field', () => {
    for (const protocol of ['HTTP', 'TCP', 'UDP']) {
      expect(issues('Gateway', gw([{ name: 'a', port: 80, protocol, tls: tlsTerminate }]))).toEqual([
        {
          path: 'spec.listeners[0].tls',
          message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
        },
      ]);
    }
  });

  it('tls is required on HTTPS and TLS listeners, and an HTTPS listener must terminate', () => {
    for (const protocol of ['HTTPS', 'TLS']) {
      expect(issues('Gateway', gw([{ name: 'a', port: 443, protocol }]))).toEqual([
        { path: 'spec.listeners[0].tls', message: "tls must be specified for protocols ['HTTPS', 'TLS']" },
      ]);
    }
    expect(
      issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }])),
    ).toEqual([
      { path: 'spec.listeners[0].tls.mode', message: 'tls mode must be Terminate for protocol HTTPS' },
    ]);
    expect(
      issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } }])),
    ).toEqual([]);
    expect(issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: tlsTerminate }]))).toEqual(
      [],
    );
  });

  it('a Terminate listener needs certificateRefs or options; either one is enough', () => {
    expect(issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: {} }]))).toEqual([
      {
        path: 'spec.listeners[0].tls.certificateRefs',
        message: 'certificateRefs or options must be specified when mode is Terminate',
      },
    ]);
    expect(
      issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: { options: { k: 'v' } } }])),
    ).toEqual([]);
  });

  it('TCP and UDP listeners take no hostname; an empty hostname is no hostname', () => {
    for (const protocol of ['TCP', 'UDP']) {
      expect(issues('Gateway', gw([{ name: 'a', port: 53, protocol, hostname: 'a.example.com' }]))).toEqual([
        {
          path: 'spec.listeners[0].hostname',
          message: "hostname must not be specified for protocols ['TCP', 'UDP']",
        },
      ]);
    }
    expect(
      issues('Gateway', gw([{ name: 'a', port: 80, protocol: 'HTTP', hostname: 'a.example.com' }])),
    ).toEqual([]);
  });

  it('names the second of two listeners with one name, and of two with one port/protocol/hostname', () => {
    expect(
      issues(
        'Gateway',
        gw([
          { name: 'a', port: 80, protocol: 'HTTP' },
          { name: 'a', port: 81, protocol: 'HTTP' },
        ]),
      ),
    ).toEqual([
      { path: 'spec.listeners[1].name', message: 'Listener name must be unique within the Gateway' },
    ]);
    expect(
      issues(
        'Gateway',
        gw([
          { name: 'a', port: 80, protocol: 'HTTP' },
          { name: 'b', port: 80, protocol: 'HTTP' },
        ]),
      ),
    ).toEqual([
      {
        path: 'spec.listeners[1]',
        message: 'Combination of port, protocol and hostname must be unique for each listener',
      },
    ]);
    // A different hostname makes the combination distinct.
    expect(
      issues(
        'Gateway',
        gw([
          { name: 'a', port: 80, protocol: 'HTTP', hostname: 'a.example.com' },
          { name: 'b', port: 80, protocol: 'HTTP' },
        ]),
      ),
    ).toEqual([]);
  });

  it('options are capped at 16 entries', () => {
    const options = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    expect(issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: { options } }]))).toEqual([
      { path: 'spec.listeners[0].tls.options', message: 'Too many: must have at most 16 items' },
    ]);
    expect(
      issues('Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: { options: sixteen } }])),
    ).toEqual([]);
  });
});

describe('Gateway addresses, infrastructure and frontend TLS', () => {
  const http = [{ name: 'http', port: 80, protocol: 'HTTP' }];

  it('an IPAddress value must be an IPv4 or IPv6 address; a Hostname value a hostname', () => {
    expect(issues('Gateway', gw(http, { addresses: [{ value: 'not-an-ip' }] }))).toEqual([
      { path: 'spec.addresses[0].value', message: 'must be an IPv4 or IPv6 address when type is IPAddress' },
    ]);
    expect(
      issues('Gateway', gw(http, { addresses: [{ value: '192.0.2.1' }, { value: '2001:db8::1' }] })),
    ).toEqual([]);
    expect(issues('Gateway', gw(http, { addresses: [{ type: 'Hostname', value: 'Bad_Host' }] }))).toEqual([
      {
        path: 'spec.addresses[0].value',
        message:
          'Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
      },
    ]);
    expect(
      issues('Gateway', gw(http, { addresses: [{ type: 'Hostname', value: 'lb.example.com' }] })),
    ).toEqual([]);
    // A Hostname value is not checked as an IP, nor an implementation-specific type at all.
    expect(issues('Gateway', gw(http, { addresses: [{ type: 'example.com/pool', value: 'x_y' }] }))).toEqual(
      [],
    );
    expect(issues('Gateway', gw(http, { addresses: [{ type: 'IPAddress' }] }))).toEqual([]);
  });

  it('IPAddress and Hostname values are each unique, naming the later duplicate', () => {
    expect(
      issues(
        'Gateway',
        gw(http, {
          addresses: [
            { value: '192.0.2.1' },
            { type: 'Hostname', value: 'lb.example.com' },
            { value: '192.0.2.1' },
            { type: 'Hostname', value: 'lb.example.com' },
          ],
        }),
      ),
    ).toEqual([
      { path: 'spec.addresses[2].value', message: 'IPAddress values must be unique' },
      { path: 'spec.addresses[3].value', message: 'Hostname values must be unique' },
    ]);
  });

  it('infrastructure label and annotation keys follow the Kubernetes key format', () => {
    expect(issues('Gateway', gw(http, { infrastructure: { labels: { 'bad key': 'v' } } }))).toEqual([
      {
        path: 'spec.infrastructure.labels["bad key"]',
        message:
          'Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.',
      },
    ]);
    expect(issues('Gateway', gw(http, { infrastructure: { annotations: { 'bad key': 'v' } } }))).toEqual([
      {
        path: 'spec.infrastructure.annotations["bad key"]',
        message:
          'Annotation keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.',
      },
    ]);
    const longPrefix = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}/name`;
    expect(issues('Gateway', gw(http, { infrastructure: { labels: { [longPrefix]: 'v' } } }))).toEqual([
      {
        path: `spec.infrastructure.labels[${JSON.stringify(longPrefix)}]`,
        message:
          "If specified, the label key's prefix must be a DNS subdomain not longer than 253 characters in total.",
      },
    ]);
    // 252 characters of prefix are fine.
    const prefix252 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}/name`;
    expect(prefix252.split('/')[0]).toHaveLength(252);
    expect(
      issues('Gateway', gw(http, { infrastructure: { labels: { [prefix252]: 'v', 'example.com/x': 'y' } } })),
    ).toEqual([]);
  });

  it('infrastructure has at most 8 labels and 16 annotations', () => {
    const map = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(issues('Gateway', gw(http, { infrastructure: { labels: map(9) } }))).toEqual([
      { path: 'spec.infrastructure.labels', message: 'Too many: must have at most 8 items' },
    ]);
    expect(issues('Gateway', gw(http, { infrastructure: { labels: map(8), annotations: map(16) } }))).toEqual(
      [],
    );
    expect(issues('Gateway', gw(http, { infrastructure: { annotations: map(17) } }))).toEqual([
      { path: 'spec.infrastructure.annotations', message: 'Too many: must have at most 16 items' },
    ]);
  });

  it('frontend TLS per-port entries are unique by port', () => {
    const tls = (ports: number[]) => ({
      frontend: {
        default: {},
        perPort: ports.map((port) => ({
          port,
          tls: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
        })),
      },
    });
    expect(issues('Gateway', gw(http, { tls: tls([443, 8443, 443]) }))).toEqual([
      {
        path: 'spec.tls.frontend.perPort[2].port',
        message: 'Port for TLS configuration must be unique within the Gateway',
      },
    ]);
    expect(issues('Gateway', gw(http, { tls: tls([443, 8443]) }))).toEqual([]);
  });
});

describe('HTTPRoute rules', () => {
  const route = (rule: Record<string, unknown>) => ({ rules: [rule] });
  const redirectPrefix = {
    type: 'RequestRedirect',
    requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } },
  };
  const rewritePrefix = {
    type: 'URLRewrite',
    urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } },
  };
  const twoMatches = [
    { path: { type: 'PathPrefix', value: '/a' } },
    { path: { type: 'PathPrefix', value: '/b' } },
  ];

  it('each Exact/PathPrefix path rule has its own message; regular expressions skip them', () => {
    const cases: [string, string][] = [
      ['/a//b', "must not contain '//' when type one of ['Exact', 'PathPrefix']"],
      ['/a/./b', "must not contain '/./' when type one of ['Exact', 'PathPrefix']"],
      ['/a/../b', "must not contain '/../' when type one of ['Exact', 'PathPrefix']"],
      ['/a%2fb', "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"],
      ['/a%2Fb', "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"],
      ['/a/..', "must not end with '/..' when type one of ['Exact', 'PathPrefix']"],
      ['/a/.', "must not end with '/.' when type one of ['Exact', 'PathPrefix']"],
    ];
    for (const [value, message] of cases) {
      for (const type of ['Exact', 'PathPrefix']) {
        expect(issues('HTTPRoute', route({ matches: [{ path: { type, value } }] }))).toEqual([
          { path: 'spec.rules[0].matches[0].path.value', message },
        ]);
      }
      expect(
        issues('HTTPRoute', route({ matches: [{ path: { type: 'RegularExpression', value } }] })),
      ).toEqual([]);
    }
    expect(issues('HTTPRoute', route({ matches: [{ path: { type: 'Exact', value: '/a#b' } }] }))).toEqual([
      {
        path: 'spec.rules[0].matches[0].path.value',
        message: "must not contain '#' when type one of ['Exact', 'PathPrefix']",
      },
      {
        path: 'spec.rules[0].matches[0].path.value',
        message:
          "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
      },
    ]);
  });

  it('a redirect next to backendRefs is refused on the redirect filter', () => {
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } },
            { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
          ],
          backendRefs: [{ name: 'svc', port: 80 }],
        }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[1]',
        message: 'RequestRedirect filter must not be used together with backendRefs',
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] }),
      ),
    ).toEqual([]);
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: 'y' }] } },
          ],
          backendRefs: [{ name: 'svc', port: 80 }],
        }),
      ),
    ).toEqual([]);
  });

  it('replacePrefixMatch needs exactly one PathPrefix match, for each of its four places', () => {
    expect(issues('HTTPRoute', route({ matches: twoMatches, filters: [redirectPrefix] }))).toEqual([
      {
        path: 'spec.rules[0].matches',
        message:
          'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({ matches: [{ path: { type: 'Exact', value: '/a' } }], filters: [rewritePrefix] }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].matches',
        message:
          'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({ matches: twoMatches, backendRefs: [{ name: 's', port: 80, filters: [redirectPrefix] }] }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].matches',
        message:
          'Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({ matches: twoMatches, backendRefs: [{ name: 's', port: 80, filters: [rewritePrefix] }] }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].matches',
        message:
          'Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      },
    ]);
    // One PathPrefix match is what the rule asks for; a full-path replacement has no such rule.
    expect(issues('HTTPRoute', route({ filters: [rewritePrefix] }))).toEqual([]);
    expect(
      issues(
        'HTTPRoute',
        route({
          matches: [{ path: { type: 'PathPrefix', value: '/a' } }],
          backendRefs: [{ name: 's', port: 80, filters: [rewritePrefix] }],
        }),
      ),
    ).toEqual([]);
    expect(
      issues(
        'HTTPRoute',
        route({
          matches: twoMatches,
          filters: [
            { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } } },
          ],
          backendRefs: [
            {
              name: 's',
              port: 80,
              filters: [
                {
                  type: 'RequestRedirect',
                  requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/y' } },
                },
              ],
            },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('a backendRequest timeout longer than the request timeout is refused unless the request timeout is 0s', () => {
    expect(issues('HTTPRoute', route({ timeouts: { request: '1s', backendRequest: '1001ms' } }))).toEqual([
      {
        path: 'spec.rules[0].timeouts.backendRequest',
        message: 'backendRequest timeout cannot be longer than request timeout',
      },
    ]);
    expect(issues('HTTPRoute', route({ timeouts: { request: '1s', backendRequest: '1000ms' } }))).toEqual([]);
    expect(issues('HTTPRoute', route({ timeouts: { request: '0s', backendRequest: '1h' } }))).toEqual([]);
    expect(issues('HTTPRoute', route({ timeouts: { backendRequest: '1h' } }))).toEqual([]);
    expect(issues('HTTPRoute', route({ timeouts: { request: '1s' } }))).toEqual([]);
    // A malformed duration is reported once, as a pattern violation, not compared.
    const bad = issues('HTTPRoute', route({ timeouts: { request: '1s', backendRequest: '2 hours' } }));
    expect(bad.map((i) => i.path)).toEqual(['spec.rules[0].timeouts.backendRequest']);
    expect(bad[0]?.message).toMatch(/^must match /);
  });

  it('retry codes are unique, naming the repeated one', () => {
    expect(issues('HTTPRoute', route({ retry: { codes: [500, 503, 500] } }))).toEqual([
      { path: 'spec.rules[0].retry.codes[2]', message: 'Duplicate value' },
    ]);
    expect(issues('HTTPRoute', route({ retry: { codes: [500, 503] } }))).toEqual([]);
  });

  it('redirect and rewrite may not share a list, and unrepeatable filters are named at their second use', () => {
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
            { type: 'URLRewrite', urlRewrite: { hostname: 'a.example.com' } },
          ],
        }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters',
        message:
          'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
      },
    ]);
    const mod = { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x'] } };
    const mirror = { type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 } } };
    expect(issues('HTTPRoute', route({ filters: [mod, mirror, mod] }))).toEqual([
      { path: 'spec.rules[0].filters[2].type', message: 'ResponseHeaderModifier filter cannot be repeated' },
    ]);
    // RequestMirror may repeat.
    expect(issues('HTTPRoute', route({ filters: [mirror, mirror] }))).toEqual([]);
  });

  it('more than 128 matches across rules are refused on rules; 128 are accepted', () => {
    const rules = (n: number) =>
      Array.from({ length: 16 }, (_, r) => ({
        matches: Array.from({ length: n / 16 }, (_, m) => ({
          path: { type: 'Exact', value: `/r${r}m${m}` },
        })),
      }));
    expect(issues('HTTPRoute', { rules: rules(128) })).toEqual([]);
    const tooMany = rules(128);
    tooMany[0]!.matches.push({ path: { type: 'Exact', value: '/extra' } });
    expect(issues('HTTPRoute', { rules: tooMany })).toEqual([
      {
        path: 'spec.rules',
        message:
          'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
      },
    ]);
  });

  it('a "*" CORS origin must stand alone', () => {
    const cors = (allowOrigins: string[]) => route({ filters: [{ type: 'CORS', cors: { allowOrigins } }] });
    expect(issues('HTTPRoute', cors(['*']))).toEqual([]);
    expect(issues('HTTPRoute', cors(['https://a.example.com', 'https://b.example.com']))).toEqual([]);
    const both = issues('HTTPRoute', cors(['*', 'https://a.example.com']));
    expect(both).toHaveLength(1);
    expect(both[0]?.path).toBe('spec.rules[0].filters[0].cors.allowOrigins');
  });

  it('a path modifier names the field that does not fit its type', () => {
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: {
                path: { type: 'ReplaceFullPath', replaceFullPath: '/a', replacePrefixMatch: '/b' },
              },
            },
          ],
        }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch',
        message: "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: {
                path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/a', replaceFullPath: '/b' },
              },
            },
          ],
        }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].urlRewrite.path.replaceFullPath',
        message: "type must be 'ReplaceFullPath' when replaceFullPath is set",
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route({
          filters: [
            {
              type: 'URLRewrite',
              urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/a', other: 1 } },
            },
          ],
        }),
      ),
    ).toEqual([{ path: 'spec.rules[0].filters[0].urlRewrite.path.other', message: 'unknown field' }]);
  });

  it("a filter carrying another filter type's field names that field and the type it belongs to", () => {
    expect(
      issues(
        'HTTPRoute',
        route({ filters: [{ type: 'RequestRedirect', requestRedirect: {}, urlRewrite: {} }] }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].urlRewrite',
        message: 'filter.urlRewrite must be nil if the filter.type is not URLRewrite',
      },
    ]);
  });
});

describe('GRPCRoute method matches', () => {
  const grpc = (method: Record<string, unknown>) => ({ rules: [{ matches: [{ method }] }] });

  it('needs a service or a method', () => {
    expect(issues('GRPCRoute', grpc({ type: 'Exact' }))).toEqual([
      {
        path: 'spec.rules[0].matches[0].method',
        message: "One or both of 'service' or 'method' must be specified",
      },
    ]);
    expect(issues('GRPCRoute', grpc({ service: 'pkg.Svc' }))).toEqual([]);
    expect(issues('GRPCRoute', grpc({ method: 'Get' }))).toEqual([]);
  });

  it('an Exact match checks the service and method names; a regular expression does not', () => {
    expect(issues('GRPCRoute', grpc({ service: 'pkg/Svc', method: 'Get' }))).toEqual([
      {
        path: 'spec.rules[0].matches[0].method.service',
        message:
          'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
      },
    ]);
    expect(issues('GRPCRoute', grpc({ service: 'pkg.Svc', method: 'Get.x' }))).toEqual([
      {
        path: 'spec.rules[0].matches[0].method.method',
        message: 'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
      },
    ]);
    expect(
      issues('GRPCRoute', grpc({ type: 'RegularExpression', service: 'pkg/.*', method: 'Get.*' })),
    ).toEqual([]);
  });

  it('the GRPCRoute corpus base is valid and repeated header modifiers are named', () => {
    expect(issues('GRPCRoute', baseGRPCRoute())).toEqual([]);
    const mod = { type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x'] } };
    expect(issues('GRPCRoute', { rules: [{ filters: [mod, mod] }] })).toEqual([
      { path: 'spec.rules[0].filters[1].type', message: 'RequestHeaderModifier filter cannot be repeated' },
    ]);
  });
});

describe('shared references', () => {
  it('two refs to one parent each need a distinct sectionName', () => {
    const route = (parentRefs: unknown[]) => ({ ...baseHTTPRoute(), parentRefs });
    expect(issues('HTTPRoute', route([{ name: 'gw' }, { name: 'gw', sectionName: 'a' }]))).toEqual([
      {
        path: 'spec.parentRefs[0].sectionName',
        message:
          'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
      },
    ]);
    expect(
      issues(
        'HTTPRoute',
        route([
          { name: 'gw', sectionName: 'a' },
          { name: 'gw', sectionName: 'b' },
          { name: 'gw', sectionName: 'a' },
        ]),
      ),
    ).toEqual([
      {
        path: 'spec.parentRefs[2].sectionName',
        message:
          'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
      },
    ]);
    // Different parents (by name or namespace) need nothing.
    expect(
      issues('HTTPRoute', route([{ name: 'gw' }, { name: 'gw2' }, { name: 'gw', namespace: 'other' }])),
    ).toEqual([]);
  });

  it('a Service backend needs a port; other kinds do not', () => {
    expect(issues('TCPRoute', { rules: [{ backendRefs: [{ name: 'db' }] }] })).toEqual([
      { path: 'spec.rules[0].backendRefs[0].port', message: 'Must have port for Service reference' },
    ]);
    expect(
      issues('TCPRoute', {
        rules: [{ backendRefs: [{ group: 'example.com', kind: 'Backend', name: 'db' }] }],
      }),
    ).toEqual([]);
    expect(issues('HTTPRoute', { rules: [{ backendRefs: [{ name: 'web' }] }] })).toEqual([
      { path: 'spec.rules[0].backendRefs[0].port', message: 'Must have port for Service reference' },
    ]);
    const mirror = { type: 'RequestMirror', requestMirror: { backendRef: { name: 'm' } } };
    expect(issues('HTTPRoute', { rules: [{ filters: [mirror] }] })).toEqual([
      {
        path: 'spec.rules[0].filters[0].requestMirror.backendRef.port',
        message: 'Must have port for Service reference',
      },
    ]);
  });

  it('a mirror takes percent or fraction, and a fraction is at most 1', () => {
    const mirror = (m: Record<string, unknown>) => ({
      rules: [
        {
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, ...m } }],
        },
      ],
    });
    expect(issues('HTTPRoute', mirror({ percent: 10, fraction: { numerator: 1 } }))).toEqual([
      {
        path: 'spec.rules[0].filters[0].requestMirror.fraction',
        message: 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
      },
    ]);
    expect(issues('HTTPRoute', mirror({ fraction: { numerator: 3, denominator: 2 } }))).toEqual([
      {
        path: 'spec.rules[0].filters[0].requestMirror.fraction.numerator',
        message: 'numerator must be less than or equal to denominator',
      },
    ]);
    expect(issues('HTTPRoute', mirror({ fraction: { numerator: 2, denominator: 2 } }))).toEqual([]);
    expect(issues('HTTPRoute', mirror({ percent: 10 }))).toEqual([]);
  });

  it('header modifier and match lists are unique by name', () => {
    const set = [
      { name: 'x-a', value: '1' },
      { name: 'x-a', value: '2' },
    ];
    expect(
      issues('HTTPRoute', {
        rules: [{ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set } }] }],
      }),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].requestHeaderModifier.set[1]',
        message: 'Duplicate value: name "x-a"',
      },
    ]);
    expect(
      issues('HTTPRoute', {
        rules: [
          {
            filters: [
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['a', 'b', 'a'] } },
            ],
          },
        ],
      }),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].responseHeaderModifier.remove[2]',
        message: 'Duplicate value: header "a"',
      },
    ]);
  });

  it('a hostname may not be an IPv4 address', () => {
    expect(issues('HTTPRoute', { hostnames: ['192.0.2.1'] })).toEqual([
      { path: 'spec.hostnames[0]', message: 'Hostnames cannot contain an IP' },
    ]);
    expect(issues('HTTPRoute', { hostnames: ['192.0.2.example.com', '*.example.com'] })).toEqual([]);
  });
});

describe('helpers', () => {
  it('isIPv4 accepts dotted quads up to 255 only', () => {
    expect(['0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.9'].map(isIPv4)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', ' 1.2.3.4'].map(isIPv4)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('duplicateIndices lists every later duplicate, never the first occurrence', () => {
    expect(duplicateIndices(['a', 'b', 'a', 'c', 'b', 'a'], (s) => s)).toEqual([2, 4, 5]);
    expect(duplicateIndices([], (s: string) => s)).toEqual([]);
  });

  it('durationToMillis adds every unit and refuses what the pattern refuses', () => {
    expect(durationToMillis('1h2m3s4ms')).toBe(3_723_004);
    expect(durationToMillis('99999ms')).toBe(99_999);
    expect(() => durationToMillis('100000ms')).toThrow('invalid duration "100000ms"');
    expect(() => durationToMillis('1d')).toThrow(/invalid duration/);
  });

  it('fieldPath with an empty root starts with the first segment, brackets and quotes the rest', () => {
    expect(fieldPath(['rules', 0, 'name'], '')).toBe('rules[0].name');
    expect(fieldPath(['labels', 'a.b/c', 'x'], 'metadata')).toBe('metadata.labels["a.b/c"].x');
    expect(fieldPath([Symbol.for('s')], 'r')).toBe('r["Symbol(s)"]');
    expect(fieldPath(['_a$1'], 'r')).toBe('r._a$1');
  });

  it('validate reports issues under the root it is given and formatIssues prints each line', () => {
    const r = validate('Gateway', { ...baseGateway(), listeners: [] }, 'body');
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['body.listeners']);
    expect(
      formatIssues([
        { path: 'a', message: 'x' },
        { path: 'b', message: 'y' },
      ]),
    ).toBe('a: x\nb: y');
  });

  it('isRouteKind knows the four route kinds and nothing inherited', () => {
    expect(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute'].every(isRouteKind)).toBe(true);
    expect(['Gateway', 'ReferenceGrant', 'toString', 'constructor', ''].some(isRouteKind)).toBe(false);
  });
});

describe('more edges', () => {
  it('each unrepeatable HTTPRoute filter is named at its second use; GRPCRoute has its own list', () => {
    const filters: Record<string, Record<string, unknown>> = {
      CORS: { type: 'CORS', cors: { allowOrigins: ['https://a.example.com'] } },
      RequestHeaderModifier: { type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x'] } },
      ResponseHeaderModifier: { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x'] } },
      RequestRedirect: { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
      URLRewrite: { type: 'URLRewrite', urlRewrite: { hostname: 'a.example.com' } },
    };
    for (const [type, f] of Object.entries(filters)) {
      expect(issues('HTTPRoute', { rules: [{ filters: [f, f] }] })).toEqual([
        { path: 'spec.rules[0].filters[1].type', message: `${type} filter cannot be repeated` },
      ]);
    }
    const grpcMod = { type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['x'] } };
    expect(issues('GRPCRoute', { rules: [{ filters: [grpcMod, grpcMod] }] })).toEqual([
      { path: 'spec.rules[0].filters[1].type', message: 'ResponseHeaderModifier filter cannot be repeated' },
    ]);
  });

  it("a filter carrying two other types' fields gets one message per field", () => {
    expect(
      issues('HTTPRoute', {
        rules: [{ filters: [{ type: 'CORS', cors: {}, urlRewrite: {}, requestRedirect: {} }] }],
      }),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].urlRewrite',
        message: 'filter.urlRewrite must be nil if the filter.type is not URLRewrite',
      },
      {
        path: 'spec.rules[0].filters[0].requestRedirect',
        message: 'filter.requestRedirect must be nil if the filter.type is not RequestRedirect',
      },
    ]);
    // An unknown key next to a known filter's config stays an unknown field.
    expect(issues('HTTPRoute', { rules: [{ filters: [{ type: 'CORS', cors: {}, colour: 1 }] }] })).toEqual([
      { path: 'spec.rules[0].filters[0].colour', message: 'unknown field' },
    ]);
  });

  it('a field of the wrong type is not "Required value"', () => {
    const r = issues('TCPRoute', { rules: [{ backendRefs: [{ name: 'db', port: '5432' }] }] });
    expect(r).toHaveLength(1);
    expect(r[0]?.path).toBe('spec.rules[0].backendRefs[0].port');
    expect(r[0]?.message).not.toBe('Required value');
    expect(r[0]?.message).toMatch(/number/);
  });

  it('paths that merely start like a dot segment are fine', () => {
    for (const value of ['/..x', '/.well-known', '/a/..b', '/a.']) {
      expect(issues('HTTPRoute', { rules: [{ matches: [{ path: { type: 'Exact', value } }] }] })).toEqual([]);
    }
  });

  it('a TLSRoute has exactly one rule', () => {
    const rule = { backendRefs: [{ name: 'tls', port: 443 }] };
    expect(issues('TLSRoute', { hostnames: ['a.example.com'], rules: [rule] })).toEqual([]);
    expect(
      issues('TLSRoute', { hostnames: ['a.example.com'], rules: [rule, rule] }).map((i) => i.path),
    ).toEqual(['spec.rules']);
  });

  it('allowedListeners defaults to no namespaces', () => {
    const r = validate('Gateway', { ...baseGateway(), allowedListeners: {} });
    expect(r.ok && r.value.allowedListeners).toEqual({ namespaces: { from: 'None' } });
  });

  it('the CEL rules raise zod custom issues, never a built-in code', () => {
    const specs: [SpecKind, unknown][] = [
      ['Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: {} }])],
      [
        'Gateway',
        gw([{ name: 'a', port: 80, protocol: 'TCP', tls: tlsTerminate, hostname: 'a.example.com' }]),
      ],
      [
        'Gateway',
        gw([
          { name: 'a', port: 443, protocol: 'TLS' },
          { name: 'a', port: 443, protocol: 'TLS' },
        ]),
      ],
      ['Gateway', gw([{ name: 'a', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }])],
      [
        'Gateway',
        gw([{ name: 'a', port: 80, protocol: 'HTTP' }], {
          addresses: [{ value: 'x' }, { type: 'Hostname', value: 'A' }],
        }),
      ],
      [
        'HTTPRoute',
        {
          rules: [
            { filters: [{ type: 'RequestRedirect', requestRedirect: {} }], backendRefs: [{ name: 's' }] },
          ],
        },
      ],
      [
        'HTTPRoute',
        { rules: [{ timeouts: { request: '1s', backendRequest: '2s' }, retry: { codes: [500, 500] } }] },
      ],
      ['HTTPRoute', { parentRefs: [{ name: 'g' }, { name: 'g' }] }],
      [
        'HTTPRoute',
        {
          parentRefs: [
            { name: 'g', sectionName: 'a' },
            { name: 'g', sectionName: 'a' },
          ],
        },
      ],
      [
        'HTTPRoute',
        {
          rules: [
            {
              filters: [
                {
                  type: 'RequestMirror',
                  requestMirror: {
                    backendRef: { name: 'm', port: 1 },
                    percent: 1,
                    fraction: { numerator: 1 },
                  },
                },
              ],
            },
          ],
        },
      ],
      [
        'GRPCRoute',
        { rules: [{ matches: [{ method: {} }, { method: { service: 'a/b', method: 'c.d' } }] }] },
      ],
      ['TCPRoute', { rules: [{ backendRefs: [{ name: 'db' }] }] }],
    ];
    for (const [kind, spec] of specs) {
      const r = specSchemas[kind].safeParse(spec);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.code)).toEqual(r.error?.issues.map(() => 'custom'));
    }
  });
});

describe('edges the first mutation runs left', () => {
  it('names the ref without a sectionName, wherever it is in the list', () => {
    expect(issues('HTTPRoute', { parentRefs: [{ name: 'gw', sectionName: 'a' }, { name: 'gw' }] })).toEqual([
      {
        path: 'spec.parentRefs[1].sectionName',
        message:
          'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
      },
    ]);
    // Parents in two different namespaces are two parents.
    expect(
      issues('HTTPRoute', {
        parentRefs: [
          { name: 'gw', namespace: 'a' },
          { name: 'gw', namespace: 'b' },
        ],
      }),
    ).toEqual([]);
  });

  it('only a core Service needs a port', () => {
    for (const ref of [
      { kind: 'Backend', name: 'x' },
      { group: 'example.com', kind: 'Service', name: 'x' },
    ]) {
      expect(issues('TCPRoute', { rules: [{ backendRefs: [ref] }] })).toEqual([]);
      expect(issues('HTTPRoute', { rules: [{ backendRefs: [ref] }] })).toEqual([]);
      expect(
        issues('HTTPRoute', {
          rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: ref } }] }],
        }),
      ).toEqual([]);
    }
  });

  it('a label key prefix of exactly 253 characters is refused', () => {
    const prefix253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(prefix253).toHaveLength(253);
    const key = `${prefix253}/name`;
    expect(
      issues(
        'Gateway',
        gw([{ name: 'a', port: 80, protocol: 'HTTP' }], { infrastructure: { labels: { [key]: 'v' } } }),
      ),
    ).toEqual([
      {
        path: `spec.infrastructure.labels[${JSON.stringify(key)}]`,
        message:
          "If specified, the label key's prefix must be a DNS subdomain not longer than 253 characters in total.",
      },
    ]);
  });

  it('addresses without a value are never duplicates', () => {
    expect(
      issues(
        'Gateway',
        gw([{ name: 'a', port: 80, protocol: 'HTTP' }], {
          addresses: [
            { type: 'IPAddress' },
            { type: 'IPAddress' },
            { type: 'Hostname' },
            { type: 'Hostname' },
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('the schemas keep their own messages for keys validate reports as unknown fields', () => {
    const spec = (path: Record<string, unknown>) => ({
      rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { path } }] }],
    });
    const raw = specSchemas.HTTPRoute.safeParse(
      spec({ type: 'ReplaceFullPath', replaceFullPath: '/a', replacePrefixMatch: '/b', colour: 1 }),
    );
    expect(raw.error?.issues.map((i) => i.message)).toEqual([
      `type must be 'ReplacePrefixMatch' when replacePrefixMatch is set; Unrecognized key: "colour"`,
    ]);
    expect(
      issues(
        'HTTPRoute',
        spec({ type: 'ReplaceFullPath', replaceFullPath: '/a', replacePrefixMatch: '/b', colour: 1 }),
      ),
    ).toEqual([
      {
        path: 'spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch',
        message: "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
      },
      { path: 'spec.rules[0].filters[0].urlRewrite.path.colour', message: 'unknown field' },
    ]);
    const filter = specSchemas.HTTPRoute.safeParse({
      rules: [{ filters: [{ type: 'CORS', cors: {}, colour: 1 }] }],
    });
    expect(filter.error?.issues.map((i) => i.message)).toEqual(['Unrecognized key: "colour"']);
  });

  it('every other CEL rule raises a custom issue too', () => {
    const http = [{ name: 'a', port: 80, protocol: 'HTTP' }];
    const prefix = { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/x' } };
    const specs: [SpecKind, unknown][] = [
      [
        'HTTPRoute',
        {
          rules: [
            {
              filters: [
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: {
                    set: [
                      { name: 'a', value: '1' },
                      { name: 'a', value: '2' },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      [
        'HTTPRoute',
        {
          rules: [
            {
              filters: [
                {
                  type: 'RequestMirror',
                  requestMirror: {
                    backendRef: { name: 'm', port: 1 },
                    fraction: { numerator: 3, denominator: 2 },
                  },
                },
              ],
            },
          ],
        },
      ],
      [
        'HTTPRoute',
        {
          rules: [
            {
              filters: [
                { type: 'RequestRedirect', requestRedirect: {} },
                { type: 'URLRewrite', urlRewrite: {} },
              ],
            },
          ],
        },
      ],
      [
        'HTTPRoute',
        {
          rules: [
            {
              filters: [
                { type: 'URLRewrite', urlRewrite: {} },
                { type: 'URLRewrite', urlRewrite: {} },
              ],
            },
          ],
        },
      ],
      ['HTTPRoute', { rules: [{ matches: [{ path: { type: 'Exact', value: '/a//b' } }] }] }],
      [
        'HTTPRoute',
        { rules: [{ filters: [{ type: 'CORS', cors: { allowOrigins: ['*', 'https://a.example.com'] } }] }] },
      ],
      [
        'HTTPRoute',
        {
          rules: [
            {
              matches: [{ path: { type: 'Exact', value: '/a' } }],
              filters: [{ type: 'URLRewrite', urlRewrite: prefix }],
            },
          ],
        },
      ],
      [
        'HTTPRoute',
        { rules: Array.from({ length: 3 }, () => ({ matches: Array.from({ length: 43 }, () => ({})) })) },
      ],
      [
        'HTTPRoute',
        { rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm' } } }] }] },
      ],
      [
        'Gateway',
        gw(http, { infrastructure: { labels: { 'bad key': 'v', [`${'a'.repeat(253)}/n`]: 'v' } } }),
      ],
      ['Gateway', gw(http, { addresses: [{ value: '192.0.2.1' }, { value: '192.0.2.1' }] })],
      [
        'Gateway',
        gw(http, {
          tls: {
            frontend: {
              default: {},
              perPort: [1, 1].map((port) => ({ port, tls: {} })),
            },
          },
        }),
      ],
    ];
    for (const [kind, spec] of specs) {
      const r = specSchemas[kind].safeParse(spec);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.code)).toEqual(r.error?.issues.map(() => 'custom'));
    }
  });
});
