import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconciler, type Reconciler } from '../reconciler/reconciler.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';
import { startStatusFanout } from './status-fanout.js';

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
afterAll(async () => {
  await reconciler?.stop();
  await stopFanout?.();
  await env?.close();
});

/** A minimal graphql-transport-ws client. */
function subscribe(query: string, variables: Record<string, unknown>, authorization?: string) {
  const ws = new WebSocket(`${base}/graphql`, 'graphql-transport-ws');
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
    close: () => ws.close(),
  };
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
      payload: { listeners: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
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
});
