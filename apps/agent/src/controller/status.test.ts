import { describe, expect, it } from 'vitest';
import type { EpicGatewayState, StoredCondition } from './epic-client.js';
import { gatewayClassStatus, gatewayStatus, routeParents, sameIgnoringTransitionTimes } from './status.js';
import type { KubeObject } from './resources.js';

const c = (
  type: string,
  status: 'True' | 'False' | 'Unknown',
  gen = 1,
  ltt = '2026-12-03T00:00:00Z',
): StoredCondition => ({
  type,
  status,
  reason: type,
  message: `${type} says ${status}`,
  observedGeneration: gen,
  lastTransitionTime: ltt,
});
const ME = 'epic-gateway.io/gateway-controller';

describe('status copied from EPIC', () => {
  const state: EpicGatewayState = {
    clientUid: 'u',
    id: 'g',
    address: '192.0.2.7',
    dnsName: 'web.example.com',
    observedClientGeneration: 4,
    conditions: [c('Accepted', 'True', 9), c('Programmed', 'Unknown', 9)],
    listeners: [
      {
        name: 'http',
        attachedRoutes: 2,
        supportedKinds: [{ group: 'g', kind: 'HTTPRoute' }],
        conditions: [c('Accepted', 'True', 9)],
      },
    ],
    attachedListenerSets: null,
  };

  it('stamps every condition with the client generation EPIC says it describes', () => {
    const s = gatewayStatus(state) as any;
    expect(s.addresses).toEqual([
      { type: 'IPAddress', value: '192.0.2.7' },
      { type: 'Hostname', value: 'web.example.com' },
    ]);
    expect(s.conditions.map((x: StoredCondition) => x.observedGeneration)).toEqual([4, 4]);
    expect(s.listeners[0]).toMatchObject({
      name: 'http',
      attachedRoutes: 2,
      conditions: [{ observedGeneration: 4 }],
    });
  });

  it('copies attachedListenerSets, and null (removed by the merge patch) when EPIC leaves it out', () => {
    expect((gatewayStatus({ ...state, attachedListenerSets: 2 }) as any).attachedListenerSets).toBe(2);
    expect((gatewayStatus({ ...state, attachedListenerSets: 0 }) as any).attachedListenerSets).toBe(0);
    expect((gatewayStatus(state) as any).attachedListenerSets).toBeNull();
  });

  it('writes nothing while EPIC has not described the generation sent', () => {
    expect(gatewayStatus({ ...state, observedClientGeneration: null })).toBeUndefined();
  });

  it('compares ignoring lastTransitionTime and key order, but not anything else', () => {
    const a = { conditions: [c('Accepted', 'True', 1, '2020-01-01T00:00:00Z')] };
    const b = { conditions: [{ ...c('Accepted', 'True', 1, '2026-01-01T00:00:00Z') }] };
    expect(sameIgnoringTransitionTimes(a, b)).toBe(true);
    expect(sameIgnoringTransitionTimes(a, { conditions: [c('Accepted', 'True', 2)] })).toBe(false);
  });

  it("replaces only our entries in status.parents and keeps other controllers' in place", () => {
    const theirs = {
      parentRef: { name: 'x' },
      controllerName: 'example.com/other',
      conditions: [c('Accepted', 'True')],
    };
    const route = {
      metadata: { name: 'r', uid: 'r' },
      status: { parents: [theirs, { parentRef: { name: 'old' }, controllerName: ME, conditions: [] }] },
    } as unknown as KubeObject;
    const parents = routeParents(route, ME, {
      generation: 3,
      parents: [
        {
          gatewayId: 'g',
          parentRef: { name: 'web' },
          controllerName: ME,
          conditions: [c('Accepted', 'False', 7)],
        },
      ],
    });
    expect(parents).toEqual([
      theirs,
      { parentRef: { name: 'web' }, controllerName: ME, conditions: [{ ...c('Accepted', 'False', 3) }] },
    ]);
    expect(routeParents(route, ME, undefined)).toBeUndefined();
    expect(routeParents(route, ME, { generation: 0, parents: [] })).toEqual([theirs]);
  });

  it('GatewayClass: InvalidParameters with the message; a kept status keeps its transition time', () => {
    const refused = gatewayClassStatus(2, { accepted: false, message: 'bad key' }, 'T1', undefined) as any;
    expect(refused.conditions[0]).toEqual({
      type: 'Accepted',
      status: 'False',
      reason: 'InvalidParameters',
      message: 'bad key',
      observedGeneration: 2,
      lastTransitionTime: 'T1',
    });
    expect(refused.supportedFeatures).toBeUndefined();
    const again = gatewayClassStatus(2, { accepted: false, message: 'still bad' }, 'T2', refused) as any;
    expect(again.conditions[0].lastTransitionTime).toBe('T1');
    const ok = gatewayClassStatus(
      3,
      { accepted: true, message: 'ok', features: ['HTTPRoute', 'Gateway'] },
      'T3',
      refused,
    ) as any;
    expect(ok.conditions[0]).toMatchObject({ status: 'True', reason: 'Accepted', lastTransitionTime: 'T3' });
    expect(ok.supportedFeatures).toEqual([{ name: 'Gateway' }, { name: 'HTTPRoute' }]);
  });
});
