// npm run bench -- xds-api [--samples N] [--phases 100,1000] [--profile DIR]   (BENCH_BIG=1 adds a 10,000-gateway phase)
// --profile writes one V8 CPU profile per phase of its change samples only (not the load, not the render phase).
// Route-programming latency through the whole control plane: from the REST call that changes a GRPCRoute
// (PUT /api/v1/routes/:id over HTTP) through the transaction, the reconciler's render into a ConfigRevision,
// NOTIFY epic_revision, the xDS plane's setSnapshot, to the ACK of a connected @grpc/grpc-js-xds client (its
// own process, proxyless node `<account>.<gateway>.grpc`). The fleet (gateways with 3 routes each) is
// bulk-loaded in SQL and rendered by the reconciler; the control plane (API + reconciler + xDS plane) is this
// process, PostgreSQL is embedded (its own processes, not in the RSS figure).
//
// The floor (issue 11), measured in the same run, interleaved with the samples: one committed write of the same
// route row on the same PostgreSQL (an UPDATE of its spec to the value it has, autocommit) plus the standalone
// setSnapshot → ACK of the same resources (the previous and current revision's proxyless snapshot, alternately)
// to the same grpc-js-xds client. The bench prints the route change → ACK percentiles as ratios to the floor's.
// Render phase: the pure render (translate + validate + hashes) of a 3-route and a 1,000-route gateway, cold
// (content never seen) and after a one-route change.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import pg from 'pg';
import pino from 'pino';
import { ROUTE } from '@epic/envoy-proto';
import type { RouteInput, TranslateInput } from '@epic/gateway-translator';
import { trustClaimedNodeId, type AckEvent } from '@epic/xds-server';
import { startBackend, stopBackends } from '@epic/xds-server/test-support';
import { buildApp } from '../apps/api/src/app.js';
import { reconcileGateway } from '../apps/api/src/reconciler/reconcile-gateway.js';
import { createReconciler } from '../apps/api/src/reconciler/reconciler.js';
import { snapshotOf, startXdsPlane } from '../apps/api/src/xds/publisher.js';
import { proxylessSnapshot } from '../apps/api/src/xds/proxyless.js';
import { loadTranslateInput, render } from '../apps/api/src/xds/render.js';
import { benchDatabase, percentile } from './support/embedded-db.js';

const args = process.argv.slice(2);
const SAMPLES = Number(args[args.indexOf('--samples') + 1] || 200);
const ROUTES_PER_GATEWAY = 3;
const PHASES = args.includes('--phases')
  ? args[args.indexOf('--phases') + 1]!.split(',').map(Number)
  : process.env.BENCH_BIG
    ? [100, 1_000, 10_000]
    : [100, 1_000];
// The sustained phase (after the first phase): 50 concurrent writers change routes of the first 100 fleet gateways
// for --sustained seconds (0 skips it), every gateway's proxy ACKs, a grpc-js-xds client routes traffic throughout.
const SUSTAINED_SECONDS = Number(args.includes('--sustained') ? args[args.indexOf('--sustained') + 1] : 10);
const WRITERS = 50;
const PROFILE_DIR = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
const HOST = 'echo.example.com';
const out = (s: string) => process.stdout.write(`[bench xds-api] ${s}\n`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

// Round trips: every query the control plane (and the bench's own floor write) sends to PostgreSQL.
let roundTrips = 0;
const traced: string[] = [];
let tracing = false;
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  roundTrips += 1;
  if (tracing) {
    const q = a[0] as string | { text?: string };
    traced.push((typeof q === 'string' ? q : (q.text ?? '')).replace(/\s+/g, ' ').slice(0, 90));
  }
  return query.apply(this, a);
} as typeof pg.Client.prototype.query;

