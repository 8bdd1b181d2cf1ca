// The fault suite: a real PostgreSQL of this file's own (the shared one of global-setup must not be stopped),
// stopped for 10 s and then frozen (SIGSTOP) for 10 s under a steady trickle of REST traffic. The API must
// answer every request within its bounds, with 503 + Retry-After while the database is gone, flip /readyz,
// and afterwards render, push over xDS and deliver to GraphQL subscribers again, without a restart.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER } from '@epic/envoy-proto';
import { trustClaimedNodeId } from '@epic/xds-server';
import { AdsTestClient, namesOf } from '@epic/xds-server/test-support';
import { buildApp, type EpicApp } from './app.js';
import { createDb, type Db, type DbTimeouts } from './db/client.js';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import type { DbHealth } from './db/health.js';
import { migrate } from './db/migrate.js';
import { startStatusFanout } from './http/status-fanout.js';
import { fromDatabaseError } from './lib/http-errors.js';
import { createReconciler, type Reconciler } from './reconciler/reconciler.js';
import { seedSystem } from './seed.js';
import { startXdsPlane, type XdsPlane } from './xds/publisher.js';

const OUTAGE_MS = 10_000;
/** Short database timeouts so that a request caught mid-query by a freeze fails well inside the outage. */
const TIMEOUTS: Partial<DbTimeouts> = {
  connectMs: 1_000,
  statementMs: 2_500,
  lockMs: 1_000,
  heartbeatMs: 500,
  reconnectMaxMs: 1_000,
};
/**
 * The longest a request may take while the database is away: a query the server never answers is given up
 * after statementMs + 2 s (the client-side grace), plus a connect timeout, plus slack for a loaded machine.
 * Less than the outage, so a request that hung for the outage fails the test.
 */
const REQUEST_BOUND_MS = 2_500 + 2_000 + 1_000 + 2_000;
/** /readyz must answer false to every probe sent this long after the fault (the requirement: 2 s). */
const READY_FALSE_WITHIN_MS = 2_000;
/** Once the outage is known, answers come at once; generous for a loaded CI machine. */
const PROMPT_MS = 2_000;

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataDir: string;
let pgPort: number;
let server: EmbeddedDatabase | undefined;
let frozen: number[] = [];
let db: Db;
let app: EpicApp;
/** The same API without the health gate: its requests reach the database and meet the raw failures. */
let ungated: EpicApp;
let reconciler: Reconciler;
let stopFanout: () => Promise<void>;
let plane: XdsPlane;
let ads: AdsTestClient;
let base: string;
let key: string;
let accountName: string;
let watchedGateway: string;

const startPg = () =>
  startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort, persistent: true });

/** The postmaster and every process it forked (one backend per connection, the checkpointer, …). */
function postgresProcesses(): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return [postmaster, ...children];
}

function freeze(): void {
  // The postmaster first, so that it forks no backend we would miss; then everything it forked.
  const [postmaster] = postgresProcesses();
  process.kill(postmaster!, 'SIGSTOP');
  frozen = postgresProcesses();
  for (const pid of frozen.slice(1)) process.kill(pid, 'SIGSTOP');
}
function thaw(): void {
  for (const pid of frozen.splice(0)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
}

const auth = (k: string) => ({ authorization: `Bearer ${k}` });

async function api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  const r = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload ? { payload } : {}),
  });
  if (r.statusCode >= 400) throw new Error(`${method} ${url} → ${r.statusCode}: ${r.body}`);
  return r.json();
}

interface Sample {
  url: string;
  sentAt: number;
  ms: number;
  status: number | 'hung' | 'reset';
  retryAfter: string | null;
  body:
    | {
        error?: string;
        message?: string;
        requestId?: string;
        status?: string;
        errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
      }
    | undefined;
}

/** Requests `urls` in turn every `everyMs` over real HTTP, each on its own (never waiting for the last). */
function trickle(urls: string[], everyMs: number) {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let i = 0;
  const timer = setInterval(() => {
    const url = urls[i++ % urls.length]!;
    const sentAt = Date.now();
    // GraphQL rides along as a POST with a JSON body; everything else is a GET.
    const graphql = url === '/graphql';
    const p = fetch(`${base}${url}`, {
      method: graphql ? 'POST' : 'GET',
      headers: { ...auth(key), ...(graphql ? { 'content-type': 'application/json' } : {}) },
      ...(graphql ? { body: JSON.stringify({ query: '{ gateways { edges { node { id } } } }' }) } : {}),
      signal: AbortSignal.timeout(30_000),
    })
      .then(
        async (r) => {
          const text = await r.text();
          let body: Sample['body'];
          try {
            body = JSON.parse(text) as Sample['body'];
          } catch {
            body = undefined;
          }
          samples.push({
            url,
            sentAt,
            ms: Date.now() - sentAt,
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            body,
          });
        },
        (err: Error) => {
          const status = err.name === 'TimeoutError' ? 'hung' : 'reset';
          samples.push({ url, sentAt, ms: Date.now() - sentAt, status, retryAfter: null, body: undefined });
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }, everyMs);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return samples;
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined as T);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await sleep(100);
  }
}

