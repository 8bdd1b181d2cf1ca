import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, setCsrfToken } from './api.js';
import { fetchSession, signOut } from './session.js';
import { subscribeGatewayStatus, type LiveState } from './subscription.js';
import { loadTopology, loadTopologyOnce, prefetchTopology } from './topology.js';

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

describe('the topology loader', () => {
  const gateway = { id: 'g', name: 'web', namespace: 'default', listeners: [], conditions: [] };
  const route = (i: number, backends: string[]) => ({
    id: `r${i}`,
    kind: 'HTTPRoute',
    name: `r${i}`,
    namespace: 'default',
    spec: { rules: [{ backendRefs: backends.map((name) => ({ name, port: 80 })) }] },
    parents: [],
  });
  const slice = (svc: string) => ({ id: `s-${svc}`, namespace: 'default', serviceName: svc, endpoints: [] });

  function topologyApi(routes: ReturnType<typeof route>[], opts: { proxies?: unknown[] } = {}) {
    serve([
      [/\/gateways\/g$/, () => ({ body: gateway })],
      [/\/gateways\/g\/proxies$/, () => ({ body: { items: opts.proxies ?? [] } })],
      [
        /\/routes\?/,
        (url) => {
          // Pages of two, by cursor.
          const at = Number(/cursor=(\d+)/.exec(url)?.[1] ?? 0);
          return {
            body: {
              items: routes.slice(at, at + 2),
              nextCursor: at + 2 < routes.length ? String(at + 2) : null,
            },
          };
        },
      ],
      [
        /\/endpoint-slices/,
        (url) => {
          const svc = /serviceName=([^&]+)/.exec(url)?.[1];
          return { body: { items: svc ? [slice(svc)] : [slice('all-1'), slice('all-2')], nextCursor: null } };
        },
      ],
    ]);
  }

  it('reads every page of routes, the proxies, and the slices of each service the routes send to', async () => {
    topologyApi([route(1, ['a', 'b']), route(2, ['b']), route(3, ['c'])], {
      proxies: [{ podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 }],
    });
    const t = await loadTopology('g');
    expect(t.input.routes.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
    expect(t.input.proxies).toEqual([
      { podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 },
    ]);
    expect(t.input.slices.map((s) => s.serviceName)).toEqual(['a', 'b', 'c']);
    const urls = calls.map((c) => c.url);
    expect(urls).toContain('/api/v1/routes?gatewayId=g&limit=500');
    expect(urls).toContain('/api/v1/routes?gatewayId=g&limit=500&cursor=2');
    expect(urls).toContain('/api/v1/endpoint-slices?namespace=default&serviceName=b&limit=500');
    expect(urls.filter((u) => u.includes('serviceName=b'))).toHaveLength(1);
  });

  it("reads all of the account's slices at once when the routes send to many services", async () => {
    topologyApi(Array.from({ length: 21 }, (_, i) => route(i, [`svc-${i}`])));
    const t = await loadTopology('g');
    expect(calls.filter((c) => c.url.includes('/endpoint-slices')).map((c) => c.url)).toEqual([
      '/api/v1/endpoint-slices?limit=500',
    ]);
    expect(t.input.slices.map((s) => s.serviceName)).toEqual(['all-1', 'all-2']);
  });

  it('gives the same digest to the same answers and another one when any answer changes', async () => {
    const proxies = [{ podName: 'p', node: 'epic-1', ready: true, xdsConnected: true, ackedVersion: 1 }];
    topologyApi([route(1, ['a'])], { proxies });
    const a = await loadTopology('g');
    const b = await loadTopology('g');
    expect(b.digest).toBe(a.digest);
    topologyApi([route(1, ['a'])], { proxies: [{ ...proxies[0], ready: false }] });
    expect((await loadTopology('g')).digest).not.toBe(a.digest);
    topologyApi([route(1, ['a', 'b'])], { proxies });
    expect((await loadTopology('g')).digest).not.toBe(a.digest);
  });

  it("fails with the API's error when a part of the topology cannot be read", async () => {
    serve([
      [
        /\/gateways\/g$/,
        () => ({ status: 404, body: { error: 'NotFound', message: 'gateway g not found' } }),
      ],
    ]);
    await expect(loadTopology('g')).rejects.toMatchObject({ status: 404, message: 'gateway g not found' });
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
    expect(calls.slice(before).some((c) => c.url === '/api/v1/gateways/g')).toBe(true);
  });
});

describe('the gateway status subscription', () => {
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

  it('speaks graphql-transport-ws: init, subscribe after the ack, pong to a ping, an event per next', () => {
    const states: LiveState[] = [];
    let events = 0;
    const stop = subscribeGatewayStatus(
      'g-1',
      () => events++,
      (s) => states.push(s),
    );
    const ws = FakeSocket.all[0]!;
    expect([ws.url, ws.protocol]).toEqual(['wss://epic.example.com/graphql', 'graphql-transport-ws']);
    ws.onopen!();
    expect(ws.sent).toEqual([{ type: 'connection_init', payload: {} }]);
    ws.receive({ type: 'connection_ack' });
    expect(ws.sent[1]).toMatchObject({ type: 'subscribe', id: '1', payload: { variables: { id: 'g-1' } } });
    ws.receive({ type: 'ping' });
    expect(ws.sent[2]).toEqual({ type: 'pong' });
    ws.receive({ type: 'next', id: '1', payload: { data: {} } });
    ws.receive({ type: 'next', id: '1', payload: { data: {} } });
    expect(events).toBe(2);
    expect(states).toEqual(['connecting', 'live']);
    stop();
    expect(ws.closed).toBe(true);
    expect(states.at(-1)).toBe('live');
  });

  it('reconnects after a lost socket with a growing delay, and not at all once stopped', () => {
    vi.useFakeTimers();
    const states: LiveState[] = [];
    const stop = subscribeGatewayStatus(
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