const db = await benchDatabase();
const log = pino({ level: 'warn' });
const secretKey = randomBytes(32);
// the fleet's pool is larger than an account's pool may be by default
const poolLimits = { tenantMaxPrefix: { ipv4: 8, ipv6: 64 } };
const app = await buildApp({ db: db.db, logger: false, secretKey, poolLimits });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1`;
const plane = await startXdsPlane({
  db: db.db,
  databaseUrl: db.url,
  log,
  secretKey,
  address: '127.0.0.1:0',
  authenticate: trustClaimedNodeId(),
});
// As main.ts wires them: the reconciler hands its revisions to this replica's xDS plane in process.
const reconciler = createReconciler({
  db: db.db,
  databaseUrl: db.url,
  log,
  resyncSeconds: 3600,
  onRevision: (id, _version, revision) => plane.handOver(id, revision),
});
const backend = await startBackend('observed');
const children: ReturnType<typeof spawn>[] = [];

async function rest(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function account(name: string, pool: string) {
  const admin = { authorization: `Bearer ${db.adminKey}`, 'content-type': 'application/json' };
  const a = (await rest('POST', '/accounts', admin, { name, gatewayQuota: 100_000 })) as {
    account: { id: string };
    apiKey: { secret: string };
  };
  const h = { authorization: `Bearer ${a.apiKey.secret}`, 'content-type': 'application/json' };
  await rest('POST', '/address-pools', h, { name: 'pub', spec: pool });
  const t = (await rest('POST', '/templates', h, {
    name: 'gw',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.{account}.example.com',
  })) as { id: string };
  await rest('PUT', '/static-endpoints/default/echo', h, {
    ports: [{ port: backend.port }],
    endpoints: [{ address: '127.0.0.1' }],
  });
  return { id: a.account.id, headers: h, templateId: t.id };
}

const grpcRoute = (gateway: string, host: string, canary: string) => ({
  parentRefs: [{ name: gateway }],
  hostnames: [host],
  rules: [
    {
      matches: [{ method: { service: 'epic.test.Echo', method: 'Shout' } }],
      backendRefs: [{ name: 'echo', port: backend.port }],
    },
    {
      matches: [{ headers: [{ name: 'x-canary', value: canary }] }],
      backendRefs: [{ name: 'echo', port: backend.port }],
    },
    { backendRefs: [{ name: 'echo', port: backend.port }] },
  ],
});

/** Bulk-loads gateways `from..to-1` with 3 GRPCRoutes each (rows as the API writes them) and queues them. */
async function preload(acct: { id: string; templateId: string }, from: number, to: number) {
  const pool = await db.db.addressPool.findFirstOrThrow({ where: { accountId: acct.id, name: 'pub' } });
  await db.db.$executeRawUnsafe(
    `WITH g AS (
       INSERT INTO "Gateway" (id, "accountId", "templateId", name, namespace, listeners, address, "dnsName", generation, "createdAt", "updatedAt")
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, 'g' || i, 'default', '[{"name":"http","port":80,"protocol":"HTTP"}]'::jsonb,
              host($5::inet + i), 'g' || i || '.example.com', 1, now(), now()
       FROM generate_series($3::int, $4::int - 1) i RETURNING id, address, name),
     c AS (INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", namespace, name, "clientUid") SELECT gen_random_uuid(), $1::uuid, id, 'default', name, 'bulk:' || id FROM g),
     q AS (INSERT INTO "ReconcileRequest" ("gatewayId") SELECT id FROM g)
     INSERT INTO "AddressAllocation" (id, "poolId", "accountId", ordinal, address, "gatewayId")
     SELECT gen_random_uuid(), $6::uuid, $1::uuid, (address::inet - $5::inet), address, id FROM g`,
    acct.id,
    acct.templateId,
    from,
    to,
    pool.firstAddress,
    pool.id,
  );
  await db.db.$executeRawUnsafe(
    `WITH r AS (
       INSERT INTO "Route" (id, "accountId", kind, namespace, name, "clientUid", spec, "createdAt", "updatedAt")
       SELECT gen_random_uuid(), $1::uuid, 'GRPCRoute', 'default', g.name || '-r' || j, 'bulk:' || g.name || '-r' || j,
              jsonb_build_object('parentRefs', jsonb_build_array(jsonb_build_object('name', g.name)),
                'hostnames', jsonb_build_array('r' || j || '.' || g.name || '.example.com'),
                'rules', jsonb_build_array(jsonb_build_object('matches', jsonb_build_array(jsonb_build_object('method', jsonb_build_object('service', 'epic.test.Echo', 'method', 'Echo'))),
                  'backendRefs', jsonb_build_array(jsonb_build_object('name', 'echo', 'port', $5::int))))),
              now(), now()
       FROM "Gateway" g, generate_series(0, $4::int - 1) j
       WHERE g."accountId" = $1::uuid AND substr(g.name, 2)::int >= $2::int AND substr(g.name, 2)::int < $3::int
       RETURNING id, name)
     INSERT INTO "RouteParent" ("routeId", "gatewayId", "refIndex")
     SELECT r.id, g.id, 0 FROM r JOIN "Gateway" g ON g."accountId" = $1::uuid AND g.name = split_part(r.name, '-', 1)`,
    acct.id,
    from,
    to,
    ROUTES_PER_GATEWAY,
    backend.port,
  );
  await db.db.$executeRawUnsafe('ANALYZE');
  const started = performance.now();
  const total = to - from;
  const timer = setInterval(() => {
    void db.db.$pool
      .query<{ n: string }>('SELECT count(*) AS n FROM "ReconcileRequest"')
      .then((r) => out(`  rendering: ${total - Number(r.rows[0]!.n)}/${total} gateways`));
  }, 5000);
  await reconciler.drain();
  clearInterval(timer);
  const s = (performance.now() - started) / 1000;
  out(
    `  rendered ${total} gateways in ${s.toFixed(1)} s (${((s * 1000) / total).toFixed(1)} ms per gateway)`,
  );
}

function child(script: string, argv: string[]) {
  const c = spawn(process.execPath, ['--import', 'tsx', script, ...argv], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(c);
  let text = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  c.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of waiters.splice(0)) {
      const m = text.match(w.re);
      if (m) w.resolve(m);
      else waiters.push(w);
    }
  });
  const exited = new Promise<never>((_, reject) =>
    c.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${text.slice(-500)}`))),
  );
  exited.catch(() => undefined);
  return {
    proc: c,
    /** Resolves once the child printed a line matching `re`. */
    line: (re: RegExp) =>
      Promise.race([
        new Promise<RegExpMatchArray>((resolve) => {
          const m = text.match(re);
          if (m) resolve(m);
          else waiters.push({ re, resolve });
        }),
        exited,
      ]),
  };
}

