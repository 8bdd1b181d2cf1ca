import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, setCsrfToken } from './api.js';
import { fetchSession, signOut } from './session.js';
import { coalesced } from './live.js';
import {
  GATEWAY_TOPOLOGY_SUBSCRIPTION,
  subscribeGateway,
  type LiveEvent,
  type LiveState,
} from './subscription.js';
import { fieldIssues, gql, graphql, variableIssue } from './graphql.js';
import { saveGateway, saveRoute, saveTemplate, traceRequest } from './editors.js';
import {
  createAddressPool,
  createApiKey,
  loadAuditEvents,
  loadGateway,
  loadTemplates,
  revokeApiKey,
  rollback,
} from './pages.js';
import { loadGateways } from './gateways.js';
import { loadDiff, loadRevisions } from './revisions.js';
import { shareById, shareEqual } from './share.js';
import { loadTopology, loadTopologyOnce, prefetchTopology, ROUTE_PAGE } from './topology.js';

// The data layer against a stubbed fetch and WebSocket: what it asks the API, and what it makes of the answers.

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

let calls: Call[] = [];

/** Answers each request with the first handler whose pattern matches its URL. */
function serve(handlers: [RegExp, (url: string) => { status?: number; body: unknown }][]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({
        method: init.method ?? 'GET',
        url,
        headers: (init.headers ?? {}) as Record<string, string>,
        ...(typeof init.body === 'string' ? { body: init.body } : {}),
      });
      const h = handlers.find(([re]) => re.test(url));
      if (!h) return new Response(JSON.stringify({ error: 'NotFound', message: url }), { status: 404 });
      const { status = 200, body } = h[1](url);
      return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
    }),
  );
}

/** The GraphQL operations asked for, by name, with their variables (a query's in its URL, a mutation's in its body). */
const ops = () =>
  calls.map((c) => {
    const u = new URL(c.url, 'http://x');
    const sent = c.body
      ? (JSON.parse(c.body) as { query: string; variables: Record<string, unknown> })
      : {
          query: u.searchParams.get('query')!,
          variables: JSON.parse(u.searchParams.get('variables')!) as Record<string, unknown>,
        };
    const name = /(?:query|mutation) (\w+)/.exec(sent.query)![1]!;
    return { name, vars: sent.variables };
  });

