import { describe, expect, it } from 'vitest';
import { condition, ConditionType, Reason } from './conditions.js';
import type { GatewayInput, ListenerSetInput, TranslateInput } from './input.js';
import {
  attachedListenerSetCount,
  attachedListenerSetsCondition,
  listenerSetAllowed,
  listenerSetStatuses,
  targetsGatewayOf,
  type ListenerSetVerdict,
} from './listener-sets.js';
import type { AnalyzedListener } from './listeners.js';
import type { ListenerSetStatus } from './status.js';

// The ListenerSet helpers called directly (GEP-1713): which parentRef names the gateway, which namespaces
// allowedListeners admits, and the Gateway's AttachedListenerSets condition.

const input = (allowedListeners?: GatewayInput['allowedListeners']): TranslateInput =>
  ({
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 3,
      listeners: [],
      ...(allowedListeners === undefined ? {} : { allowedListeners }),
    },
    routes: [],
    referenceGrants: [],
    services: [],
    certificates: [],
    namespaces: [
      { name: 'team', labels: { tier: 'web' } },
      { name: 'other', labels: { tier: 'db' } },
    ],
  }) as unknown as TranslateInput;

const set = (parentRef: ListenerSetInput['spec']['parentRef'], namespace = 'ns'): ListenerSetInput => ({
  id: 's1',
  namespace,
  name: 's',
  generation: 1,
  spec: { parentRef, listeners: [] },
});

describe('targetsGatewayOf', () => {
  it('defaults group and kind to a Gateway and the namespace to the ListenerSet own', () => {
    const i = input();
    expect(targetsGatewayOf(set({ name: 'gw' }), i)).toBe(true);
    expect(
      targetsGatewayOf(set({ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }), i),
    ).toBe(true);
    expect(targetsGatewayOf(set({ name: 'gw', namespace: 'ns' }, 'team'), i)).toBe(true);
  });

  it('refuses another group, kind, namespace or name', () => {
    const i = input();
    expect(targetsGatewayOf(set({ name: 'gw', group: 'example.com' }), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'gw', group: '' }), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'gw', kind: 'ListenerSet' }), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'gw', kind: '' }), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'gw' }, 'team'), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'gw', namespace: 'team' }), i)).toBe(false);
    expect(targetsGatewayOf(set({ name: 'other' }), i)).toBe(false);
  });
});

describe('listenerSetAllowed', () => {
  it('admits none by default, every namespace for All, the gateway namespace for Same', () => {
    expect(listenerSetAllowed(input(), 'ns', 'ns')).toBe(false);
    expect(listenerSetAllowed(input({}), 'ns', 'ns')).toBe(false);
    expect(listenerSetAllowed(input({ namespaces: {} }), 'ns', 'ns')).toBe(false);
    expect(listenerSetAllowed(input({ namespaces: { from: 'None' } }), 'ns', 'ns')).toBe(false);
    expect(listenerSetAllowed(input({ namespaces: { from: 'All' } }), 'team', 'ns')).toBe(true);
    expect(listenerSetAllowed(input({ namespaces: { from: 'Same' } }), 'ns', 'ns')).toBe(true);
    expect(listenerSetAllowed(input({ namespaces: { from: 'Same' } }), 'team', 'ns')).toBe(false);
  });

  it('Selector: the namespace labels must match; without a selector nothing is admitted', () => {
    const sel = input({ namespaces: { from: 'Selector', selector: { matchLabels: { tier: 'web' } } } });
    expect(listenerSetAllowed(sel, 'team', 'ns')).toBe(true);
    expect(listenerSetAllowed(sel, 'other', 'ns')).toBe(false);
    expect(listenerSetAllowed(sel, 'ns', 'ns')).toBe(false);
    expect(listenerSetAllowed(input({ namespaces: { from: 'Selector' } }), 'team', 'ns')).toBe(false);
  });
});

