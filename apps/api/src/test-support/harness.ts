import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { buildApp, type EpicApp } from '../app.js';
import { createDb, type Db } from '../db/client.js';
import { ensureDatabase } from '../db/embedded-postgres.js';
import { seedSystem } from '../seed.js';
import { recordResponses, validateResponses, type RecordedResponse } from './openapi-check.js';

/** A fresh database cloned from the migrated template. */
export async function freshDatabase(): Promise<{ url: string; db: Db }> {
  const url = `${inject('pgServerUrl')}test_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(url, 'epic_template');
  return { url, db: createDb(url) };
}

export interface TestEnv {
  url: string;
  db: Db;
  app: EpicApp;
  /** Every answer under /api/v1, validated against the OpenAPI document on close(). */
  answers: RecordedResponse[];
  /** Platform operators' key. */
  adminKey: string;
  close(): Promise<void>;
}

export async function testEnv(): Promise<TestEnv> {
  const { url, db } = await freshDatabase();
  const { adminKey } = await seedSystem(db, { demo: false });
  const app = await buildApp({ db, logger: false, secretKey: randomBytes(32) });
  const answers = recordResponses(app);
  await app.ready();
  // Read now: a suite may close the app itself before close() validates what it answered.
  const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  return {
    url,
    db,
    app,
    adminKey: adminKey!,
    answers,
    async close() {
      // Every answer the suite got must be one the OpenAPI document describes.
      await app.close();
      await db.$disconnect();
      const problems = validateResponses(doc, answers);
      if (problems.length > 0)
        throw new Error(
          `${problems.length} answers do not match /api/v1/openapi.json:\n${problems.slice(0, 40).join('\n')}`,
        );
    },
  };
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** One REST call under /api/v1 with a key: the status, the parsed body (`{}` when empty) and the raw text. */
export type RestArgs = [
  method: 'GET' | 'PUT' | 'DELETE' | 'POST' | 'PATCH',
  url: string,
  key: string,
  payload?: unknown,
];
export async function rest(env: TestEnv, ...[method, url, key, payload]: RestArgs) {
  const r = await env.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: auth(key),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  return { status: r.statusCode, body: r.body ? (r.json() as Record<string, any>) : {}, raw: r.body };
}

/** POSTs through the REST API as the key's account and answers the created object; anything but 201 throws. */
export async function created(
  env: TestEnv,
  key: string,
  url: string,
  payload: object,
): Promise<{ id: string }> {
  const r = await rest(env, 'POST', url, key, payload);
  if (r.status !== 201) throw new Error(`POST ${url}: ${r.status} ${r.raw}`);
  return r.body as { id: string };
}

/** The audit trail of one object kind in the key's account, oldest first, as [action, objectId, data]. */
export async function auditTrail(env: TestEnv, key: string, objectKind: string) {
  const events = await rest(env, 'GET', '/audit-events?limit=50', key);
  return (events.body.items as { objectKind: string; action: string; objectId: string; data: unknown }[])
    .filter((e) => e.objectKind === objectKind)
    .map((e) => [e.action, e.objectId, e.data]);
}

/** Creates an account through the API and returns its owner key. */
export async function createAccount(
  env: TestEnv,
  name: string,
  gatewayQuota = 100,
): Promise<{ id: string; key: string }> {
  const r = await env.app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: auth(env.adminKey),
    payload: { name, gatewayQuota },
  });
  if (r.statusCode !== 201) throw new Error(`account create failed: ${r.body}`);
  const body = r.json();
  return { id: body.account.id, key: body.apiKey.secret };
}

/** A well-formed id that names no row. */
export const missingId = '00000000-0000-4000-8000-000000000000';

/** The fields a refusal names, each once (a value may break several rules of one field). */
export const refusedFields = (r: { body: { issues?: { path: string }[] } }) => [
  ...new Set(r.body.issues?.map((i) => i.path)),
];

/** A viewer key in the account of `ownerKey`. */
export async function viewerKey(env: TestEnv, ownerKey: string): Promise<string> {
  const r = await rest(env, 'POST', '/api-keys', ownerKey, { name: 'viewer', role: 'viewer' });
  if (r.status !== 201) throw new Error(`viewer key create failed: ${r.raw}`);
  return r.body.secret as string;
}