beforeEach(() => {
  calls = [];
  setCsrfToken(undefined);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('the API client', () => {
  it("sends the session's CSRF token on every mutation and never on a read", async () => {
    serve([[/./, () => ({ body: { ok: true } })]]);
    setCsrfToken('tok-1');
    await api.get('/gateways');
    await api.post('/api-keys', { name: 'k' });
    await api.put('/routes/r', { spec: {} });
    await api.delete('/api-keys/k');
    expect(calls.map((c) => [c.method, c.url, c.headers['x-csrf-token']])).toEqual([
      ['GET', '/api/v1/gateways', undefined],
      ['POST', '/api/v1/api-keys', 'tok-1'],
      ['PUT', '/api/v1/routes/r', 'tok-1'],
      ['DELETE', '/api/v1/api-keys/k', 'tok-1'],
    ]);
    expect(calls[1]!.body).toBe('{"name":"k"}');
    expect(calls[1]!.headers['content-type']).toBe('application/json');
  });

  it("keeps the API's error code, message, field issues and request id", async () => {
    serve([
      [
        /routes/,
        () => ({
          status: 400,
          body: {
            error: 'BadRequest',
            message: 'invalid route',
            issues: [{ path: ['spec', 'rules', 0, 'backendRefs', 0, 'port'], message: 'too big' }],
            requestId: 'req-7',
          },
        }),
      ],
      [/gateways/, () => ({ status: 502, body: 'upstream went away' })],
    ]);
    const e = await api.post('/routes', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      status: 400,
      code: 'BadRequest',
      message: 'invalid route',
      requestId: 'req-7',
      issues: [{ path: ['spec', 'rules', 0, 'backendRefs', 0, 'port'], message: 'too big' }],
    });
    // An answer that is not JSON still makes a readable error.
    await expect(api.get('/gateways')).rejects.toMatchObject({ status: 502, message: 'upstream went away' });
  });

  it('takes the CSRF token from the session, answers null when signed out, and forgets the token on sign-out', async () => {
    let signedIn = true;
    serve([
      [
        /\/auth\/session$/,
        () =>
          signedIn
            ? { body: { user: { id: 'u', login: 'mona' }, csrfToken: 'tok-2' } }
            : { status: 401, body: { error: 'Unauthorized', message: 'no session' } },
      ],
      [/./, () => ({ body: {} })],
    ]);
    expect((await fetchSession())?.user.login).toBe('mona');
    await api.post('/api-keys', {});
    expect(calls.at(-1)!.headers['x-csrf-token']).toBe('tok-2');
    await signOut();
    expect(calls.at(-1)!.headers['x-csrf-token']).toBe('tok-2');
    await api.post('/api-keys', {});
    expect(calls.at(-1)!.headers['x-csrf-token']).toBeUndefined();
    signedIn = false;
    expect(await fetchSession()).toBeNull();
  });
});

describe('the GraphQL client', () => {
  it('asks by GET with the document and its variables, and answers the typed data', async () => {
    serve([[/^\/graphql\?/, () => ({ body: { data: { gateway: { id: 'g' } } } })]]);
    setCsrfToken('tok-1');
    const doc = gql<{ gateway: { id: string } }, { id: string }>(
      'query ($id: ID!) { gateway(id: $id) { id } }',
    );
    expect(await graphql(doc, { id: 'g' })).toEqual({ gateway: { id: 'g' } });
    const url = new URL(calls[0]!.url, 'http://x');
    expect(calls[0]!.method).toBe('GET');
    expect(url.searchParams.get('query')).toBe(doc.query);
    expect(JSON.parse(url.searchParams.get('variables')!)).toEqual({ id: 'g' });
    // A read carries no CSRF token: it can go out before the session has answered.
    expect(calls[0]!.headers['x-csrf-token']).toBeUndefined();
  });

  it("keeps the first error's code, status, message, field issues and request id", async () => {
    serve([
      [
        /^\/graphql\?/,
        () => ({
          status: 400,
          body: {
            data: null,
            errors: [
              {
                message: 'gateway g not found',
                extensions: { code: 'NotFound', status: 404, requestId: 'req-9', issues: [] },
              },
            ],
          },
        }),
      ],
    ]);
    await expect(graphql(gql('{ x }'), {})).rejects.toMatchObject({
      status: 404,
      code: 'NotFound',
      message: 'gateway g not found',
      requestId: 'req-9',
    });
    // A field that failed inside a 200 answer is an error too.
    serve([
      [
        /^\/graphql\?/,
        () => ({ body: { data: null, errors: [{ message: 'boom', extensions: { code: 'Internal' } }] } }),
      ],
    ]);
    await expect(graphql(gql('{ x }'), {})).rejects.toMatchObject({ code: 'Internal', message: 'boom' });
    // Not a GraphQL answer at all (a proxy's error page).
    serve([[/^\/graphql\?/, () => ({ status: 502, body: 'bad gateway' })]]);
    await expect(graphql(gql('{ x }'), {})).rejects.toMatchObject({ status: 502 });
  });
});

describe('structural sharing', () => {
  it('hands back the previous object for every equal part, and new objects only on the path to a change', () => {
    const prev = { a: { b: [1, { c: 2 }] }, d: { e: 'x' }, f: [{ g: 1 }, { g: 2 }] };
    const same = shareEqual(prev, structuredClone(prev));
    expect(same).toBe(prev);
    const changed = structuredClone(prev);
    changed.f[1]!.g = 3;
    const out = shareEqual(prev, changed);
    expect(out).not.toBe(prev);
    expect(out).toEqual(changed);
    expect(out.a).toBe(prev.a);
    expect(out.d).toBe(prev.d);
    expect(out.f[0]).toBe(prev.f[0]);
    expect(out.f[1]).not.toBe(prev.f[1]);
    // Added or removed keys and items are changes.
    expect(shareEqual({ a: 1 }, { a: 1, b: 2 })).toEqual({ a: 1, b: 2 });
    expect(shareEqual({ a: 1, b: 2 }, { a: 1 })).toEqual({ a: 1 });
    expect(shareEqual([1, 2], [1])).toEqual([1]);
    expect(shareEqual([1], { 0: 1 })).toEqual({ 0: 1 });
    expect(shareEqual(null, { a: 1 })).toEqual({ a: 1 });
  });

  it('matches list items by id, so a reordered or grown list keeps its unchanged items', () => {
    const prev = [
      { id: 'a', v: 1 },
      { id: 'b', v: 2 },
    ];
    const out = shareById(prev, [
      { id: 'c', v: 3 },
      { id: 'b', v: 2 },
      { id: 'a', v: 9 },
    ]);
    expect(out[1]).toBe(prev[1]);
    expect(out[2]).toEqual({ id: 'a', v: 9 });
    expect(out[2]).not.toBe(prev[0]);
    expect(shareById(undefined, prev)).toBe(prev);
  });
});

describe('the topology loader', () => {
  const gateway = { id: 'g', name: 'web', namespace: 'default', listeners: [], conditions: [] };
  const route = (i: number, backends: string[]) => ({
    id: `r${i}`,
    kind: 'HTTPRoute',
    name: `r${i}`,
    namespace: 'default',
    spec: { rules: [{ backendRefs: backends.map((name) => ({ name, port: 80 })) }] },
    parents: [],
    status: { parents: [] },
  });
  const slice = (svc: string, ready = true) => ({
    id: `s-${svc}`,
    namespace: 'default',
    serviceName: svc,
    clusterId: null,
    nodeAddresses: {},
    endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready } }],
  });
  /** A connection of `items` in pages of `size` from the cursor `after` (an offset). */
  const conn = (items: unknown[], size: number, after: string | undefined) => {
    const at = Number(after ?? 0);
    const page = items.slice(at, at + size);
    return {
      edges: page.map((node) => ({ node })),
      pageInfo: { hasNextPage: at + size < items.length, endCursor: String(at + page.length) },
    };
  };

  /** The API's GraphQL face over these objects, pages of two (routes) and `slicePage` (slices). */
  function topologyApi(
    routes: ReturnType<typeof route>[],
    opts: { proxies?: unknown[]; slices?: ReturnType<typeof slice>[]; slicePage?: number } = {},
  ) {
    const slices = opts.slices ?? [slice('all-1'), slice('all-2')];
    serve([
      [
        /^\/graphql\?/,
        (url) => {
          const u = new URL(url, 'http://x');
          const q = u.searchParams.get('query')!;
          const v = JSON.parse(u.searchParams.get('variables')!) as {
            after?: string;
            filter?: { serviceName: string };
          };
          const name = /query (\w+)/.exec(q)![1];
          if (name === 'Topology')
            return {
              body: {
                data: {
                  gateway,
                  gatewayProxies: conn(opts.proxies ?? [], 100, undefined),
                  routes: conn(routes, 2, undefined),
                },
              },
            };
          if (name === 'TopologyRoutes') return { body: { data: { routes: conn(routes, 2, v.after) } } };
          const mine = v.filter ? slices.filter((s) => s.serviceName === v.filter!.serviceName) : slices;
          return {
            body: { data: { endpointSlices: conn(mine, opts.slicePage ?? 500, v.after) } },
          };
        },
      ],
    ]);
  }

  it('reads the gateway, its proxies, every page of its routes and the slices, in two queries first', async () => {
    topologyApi([route(1, ['a', 'b']), route(2, ['b']), route(3, ['c'])], {
      proxies: [{ podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 }],
      slices: [slice('a'), slice('b'), slice('c')],
    });
    const t = await loadTopology('g');
    expect(t.input.routes.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
    expect(t.input.proxies).toEqual([
      { podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 },
    ]);
    expect(t.input.slices.map((s) => s.serviceName)).toEqual(['a', 'b', 'c']);
    expect(ops().map((o) => o.name)).toEqual(['Topology', 'TopologySlices', 'TopologyRoutes']);
    expect(ops()[0]!.vars).toEqual({ id: 'g', routes: ROUTE_PAGE, proxies: 100 });
    expect(ops()[2]!.vars).toEqual({ id: 'g', first: ROUTE_PAGE, after: '2' });
  });

  it("reads the slices of a few services by service when the account's slices run past one page", async () => {
    topologyApi([route(1, ['b']), route(2, ['c'])], {
      slices: [slice('a'), slice('b'), slice('c'), slice('d')],
      slicePage: 2,
    });
    const t = await loadTopology('g');
    expect(t.input.slices.map((s) => s.serviceName)).toEqual(['b', 'c']);
    expect(
      ops()
        .filter((o) => o.vars.filter)
        .map((o) => o.vars.filter),
    ).toEqual([
      { namespace: 'default', serviceName: 'b' },
      { namespace: 'default', serviceName: 'c' },
    ]);
  });

  it("reads every page of the account's slices when the routes send to many services", async () => {
    const routes = Array.from({ length: 21 }, (_, i) => route(i, [`svc-${i}`]));
    topologyApi(routes, { slices: routes.map((_, i) => slice(`svc-${i}`)), slicePage: 10 });
    const t = await loadTopology('g');
    expect(t.input.slices).toHaveLength(21);
    expect(
      ops()
        .filter((o) => o.name === 'TopologySlices')
        .map((o) => o.vars.after ?? null),
    ).toEqual([null, '10', '20']);
  });

  it('answers the previous data itself when nothing changed, and shares every unchanged part when something did', async () => {
    const proxies = [{ podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 }];
    const slices = [slice('a'), slice('b')];
    topologyApi([route(1, ['a', 'b'])], { proxies, slices });
    const a = await loadTopology('g');
    const b = await loadTopology('g', a);
    expect(b).toBe(a);
    topologyApi([route(1, ['a', 'b'])], { proxies, slices: [slice('a'), slice('b', false)] });
    const c = await loadTopology('g', a);
    expect(c.digest).not.toBe(a.digest);
    expect(c.input.routes[0]).toBe(a.input.routes[0]);
    expect(c.input.slices[0]).toBe(a.input.slices[0]);
    expect(c.input.slices[1]).not.toBe(a.input.slices[1]);
    expect(c.input.slices[1]!.endpoints[0]!.conditions).toEqual({ ready: false });
    expect(c.input.proxies).toBe(a.input.proxies);
    expect(c.gateway).toBe(a.gateway);
  });

  it('parses again only the answers whose text changed, and hands back the unchanged pages as they were', async () => {
    const routes = [route(1, ['a']), route(2, ['b']), route(3, ['a'])];
    topologyApi(routes, { slices: [slice('a'), slice('b')] });
    const a = await loadTopology('g');
    expect(ops().map((o) => o.name)).toEqual(['Topology', 'TopologySlices', 'TopologyRoutes']);
    topologyApi(routes, { slices: [slice('a'), slice('b', false)] });
    const parse = vi.spyOn(JSON, 'parse');
    const b = await loadTopology('g', a);
    // The slices' answer only (the gateway's and the route page's texts are the same as before).
    const parsed = parse.mock.calls.map(([text]) => String(text)).filter((t) => t.includes('"data"'));
    parse.mockRestore();
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toContain('endpointSlices');
    expect(b.input.routes).toBe(a.input.routes);
    expect(b.gateway).toBe(a.gateway);
    expect(b.input.slices[0]).toBe(a.input.slices[0]);
    expect(b.input.slices[1]!.endpoints[0]!.conditions).toEqual({ ready: false });
    // Nothing changed since: the previous data itself, nothing parsed.
    const again = vi.spyOn(JSON, 'parse');
    expect(await loadTopology('g', b)).toBe(b);
    expect(again.mock.calls.filter(([t]) => String(t).includes('"data"'))).toEqual([]);
    again.mockRestore();
  });

  it("fails with the API's error when a part of the topology cannot be read", async () => {
    serve([
      [
        /^\/graphql\?/,
        () => ({
          status: 404,
          body: {
            data: null,
            errors: [{ message: 'gateway g not found', extensions: { code: 'NotFound', status: 404 } }],
          },
        }),
      ],
    ]);
    await expect(loadTopology('g')).rejects.toMatchObject({ status: 404, message: 'gateway g not found' });
  });

  it("takes index.html's early answers for its first load (queries, route pages by cursor, the session), once", async () => {
    const routes = [route(1, ['a']), route(2, ['a']), route(3, ['a']), route(4, ['a']), route(5, ['a'])];
    topologyApi(routes, { slices: [slice('a')] });
    const json = (body: unknown) => Promise.resolve(new Response(JSON.stringify(body)));
    const early = {
      gatewayId: 'g',
      topology: json({
        data: { gateway, gatewayProxies: conn([], 100, undefined), routes: conn(routes, 2, undefined) },
      }),
      slices: json({ data: { endpointSlices: conn([slice('a')], 500, undefined) } }),
      // The script asked for the page after "2" only; the loader asks for the one after "4" itself.
      routes: { '2': json({ data: { routes: conn(routes, 2, '2') } }) } as Record<string, Promise<Response>>,
      session: json({ user: { id: 'u', login: 'mona' }, csrfToken: 'tok-e' }),
      stop: false,
    };
    vi.stubGlobal('__epicEarlyTopology', early);
    const t = await loadTopology('g');
    expect(t.input.routes.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(ops()).toEqual([{ name: 'TopologyRoutes', vars: { id: 'g', first: ROUTE_PAGE, after: '4' } }]);
    expect(early.stop).toBe(true);
    // Taken once: the next load (and a load of another gateway) asks the API.
    await loadTopology('g');
    expect(ops().filter((o) => o.name === 'Topology')).toHaveLength(1);
    // The session's early answer is taken by the first session read only.
    calls = [];
    expect((await fetchSession())?.csrfToken).toBe('tok-e');
    expect(calls).toEqual([]);
    serve([[/\/auth\/session/, () => ({ body: { user: { id: 'u' }, csrfToken: 'tok-2' } })]]);
    expect((await fetchSession())?.csrfToken).toBe('tok-2');
    expect(calls.map((c) => c.url)).toEqual(['/auth/session']);
  });

  it('hands a prefetched answer to the first load of the same gateway only, and only once', async () => {
    topologyApi([route(1, ['a'])]);
    prefetchTopology('g');
    const early = calls.length;
    expect(early).toBeGreaterThan(0);
    await loadTopologyOnce('g');
    await new Promise((r) => setTimeout(r, 0));
    const afterFirst = calls.length;
    await loadTopologyOnce('g');
    expect(calls.length).toBeGreaterThan(afterFirst);
    // Prefetched for another gateway: not used.
    prefetchTopology('other');
    const before = calls.length;
    await loadTopologyOnce('g').catch(() => undefined);
    expect(
      ops()
        .slice(before)
        .some((o) => o.name === 'Topology' && o.vars.id === 'g'),
    ).toBe(true);
  });
});