const status = (accepted: boolean, type: ConditionType = ConditionType.Accepted): ListenerSetStatus => ({
  id: 's',
  namespace: 'ns',
  name: 's',
  observedGeneration: 1,
  conditions: [condition(type, accepted, accepted ? Reason.Accepted : Reason.Invalid, 'm', 1)],
  listeners: [],
});

describe('attachedListenerSetCount and attachedListenerSetsCondition', () => {
  it('counts only ListenerSets with Accepted=True', () => {
    expect(
      attachedListenerSetCount([
        status(true),
        status(false),
        status(true, ConditionType.Programmed),
        status(true),
      ]),
    ).toBe(2);
    expect(attachedListenerSetCount([])).toBe(0);
  });

  it('says nothing for a gateway without allowedListeners that no ListenerSet names', () => {
    expect(attachedListenerSetsCondition(input(), [], 0)).toBeUndefined();
  });

  it('reports attached sets, sets not allowed, and none attached', () => {
    const verdict = { set: set({ name: 'gw' }), attached: false, listeners: [] } as ListenerSetVerdict;
    const text = (c: ReturnType<typeof attachedListenerSetsCondition>) =>
      c === undefined ? undefined : `${c.type}=${c.status}/${c.reason}/${c.observedGeneration}: ${c.message}`;
    expect(text(attachedListenerSetsCondition(input({ namespaces: { from: 'All' } }), [verdict], 2))).toBe(
      'AttachedListenerSets=True/ListenerSetsAttached/3: 2 ListenerSet(s) attached',
    );
    expect(text(attachedListenerSetsCondition(input(), [verdict], 0))).toBe(
      'AttachedListenerSets=False/ListenerSetsNotAllowed/3: the Gateway does not allow ListenerSets (allowedListeners)',
    );
    expect(text(attachedListenerSetsCondition(input({}), [verdict], 0))).toBe(
      'AttachedListenerSets=False/ListenerSetsNotAllowed/3: the Gateway does not allow ListenerSets (allowedListeners)',
    );
    expect(text(attachedListenerSetsCondition(input({ namespaces: { from: 'Same' } }), [verdict], 0))).toBe(
      'AttachedListenerSets=False/NoListenerSetsAttached/3: no ListenerSet is attached',
    );
    expect(text(attachedListenerSetsCondition(input({ namespaces: { from: 'None' } }), [], 0))).toBe(
      'AttachedListenerSets=False/NoListenerSetsAttached/3: no ListenerSet is attached',
    );
  });
});

describe('listenerSetStatuses', () => {
  const listener = (name: string, programmable: boolean): AnalyzedListener =>
    ({
      spec: { name, port: 443, protocol: 'HTTPS' },
      key: `ns/s/${name}`,
      accepted: true,
      programmable,
      supportedKinds: ['HTTPRoute'],
      certificates: [],
      conditions: () => [],
    }) as unknown as AnalyzedListener;
  const status = (...listeners: AnalyzedListener[]) => {
    const [s] = listenerSetStatuses([{ set: set({ name: 'gw' }), attached: true, listeners }], () => 0);
    return Object.fromEntries(s!.conditions.map((c) => [c.type, `${String(c.status)}/${c.reason}`]));
  };

  it('a ListenerSet whose only listener cannot be programmed (references not resolved) is not accepted', () => {
    // Upstream ListenerSetReferenceGrant: a certificate in another namespace without a grant.
    expect(status(listener('denied', false))).toEqual({
      Accepted: 'False/ListenersNotValid',
      Programmed: 'False/ListenersNotValid',
    });
  });

  it('one valid listener beside it: accepted with ListenersNotValid, programmed', () => {
    expect(status(listener('ok', true), listener('denied', false))).toEqual({
      Accepted: 'True/ListenersNotValid',
      Programmed: 'True/Programmed',
    });
    expect(status(listener('ok', true))).toEqual({
      Accepted: 'True/Accepted',
      Programmed: 'True/Programmed',
    });
  });
});
