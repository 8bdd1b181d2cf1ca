import { randomBytes } from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EpicApp } from '../app.js';
import { createReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { startStatusFanout } from './status-fanout.js';
import { subscriptionGuardOf } from './subscription-auth.js';

let env: TestEnv;
let reconciler: Reconciler;
let stopFanout: () => Promise<void>;
let base: string;
let key: string;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  env = await testEnv();
  stopFanout = await startStatusFanout({ app: env.app, db: env.db, databaseUrl: env.url, log });
  reconciler = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
  await reconciler.start();
  base = (await env.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  key = (await createAccount(env, 'subs')).key;
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(key),
    payload: { name: 'pub', spec: '10.60.0.0/28' },
  });
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(key),
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
  });
});
const others: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of others.reverse()) await stop().catch(() => undefined);
  await reconciler?.stop();
  await stopFanout?.();
  await env?.close();
});

/** A second replica on the same database, listening on its own port; `fanout` starts its LISTEN client. */
async function replica(fanout: boolean): Promise<{ app: EpicApp; base: string }> {
  const app = await buildApp({ db: env.db, logger: false, secretKey: randomBytes(32) });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  others.push(() => app.close());
  if (fanout) {
    const stop = await startStatusFanout({ app, db: env.db, databaseUrl: env.url, log });
    others.push(stop);
  }
  return { app, base: address.replace('http', 'ws') };
}

