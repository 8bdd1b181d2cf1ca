import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, created, testEnv, type TestEnv } from '../test-support/harness.js';
import { CONTROLLER_NAME, writeRouteStatus } from './reconcile-gateway.js';

/**
 * A route attached to two gateways has one status.parents entry per gateway, each written by that gateway's
 * reconcile. The reconciler runs several gateways at once, each on its own connection: the two writes of one
 * route must not lose each other's entry.
 */
let env: TestEnv;
let gateways: string[] = [];
let routeId: string;

beforeAll(async () => {
  env = await testEnv();
  const acct = await createAccount(env, 'shared-status');
  const post = (url: string, payload: object) => created(env, acct.key, url, payload);
  await post('/address-pools', { name: 'pub', spec: '10.60.0.0/24' });
  await post('/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  gateways = [];
  for (const name of ['same-namespace', 'all-namespaces'])
    gateways.push(
      (
        await post('/gateways', {
          name,
          template: 'gw',
          listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
        })
      ).id,
    );
  routeId = (
    await post('/routes', {
      kind: 'HTTPRoute',
      name: 'shared',
      spec: {
        parentRefs: [{ name: 'same-namespace' }, { name: 'all-namespaces' }],
        rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }],
      },
    })
  ).id;
});
afterAll(() => env?.close());

const accepted = (name: string) => ({
  id: routeId,
  parents: [
    {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name },
      conditions: [
        { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1 },
      ],
    },
  ],
});

async function waitUntilBlocked(admin: pg.Client, pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await admin.query<{ wait_event_type: string | null }>(
      'SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    if (r.rows[0]?.wait_event_type === 'Lock') return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`connection ${pid} never waited on a lock`);
}

describe("a route's status shared by two gateways' reconciles", () => {
  it('keeps both entries when the two reconciles write it at the same time', async () => {
    const [a, b, admin] = [new pg.Client(env.url), new pg.Client(env.url), new pg.Client(env.url)];
    await Promise.all([a.connect(), b.connect(), admin.connect()]);
    try {
      const pidB = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const ts = new Date().toISOString();
      await a.query('BEGIN');
      await writeRouteStatus(a, gateways[0]!, [accepted('same-namespace')] as never, ts);
      // B reads the route while A's entry is not committed, then waits on A's row lock to write its own.
      await b.query('BEGIN');
      const written = writeRouteStatus(b, gateways[1]!, [accepted('all-namespaces')] as never, ts);
      await waitUntilBlocked(admin, pidB);
      await a.query('COMMIT');
      await written;
      await b.query('COMMIT');

      const row = await env.db.route.findUniqueOrThrow({ where: { id: routeId } });
      const parents = (row.status as { parents: Array<{ gatewayId: string; controllerName: string }> })
        .parents;
      expect(parents.map((p) => p.gatewayId).sort()).toEqual([...gateways].sort());
      expect(parents.every((p) => p.controllerName === CONTROLLER_NAME)).toBe(true);
    } finally {
      await Promise.all([a.end(), b.end(), admin.end()]);
    }
  });
});