describe('the gateway list loader', () => {
  it('asks for a filtered page by cursor and says whether another page follows', async () => {
    const row = { id: 'g1', name: 'shop', namespace: 'default', conditions: [], clients: [], template: null };
    let more = true;
    serve([
      [
        /^\/graphql\?/,
        () => ({
          body: {
            data: {
              gateways: { edges: [{ node: row }], pageInfo: { hasNextPage: more, endCursor: 'c1' } },
            },
          },
        }),
      ],
    ]);
    const p = await loadGateways({ name: 'sh' }, 20, 'c0');
    expect(p).toEqual({ items: [row], nextCursor: 'c1' });
    expect(ops()).toEqual([{ name: 'Gateways', vars: { first: 20, after: 'c0', filter: { name: 'sh' } } }]);
    more = false;
    expect((await loadGateways({}, 20, null)).nextCursor).toBeNull();
  });
});

describe('the revisions loader', () => {
  const rev = (version: number) => ({
    version,
    hash: `h${version}`,
    status: 'acked',
    error: null,
    rollbackOf: null,
    createdAt: '2026-12-03T00:00:00Z',
  });

  it('reads the header and a page of the timeline in one query, and says where the next page starts', async () => {
    serve([
      [
        /^\/graphql\?/,
        () => ({
          body: {
            data: {
              gateway: { id: 'g', name: 'shop', namespace: 'default' },
              revisions: {
                edges: [rev(9), rev(8)].map((node) => ({ node })),
                pageInfo: { hasNextPage: true, endCursor: '8' },
              },
            },
          },
        }),
      ],
    ]);
    const t = await loadRevisions('g', 2, 10);
    expect(t.gateway.name).toBe('shop');
    expect(t.items.map((r) => r.version)).toEqual([9, 8]);
    expect(t.nextBefore).toBe(8);
    expect(ops()).toEqual([{ name: 'Revisions', vars: { id: 'g', first: 2, after: '10' } }]);
  });

  it('has no next page on the last one, and asks for the newest without a cursor', async () => {
    serve([
      [
        /^\/graphql\?/,
        () => ({
          body: {
            data: {
              gateway: { id: 'g', name: 'shop', namespace: 'default' },
              revisions: { edges: [{ node: rev(1) }], pageInfo: { hasNextPage: false, endCursor: '1' } },
            },
          },
        }),
      ],
    ]);
    expect((await loadRevisions('g', 20, null)).nextBefore).toBeNull();
    expect(ops()[0]!.vars).toEqual({ id: 'g', first: 20, after: null });
  });

  it('reads a diff with both of its revisions in one query', async () => {
    serve([
      [
        /^\/graphql\?/,
        () => ({
          body: {
            data: {
              revisionDiff: { from: 1, to: 2, changes: [] },
              a: { ...rev(1), resources: {} },
              b: { ...rev(2), resources: {} },
            },
          },
        }),
      ],
    ]);
    const d = await loadDiff('g', 1, 2);
    expect([d.diff.from, d.a.version, d.b.version]).toEqual([1, 1, 2]);
    expect(ops()).toEqual([{ name: 'RevisionDiff', vars: { id: 'g', from: 1, to: 2 } }]);
  });
});

