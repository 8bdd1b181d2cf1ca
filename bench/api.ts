// npm run bench -- api
// Gateway-create latency with 10,000 existing gateways, GraphQL gateway-list throughput at 1,000 gateways
// against a bare Fastify route in the same run, and the API's RSS at 10,000 gateways. The API runs as its
// own process (apps/api/src/main.ts) on an embedded PostgreSQL; load comes from this process on loopback.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { benchDatabase, percentile, rssOf } from './support/embedded-db.js';

const EXISTING = Number(process.env.BENCH_EXISTING ?? 10_000);
const CREATES = Number(process.env.BENCH_CREATES ?? 500);
const LIST_GATEWAYS = 1_000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
// BENCH_RECONCILER=false measures the API process alone (the reconciler then runs in no process).
const RECONCILER = process.env.BENCH_RECONCILER ?? 'true';

const log = (s: string) => process.stdout.write(`[bench api] ${s}\n`);
const children: ChildProcess[] = [];

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never came up`);
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  const c = spawn('node', ['--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(c);
  return c;
}

const db = await benchDatabase();
try {
  const headers = { authorization: `Bearer ${db.adminKey}`, 'content-type': 'application/json' };
  const port = 41000 + Math.floor(Math.random() * 10000);
  const api = start(['apps/api/src/main.ts'], {
    DATABASE_URL: db.url,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    // the fleet's pools are larger than an account's pool may be by default
    TENANT_POOL_MAX_PREFIX_V4: '8',
    XDS_PORT: '0',
    RECONCILER,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`);

  async function account(name: string) {
    const r = await fetch(`${base}/api/v1/accounts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name, gatewayQuota: 100_000 }),
    });
    const body = (await r.json()) as { account: { id: string }; apiKey: { secret: string } };
    const h = { authorization: `Bearer ${body.apiKey.secret}`, 'content-type': 'application/json' };
    return { id: body.account.id, headers: h };
  }
  async function poolAndTemplate(h: Record<string, string>, spec: string) {
    await fetch(`${base}/api/v1/address-pools`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ name: 'pub', spec }),
    });
    const t = await fetch(`${base}/api/v1/templates`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({
        name: 'gw',
        poolName: 'pub',
        dnsNameTemplate: '{gateway}.{account}.example.com',
      }),
    });
    return ((await t.json()) as { id: string }).id;
  }
  /** Bulk-loads gateways (already reconciled) straight into the database: the fleet the measurements run against. */
  async function preload(accountId: string, templateId: string, n: number, prefix: string) {
    const pool = await db.db.addressPool.findFirstOrThrow({ where: { accountId, name: 'pub' } });
    const conditions = JSON.stringify([
      {
        type: 'Accepted',
        status: 'True',
        reason: 'Accepted',
        message: '',
        observedGeneration: 1,
        lastTransitionTime: new Date().toISOString(),
      },
    ]);
    await db.db.$executeRawUnsafe(
      `WITH g AS (
         INSERT INTO "Gateway" (id, "accountId", "templateId", name, namespace, listeners, address, "dnsName", conditions, generation, "observedGeneration", "createdAt", "updatedAt")
         SELECT gen_random_uuid(), $1::uuid, $2::uuid, $4 || i, 'default', '[{"name":"http","port":80,"protocol":"HTTP"}]'::jsonb,
                host($5::inet + i), $4 || i || '.example.com', $6::jsonb, 1, 1, now(), now()
         FROM generate_series(0, $3::int - 1) i RETURNING id, address, name),
       c AS (INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", namespace, name, "clientUid") SELECT gen_random_uuid(), $1::uuid, id, 'default', name, 'bulk:' || id FROM g)
       INSERT INTO "AddressAllocation" (id, "poolId", "accountId", ordinal, address, "gatewayId")
       SELECT gen_random_uuid(), $7::uuid, $1::uuid, (address::inet - $5::inet), address, id FROM g`,
      accountId,
      templateId,
      n,
      prefix,
      pool.firstAddress,
      conditions,
      pool.id,
    );
  }

  log(`loading ${EXISTING} gateways into one account and ${LIST_GATEWAYS} into another`);
  const big = await account('big');
  const bigTpl = await poolAndTemplate(big.headers, '10.0.0.0/15');
  await preload(big.id, bigTpl, EXISTING, 'pre-');
  const lister = await account('lister');
  const listTpl = await poolAndTemplate(lister.headers, '10.8.0.0/20');
  await preload(lister.id, listTpl, LIST_GATEWAYS, 'l-');
  await db.db.$executeRawUnsafe('ANALYZE');

  log(`creating ${CREATES} gateways one after another (${EXISTING} exist)`);
  const latencies: number[] = [];
  for (let i = 0; i < CREATES; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/gateways`, {
      method: 'POST',
      headers: big.headers,
      body: JSON.stringify({
        name: `new-${i}`,
        template: 'gw',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      }),
    });
    await r.arrayBuffer();
    if (r.status !== 201) throw new Error(`create ${i} answered ${r.status}`);
    latencies.push(performance.now() - t0);
    if ((i + 1) % 100 === 0) log(`  ${i + 1}/${CREATES} created`);
  }
  latencies.sort((a, b) => a - b);

  const barePort = 51000 + Math.floor(Math.random() * 10000);
  start(['bench/support/bare-fastify.ts'], { PORT: String(barePort) });
  await waitFor(`http://127.0.0.1:${barePort}/bare`);
  const query = JSON.stringify({
    query:
      '{ gateways(first: 100) { items { id name address dnsName conditions { type status } } nextCursor } }',
  });
  const run = (opts: autocannon.Options) =>
    new Promise<autocannon.Result>((resolve, reject) =>
      autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))),
    );
  log(`GraphQL gateways(first: 100) over ${LIST_GATEWAYS} gateways, ${DURATION}s, 10 connections`);
  const gql = await run({
    url: `${base}/graphql`,
    method: 'POST',
    headers: lister.headers,
    body: query,
    connections: 10,
    duration: DURATION,
  });
  log(`bare Fastify route, ${DURATION}s, 10 connections`);
  const bare = await run({ url: `http://127.0.0.1:${barePort}/bare`, connections: 10, duration: DURATION });
  const rss = rssOf(api.pid!);

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  const results = {
    reconcilerInApiProcess: RECONCILER,
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
    machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`,
    createLatencyMs: {
      existing: EXISTING,
      n: CREATES,
      p50: +percentile(latencies, 50).toFixed(2),
      p99: +percentile(latencies, 99).toFixed(2),
      max: +latencies.at(-1)!.toFixed(2),
    },
    graphqlList: {
      reqPerSec: gql.requests.average,
      p99Ms: gql.latency.p99,
      errors: gql.errors,
      non2xx: gql.non2xx,
    },
    bareFastify: { reqPerSec: bare.requests.average, p99Ms: bare.latency.p99 },
    graphqlToBareRatio: +(gql.requests.average / bare.requests.average).toFixed(3),
    apiRss: mb(rss),
  };
  log(JSON.stringify(results, null, 2));
  log(
    `create p99 ${results.createLatencyMs.p99} ms (target < 50 ms): ${results.createLatencyMs.p99 < 50 ? 'MET' : 'NOT MET'}`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await db.stop();
}
