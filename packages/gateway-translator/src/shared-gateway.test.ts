import { describe, expect, it } from 'vitest';
import type { ListenerSetInput, RouteInput, TranslateInput } from './input.js';
import { translate } from './translate.js';

// A shared gateway (one EPIC gateway that Gateway objects of several namespaces or clusters joined): a parentRef
// that names one of its aliases targets it, and a listener's `from: Same` means the namespace of the Gateway
// object the parentRef names; only the parentRefs the store resolved to the gateway count.

const route = (namespace: string, name: string, parentRefs: object[], extra: Partial<RouteInput> = {}) =>
  ({
    id: `${namespace}-${name}`,
    kind: 'HTTPRoute',
    namespace,
    name,
    generation: 1,
    spec: { parentRefs, rules: [{ backendRefs: [] }] },
    ...extra,
  }) as RouteInput;

const input = (routes: RouteInput[], extra: Partial<TranslateInput> = {}): TranslateInput => ({
  gateway: {
    id: 'g1',
    accountId: 'a1',
    name: 'front',
    namespace: 'a',
    address: '192.0.2.1',
    generation: 1,
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
    ],
    allowedListeners: { namespaces: { from: 'Same' } },
    aliases: [{ namespace: 'b', name: 'edge' }],
  },
  routes,
  referenceGrants: [],
  services: [],
  certificates: [],
  namespaces: [],
  ...extra,
});

const parents = (i: TranslateInput) =>
  Object.fromEntries(
    translate(i).status.routes.map((r) => [
      `${r.namespace}/${r.name}`,
      r.parents.map((p) => {
        const a = p.conditions.find((c) => c.type === 'Accepted')!;
        return `${p.parentRef.namespace}/${p.parentRef.name}: ${a.status}/${a.reason}`;
      }),
    ]),
  );

describe('shared gateway aliases', () => {
  it('attaches routes through an alias, with Same meaning the namespace of the Gateway object named', () => {
    const got = parents(
      input([
        route('b', 'through-alias', [{ name: 'edge' }]),
        route('a', 'through-own-name', [{ name: 'front' }]),
        route('c', 'other-namespace', [{ name: 'edge', namespace: 'b' }]),
        route('a', 'alias-from-own-namespace', [{ name: 'edge', namespace: 'b' }]),
        route('b', 'unknown', [{ name: 'nope' }]),
      ]),
    );
    expect(got).toEqual({
      'b/through-alias': ['b/edge: True/Accepted'],
      'a/through-own-name': ['a/front: True/Accepted'],
      'c/other-namespace': ['b/edge: False/NotAllowedByListeners'],
      'a/alias-from-own-namespace': ['b/edge: False/NotAllowedByListeners'],
      'b/unknown': [],
    });
    const listener = translate(input([route('b', 'r', [{ name: 'edge' }])])).status.gateway.listeners[0]!;
    expect(listener.attachedRoutes).toBe(1);
  });

  it('counts only the parentRefs the store resolved to the gateway', () => {
    const refs = [{ name: 'edge' }, { name: 'front', namespace: 'a' }];
    expect(parents(input([route('b', 'both', refs, { parentRefIndexes: [0] })]))).toEqual({
      'b/both': ['b/edge: True/Accepted'],
    });
    expect(parents(input([route('b', 'both', refs, { parentRefIndexes: [] })]))).toEqual({ 'b/both': [] });
    expect(parents(input([route('b', 'both', refs)]))['b/both']).toHaveLength(2);
  });

  it('attaches a ListenerSet that names an alias; Same is that Gateway object namespace', () => {
    const set = (
      namespace: string,
      name: string,
      parentRef: ListenerSetInput['spec']['parentRef'],
    ): ListenerSetInput => ({
      id: `${namespace}-${name}`,
      namespace,
      name,
      generation: 1,
      spec: { parentRef, listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP' as const }] },
    });
    const out = translate(
      input([], {
        listenerSets: [
          set('b', 'beside-alias', { name: 'edge' }),
          set('a', 'names-alias-elsewhere', { name: 'edge', namespace: 'b' }),
          set('b', 'names-nothing', { name: 'nope' }),
        ],
      }),
    ).status;
    const byName = Object.fromEntries(
      (out.listenerSets ?? []).map((s) => [
        s.name,
        s.conditions.find((c) => c.type === 'Accepted')?.reason ?? 'none',
      ]),
    );
    expect(byName).toEqual({ 'beside-alias': 'Accepted', 'names-alias-elsewhere': 'NotAllowed' });
  });
});