/** A minimal graphql-transport-ws client (as in http/subscriptions.test.ts). */
function subscribe(gatewayId: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: Array<{
    type: string;
    payload?: { data?: { gatewayStatusChanged?: { observedGeneration: number } } };
  }> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    ws.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: {
          query: 'subscription ($id: ID!) { gatewayStatusChanged(gatewayId: $id) { id observedGeneration } }',
          variables: { id: gatewayId },
        },
      }),
    );
  });
  return {
    messages,
    acked: () =>
      until('connection_ack', async () => messages.some((m) => m.type === 'connection_ack'), Boolean, 10_000),
    /** Resolves with the first status event with observedGeneration ≥ `generation`. */
    event: (generation: number, timeoutMs: number) =>
      until(
        `a status event of generation ${generation}`,
        async () =>
          messages.find(
            (m) =>
              m.type === 'next' &&
              (m.payload?.data?.gatewayStatusChanged?.observedGeneration ?? 0) >= generation,
          ),
        Boolean,
        timeoutMs,
      ),
    close: () => ws.close(),
  };
}

// A worker that dies mid-freeze must not leave a stopped server behind (embedded-postgres' own signal hooks
// can only stop a server that runs).
process.once('exit', thaw);
process.once('SIGINT', thaw);
process.once('SIGTERM', thaw);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'epic-db-faults-'));
  chmodSync(dataDir, 0o711); // the server runs as the postgres user
  pgPort = 20000 + Math.floor(Math.random() * 20000);
  server = await startPg();
  const url = server.url('epic');
  await ensureDatabase(url);
  await migrate(url);
  db = createDb(url, { timeouts: TIMEOUTS });
  const { adminKey } = await seedSystem(db, { demo: false });
  const secretKey = randomBytes(32);
  app = await buildApp({ db, logger: false, secretKey });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const alwaysAvailable: DbHealth = {
    available: true,
    probe: async () => true,
    start() {},
    stop: async () => {},
  };
  ungated = await buildApp({ db, logger: false, secretKey, dbHealth: alwaysAvailable });
  await ungated.ready();

  accountName = 'faults';
  const acct = await app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: auth(adminKey!),
    payload: { name: accountName, gatewayQuota: 50 },
  });
  key = acct.json().apiKey.secret;
  await api('POST', '/address-pools', { name: 'pub', spec: '10.90.0.0/26' });
  await api('POST', '/templates', { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' });
  watchedGateway = (await api('POST', '/gateways', gatewayBody('watched'))).id;

  // An hour of resync: only LISTEN/NOTIFY (and the resync on reconnect) can make anything happen in time.
  reconciler = createReconciler({ db, databaseUrl: url, log, resyncSeconds: 3600 });
  await reconciler.start();
  stopFanout = await startStatusFanout({ app, db, databaseUrl: url, log });
  plane = await startXdsPlane({
    db,
    databaseUrl: url,
    log,
    secretKey,
    address: '127.0.0.1:0',
    authenticate: trustClaimedNodeId(),
  });
  ads = new AdsTestClient(plane.port);
  await until(
    'the first gateway rendered',
    () => api('GET', `/gateways/${watchedGateway}`),
    (g) => g.observedGeneration === 1,
    15_000,
  );
});

afterAll(async () => {
  thaw(); // a failed assertion mid-freeze must not leave a stopped server behind
  ads?.close();
  await reconciler?.stop().catch(() => undefined);
  await plane?.close().catch(() => undefined);
  await stopFanout?.().catch(() => undefined);
  await ungated?.close().catch(() => undefined);
  await app?.close().catch(() => undefined);
  await db?.$disconnect().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

function gatewayBody(name: string) {
  return { name, template: 'gw', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] };
}

/** The whole scenario around one fault: `begin` makes the database unavailable, `end` brings it back. */
async function outage(name: string, begin: () => Promise<void>, end: () => Promise<void>) {
  const sub = subscribe(watchedGateway);
  try {
    return await outageWith(sub, name, begin, end);
  } finally {
    sub.close(); // also when an assertion failed: an open socket would keep the app from closing
  }
}

async function outageWith(
  sub: ReturnType<typeof subscribe>,
  name: string,
  begin: () => Promise<void>,
  end: () => Promise<void>,
) {
  await sub.acked();
  const generation = (await api('GET', `/gateways/${watchedGateway}`)).generation as number;

  const traffic = trickle(['/api/v1/gateways', '/api/v1/templates', '/graphql'], 100);
  const readiness = trickle(['/readyz'], 200);
  await sleep(1_000);
  await begin();
  const faultAt = Date.now();

  // Past the health gate, requests meet the failures themselves: a SQL hot path, a Prisma path and GraphQL
  // each answer a typed 503 within the bound, never a 500 or a hang.
  await sleep(1_500);
  // All at once, so that each fails well before the database is back (a freeze is answered on thaw).
  const [rest, graphql, prisma] = await Promise.all([
    ungated.inject({ method: 'GET', url: '/api/v1/gateways', headers: auth(key) }),
    ungated.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth(key),
      payload: { query: '{ gateways { edges { node { id } } } }' },
    }),
    db.template.findMany().then(
      () => undefined,
      (e: unknown) => e,
    ),
  ]);
  const raw = [rest, graphql];

  await sleep(Math.max(0, faultAt + OUTAGE_MS - Date.now()));
  const endAt = Date.now();
  await end();
  await until(
    '/readyz true again',
    () => fetch(`${base}/readyz`).then((r) => r.status),
    (s) => s === 200,
    20_000,
  );
  await until(
    'REST answering again',
    () => fetch(`${base}/api/v1/gateways`, { headers: auth(key) }).then((r) => r.status),
    (s) => s === 200,
    20_000,
  );
  const samples = await traffic.stop();
  const probes = await readiness.stop();

  // Recovery without a restart: a new gateway is rendered and pushed to an xDS client, and the subscriber
  // of an existing one hears its next status change.
  const fresh = (await api('POST', '/gateways', gatewayBody(`after-${name}`))).id as string;
  const stream = ads.sotw();
  stream.send({
    node: { id: `${accountName}.${fresh}`, cluster: 'faults' },
    type_url: LISTENER,
    resource_names: [],
  });
  const pushed = await stream.next(20_000);
  stream.close();
  await api('PUT', `/gateways/${watchedGateway}/listeners`, {
    listeners: [{ name: 'http', port: 8000 + generation, protocol: 'HTTP' }],
  });
  const event = await sub.event(generation + 1, 20_000);

  return { faultAt, endAt, samples, probes, raw, prisma, pushed, event };
}

