import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResponses, type RecordedResponse } from '../test-support/openapi-check.js';
import { auth, testEnv, type TestEnv } from '../test-support/harness.js';

// The OpenAPI document describes every answer; the harness validates every answer of the API suites
// against it (openapi-check.ts). These cases prove the check itself and the error bodies.

let env: TestEnv;
let doc: Parameters<typeof validateResponses>[0];
beforeAll(async () => {
  env = await testEnv();
  doc = (await env.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
});
afterAll(() => env?.close());

const answer = (over: Partial<RecordedResponse>): RecordedResponse => ({
  method: 'GET',
  route: '/api/v1/whoami',
  url: '/api/v1/whoami',
  status: 200,
  contentType: 'application/json; charset=utf-8',
  body: '{}',
  ...over,
});

describe('the OpenAPI document', () => {
  it('describes the success and error answers of every operation with a named schema', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['4XX', '5XX']));
        const ok = codes.find((c) => /^2\d\d$/.test(c))!;
        expect(ok, `${method} ${path}`).toBeDefined();
        if (ok !== '204')
          expect(op.responses[ok]!.content?.['application/json']?.schema, `${method} ${path}`).toMatchObject({
            $ref: expect.stringMatching(/^#\/components\/schemas\/\w+$/),
          });
        expect(op.responses['4XX']!.content?.['application/json']?.schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Gateway', 'Condition', 'Route', 'Certificate', 'Error', 'GatewayPage']),
    );
  });

  it('never describes a certificate key or an API key hash', () => {
    const text = JSON.stringify(doc.components.schemas);
    expect(text).not.toMatch(/privateKey|encryptedKey/);
    const key = doc.components.schemas.ApiKey as { properties: Record<string, unknown> };
    expect(Object.keys(key.properties)).not.toContain('hash');
  });
});

describe('the response check', () => {
  it('accepts what the API answered', async () => {
    const r = await env.app.inject({ method: 'GET', url: '/api/v1/whoami', headers: auth(env.adminKey) });
    const a = answer({ body: r.body, contentType: String(r.headers['content-type']) });
    expect(validateResponses(doc, [a])).toEqual([]);
  });
  it('names the path and the mismatch of a body the schema refuses', () => {
    const problems = validateResponses(doc, [answer({ body: '{"accountId":1}' })]);
    expect(problems.join('\n')).toMatch(/GET \/api\/v1\/whoami → 200: .*accountName/);
    expect(problems.join('\n')).toMatch(/\/accountId must be string/);
  });
  it('refuses a status the operation does not declare', () => {
    expect(validateResponses(doc, [answer({ status: 202 })])).toEqual([
      expect.stringMatching(/→ 202: status not declared/),
    ]);
  });
  it('refuses an error body without the request id', () => {
    const problems = validateResponses(doc, [
      answer({ status: 404, body: '{"error":"NotFound","message":"x"}' }),
    ]);
    expect(problems.join('\n')).toMatch(/requestId/);
  });
});

describe('every error body carries the request id', () => {
  type Req = { method: 'GET' | 'POST'; url: string; payload?: string; headers?: Record<string, string> };
  const cases: Array<[string, Req, number]> = [
    ['an unknown route', { method: 'GET', url: '/api/v1/nope' }, 404],
    [
      'a body that is not JSON',
      {
        method: 'POST',
        url: '/api/v1/clusters',
        payload: '{',
        headers: { 'content-type': 'application/json' },
      },
      400,
    ],
    [
      'a text body',
      { method: 'POST', url: '/api/v1/clusters', payload: 'x', headers: { 'content-type': 'text/plain' } },
      415,
    ],
    [
      'a body over the limit',
      {
        method: 'POST',
        url: '/api/v1/clusters',
        payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      },
      413,
    ],
  ];
  it.each(cases)('%s', async (_, req, status) => {
    const r = await env.app.inject({
      ...req,
      headers: { ...req.headers, ...auth(env.adminKey), 'x-request-id': 'req-1' },
    });
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({
      error: expect.any(String),
      message: expect.any(String),
      requestId: 'req-1',
    });
  });
});
