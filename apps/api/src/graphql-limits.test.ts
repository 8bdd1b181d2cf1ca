import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EpicApp } from './app.js';
import { ConfigError, graphqlLimitsOf, loadConfig } from './config.js';
import { defaultGraphqlLimits, type GraphqlLimits } from './http/graphql-limits.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

// GraphQL limits: every bomb is refused with a 400 whose extensions.code names the limit, before anything runs.

let env: TestEnv;
let acct: { id: string; key: string };
const extraApps: EpicApp[] = [];

interface GqlError {
  message: string;
  extensions: { code: string; status: number; requestId?: string };
}

async function post(app: EpicApp, payload: unknown, key = acct.key) {
  const r = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: auth(key),
    payload: payload as object,
  });
  const body = r.json() as { data: Record<string, unknown> | null; errors?: GqlError[] };
  return { status: r.statusCode, data: body.data, errors: body.errors ?? [], size: r.body.length };
}
const gql = (query: string, variables: Record<string, unknown> = {}, app = env.app) =>
  post(app, { query, variables });

async function appWith(limits: Partial<GraphqlLimits>): Promise<EpicApp> {
  const app = await buildApp({
    db: env.db,
    logger: false,
    secretKey: randomBytes(32),
    graphqlLimits: limits,
  });
  await app.ready();
  extraApps.push(app);
  return app;
}

function expectRefused(r: Awaited<ReturnType<typeof gql>>, code: string, message?: RegExp) {
  expect(r.status, JSON.stringify(r.errors)).toBe(400);
  expect(r.data).toBeNull();
  expect(r.errors[0]?.extensions.code, JSON.stringify(r.errors)).toBe(code);
  if (message) expect(r.errors[0]!.message).toMatch(message);
}

const keyCount = async () => (await env.db.apiKey.count({ where: { accountId: acct.id } })) as number;

const GATEWAY_FIELDS =
  'id name namespace address dnsName generation observedGeneration listeners { name port protocol } template { id name } conditions { type status reason message } clients { namespace name clientUid }';

beforeAll(async () => {
  env = await testEnv();
  acct = await createAccount(env, 'limits');
  const pool = await env.app.inject({
    method: 'POST',
    url: '/api/v1/address-pools',
    headers: auth(acct.key),
    payload: { name: 'pub', spec: '10.70.0.0/24' },
  });
  expect(pool.statusCode).toBe(201);
  const tpl = await env.app.inject({
    method: 'POST',
    url: '/api/v1/templates',
    headers: auth(acct.key),
    payload: { name: 'gw', poolName: 'pub', dnsNameTemplate: '{gateway}.example.com' },
  });
  expect(tpl.statusCode).toBe(201);
  for (let i = 0; i < 30; i++) {
    const g = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(acct.key),
      payload: { name: `g${i}`, template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    expect(g.statusCode).toBe(201);
  }
});
afterAll(async () => {
  for (const a of extraApps) await a.close();
  await env?.close();
});

const aliasBomb = (n: number, tag = '') =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}${tag}: whoami { accountId }`).join(' ')} }`;
const costBomb = (tag = '') =>
  `{ ${Array.from({ length: 20 }, (_, i) => `p${i}${tag}: gateways(first: 500) { edges { node { ${GATEWAY_FIELDS} } } }`).join(' ')} }`;
const deepSelection = (n: number) => `{ ${'gateways { '.repeat(n)}${'} '.repeat(n)}}`;
const batchBomb = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    query: `{ q${i}: gateways(first: 500) { edges { node { ${GATEWAY_FIELDS} } } } }`,
  }));
const mutationBomb = (n: number, tag = 'bomb') =>
  `mutation { ${Array.from({ length: n }, (_, i) => `${tag.replace(/\W/g, '')}${i}: createApiKey(input: { name: "${tag}-${i}", role: viewer }) { id }`).join(' ')} }`;

