import { describe, expect, it } from 'vitest';
import { shareEqual } from '../../data/share.js';
import { largeGateway, smallGateway, withProxies } from './fixtures.js';
import type { ModelInput } from './model.js';
import { topology, topologyPipeline } from './pipeline.js';

// The memoised pipeline a live page runs: every answer equals a fresh run's, and an update redoes only what changed.

const clone = <T>(x: T): T => structuredClone(x);
const GROUP = { threshold: 5 };

/** The next answer as the data layer hands it on: a fresh parse, shared with the previous one where equal. */
function next(prev: ModelInput, change: (x: ModelInput) => void): ModelInput {
  const copy = clone(prev);
  change(copy);
  return shareEqual(prev, copy);
}

describe('the memoised pipeline', () => {
  it('answers what a fresh run answers, update after update', () => {
    const run = topologyPipeline();
    let input = withProxies(largeGateway(30, 8));
    const steps: [string, (x: ModelInput) => void][] = [
      ['an endpoint turns not ready', (x) => (x.slices[3]!.endpoints[0]!.conditions = { ready: false })],
      ['a route is added', (x) => x.routes.push({ ...clone(x.routes[0]!), id: 'r9999', name: 'new' })],
      [
        'a weight changes',
        (x) =>
          ((x.routes[1]!.spec.rules as { backendRefs: { weight?: number }[] }[])[0]!.backendRefs[0]!.weight =
            7),
      ],
      ['a slice goes away', (x) => x.slices.splice(5, 1)],
      ['a proxy stops being ready', (x) => (x.proxies![0]!.ready = false)],
      [
        'the gateway gets a listener',
        (x) => x.gateway.listeners.push({ name: 'https', port: 443, protocol: 'HTTPS' }),
      ],
      ['nothing', () => undefined],
    ];
    for (const [what, change] of steps) {
      input = next(input, change);
      for (const filter of [{}, { hide: ['rule' as const] }, { route: 'route-1' }]) {
        const got = run(input, filter, GROUP).layout;
        expect(got, `${what}, filter ${JSON.stringify(filter)}`).toEqual(topology(input, filter, GROUP));
      }
    }
    const expanded = new Set(['service:default/svc-2']);
    expect(run(input, {}, { threshold: 5, expanded }).layout).toEqual(
      topology(input, {}, { threshold: 5, expanded }),
    );
  });

  it('hands on every node an endpoint change does not touch as the same placed object, and only those', () => {
    const run = topologyPipeline();
    const before = withProxies(largeGateway(30, 8));
    const a = run(before, {}, GROUP).layout;
    const svc = before.slices[3]!.serviceName;
    const after = next(before, (x) => (x.slices[3]!.endpoints[0]!.conditions = { ready: false }));
    const b = run(after, {}, GROUP).layout;
    expect(b).toEqual(topology(after, {}, GROUP));
    const was = new Map(a.nodes.map((n) => [n.id, n]));
    const renewed = b.nodes.filter((n) => n !== was.get(n.id));
    const ids = renewed.map((n) => n.id);
    // The changed group and its service are new objects; every other group and service is the one before.
    expect(ids).toContain(`endpoints:service:default/${svc}`);
    expect(ids).toContain(`service:default/${svc}`);
    expect(ids.filter((id) => id.startsWith('endpoints:') || id.startsWith('service:'))).toHaveLength(2);
    expect(ids.filter((id) => id.startsWith('route:') || id.startsWith('backend:'))).toEqual([]);
    // Beside them, only the gateway's few nodes made afresh on every call (gateway, listeners, workload and
    // EPIC nodes, tunnels, proxies): none per route, backend or endpoint.
    expect(
      renewed
        .filter((n) => !n.id.endsWith(`default/${svc}`))
        .filter((n) => !['gateway', 'listener', 'node', 'tunnel', 'epicNode', 'proxy'].includes(n.kind)),
    ).toEqual([]);
    expect(renewed.filter((n) => n.kind === 'endpoint')).toEqual([]);
  });

  it('answers the same after its parts were built ahead, piece by piece', () => {
    const input = withProxies(largeGateway(40, 8));
    const run = topologyPipeline();
    // As a first load's answer arrives: the slices, then the routes page by page (with the gateway's listeners).
    run.warm({ slices: input.slices });
    run.warm({ gateway: input.gateway, routes: input.routes.slice(0, 15) });
    run.warm({ gateway: input.gateway, routes: input.routes.slice(15) });
    // A route warmed with other listeners is built again for the ones the gateway has.
    run.warm({ gateway: { id: input.gateway.id, listeners: [] }, routes: input.routes.slice(0, 1) });
    expect(run(input, {}, GROUP).layout).toEqual(topology(input, {}, GROUP));
    const shared = topologyPipeline();
    shared.warm({ slices: input.slices, gateway: input.gateway, routes: input.routes });
    const a = shared(input, {}, GROUP).grouped;
    const fresh = topologyPipeline()(input, {}, GROUP).grouped;
    expect(a).toEqual(fresh);
  });

  it('keeps every place and the edges when an update only recolours, and rebuilds only the changed slice', () => {
    const run = topologyPipeline();
    const first = largeGateway(50, 10);
    const a = run(first, {}, GROUP);
    const second = next(first, (x) => (x.slices[7]!.endpoints[2]!.conditions = { ready: false }));
    const b = run(second, {}, GROUP);
    expect(b.layout.edges).toBe(a.layout.edges);
    expect(b.layout.nodes.map((n) => [n.id, n.x, n.y])).toEqual(a.layout.nodes.map((n) => [n.id, n.x, n.y]));
    const group = (l: typeof a.layout) => l.nodes.find((n) => n.id === 'endpoints:service:default/svc-7')!;
    expect(group(a.layout).health).toBe('ok');
    expect(group(b.layout).health).toBe('warn');
    // The routes' parts were not rebuilt: the same node objects come out of the model.
    const route = (g: typeof a.grouped) => g.nodes.find((n) => n.id === 'route:r0003')!;
    expect(route(b.grouped)).toBe(route(a.grouped));
  });

  it('lays the graph out again when its structure changes', () => {
    const run = topologyPipeline();
    const first = smallGateway(8);
    const a = run(first, {}, GROUP);
    const second = next(first, (x) =>
      x.slices[1]!.endpoints.push({
        addresses: ['10.0.2.99'],
        conditions: { ready: true },
        nodeName: 'node-z',
      }),
    );
    const b = run(second, {}, GROUP);
    expect(b.layout.edges).not.toBe(a.layout.edges);
    expect(b.layout.nodes.some((n) => n.id === 'node:c1/node-z')).toBe(true);
    expect(b.layout).toEqual(topology(second, {}, GROUP));
  });
});
