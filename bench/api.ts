// npm run bench -- api
// Gateway-create latency with 10,000 existing gateways; the same list page (100 gateways with conditions)
// through REST and through GraphQL at 1,000 gateways, against a bare Fastify route in the same run; and the API's RSS at 10,000 gateways. The API runs as its
// own process (apps/api/src/main.ts) on an embedded PostgreSQL; load comes from this process on loopback.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { benchDatabase, percentile, rssOf } from './support/embedded-db.js';

const EXISTING = Number(process.env.BENCH_EXISTING ?? 10_000);
const CREATES = Number(process.env.BENCH_CREATES ?? 500);
const LIST_GATEWAYS = 1_000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 12);
// The list faces alternate in this many rounds of DURATION / ROUNDS seconds each.
const ROUNDS = 3;
// BENCH_RECONCILER=false measures the API process alone (the reconciler then runs in no process).
const RECONCILER = process.env.BENCH_RECONCILER ?? 'true';
// BENCH_FACES=graphql (or rest, …) runs the list rounds of those faces only, e.g. to profile one alone.
// `graphqlUncached` and `restUncached` ask a second API process that keeps no gateway pages
// (GATEWAY_PAGE_CACHE_ENTRIES=0): every request runs the page query, as after every change to the page.
type Face = 'graphql' | 'rest' | 'graphqlUncached' | 'restUncached';
const FACES = (process.env.BENCH_FACES ?? 'graphql,rest,graphqlUncached,restUncached').split(',') as Face[];

