import { describe, expect, it } from 'vitest';
import {
  gatewayToYaml,
  lineOf,
  manifestPath,
  routeToYaml,
  splitPath,
  yamlToGateway,
  yamlToRoute,
} from './resource-yaml.js';
import { formOf, specOf } from './route-form.js';

const KINDS = ['HTTPRoute', 'TCPRoute'];

describe('Gateway API YAML', () => {
  it('round-trips a gateway draft through its YAML', () => {
    const d = { name: 'shop', namespace: 'web', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] };
    const text = gatewayToYaml(d);
    expect(text).toContain('apiVersion: gateway.networking.k8s.io/v1');
    expect(yamlToGateway(text)).toEqual({ ok: true, value: d });
  });

  it('round-trips a route and defaults its namespace', () => {
    const spec = { parentRefs: [{ name: 'shop' }], rules: [{ backendRefs: [{ name: 'a', port: 80 }] }] };
    const text = routeToYaml({ kind: 'HTTPRoute', name: 'r', namespace: 'default', spec });
    expect(yamlToRoute(text, KINDS)).toEqual({
      ok: true,
      value: { kind: 'HTTPRoute', name: 'r', namespace: 'default', spec },
    });
    expect(yamlToRoute('kind: HTTPRoute\nmetadata: {name: r}\nspec: {}\n', KINDS)).toMatchObject({
      ok: true,
      value: { namespace: 'default' },
    });
  });

  it('reports a syntax error with its line and sends nothing', () => {
    const r = yamlToRoute('kind: HTTPRoute\nmetadata:\n  name: x\nspec: {rules: [\n', KINDS);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses a wrong kind, a missing name and a missing spec on their lines', () => {
    expect(yamlToRoute('metadata: {name: r}\nkind: Gateway\nspec: {}\n', KINDS)).toEqual({
      ok: false,
      line: 2,
      message: 'kind must be one of HTTPRoute, TCPRoute',
    });
    expect(yamlToRoute('kind: HTTPRoute\nspec: {}\n', KINDS)).toMatchObject({ ok: false, line: 1 });
    expect(yamlToRoute('kind: HTTPRoute\nmetadata: {name: r}\n', KINDS)).toMatchObject({
      ok: false,
      message: 'spec must be a mapping',
    });
    expect(yamlToGateway('kind: Gateway\nmetadata: {name: g}\nspec:\n  addresses: []\n')).toMatchObject({
      ok: false,
      line: 4,
    });
  });

  it('finds the line of an API field path, or of its deepest existing parent', () => {
    const text = [
      'kind: HTTPRoute',
      'metadata:',
      '  name: r',
      'spec:',
      '  rules:',
      '    - backendRefs:',
      '        - name: a',
      '          port: 70000',
    ].join('\n');
    expect(splitPath('spec.rules[0].backendRefs[0].port')).toEqual([
      'spec',
      'rules',
      0,
      'backendRefs',
      0,
      'port',
    ]);
    expect(lineOf(text, splitPath('spec.rules[0].backendRefs[0].port'))).toBe(8);
    expect(lineOf(text, splitPath('spec.rules[0].backendRefs[0].weight'))).toBe(7);
    expect(lineOf(text, manifestPath('name'))).toBe(3);
    expect(manifestPath('listeners[1].port')).toEqual(['spec', 'listeners', 1, 'port']);
  });
});

describe('the route form', () => {
  it('shows a plain HTTPRoute, with the defaults the API fills in, and writes the same spec back', () => {
    const spec = {
      parentRefs: [{ name: 'shop' }],
      hostnames: ['a.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/cart' } }],
          backendRefs: [
            { group: '', kind: 'Service', name: 'cart', port: 8080, weight: 90 },
            { name: 'canary', port: 8080, weight: 10 },
          ],
        },
      ],
    };
    const form = formOf('HTTPRoute', spec)!;
    expect(form.rules[0]!.backends.map((b) => b.weight)).toEqual(['90', '10']);
    expect(specOf(form, spec.parentRefs)).toEqual({
      ...spec,
      rules: [
        {
          ...spec.rules[0],
          backendRefs: [
            { name: 'cart', port: 8080, weight: 90 },
            { name: 'canary', port: 8080, weight: 10 },
          ],
        },
      ],
    });
  });

  it('leaves to YAML what it cannot show', () => {
    expect(formOf('TCPRoute', { rules: [] })).toBeNull();
    expect(formOf('HTTPRoute', { rules: [{ filters: [] }] })).toBeNull();
    expect(
      formOf('HTTPRoute', { rules: [{ backendRefs: [{ name: 'b', kind: 'ServiceImport' }] }] }),
    ).toBeNull();
    expect(
      formOf('HTTPRoute', { rules: [{ matches: [{ path: { value: '/' } }, { method: 'GET' }] }] }),
    ).toBeNull();
  });

  it('sends what is not a number as typed, so that the API names the field', () => {
    const spec = specOf(
      {
        hostnames: '',
        rules: [{ pathType: 'Exact', path: '/', backends: [{ name: 'b', port: 'x1', weight: '' }] }],
      },
      [],
    );
    expect(spec).toEqual({
      parentRefs: [],
      rules: [
        { matches: [{ path: { type: 'Exact', value: '/' } }], backendRefs: [{ name: 'b', port: 'x1' }] },
      ],
    });
  });
});