describe('GraphQL limits', () => {
  it('are configured from GRAPHQL_* variables, validated, with the defaults of the GraphQL face', () => {
    expect(graphqlLimitsOf(loadConfig({}))).toEqual(defaultGraphqlLimits);
    expect(graphqlLimitsOf(loadConfig({ GRAPHQL_MAX_COST: '1000', GRAPHQL_MAX_BATCH: '5' }))).toMatchObject({
      maxCost: 1000,
      maxBatch: 5,
    });
    expect(() => loadConfig({ GRAPHQL_MAX_COST: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: 'deep', GRAPHQL_MAX_BATCH: '-1' })).toThrow(
      /GRAPHQL_MAX_DEPTH: [\s\S]*GRAPHQL_MAX_BATCH: /,
    );
  });

  it('answers a large but allowed page (100 gateways with conditions)', async () => {
    const r = await gql(
      `{ gateways(first: 100) { edges { node { ${GATEWAY_FIELDS} } } pageInfo { endCursor } } }`,
    );
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(200);
    expect((r.data!.gateways as { edges: unknown[] }).edges).toHaveLength(30);
  });

  it('allows, by default, a full page of 100 gateways with every field REST answers', async () => {
    const every = `id accountId name namespace sharingKey address poolId dnsName generation observedGeneration
      createdAt updatedAt listeners { name hostname port protocol allowedRoutes { namespaces { from } } }
      conditions { type status reason message observedGeneration lastTransitionTime }
      status { listeners { name attachedRoutes conditions { type status reason } } }
      template { id name } clients { clusterId namespace name clientUid }`;
    const r = await gql(
      `{ gateways(first: 100) { edges { node { ${every} } cursor } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(200);
  });

  it('refuses too many aliases, naming the limit', async () => {
    expectRefused(await gql(aliasBomb(31)), 'TOO_MANY_ALIASES', /31 aliases.*limit of 30/);
    const allowed = await gql(aliasBomb(30));
    expect(allowed.status).toBe(200);
  });

  it('refuses a costly query with the limit and the computed cost', async () => {
    const r = await gql(costBomb());
    expectRefused(r, 'QUERY_TOO_COSTLY', /query cost \d+ exceeds the limit of 100000/);
    const cost = Number(/cost (\d+)/.exec(r.errors[0]!.message)![1]);
    expect(cost).toBeGreaterThan(100_000);
  });

  it('sizes a page from its variable on every request, also for a cached document', async () => {
    const q = `query ($n: Int) { a: gateways(first: $n) { edges { node { ${GATEWAY_FIELDS} } } } b: gateways(first: $n) { edges { node { ${GATEWAY_FIELDS} } } } }`;
    for (let i = 0; i < 3; i++) expect((await gql(q, { n: 5 })).status).toBe(200);
    expectRefused(await gql(q, { n: 500 }), 'QUERY_TOO_COSTLY', /exceeds the limit of 100000/);
    expect((await gql(q, { n: 5 })).status).toBe(200);
  });

  it('multiplies nested lists and connections (Relay-style first on a page type)', async () => {
    const app = await appWith({ maxCost: 1000, defaultListSize: 10 });
    // 1 (gateways) + 1 (edges) + 100 × (node + id + conditions) + 100 × 10 × (type + status) = 2302
    const r = await gql(
      '{ gateways(first: 100) { edges { node { id conditions { type status } } } } }',
      {},
      app,
    );
    expectRefused(r, 'QUERY_TOO_COSTLY', /query cost 2302 exceeds the limit of 1000/);
    const ok = await gql(
      '{ gateways(first: 10) { edges { node { id conditions { type status } } } } }',
      {},
      app,
    );
    expect(ok.status).toBe(200);
  });

  it('refuses 1,000 aliased mutations before any of them runs', async () => {
    const app = await appWith({ maxAliases: 5000, maxTokens: 50_000, maxQueryBytes: 256 * 1024 });
    const before = await keyCount();
    const r = await gql(mutationBomb(1000), {}, app);
    expectRefused(r, 'TOO_MANY_MUTATIONS', /1000 mutation fields, more than the limit of 10/);
    expect(await keyCount()).toBe(before);
    // Through fragments on the Mutation type too.
    const frag = `mutation { ...m ...m2 } fragment m on Mutation { ${mutationBomb(6, 'f1').slice(10, -2)} } fragment m2 on Mutation { ${mutationBomb(6, 'f2').slice(10, -2)} }`;
    expectRefused(await gql(frag, {}, app), 'TOO_MANY_MUTATIONS', /12 mutation fields/);
    expect(await keyCount()).toBe(before);
    const two = await gql(mutationBomb(2, 'ok'), {}, app);
    expect(two.status, JSON.stringify(two.errors)).toBe(200);
    expect(await keyCount()).toBe(before + 2);
  });

  it('refuses a deep query, fragments expanded', async () => {
    let q = '{ gateways { edges { node { ...f0 } } } }';
    for (let i = 0; i < 12; i++)
      q += ` fragment f${i} on Gateway { template { id } clients { name } ...f${i + 1} }`;
    q += ' fragment f12 on Gateway { template { id } }';
    // Fragments do not nest the selection: depth stays at 5 and the document is allowed.
    expect((await gql(q)).status).toBe(200);
    const app = await appWith({ maxDepth: 3 });
    expectRefused(
      await gql('{ gateways { edges { node { template { id } } } } }', {}, app),
      'QUERY_TOO_DEEP',
      /depth 5 exceeds the limit of 3/,
    );
    expectRefused(
      await gql(
        '{ gateways { ...a } } fragment a on GatewayConnection { edges { node { ...b } } } fragment b on Gateway { template { id } }',
        {},
        app,
      ),
      'QUERY_TOO_DEEP',
      /depth 5/,
    );
  });

  it('refuses fragment bombs (each fragment spreading the next twice) without expanding them', async () => {
    const levels = 40;
    const chain = (on: string, leaf: string) =>
      Array.from({ length: levels }, (_, i) =>
        i === levels - 1
          ? `fragment f${i} on ${on} { ${leaf} }`
          : `fragment f${i} on ${on} { ...f${i + 1} ...f${i + 1} }`,
      ).join(' ');
    const q = await gql(
      `{ gateways(first: 500) { edges { node { ...f0 } } } } ${chain('Gateway', 'id name')}`,
    );
    expectRefused(q, 'QUERY_TOO_COSTLY', /query cost at least \d+ exceeds the limit of 100000/);
    const before = await keyCount();
    const m = await gql(
      `mutation { ...f0 } ${chain('Mutation', 'createApiKey(input: { name: "frag", role: viewer }) { id }')}`,
    );
    expect(m.status).toBe(400);
    expect(m.errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COSTLY', 'TOO_MANY_MUTATIONS']);
    expect(m.errors[1]!.message).toMatch(/request has 549755813888 mutation fields/);
    expect(await keyCount()).toBe(before);
  });

  it('refuses a document nested far too deep without overflowing the stack', async () => {
    const app = await appWith({ maxQueryBytes: 1024 * 1024, maxTokens: 200_000 });
    const r = await gql(deepSelection(20_000), {}, app);
    expectRefused(r, 'QUERY_TOO_DEEP', /deeper than 12, the limit \(GRAPHQL_MAX_DEPTH\)/);
    // Brackets that are not selections are bounded too (the scan stays linear and the parser is never reached).
    for (const junk of ['['.repeat(30_000), '('.repeat(30_000), '{ a '.repeat(5) + '[('.repeat(15_000)]) {
      const bad = await gql(`{ ${junk} }`, {}, app);
      expect(bad.status).toBe(400);
      expect(['QUERY_TOO_DEEP', 'INPUT_TOO_DEEP']).toContain(bad.errors[0]?.extensions.code);
    }
  });

  it('refuses a very deep literal naming the argument', async () => {
    const literal = `${'{ a: '.repeat(20_000)}1${' }'.repeat(20_000)}`;
    const app = await appWith({ maxQueryBytes: 1024 * 1024, maxTokens: 200_000 });
    const r = await gql(`mutation { createGateway(input: ${literal}) { created } }`, {}, app);
    expectRefused(r, 'INPUT_TOO_DEEP', /argument "input" of "createGateway" nests deeper than 20/);
    expect(r.errors[0]!.message).not.toMatch(/call stack/);
    const list = `${'['.repeat(30)}1${']'.repeat(30)}`;
    expectRefused(
      await gql(`query ($x: JSON = ${list}) { traceRequest(gatewayId: "x", input: $x) { port } }`),
      'INPUT_TOO_DEEP',
      /variable "\$x"/,
    );
  });

  it('refuses a very deep variable value naming the variable', async () => {
    // Serialised by hand: JSON.stringify itself recurses.
    const depth = 50_000;
    const payload = `{"query":"mutation ($input: JSON!) { createGateway(input: $input) { created } }","variables":{"input":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const res = await env.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...auth(acct.key), 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
    const err = res.json().errors[0] as GqlError;
    expect(err.extensions.code).toBe('INPUT_TOO_DEEP');
    expect(err.message).toMatch(/variable "\$input" nests deeper than 20/);
  });

  it('does not count brackets inside strings, block strings and comments', async () => {
    const braces = '{['.repeat(60);
    const q = `# ${braces}
      query {
        gateways(first: 1, filter: { name: "${braces}" }) { edges { node { id } } }
        b: gateways(first: 1, filter: { name: """ ${braces} \\""" ${braces} """ }) { edges { node { id } } }
      }`;
    const r = await gql(q);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(200);
  });

  it('refuses an oversized document before parsing it', async () => {
    const big = `{ whoami { accountId } ${'# padding\n'.repeat(4000)} }`;
    expectRefused(await gql(big), 'QUERY_TOO_LARGE', /bytes, more than the limit of 32768/);
    const many = `{ whoami { ${'accountId '.repeat(1)}} ${'a '.repeat(6000)} }`;
    expectRefused(await gql(many), 'QUERY_TOO_LARGE', /more than 5000 tokens/);
    const r = await env.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent(deepSelection(30))}`,
      headers: auth(acct.key),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].extensions.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuses batches while batching is off, and large or mutation-heavy batches when it is on', async () => {
    expectRefused(await post(env.app, batchBomb(2)), 'BATCHING_DISABLED');
    const app = await appWith({ maxBatch: 3 });
    expectRefused(await post(app, batchBomb(4)), 'BATCH_TOO_LARGE', /4 operations, more than the limit of 3/);
    const before = await keyCount();
    const muts = [0, 1, 2].map((i) => ({ query: mutationBomb(4, `batch${i}`) }));
    expectRefused(await post(app, muts), 'TOO_MANY_MUTATIONS', /12 mutation fields/);
    expect(await keyCount()).toBe(before);
    const small = await post(app, [{ query: '{ whoami { accountId } }' }, { query: '{ whoami { role } }' }]);
    expect(small.status).toBe(200);
  });
});

/** RSS after a forced full collection (the flag is set at run time, so no special Vitest pool is needed). */
function settledRss(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().rss;
}

describe('GraphQL limits: memory', () => {
  it('keeps RSS within 20 % after bombs and many large allowed queries', async () => {
    const legit = `{ gateways(first: 100) { edges { node { ${GATEWAY_FIELDS} } } pageInfo { endCursor } } }`;
    const round = async (i: number) => {
      const tag = `_${i % 20}`;
      expectRefused(await gql(aliasBomb(200, tag)), 'TOO_MANY_ALIASES');
      expectRefused(await gql(costBomb(tag)), 'QUERY_TOO_COSTLY');
      expectRefused(await gql(deepSelection(1000)), 'QUERY_TOO_DEEP');
      expect((await post(env.app, batchBomb(50))).status).toBe(400);
      for (let j = 0; j < 3; j++) expect((await gql(legit)).status).toBe(200);
    };
    // Warm up over every variant (tags cycle through 20): JIT, the document caches and the pools reach their
    // working size.
    for (let i = 0; i < 20; i++) await round(i);
    const before = settledRss();
    for (let i = 0; i < 60; i++) await round(i);
    const after = settledRss();
    expect(after, `RSS before ${before}, after ${after}`).toBeLessThan(before * 1.2);
  });
});
