import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  Condition,
  durationToMillis,
  fieldPath,
  formatIssues,
  GatewayStatus,
  RouteConditionReason,
  RouteParentStatus,
  routeSpecSchemas,
  specSchemas,
  validate,
} from './index.js';

describe('validate', () => {
  it('returns the defaulted value for a valid spec', () => {
    expect(validate('HTTPRoute', {})).toEqual({
      ok: true,
      value: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] },
    });
  });

  it('names the field path of a CEL rule violation with the upstream message', () => {
    expect(
      validate('HTTPRoute', { rules: [{ matches: [{ path: { type: 'Exact', value: 'x' } }] }] }),
    ).toEqual({
      ok: false,
      issues: [
        {
          path: 'spec.rules[0].matches[0].path.value',
          message:
            "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
        },
      ],
    });
  });

  it('reports an unknown field on the field itself', () => {
    expect(validate('TCPRoute', { rules: [{ backendRefs: [{ name: 'a', port: 1, weigth: 2 }] }] })).toEqual({
      ok: false,
      issues: [{ path: 'spec.rules[0].backendRefs[0].weigth', message: 'unknown field' }],
    });
  });

  it('reports a missing required field as "Required value"', () => {
    expect(validate('Gateway', { listeners: [{ name: 'a', port: 80, protocol: 'HTTP' }] })).toEqual({
      ok: false,
      issues: [{ path: 'spec.gatewayClassName', message: 'Required value' }],
    });
  });

  it('reports an unsupported filter type on spec...type, listing supported values', () => {
    const result = validate('GRPCRoute', { rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: {} }] }] });
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: 'spec.rules[0].filters[0].type',
        message:
          'Unsupported value: "URLRewrite": supported values: "ResponseHeaderModifier", "RequestHeaderModifier", "RequestMirror", "ExtensionRef"',
      },
    ]);
  });

  it('uses another root when asked (e.g. a request body field)', () => {
    const result = validate('TLSRoute', {}, 'body.spec');
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      'body.spec.hostnames',
      'body.spec.rules',
    ]);
  });

  it('rejects a spec that is not an object', () => {
    expect(validate('HTTPRoute', 'nope')).toMatchObject({ ok: false, issues: [{ path: 'spec' }] });
  });
});

describe('formatIssues', () => {
  it('prints one "path: message" line per issue', () => {
    expect(
      formatIssues([
        { path: 'spec.a', message: 'x' },
        { path: 'spec.b[0]', message: 'y' },
      ]),
    ).toBe('spec.a: x\nspec.b[0]: y');
  });
});

describe('fieldPath', () => {
  it('joins names with dots and indices with brackets', () => {
    expect(fieldPath(['rules', 0, 'matches', 1, 'path', 'value'])).toBe(
      'spec.rules[0].matches[1].path.value',
    );
  });

  it('quotes map keys that are not identifiers', () => {
    expect(fieldPath(['infrastructure', 'labels', 'epic.dev/tier'])).toBe(
      'spec.infrastructure.labels["epic.dev/tier"]',
    );
  });

  it('is the root for an empty path', () => {
    expect(fieldPath([])).toBe('spec');
  });
});

describe('routeSpecSchemas', () => {
  it('has a schema for each route kind the API accepts', () => {
    expect(Object.keys(routeSpecSchemas).sort()).toEqual([
      'GRPCRoute',
      'HTTPRoute',
      'TCPRoute',
      'TLSRoute',
      'UDPRoute',
    ]);
  });
});

describe('durationToMillis', () => {
  it.each([
    ['0s', 0],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['2s500ms', 2_500],
    ['1m1m', 120_000],
  ])('%s is %d ms', (d, ms) => {
    expect(durationToMillis(d)).toBe(ms);
  });

  it('throws on a string that is not a GEP-2257 duration', () => {
    expect(() => durationToMillis('1d')).toThrow(/invalid duration/);
  });
});

describe('status types', () => {
  const condition = {
    type: 'Accepted',
    status: 'False',
    reason: RouteConditionReason.NotAllowedByListeners,
    message: 'no listener allows HTTPRoute from this namespace',
    observedGeneration: 3,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  };

  it('accepts a well-formed condition', () => {
    expect(Condition.safeParse(condition).success).toBe(true);
  });

  it('rejects a condition reason with spaces', () => {
    expect(Condition.safeParse({ ...condition, reason: 'Not Allowed' }).success).toBe(false);
  });

  it('accepts a RouteParentStatus with a defaulted parentRef', () => {
    expect(
      RouteParentStatus.parse({
        parentRef: { name: 'gw' },
        controllerName: 'epic.dev/gateway',
        conditions: [condition],
      }).parentRef,
    ).toEqual({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: 'gw',
    });
  });

  it('accepts a GatewayStatus with listener status', () => {
    expect(
      GatewayStatus.safeParse({
        addresses: [{ value: '10.0.0.1' }],
        conditions: [{ ...condition, reason: 'Accepted', status: 'True' }],
        listeners: [
          { name: 'http', attachedRoutes: 2, conditions: [], supportedKinds: [{ kind: 'HTTPRoute' }] },
        ],
      }).success,
    ).toBe(true);
  });
});

describe('JSON Schema for the OpenAPI document', () => {
  it.each(Object.entries(specSchemas))('%s spec converts (input side, defaults included)', (_, schema) => {
    const json = z.toJSONSchema(schema, { io: 'input' }) as { type?: string; additionalProperties?: unknown };
    expect([json.type, json.additionalProperties]).toEqual(['object', false]);
  });
});
