import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type EpicApp } from './app.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';

// The cost verdict of a document sent without variables is kept with the parsed document (the list page pays
// no cost walk per request); a document whose page size comes from a variable is still costed per request.

let env: TestEnv;
let app: EpicApp;
let key: string;

const FIELDS = 'id name listeners { name port } conditions { type status } clients { name }';
const paged = `query ($n: Int = 1) { gateways(first: $n) { edges { node { ${FIELDS} } } } }`;

async function gql(query: string, variables?: Record<string, unknown>) {
  const r = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: auth(key),
    payload: variables ? { query, variables } : { query },
  });
  const body = r.json() as { errors?: Array<{ extensions: { code: string } }> };
  return { status: r.statusCode, code: body.errors?.[0]?.extensions.code };
}

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'cost-verdicts')).key;
  app = await buildApp({
    db: env.db,
    logger: false,
    secretKey: randomBytes(32),
    graphqlLimits: { maxCost: 1000 },
  });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await env?.close();
});

describe('GraphQL cost verdicts', () => {
  it('a document sent again without variables keeps its verdict; a variable page size is costed each time', async () => {
    for (let i = 0; i < 3; i++) expect(await gql(paged)).toEqual({ status: 200, code: undefined });
    expect(await gql(paged, {})).toEqual({ status: 200, code: undefined });
    expect(await gql(paged, { n: 500 })).toEqual({ status: 400, code: 'QUERY_TOO_COSTLY' });
    expect(await gql(paged)).toEqual({ status: 200, code: undefined });
    expect(await gql(paged, { n: 500 })).toEqual({ status: 400, code: 'QUERY_TOO_COSTLY' });
    const costly = paged.replace('= 1', '= 500');
    for (let i = 0; i < 3; i++) expect(await gql(costly)).toEqual({ status: 400, code: 'QUERY_TOO_COSTLY' });
  });
});
