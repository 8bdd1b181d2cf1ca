import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApiProcess, type ApiProcess } from './test-support/api-process.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

let env: TestEnv;
const children: ApiProcess[] = [];

function startApi(port: number): ApiProcess {
  const api = startApiProcess({
    DATABASE_URL: env.url,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RECONCILE_RESYNC_SECONDS: '1',
    XDS_PORT: '0',
  });
  children.push(api);
  return api;
}

beforeAll(async () => {
  env = await testEnv();
});
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await env?.close();
});

// Two API start-ups (a cold tsx transform each) and a convergence wait: minutes on a loaded CI machine.
describe('restart', { timeout: 300_000 }, () => {
  it('an API killed while 50 gateways are being created converges after restart, with no orphaned allocation', async () => {
    const acct = await createAccount(env, 'crashy');
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/address-pools',
      headers: auth(acct.key),
      payload: { name: 'pub', spec: '10.40.0.0/24' },
    });
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/templates',
      headers: auth(acct.key),
      payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
    });

    const port = await freePort();
    const first = startApi(port);
    await first.ready(port);
    const creates = Array.from({ length: 50 }, (_, i) =>
      fetch(`http://127.0.0.1:${port}/api/v1/gateways`, {
        method: 'POST',
        headers: { ...auth(acct.key), 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `gw-${i}`,
          template: 'gw',
          listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
        }),
      }).then(
        (r) => r.status,
        () => 'reset' as const,
      ),
    );
    // Kill it hard as soon as the first creates have committed: the rest are in flight.
    while ((await env.db.gateway.count()) < 5) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await first.exited;
    const outcomes = await Promise.all(creates);
    expect(outcomes.filter((o) => o === 'reset').length).toBeGreaterThan(0);

    await startApi(port).ready(port);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pending = await env.db.gateway.count({
        where: { OR: [{ conditions: { equals: [] } }, { observedGeneration: 0 }] },
      });
      const queued = await env.db.reconcileRequest.count();
      if (pending === 0 && queued === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending} gateways never reconciled, ${queued} queued`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const gateways = await env.db.gateway.findMany({ include: { allocation: true } });
    expect(gateways.length).toBeGreaterThanOrEqual(5);
    for (const g of gateways) {
      expect(g.allocation?.address).toBe(g.address);
      expect((g.conditions as Array<{ type: string }>).map((c) => c.type).sort()).toEqual([
        'Accepted',
        'Programmed',
      ]);
    }
    const allocations = await env.db.addressAllocation.findMany();
    expect(allocations).toHaveLength(gateways.length);
    expect(allocations.every((a) => a.gatewayId !== null)).toBe(true);
    expect(new Set(allocations.map((a) => a.address)).size).toBe(allocations.length);
  });
});