/** CPU seconds (user + system) a process has used so far, from /proc: the load-independent cost. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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

// BENCH_API_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the API process.
function start(args: string[], env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const c = spawn('node', [...nodeArgs, '--import', 'tsx', ...args], {
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
  const api = start(
    ['apps/api/src/main.ts'],
    {
      DATABASE_URL: db.url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      // the fleet's pools are larger than an account's pool may be by default
      TENANT_POOL_MAX_PREFIX_V4: '8',
      XDS_PORT: '0',
      RECONCILER,
      // the full page (100 gateways, every field) costs ~52,000 by the GraphQL cost rule, over its default
    },
    (process.env.BENCH_API_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/readyz`);
  const uncachedPort = port + 1;
  const uncached = start(
    ['apps/api/src/main.ts'],
    {
      DATABASE_URL: db.url,
      PORT: String(uncachedPort),
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      TENANT_POOL_MAX_PREFIX_V4: '8',
      XDS_PORT: '0',
      XDS: 'false',
      RECONCILER: 'false',
      GATEWAY_PAGE_CACHE_ENTRIES: '0',
    },
    (process.env.BENCH_API_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
  );
  const uncachedBase = `http://127.0.0.1:${uncachedPort}`;
  await waitFor(`${uncachedBase}/readyz`);

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
    // In batches of 1,000: the counter triggers update one row per inserted row, which grows quadratically
    // within one statement (10,000 at once passed the 15 s statement timeout on the loaded machine).
    for (let from = 0; from < n; from += 1000)
      await db.db.$executeRawUnsafe(
        `WITH g AS (
         INSERT INTO "Gateway" (id, "accountId", "templateId", name, namespace, listeners, address, "dnsName", conditions, generation, "observedGeneration", "createdAt", "updatedAt")
         SELECT gen_random_uuid(), $1::uuid, $2::uuid, $4 || i, 'default', '[{"name":"http","port":80,"protocol":"HTTP","allowedRoutes":{"namespaces":{"from":"Same"}}}]'::jsonb,
                host($5::inet + i), $4 || i || '.example.com', $6::jsonb, 1, 1, now(), now()
         FROM generate_series($8::int, $8::int + $3::int - 1) i RETURNING id, address, name),
       c AS (INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", namespace, name, "clientUid") SELECT gen_random_uuid(), $1::uuid, id, 'default', name, 'bulk:' || id FROM g)
       INSERT INTO "AddressAllocation" (id, "poolId", "accountId", ordinal, address, "gatewayId")
       SELECT gen_random_uuid(), $7::uuid, $1::uuid, (address::inet - $5::inet), address, id FROM g`,
        accountId,
        templateId,
        Math.min(1000, n - from),
        prefix,
        pool.firstAddress,
        conditions,
        pool.id,
        from,
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
  // The same page on both faces: 100 gateways with their conditions, every field REST answers.
  const fields = `id accountId name namespace sharingKey address poolId dnsName generation observedGeneration
    createdAt updatedAt listeners { name hostname port protocol allowedRoutes { namespaces { from } } }
    conditions { type status reason message observedGeneration lastTransitionTime }
    status { listeners { name attachedRoutes conditions { type status reason } } }
    template { id name } clients { clusterId namespace name clientUid }`;
  const query = JSON.stringify({
    query: `{ gateways(first: 100) { edges { node { ${fields} } cursor } pageInfo { hasNextPage endCursor } } }`,
  });
  const probe = await fetch(`${base}/graphql`, { method: 'POST', headers: lister.headers, body: query });
  const probed = (await probe.json()) as { data?: { gateways: { edges: unknown[] } }; errors?: unknown };
  if (probed.data?.gateways.edges.length !== 100)
    throw new Error(`GraphQL list: ${JSON.stringify(probed).slice(0, 300)}`);
  const run = (opts: autocannon.Options) =>
    new Promise<autocannon.Result>((resolve, reject) =>
      autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))),
    );
  // The faces alternate in rounds (the machine is shared: its load drifts within a run), and the API's own
  // CPU time per request is measured besides the throughput, which the load on the machine inflates.
  const gqlFace = (b: string) => ({
    url: `${b}/graphql`,
    method: 'POST' as const,
    headers: lister.headers,
    body: query,
  });
  const restFace = (b: string) => ({
    url: `${b}/api/v1/gateways?limit=100`,
    method: 'GET' as const,
    headers: { authorization: lister.headers.authorization! },
  });
  const faces = {
    graphql: { ...gqlFace(base), pid: api.pid! },
    rest: { ...restFace(base), pid: api.pid! },
    graphqlUncached: { ...gqlFace(uncachedBase), pid: uncached.pid! },
    restUncached: { ...restFace(uncachedBase), pid: uncached.pid! },
  };
  const zero = () => ({ requests: 0, seconds: 0, cpu: 0, p99: 0, errors: 0, non2xx: 0 });
  const rounds = { graphql: zero(), rest: zero(), graphqlUncached: zero(), restUncached: zero() };
  const loadAtListStart = os.loadavg().map((l) => +l.toFixed(2));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const face of FACES) {
      log(
        `round ${round}/${ROUNDS}: ${face} list of 100 over ${LIST_GATEWAYS} gateways, ${DURATION / ROUNDS}s, 10 connections`,
      );
      const { pid, ...opts } = faces[face];
      const cpu0 = cpuSecondsOf(pid);
      const r = await run({ ...opts, connections: 10, duration: DURATION / ROUNDS });
      const t = rounds[face];
      t.cpu += cpuSecondsOf(pid) - cpu0;
      t.requests += r.requests.total;
      t.seconds += r.duration;
      t.p99 = Math.max(t.p99, r.latency.p99);
      t.errors += r.errors;
      t.non2xx += r.non2xx;
    }
  }
  const summary = (t: (typeof rounds)['rest']) => ({
    reqPerSec: +(t.requests / t.seconds).toFixed(1),
    apiCpuMsPerRequest: +((t.cpu * 1000) / t.requests).toFixed(2),
    p99Ms: t.p99,
    errors: t.errors,
    non2xx: t.non2xx,
  });
  const gql = summary(rounds.graphql);
  const rest = summary(rounds.rest);
  const gqlUncached = summary(rounds.graphqlUncached);
  const restUncached = summary(rounds.restUncached);
  log(`bare Fastify route, ${DURATION}s, 10 connections`);
  const bare = await run({ url: `http://127.0.0.1:${barePort}/bare`, connections: 10, duration: DURATION });
  const rss = rssOf(api.pid!);

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  const results = {
    reconcilerInApiProcess: RECONCILER,
    loadAverageAtListStart: loadAtListStart,
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
    machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`,
    createLatencyMs: {
      existing: EXISTING,
      n: CREATES,
      p50: +percentile(latencies, 50).toFixed(2),
      p99: +percentile(latencies, 99).toFixed(2),
      max: +latencies.at(-1)!.toFixed(2),
    },
    graphqlList: gql,
    restList: rest,
    graphqlListUncached: gqlUncached,
    restListUncached: restUncached,
    bareFastify: { reqPerSec: bare.requests.average, p99Ms: bare.latency.p99 },
    graphqlToRestRatio: +(gql.reqPerSec / rest.reqPerSec).toFixed(3),
    graphqlToRestByApiCpu: +(rest.apiCpuMsPerRequest / gql.apiCpuMsPerRequest).toFixed(3),
    uncachedGraphqlToRestRatio: +(gqlUncached.reqPerSec / restUncached.reqPerSec).toFixed(3),
    restToBareRatio: +(rest.reqPerSec / bare.requests.average).toFixed(3),
    graphqlToBareRatio: +(gql.reqPerSec / bare.requests.average).toFixed(3),
    apiRss: mb(rss),
  };
  log(JSON.stringify(results, null, 2));
  log(
    `create p99 ${results.createLatencyMs.p99} ms (target < 50 ms): ${results.createLatencyMs.p99 < 50 ? 'MET' : 'NOT MET'}`,
  );
  log(
    `REST list ${rest.reqPerSec} req/s (target ≥ 1,000): ${rest.reqPerSec >= 1000 ? 'MET' : 'NOT MET'}; ` +
      `GraphQL/REST ${results.graphqlToRestRatio} (target ≥ 0.7): ${results.graphqlToRestRatio >= 0.7 ? 'MET' : 'NOT MET'}`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await db.stop();
}