/** A minimal graphql-transport-ws client. */
function subscribe(query: string, variables: Record<string, unknown>, authorization?: string, at = base) {
  const ws = new WebSocket(`${at}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const messages: Array<{ type: string; payload?: unknown }> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    waiters.splice(0).forEach((w) => w());
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
  });
  return {
    async next(type: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = messages.findIndex((m) => m.type === type);
        if (i >= 0) return messages.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no ${type} message; got ${JSON.stringify(messages)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    /** Messages received and not yet taken by `next`. */
    pending: () => messages.slice(),
    /** Forgets the messages received so far. */
    clear: () => void messages.splice(0),
    closed,
    close: () => ws.close(),
  };
}

async function newKey(role: 'admin' | 'viewer' = 'viewer'): Promise<{ id: string; secret: string }> {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers: auth(key),
    payload: { name: `sub-${randomBytes(3).toString('hex')}`, role },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}

async function revoke(id: string, app: EpicApp = env.app) {
  const r = await app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: auth(key) });
  expect(r.statusCode, r.body).toBeLessThan(300);
}

async function newGateway(name: string, as = key): Promise<string> {
  const created = await env.app.inject({
    method: 'POST',
    url: '/api/v1/gateways',
    headers: auth(as),
    payload: { name, template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  expect(created.statusCode, created.body).toBe(201);
  return created.json().id as string;
}

/** Waits until `app` has `n` guarded subscriptions open (the subscribe resolver has run). */
async function guarded(app: EpicApp, n: number) {
  const deadline = Date.now() + 15_000;
  while (subscriptionGuardOf(app).size < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} guarded subscriptions`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const Q =
  'subscription ($id: ID!) { gatewayStatusChanged(gatewayId: $id) { id generation observedGeneration conditions { type status reason } } }';

describe('GraphQL subscriptions', () => {
  it('delivers a gateway status change to a subscriber', async () => {
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(key),
      payload: { name: 'live', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    const id = created.json().id as string;
    await reconciler.drain();
    const sub = subscribe(Q, { id }, `Bearer ${key}`);
    await sub.next('connection_ack');
    await new Promise((r) => setTimeout(r, 200));
    const updated = await env.app.inject({
      method: 'PUT',
      url: `/api/v1/gateways/${id}/listeners`,
      headers: auth(key),
      payload: { listeners: [{ name: 'quic', port: 443, protocol: 'example.com/quic' }] },
    });
    expect(updated.statusCode).toBe(200);
    type Msg = {
      payload: {
        data: {
          gatewayStatusChanged: {
            id: string;
            observedGeneration: number;
            conditions: Array<{ type: string; status: string; reason: string }>;
          };
        };
      };
    };
    // The create's own status change may still be in flight when the subscription starts: skip it.
    let msg = (await sub.next('next')) as Msg;
    while (msg.payload.data.gatewayStatusChanged.observedGeneration < 2)
      msg = (await sub.next('next')) as Msg;
    sub.close();
    expect(msg.payload.data.gatewayStatusChanged).toMatchObject({ id, observedGeneration: 2 });
    expect(msg.payload.data.gatewayStatusChanged.conditions).toContainEqual({
      type: 'Accepted',
      status: 'False',
      reason: 'ListenersNotValid',
    });
  });

  it("refuses to subscribe to another account's gateway", async () => {
    const created = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(key),
      payload: { name: 'mine', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    const intruder = await createAccount(env, 'intruder');
    const sub = subscribe(Q, { id: created.json().id }, `Bearer ${intruder.key}`);
    const err = (await sub.next('error')) as { payload: Array<{ message: string }> };
    sub.close();
    expect(err.payload[0]!.message).toMatch(/not found/);
  });

  it('applies the GraphQL limits to a subscription', async () => {
    const id = await newGateway('aliased');
    const fields = Array.from({ length: 40 }, (_, i) => `a${i}: gatewayStatusChanged(gatewayId: $id) { id }`);
    const sub = subscribe(`subscription ($id: ID!) { ${fields.join(' ')} }`, { id }, `Bearer ${key}`);
    const err = (await sub.next('error')) as {
      payload: Array<{ message: string; extensions?: { code?: string } }>;
    };
    sub.close();
    expect(err.payload[0]).toMatchObject({
      message: expect.stringMatching(/40 aliases, more than the limit of 30/),
      extensions: { code: 'TOO_MANY_ALIASES' },
    });
  });

  it('closes the socket with 4403 when its API key is revoked', async () => {
    const id = await newGateway('revoked-here');
    await reconciler.drain();
    const k = await newKey();
    const sub = subscribe(Q, { id }, `Bearer ${k.secret}`);
    await sub.next('connection_ack');
    await guarded(env.app, 1);
    await revoke(k.id);
    const closed = await Promise.race([
      sub.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket still open')), 15_000)),
    ]);
    expect(closed).toEqual({ code: 4403, reason: 'Forbidden: API key revoked' });
    expect(subscriptionGuardOf(env.app).size).toBe(0);
  });

  it('checks every event against the current key, even where the revocation was not heard', async () => {
    // A replica without a LISTEN client: only the per-event check can stop delivery.
    const deaf = await replica(false);
    const id = await newGateway('per-event');
    await reconciler.drain();
    const k = await newKey();
    const sub = subscribe(Q, { id }, `Bearer ${k.secret}`, deaf.base);
    await sub.next('connection_ack');
    await guarded(deaf.app, 1);
    const gateway = { id, generation: 1, observedGeneration: 1, conditions: [] };
    await deaf.app.graphql.pubsub.publish({ topic: `gateway-status:${id}`, payload: { gateway } });
    expect(((await sub.next('next')) as { payload: unknown }).payload).toMatchObject({
      data: { gatewayStatusChanged: { id } },
    });
    await revoke(k.id);
    await deaf.app.graphql.pubsub.publish({ topic: `gateway-status:${id}`, payload: { gateway } });
    const err = (await sub.next('error')) as {
      payload: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(err.payload[0]).toMatchObject({
      message: expect.stringMatching(/revoked/),
      extensions: { code: 'Unauthorized' },
    });
    expect(sub.pending().filter((m) => m.type === 'next')).toEqual([]);
    sub.close();
  });

  it('stops delivering once the gateway is no longer visible to the subscriber', async () => {
    const deaf = await replica(false);
    const id = await newGateway('vanishing');
    await reconciler.drain();
    const sub = subscribe(Q, { id }, `Bearer ${key}`, deaf.base);
    await sub.next('connection_ack');
    await guarded(deaf.app, 1);
    const gone = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/gateways/${id}`,
      headers: auth(key),
    });
    expect(gone.statusCode).toBeLessThan(300);
    const gateway = { id, generation: 1, observedGeneration: 1, conditions: [] };
    await deaf.app.graphql.pubsub.publish({ topic: `gateway-status:${id}`, payload: { gateway } });
    const err = (await sub.next('error')) as {
      payload: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(err.payload[0]).toMatchObject({
      message: expect.stringMatching(/not found/),
      extensions: { code: 'NotFound' },
    });
    expect(sub.pending().filter((m) => m.type === 'next')).toEqual([]);
    sub.close();
  });

  it('closes the subscriptions of a key revoked in another replica', async () => {
    const other = await replica(true);
    const id = await newGateway('revoked-elsewhere');
    await reconciler.drain();
    const k = await newKey();
    const here = subscribe(Q, { id }, `Bearer ${k.secret}`, other.base);
    await here.next('connection_ack');
    await guarded(other.app, 1);
    // Revoked through the first instance; the second hears it by NOTIFY.
    await revoke(k.id, env.app);
    const closed = await Promise.race([
      here.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket still open')), 15_000)),
    ]);
    expect(closed.code).toBe(4403);
    expect(subscriptionGuardOf(other.app).size).toBe(0);
  });
});

const TOPOLOGY = 'subscription ($id: ID!) { gatewayTopologyChanged(gatewayId: $id) { gatewayId at } }';
type TopologyMsg = { payload: { data: { gatewayTopologyChanged: { gatewayId: string; at: string } } } };

async function call(method: 'POST' | 'PUT', url: string, as: string, payload: Record<string, unknown>) {
  const r = await env.app.inject({ method, url: `/api/v1${url}`, headers: auth(as), payload });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { id?: string };
}

/** Until the reconciler has nothing queued and the NOTIFYs of what it did have been heard. */
async function settle() {
  await reconciler.drain();
  await new Promise((r) => setTimeout(r, 300));
}

describe('gatewayTopologyChanged', () => {
  it("nudges the gateway's subscribers after a route change and after an endpoint change, and no other tenant", async () => {
    const a = await newGateway('topo-a');
    // A second tenant with a gateway of its own, subscribed to it over the same server.
    const other = await createAccount(env, 'topo-other');
    await call('POST', '/address-pools', other.key, { name: 'pub', spec: '10.61.0.0/28' });
    await call('POST', '/templates', other.key, {
      name: 'gw',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.example.org',
    });
    const b = await newGateway('topo-b', other.key);
    await settle();

    const mine = subscribe(TOPOLOGY, { id: a }, `Bearer ${key}`);
    const theirs = subscribe(TOPOLOGY, { id: b }, `Bearer ${other.key}`);
    // The second tenant asking for the first one's gateway is refused as if it did not exist.
    const prying = subscribe(TOPOLOGY, { id: a }, `Bearer ${other.key}`);
    await mine.next('connection_ack');
    await theirs.next('connection_ack');
    const refused = (await prying.next('error')) as { payload: Array<{ message: string }> };
    expect(refused.payload[0]!.message).toMatch(/not found/);
    prying.close();
    await guarded(env.app, 2);

    // A route attached to the first gateway.
    await call('POST', '/routes', key, {
      kind: 'HTTPRoute',
      name: 'topo-route',
      spec: {
        parentRefs: [{ name: 'topo-a' }],
        rules: [{ backendRefs: [{ name: 'topo-svc', port: 8080 }] }],
      },
    });
    const route = (await mine.next('next')) as TopologyMsg;
    expect(route.payload.data.gatewayTopologyChanged.gatewayId).toBe(a);
    expect(Date.parse(route.payload.data.gatewayTopologyChanged.at)).not.toBeNaN();
    await settle();
    mine.clear();

    // Endpoints of the route's backend service (as a cluster sync or a static set writes them).
    await call('PUT', '/static-endpoints/default/topo-svc', key, {
      ports: [{ port: 8080 }],
      endpoints: [{ address: '10.9.0.1' }, { address: '10.9.0.2' }],
    });
    const endpoint = (await mine.next('next')) as TopologyMsg;
    expect(endpoint.payload.data.gatewayTopologyChanged.gatewayId).toBe(a);
    await settle();

    // Nothing of the first tenant's changes reached the second one's subscription ...
    expect(theirs.pending().filter((m) => m.type === 'next')).toEqual([]);
    // ... which is live: a change of its own gateway reaches it, and not the first tenant.
    mine.clear();
    await call('POST', '/routes', other.key, {
      kind: 'HTTPRoute',
      name: 'topo-route',
      spec: { parentRefs: [{ name: 'topo-b' }], rules: [{ backendRefs: [{ name: 'other-svc', port: 80 }] }] },
    });
    const own = (await theirs.next('next')) as TopologyMsg;
    expect(own.payload.data.gatewayTopologyChanged.gatewayId).toBe(b);
    await settle();
    expect(mine.pending().filter((m) => m.type === 'next')).toEqual([]);
    mine.close();
    theirs.close();
  });

  it("checks every event against the gateway's tenant, even where the event was published by hand", async () => {
    const deaf = await replica(false);
    const id = await newGateway('topo-vanishing');
    await settle();
    const sub = subscribe(TOPOLOGY, { id }, `Bearer ${key}`, deaf.base);
    await sub.next('connection_ack');
    await guarded(deaf.app, 1);
    const change = { gatewayId: id, at: new Date() };
    await deaf.app.graphql.pubsub.publish({ topic: `gateway-topology:${id}`, payload: { change } });
    expect(((await sub.next('next')) as TopologyMsg).payload.data.gatewayTopologyChanged.gatewayId).toBe(id);
    const gone = await env.app.inject({
      method: 'DELETE',
      url: `/api/v1/gateways/${id}`,
      headers: auth(key),
    });
    expect(gone.statusCode).toBeLessThan(300);
    await deaf.app.graphql.pubsub.publish({ topic: `gateway-topology:${id}`, payload: { change } });
    const err = (await sub.next('error')) as { payload: Array<{ extensions?: { code?: string } }> };
    expect(err.payload[0]?.extensions?.code).toBe('NotFound');
    expect(sub.pending().filter((m) => m.type === 'next')).toEqual([]);
    sub.close();
  });
});
