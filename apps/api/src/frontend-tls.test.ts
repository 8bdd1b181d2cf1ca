import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, reconcile } from './test-support/conformance.js';
import {
  auditTrail,
  createAccount,
  refusedFields,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from './test-support/harness.js';
import { testCertA, testCertB } from './test-support/tls-fixture.js';

// CA bundles (a ConfigMap's or Secret's ca.crt) and Gateway spec.tls frontend client-certificate validation
// through the API: stored, validated naming the field, rendered as the HTTPS chains' validationContext, and
// reflected in listener status (docs/adr/0456-frontend-tls-validation.md).

let env: TestEnv;
let key: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface ListenerStatus {
  name: string;
  conditions: Condition[];
}
async function listeners(id: string, k = key): Promise<Map<string, Condition[]>> {
  await reconcile(env);
  const r = await rest(env, 'GET', `/gateways/${id}`, k);
  return new Map((r.body['status'].listeners as ListenerStatus[]).map((l) => [l.name, l.conditions]));
}
const byType = (cs: Condition[] | undefined, type: string) => cs?.find((c) => c.type === type);

/** The DownstreamTlsContext of each filter chain of the gateway's newest revision, by chain name. */
async function tlsContexts(id: string): Promise<Map<string, Record<string, any>>> {
  const rows = await env.db.$queryRawUnsafe<{ resources: Record<string, any> }[]>(
    `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
    id,
  );
  const out = new Map<string, Record<string, any>>();
  for (const l of rows[0]?.resources['listeners'] ?? [])
    for (const c of l.resource.filterChains ?? [])
      if (c.transportSocket) out.set(c.name, c.transportSocket.typedConfig);
  return out;
}

const validation = (name: string, extra: Record<string, unknown> = {}) => ({
  frontend: {
    default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name }], ...extra } },
  },
});
const https = [
  {
    name: 'https',
    port: 443,
    protocol: 'HTTPS',
    tls: { certificateRefs: [{ name: 'site' }] },
  },
];

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'frontend-tls')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.72.0.0/28' });
  await call('POST', '/templates', {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
  await call('PUT', '/certificates', { namespace: 'default', name: 'site', ...testCertA });
});
afterAll(() => env?.close());

describe('CA bundles (REST)', () => {
  it('creates by client uid, updates on a re-send, lists, gets and deletes, with an audit trail', async () => {
    const first = await call('PUT', '/ca-bundles', {
      clientUid: 'uid-ca',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'client-ca',
      caCertificate: testCertA.certificate,
    });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({
      clientUid: 'uid-ca',
      kind: 'ConfigMap',
      caCertificate: testCertA.certificate,
    });
    const again = await call('PUT', '/ca-bundles', {
      clientUid: 'uid-ca',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'client-ca',
      caCertificate: testCertA.certificate + testCertB.certificate,
    });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe(first.body['id']);
    const api = await call('PUT', '/ca-bundles', { kind: 'Secret', namespace: 'default', name: 'no-key' });
    expect(api.body).toMatchObject({ clientUid: 'api:none:Secret:default/no-key', caCertificate: null });
    const list = await call('GET', '/ca-bundles?name=client-ca');
    expect(list.body['items'].map((b: { id: string }) => b.id)).toEqual([first.body['id']]);
    expect((await call('GET', `/ca-bundles/${first.body['id']}`)).body['name']).toBe('client-ca');
    const renamed = await call('PUT', '/ca-bundles', {
      clientUid: 'uid-ca',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'other',
    });
    expect(renamed.status).toBe(400);
    expect(refusedFields(renamed)).toEqual(['name']);
    expect((await call('DELETE', `/ca-bundles/${api.body['id']}`)).status).toBe(204);
    expect((await call('GET', `/ca-bundles/${api.body['id']}`)).status).toBe(404);
    const trail = JSON.stringify(await auditTrail(env, key, 'CaBundle'));
    expect(trail).toContain('caBundle.create');
    expect(trail).toContain('caBundle.delete');
  });

  it('refuses what is not PEM certificates, an unknown kind and bad names, naming the field', async () => {
    const bad = async (body: Record<string, unknown>) =>
      refusedFields(
        await call('PUT', '/ca-bundles', { kind: 'ConfigMap', namespace: 'default', name: 'x', ...body }),
      );
    expect(await bad({ caCertificate: 'hello' })).toEqual(['caCertificate']);
    expect(await bad({ caCertificate: `${testCertA.certificate}\nrubbish` })).toEqual(['caCertificate']);
    expect(await bad({ caCertificate: testCertA.privateKey })).toEqual(['caCertificate']);
    expect(await bad({ kind: 'Service' })).toEqual(['kind']);
    expect(await bad({ name: 'Not_A_Name' })).toEqual(['name']);
  });
});

describe('spec.tls frontend validation', () => {
  it('renders the CA as the chain validationContext and requires a client certificate', async () => {
    const gw = await call('POST', '/gateways', {
      name: 'mtls',
      template: 'web',
      listeners: https,
      tls: validation('client-ca'),
    });
    expect(gw.status, gw.raw).toBe(201);
    expect(gw.body['tls']).toEqual({
      frontend: {
        default: {
          validation: {
            mode: 'AllowValidOnly',
            caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }],
          },
        },
      },
    });
    const ls = await listeners(gw.body['id']);
    expect(byType(ls.get('https'), 'ResolvedRefs')).toMatchObject({ status: 'True' });
    const ctx = (await tlsContexts(gw.body['id'])).get('https/https')!;
    expect(ctx['requireClientCertificate']).toBe(true);
    expect(ctx['commonTlsContext'].validationContext.trustedCa.inlineString).toContain(
      testCertB.certificate.split('\n')[1],
    );

    // The trace says what a client meets: without a certificate the chain trusts, the handshake fails.
    const trace = async (clientCertificate?: string) => {
      const t = await call('POST', `/gateways/${gw.body['id']}/trace`, {
        scheme: 'https',
        host: 'shop.example.com',
        path: '/',
        ...(clientCertificate !== undefined ? { clientCertificate } : {}),
      });
      expect(t.status, t.raw).toBe(200);
      return t.body;
    };
    for (const [presented, refusal] of [
      [undefined, 'ClientCertificateRequired'],
      ['none', 'ClientCertificateRequired'],
      ['untrusted', 'ClientCertificateUntrusted'],
    ] as const)
      expect(await trace(presented), presented).toMatchObject({
        port: 443,
        connection: 'refused',
        refusal,
        filterChain: 'https/https',
        clientCertificate: 'required',
        routeConfiguration: null,
        outcome: null,
      });
    expect(await trace('valid')).toMatchObject({
      connection: 'accepted',
      refusal: null,
      clientCertificate: 'required',
      outcome: { status: 404 },
    });

    // The bundle going away re-renders the gateway: no valid CA left.
    const bundle = (await call('GET', '/ca-bundles?name=client-ca')).body['items'][0];
    expect((await call('DELETE', `/ca-bundles/${bundle.id}`)).status).toBe(204);
    const after = await listeners(gw.body['id']);
    expect(byType(after.get('https'), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'NoValidCACertificate',
    });
    expect(byType(after.get('https'), 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'InvalidCACertificateRef',
    });
  });

  it('AllowInsecureFallback accepts untrusted clients and says InsecureFrontendValidationMode; PUT /tls replaces', async () => {
    await call('PUT', '/ca-bundles', {
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'fallback-ca',
      caCertificate: testCertA.certificate,
    });
    const gw = await call('POST', '/gateways', {
      name: 'fallback',
      template: 'web',
      listeners: https,
      tls: validation('fallback-ca', { mode: 'AllowInsecureFallback' }),
    });
    await reconcile(env);
    const got = await call('GET', `/gateways/${gw.body['id']}`);
    expect(byType(got.body['conditions'], 'InsecureFrontendValidationMode')).toMatchObject({
      status: 'True',
      reason: 'ConfigurationChanged',
    });
    const ctx = (await tlsContexts(gw.body['id'])).get('https/https')!;
    expect(ctx['requireClientCertificate']).toBeUndefined();
    expect(ctx['commonTlsContext'].validationContext.trustChainVerification).toBe('ACCEPT_UNTRUSTED');
    const t = await call('POST', `/gateways/${gw.body['id']}/trace`, {
      scheme: 'https',
      host: 'shop.example.com',
      path: '/',
      clientCertificate: 'untrusted',
    });
    expect(t.body, t.raw).toMatchObject({ connection: 'accepted', clientCertificate: 'optional' });

    const put = await call('PUT', `/gateways/${gw.body['id']}/tls`, { tls: null });
    expect(put.body).toMatchObject({ tls: null, generation: 2 });
    await reconcile(env);
    expect(
      (await tlsContexts(gw.body['id'])).get('https/https')!['commonTlsContext'].validationContext,
    ).toBeUndefined();
  });

  it('refuses invalid spec.tls naming the field (the CRD rules)', async () => {
    const bad = async (tls: unknown) =>
      refusedFields(await call('POST', '/gateways', { name: 'bad', template: 'web', listeners: https, tls }));
    expect(await bad({ frontend: { default: { validation: { caCertificateRefs: [] } } } })).toEqual([
      'tls.frontend.default.validation.caCertificateRefs',
    ]);
    expect(await bad(validation('x', { mode: 'Sometimes' }))).toEqual([
      'tls.frontend.default.validation.mode',
    ]);
    expect(
      await bad({
        frontend: {
          default: {},
          perPort: [
            { port: 443, tls: {} },
            { port: 443, tls: {} },
          ],
        },
      }),
    ).toEqual(['tls.frontend.perPort[1].port']);
  });
});

describe('upstream conformance manifests', () => {
  it('gateway-with-clientcertificate-validation: default and per-port CA bundles resolve', async () => {
    const t = await applyConformanceTest(env, 'gateway-with-clientcertificate-validation.yaml', 'conf-mtls', {
      caBundles: [
        'gateway-conformance-infra/tls-validity-checks-ca-certificate',
        'gateway-conformance-infra/tls-validity-checks-per-port-ca-certificate',
      ],
    });
    const id = t.gateways.get('gateway-conformance-infra/client-validation-default')!;
    const ls = await listeners(id, t.key);
    for (const name of ['https', 'https-with-hostname']) {
      expect(byType(ls.get(name), 'Accepted'), name).toMatchObject({ status: 'True' });
      expect(byType(ls.get(name), 'ResolvedRefs'), name).toMatchObject({ status: 'True' });
    }
    const ctx = await tlsContexts(id);
    expect([...ctx.values()].every((c) => c['requireClientCertificate'] === true)).toBe(true);
  });

  it('gateway-with-invalid-clientcertificate-validation: the spec’s reason on each listener', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-with-invalid-clientcertificate-validation.yaml',
      'conf-mtls-invalid',
      {
        caBundles: [
          'gateway-conformance-infra/tls-validity-checks-ca-certificate',
          'gateway-conformance-web-backend/web-backend-cm',
        ],
      },
    );
    const id = t.gateways.get('gateway-conformance-infra/gateway-with-invalid-client-cert-validation')!;
    const ls = await listeners(id, t.key);
    expect(byType(ls.get('https'), 'ResolvedRefs')).toMatchObject({ status: 'True' });
    for (const [name, reason] of [
      ['https-unresolved', 'InvalidCACertificateRef'],
      ['https-invalid-kind', 'InvalidCACertificateKind'],
      ['https-grant-missing', 'RefNotPermitted'],
    ] as const) {
      expect(byType(ls.get(name), 'ResolvedRefs'), name).toMatchObject({ status: 'False', reason });
      expect(byType(ls.get(name), 'Accepted'), name).toMatchObject({
        status: 'False',
        reason: 'NoValidCACertificate',
      });
    }
  });

  it('gateway-with-clientcertificate-validation-insecure-fallback: InsecureFrontendValidationMode=True', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-with-clientcertificate-validation-insecure-fallback.yaml',
      'conf-mtls-fallback',
      {
        caBundles: [
          'gateway-conformance-infra/tls-validity-checks-ca-certificate',
          'gateway-conformance-infra/tls-validity-checks-per-port-ca-certificate',
        ],
      },
    );
    const id = t.gateways.get('gateway-conformance-infra/client-validation-insecure-fallback')!;
    await reconcile(env);
    const gw = await rest(env, 'GET', `/gateways/${id}`, t.key);
    expect(byType(gw.body['conditions'], 'InsecureFrontendValidationMode')).toMatchObject({ status: 'True' });
  });

  it('gateway-invalid-default-frontend-client-certificate-validation: only the HTTPS listener is affected', async () => {
    const t = await applyConformanceTest(
      env,
      'gateway-invalid-default-frontend-client-certificate-validation.yaml',
      'conf-mtls-invalid-default',
      { caBundles: ['gateway-conformance-infra/tls-validity-checks-per-port-ca-certificate'] },
    );
    const id = t.gateways.get('gateway-conformance-infra/invalid-default-client-validation-config')!;
    const ls = await listeners(id, t.key);
    expect(byType(ls.get('https'), 'ResolvedRefs')).toMatchObject({
      status: 'False',
      reason: 'InvalidCACertificateRef',
    });
    expect(byType(ls.get('https'), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'NoValidCACertificate',
    });
    // The perPort entry for port 80 names an HTTP listener: validation is for HTTPS listeners only.
    expect(byType(ls.get('http'), 'Accepted')).toMatchObject({ status: 'True' });
    expect(byType(ls.get('http'), 'ResolvedRefs')).toMatchObject({ status: 'True' });
    const http = await rest(env, 'POST', `/gateways/${id}/trace`, t.key, {
      port: 80,
      host: 'example.org',
      path: '/',
    });
    expect(http.status, http.raw).toBe(200);
    expect(http.body).toMatchObject({
      connection: 'accepted',
      clientCertificate: 'notRequested',
      httpFilters: ['envoy.filters.http.router'],
    });
    expect(http.body['outcome'].action.clusters.map((c: { name: string }) => c.name)).toEqual([
      'service/gateway-conformance-infra/infra-backend-v1/8080',
    ]);
    // Even with the port-80 bundle gone, the HTTP listener is untouched (nothing to validate on it).
    const bundle = (
      await rest(env, 'GET', '/ca-bundles?name=tls-validity-checks-per-port-ca-certificate', t.key)
    ).body['items'][0];
    expect((await rest(env, 'DELETE', `/ca-bundles/${bundle.id}`, t.key)).status).toBe(204);
    const after = await listeners(id, t.key);
    expect(byType(after.get('http'), 'Accepted')).toMatchObject({ status: 'True' });
    expect(byType(after.get('http'), 'ResolvedRefs')).toMatchObject({ status: 'True' });
    // The HTTPS listener is not served at all.
    const https = await rest(env, 'POST', `/gateways/${id}/trace`, t.key, {
      port: 443,
      scheme: 'https',
      host: 'example.org',
      path: '/',
      clientCertificate: 'valid',
    });
    expect(https.status, https.raw).toBe(400);
  });
});
