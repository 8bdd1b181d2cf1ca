import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConformanceTest, reconcile, type AppliedTest } from './test-support/conformance.js';
import {
  auditTrail,
  createAccount,
  refusedFields,
  rest,
  testEnv,
  type TestEnv,
} from './test-support/harness.js';
import { testCertA } from './test-support/tls-fixture.js';

// BackendTLSPolicies through the API: stored per account (and cluster), validated naming the field, rendered as
// the targeted clusters' UpstreamTlsContext, their status written per gateway ancestor, and the upstream
// conformance manifests applied (docs/adr/0460-backend-tls-policy.md).

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}
interface Ancestor {
  gatewayId: string;
  ancestorRef: { group: string; kind: string; namespace: string; name: string };
  controllerName: string;
  conditions: Condition[];
}

const INFRA = 'gateway-conformance-infra';
const GW = `${INFRA}/same-namespace`;

async function ancestors(t: AppliedTest, policy: string): Promise<Ancestor[]> {
  const r = await rest(
    env,
    'GET',
    `/backend-tls-policies/${t.backendTlsPolicies.get(`${INFRA}/${policy}`)}`,
    t.key,
  );
  expect(r.status, r.raw).toBe(200);
  return r.body['status'].ancestors as Ancestor[];
}
async function conditions(t: AppliedTest, policy: string, gateway = 'same-namespace') {
  const all = await ancestors(t, policy);
  const mine = all.filter((a) => a.ancestorRef.name === gateway);
  expect(mine.length).toBe(1);
  const a = mine[0]!;
  expect(a.ancestorRef).toEqual({
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    namespace: INFRA,
    name: gateway,
  });
  expect(a.gatewayId).toBe(t.gateways.get(`${INFRA}/${gateway}`));
  expect(a.controllerName).toBe('epic-gateway.io/gateway-controller');
  const by = (type: string) => a.conditions.find((c) => c.type === type);
  return { accepted: by('Accepted'), resolvedRefs: by('ResolvedRefs') };
}
/** The UpstreamTlsContext of each cluster of the gateway's newest revision, by cluster name. */
async function upstreamTls(gatewayId: string): Promise<Map<string, Record<string, any> | undefined>> {
  const rows = await env.db.$queryRawUnsafe<{ resources: Record<string, any> }[]>(
    `SELECT resources FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid ORDER BY version DESC LIMIT 1`,
    gatewayId,
  );
  return new Map(
    (rows[0]?.resources['clusters'] ?? []).map((c: Record<string, any>) => [
      c.name,
      c.resource.transportSocket?.typedConfig,
    ]),
  );
}
async function trace(t: AppliedTest, path: string) {
  const r = await rest(env, 'POST', `/gateways/${t.gateways.get(GW)}/trace`, t.key, {
    host: 'abc.example.com',
    path,
  });
  expect(r.status, r.raw).toBe(200);
  return r.body['outcome'] as { status?: number; action?: { clusters?: { name: string }[] } };
}
const CA = ['gateway-conformance-infra/tls-checks-ca-certificate'];

describe('BackendTLSPolicies (REST)', () => {
  it('creates by client uid, updates on a re-send (generation), lists, gets and deletes, with an audit trail', async () => {
    const { key } = await createAccount(env, 'btls-crud');
    const call = (method: 'PUT' | 'GET' | 'DELETE', url: string, payload?: unknown) =>
      rest(env, method, url, key, payload);
    const spec = {
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      validation: {
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
        hostname: 'api.example.com',
      },
    };
    const first = await call('PUT', '/backend-tls-policies', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'api',
      spec,
    });
    expect(first.status, first.raw).toBe(201);
    expect(first.body).toMatchObject({
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'api',
      generation: 1,
      spec,
      status: { ancestors: [] },
    });
    const same = await call('PUT', '/backend-tls-policies', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'api',
      spec,
    });
    expect(same.status).toBe(200);
    expect(same.body['generation']).toBe(1);
    const changed = await call('PUT', '/backend-tls-policies', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'api',
      spec: { ...spec, validation: { wellKnownCACertificates: 'System', hostname: 'api.example.com' } },
    });
    expect(changed.body).toMatchObject({ id: first.body['id'], generation: 2 });
    const api = await call('PUT', '/backend-tls-policies', { namespace: 'web', name: 'other', spec });
    expect(api.body['clientUid']).toBe('api:none:BackendTLSPolicy:web/other');
    const renamed = await call('PUT', '/backend-tls-policies', {
      clientUid: 'uid-1',
      namespace: 'web',
      name: 'x',
      spec,
    });
    expect(renamed.status).toBe(400);
    expect(refusedFields(renamed)).toEqual(['name']);
    const list = await call('GET', '/backend-tls-policies?name=api');
    expect(list.body['items'].map((p: { id: string }) => p.id)).toEqual([first.body['id']]);
    expect((await call('DELETE', `/backend-tls-policies/${api.body['id']}`)).status).toBe(204);
    expect((await call('GET', `/backend-tls-policies/${api.body['id']}`)).status).toBe(404);
    const trail = JSON.stringify(await auditTrail(env, key, 'BackendTlsPolicy'));
    expect(trail).toContain('backendTlsPolicy.create');
    expect(trail).toContain('backendTlsPolicy.update');
    expect(trail).toContain('backendTlsPolicy.delete');
  });
});

