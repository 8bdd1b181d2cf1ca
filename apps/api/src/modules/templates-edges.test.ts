import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTrail,
  createAccount,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';

// Templates through REST against a real database, each test with its own account: the DNS name template's
// refusals (field and reason), defaults, conflicts, re-rendering the gateways of an edited template, the
// audit trail and ordering.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
/** An account with a pool of its own (each account in its own /28). */
async function account() {
  const a = await createAccount(env, `tpl-edges-${++n}`);
  const p = await call('POST', '/address-pools', a.key, { name: 'pub', spec: `198.19.${n}.0/28` });
  expect(p.status, p.raw).toBe(201);
  return a;
}
const template = (key: string, payload: Record<string, unknown>) =>
  call('POST', '/templates', key, { poolName: 'pub', ...payload });

describe('DNS name templates', () => {
  it('an unknown or empty placeholder is refused on dnsNameTemplate, listing the known ones', async () => {
    const { key } = await account();
    for (const [t, name] of [
      ['{gw}.example.com', 'gw'],
      ['{}.example.com', ''],
      ['{gateway}.{zone}.example.com', 'zone'],
    ]) {
      const r = await template(key, { name: 't', dnsNameTemplate: t });
      expect(r.status, t).toBe(400);
      expect(r.body.issues, t).toEqual([
        {
          path: 'dnsNameTemplate',
          message: `unknown placeholder {${name}}; use {gateway}, {namespace}, {account}, {address}`,
        },
      ]);
    }
  });

  it('a template whose names would not be DNS names is refused, showing what it renders to', async () => {
    const { key } = await account();
    const r = await template(key, { name: 't', dnsNameTemplate: 'My_{gateway}.example.com' });
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([
      { path: 'dnsNameTemplate', message: 'renders to "my_gw.example.com", which is not a DNS name' },
    ]);
  });

  it('every placeholder renders to a DNS label, the address too', async () => {
    const { key } = await account();
    const r = await template(key, {
      name: 't',
      dnsNameTemplate: '{address}.{gateway}.{namespace}.{account}.example.com',
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body.dnsNameTemplate).toBe('{address}.{gateway}.{namespace}.{account}.example.com');
  });
});

describe('template storage', () => {
  it('fragments default to none; a second template of one name is refused by name', async () => {
    const { key } = await account();
    const c = await template(key, { name: 'web', dnsNameTemplate: '{gateway}.example.com' });
    expect(c.status, c.raw).toBe(201);
    expect((await call('GET', `/templates/${c.body.id}`, key)).body.envoyFragments).toEqual({});
    const again = await template(key, { name: 'web', dnsNameTemplate: '{gateway}.other.example.com' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('template "web" already exists');
  });

  it('lists by name; get, update and delete refuse a malformed id on id and an unknown one as not found', async () => {
    const { key } = await account();
    for (const name of ['charlie', 'alpha', 'bravo'])
      expect((await template(key, { name, dnsNameTemplate: `{gateway}.${name}.example.com` })).status).toBe(
        201,
      );
    const names = (await call('GET', '/templates', key)).body.items.map((t: { name: string }) => t.name);
    expect(names.filter((x: string) => ['alpha', 'bravo', 'charlie'].includes(x))).toEqual([
      'alpha',
      'bravo',
      'charlie',
    ]);
    for (const [method, payload] of [
      ['GET', undefined],
      ['PUT', { description: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const bad = await call(method, '/templates/not-a-uuid', key, payload);
      expect(bad.status, method).toBe(400);
      expect(bad.body.issues.map((i: { path: string }) => i.path)).toEqual(['id']);
      const missing = await call(method, '/templates/00000000-0000-4000-8000-000000000000', key, payload);
      expect(missing.status, method).toBe(404);
      expect(missing.body.message).toMatch(/template/);
    }
  });

  it('an edit re-renders the gateways built from the template; a template in use cannot be deleted', async () => {
    const { key } = await account();
    const t = await template(key, { name: 'gw', dnsNameTemplate: '{gateway}.example.com' });
    const other = await template(key, { name: 'idle', dnsNameTemplate: '{gateway}.idle.example.com' });
    const g = await call('POST', '/gateways', key, {
      name: 'shop',
      template: 'gw',
      listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
    });
    expect(g.status, g.raw).toBe(201);
    await env.db.reconcileRequest.deleteMany({});

    const u = await call('PUT', `/templates/${t.body.id}`, key, { description: 'edited' });
    expect(u.status, u.raw).toBe(200);
    expect(u.body.description).toBe('edited');
    const queued = await env.db.reconcileRequest.findMany({ select: { gatewayId: true } });
    expect(queued.map((q) => q.gatewayId)).toEqual([g.body.id]);
    // An edit of a template no gateway uses queues nothing.
    await env.db.reconcileRequest.deleteMany({});
    expect((await call('PUT', `/templates/${other.body.id}`, key, { description: 'x' })).status).toBe(200);
    expect(await env.db.reconcileRequest.count()).toBe(0);

    const del = await call('DELETE', `/templates/${t.body.id}`, key);
    expect(del.status).toBe(409);
    expect(del.body.message).toBe('template "gw" is used by 1 gateways');
    expect((await call('DELETE', `/templates/${other.body.id}`, key)).status).toBe(204);
  });

  it('create, update and delete are audited with what was asked', async () => {
    const { key } = await account();
    const c = await template(key, { name: 'audited', dnsNameTemplate: '{gateway}.example.com' });
    expect(c.status, c.raw).toBe(201);
    expect((await call('PUT', `/templates/${c.body.id}`, key, { description: 'd' })).status).toBe(200);
    expect((await call('DELETE', `/templates/${c.body.id}`, key)).status).toBe(204);
    expect(await auditTrail(env, key, 'Template')).toEqual([
      ['template.create', c.body.id, { name: 'audited' }],
      ['template.update', c.body.id, { description: 'd' }],
      ['template.delete', c.body.id, { name: 'audited' }],
    ]);
  });
});
