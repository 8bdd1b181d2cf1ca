import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyAuthenticator } from '../auth/authenticate.js';
import { serializerSchema } from '../http/rest.js';
import type { Principal } from '../auth/principal.js';
import { auth, createAccount, testEnv, type TestEnv } from '../test-support/harness.js';

// REST sends the gateway list as JSON text that PostgreSQL builds (selectGatewayPageJson); it must be the
// same JSON as the page the service returns (what the response schema serialised before), page after page.
let env: TestEnv;
let key: string;
let principal: Principal;

async function rest(query: string) {
  const r = await env.app.inject({ method: 'GET', url: `/api/v1/gateways${query}`, headers: auth(key) });
  expect(r.statusCode, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  return r.json() as { items: Array<Record<string, unknown>>; nextCursor: string | null };
}

/**
 * The old path, byte for byte: the service's page serialised by Fastify from the route's response schema
 * (fast-json-stringify), as REST answered before the page was built in PostgreSQL.
 */
async function serialisedPage(url: string) {
  const old = Fastify();
  old.get('/old', { schema: { response: { 200: serializerSchema('GatewayPage') } } }, (req) =>
    env.app.services.gateways.list({ principal, requestId: 't' }, req.query),
  );
  try {
    const r = await old.inject({ method: 'GET', url: `/old${url}` });
    expect(r.statusCode, r.body).toBe(200);
    return r.body;
  } finally {
    await old.close();
  }
}

async function restBody(query: string) {
  const r = await env.app.inject({ method: 'GET', url: `/api/v1/gateways${query}`, headers: auth(key) });
  expect(r.statusCode, r.body).toBe(200);
  return r.body;
}

/** The service's page as REST answered it before (serialised from the response schema), parsed. */
async function servicePage(query: Record<string, unknown>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string]));
  return JSON.parse(await serialisedPage(`?${qs}`)) as unknown;
}