describe('BackendTLSPolicy conformance manifests through the API', () => {
  it('BackendTLSPolicy: the targeted port connects with TLS (SNI, CA), Accepted and ResolvedRefs on the Gateway ancestor', async () => {
    const t = await applyConformanceTest(env, 'backendtlspolicy.yaml', 'conf-btls', { caBundles: CA });
    const c = await conditions(t, 'normative-test');
    expect(c.accepted).toMatchObject({ status: 'True', reason: 'Accepted', observedGeneration: 1 });
    expect(c.resolvedRefs).toMatchObject({ status: 'True', reason: 'ResolvedRefs' });
    // The re-encrypt route's Gateway (HTTPS listener) uses the same Service: a second ancestor, same verdict.
    expect(
      (await conditions(t, 'normative-test', 'same-namespace-with-https-listener')).accepted,
    ).toMatchObject({
      status: 'True',
    });
    const tls = (await upstreamTls(t.gateways.get(GW)!)).get(`service/${INFRA}/backendtlspolicy-test/443`);
    expect(tls).toMatchObject({
      sni: 'abc.example.com',
      commonTlsContext: {
        validationContext: {
          trustedCa: { inlineString: testCertA.certificate },
          matchTypedSubjectAltNames: [{ sanType: 'DNS', matcher: { exact: 'abc.example.com' } }],
        },
      },
    });
    // The trace says how the proxies connect to the backend.
    expect((await trace(t, '/backendtlspolicy')).action?.clusters).toEqual([
      expect.objectContaining({
        name: `service/${INFRA}/backendtlspolicy-test/443`,
        upstreamTls: {
          sni: 'abc.example.com',
          trustedCa: 'inline',
          subjectAltNames: ['DNS:abc.example.com'],
          clientCertificate: false,
        },
      }),
    ]);

    // The Gateway's backend client certificate is presented on the TLS clusters (over SDS), once it is set.
    await rest(env, 'PUT', '/certificates', t.key, {
      namespace: INFRA,
      name: 'backend-client',
      ...testCertA,
    });
    const put = await rest(env, 'PUT', `/gateways/${t.gateways.get(GW)}/tls`, t.key, {
      tls: { backend: { clientCertificateRef: { name: 'backend-client' } } },
    });
    expect(put.status, put.raw).toBe(200);
    await reconcile(env);
    const withClient = (await upstreamTls(t.gateways.get(GW)!)).get(
      `service/${INFRA}/backendtlspolicy-test/443`,
    );
    expect(withClient?.['commonTlsContext'].tlsCertificateSdsSecretConfigs).toEqual([
      { name: expect.stringMatching(/^certificate\//), sdsConfig: { ads: {}, resourceApiVersion: 'V3' } },
    ]);

    // Deleting the CA bundle re-renders: no valid CA left, and the backend answers 500 rather than plaintext.
    const bundle = (await rest(env, 'GET', '/ca-bundles?name=tls-checks-ca-certificate', t.key)).body[
      'items'
    ][0];
    expect((await rest(env, 'DELETE', `/ca-bundles/${bundle.id}`, t.key)).status).toBe(204);
    await reconcile(env);
    const after = await conditions(t, 'normative-test');
    expect(after.accepted).toMatchObject({ status: 'False', reason: 'NoValidCACertificate' });
    expect(after.resolvedRefs).toMatchObject({ status: 'False', reason: 'InvalidCACertificateRef' });
    expect((await trace(t, '/backendtlspolicy')).status).toBe(500);
  });

  it("deleting a gateway removes its ancestor entries and its routes' parent entries; the other gateway's stay", async () => {
    const t = await applyConformanceTest(env, 'backendtlspolicy.yaml', 'conf-btls-del', { caBundles: CA });
    const https = `${INFRA}/same-namespace-with-https-listener`;
    expect((await ancestors(t, 'normative-test')).map((a) => a.ancestorRef.name).sort()).toEqual([
      'same-namespace',
      'same-namespace-with-https-listener',
    ]);
    const gone = t.gateways.get(GW)!;
    const parentsOf = async () =>
      (
        await env.db.route.findMany({
          where: { id: { in: [...t.routes.values()] } },
          select: { status: true },
        })
      )
        .flatMap((r) => (r.status as { parents?: { gatewayId: string }[] }).parents ?? [])
        .map((p) => p.gatewayId);
    expect(await parentsOf()).toContain(gone);
    expect((await rest(env, 'DELETE', `/gateways/${gone}`, t.key)).status).toBe(204);
    expect((await ancestors(t, 'normative-test')).map((a) => a.ancestorRef.name)).toEqual([
      'same-namespace-with-https-listener',
    ]);
    const left = await parentsOf();
    expect(left).not.toContain(gone);
    expect(left).toContain(t.gateways.get(https));
  });

  it("a policy retargeted away from a gateway's backends loses that gateway's ancestor entry", async () => {
    const t = await applyConformanceTest(env, 'backendtlspolicy.yaml', 'conf-btls-move', { caBundles: CA });
    expect((await ancestors(t, 'normative-test')).map((a) => a.ancestorRef.name).sort()).toEqual([
      'same-namespace',
      'same-namespace-with-https-listener',
    ]);
    const id = t.backendTlsPolicies.get(`${INFRA}/normative-test`)!;
    const before = (await rest(env, 'GET', `/backend-tls-policies/${id}`, t.key)).body;
    const r = await rest(env, 'PUT', '/backend-tls-policies', t.key, {
      namespace: INFRA,
      name: 'normative-test',
      spec: { ...before['spec'], targetRefs: [{ group: '', kind: 'Service', name: 'no-route-sends-here' }] },
    });
    expect(r.body, r.raw).toMatchObject({ id, generation: 2 });
    await reconcile(env);
    expect(await ancestors(t, 'normative-test')).toEqual([]);
  });

  it('BackendTLSPolicyConflictResolution: the older policy for a target and sectionName wins, the other is Conflicted', async () => {
    const t = await applyConformanceTest(
      env,
      'backendtlspolicy-conflict-resolution.yaml',
      'conf-btls-conflict',
      { caBundles: CA },
    );
    const reasons = async (name: string) => (await conditions(t, name)).accepted?.reason;
    expect(await reasons('conflicted-without-section-name-1')).toBe('Accepted');
    expect(await reasons('conflicted-without-section-name-2')).toBe('Conflicted');
    expect(await reasons('conflicted-with-section-name-1')).toBe('Accepted');
    expect(await reasons('conflicted-with-section-name-2')).toBe('Conflicted');
    expect(await reasons('not-conflicted-with-section-name')).toBe('Accepted');
    expect(await reasons('not-conflicted-without-section-name')).toBe('Accepted');
    const tls = await upstreamTls(t.gateways.get(GW)!);
    const sni = (svc: string, port: number) => tls.get(`service/${INFRA}/${svc}/${port}`)?.['sni'];
    const policies = (await rest(env, 'GET', `/backend-tls-policies?namespace=${INFRA}`, t.key)).body[
      'items'
    ] as {
      name: string;
      spec: { validation: { hostname: string } };
    }[];
    const host = (name: string) => policies.find((p) => p.name === name)?.spec.validation.hostname;
    expect(sni('backendtlspolicy-conflicted-without-section-name-test', 443)).toBe(
      host('conflicted-without-section-name-1'),
    );
    expect(sni('backendtlspolicy-conflicted-with-section-name-test', 443)).toBe(
      host('conflicted-with-section-name-1'),
    );
    expect(sni('backendtlspolicy-not-conflicted-test', 443)).toBe(host('not-conflicted-with-section-name'));
    expect(sni('backendtlspolicy-not-conflicted-test', 8443)).toBe(
      host('not-conflicted-without-section-name'),
    );
  });

  it('BackendTLSPolicySANValidation: the policy SANs (Hostname, URI) are the matchers, the hostname only the SNI', async () => {
    const t = await applyConformanceTest(env, 'backendtlspolicy-san.yaml', 'conf-btls-san', {
      caBundles: CA,
    });
    const tls = await upstreamTls(t.gateways.get(GW)!);
    const sans = (svc: string) =>
      tls.get(`service/${INFRA}/${svc}/443`)?.['commonTlsContext'].validationContext
        .matchTypedSubjectAltNames;
    for (const name of ['san-dns', 'san-dns-mismatch', 'san-uri', 'san-uri-mismatch', 'multiple-sans'])
      expect((await conditions(t, name)).accepted, name).toMatchObject({
        status: 'True',
        reason: 'Accepted',
      });
    expect(sans('backendtlspolicy-san-dns-mismatch-test')).toEqual([
      { sanType: 'DNS', matcher: { exact: 'dce.example.com' } },
    ]);
    expect(sans('backendtlspolicy-san-uri-test')).toEqual([
      { sanType: 'URI', matcher: { exact: 'spiffe://abc.example.com/test-identity' } },
    ]);
    expect(tls.get(`service/${INFRA}/backendtlspolicy-san-uri-test/443`)?.['sni']).toBe('abc.example.com');
  });

  it('BackendTLSPolicyObservedGenerationBump: a spec change is observed with the new generation', async () => {
    const t = await applyConformanceTest(
      env,
      'backendtlspolicy-observed-generation-bump.yaml',
      'conf-btls-gen',
      {
        caBundles: CA,
      },
    );
    expect((await conditions(t, 'observed-generation-bump')).accepted).toMatchObject({
      observedGeneration: 1,
    });
    const id = t.backendTlsPolicies.get(`${INFRA}/observed-generation-bump`)!;
    const before = (await rest(env, 'GET', `/backend-tls-policies/${id}`, t.key)).body;
    const r = await rest(env, 'PUT', '/backend-tls-policies', t.key, {
      namespace: INFRA,
      name: 'observed-generation-bump',
      spec: {
        ...before['spec'],
        validation: { ...before['spec'].validation, hostname: 'other.example.com' },
      },
    });
    expect(r.body, r.raw).toMatchObject({ id, generation: 2 });
    await reconcile(env);
    expect((await conditions(t, 'observed-generation-bump')).accepted).toMatchObject({
      status: 'True',
      observedGeneration: 2,
    });
  });

  it('BackendTLSPolicyInvalidCACertificateRef: a missing ConfigMap and one without ca.crt', async () => {
    const t = await applyConformanceTest(
      env,
      'backendtlspolicy-invalid-ca-certificate-ref.yaml',
      'conf-btls-invalid-ref',
    );
    for (const name of ['nonexistent-ca-certificate-ref', 'malformed-ca-certificate-ref']) {
      const c = await conditions(t, name);
      expect(c.accepted, name).toMatchObject({ status: 'False', reason: 'NoValidCACertificate' });
      expect(c.resolvedRefs, name).toMatchObject({ status: 'False', reason: 'InvalidCACertificateRef' });
    }
  });

  it('BackendTLSPolicyInvalidKind: a CA reference of an unsupported kind', async () => {
    const t = await applyConformanceTest(env, 'backendtlspolicy-invalid-kind.yaml', 'conf-btls-invalid-kind');
    const c = await conditions(t, 'invalid-kind');
    expect(c.accepted).toMatchObject({ status: 'False', reason: 'NoValidCACertificate' });
    expect(c.resolvedRefs).toMatchObject({ status: 'False', reason: 'InvalidKind' });
  });
});
