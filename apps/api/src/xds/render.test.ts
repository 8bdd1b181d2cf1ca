import { describe, expect, it } from 'vitest';
import type { RouteInput, TranslateInput } from '@epic/gateway-translator';
import { render, renderGateway, typeHashesOf } from './render.js';

// A route whose rendered configuration Envoy's schema rejects, for a reason no earlier check knows, must be
// refused on that route alone: the gateway renders without it instead of freezing on a tainted revision.

const route = (name: string, host: string, filters: unknown[] = []): RouteInput =>
  ({
    id: `id-${name}`,
    kind: 'HTTPRoute',
    namespace: 'default',
    name,
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
    spec: {
      parentRefs: [{ name: 'web' }],
      hostnames: [host],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters,
          backendRefs: [{ name: 'cart', port: 8080 }],
        },
      ],
    },
  }) as unknown as RouteInput;

const input = (routes: RouteInput[]): TranslateInput => ({
  gateway: {
    id: 'g',
    accountId: 'a',
    name: 'web',
    namespace: 'default',
    address: '192.0.2.1',
    generation: 1,
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  } as TranslateInput['gateway'],
  routes,
  referenceGrants: [],
  services: [
    {
      namespace: 'default',
      name: 'cart',
      ports: [{ port: 8080 }],
      endpoints: [{ address: '10.1.0.5', port: 8080, ready: true }],
    },
  ],
  certificates: [],
  namespaces: [{ name: 'default', labels: {} }],
});

// Envoy's HeaderValue allows 16,384 bytes; the API's schema allows 4,096, so only a stored route has more.
const oversized = {
  type: 'RequestHeaderModifier',
  requestHeaderModifier: { set: [{ name: 'x-big', value: 'v'.repeat(20_000) }] },
};

describe('render', () => {
  it('refuses a route Envoy would reject on that route, and renders the rest of the gateway', () => {
    const r = render(
      input([route('good', 'good.example.com'), route('big', 'big.example.com', [oversized])]),
    );
    expect(r.error).toBeUndefined();
    const rc = JSON.stringify(r.resources?.routes);
    expect(rc).toContain('httproute/default/good/');
    expect(rc).not.toContain('httproute/default/big/');
    const big = r.status.routes.find((s) => s.name === 'big');
    expect(big?.parents[0]?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedValue',
      observedGeneration: 3,
      message: expect.stringMatching(
        /^rejected by Envoy's schema: route\.request_headers_to_add\[0\]\.header\.value: /,
      ),
    });
    const good = r.status.routes.find((s) => s.name === 'good');
    expect(good?.parents[0]?.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
    expect(r.status.routes.map((s) => s.name)).toEqual(['big', 'good']);
    const listener = r.status.gateway.listeners[0];
    expect(listener?.attachedRoutes).toBe(1);
  });

  it('renders the same gateway the same way (stable hash), with or without the refused route present', () => {
    const a = render(
      input([route('good', 'good.example.com'), route('big', 'big.example.com', [oversized])]),
    );
    const b = render(input([route('good', 'good.example.com')]));
    expect(a.hash).toBe(b.hash);
    expect(a.inputHash).not.toBe(b.inputHash);
  });

  it('names the refused route when it is not in the first virtual host (virtual hosts are validated one by one)', () => {
    const r = render(
      input([
        route('a', 'a.example.com'),
        route('m', 'm.example.com'),
        route('zz', 'zz.example.com', [oversized]),
      ]),
    );
    expect(r.error).toBeUndefined();
    const refused = r.status.routes.filter((s) =>
      s.parents[0]?.conditions.some((c) => c.type === 'Accepted' && c.status === 'False'),
    );
    expect(refused.map((s) => s.name)).toEqual(['zz']);
    expect(JSON.stringify(r.resources?.routes)).toContain('httproute/default/m/');
  });

  it('hashes content, not key order: per-type hashes of resources read back from jsonb match the render', () => {
    const r = render(input([route('good', 'good.example.com')]));
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reorder(x)]),
            )
          : v;
    const back = reorder(JSON.parse(JSON.stringify(r.resources))) as typeof r.resources;
    expect(typeHashesOf(back)).toEqual(r.typeHashes);
    const changed = render(input([route('good', 'other.example.com')]));
    expect(changed.typeHashes).not.toEqual(r.typeHashes);
  });

  it("reuses a gateway's last render only for an input of the same hash, never a stale one", () => {
    const first = renderGateway('gw-cache', input([route('good', 'good.example.com')]));
    // The same input, as a fresh object (a reconcile reads the store again): the last render is served.
    const again = renderGateway('gw-cache', input([route('good', 'good.example.com')]));
    expect(again).toBe(first);
    // Another gateway with the same input has its own entry.
    expect(renderGateway('gw-other', input([route('good', 'good.example.com')]))).not.toBe(first);
    // A changed input renders again, and is what a fresh render gives.
    const changed = renderGateway('gw-cache', input([route('good', 'other.example.com')]));
    expect(changed).not.toBe(first);
    expect(changed.inputHash).not.toBe(first.inputHash);
    expect(changed).toEqual(render(input([route('good', 'other.example.com')])));
    expect(JSON.stringify(changed.resources?.routes)).toContain('other.example.com');
    // Back to the first input: rendered again (only the last render is kept), with the first one's result.
    const back = renderGateway('gw-cache', input([route('good', 'good.example.com')]));
    expect(back).not.toBe(changed);
    expect(back).toEqual(first);
  });
});
