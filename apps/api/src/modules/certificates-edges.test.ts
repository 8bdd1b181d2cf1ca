import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditTrail,
  createAccount,
  rest,
  testEnv,
  viewerKey,
  type RestArgs,
  type TestEnv,
} from '../test-support/harness.js';
import { testCertA, testCertB } from '../test-support/tls-fixture.js';

// Certificates through REST against a real database, each test with its own account so that no test
// depends on another's rows: the field and reason of every refusal, the audit trail, roles and ordering.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);

let n = 0;
const account = async () => createAccount(env, `cert-edges-${++n}`);

describe('certificate upsert refusals name the field and the reason', () => {
  it('a certificate that is not PEM, or PEM that is not X.509, is refused on certificate', async () => {
    const { key } = await account();
    const notPem = await call('PUT', '/certificates', key, {
      name: 'a',
      certificate: 'x',
      privateKey: testCertA.privateKey,
    });
    expect(notPem.status).toBe(400);
    expect(notPem.body.issues).toEqual([{ path: 'certificate', message: 'must be a PEM certificate' }]);

    const garbage = `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    const bad = await call('PUT', '/certificates', key, {
      name: 'a',
      certificate: garbage,
      privateKey: testCertA.privateKey,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toHaveLength(1);
    expect(bad.body.issues[0].path).toBe('certificate');
    expect(bad.body.issues[0].message).toMatch(/^not a valid X\.509 certificate: ./);
  });

  it("a private key that is not PEM, not a key, or not this certificate's is refused on privateKey", async () => {
    const { key } = await account();
    const notPem = await call('PUT', '/certificates', key, {
      name: 'a',
      certificate: testCertA.certificate,
      privateKey: 'x',
    });
    expect(notPem.body.issues).toEqual([{ path: 'privateKey', message: 'must be a PEM private key' }]);

    const garbage = `-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`;
    const bad = await call('PUT', '/certificates', key, {
      name: 'a',
      certificate: testCertA.certificate,
      privateKey: garbage,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toHaveLength(1);
    expect(bad.body.issues[0].path).toBe('privateKey');
    expect(bad.body.issues[0].message).toMatch(/^not a valid private key: ./);

    const other = await call('PUT', '/certificates', key, {
      name: 'a',
      certificate: testCertA.certificate,
      privateKey: testCertB.privateKey,
    });
    expect(other.status).toBe(400);
    expect(other.body.issues).toEqual([{ path: 'privateKey', message: 'does not match the certificate' }]);

    // Nothing was stored by any of the refusals.
    expect((await call('GET', '/certificates', key)).body.items).toEqual([]);
  });

  it('a viewer may read certificates but not write or delete them', async () => {
    const { key } = await account();
    const viewer = await viewerKey(env, key);
    const c = await call('PUT', '/certificates', key, { name: 'a', ...testCertA });
    expect(c.status).toBe(201);
    const w = await call('PUT', '/certificates', viewer, { name: 'b', ...testCertA });
    expect(w.status).toBe(403);
    expect(w.body.message).toBe('this operation needs the admin role; the caller has viewer');
    const d = await call('DELETE', `/certificates/${c.body.id}`, viewer);
    expect(d.status).toBe(403);
    expect((await call('GET', `/certificates/${c.body.id}`, viewer)).status).toBe(200);
    expect((await call('GET', '/certificates', viewer)).body.items).toHaveLength(1);
  });
});

describe('certificate storage', () => {
  it('namespace defaults to "default"; create answers 201 and a replace 200, each audited as such', async () => {
    const { key } = await account();
    const c = await call('PUT', '/certificates', key, { name: 'site', ...testCertA });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      namespace: 'default',
      name: 'site',
      certificate: testCertA.certificate,
      subject: 'CN=shop-a.example.com',
      subjectAltName: 'DNS:shop-a.example.com',
    });
    expect(Date.parse(c.body.validFrom)).toBeLessThan(Date.parse(c.body.validTo));
    const u = await call('PUT', '/certificates', key, { name: 'site', ...testCertB });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({
      id: c.body.id,
      certificate: testCertB.certificate,
      subject: 'CN=shop-b.example.com',
    });
    expect(u.body.fingerprint256).not.toBe(c.body.fingerprint256);
    const del = await call('DELETE', `/certificates/${c.body.id}`, key);
    expect(del.status).toBe(204);

    expect(await auditTrail(env, key, 'Certificate')).toEqual([
      ['certificate.create', c.body.id, { namespace: 'default', name: 'site' }],
      ['certificate.update', c.body.id, { namespace: 'default', name: 'site' }],
      ['certificate.delete', c.body.id, { namespace: 'default', name: 'site' }],
    ]);
  });

  it('one name in two namespaces is two certificates, listed by namespace then name', async () => {
    const { key } = await account();
    for (const [namespace, name] of [
      ['zeta', 'b'],
      ['alpha', 'z'],
      ['zeta', 'a'],
      ['alpha', 'b'],
    ]) {
      expect((await call('PUT', '/certificates', key, { namespace, name, ...testCertA })).status).toBe(201);
    }
    const list = await call('GET', '/certificates', key);
    expect(
      list.body.items.map((c: { namespace: string; name: string }) => `${c.namespace}/${c.name}`),
    ).toEqual(['alpha/b', 'alpha/z', 'zeta/a', 'zeta/b']);
    expect(list.body.items[0]).toMatchObject({ subject: 'CN=shop-a.example.com' });
    expect(list.raw).not.toContain('PRIVATE KEY');
  });

  it('another account sees none of them and cannot get or delete them by id', async () => {
    const a = await account();
    const b = await account();
    const c = await call('PUT', '/certificates', a.key, { name: 'mine', ...testCertA });
    expect((await call('GET', '/certificates', b.key)).body.items).toEqual([]);
    const get = await call('GET', `/certificates/${c.body.id}`, b.key);
    expect(get.status).toBe(404);
    expect(get.body.message).toBe(`certificate "${c.body.id}" not found`);
    const del = await call('DELETE', `/certificates/${c.body.id}`, b.key);
    expect(del.status).toBe(404);
    expect(del.body.message).toBe(`certificate "${c.body.id}" not found`);
    expect((await call('GET', `/certificates/${c.body.id}`, a.key)).status).toBe(200);
  });

  it('an id that is not a UUID is a 400 naming id, for get and delete', async () => {
    const { key } = await account();
    for (const method of ['GET', 'DELETE'] as const) {
      const r = await call(method, '/certificates/not-a-uuid', key);
      expect(r.status).toBe(400);
      expect(r.body.issues).toEqual([{ path: 'id', message: 'must be a UUID' }]);
    }
  });
});

describe('certificate input limits and documentation', () => {
  it('a PEM field is at most 64 KiB', async () => {
    const { key } = await account();
    const padded = (pem: string, size: number) => pem + ' '.repeat(size - pem.length);
    const over = await call('PUT', '/certificates', key, {
      name: 'big',
      certificate: padded(testCertA.certificate, 64 * 1024 + 1),
      privateKey: testCertA.privateKey,
    });
    expect(over.status).toBe(400);
    expect(over.body.issues.map((i: { path: string }) => i.path)).toEqual(['certificate']);
    const atLimit = await call('PUT', '/certificates', key, {
      name: 'big',
      certificate: padded(testCertA.certificate, 64 * 1024),
      privateKey: padded(testCertA.privateKey, 64 * 1024),
    });
    expect(atLimit.status, atLimit.raw).toBe(201);
  });

  it('the OpenAPI document describes the certificate and key fields', async () => {
    const doc = (await env.app.inject({ url: '/api/v1/openapi.json' })).body;
    expect(doc).toContain('PEM certificate chain, leaf first');
    expect(doc).toContain('PEM private key; stored encrypted, never returned');
  });
});