describe("the gateway page's subscriptions", () => {
  class FakeSocket {
    static all: FakeSocket[] = [];
    sent: { type: string; id?: string; payload?: { variables?: unknown } }[] = [];
    closed = false;
    onopen: (() => void) | null = null;
    onmessage: ((m: { data: string }) => void) | null = null;
    onclose: (() => void) | null = null;
    constructor(
      readonly url: string,
      readonly protocol: string,
    ) {
      FakeSocket.all.push(this);
    }
    send(s: string) {
      this.sent.push(JSON.parse(s) as FakeSocket['sent'][number]);
    }
    close() {
      this.closed = true;
      this.onclose?.();
    }
    receive(msg: unknown) {
      this.onmessage?.({ data: JSON.stringify(msg) });
    }
  }

  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('window', { location: { protocol: 'https:', host: 'epic.example.com' } });
  });

  it('speaks graphql-transport-ws: init, both subscriptions after the ack, pong to a ping, an event per next', () => {
    const states: LiveState[] = [];
    const events: LiveEvent[] = [];
    const stop = subscribeGateway(
      'g-1',
      (e) => events.push(e),
      (s) => states.push(s),
    );
    const ws = FakeSocket.all[0]!;
    expect([ws.url, ws.protocol]).toEqual(['wss://epic.example.com/graphql', 'graphql-transport-ws']);
    ws.onopen!();
    expect(ws.sent).toEqual([{ type: 'connection_init', payload: {} }]);
    ws.receive({ type: 'connection_ack' });
    expect(ws.sent.slice(1)).toEqual([
      {
        type: 'subscribe',
        id: 'status',
        payload: {
          query: expect.stringContaining('gatewayStatusChanged(gatewayId: $id)'),
          variables: { id: 'g-1' },
        },
      },
      {
        type: 'subscribe',
        id: 'topology',
        payload: { query: GATEWAY_TOPOLOGY_SUBSCRIPTION, variables: { id: 'g-1' } },
      },
    ]);
    ws.receive({ type: 'ping' });
    expect(ws.sent[3]).toEqual({ type: 'pong' });
    ws.receive({ type: 'next', id: 'status', payload: { data: {} } });
    ws.receive({ type: 'next', id: 'topology', payload: { data: {} } });
    ws.receive({ type: 'next', id: 'topology', payload: { data: {} } });
    expect(events).toEqual(['status', 'topology', 'topology']);
    expect(states).toEqual(['connecting', 'live']);
    stop();
    expect(ws.closed).toBe(true);
    expect(states.at(-1)).toBe('live');
  });

  it('announces a reconnect (events sent while the socket was away are lost), not the first connection', () => {
    vi.useFakeTimers();
    const events: LiveEvent[] = [];
    const stop = subscribeGateway(
      'g-1',
      (e) => events.push(e),
      () => undefined,
    );
    FakeSocket.all[0]!.onopen!();
    FakeSocket.all[0]!.receive({ type: 'connection_ack' });
    expect(events).toEqual([]);
    FakeSocket.all[0]!.close();
    vi.advanceTimersByTime(500);
    FakeSocket.all[1]!.onopen!();
    FakeSocket.all[1]!.receive({ type: 'connection_ack' });
    expect(events).toEqual(['reconnected']);
    expect(FakeSocket.all[1]!.sent.filter((m) => m.type === 'subscribe')).toHaveLength(2);
    stop();
  });

  it('reconnects after a lost socket with a growing delay, and not at all once stopped', () => {
    vi.useFakeTimers();
    const states: LiveState[] = [];
    const stop = subscribeGateway(
      'g-1',
      () => undefined,
      (s) => states.push(s),
    );
    FakeSocket.all[0]!.close();
    expect(states).toEqual(['connecting', 'offline']);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    // An error from the server closes the socket too; the next try waits twice as long.
    FakeSocket.all[1]!.receive({ type: 'error', id: '1', payload: [{ message: 'not yours' }] });
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(3);
  });
});