/**
 * Sustained route changes: WRITERS concurrent REST writers (own process) change the routes of `count` fleet
 * gateways for SUSTAINED_SECONDS; a simulated proxy per gateway ACKs every revision; a grpc-js-xds client
 * (own process) routes RPCs through the first gateway throughout. Afterwards every change must be carried by an
 * ACKed revision (its canary value, or a later one of the same route): change → ACK is the REST call's start to
 * the first ACK (ackedAt, database clock) of a revision of its gateway carrying it.
 */
async function sustained(
  acct: { id: string; headers: Record<string, string> },
  xdsPort: number,
  backendPort: number,
  count: number,
) {
  const routes = (
    await db.db.$pool.query<{ id: string; name: string; gateway: string; gatewayId: string; host: string }>(
      `SELECT r.id, r.name, g.name AS gateway, g.id AS "gatewayId", r.spec->'hostnames'->>0 AS host
       FROM "Route" r JOIN "RouteParent" p ON p."routeId" = r.id JOIN "Gateway" g ON g.id = p."gatewayId"
       WHERE g."accountId" = $1::uuid AND substr(g.name, 2)::int < $2 ORDER BY substr(g.name, 2)::int, r.name`,
      [acct.id, count],
    )
  ).rows;
  const gatewayIds = [...new Set(routes.map((r) => r.gatewayId))];
  const dir = new URL('./support/', import.meta.url).pathname;
  const proxies = child(`${dir}fleet-proxies-process.ts`, [
    String(xdsPort),
    gatewayIds.map((id) => `fleet.${id}`).join(','),
  ]);
  await proxies.line(/ready \d+/);
  const first = routes[0]!;
  const traffic = child(`${dir}xds-traffic-process.ts`, [
    String(xdsPort),
    `fleet.${first.gatewayId}.grpc`,
    first.host,
  ]);
  await traffic.line(/^ready$/m);
  out(
    `sustained: ${gatewayIds.length} gateways' proxies connected, traffic through ${first.host} (load average ${load()})`,
  );
  const cpu = process.cpuUsage();
  const trips = roundTrips;
  const started = performance.now();
  const writers = child(`${dir}route-writers-process.ts`, [
    JSON.stringify({
      base,
      key: acct.headers.authorization!.slice('Bearer '.length),
      seconds: SUSTAINED_SECONDS,
      writers: WRITERS,
      backendPort,
      routes: routes.map(({ id, name, gateway, host }) => ({ id, name, gateway, host })),
    }),
  ]);
  const result = JSON.parse((await writers.line(/^\{.*\}$/m))[0]) as {
    changes: Array<[number, number, number]>;
    failed: number;
    errors: string[];
  };
  const writeSeconds = (performance.now() - started) / 1000;
  // Converged: nothing queued, and every gateway's newest revision is ACKed.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = (
      await db.db.$pool.query<{ queued: number; unacked: number }>(
        `SELECT (SELECT count(*) FROM "ReconcileRequest" WHERE "gatewayId" = ANY($1::uuid[]))::int AS queued,
                (SELECT count(*) FROM "Gateway" g WHERE g.id = ANY($1::uuid[]) AND (SELECT status FROM "ConfigRevision" c
                   WHERE c."gatewayId" = g.id ORDER BY version DESC LIMIT 1) <> 'acked')::int AS unacked`,
        [gatewayIds],
      )
    ).rows[0]!;
    if ((r.queued === 0 && r.unacked === 0) || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const convergedSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const changeTrips = roundTrips - trips;
  traffic.proc.stdin!.end();
  const report = JSON.parse((await traffic.line(/^report (.*)$/m))[1]!) as {
    ok: number;
    failed: number;
    errors: string[];
  };
  proxies.proc.stdin!.end();
  // Every revision of these gateways since the start: its canary values (route name → seq) and its ACK time.
  const revisions = (
    await db.db.$pool.query<{
      gatewayId: string;
      version: number;
      ackedMs: number | null;
      tokens: string[] | null;
    }>(
      `SELECT "gatewayId", version, EXTRACT(EPOCH FROM "ackedAt") * 1000 AS "ackedMs",
              (SELECT array_agg(m[1]) FROM regexp_matches(resources::text, '"(g\\d+-r\\d+\\.\\d+)"', 'g') m) AS tokens
       FROM "ConfigRevision" WHERE "gatewayId" = ANY($1::uuid[]) ORDER BY "gatewayId", version`,
      [gatewayIds],
    )
  ).rows;
  const byGateway = new Map<
    string,
    Array<{ version: number; ackedMs: number | null; seq: Map<string, number> }>
  >();
  for (const r of revisions) {
    const seq = new Map<string, number>();
    for (const t of r.tokens ?? []) {
      const [name, n] = t.split('.');
      seq.set(name!, Math.max(seq.get(name!) ?? 0, Number(n)));
    }
    const list = byGateway.get(r.gatewayId) ?? [];
    list.push({ version: r.version, ackedMs: r.ackedMs === null ? null : Number(r.ackedMs), seq });
    byGateway.set(r.gatewayId, list);
  }
  const latencies: number[] = [];
  let unacked = 0;
  for (const [i, s, t0] of result.changes) {
    const route = routes[i]!;
    const list = byGateway.get(route.gatewayId) ?? [];
    const carrying = list.findIndex((v) => (v.seq.get(route.name) ?? 0) >= s);
    const acked = carrying < 0 ? [] : list.slice(carrying).filter((v) => v.ackedMs !== null);
    if (acked.length === 0) {
      unacked += 1;
      continue;
    }
    latencies.push(Math.min(...acked.map((v) => v.ackedMs!)) - t0);
  }
  latencies.sort((a, b) => a - b);
  const n = result.changes.length;
  const row = {
    writers: WRITERS,
    gateways: gatewayIds.length,
    seconds: +writeSeconds.toFixed(1),
    changes: n,
    changes_per_s: +(n / writeSeconds).toFixed(0),
    failed_writes: result.failed,
    changes_not_acked: unacked,
    p50_ms: +percentile(latencies, 50).toFixed(1),
    p99_ms: +percentile(latencies, 99).toFixed(1),
    max_ms: +(latencies.at(-1) ?? 0).toFixed(1),
    revisions: revisions.length,
    converged_s: +convergedSeconds.toFixed(1),
    cpu_per_change_ms: +((used.user + used.system) / 1000 / n).toFixed(2),
    queries_per_change: +(changeTrips / n).toFixed(1),
    rpcs_ok: report.ok,
    rpcs_failed: report.failed,
    load_avg: load(),
  };
  out(`sustained ${JSON.stringify(row)}`);
  if (result.errors.length) out(`  write errors: ${result.errors.join('; ')}`);
  if (report.errors.length) out(`  RPC errors: ${report.errors.join('; ')}`);
  out(
    `sustained: ${row.changes_per_s} changes/s from ${WRITERS} writers across ${row.gateways} gateways (target ≥ 500), ` +
      `${unacked} of ${n} changes not ACKed, p99 change → ACK ${row.p99_ms} ms, ${report.failed} failed RPCs of ${report.ok + report.failed} (target 0)`,
  );
  return row;
}

