import { describe, expect, it } from 'vitest';
import { buildIR } from './build-ir.js';
import type { RouteInput, TranslateInput } from './input.js';

// Route and gateway conditions of stage 1, each reason with its message (docs/MUTATION.md).

const http = { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } };

function input(routes: RouteInput[], listeners: unknown[] = [http]): TranslateInput {
  return {
    gateway: {
      id: 'g1',
      accountId: 'a1',
      name: 'gw',
      namespace: 'ns',
      address: '192.0.2.1',
      generation: 3,
      listeners,
    },
    routes,
    referenceGrants: [],
    services: [],
    certificates: [],
    namespaces: [],
  } as TranslateInput;
}

function httpRoute(name: string, spec: Record<string, unknown>, namespace = 'ns'): RouteInput {
  return { id: name, kind: 'HTTPRoute', namespace, name, generation: 5, spec } as RouteInput;
}

const accepted = (i: TranslateInput) =>
  buildIR(i).status.routes.map((r) => [
    r.name,
    r.parents.map((p) => {
      const c = p.conditions.find((x) => x.type === 'Accepted')!;
      return [c.status, c.reason, c.message];
    }),
  ]);

describe('buildIR route conditions', () => {
  it('names the sectionName and port that no listener matches', () => {
    const out = accepted(
      input([
        httpRoute('both', { parentRefs: [{ name: 'gw', sectionName: 'nope', port: 81 }] }),
        httpRoute('section', { parentRefs: [{ name: 'gw', sectionName: 'nope' }] }),
        httpRoute('port', { parentRefs: [{ name: 'gw', port: 81 }] }),
      ]),
    );
    expect(out).toEqual([
      ['both', [['False', 'NoMatchingParent', 'no listener matches sectionName nope and port 81']]],
      ['port', [['False', 'NoMatchingParent', 'no listener matches port 81']]],
      ['section', [['False', 'NoMatchingParent', 'no listener matches sectionName nope']]],
    ]);
  });

  it('refuses a namespace the listener does not allow, and hostnames that do not intersect', () => {
    const out = accepted(
      input(
        [
          httpRoute('other', { parentRefs: [{ name: 'gw', namespace: 'ns' }] }, 'other'),
          httpRoute('host', { parentRefs: [{ name: 'gw' }], hostnames: ['b.example'] }),
          httpRoute('ok', { parentRefs: [{ name: 'gw' }], hostnames: ['a.example'] }),
        ],
        [{ ...http, hostname: 'a.example' }],
      ),
    );
    expect(out).toEqual([
      [
        'host',
        [['False', 'NoMatchingListenerHostname', 'no listener hostname intersects the route hostnames']],
      ],
      ['ok', [['True', 'Accepted', 'route accepted']]],
      ['other', [['False', 'NotAllowedByListeners', 'no listener allows HTTPRoutes from namespace other']]],
    ]);
  });

  it('ignores parentRefs to another gateway, namespace, group or kind', () => {
    const out = accepted(
      input([
        httpRoute('r', {
          parentRefs: [
            { name: 'other' },
            { name: 'gw', namespace: 'elsewhere' },
            { name: 'gw', group: 'example.com' },
            { name: 'gw', kind: 'Service' },
          ],
        }),
      ]),
    );
    expect(out).toEqual([['r', []]]);
  });
});

describe('buildIR gateway conditions', () => {
  const gw = (listeners: unknown[]) =>
    buildIR(input([], listeners)).status.gateway.conditions.map((c) => [
      c.type,
      c.status,
      c.reason,
      c.message,
    ]);

  it('all listeners valid: accepted and programmed, with the count', () => {
    expect(gw([http, { ...http, name: 'alt', port: 8080 }])).toEqual([
      ['Accepted', 'True', 'Accepted', 'gateway accepted'],
      ['Programmed', 'True', 'Programmed', '2 listener(s) translated'],
    ]);
  });

  it('some listeners invalid: accepted with ListenersNotValid', () => {
    expect(gw([http, { name: 'bad', port: 81, protocol: 'example.com/quic' }])).toEqual([
      ['Accepted', 'True', 'ListenersNotValid', 'some listeners are not valid'],
      ['Programmed', 'True', 'Programmed', '1 listener(s) translated'],
    ]);
  });

  it('no valid listener: neither accepted nor programmed', () => {
    expect(gw([{ name: 'bad', port: 81, protocol: 'example.com/quic' }])).toEqual([
      ['Accepted', 'False', 'ListenersNotValid', 'no listener is valid'],
      ['Programmed', 'False', 'Invalid', 'no listener can be programmed'],
    ]);
  });
});