function expectBoundedAnswers(r: Awaited<ReturnType<typeof outage>>) {
  const { faultAt, endAt, samples, probes, raw, prisma, pushed, event } = r;
  // Nothing hung, nothing was cut off, nothing answered 500.
  expect(samples.filter((s) => typeof s.status !== 'number')).toEqual([]);
  expect(
    samples.filter((s) => s.ms > REQUEST_BOUND_MS).map((s) => ({ url: s.url, ms: s.ms, status: s.status })),
  ).toEqual([]);
  expect(samples.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
  // While the database was away: 503 with Retry-After, naming what is unavailable, with the request id.
  const during = samples.filter((s) => s.sentAt >= faultAt + READY_FALSE_WITHIN_MS && s.sentAt < endAt);
  expect(during.length).toBeGreaterThan(20);
  for (const s of during) {
    expect(s.status).toBe(503);
    // Refused at once (the health gate), not after waiting on a connection that will not answer.
    expect(s.ms).toBeLessThan(PROMPT_MS);
    expect(Number(s.retryAfter)).toBeGreaterThan(0);
    if (s.url === '/graphql') {
      expect(s.body?.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/database/),
        extensions: { code: 'Unavailable', requestId: expect.stringMatching(/.+/) },
      });
    } else {
      expect(s.body).toMatchObject({ error: 'Unavailable', message: expect.stringMatching(/database/) });
      expect(s.body?.requestId).toMatch(/.+/);
    }
  }
  // /readyz: every probe sent 2 s after the fault says false, and says so promptly; true again afterwards.
  const readyDuring = probes.filter((p) => p.sentAt >= faultAt + READY_FALSE_WITHIN_MS && p.sentAt < endAt);
  expect(readyDuring.length).toBeGreaterThan(10);
  expect(readyDuring.filter((p) => p.status !== 503)).toEqual([]);
  expect(Math.max(...readyDuring.map((p) => p.ms))).toBeLessThan(PROMPT_MS);
  // (true again: `outage` waited for /readyz 200 before it stopped the traffic)
  // Requests that met the failure itself: 503 on REST, Unavailable on GraphQL, a Prisma error that maps too.
  expect(raw[0]!.statusCode).toBe(503);
  expect(raw[0]!.headers['retry-after']).toBeDefined();
  expect(raw[0]!.json()).toMatchObject({ error: 'Unavailable', requestId: expect.any(String) });
  const gql = raw[1]!.json() as { errors: Array<{ extensions: { code: string; requestId: string } }> };
  expect(raw[1]!.statusCode).toBe(503);
  expect(gql.errors[0]!.extensions).toMatchObject({ code: 'Unavailable', requestId: expect.any(String) });
  expect(prisma).toBeDefined();
  expect(fromDatabaseError(prisma)?.code).toBe('Unavailable');
  // And the pipeline works again.
  expect(namesOf(pushed).length).toBeGreaterThan(0);
  expect(event).toBeDefined();
}

describe('database faults under traffic', () => {
  it('PostgreSQL stopped for 10 s: 503s while down, /readyz false, full recovery without a restart', async () => {
    const r = await outage(
      'stop',
      async () => {
        await server!.stop();
        server = undefined;
      },
      async () => {
        server = await startPg();
      },
    );
    expectBoundedAnswers(r);
  }, 90_000);

  it('PostgreSQL frozen (SIGSTOP) for 10 s: no request hangs, 503s while frozen, full recovery', async () => {
    try {
      const r = await outage(
        'freeze',
        async () => freeze(),
        async () => thaw(),
      );
      expectBoundedAnswers(r);
    } finally {
      thaw();
    }
  }, 90_000);
});