beforeAll(async () => {
  env = await testEnv();
  ({ key } = await createAccount(env, 'pages'));
  const other = await createAccount(env, 'neighbour');
  principal = (await apiKeyAuthenticator(env.db)(`Bearer ${key}`))!;
  for (const [k, spec] of [
    [key, '10.20.0.0/24'],
    [other.key, '10.21.0.0/24'],
  ] as const) {
    const post = (url: string, payload: Record<string, unknown>) =>
      env.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: auth(k), payload });
    await post('/address-pools', { name: 'pub', spec });
    await post('/templates', {
      name: 'gw',
      poolName: 'pub',
      dnsNameTemplate: '{gateway}.{account}.example.com',
    });
  }
  const cluster = await env.app.inject({
    method: 'POST',
    url: '/api/v1/clusters',
    headers: auth(key),
    payload: { name: 'eu' },
  });
  const gateways: Array<Record<string, unknown>> = [
    { name: 'plain', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    {
      name: 'shared',
      namespace: 'edge',
      template: 'gw',
      sharingKey: 'team-a',
      clusterId: cluster.json().id,
      listeners: [
        { name: 'web', hostname: '*.example.com', port: 8080, protocol: 'HTTP' },
        { name: 'api', port: 8081, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    },
    { name: 'third', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    { name: 'fourth', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  ];
  for (const g of gateways) {
    const r = await env.app.inject({
      method: 'POST',
      url: '/api/v1/gateways',
      headers: auth(key),
      payload: g,
    });
    expect(r.statusCode, r.body).toBe(201);
  }
  await env.app.inject({
    method: 'POST',
    url: '/api/v1/gateways',
    headers: auth(other.key),
    payload: { name: 'theirs', template: 'gw', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  // Status as the reconciler writes it, with text that needs escaping, and timestamps with milliseconds.
  await env.db.$pool.query(
    `UPDATE "Gateway" SET conditions = $1::jsonb, "listenerStatus" = $2::jsonb,
            "createdAt" = '2026-01-02 03:04:05.007', "updatedAt" = '2026-01-02 03:04:05.090'
     WHERE name = 'shared'`,
    [
      JSON.stringify([
        {
          type: 'Accepted',
          status: 'False',
          reason: 'Invalid',
          message: 'a "quoted"\nline, a tab\t, a back\\slash, é and 😀',
          observedGeneration: 1,
          lastTransitionTime: '2026-01-02T03:04:05Z',
        },
      ]),
      JSON.stringify([
        {
          name: 'web',
          supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
          attachedRoutes: 2,
          conditions: [],
        },
      ]),
    ],
  );
  // Stored JSON the serialiser reorders, completes and trims: keys out of schema order, an undeclared key,
  // a listener without allowedRoutes (its default is written), maps with integer-like keys (JavaScript
  // puts them first), optional fields absent, nested selectors and TLS.
  await env.db.$pool.query(
    `UPDATE "Gateway" SET listeners = $1::jsonb, conditions = $2::jsonb, "listenerStatus" = $3::jsonb WHERE name = 'third'`,
    [
      JSON.stringify([
        { protocol: 'HTTP', port: 80, name: 'bare', undeclared: { x: 1 } },
        {
          tls: {
            options: { zeta: 'z', '10': 'ten', '2': 'two', alpha: 'a', '01': 'zero-one', 'k"q': 'v\u0001' },
            certificateRefs: [{ name: 'cert', kind: 'Secret', group: '', namespace: 'certs' }],
            mode: 'Terminate',
          },
          hostname: 'secure.example.com',
          allowedRoutes: {
            kinds: [{ kind: 'HTTPRoute', group: 'gateway.networking.k8s.io' }, { kind: 'GRPCRoute' }],
            namespaces: {
              selector: {
                matchExpressions: [
                  { values: ['b', 'a'], operator: 'In', key: 'team' },
                  { operator: 'Exists', key: 'env' },
                ],
                matchLabels: { tier: 'edge', '7': 'seven', app: 'web' },
              },
              from: 'Selector',
            },
          },
          protocol: 'HTTPS',
          port: 443,
          name: 'tls',
        },
        { name: 'empty-ns', port: 81, protocol: 'TCP', allowedRoutes: { namespaces: {} } },
      ]),
      JSON.stringify([
        {
          message: 'no generation',
          reason: 'Pending',
          status: 'Unknown',
          type: 'Programmed',
          lastTransitionTime: '2026-01-02T03:04:05Z',
          extra: true,
        },
        {
          observedGeneration: 7,
          lastTransitionTime: '2026-01-02T03:04:05.123+02:00',
          type: 'Accepted',
          status: 'True',
          reason: 'Accepted',
          message: '',
        },
      ]),
      JSON.stringify([
        {
          conditions: [
            {
              type: 'ResolvedRefs',
              status: 'False',
              reason: 'InvalidCertificateRef',
              message: 'a unit separator \u001f, a line separator \u2028, a DEL \u007f',
              lastTransitionTime: '2026-01-02T03:04:05Z',
              observedGeneration: 3,
            },
          ],
          attachedRoutes: -1,
          supportedKinds: [{ kind: 'HTTPRoute', group: 'gateway.networking.k8s.io' }, { kind: 'TCPRoute' }],
          name: 'tls',
        },
        { name: 'bare', attachedRoutes: 0, conditions: [] },
      ]),
    ],
  );
});
afterAll(() => env?.close());

describe('the REST gateway list built in PostgreSQL', () => {
  it('is byte for byte what the response schema serialised from the service page', async () => {
    for (const q of [
      '?limit=100',
      '?limit=2',
      '?name=third',
      '?namespace=edge',
      '?limit=1&condition=Accepted=False',
    ]) {
      expect(await restBody(q), q).toBe(await serialisedPage(q));
    }
    // The stored JSON above really is out of the serialiser's order (the comparison is not vacuous).
    const third = await restBody('?name=third');
    expect(third).toContain(
      '"options":{"2":"two","10":"ten","01":"zero-one","k\\"q":"v\\u0001","zeta":"z","alpha":"a"}',
    );
    expect(third).toContain(
      '{"name":"bare","port":80,"protocol":"HTTP","allowedRoutes":{"namespaces":{"from":"Same"}}}',
    );
    expect(third).not.toContain('undeclared');
  });

  it('is the service page, whole and page after page, with the same cursors', async () => {
    const whole = await rest('?limit=100');
    expect(whole.items.map((g) => g.name)).toEqual(['shared', 'plain', 'third', 'fourth']);
    expect(whole).toEqual(await servicePage({ limit: 100 }));
    expect(whole.nextCursor).toBeNull();

    let cursor: string | null = null;
    const seen: unknown[] = [];
    do {
      const q: string = `?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await rest(q);
      expect(page).toEqual(await servicePage({ limit: 3, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(whole.items);

    const exact = await rest('?limit=4');
    expect(exact.nextCursor).toBeNull();
    expect((await rest('?limit=1')).nextCursor).toBe(
      ((await servicePage({ limit: 1 })) as { nextCursor: string }).nextCursor,
    );
  });

  it('keeps the shape of every field: dates, nulls, clients, status and escaped text', async () => {
    const [shared] = (await rest('?limit=1')).items;
    expect(shared).toMatchObject({
      name: 'shared',
      namespace: 'edge',
      sharingKey: 'team-a',
      createdAt: '2026-01-02T03:04:05.007Z',
      updatedAt: '2026-01-02T03:04:05.090Z',
      conditions: [{ message: 'a "quoted"\nline, a tab\t, a back\\slash, é and 😀' }],
      status: { listeners: [{ name: 'web', attachedRoutes: 2 }] },
      clients: [{ namespace: 'edge', name: 'shared' }],
    });
    const plain = (await rest('?name=plain')).items[0]!;
    expect(plain.sharingKey).toBeNull();
    expect(plain.clients).toEqual([
      { clusterId: null, namespace: 'default', name: 'plain', clientUid: expect.any(String) },
    ]);
  });

  it('applies every filter as the service does, within the account', async () => {
    for (const [q, query] of [
      ['?namespace=edge', { namespace: 'edge' }],
      ['?name=theirs', { name: 'theirs' }],
      ['?template=gw&limit=2', { template: 'gw', limit: 2 }],
      ['?condition=Accepted=False', { condition: 'Accepted=False' }],
    ] as const) {
      expect(await rest(q)).toEqual(await servicePage(query));
    }
    expect((await rest('?name=theirs')).items).toEqual([]);
  });

  it('keeps answering, the same bytes, when a migration adds or drops a column while the API runs', async () => {
    // Prepared on several pool connections first (parallel requests spread over the pool).
    const before = await Promise.all(Array.from({ length: 8 }, () => restBody('?limit=100')));
    await env.db.$pool.query(`ALTER TABLE "Gateway" ADD COLUMN "addedByMigration" text NOT NULL DEFAULT 'x'`);
    await env.db.$pool.query(`ALTER TABLE "Template" ADD COLUMN "addedByMigration" int`);
    try {
      const after = await Promise.all(Array.from({ length: 8 }, () => restBody('?limit=100')));
      expect(after).toEqual(before);
    } finally {
      await env.db.$pool.query(`ALTER TABLE "Gateway" DROP COLUMN "addedByMigration"`);
      await env.db.$pool.query(`ALTER TABLE "Template" DROP COLUMN "addedByMigration"`);
    }
    const dropped = await Promise.all(Array.from({ length: 8 }, () => restBody('?limit=100')));
    expect(dropped).toEqual(before);
  });

  it('answers a kept page again only while nothing it shows has changed, whatever path wrote the rows', async () => {
    const sql = (text: string, values: unknown[] = []) => env.db.$pool.query(text, values);
    const fresh = async (q: string) => expect(await restBody(q)).toBe(await serialisedPage(q));
    const version = async () =>
      (await sql(`SELECT version FROM "GatewayListVersion" WHERE "accountId" = $1`, [principal.accountId]))
        .rows[0]?.version as string | undefined;
    await fresh('?limit=100');
    await fresh('?limit=100');

    // The page is kept: a write that no trigger sees (replication role) is not in the answer …
    const c = await env.db.$pool.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(`UPDATE "Gateway" SET "dnsName" = 'unseen.example.com' WHERE name = 'plain'`);
    } finally {
      await c.query(`SET session_replication_role = DEFAULT`);
      c.release();
    }
    expect(await restBody('?limit=100')).not.toContain('unseen.example.com');
    // … until the version moves, and the triggers move it for every table the page reads.
    const v0 = await version();
    await sql(`UPDATE "Gateway" SET conditions = '[]'::jsonb WHERE name = 'fourth'`);
    expect(await version()).not.toBe(v0);
    expect(await restBody('?limit=100')).toContain('unseen.example.com');
    await fresh('?limit=100');

    const [plain] = (await sql(`SELECT id FROM "Gateway" WHERE name = 'plain'`)).rows as [{ id: string }];
    const changes = [
      // a client joins (as a workload cluster's Gateway would), in a transaction with a second write
      `BEGIN; INSERT INTO "GatewayClient" (id, "accountId", "gatewayId", namespace, name, "clientUid")
         VALUES (gen_random_uuid(), '${principal.accountId}', '${plain.id}', 'ns', 'joined', 'uid-joined');
       UPDATE "Gateway" SET generation = generation + 1 WHERE id = '${plain.id}'; COMMIT;`,
      `UPDATE "GatewayClient" SET namespace = 'moved' WHERE "clientUid" = 'uid-joined'`,
      `DELETE FROM "GatewayClient" WHERE "clientUid" = 'uid-joined'`,
      // the address is released (the page's poolId)
      `DELETE FROM "AddressAllocation" WHERE "gatewayId" = '${plain.id}'`,
      // the template is renamed
      `UPDATE "Template" SET name = 'renamed' WHERE id = (SELECT "templateId" FROM "Gateway" WHERE id = '${plain.id}')`,
      // the gateway is deleted
      `DELETE FROM "Gateway" WHERE id = '${plain.id}'`,
    ];
    for (const change of changes) {
      const before = await restBody('?limit=100');
      await sql(change);
      const after = await restBody('?limit=100');
      expect(after, change).not.toBe(before);
      await fresh('?limit=100');
      await fresh('?limit=2');
    }
    // TRUNCATE fires no row trigger; its statement trigger moves every version.
    const beforeTruncate = await restBody('?limit=100');
    expect(beforeTruncate).toContain('"clientUid"');
    await sql(`TRUNCATE "GatewayClient"`);
    expect(await restBody('?limit=100')).not.toBe(beforeTruncate);
    await fresh('?limit=100');
    // Another account's changes leave this account's version alone.
    const v1 = await version();
    await sql(`UPDATE "Gateway" SET generation = generation + 1 WHERE name = 'theirs'`);
    expect(await version()).toBe(v1);
  });

  it('GraphQL answers a kept gateways page again only while nothing it shows has changed', async () => {
    const gql = async (query: string, variables?: Record<string, unknown>) => {
      const r = await env.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...auth(key), 'content-type': 'application/json' },
        payload: { query, variables },
      });
      expect(r.statusCode, r.body).toBe(200);
      return r.body;
    };
    const page = `query Page($n: Int) { gateways(first: $n) { edges { node { name dnsName } cursor } pageInfo { hasNextPage } } }`;
    const mixed = `{ whoami { accountId } gateways(first: 10) { edges { node { name dnsName } } } }`;
    const first = await gql(page, { n: 10 });
    expect(await gql(page, { n: 10 })).toBe(first);
    expect(await gql(page, { n: 1 })).not.toBe(first);
    await gql(mixed);

    // A write no trigger sees is not in a kept answer; a document that reads more than gateways is not kept.
    const c = await env.db.$pool.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(`UPDATE "Gateway" SET "dnsName" = 'unseen-by-graphql.example.com' WHERE name = 'shared'`);
    } finally {
      await c.query(`SET session_replication_role = DEFAULT`);
      c.release();
    }
    expect(await gql(page, { n: 10 })).toBe(first);
    expect(await gql(mixed)).toContain('unseen-by-graphql.example.com');
    // Any change the triggers see moves the version: the document runs again.
    await env.db.$pool.query(`UPDATE "Gateway" SET generation = generation + 1 WHERE name = 'shared'`);
    const again = await gql(page, { n: 10 });
    expect(again).toContain('unseen-by-graphql.example.com');
    expect(JSON.parse(again)).toEqual(
      JSON.parse(first.replace(/"dnsName":"[^"]*shared[^"]*"/, '"dnsName":"unseen-by-graphql.example.com"')),
    );
  });
});