/** Median wall time of `fn` over `n` calls, in ms. */
function timeIt(n: number, fn: (i: number) => void): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    fn(i);
    t.push(performance.now() - s);
  }
  return percentile(
    t.sort((a, b) => a - b),
    50,
  );
}

/** The pure render of a 3-route gateway (a fleet gateway as stored) and of a 1,000-route one built from it. */
async function renderBench(gatewayId: string) {
  const c = await db.db.$pool.connect();
  let input: TranslateInput;
  try {
    input = (await loadTranslateInput(c, gatewayId))!.input;
  } finally {
    c.release();
  }
  const template = input.routes[0]!;
  const withHost = (r: RouteInput, host: string): RouteInput =>
    ({ ...r, spec: { ...(r.spec as object), hostnames: [host] } }) as RouteInput;
  const n1000 = 1000;
  const big = (tag: string, changed = -1, n = n1000): TranslateInput => ({
    ...input,
    routes: Array.from({ length: n }, (_, j) =>
      withHost(
        {
          ...template,
          id: `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`,
          name: `big-r${j}`,
        },
        `r${j}.${changed < 0 || j === changed ? tag : 'big'}.example.com`,
      ),
    ),
  });
  const small = (tag: string, changedOnly: boolean): TranslateInput => ({
    ...input,
    routes: input.routes.map((r, j) => (changedOnly && j > 0 ? r : withHost(r, `r${j}.${tag}.example.com`))),
  });
  const sanity = render(big('check'));
  if (sanity.error || !sanity.resources?.routes.length)
    throw new Error(`1,000-route render: ${sanity.error}`);
  const rows = {
    '3 routes, cold (all content new)': timeIt(200, (i) => render(small(`cold${i}`, false))),
    '3 routes, one route changed': timeIt(200, (i) => render(small(`one${i}`, true))),
    '1,000 routes, cold': timeIt(5, (i) => render(big(`cold${i}`))),
    '1,000 routes, one route changed':
      (render(big('base', n1000)), timeIt(20, (i) => render(big(`w${i}`, i)))),
  };
  for (const [what, ms] of Object.entries(rows)) out(`render ${what}: p50 ${ms.toFixed(2)} ms`);
  // The reconcile of that 3-route gateway after a change of one of its routes: load from the store, render,
  // write the revision and status (in a transaction that is rolled back, so the fleet stays as it was).
  const reconcileMs: number[] = [];
  const routeId = template.id;
  for (let i = 0; i < 50; i++) {
    const tx = await db.db.$pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query(
        `UPDATE "Route" SET spec = jsonb_set(spec, '{hostnames}', jsonb_build_array($2::text)) WHERE id = $1::uuid`,
        [routeId, `r${i}.reconcile.example.com`],
      );
      const s = performance.now();
      await reconcileGateway(tx, gatewayId, new Date());
      reconcileMs.push(performance.now() - s);
    } finally {
      await tx.query('ROLLBACK');
      tx.release();
    }
  }
  reconcileMs.sort((a, b) => a - b);
  out(
    `reconcile of the 3-route gateway after a one-route change (load + render + write, in-transaction): p50 ${percentile(reconcileMs, 50).toFixed(2)} ms`,
  );
  out(
    'targets: render of a 3-route gateway ≤ 1 ms, of a 1,000-route gateway ≤ 50 ms, a one-route change of it ≤ 5 ms',
  );
}