describe('coalesced refreshes', () => {
  it('runs at once when idle, folds the calls made meanwhile into one more run, and none once stopped', async () => {
    const runs: Array<() => void> = [];
    const r = coalesced(() => new Promise<void>((resolve) => runs.push(resolve)));
    r.refresh();
    expect(runs).toHaveLength(1);
    r.refresh();
    r.refresh();
    r.refresh();
    expect(runs).toHaveLength(1);
    runs[0]!();
    await vi.waitFor(() => expect(runs).toHaveLength(2));
    runs[1]!();
    await new Promise((x) => setTimeout(x, 0));
    expect(runs).toHaveLength(2);
    // Idle again: the next call starts a run at once.
    r.refresh();
    expect(runs).toHaveLength(3);
    r.refresh();
    r.stop();
    runs[2]!();
    await new Promise((x) => setTimeout(x, 0));
    expect(runs).toHaveLength(3);
  });

  it('keeps refreshing after a failed run', async () => {
    let n = 0;
    const r = coalesced(async () => {
      n++;
      throw new Error('offline');
    });
    r.refresh();
    await new Promise((x) => setTimeout(x, 0));
    r.refresh();
    await new Promise((x) => setTimeout(x, 0));
    expect(n).toBe(2);
  });
});

describe("the smaller pages' reads and mutations over GraphQL", () => {
  const connection = (items: unknown[], next: string | null) => ({
    edges: items.map((node) => ({ node })),
    pageInfo: { hasNextPage: next !== null, endCursor: next },
  });

  it('reads a whole list page after page, as GETs', async () => {
    serve([
      [
        /Templates/,
        (url) => {
          const after = JSON.parse(new URL(url, 'http://x').searchParams.get('variables')!).after as
            string | null;
          return after === null
            ? { body: { data: { templates: connection([{ id: 't1' }], 'c1') } } }
            : { body: { data: { templates: connection([{ id: 't2' }], null) } } };
        },
      ],
    ]);
    expect((await loadTemplates()).map((t) => t.id)).toEqual(['t1', 't2']);
    expect(calls.map((c) => c.method)).toEqual(['GET', 'GET']);
    expect(ops()).toEqual([
      { name: 'Templates', vars: { first: 500, after: null } },
      { name: 'Templates', vars: { first: 500, after: 'c1' } },
    ]);
  });

  it("pages the audit log by the connection's cursor", async () => {
    serve([[/AuditEvents/, () => ({ body: { data: { auditEvents: connection([{ id: 'e1' }], 'c9') } } })]]);
    expect(await loadAuditEvents(50, null)).toEqual({ items: [{ id: 'e1' }], nextCursor: 'c9' });
    serve([[/AuditEvents/, () => ({ body: { data: { auditEvents: connection([], null) } } })]]);
    expect((await loadAuditEvents(50, 'c9')).nextCursor).toBeNull();
    expect(ops().at(-1)).toEqual({ name: 'AuditEvents', vars: { first: 50, after: 'c9' } });
  });

  it("sends a mutation as a POST with the session's CSRF token, its variables in the body", async () => {
    setCsrfToken('tok-1');
    serve([
      [/graphql/, () => ({ body: { data: { createApiKey: { id: 'k1', name: 'ci', secret: 'epic_x' } } } })],
    ]);
    const k = await createApiKey('ci', 'admin');
    expect(k.secret).toBe('epic_x');
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: '/graphql',
      headers: { 'x-csrf-token': 'tok-1', 'content-type': 'application/json' },
    });
    expect(ops()).toEqual([{ name: 'CreateApiKey', vars: { input: { name: 'ci', role: 'admin' } } }]);
  });

  it("keeps a refused mutation's code, status and field issues for the form", async () => {
    serve([
      [
        /graphql/,
        () => ({
          status: 400,
          body: {
            data: null,
            errors: [
              {
                message: 'spec: not a CIDR',
                extensions: {
                  code: 'Validation',
                  status: 400,
                  requestId: 'r-7',
                  issues: [{ path: 'spec', message: 'not a CIDR' }],
                },
              },
            ],
          },
        }),
      ],
    ]);
    const err = (await createAddressPool('p', 'nope').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.requestId]).toEqual([400, 'Validation', 'r-7']);
    expect(err.issues).toEqual([{ path: 'spec', message: 'not a CIDR' }]);
  });

  it('revokes a key and rolls a gateway back with their own variables', async () => {
    // A mutation's name is in its body, not its URL: answer by body.
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ method: init.method ?? 'GET', url, headers: {}, body: init.body as string });
        const q = (JSON.parse(init.body as string) as { query: string }).query;
        const data = q.includes('revokeApiKey')
          ? { revokeApiKey: { id: 'k1' } }
          : { rollbackGateway: { version: 4, rollbackOf: 2 } };
        return new Response(JSON.stringify({ data }));
      }),
    );
    await revokeApiKey('k1');
    expect((await rollback('g', 2)).version).toBe(4);
    expect(ops()).toEqual([
      { name: 'RevokeApiKey', vars: { id: 'k1' } },
      { name: 'Rollback', vars: { gatewayId: 'g', version: 2 } },
    ]);
  });

  it("reads an edited gateway by id, without a status (the editors don't show it)", async () => {
    serve([
      [/EditedGateway/, () => ({ body: { data: { gateway: { id: 'g', name: 'shop', listeners: [] } } } })],
    ]);
    expect(await loadGateway('g')).toEqual({ id: 'g', name: 'shop', listeners: [], status: null });
    expect(ops()).toEqual([{ name: 'EditedGateway', vars: { id: 'g' } }]);
  });
});

