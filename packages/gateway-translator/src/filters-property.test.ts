import fc from 'fast-check';
import { validateResource } from '@epic/envoy-proto';
import { validate, type HTTPRouteSpec } from '@epic/gateway-api';
import { describe, expect, it } from 'vitest';
import { buildIR } from './build-ir.js';
import type { TranslateInput } from './input.js';
import { traceRequest } from './select-route-configuration.js';
import { translateIR } from './translate-ir.js';
import { validateIR } from './validate-ir.js';

// Every HTTPRoute filter and rule option with arbitrary (schema-valid) values renders to resources Envoy
// accepts: redirects of every kind, prefix and full rewrites, mirrors by percent or fraction, CORS with
// wildcard origins, timeouts, retries, backend-level header filters.

const segment = fc.stringMatching(/^[a-zA-Z0-9_~.-]{1,5}$/).filter((s) => s !== '.' && s !== '..');
const path = fc.array(segment, { maxLength: 3 }).map((s) => `/${s.join('/')}`);
const host = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), { minLength: 1, maxLength: 3 })
  .map((l) => l.join('.'));
const duration = fc
  .tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom('ms', 's', 'm'))
  .map(([n, u]) => `${n}${u}`);
const pathModifier = fc.oneof(
  path.map((p) => ({ type: 'ReplaceFullPath', replaceFullPath: p })),
  fc.oneof(path, fc.constant('/')).map((p) => ({ type: 'ReplacePrefixMatch', replacePrefixMatch: p })),
);
const header = fc.record({
  name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/),
  value: fc.string({ minLength: 1, maxLength: 8 }),
});
const headerFilter = fc
  .record({
    set: fc.uniqueArray(header, { maxLength: 2, selector: (h) => h.name.toLowerCase() }),
    remove: fc.uniqueArray(fc.constantFrom('x-a', 'x-b'), { maxLength: 2 }),
  })
  .map((f) => ({
    ...(f.set.length ? { set: f.set } : {}),
    ...(f.remove.length ? { remove: f.remove } : {}),
  }));

const forwardRule = fc.record({
  prefix: path,
  rewrite: fc.option(
    fc.record({
      hostname: fc.option(host, { nil: undefined }),
      path: fc.option(pathModifier, { nil: undefined }),
    }),
    { nil: undefined },
  ),
  mirror: fc.option(
    fc.oneof(
      fc.integer({ min: 0, max: 100 }).map((percent) => ({ percent })),
      fc
        .integer({ min: 1, max: 1000 })
        .chain((d) =>
          fc.integer({ min: 0, max: d }).map((n) => ({ fraction: { numerator: n, denominator: d } })),
        ),
    ),
    { nil: undefined },
  ),
  cors: fc.option(
    fc.record({
      allowOrigins: fc.uniqueArray(
        fc.constantFrom('https://a.example.com', 'http://*.example.org', 'https://*.x.io:8443'),
        { minLength: 1, maxLength: 3 },
      ),
      allowCredentials: fc.boolean(),
      allowMethods: fc.uniqueArray(fc.constantFrom('GET', 'POST', 'PUT'), { maxLength: 3 }),
      maxAge: fc.integer({ min: 1, max: 86400 }),
    }),
    { nil: undefined },
  ),
  timeouts: fc.option(fc.record({ request: duration }), { nil: undefined }),
  retry: fc.option(
    fc.record({
      attempts: fc.integer({ min: 0, max: 5 }),
      codes: fc.uniqueArray(fc.integer({ min: 500, max: 504 }), { maxLength: 3 }),
      backoff: duration,
    }),
    { nil: undefined },
  ),
  backendFilter: fc.option(headerFilter, { nil: undefined }),
  weights: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 3 }),
});
const redirectRule = fc.record({
  prefix: path,
  redirect: fc.record({
    scheme: fc.option(fc.constantFrom('http', 'https'), { nil: undefined }),
    hostname: fc.option(host, { nil: undefined }),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    path: fc.option(pathModifier, { nil: undefined }),
    statusCode: fc.constantFrom(301, 302, 303, 307, 308),
  }),
});

const strip = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function ruleSpec(r: Record<string, unknown>): Record<string, unknown> {
  const matches = [{ path: { type: 'PathPrefix', value: r['prefix'] } }];
  if ('redirect' in r)
    return {
      matches,
      filters: [{ type: 'RequestRedirect', requestRedirect: strip(r['redirect'] as object) }],
    };
  const filters: unknown[] = [];
  const rewrite = r['rewrite'] as Record<string, unknown> | undefined;
  if (rewrite !== undefined) filters.push({ type: 'URLRewrite', urlRewrite: strip(rewrite) });
  const mirror = r['mirror'] as object | undefined;
  if (mirror !== undefined)
    filters.push({
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: 'svc1', port: 80 }, ...mirror },
    });
  const cors = r['cors'] as object | undefined;
  if (cors !== undefined) filters.push({ type: 'CORS', cors });
  const backendFilter = r['backendFilter'] as object | undefined;
  const rule: Record<string, unknown> = {
    matches,
    ...(filters.length ? { filters } : {}),
    backendRefs: (r['weights'] as number[]).map((weight, i) => ({
      name: `svc${i}`,
      port: 80,
      weight,
      ...(backendFilter !== undefined && i === 0
        ? { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: backendFilter }] }
        : {}),
    })),
  };
  if (r['timeouts'] !== undefined) rule['timeouts'] = r['timeouts'];
  return rule;
}

describe('HTTPRoute filters with arbitrary values', () => {
  it('always render to resources that validate against the Envoy protos', () => {
    let rendered = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(forwardRule, redirectRule), { minLength: 1, maxLength: 4 }), (rules) => {
        const specRules = rules.map((r) => ruleSpec(r as Record<string, unknown>));
        const result = validate('HTTPRoute', { parentRefs: [{ name: 'gw' }], rules: specRules });
        if (!result.ok) return;
        const spec = result.value as HTTPRouteSpec;
        rules.forEach((r, i) => {
          const retry = (r as Record<string, unknown>)['retry'];
          if (retry !== undefined) (spec.rules[i] as Record<string, unknown>)['retry'] = retry;
        });
        const input: TranslateInput = {
          gateway: {
            id: 'g',
            accountId: 'a',
            name: 'gw',
            namespace: 'ns',
            address: '192.0.2.1',
            generation: 1,
            listeners: [
              { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
            ],
          },
          routes: [{ id: 'r', kind: 'HTTPRoute', namespace: 'ns', name: 'r', generation: 1, spec }],
          referenceGrants: [],
          services: [0, 1, 2].map((i) => ({
            namespace: 'ns',
            name: `svc${i}`,
            ports: [{ port: 80 }],
            endpoints: [{ address: `10.0.0.${i + 1}`, port: 8080, ready: true }],
          })),
          certificates: [],
          namespaces: [],
        };
        const { ir } = buildIR(input);
        expect(validateIR(ir)).toEqual([]);
        const resources = translateIR(ir);
        for (const res of Object.values(resources).flat()) {
          expect(validateResource(res.typeUrl, res.resource).errors, res.name).toEqual([]);
        }
        for (const r of rules)
          traceRequest(resources, { host: 'h', path: `${(r as { prefix: string }).prefix}/x?y=1` });
        rendered++;
      }),
      { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 200) },
    );
    expect(rendered).toBeGreaterThan(50);
  });
});