try {
  out(`node ${process.version}, ${os.cpus().length} cores, load average ${load()}`);
  const fleet = await account('fleet', '10.0.0.0/14');
  const obs = await account('obs', '10.8.0.0/28');
  const gw = (await rest('POST', '/gateways', obs.headers, {
    name: 'observed',
    template: 'gw',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
  })) as { id: string };
  let canary = 0;
  const route = (await rest('POST', '/routes', obs.headers, {
    kind: 'GRPCRoute',
    name: 'echo',
    spec: grpcRoute('observed', HOST, `v${canary}`),
  })) as { id: string };
  await reconciler.drain();
  await reconciler.start();
  const node = `obs.${gw.id}.grpc`;

  const acks: { min: number; resolve: (e: AckEvent) => void }[] = [];
  plane.server.on('ack', (e) => {
    if (e.nodeId !== node || e.typeUrl !== ROUTE) return;
    for (const w of acks.splice(0))
      if (Number(e.snapshotVersion) >= w.min) w.resolve(e);
      else acks.push(w);
  });
  const nextAck = (min: number) => new Promise<AckEvent>((resolve) => acks.push({ min, resolve }));

  const supportDir = createRequire(import.meta.url)
    .resolve('@epic/xds-server/test-support')
    .replace(/index\.ts$/, '');
  const firstAck = nextAck(1);
  const client = spawn(
    process.execPath,
    ['--import', 'tsx', `${supportDir}xds-client-process.ts`, String(plane.port), node, HOST],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  children.push(client);
  await firstAck;
  out('grpc-js-xds client connected and ACKed');

  const newest = async () =>
    (
      await db.db.$pool.query<{ version: number; status: string }>(
        'SELECT version, status FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1',
        [gw.id],
      )
    ).rows[0]!;
  // Between samples: the previous revision's ACK bookkeeping has committed (one change in flight at a time).
  async function settle() {
    for (;;) {
      const r = await newest();
      if (r.status === 'acked') return r.version;
      await new Promise((res) => setTimeout(res, 2));
    }
  }

  // The floor's second half: setSnapshot of a revision's proxyless snapshot straight into the cache (versions far
  // above any revision's, so the plane's ACK bookkeeping matches no row), then the client's ACK of it.
  const FLOOR_BASE = 1_000_000_000;
  const floorAcks = new Map<string, (e: AckEvent) => void>();
  plane.server.on('ack', (e) => {
    if (e.nodeId === node && e.typeUrl === ROUTE) floorAcks.get(e.snapshotVersion)?.(e);
  });
  const revisionSnapshot = async (version: number) => {
    const row = (
      await db.db.$pool.query<Parameters<typeof snapshotOf>[0]>(
        `SELECT r."gatewayId", a.name AS "accountName", r.version, r.resources, r."typeVersions"
         FROM "ConfigRevision" r JOIN "Gateway" g ON g.id = r."gatewayId" JOIN "Account" a ON a.id = g."accountId"
         WHERE r."gatewayId" = $1::uuid AND r.version = $2`,
        [gw.id, version],
      )
    ).rows[0]!;
    return proxylessSnapshot(snapshotOf(row, secretKey));
  };
  let floorSeq = 0;
  /** One floor sample: the committed write of the same row, then setSnapshot → ACK of the previous revision. */
  async function floorSample(version: number, spec: unknown) {
    const previous = await revisionSnapshot(version - 1);
    floorSeq += 1;
    const v = String(FLOOR_BASE + floorSeq);
    const acked = new Promise<AckEvent>((resolve) => floorAcks.set(v, resolve));
    const t0 = performance.now();
    await db.db.$pool.query('UPDATE "Route" SET spec = $2::jsonb WHERE id = $1::uuid', [
      route.id,
      JSON.stringify(spec),
    ]);
    const t1 = performance.now();
    plane.cache.setSnapshot(node, { ...previous, version: v, typeVersions: {} });
    await acked;
    const t2 = performance.now();
    floorAcks.delete(v);
    return { write: t1 - t0, push: t2 - t1, total: t2 - t0 };
  }

  const rows: Record<string, number | string>[] = [];
  let loaded = 0;
  for (const gateways of PHASES) {
    out(
      `loading gateways ${loaded}..${gateways - 1} with ${ROUTES_PER_GATEWAY} routes each (load average ${load()})`,
    );
    await preload(fleet, loaded, gateways);
    loaded = gateways;
    const latencies: number[] = [];
    const restMs: number[] = [];
    const afterRestMs: number[] = [];
    const floorMs: number[] = [];
    const floorWriteMs: number[] = [];
    const floorPushMs: number[] = [];
    let cpuUs = 0;
    let tripsToAck = 0;
    const profiler = PROFILE_DIR ? new Session() : undefined;
    for (let i = 0; i < SAMPLES + 10; i++) {
      if (i === 10 && profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const version = await settle();
      const cpu = process.cpuUsage();
      const trips = roundTrips;
      tracing = i === 9 && args.includes('--trace-queries');
      canary += 1;
      const acked = nextAck(version + 1);
      const spec = grpcRoute('observed', HOST, `v${canary}`);
      const t0 = performance.now();
      await rest('PUT', `/routes/${route.id}`, obs.headers, { spec });
      const t1 = performance.now();
      await acked;
      const t2 = performance.now();
      const used = process.cpuUsage(cpu);
      const changeTrips = roundTrips - trips;
      if (tracing) {
        // the ACK-triggered reconcile runs after the ACK: wait for it before printing the change's queries
        await settle();
        await new Promise((res) => setTimeout(res, 200));
        tracing = false;
        out(
          `  queries of one change (to its ACK: ${changeTrips}; with what follows the ACK: ${traced.length}):`,
        );
        for (const q of traced.splice(0)) out(`    ${q}`);
      }
      // Interleaved, so the floor sees the same load as the sample it is compared with.
      const floor = await floorSample(await settle(), spec);
      if (i >= 10) {
        latencies.push(t2 - t0);
        restMs.push(t1 - t0);
        afterRestMs.push(t2 - t1);
        cpuUs += used.user + used.system;
        tripsToAck += changeTrips;
        floorMs.push(floor.total);
        floorWriteMs.push(floor.write);
        floorPushMs.push(floor.push);
      }
      if ((i + 1) % 50 === 0) out(`  ${i + 1}/${SAMPLES + 10} changes`);
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      const file = `${PROFILE_DIR}/xds-api-${gateways}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      profiler.disconnect();
      out(`  CPU profile of the samples: ${file}`);
    }
    for (const l of [latencies, restMs, afterRestMs, floorMs, floorWriteMs, floorPushMs])
      l.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const floor50 = percentile(floorMs, 50);
    const floor99 = percentile(floorMs, 99);
    (globalThis as { gc?: () => void }).gc?.();
    const row = {
      gateways: gateways + 1,
      routes: gateways * ROUTES_PER_GATEWAY + 1,
      samples: latencies.length,
      p50_ms: +p50.toFixed(2),
      p99_ms: +p99.toFixed(2),
      max_ms: +latencies.at(-1)!.toFixed(2),
      // The floor: one committed write of the same row + standalone setSnapshot → ACK, and its two halves.
      floor_p50_ms: +floor50.toFixed(2),
      floor_p99_ms: +floor99.toFixed(2),
      floor_write_p50_ms: +percentile(floorWriteMs, 50).toFixed(2),
      floor_push_p50_ms: +percentile(floorPushMs, 50).toFixed(2),
      // Targets: p50 ≤ 1.5× and p99 ≤ 2× the floor.
      p50_ratio: +(p50 / floor50).toFixed(2),
      p99_ratio: +(p99 / floor99).toFixed(2),
      // The REST call's own response time, and from its response to the ACK (render, NOTIFY, push, client).
      rest_p50_ms: +percentile(restMs, 50).toFixed(2),
      after_rest_p50_ms: +percentile(afterRestMs, 50).toFixed(2),
      // Control-plane CPU (API + reconciler + xDS plane, this process) from the REST call to the ACK.
      cpu_per_change_ms: +(cpuUs / 1000 / latencies.length).toFixed(2),
      // PostgreSQL queries sent between the REST call and the ACK (all replicas' components, this process).
      queries_to_ack: +(tripsToAck / latencies.length).toFixed(1),
      rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20),
      load_avg: load(),
    };
    out(JSON.stringify(row));
    rows.push(row);
    if (gateways === PHASES[0] && SUSTAINED_SECONDS > 0)
      await sustained(fleet, plane.port, backend.port, 100);
  }
  console.table(rows);
  const [small, big] = [rows[0]!, rows.at(-1)!];
  const ratio = (k: string) => ((big[k] as number) / (small[k] as number)).toFixed(2);
  out(
    `${big.gateways} vs ${small.gateways} gateways: p50 ratio ${ratio('p50_ms')}, CPU per change ratio ${ratio('cpu_per_change_ms')} (target ≤ 1.2)`,
  );
  for (const r of rows)
    out(
      `${r.gateways} gateways: route change → ACK p50 ${r.p50_ms} ms = ${r.p50_ratio}× the floor ${r.floor_p50_ms} ms (target ≤ 1.5×); ` +
        `p99 ${r.p99_ms} ms = ${r.p99_ratio}× the floor ${r.floor_p99_ms} ms (target ≤ 2×); CPU per change ${r.cpu_per_change_ms} ms (target ≤ 2 ms)`,
    );
  const fleetGateway = (
    await db.db.$pool.query<{ id: string }>(
      `SELECT id FROM "Gateway" WHERE "accountId" = $1::uuid AND name = 'g0'`,
      [fleet.id],
    )
  ).rows[0]!.id;
  await renderBench(fleetGateway);
  out(`load average at the end ${load()}`);
  client.stdin?.end();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await reconciler.stop();
  await plane.close();
  await app.close();
  stopBackends([backend]);
  await db.stop();
}
process.exit(0);
