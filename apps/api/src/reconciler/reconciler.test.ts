import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/client.js';
import { enqueueReconcile } from '../modules/common.js';
import { auth, createAccount, created, testEnv, type TestEnv } from '../test-support/harness.js';
import { createReconciler } from './reconciler.js';

let env: TestEnv;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  env = await testEnv();
  const acct = await createAccount(env, 'recon', 500);
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(acct.key),
    payload: { name: 'pub', spec: '10.50.0.0/24' },
  });
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(acct.key),
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
  });
  for (let i = 0; i < 60; i++) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(acct.key),
      payload: { name: `g${i}`, template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(() => env?.close());

describe('reconciler', () => {
  it('keeps queued work across a crash: nothing is lost when a process dies before reconciling', async () => {
    // Changes were committed with their queue rows; no reconciler ran ("crashed" before it could).
    expect(await env.db.reconcileRequest.count()).toBe(60);
    expect(await env.db.gateway.count({ where: { observedGeneration: 0 } })).toBe(60);
  });

  it('two replicas drain one queue together, each gateway once, and every gateway converges', async () => {
    const dbB = createDb(env.url);
    const a = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
    const b = createReconciler({ db: dbB, databaseUrl: env.url, log, resyncSeconds: 3600 });
    const [na, nb] = await Promise.all([a.drain(), b.drain()]);
    await dbB.$disconnect();
    expect(na + nb).toBe(60);
    expect(await env.db.reconcileRequest.count()).toBe(0);
    const gws = await env.db.gateway.findMany();
    for (const g of gws) {
      expect(g.observedGeneration).toBe(g.generation);
      expect(g.conditions).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True' })]),
      );
    }
  });

  it('a request is due the moment it is queued: its time is never rounded past the now() of a claim', async () => {
    // A claim takes requests with requestedAt <= now(); a claim that began within half a millisecond of an
    // enqueue missed it when the column rounded to milliseconds (half the time it rounds up). In one transaction
    // now() is fixed, so each round compares the stored time with the very instant it was taken from.
    const gw = await env.db.gateway.findFirstOrThrow({ where: { name: 'g2' } });
    for (let i = 0; i < 20; i++) {
      const due = await env.db.$transaction(async (tx) => {
        await enqueueReconcile(tx, [gw.id]);
        return tx.$queryRawUnsafe<{ due: boolean }[]>(
          `SELECT bool_and("requestedAt" <= now()) AS due FROM "ReconcileRequest" WHERE "gatewayId" = $1::uuid`,
          gw.id,
        );
      });
      expect(due[0]!.due, `round ${i}`).toBe(true);
    }
    await createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 }).drain();
    expect(await env.db.reconcileRequest.count({ where: { gatewayId: gw.id } })).toBe(0);
  });

  it('a change made while idle is picked up through NOTIFY without waiting for the resync', async () => {
    const r = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
    await r.start();
    try {
      const gw = await env.db.gateway.findFirstOrThrow({ where: { name: 'g1' } });
      await env.db.$transaction(async (tx) => {
        await tx.gateway.update({
          where: { id: gw.id },
          data: {
            listeners: [{ name: 'quic', port: 443, protocol: 'example.com/quic' }],
            generation: { increment: 1 },
          },
        });
        await enqueueReconcile(tx, [gw.id]);
      });
      const deadline = Date.now() + 10_000;
      let g = await env.db.gateway.findUniqueOrThrow({ where: { id: gw.id } });
      while (g.observedGeneration !== g.generation && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 20));
        g = await env.db.gateway.findUniqueOrThrow({ where: { id: gw.id } });
      }
      expect(g.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'ListenersNotValid' }),
        ]),
      );
    } finally {
      await r.stop();
    }
  });

  it('route writes racing reconciles of the same gateway never fail (no lock cycle between writer and reconciler)', async () => {
    const acct = await createAccount(env, 'racer');
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/address-pools',
      headers: auth(acct.key),
      payload: { name: 'pub', spec: '10.51.0.0/28' },
    });
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/templates',
      headers: auth(acct.key),
      payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
    });
    await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(acct.key),
      payload: { name: 'race', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    const spec = (i: number) => ({
      parentRefs: [{ name: 'race' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: `/v${i}` } }],
          backendRefs: [{ name: 'svc', port: 80 }],
        },
      ],
    });
    const routes = await Promise.all(
      [0, 1, 2].map(
        async (n) =>
          (
            await env.app.inject({
              method: 'POST',
              url: '/api/v1/routes',
              headers: auth(acct.key),
              payload: { kind: 'HTTPRoute', name: `r${n}`, spec: spec(0) },
            })
          ).json().id as string,
      ),
    );
    const r = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
    await r.start();
    try {
      const statuses: number[] = [];
      for (let round = 1; round <= 15; round++) {
        const out = await Promise.all(
          routes.map((id) =>
            env.app.inject({
              method: 'PUT',
              url: `/api/v1/routes/${id}`,
              headers: auth(acct.key),
              payload: { spec: spec(round) },
            }),
          ),
        );
        statuses.push(...out.map((o) => o.statusCode));
      }
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await r.stop();
    }
  });

  it('hands a new revision over in process after its commit, and only when the reconcile created one', async () => {
    const handed: Array<{ gatewayId: string; version: number; visible: boolean }> = [];
    const visibleNow = async (gatewayId: string, version: number) =>
      (
        await env.db.$pool.query(
          'SELECT 1 FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND version = $2',
          [gatewayId, version],
        )
      ).rowCount === 1;
    const pending: Promise<void>[] = [];
    const r = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      onRevision: (gatewayId, version) =>
        void pending.push(
          visibleNow(gatewayId, version).then((visible) => void handed.push({ gatewayId, version, visible })),
        ),
    });
    const gw = await env.db.gateway.findFirstOrThrow({ where: { name: 'g2' } });
    const before = await env.db.configRevision.count({ where: { gatewayId: gw.id } });
    // No change: the reconcile creates no revision, so nothing is handed over.
    await env.db.$transaction((tx) => enqueueReconcile(tx, [gw.id]));
    await r.drain();
    await Promise.all(pending);
    expect(handed).toEqual([]);
    await env.db.$transaction(async (tx) => {
      await tx.gateway.update({
        where: { id: gw.id },
        data: { listeners: [{ name: 'web', port: 8080, protocol: 'HTTP' }], generation: { increment: 1 } },
      });
      await enqueueReconcile(tx, [gw.id]);
    });
    await r.drain();
    await Promise.all(pending);
    expect(handed).toEqual([{ gatewayId: gw.id, version: before + 1, visible: true }]);
  });

  it('a reconcile that failed is tried again once its backoff has passed, without another change or the resync', async () => {
    const gw = await env.db.gateway.findFirstOrThrow({ where: { name: 'g3' } });
    let armed = false;
    let failures = 0;
    const r = createReconciler({
      db: env.db,
      databaseUrl: env.url,
      log,
      resyncSeconds: 3600,
      // The first reconcile of this gateway fails (a lock timeout, a lost connection under load).
      provisioner: {
        provision: async (_c, gatewayId) => {
          if (armed && gatewayId === gw.id && failures++ === 0) throw new Error('injected failure');
          return undefined;
        },
      },
    });
    // Whatever an earlier test left queued is done first: then nothing is due but the change below.
    await r.drain();
    armed = true;
    await r.start();
    try {
      await env.db.$transaction(async (tx) => {
        await tx.gateway.update({
          where: { id: gw.id },
          data: { listeners: [{ name: 'web', port: 8081, protocol: 'HTTP' }], generation: { increment: 1 } },
        });
        await enqueueReconcile(tx, [gw.id]);
      });
      // Nothing else happens meanwhile: no NOTIFY, and the resync is an hour away.
      const started = Date.now();
      let g = await env.db.gateway.findUniqueOrThrow({ where: { id: gw.id } });
      while (g.observedGeneration !== g.generation && Date.now() - started < 15_000) {
        await new Promise((res) => setTimeout(res, 50));
        g = await env.db.gateway.findUniqueOrThrow({ where: { id: gw.id } });
      }
      const elapsed = Date.now() - started;
      expect(failures).toBe(2);
      expect(g.observedGeneration).toBe(g.generation);
      // The retry waited for its backoff (5 s), and not much longer.
      expect(elapsed).toBeGreaterThanOrEqual(4_900);
      expect(elapsed).toBeLessThan(10_000);
      expect(await env.db.reconcileRequest.count({ where: { gatewayId: gw.id } })).toBe(0);
    } finally {
      await r.stop();
    }
  }, 30_000);

  it("a reconcile that changes nothing writes no status: neither the gateway row nor its routes' rows", async () => {
    const acct = await createAccount(env, 'steady');
    const post = (url: string, payload: object) => created(env, acct.key, url, payload);
    await post('/address-pools', { name: 'pub', spec: '10.52.0.0/28' });
    await post('/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
    const gw = await post('/gateways', {
      name: 'steady',
      template: 'gw',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    const routes: Array<{ id: string }> = [];
    for (const n of [0, 1])
      routes.push(
        await post('/routes', {
          kind: 'HTTPRoute',
          name: `s${n}`,
          spec: {
            parentRefs: [{ name: 'steady', sectionName: 'http' }],
            rules: [
              {
                matches: [{ path: { type: 'PathPrefix', value: `/s${n}` } }],
                backendRefs: [{ name: 'svc', port: 80 }],
              },
            ],
          },
        }),
      );
    const r = createReconciler({ db: env.db, databaseUrl: env.url, log, resyncSeconds: 3600 });
    await r.drain();
    // Row versions (xmin changes with every UPDATE, even of the same value).
    const versions = async () =>
      (
        await env.db.$pool.query<{ id: string; v: string }>(
          `SELECT id::text, xmin::text AS v FROM "Gateway" WHERE id = $1::uuid
           UNION ALL SELECT id::text, xmin::text FROM "Route" WHERE id = ANY($2::uuid[]) ORDER BY 1`,
          [gw.id, routes.map((x) => x.id)],
        )
      ).rows;
    const before = await versions();
    const route = await env.db.route.findUniqueOrThrow({ where: { id: routes[0]!.id } });
    expect(JSON.stringify(route.status)).toContain('"Accepted"');
    await env.db.$transaction((tx) => enqueueReconcile(tx, [gw.id]));
    expect(await r.drain()).toBe(1);
    expect(await versions()).toEqual(before);
  });
});