describe("the editors' saves and the trace over GraphQL", () => {
  /** Answers by the operation's name (a mutation's is in its body, a query's in its URL). */
  function answer(by: Record<string, { status?: number; body: unknown }>) {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({
          method: init.method ?? 'GET',
          url,
          headers: (init.headers ?? {}) as Record<string, string>,
          ...(typeof init.body === 'string' ? { body: init.body } : {}),
        });
        const q = init.body
          ? (JSON.parse(init.body as string) as { query: string }).query
          : new URL(url, 'http://x').searchParams.get('query')!;
        const name = /(?:query|mutation) (\w+)/.exec(q)![1]!;
        const a = by[name] ?? { status: 404, body: { errors: [{ message: `no ${name}` }] } };
        return new Response(JSON.stringify(a.body), { status: a.status ?? 200 });
      }),
    );
  }

  it('creates a gateway, replaces its listeners, creates and edits a route and a template: POSTs to /graphql with the CSRF token, no REST', async () => {
    setCsrfToken('tok-2');
    answer({
      CreateGateway: { body: { data: { createGateway: { gateway: { id: 'g1' }, created: true } } } },
      UpdateGatewayListeners: { body: { data: { updateGatewayListeners: { id: 'g1' } } } },
      UpsertRoute: { body: { data: { upsertRoute: { route: { id: 'r1' }, created: true } } } },
      UpdateRoute: { body: { data: { updateRoute: { id: 'r1' } } } },
      CreateTemplate: { body: { data: { createTemplate: { id: 't1' } } } },
      UpdateTemplate: { body: { data: { updateTemplate: { id: 't1' } } } },
    });
    const listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];
    expect(await saveGateway(null, { name: 'shop', template: 'default', listeners })).toEqual({ id: 'g1' });
    expect(await saveGateway('g1', { name: 'shop', listeners })).toEqual({ id: 'g1' });
    const draft = { kind: 'HTTPRoute', name: 'r', namespace: 'default', spec: { rules: [] } };
    expect(await saveRoute(null, draft)).toEqual({ id: 'r1' });
    expect(await saveRoute('r1', draft)).toEqual({ id: 'r1' });
    expect(await saveTemplate(null, { name: 't', poolName: 'p' })).toEqual({ id: 't1' });
    expect(await saveTemplate('t1', { replicas: 2 })).toEqual({ id: 't1' });
    expect(calls.every((c) => c.method === 'POST' && c.url === '/graphql')).toBe(true);
    expect(calls.every((c) => c.headers['x-csrf-token'] === 'tok-2')).toBe(true);
    expect(ops()).toEqual([
      { name: 'CreateGateway', vars: { input: { name: 'shop', template: 'default', listeners } } },
      { name: 'UpdateGatewayListeners', vars: { id: 'g1', listeners } },
      { name: 'UpsertRoute', vars: { input: draft } },
      { name: 'UpdateRoute', vars: { id: 'r1', spec: { rules: [] } } },
      { name: 'CreateTemplate', vars: { input: { name: 't', poolName: 'p' } } },
      { name: 'UpdateTemplate', vars: { id: 't1', input: { replicas: 2 } } },
    ]);
  });

  it('traces a request as a GET query, without the CSRF token, and answers the whole trace', async () => {
    setCsrfToken('tok-3');
    const trace = { revision: 3, port: 80, outcome: { route: 'httproute/default/shop/rule/0' } };
    answer({ TraceRequest: { body: { data: { traceRequest: trace } } } });
    const input = {
      method: 'GET',
      host: 'shop.example.com',
      path: '/cart',
      port: 80,
      headers: { 'x-a': '1' },
    };
    expect(await traceRequest('g1', input)).toEqual(trace);
    expect(calls[0]!.method).toBe('GET');
    expect(calls[0]!.url).toMatch(/^\/graphql\?/);
    expect(calls[0]!.headers['x-csrf-token']).toBeUndefined();
    expect(ops()).toEqual([{ name: 'TraceRequest', vars: { gatewayId: 'g1', input } }]);
  });

  it("keeps the API's own validation issues of a refused save for the form's fields", async () => {
    answer({
      UpsertRoute: {
        status: 400,
        body: {
          data: null,
          errors: [
            {
              message: 'spec.rules[0].backendRefs[1].weight: Too big',
              extensions: {
                code: 'Validation',
                status: 400,
                requestId: 'r-1',
                issues: [{ path: 'spec.rules[0].backendRefs[1].weight', message: 'Too big' }],
              },
            },
          ],
        },
      },
    });
    const err = (await saveRoute(null, { kind: 'HTTPRoute', name: 'r', namespace: 'd', spec: {} }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect([err.status, err.code, err.requestId]).toEqual([400, 'Validation', 'r-1']);
    expect(err.issues).toEqual([{ path: 'spec.rules[0].backendRefs[1].weight', message: 'Too big' }]);
  });

  it('maps a variable coercion error to its field: by its extensions, else by the path in its message', async () => {
    const message =
      'Variable "$input" got invalid value "abc" at "input.listeners[0].port"; Int cannot represent non-integer value: "abc"';
    answer({
      CreateGateway: {
        status: 400,
        body: {
          data: null,
          errors: [
            {
              message,
              extensions: {
                code: 'Validation',
                status: 400,
                issues: [
                  { path: 'listeners[0].port', message: 'Int cannot represent non-integer value: "abc"' },
                ],
              },
            },
          ],
        },
      },
      UpdateGatewayListeners: {
        status: 400,
        body: {
          data: null,
          errors: [
            {
              message:
                'Variable "$listeners" got invalid value "x" at "listeners[1].port"; Int cannot represent non-integer value: "x"',
              extensions: { code: 'Validation', status: 400 },
            },
          ],
        },
      },
    });
    const created = (await saveGateway(null, { name: 'g', listeners: [] }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(created.issues).toEqual([
      { path: 'listeners[0].port', message: 'Int cannot represent non-integer value: "abc"' },
    ]);
    const edited = (await saveGateway('g', { listeners: [] }).catch((e: unknown) => e)) as ApiError;
    expect(edited.code).toBe('Validation');
    expect(edited.issues).toEqual([
      { path: 'listeners[1].port', message: 'Int cannot represent non-integer value: "x"' },
    ]);
  });

  it("reads a variable error's field from graphql-js's wording: a wrong type, an enum value that does not exist, an unknown or a missing field", () => {
    expect(
      variableIssue(
        `Variable "$input" got invalid value "x" at "input.replicas"; Int cannot represent non-integer value: "x"`,
      ),
    ).toEqual({
      path: 'replicas',
      message: 'Int cannot represent non-integer value: "x"',
    });
    expect(
      variableIssue(
        'Variable "$input" got invalid value "HTTPRout" at "input.kind"; Value "HTTPRout" does not exist in "RouteKind" enum. Did you mean the enum value "HTTPRoute"?',
      ),
    ).toEqual({
      path: 'kind',
      message:
        'Value "HTTPRout" does not exist in "RouteKind" enum. Did you mean the enum value "HTTPRoute"?',
    });
    expect(
      variableIssue(
        'Variable "$input" got invalid value { name: "h", bogus: 1 } at "input.listeners[0]"; Field "bogus" is not defined by type "ListenerInput".',
      )?.path,
    ).toBe('listeners[0].bogus');
    expect(
      variableIssue(
        'Variable "$input" got invalid value { listeners: [] }; Field "name" of required type "String!" was not provided.',
      )?.path,
    ).toBe('name');
    expect(
      variableIssue('Variable "$spec" got invalid value 1 at "spec"; JSON cannot represent 1')?.path,
    ).toBe('spec');
    expect(variableIssue('Variable "$id" of required type "ID!" was not provided.')?.path).toBe('id');
    expect(variableIssue('gateway "g" not found')).toBeUndefined();
    // An error with its own issues keeps them; one with none and no variable names no field.
    expect(
      fieldIssues([
        { message: 'x', extensions: { issues: [{ path: 'name', message: 'bad' }] } },
        { message: 'boom' },
      ]),
    ).toEqual([{ path: 'name', message: 'bad' }]);
  });
});
