import { buildSchema } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeDefs } from './http/graphql.js';
import { restRoutes } from './http/routes.js';
import { createReconciler } from './reconciler/reconciler.js';
import type { Services } from './services.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';
import { snapshotDb, type DbSnapshot } from './test-support/snapshot.js';
import { testCertA, testCertB } from './test-support/tls-fixture.js';

/**
 * The tenant isolation matrix: account B's key against every REST route and every GraphQL field,
 * aimed at account A's objects. Each route and field must have an entry, so a new one cannot be forgotten.
 */
interface Tenant {
  name: string;
  accountId: string;
  key: string;
  extraKeyId: string;
  membershipId: string;
  clusterId: string;
  poolId: string;
  poolSpec: string;
  templateId: string;
  templateName: string;
  gatewayId: string;
  gatewayAddress: string;
  gatewayUid: string;
  sharingKey: string;
  routeId: string;
  routeUid: string;
  udpRouteId: string;
  udpRouteUid: string;
  sliceId: string;
  sliceUid: string;
  staticService: string;
  staticId: string;
  serviceId: string;
  serviceUid: string;
  grantId: string;
  grantUid: string;
  namespaceId: string;
  namespaceUid: string;
  namespaceLabel: string;
  caBundleId: string;
  caBundleUid: string;
  policyId: string;
  policyUid: string;
  listenerSetId: string;
  listenerSetUid: string;
  classId: string;
  classUid: string;
  certId: string;
  certName: string;
  certPemLine: string;
  /** A proxy of the tenant's gateway, reported by the EPIC node below. */
  proxyPod: string;
}

let env: TestEnv;
let A: Tenant;
let B: Tenant;
let revokedKey: string;
/** An EPIC node running both tenants' proxies: tenants must never see its addresses, BGP settings or token. */
const epicNode = { name: 'epic-1.nodes.example', address: '198.51.100.42', asn: 4_200_064_901, token: '' };

async function req(
  method: string,
  url: string,
  key: string | undefined,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const r = await env.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(key ? auth(key) : {}), ...headers },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  return r;
}
async function must(method: string, url: string, key: string, payload?: unknown) {
  const r = await req(method, `/api/v1${url}`, key, payload);
  if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  return r.json();
}

const http80 = [{ name: 'http', port: 80, protocol: 'HTTP' }];

async function tenant(
  name: string,
  octet: number,
  cert: { certificate: string; privateKey: string },
): Promise<Tenant> {
  const acct = await createAccount(env, name);
  const k = acct.key;
  const extra = await must('POST', '/api-keys', k, { name: 'extra', role: 'viewer' });
  const membership = await must('POST', `/accounts/${acct.id}/memberships`, k, {
    login: `${name}-user`,
    role: 'viewer',
  });
  const cluster = await must('POST', '/clusters', k, { name: 'prod' });
  const poolSpec = `10.${octet}.0.0/28`;
  const pool = await must('POST', '/address-pools', k, { name: `pool-${name}`, spec: poolSpec });
  const templateName = `tpl-${name}`;
  const template = await must('POST', '/templates', k, {
    name: templateName,
    poolName: `pool-${name}`,
    allowSharing: true,
    dnsNameTemplate: '{gateway}.{account}.example.com',
  });
  const gatewayUid = `gw-uid-${name}`;
  const sharingKey = `share-${name}`;
  const gw = await must('POST', '/gateways', k, {
    name: 'edge',
    namespace: 'web',
    template: templateName,
    clusterId: cluster.id,
    clientUid: gatewayUid,
    sharingKey,
    listeners: http80,
  });
  const routeUid = `route-uid-${name}`;
  const route = await must('POST', '/routes', k, {
    kind: 'HTTPRoute',
    name: 'shop',
    namespace: 'web',
    clusterId: cluster.id,
    clientUid: routeUid,
    spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] },
  });
  const udpRouteUid = `udp-route-uid-${name}`;
  const udpRoute = await must('POST', '/routes', k, {
    kind: 'UDPRoute',
    name: 'dns',
    namespace: 'web',
    clusterId: cluster.id,
    clientUid: udpRouteUid,
    spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'coredns', port: 53 }] }] },
  });
  const sliceUid = `eps-uid-${name}`;
  const slice = await must('PUT', '/endpoint-slices', k, {
    clusterId: cluster.id,
    clientUid: sliceUid,
    namespace: 'web',
    name: 'api-1',
    serviceName: 'api',
    ports: [{ port: 8080 }],
    endpoints: [{ addresses: [`10.${octet}.1.1`] }],
  });
  const staticService = `legacy-${name}`;
  const stat = await must('PUT', `/static-endpoints/web/${staticService}`, k, {
    ports: [{ port: 443 }],
    endpoints: [{ address: `10.${octet}.2.1` }],
  });
  const serviceUid = `svc-uid-${name}`;
  const service = await must('PUT', '/services', k, {
    clusterId: cluster.id,
    clientUid: serviceUid,
    namespace: 'web',
    name: 'api',
    ports: [{ port: 80 + octet }],
  });
  const grantUid = `rg-uid-${name}`;
  const grant = await must('PUT', '/reference-grants', k, {
    clusterId: cluster.id,
    clientUid: grantUid,
    namespace: 'backend',
    name: 'allow-web',
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
      to: [{ group: '', kind: 'Service' }],
    },
  });
  const namespaceUid = `ns-uid-${name}`;
  const namespaceLabel = `team-of-${name}`;
  const namespace = await must('PUT', '/namespaces', k, {
    clusterId: cluster.id,
    clientUid: namespaceUid,
    name: 'web',
    labels: { team: namespaceLabel },
  });
  const caBundleUid = `ca-uid-${name}`;
  const caBundle = await must('PUT', '/ca-bundles', k, {
    clusterId: cluster.id,
    clientUid: caBundleUid,
    kind: 'ConfigMap',
    namespace: 'web',
    name: `ca-${name}`,
    caCertificate: cert.certificate,
  });
  const policyUid = `btls-uid-${name}`;
  const policy = await must('PUT', '/backend-tls-policies', k, {
    clusterId: cluster.id,
    clientUid: policyUid,
    namespace: 'web',
    name: `btls-${name}`,
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
      validation: {
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: `ca-${name}` }],
        hostname: 'web.example.com',
      },
    },
  });
  const listenerSetUid = `ls-uid-${name}`;
  const listenerSet = await must('PUT', '/listener-sets', k, {
    clusterId: cluster.id,
    clientUid: listenerSetUid,
    namespace: 'web',
    name: `ls-${name}`,
    spec: { parentRef: { name: 'web' }, listeners: [{ name: `ls-${name}`, port: 8080, protocol: 'HTTP' }] },
  });
  const classUid = `gc-uid-${name}`;
  const gatewayClass = await must('PUT', '/gateway-classes', k, {
    clusterId: cluster.id,
    clientUid: classUid,
    name: `class-${name}`,
    spec: {
      controllerName: 'epic-gateway.io/gateway-controller',
      parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: templateName },
    },
  });
  const certName = `tls-${name}`;
  const certRow = await must('PUT', '/certificates', k, { namespace: 'web', name: certName, ...cert });
  return {
    name,
    accountId: acct.id,
    key: k,
    extraKeyId: extra.id,
    membershipId: membership.id,
    clusterId: cluster.id,
    poolId: pool.id,
    poolSpec,
    templateId: template.id,
    templateName,
    gatewayId: gw.id,
    gatewayAddress: gw.address,
    gatewayUid,
    sharingKey,
    routeId: route.id,
    routeUid,
    udpRouteId: udpRoute.id,
    udpRouteUid,
    sliceId: slice.id,
    sliceUid,
    staticService,
    staticId: stat.id,
    serviceId: service.id,
    serviceUid,
    grantId: grant.id,
    grantUid,
    namespaceId: namespace.id,
    namespaceUid,
    namespaceLabel,
    caBundleId: caBundle.id,
    caBundleUid,
    policyId: policy.id,
    policyUid,
    listenerSetId: listenerSet.id,
    listenerSetUid,
    classId: gatewayClass.id,
    classUid,
    certId: certRow.id,
    certName,
    certPemLine: cert.certificate.split('\n')[1]!,
    proxyPod: `envoy-${name}-0`,
  };
}

/** Identifiers of A that must never appear in anything B reads (long enough not to occur by chance in a random id). */
const secretsOf = (t: Tenant) => [
  t.accountId,
  t.extraKeyId,
  t.membershipId,
  t.clusterId,
  t.poolId,
  t.templateId,
  t.gatewayId,
  t.gatewayAddress,
  t.routeId,
  t.udpRouteId,
  t.udpRouteUid,
  t.sliceId,
  t.staticId,
  t.templateName,
  t.gatewayUid,
  t.routeUid,
  t.sliceUid,
  t.staticService,
  t.serviceId,
  t.serviceUid,
  t.grantId,
  t.grantUid,
  t.namespaceId,
  t.namespaceUid,
  t.namespaceLabel,
  t.caBundleId,
  t.caBundleUid,
  t.policyId,
  t.policyUid,
  t.listenerSetId,
  t.listenerSetUid,
  t.classId,
  t.classUid,
  t.certId,
  t.certName,
  t.certPemLine,
  t.proxyPod,
  epicNode.address,
  String(epicNode.asn),
];

/**
 * What B attempts on a route:
 *  - denied: addresses A's object by id or name → 403 or 404;
 *  - reference: B's own operation whose body references A's objects (cluster id, template name, clientUid…)
 *    or smuggles A's account id → refused with 400/403/404 (the referenced object does not exist for B);
 *  - list: B reads a collection (possibly filtered by A's ids) → 200 without any trace of A;
 *  - self: B reads who it is → 200 naming B only.
 */
// public: the same answer for every caller (no tenant data), e.g. the feature list.
type Expect = 'denied' | 'reference' | 'list' | 'self' | 'public';
interface RestAttempt {
  url: string;
  payload?: unknown;
  expect: Expect;
}

const restMatrix: Record<string, (a: Tenant, b: Tenant) => RestAttempt[]> = {
  'GET /whoami': () => [{ url: '/whoami', expect: 'self' }],
  'POST /accounts': (a) => [
    { url: '/accounts', payload: { name: 'hijack', displayName: a.name }, expect: 'denied' },
  ],
  'GET /accounts': () => [{ url: '/accounts', expect: 'list' }],
  'GET /accounts/:id': (a) => [{ url: `/accounts/${a.accountId}`, expect: 'denied' }],
  'PATCH /accounts/:id': (a) => [
    { url: `/accounts/${a.accountId}`, payload: { displayName: 'pwned' }, expect: 'denied' },
    { url: `/accounts/${a.accountId}`, payload: { gatewayQuota: 0 }, expect: 'denied' },
  ],
  'GET /accounts/:id/memberships': (a) => [{ url: `/accounts/${a.accountId}/memberships`, expect: 'denied' }],
  'POST /accounts/:id/memberships': (a) => [
    {
      url: `/accounts/${a.accountId}/memberships`,
      payload: { login: 'intruder', role: 'owner' },
      expect: 'denied',
    },
  ],
  'DELETE /accounts/:id/memberships/:membershipId': (a, b) => [
    { url: `/accounts/${a.accountId}/memberships/${a.membershipId}`, expect: 'denied' },
    // A's membership through B's own account
    { url: `/accounts/${b.accountId}/memberships/${a.membershipId}`, expect: 'denied' },
  ],
  'POST /api-keys': (a) => [
    { url: '/api-keys', payload: { name: 'x', role: 'owner', accountId: a.accountId }, expect: 'reference' },
  ],
  'GET /api-keys': () => [{ url: '/api-keys', expect: 'list' }],
  'DELETE /api-keys/:id': (a) => [{ url: `/api-keys/${a.extraKeyId}`, expect: 'denied' }],
  'POST /clusters': (a) => [
    { url: '/clusters', payload: { name: 'prod2', accountId: a.accountId }, expect: 'reference' },
  ],
  'GET /clusters': () => [{ url: '/clusters', expect: 'list' }],
  'GET /clusters/:id': (a) => [{ url: `/clusters/${a.clusterId}`, expect: 'denied' }],
  'DELETE /clusters/:id': (a) => [{ url: `/clusters/${a.clusterId}`, expect: 'denied' }],
  'POST /clusters/:id/sync': (a) => [
    { url: `/clusters/${a.clusterId}/sync`, payload: { full: true }, expect: 'denied' },
  ],
  'GET /clusters/:id/status': (a) => [{ url: `/clusters/${a.clusterId}/status`, expect: 'denied' }],
  'GET /features': () => [{ url: '/features', expect: 'public' }],
  'POST /address-pools': (a) => [
    {
      url: '/address-pools',
      payload: { name: 'steal', spec: a.poolSpec, accountId: a.accountId },
      expect: 'reference',
    },
    {
      url: '/address-pools',
      payload: { name: `pool-${a.name}`, spec: a.poolSpec, global: true },
      expect: 'reference',
    },
  ],
  'GET /address-pools': () => [{ url: '/address-pools', expect: 'list' }],
  'GET /address-pools/:id': (a) => [{ url: `/address-pools/${a.poolId}`, expect: 'denied' }],
  'DELETE /address-pools/:id': (a) => [{ url: `/address-pools/${a.poolId}`, expect: 'denied' }],
  'POST /templates': (a) => [
    {
      url: '/templates',
      payload: {
        name: 'x',
        poolName: `pool-${a.name}`,
        dnsNameTemplate: '{gateway}.example.com',
        accountId: a.accountId,
      },
      expect: 'reference',
    },
    {
      url: '/templates',
      payload: {
        name: a.templateName,
        poolName: `pool-${a.name}`,
        dnsNameTemplate: '{gateway}.example.com',
        starter: true,
      },
      expect: 'reference',
    },
  ],
  'GET /templates': () => [{ url: '/templates', expect: 'list' }],
  'GET /templates/:id': (a) => [{ url: `/templates/${a.templateId}`, expect: 'denied' }],
  'PUT /templates/:id': (a) => [
    { url: `/templates/${a.templateId}`, payload: { replicas: 7 }, expect: 'denied' },
  ],
  'DELETE /templates/:id': (a) => [{ url: `/templates/${a.templateId}`, expect: 'denied' }],
  'POST /gateways': (a, b) => [
    // A's template name: B has no such template
    {
      url: '/gateways',
      payload: { name: 'edge', template: a.templateName, listeners: http80 },
      expect: 'reference',
    },
    // A's cluster
    {
      url: '/gateways',
      payload: { name: 'edge', template: b.templateName, clusterId: a.clusterId, listeners: http80 },
      expect: 'reference',
    },
    // A's client uid and sharing key must neither update nor join A's gateway
    {
      url: '/gateways',
      payload: {
        name: 'edge',
        namespace: 'web',
        template: a.templateName,
        clientUid: a.gatewayUid,
        listeners: [{ name: 'h', port: 81, protocol: 'HTTP' }],
      },
      expect: 'reference',
    },
    {
      url: '/gateways',
      payload: {
        name: 'edge',
        namespace: 'web',
        template: a.templateName,
        sharingKey: a.sharingKey,
        listeners: http80,
      },
      expect: 'reference',
    },
    {
      url: '/gateways',
      payload: {
        name: 'edge',
        namespace: 'web',
        template: a.templateName,
        sharingKey: a.gatewayUid,
        listeners: http80,
      },
      expect: 'reference',
    },
  ],
  'GET /gateways': (a) => [
    { url: '/gateways', expect: 'list' },
    { url: `/gateways?clusterId=${a.clusterId}`, expect: 'list' },
    { url: `/gateways?template=${a.templateName}`, expect: 'list' },
  ],
  'GET /gateways/:id': (a) => [{ url: `/gateways/${a.gatewayId}`, expect: 'denied' }],
  'GET /gateways/:id/revisions': (a) => [{ url: `/gateways/${a.gatewayId}/revisions`, expect: 'denied' }],
  'GET /gateways/:id/revisions/diff': (a) => [
    { url: `/gateways/${a.gatewayId}/revisions/diff?from=1&to=1`, expect: 'denied' },
  ],
  'GET /gateways/:id/revisions/:version': (a) => [
    { url: `/gateways/${a.gatewayId}/revisions/1`, expect: 'denied' },
  ],
  'POST /gateways/:id/revisions/:version/rollback': (a) => [
    { url: `/gateways/${a.gatewayId}/revisions/1/rollback`, expect: 'denied' },
  ],
  'POST /gateways/:id/trace': (a) => [
    {
      url: `/gateways/${a.gatewayId}/trace`,
      payload: { host: 'shop.example.com', path: '/' },
      expect: 'denied',
    },
  ],
  'POST /gateways/:id/trace-datagram': (a) => [
    { url: `/gateways/${a.gatewayId}/trace-datagram`, payload: { port: 53 }, expect: 'denied' },
  ],
  'POST /gateways/:id/trace-connection': (a) => [
    {
      url: `/gateways/${a.gatewayId}/trace-connection`,
      payload: { port: 443, serverName: 'shop.example.com' },
      expect: 'denied',
    },
  ],
  'GET /gateways/:id/bootstrap': (a) => [{ url: `/gateways/${a.gatewayId}/bootstrap`, expect: 'denied' }],
  'POST /gateways/:id/xds-token': (a) => [
    { url: `/gateways/${a.gatewayId}/xds-token`, payload: {}, expect: 'denied' },
    { url: `/gateways/${a.gatewayId}/xds-token`, payload: { ttlSeconds: 3600 }, expect: 'denied' },
  ],
  'POST /gateways/:id/xds-token/revoke': (a) => [
    { url: `/gateways/${a.gatewayId}/xds-token/revoke`, payload: {}, expect: 'denied' },
  ],
  'PUT /gateways/:id/listeners': (a) => [
    { url: `/gateways/${a.gatewayId}/listeners`, payload: { listeners: http80 }, expect: 'denied' },
  ],
  'PUT /gateways/:id/addresses': (a) => [
    { url: `/gateways/${a.gatewayId}/addresses`, payload: { addresses: null }, expect: 'denied' },
  ],
  'PUT /gateways/:id/infrastructure': (a) => [
    {
      url: `/gateways/${a.gatewayId}/infrastructure`,
      payload: { infrastructure: { labels: { a: 'b' } } },
      expect: 'denied',
    },
  ],
  'DELETE /gateways/:id': (a) => [{ url: `/gateways/${a.gatewayId}`, expect: 'denied' }],
  'POST /routes': (a) => [
    {
      url: '/routes',
      payload: {
        kind: 'HTTPRoute',
        name: 'shop',
        namespace: 'web',
        clusterId: a.clusterId,
        clientUid: a.routeUid,
        spec: { parentRefs: [{ name: 'edge' }] },
      },
      expect: 'reference',
    },
    {
      url: '/routes',
      payload: { kind: 'HTTPRoute', name: 'shop', accountId: a.accountId, spec: {} },
      expect: 'reference',
    },
    {
      url: '/routes',
      payload: {
        kind: 'UDPRoute',
        name: 'dns',
        namespace: 'web',
        clusterId: a.clusterId,
        clientUid: a.udpRouteUid,
        spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'x', port: 53 }] }] },
      },
      expect: 'reference',
    },
  ],
  'GET /routes': (a) => [
    { url: '/routes', expect: 'list' },
    { url: `/routes?gatewayId=${a.gatewayId}`, expect: 'list' },
    { url: '/routes?kind=UDPRoute', expect: 'list' },
  ],
  'GET /routes/:id': (a) => [
    { url: `/routes/${a.routeId}`, expect: 'denied' },
    { url: `/routes/${a.udpRouteId}`, expect: 'denied' },
  ],
  'PUT /routes/:id': (a) => [
    { url: `/routes/${a.routeId}`, payload: { spec: { parentRefs: [{ name: 'edge' }] } }, expect: 'denied' },
    {
      url: `/routes/${a.udpRouteId}`,
      payload: { spec: { rules: [{ backendRefs: [{ name: 'x', port: 53 }] }] } },
      expect: 'denied',
    },
  ],
  'DELETE /routes/:id': (a) => [
    { url: `/routes/${a.routeId}`, expect: 'denied' },
    { url: `/routes/${a.udpRouteId}`, expect: 'denied' },
  ],
  'PUT /endpoint-slices': (a) => [
    {
      url: '/endpoint-slices',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.sliceUid,
        namespace: 'web',
        name: 'api-1',
        serviceName: 'api',
        endpoints: [{ addresses: ['10.99.0.1'] }],
      },
      expect: 'reference',
    },
  ],
  'GET /endpoint-slices': (a) => [
    { url: '/endpoint-slices', expect: 'list' },
    { url: `/endpoint-slices?clusterId=${a.clusterId}`, expect: 'list' },
  ],
  'GET /endpoint-slices/:id': (a) => [
    { url: `/endpoint-slices/${a.sliceId}`, expect: 'denied' },
    { url: `/endpoint-slices/${a.staticId}`, expect: 'denied' },
  ],
  'DELETE /endpoint-slices/:id': (a) => [
    { url: `/endpoint-slices/${a.sliceId}`, expect: 'denied' },
    { url: `/endpoint-slices/${a.staticId}`, expect: 'denied' },
  ],
  // Static endpoints are addressed by (namespace, service) inside the caller's account: B writing the same
  // names creates B's own slice (checked separately below); here B tries to change A's through its body.
  'PUT /static-endpoints/:namespace/:service': (a) => [
    {
      url: `/static-endpoints/web/${a.staticService}`,
      payload: { ports: [{ port: 443 }], endpoints: [{ address: '10.99.0.2' }], accountId: a.accountId },
      expect: 'reference',
    },
  ],
  'DELETE /static-endpoints/:namespace/:service': (a) => [
    { url: `/static-endpoints/web/${a.staticService}`, expect: 'denied' },
  ],
  'PUT /services': (a) => [
    {
      url: '/services',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.serviceUid,
        namespace: 'web',
        name: 'api',
        ports: [{ port: 1 }],
      },
      expect: 'reference',
    },
  ],
  'GET /services': (a) => [
    { url: '/services', expect: 'list' },
    { url: `/services?clusterId=${a.clusterId}`, expect: 'list' },
  ],
  'GET /services/:id': (a) => [{ url: `/services/${a.serviceId}`, expect: 'denied' }],
  'DELETE /services/:id': (a) => [{ url: `/services/${a.serviceId}`, expect: 'denied' }],
  'PUT /reference-grants': (a) => [
    {
      url: '/reference-grants',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.grantUid,
        namespace: 'backend',
        name: 'allow-web',
        spec: {
          from: [{ group: '', kind: 'HTTPRoute', namespace: 'x' }],
          to: [{ group: '', kind: 'Service' }],
        },
      },
      expect: 'reference',
    },
  ],
  'GET /reference-grants': (a) => [
    { url: '/reference-grants', expect: 'list' },
    { url: `/reference-grants?clusterId=${a.clusterId}`, expect: 'list' },
  ],
  'GET /reference-grants/:id': (a) => [{ url: `/reference-grants/${a.grantId}`, expect: 'denied' }],
  'DELETE /reference-grants/:id': (a) => [{ url: `/reference-grants/${a.grantId}`, expect: 'denied' }],
  'PUT /namespaces': (a) => [
    {
      url: '/namespaces',
      payload: { clusterId: a.clusterId, clientUid: a.namespaceUid, name: 'web', labels: { team: 'b' } },
      expect: 'reference',
    },
  ],
  'GET /namespaces': (a) => [
    { url: '/namespaces', expect: 'list' },
    { url: `/namespaces?clusterId=${a.clusterId}`, expect: 'list' },
    { url: '/namespaces?name=web', expect: 'list' },
  ],
  'PUT /gateway-classes': (a) => [
    {
      url: '/gateway-classes',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.classUid,
        name: 'class-b',
        spec: { controllerName: 'epic-gateway.io/gateway-controller' },
      },
      expect: 'reference',
    },
  ],
  'GET /gateway-classes': (a) => [
    { url: '/gateway-classes', expect: 'list' },
    { url: `/gateway-classes?clusterId=${a.clusterId}`, expect: 'list' },
  ],
  'GET /gateway-classes/:id': (a) => [{ url: `/gateway-classes/${a.classId}`, expect: 'denied' }],
  'DELETE /gateway-classes/:id': (a) => [{ url: `/gateway-classes/${a.classId}`, expect: 'denied' }],
  'GET /namespaces/:id': (a) => [{ url: `/namespaces/${a.namespaceId}`, expect: 'denied' }],
  'PUT /ca-bundles': (a) => [
    {
      url: '/ca-bundles',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.caBundleUid,
        kind: 'ConfigMap',
        namespace: 'web',
        name: 'ca-b',
      },
      expect: 'reference',
    },
  ],
  'GET /ca-bundles': (a) => [
    { url: '/ca-bundles', expect: 'list' },
    { url: `/ca-bundles?clusterId=${a.clusterId}`, expect: 'list' },
    { url: '/ca-bundles?namespace=web', expect: 'list' },
  ],
  'GET /ca-bundles/:id': (a) => [{ url: `/ca-bundles/${a.caBundleId}`, expect: 'denied' }],
  'PUT /backend-tls-policies': (a) => [
    {
      url: '/backend-tls-policies',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.policyUid,
        namespace: 'web',
        name: 'btls-b',
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
          validation: { wellKnownCACertificates: 'System', hostname: 'web.example.com' },
        },
      },
      expect: 'reference',
    },
  ],
  'GET /backend-tls-policies': (a) => [
    { url: '/backend-tls-policies', expect: 'list' },
    { url: `/backend-tls-policies?clusterId=${a.clusterId}`, expect: 'list' },
    { url: '/backend-tls-policies?namespace=web', expect: 'list' },
  ],
  'GET /backend-tls-policies/:id': (a) => [{ url: `/backend-tls-policies/${a.policyId}`, expect: 'denied' }],
  'DELETE /backend-tls-policies/:id': (a) => [
    { url: `/backend-tls-policies/${a.policyId}`, expect: 'denied' },
  ],
  'PUT /listener-sets': (a) => [
    {
      url: '/listener-sets',
      payload: {
        clusterId: a.clusterId,
        clientUid: a.listenerSetUid,
        namespace: 'web',
        name: 'ls-b',
        spec: { parentRef: { name: 'web' }, listeners: [{ name: 'x', port: 8081, protocol: 'HTTP' }] },
      },
      expect: 'reference',
    },
  ],
  'GET /listener-sets': (a) => [
    { url: '/listener-sets', expect: 'list' },
    { url: `/listener-sets?clusterId=${a.clusterId}`, expect: 'list' },
    { url: '/listener-sets?namespace=web', expect: 'list' },
  ],
  'GET /listener-sets/:id': (a) => [{ url: `/listener-sets/${a.listenerSetId}`, expect: 'denied' }],
  'DELETE /listener-sets/:id': (a) => [{ url: `/listener-sets/${a.listenerSetId}`, expect: 'denied' }],
  'PUT /gateways/:id/allowed-listeners': (a) => [
    {
      url: `/gateways/${a.gatewayId}/allowed-listeners`,
      payload: { allowedListeners: { namespaces: { from: 'All' } } },
      expect: 'denied',
    },
  ],
  'DELETE /ca-bundles/:id': (a) => [{ url: `/ca-bundles/${a.caBundleId}`, expect: 'denied' }],
  'PUT /gateways/:id/tls': (a) => [
    {
      url: `/gateways/${a.gatewayId}/tls`,
      payload: {
        tls: {
          frontend: {
            default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'x' }] } },
          },
        },
      },
      expect: 'denied',
    },
  ],
  'DELETE /namespaces/:id': (a) => [{ url: `/namespaces/${a.namespaceId}`, expect: 'denied' }],
  // Certificates are addressed by (namespace, name) inside the caller's account: B writing A's names makes
  // B's own (checked separately below); here B tries to reach A's through the body.
  'PUT /certificates': (a) => [
    {
      url: '/certificates',
      payload: { namespace: 'web', name: a.certName, ...testCertB, accountId: a.accountId },
      expect: 'reference',
    },
  ],
  'GET /certificates': () => [{ url: '/certificates', expect: 'list' }],
  'GET /certificates/:id': (a) => [{ url: `/certificates/${a.certId}`, expect: 'denied' }],
  'DELETE /certificates/:id': (a) => [{ url: `/certificates/${a.certId}`, expect: 'denied' }],
  'GET /gateways/:id/proxies': (a) => [{ url: `/gateways/${a.gatewayId}/proxies`, expect: 'denied' }],
  // EPIC nodes are the platform's: a tenant's owner key may neither read nor act for one.
  'POST /epic-nodes': () => [
    { url: '/epic-nodes', payload: { name: 'rogue.nodes.example' }, expect: 'denied' },
    { url: '/epic-nodes', payload: { name: epicNode.name }, expect: 'denied' },
  ],
  'GET /epic-nodes': () => [{ url: '/epic-nodes', expect: 'denied' }],
  'GET /epic-nodes/:name': () => [{ url: `/epic-nodes/${epicNode.name}`, expect: 'denied' }],
  'DELETE /epic-nodes/:name': () => [{ url: `/epic-nodes/${epicNode.name}`, expect: 'denied' }],
  'POST /epic-nodes/:name/drain': () => [
    { url: `/epic-nodes/${epicNode.name}/drain`, payload: {}, expect: 'denied' },
  ],
  'PUT /epic-nodes/:name': () => [
    { url: `/epic-nodes/${epicNode.name}`, payload: { addresses: ['192.0.2.66'] }, expect: 'denied' },
  ],
  'GET /epic-nodes/:name/desired': () => [{ url: `/epic-nodes/${epicNode.name}/desired`, expect: 'denied' }],
  'PUT /epic-nodes/:name/proxies': (a) => [
    {
      url: `/epic-nodes/${epicNode.name}/proxies`,
      payload: {
        proxies: [
          { gatewayId: a.gatewayId, podName: 'hijack', vethIfindex: null, ready: true, ackedVersion: 1 },
        ],
      },
      expect: 'denied',
    },
    { url: `/epic-nodes/${epicNode.name}/proxies`, payload: { proxies: [] }, expect: 'denied' },
  ],
  'POST /epic-nodes/:name/sync': (a) => [
    {
      url: `/epic-nodes/${epicNode.name}/sync`,
      payload: {
        proxies: [
          { gatewayId: a.gatewayId, podName: 'hijack', vethIfindex: null, ready: true, ackedVersion: 1 },
        ],
      },
      expect: 'denied',
    },
    { url: `/epic-nodes/${epicNode.name}/sync`, payload: { proxies: [] }, expect: 'denied' },
  ],
  'GET /audit-events': (a) => [
    { url: '/audit-events?limit=500', expect: 'list' },
    { url: `/audit-events?objectId=${a.gatewayId}`, expect: 'list' },
  ],
};

function methodOf(key: string) {
  return key.split(' ')[0]!;
}

/** Nothing of A in the answer, except what B itself sent (a 404 may echo the id it was asked for). */
function expectTraceless(body: string, a: Tenant, sent: string, what: string) {
  for (const s of secretsOf(a)) {
    if (!sent.includes(s)) expect(body.includes(s), `${what} leaks ${s}: ${body.slice(0, 300)}`).toBe(false);
  }
}

/** The route list, taken from the same declaration the app registers (handlers are never called here). */
const declared = restRoutes({} as Services).map((r) => ({
  key: `${r.method} ${r.path}`,
  method: r.method,
  path: r.path,
  public: r.public === true,
  node: r.node === true,
  field: r.graphql.name,
}));

beforeAll(async () => {
  env = await testEnv();
  A = await tenant('tenant-a', 31, testCertA);
  B = await tenant('tenant-b', 32, testCertB);
  const revoked = await must('POST', '/api-keys', A.key, { name: 'revoked', role: 'admin' });
  await must('DELETE', `/api-keys/${revoked.id}`, A.key);
  revokedKey = revoked.secret;
  const node = await env.app.inject({
    method: 'POST',
    url: '/api/v1/epic-nodes',
    headers: auth(env.adminKey),
    payload: {
      name: epicNode.name,
      addresses: [epicNode.address],
      bgp: { asn: epicNode.asn, routerId: epicNode.address, peers: [] },
    },
  });
  expect(node.statusCode, node.body).toBe(201);
  epicNode.token = node.json().token;
  const report = await req('PUT', `/api/v1/epic-nodes/${epicNode.name}/proxies`, epicNode.token, {
    proxies: [A, B].map((t) => ({
      gatewayId: t.gatewayId,
      podName: t.proxyPod,
      vethIfindex: 5,
      ready: true,
      ackedVersion: 1,
    })),
  });
  expect(report.statusCode, report.body).toBe(204);
  // Render both gateways once, so that revision, trace and bootstrap routes have real rows to guard.
  await createReconciler({
    db: env.db,
    databaseUrl: env.url,
    log: pino({ level: 'silent' }),
    resyncSeconds: 3600,
  }).drain();
  expect(
    await env.db.configRevision.count({ where: { gatewayId: { in: [A.gatewayId, B.gatewayId] } } }),
  ).toBe(2);
});
afterAll(() => env?.close());

describe('the matrix covers every route and field', () => {
  it('every REST route has a matrix entry and every entry names a route', () => {
    const keys = declared.filter((r) => !r.public).map((r) => r.key);
    expect(keys.filter((k) => !(k in restMatrix))).toEqual([]);
    expect(Object.keys(restMatrix).filter((k) => !keys.includes(k))).toEqual([]);
  });
});

describe('REST: B against A', () => {
  it.each(declared.filter((r) => !r.public).map((r) => [r.key]))('%s', async (key) => {
    const attempts = restMatrix[key]!(A, B);
    expect(attempts.length).toBeGreaterThan(0);
    for (const at of attempts) {
      const before: DbSnapshot = await snapshotDb(env.db.$pool);
      const r = await req(methodOf(key), `/api/v1${at.url}`, B.key, at.payload);
      const what = `${key} ${at.url} ${JSON.stringify(at.payload ?? '')} → ${r.statusCode} ${r.body.slice(0, 300)}`;
      switch (at.expect) {
        case 'denied':
          expect([403, 404], what).toContain(r.statusCode);
          break;
        case 'reference':
          expect([400, 403, 404], what).toContain(r.statusCode);
          break;
        case 'list':
        case 'public':
          expect(r.statusCode, what).toBe(200);
          break;
        case 'self':
          expect(r.statusCode, what).toBe(200);
          expect(r.json().accountId).toBe(B.accountId);
          break;
      }
      expectTraceless(r.body, A, at.url + JSON.stringify(at.payload ?? ''), what);
      expect(await snapshotDb(env.db.$pool), what).toEqual(before);
    }
  });
});

/** GraphQL attempts, with the same meaning of `expect` as for REST. */
interface GqlAttempt {
  query: string;
  variables?: Record<string, unknown>;
  expect: Expect;
}
const gqlMatrix: Record<string, (a: Tenant, b: Tenant) => GqlAttempt[]> = {
  'Query.whoami': () => [{ query: '{ whoami { accountId accountName } }', expect: 'self' }],
  'Query.accounts': () => [{ query: '{ accounts { edges { node { id name } } } }', expect: 'list' }],
  'Query.account': (a) => [
    {
      query: 'query($id: ID!) { account(id: $id) { id name } }',
      variables: { id: a.accountId },
      expect: 'denied',
    },
  ],
  'Query.memberships': (a) => [
    {
      query: 'query($id: ID!) { memberships(accountId: $id) { edges { node { id } } } }',
      variables: { id: a.accountId },
      expect: 'denied',
    },
  ],
  'Query.apiKeys': () => [{ query: '{ apiKeys { edges { node { id name prefix } } } }', expect: 'list' }],
  'Query.clusters': () => [{ query: '{ clusters { edges { node { id name } } } }', expect: 'list' }],
  'Query.clusterStatus': (a) => [
    {
      query: 'query($id: ID!) { clusterStatus(clusterId: $id) { __typename } }',
      variables: { id: a.clusterId },
      expect: 'denied',
    },
  ],
  'Query.features': () => [{ query: '{ features { supportedFeatures } }', expect: 'public' }],
  'Query.cluster': (a) => [
    {
      query: 'query($id: ID!) { cluster(id: $id) { id } }',
      variables: { id: a.clusterId },
      expect: 'denied',
    },
  ],
  'Query.addressPools': () => [
    { query: '{ addressPools { edges { node { id name spec } } } }', expect: 'list' },
  ],
  'Query.addressPool': (a) => [
    {
      query: 'query($id: ID!) { addressPool(id: $id) { id } }',
      variables: { id: a.poolId },
      expect: 'denied',
    },
  ],
  'Query.templates': () => [{ query: '{ templates { edges { node { id name } } } }', expect: 'list' }],
  'Query.template': (a) => [
    {
      query: 'query($id: ID!) { template(id: $id) { id } }',
      variables: { id: a.templateId },
      expect: 'denied',
    },
  ],
  'Query.gateways': (a) => [
    {
      query:
        '{ gateways(first: 500) { edges { node { id name address clients { clientUid } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { gateways(filter: { clusterId: $c }) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.gateway': (a) => [
    {
      query: 'query($id: ID!) { gateway(id: $id) { id } }',
      variables: { id: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.revisions': (a) => [
    {
      query:
        'query($g: ID!) { revisions(gatewayId: $g) { edges { node { version hash } cursor } pageInfo { hasNextPage } } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.revision': (a) => [
    {
      query: 'query($g: ID!) { revision(gatewayId: $g, version: 1) { version resources } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.revisionDiff': (a) => [
    {
      query: 'query($g: ID!) { revisionDiff(gatewayId: $g, from: 1, to: 1) { from } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.traceRequest': (a) => [
    {
      query:
        'query($g: ID!, $i: TraceRequestInput!) { traceRequest(gatewayId: $g, input: $i) { revision outcome } }',
      variables: { g: a.gatewayId, i: { host: 'shop.example.com', path: '/' } },
      expect: 'denied',
    },
  ],
  'Query.traceDatagram': (a) => [
    {
      query:
        'query($g: ID!, $i: TraceDatagramInput!) { traceDatagram(gatewayId: $g, input: $i) { revision connection } }',
      variables: { g: a.gatewayId, i: { port: 53 } },
      expect: 'denied',
    },
  ],
  'Query.traceConnection': (a) => [
    {
      query:
        'query($g: ID!, $i: TraceConnectionInput!) { traceConnection(gatewayId: $g, input: $i) { revision connection } }',
      variables: { g: a.gatewayId, i: { port: 443, serverName: 'shop.example.com' } },
      expect: 'denied',
    },
  ],
  'Query.gatewayBootstrap': (a) => [
    {
      query: 'query($g: ID!) { gatewayBootstrap(gatewayId: $g) }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Mutation.rollbackGateway': (a) => [
    {
      query: 'mutation($g: ID!) { rollbackGateway(gatewayId: $g, version: 1) { version } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Mutation.issueXdsToken': (a) => [
    {
      query: 'mutation($g: ID!) { issueXdsToken(gatewayId: $g) { token expiresAt } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Mutation.revokeXdsTokens': (a) => [
    {
      query: 'mutation($g: ID!) { revokeXdsTokens(gatewayId: $g) { generation } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.routes': (a) => [
    {
      query: '{ routes(first: 500) { edges { node { id clientUid } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($g: ID) { routes(filter: { gatewayId: $g }) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { g: a.gatewayId },
      expect: 'list',
    },
  ],
  'Query.route': (a) => [
    { query: 'query($id: ID!) { route(id: $id) { id } }', variables: { id: a.routeId }, expect: 'denied' },
  ],
  'Query.endpointSlices': (a) => [
    {
      query:
        '{ endpointSlices(first: 500) { edges { node { id clientUid serviceName endpoints { addresses } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { endpointSlices(filter: { clusterId: $c }) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.endpointSlice': (a) => [
    {
      query: 'query($id: ID!) { endpointSlice(id: $id) { id } }',
      variables: { id: a.sliceId },
      expect: 'denied',
    },
    {
      query: 'query($id: ID!) { endpointSlice(id: $id) { id } }',
      variables: { id: a.staticId },
      expect: 'denied',
    },
  ],
  'Query.services': (a) => [
    {
      query:
        '{ services(first: 500) { edges { node { id clientUid ports { port } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { services(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.service': (a) => [
    {
      query: 'query($id: ID!) { service(id: $id) { id } }',
      variables: { id: a.serviceId },
      expect: 'denied',
    },
  ],
  'Query.referenceGrants': (a) => [
    {
      query:
        '{ referenceGrants(first: 500) { edges { node { id clientUid spec } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { referenceGrants(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.namespaces': (a) => [
    {
      query:
        '{ namespaces(first: 500) { edges { node { id clientUid name labels } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { namespaces(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.gatewayClasses': (a) => [
    {
      query:
        '{ gatewayClasses(first: 500) { edges { node { id clientUid name spec status { supportedFeatures { name } } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { gatewayClasses(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.gatewayClass': (a) => [
    {
      query: 'query($id: ID!) { gatewayClass(id: $id) { id spec } }',
      variables: { id: a.classId },
      expect: 'denied',
    },
  ],
  'Query.caBundles': (a) => [
    {
      query:
        '{ caBundles(first: 500) { edges { node { id clientUid kind namespace name caCertificate } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { caBundles(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.backendTlsPolicies': (a) => [
    {
      query:
        '{ backendTlsPolicies(first: 500) { edges { node { id clientUid namespace name spec { validation { hostname } } status { ancestors { gatewayId } } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { backendTlsPolicies(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.listenerSets': (a) => [
    {
      query:
        '{ listenerSets(first: 500) { edges { node { id clientUid namespace name spec { parentRef { name } } status { gatewayId } } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
    {
      query:
        'query($c: ID) { listenerSets(clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      variables: { c: a.clusterId },
      expect: 'list',
    },
  ],
  'Query.listenerSet': (a) => [
    {
      query: 'query($id: ID!) { listenerSet(id: $id) { id name } }',
      variables: { id: a.listenerSetId },
      expect: 'denied',
    },
  ],
  'Query.backendTlsPolicy': (a) => [
    {
      query: 'query($id: ID!) { backendTlsPolicy(id: $id) { id name } }',
      variables: { id: a.policyId },
      expect: 'denied',
    },
  ],
  'Query.caBundle': (a) => [
    {
      query: 'query($id: ID!) { caBundle(id: $id) { id caCertificate } }',
      variables: { id: a.caBundleId },
      expect: 'denied',
    },
  ],
  'Query.namespace': (a) => [
    {
      query: 'query($id: ID!) { namespace(id: $id) { id labels } }',
      variables: { id: a.namespaceId },
      expect: 'denied',
    },
  ],
  'Query.referenceGrant': (a) => [
    {
      query: 'query($id: ID!) { referenceGrant(id: $id) { id } }',
      variables: { id: a.grantId },
      expect: 'denied',
    },
  ],
  'Query.certificates': () => [
    { query: '{ certificates { edges { node { id name certificate subject } } } }', expect: 'list' },
  ],
  'Query.certificate': (a) => [
    {
      query: 'query($id: ID!) { certificate(id: $id) { id certificate } }',
      variables: { id: a.certId },
      expect: 'denied',
    },
  ],
  'Query.auditEvents': () => [
    {
      query:
        '{ auditEvents(first: 500) { edges { node { id objectId data } cursor } pageInfo { hasNextPage } } }',
      expect: 'list',
    },
  ],

  'Mutation.createAccount': () => [
    { query: 'mutation { createAccount(input: { name: "hijack" }) { account { id } } }', expect: 'denied' },
  ],
  'Mutation.updateAccount': (a) => [
    {
      query: 'mutation($id: ID!) { updateAccount(id: $id, input: { displayName: "pwned" }) { id } }',
      variables: { id: a.accountId },
      expect: 'denied',
    },
  ],
  'Mutation.addMembership': (a) => [
    {
      query:
        'mutation($id: ID!) { addMembership(accountId: $id, input: { login: "intruder", role: owner }) { id } }',
      variables: { id: a.accountId },
      expect: 'denied',
    },
  ],
  'Mutation.removeMembership': (a, b) => [
    {
      query: 'mutation($a: ID!, $m: ID!) { removeMembership(accountId: $a, membershipId: $m) }',
      variables: { a: a.accountId, m: a.membershipId },
      expect: 'denied',
    },
    {
      query: 'mutation($a: ID!, $m: ID!) { removeMembership(accountId: $a, membershipId: $m) }',
      variables: { a: b.accountId, m: a.membershipId },
      expect: 'denied',
    },
  ],
  'Mutation.createApiKey': (a) => [
    {
      query: 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { id } }',
      variables: { i: { name: 'x', accountId: a.accountId } },
      expect: 'reference',
    },
  ],
  'Mutation.revokeApiKey': (a) => [
    {
      query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      variables: { id: a.extraKeyId },
      expect: 'denied',
    },
  ],
  'Mutation.createCluster': (a) => [
    {
      query: 'mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }',
      variables: { i: { name: 'x', accountId: a.accountId } },
      expect: 'reference',
    },
  ],
  'Mutation.syncCluster': (a) => [
    {
      query: 'mutation($id: ID!) { syncCluster(clusterId: $id, input: { full: true }) { __typename } }',
      variables: { id: a.clusterId },
      expect: 'denied',
    },
  ],
  'Mutation.deleteCluster': (a) => [
    {
      query: 'mutation($id: ID!) { deleteCluster(id: $id) }',
      variables: { id: a.clusterId },
      expect: 'denied',
    },
  ],
  'Mutation.createAddressPool': (a) => [
    {
      query: 'mutation($i: CreateAddressPoolInput!) { createAddressPool(input: $i) { id } }',
      variables: { i: { name: 'steal', spec: a.poolSpec } },
      expect: 'reference',
    },
  ],
  'Mutation.deleteAddressPool': (a) => [
    {
      query: 'mutation($id: ID!) { deleteAddressPool(id: $id) }',
      variables: { id: a.poolId },
      expect: 'denied',
    },
  ],
  'Mutation.createTemplate': (a) => [
    {
      query: 'mutation($i: CreateTemplateInput!) { createTemplate(input: $i) { id } }',
      variables: {
        i: { name: 'x', poolName: 'p', dnsNameTemplate: '{gateway}.example.com', accountId: a.accountId },
      },
      expect: 'reference',
    },
  ],
  'Mutation.updateTemplate': (a) => [
    {
      query: 'mutation($id: ID!) { updateTemplate(id: $id, input: { replicas: 7 }) { id } }',
      variables: { id: a.templateId },
      expect: 'denied',
    },
  ],
  'Mutation.deleteTemplate': (a) => [
    {
      query: 'mutation($id: ID!) { deleteTemplate(id: $id) }',
      variables: { id: a.templateId },
      expect: 'denied',
    },
  ],
  'Mutation.createGateway': (a, b) => [
    {
      query: 'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created } }',
      variables: { i: { name: 'edge', template: a.templateName, listeners: http80 } },
      expect: 'reference',
    },
    {
      query: 'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created } }',
      variables: { i: { name: 'edge', template: b.templateName, clusterId: a.clusterId, listeners: http80 } },
      expect: 'reference',
    },
    {
      query: 'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created } }',
      variables: {
        i: {
          name: 'edge',
          namespace: 'web',
          template: a.templateName,
          clientUid: a.gatewayUid,
          sharingKey: a.sharingKey,
          listeners: http80,
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.updateGatewayListeners': (a) => [
    {
      query:
        'mutation($id: ID!, $l: [ListenerInput!]!) { updateGatewayListeners(id: $id, listeners: $l) { id } }',
      variables: { id: a.gatewayId, l: http80 },
      expect: 'denied',
    },
  ],
  'Mutation.updateGatewayAddresses': (a) => [
    {
      query:
        'mutation($id: ID!, $a: [GatewaySpecAddressInput!]) { updateGatewayAddresses(id: $id, addresses: $a) { id } }',
      variables: { id: a.gatewayId, a: null },
      expect: 'denied',
    },
  ],
  'Mutation.updateGatewayInfrastructure': (a) => [
    {
      query:
        'mutation($id: ID!, $i: GatewayInfrastructureInput) { updateGatewayInfrastructure(id: $id, infrastructure: $i) { id } }',
      variables: { id: a.gatewayId, i: { labels: { a: 'b' } } },
      expect: 'denied',
    },
  ],
  'Mutation.deleteGateway': (a) => [
    {
      query: 'mutation($id: ID!) { deleteGateway(id: $id) }',
      variables: { id: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Mutation.upsertRoute': (a) => [
    {
      query: 'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created } }',
      variables: {
        i: {
          kind: 'HTTPRoute',
          name: 'shop',
          namespace: 'web',
          clusterId: a.clusterId,
          clientUid: a.routeUid,
          spec: {},
        },
      },
      expect: 'reference',
    },
    {
      query: 'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created } }',
      variables: {
        i: {
          kind: 'UDPRoute',
          name: 'dns',
          namespace: 'web',
          clusterId: a.clusterId,
          clientUid: a.udpRouteUid,
          spec: { rules: [{ backendRefs: [{ name: 'x', port: 53 }] }] },
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.updateRoute': (a) => [
    {
      query: 'mutation($id: ID!) { updateRoute(id: $id, spec: { parentRefs: [] }) { id } }',
      variables: { id: a.routeId },
      expect: 'denied',
    },
  ],
  'Mutation.deleteRoute': (a) => [
    { query: 'mutation($id: ID!) { deleteRoute(id: $id) }', variables: { id: a.routeId }, expect: 'denied' },
    {
      query: 'mutation($id: ID!) { deleteRoute(id: $id) }',
      variables: { id: a.udpRouteId },
      expect: 'denied',
    },
  ],
  'Mutation.upsertEndpointSlice': (a) => [
    {
      query: 'mutation($i: UpsertEndpointSliceInput!) { upsertEndpointSlice(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.sliceUid,
          namespace: 'web',
          name: 'api-1',
          serviceName: 'api',
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.deleteEndpointSlice': (a) => [
    {
      query: 'mutation($id: ID!) { deleteEndpointSlice(id: $id) }',
      variables: { id: a.sliceId },
      expect: 'denied',
    },
    {
      query: 'mutation($id: ID!) { deleteEndpointSlice(id: $id) }',
      variables: { id: a.staticId },
      expect: 'denied',
    },
  ],
  'Mutation.setStaticEndpoints': (a) => [
    {
      query:
        'mutation($s: String!, $i: SetStaticEndpointsInput!) { setStaticEndpoints(namespace: "web", service: $s, input: $i) { id } }',
      variables: { s: a.staticService, i: { ports: [{ port: 1 }], endpoints: [], accountId: a.accountId } },
      expect: 'reference',
    },
  ],
  'Mutation.upsertService': (a) => [
    {
      query: 'mutation($i: UpsertServiceInput!) { upsertService(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.serviceUid,
          name: 'api',
          namespace: 'web',
          ports: [{ port: 1 }],
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.deleteService': (a) => [
    {
      query: 'mutation($id: ID!) { deleteService(id: $id) }',
      variables: { id: a.serviceId },
      expect: 'denied',
    },
  ],
  'Mutation.upsertReferenceGrant': (a) => [
    {
      query: 'mutation($i: UpsertReferenceGrantInput!) { upsertReferenceGrant(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.grantUid,
          namespace: 'backend',
          name: 'allow-web',
          spec: {
            from: [{ group: '', kind: 'HTTPRoute', namespace: 'x' }],
            to: [{ group: '', kind: 'Service' }],
          },
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.upsertNamespace': (a) => [
    {
      query: 'mutation($i: UpsertNamespaceInput!) { upsertNamespace(input: $i) { created } }',
      variables: {
        i: { clusterId: a.clusterId, clientUid: a.namespaceUid, name: 'web', labels: { team: 'b' } },
      },
      expect: 'reference',
    },
  ],
  'Mutation.upsertGatewayClass': (a) => [
    {
      query: 'mutation($i: UpsertGatewayClassInput!) { upsertGatewayClass(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.classUid,
          name: 'class-b',
          spec: { controllerName: 'epic-gateway.io/gateway-controller' },
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.deleteGatewayClass': (a) => [
    {
      query: 'mutation($id: ID!) { deleteGatewayClass(id: $id) }',
      variables: { id: a.classId },
      expect: 'denied',
    },
  ],
  'Mutation.upsertCaBundle': (a) => [
    {
      query: 'mutation($i: UpsertCaBundleInput!) { upsertCaBundle(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.caBundleUid,
          kind: 'ConfigMap',
          namespace: 'web',
          name: 'ca-b',
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.upsertBackendTlsPolicy': (a) => [
    {
      query: 'mutation($i: UpsertBackendTlsPolicyInput!) { upsertBackendTlsPolicy(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.policyUid,
          namespace: 'web',
          name: 'btls-b',
          spec: {
            targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
            validation: { wellKnownCACertificates: 'System', hostname: 'web.example.com' },
          },
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.upsertListenerSet': (a) => [
    {
      query: 'mutation($i: UpsertListenerSetInput!) { upsertListenerSet(input: $i) { created } }',
      variables: {
        i: {
          clusterId: a.clusterId,
          clientUid: a.listenerSetUid,
          namespace: 'web',
          name: 'ls-b',
          spec: { parentRef: { name: 'web' }, listeners: [{ name: 'x', port: 8081, protocol: 'HTTP' }] },
        },
      },
      expect: 'reference',
    },
  ],
  'Mutation.deleteListenerSet': (a) => [
    {
      query: 'mutation($id: ID!) { deleteListenerSet(id: $id) }',
      variables: { id: a.listenerSetId },
      expect: 'denied',
    },
  ],
  'Mutation.updateGatewayAllowedListeners': (a) => [
    {
      query:
        'mutation($id: ID!, $a: AllowedListenersInput) { updateGatewayAllowedListeners(id: $id, allowedListeners: $a) { id } }',
      variables: { id: a.gatewayId, a: { namespaces: { from: 'All' } } },
      expect: 'denied',
    },
  ],
  'Mutation.deleteBackendTlsPolicy': (a) => [
    {
      query: 'mutation($id: ID!) { deleteBackendTlsPolicy(id: $id) }',
      variables: { id: a.policyId },
      expect: 'denied',
    },
  ],
  'Mutation.deleteCaBundle': (a) => [
    {
      query: 'mutation($id: ID!) { deleteCaBundle(id: $id) }',
      variables: { id: a.caBundleId },
      expect: 'denied',
    },
  ],
  'Mutation.updateGatewayTls': (a) => [
    {
      query: 'mutation($id: ID!, $t: GatewayTLSInput) { updateGatewayTls(id: $id, tls: $t) { id } }',
      variables: { id: a.gatewayId, t: { backend: {} } },
      expect: 'denied',
    },
  ],
  'Mutation.deleteNamespace': (a) => [
    {
      query: 'mutation($id: ID!) { deleteNamespace(id: $id) }',
      variables: { id: a.namespaceId },
      expect: 'denied',
    },
  ],
  'Mutation.deleteReferenceGrant': (a) => [
    {
      query: 'mutation($id: ID!) { deleteReferenceGrant(id: $id) }',
      variables: { id: a.grantId },
      expect: 'denied',
    },
  ],
  'Mutation.upsertCertificate': (a) => [
    {
      query: 'mutation($i: UpsertCertificateInput!) { upsertCertificate(input: $i) { created } }',
      variables: { i: { namespace: 'web', name: a.certName, ...testCertB, accountId: a.accountId } },
      expect: 'reference',
    },
  ],
  'Mutation.deleteCertificate': (a) => [
    {
      query: 'mutation($id: ID!) { deleteCertificate(id: $id) }',
      variables: { id: a.certId },
      expect: 'denied',
    },
  ],
  'Query.gatewayProxies': (a) => [
    {
      query: 'query($g: ID!) { gatewayProxies(gatewayId: $g) { edges { node { podName node ready } } } }',
      variables: { g: a.gatewayId },
      expect: 'denied',
    },
  ],
  'Query.epicNodes': () => [
    { query: '{ epicNodes { edges { node { name addresses bgp { asn } } } } }', expect: 'denied' },
  ],
  'Query.epicNode': () => [
    {
      query: 'query($n: String!) { epicNode(name: $n) { name addresses } }',
      variables: { n: epicNode.name },
      expect: 'denied',
    },
  ],
  'Query.epicNodeDesiredState': () => [
    {
      query: 'query($n: String!) { epicNodeDesiredState(name: $n) { gateways { gatewayId addresses } } }',
      variables: { n: epicNode.name },
      expect: 'denied',
    },
  ],
  'Mutation.createEpicNode': () => [
    {
      query: 'mutation { createEpicNode(input: { name: "rogue.nodes.example" }) { token } }',
      expect: 'denied',
    },
  ],
  'Mutation.deleteEpicNode': () => [
    {
      query: 'mutation($n: String!) { deleteEpicNode(name: $n) }',
      variables: { n: epicNode.name },
      expect: 'denied',
    },
  ],
  'Mutation.drainEpicNode': () => [
    {
      query: 'mutation($n: String!) { drainEpicNode(name: $n, input: {}) { draining } }',
      variables: { n: epicNode.name },
      expect: 'denied',
    },
  ],
  'Mutation.registerEpicNode': () => [
    {
      query:
        'mutation($n: String!) { registerEpicNode(name: $n, input: { addresses: ["192.0.2.66"] }) { name } }',
      variables: { n: epicNode.name },
      expect: 'denied',
    },
  ],
  'Mutation.reportEpicNodeProxies': (a) => [
    {
      query:
        'mutation($n: String!, $i: ReportEpicNodeProxiesInput!) { reportEpicNodeProxies(name: $n, input: $i) }',
      variables: {
        n: epicNode.name,
        i: {
          proxies: [
            { gatewayId: a.gatewayId, podName: 'hijack', vethIfindex: null, ready: true, ackedVersion: 1 },
          ],
        },
      },
      expect: 'denied',
    },
  ],
  'Mutation.syncEpicNode': (a) => [
    {
      query:
        'mutation($n: String!, $i: ReportEpicNodeProxiesInput!) { syncEpicNode(name: $n, input: $i) { node gateways { gatewayId } } }',
      variables: {
        n: epicNode.name,
        i: {
          proxies: [
            { gatewayId: a.gatewayId, podName: 'hijack', vethIfindex: null, ready: true, ackedVersion: 1 },
          ],
        },
      },
      expect: 'denied',
    },
  ],
  'Mutation.deleteStaticEndpoints': (a) => [
    {
      query: 'mutation($s: String!) { deleteStaticEndpoints(namespace: "web", service: $s) }',
      variables: { s: a.staticService },
      expect: 'denied',
    },
  ],
};

const schema = buildSchema(typeDefs);
const gqlFields = [
  ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
  ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
];

async function gql(
  key: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const r = await req('POST', '/graphql', key, { query, variables }, headers);
  return {
    status: r.statusCode,
    body: r.body,
    json: r.json() as { data: unknown; errors?: Array<{ extensions: { code: string } }> },
  };
}

describe('GraphQL: B against A', () => {
  it('every Query and Mutation field has a matrix entry and every entry names a field', () => {
    expect(gqlFields.filter((f) => !(f in gqlMatrix))).toEqual([]);
    expect(Object.keys(gqlMatrix).filter((f) => !gqlFields.includes(f))).toEqual([]);
  });

  it.each(gqlFields.map((f) => [f]))('%s', async (field) => {
    for (const at of gqlMatrix[field]!(A, B)) {
      const before = await snapshotDb(env.db.$pool);
      const r = await gql(B.key, at.query, at.variables);
      const what = `${field} ${JSON.stringify(at.variables ?? {})} → ${r.status} ${r.body.slice(0, 300)}`;
      const code = r.json.errors?.[0]?.extensions.code;
      switch (at.expect) {
        case 'denied':
          expect(['NotFound', 'Forbidden'], what).toContain(code);
          break;
        case 'reference':
          expect(['Validation', 'NotFound', 'Forbidden', 'Conflict'], what).toContain(code);
          break;
        case 'list':
        case 'self':
        case 'public':
          expect(r.json.errors, what).toBeUndefined();
          break;
      }
      expect(r.status, what).toBeLessThan(500);
      expectTraceless(r.body, A, at.query + JSON.stringify(at.variables ?? {}), what);
      expect(await snapshotDb(env.db.$pool), what).toEqual(before);
    }
  });
});

describe('unauthenticated callers', () => {
  const badAuth: Array<[string, () => Record<string, string>]> = [
    ['no key', () => ({})],
    ['a malformed key', () => ({ authorization: 'Bearer not-a-key' })],
    ['a well-formed unknown key', () => ({ authorization: `Bearer epic_000000000000_${'A'.repeat(32)}` })],
    [
      'a wrong secret for a real prefix',
      () => ({ authorization: `Bearer ${A.key.slice(0, 18)}${'B'.repeat(32)}` }),
    ],
    ['a revoked key', () => ({ authorization: `Bearer ${revokedKey}` })],
    ['a Basic scheme', () => ({ authorization: `Basic ${Buffer.from(`x:${A.key}`).toString('base64')}` })],
  ];

  const urlOf = (path: string) =>
    path
      .replace(':membershipId', A.membershipId)
      .replace(':namespace', 'web')
      .replace(':service', A.staticService)
      .replace(':id', path.startsWith('/accounts') ? A.accountId : A.gatewayId);

  it.each(badAuth)(
    'REST with %s → 401 on every non-public route, nothing changed',
    async (_name, headers) => {
      const before = await snapshotDb(env.db.$pool);
      for (const r of declared.filter((x) => !x.public)) {
        const res = await env.app.inject({
          method: r.method,
          url: `/api/v1${urlOf(r.path)}`,
          headers: headers(),
          ...(['POST', 'PUT', 'PATCH'].includes(r.method) ? { payload: { name: 'x' } } : {}),
        });
        expect(res.statusCode, `${r.method} ${r.path}: ${res.body}`).toBe(401);
        expect(res.json()).toMatchObject({ error: 'Unauthorized', requestId: expect.any(String) });
      }
      expect(await snapshotDb(env.db.$pool)).toEqual(before);
    },
  );

  it.each(badAuth)(
    'GraphQL with %s → Unauthorized on every field, nothing changed',
    async (_name, headers) => {
      const before = await snapshotDb(env.db.$pool);
      for (const field of gqlFields) {
        const { query, variables } = gqlMatrix[field]!(A, B)[0]!;
        const r = await gql(undefined, query, variables, headers());
        expect(r.json.errors?.[0]?.extensions.code, `${field}: ${r.body}`).toBe('Unauthorized');
        expect(r.status, field).toBe(401);
        expect(r.json.data ?? null, field).toBeNull();
      }
      expect(await snapshotDb(env.db.$pool)).toEqual(before);
    },
  );

  it('the public endpoints answer without a key', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json', '/']) {
      const r = await env.app.inject({ url });
      expect(r.statusCode, url).toBe(200);
    }
  });

  it('the database holds both tenants with every kind of object (the matrix ran against real rows)', async () => {
    const s = await snapshotDb(env.db.$pool);
    for (const t of [
      'Account',
      'ApiKey',
      'Membership',
      'Cluster',
      'AddressPool',
      'AddressAllocation',
      'Template',
      'Gateway',
      'GatewayClient',
      'Route',
      'RouteParent',
      'EndpointSlice',
      'Service',
      'ReferenceGrant',
      'Namespace',
      'GatewayClass',
      'Certificate',
      'ConfigRevision',
      'ProxyInstance',
    ]) {
      expect(s[t]!.length, t).toBeGreaterThanOrEqual(2);
    }
  });
});

describe("an EPIC node's credential", () => {
  const urlOf = (path: string, nodeName = epicNode.name) =>
    path
      .replace(':membershipId', A.membershipId)
      .replace(':namespace', 'web')
      .replace(':service', A.staticService)
      .replace(':version', '1')
      .replace(':name', nodeName)
      .replace(':id', path.startsWith('/accounts') ? A.accountId : A.gatewayId);
  const payloadOf = (method: string) =>
    ['POST', 'PUT', 'PATCH'].includes(method) ? { proxies: [] } : undefined;

  it('every route but its own node operations answers 403, leaking nothing, changing nothing', async () => {
    const before = await snapshotDb(env.db.$pool);
    for (const r of declared.filter((x) => !x.public && !x.node)) {
      const res = await req(r.method, `/api/v1${urlOf(r.path)}`, epicNode.token, payloadOf(r.method));
      expect(res.statusCode, `${r.key}: ${res.body}`).toBe(403);
      expectTraceless(res.body, A, urlOf(r.path), r.key);
      expectTraceless(res.body, B, urlOf(r.path), r.key);
    }
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it("its own node operations for another node's name answer 403", async () => {
    const before = await snapshotDb(env.db.$pool);
    for (const r of declared.filter((x) => x.node)) {
      const res = await req(r.method, `/api/v1${urlOf(r.path, 'other.nodes.example')}`, epicNode.token, {
        addresses: ['192.0.2.1'],
        proxies: [],
      });
      expect(res.statusCode, `${r.key}: ${res.body}`).toBe(403);
    }
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });

  it('every GraphQL field but its own node operations is refused without data, changing nothing', async () => {
    const nodeFields = new Set(declared.filter((r) => r.node).map((r) => r.field));
    const before = await snapshotDb(env.db.$pool);
    for (const field of gqlFields.filter((f) => !nodeFields.has(f.split('.')[1]!))) {
      const { query, variables } = gqlMatrix[field]!(A, B)[0]!;
      const r = await gql(epicNode.token, query, variables);
      // Forbidden by the field; a matrix attempt whose variables GraphQL refuses first never reaches it.
      expect(['Forbidden', 'Validation'], `${field}: ${r.body}`).toContain(
        r.json.errors?.[0]?.extensions.code,
      );
      expect(r.json.data ?? null, field).toBeNull();
      expectTraceless(r.body, A, query + JSON.stringify(variables ?? {}), field);
    }
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });
});

/** A viewer key of A, with well-formed requests on A's own objects: every write is a 403. */
const viewerWrites: Record<string, (a: Tenant) => { url: string; payload?: unknown }> = {
  'POST /accounts': () => ({ url: '/accounts', payload: { name: 'by-viewer' } }),
  'PATCH /accounts/:id': (a) => ({
    url: `/accounts/${a.accountId}`,
    payload: { displayName: 'viewer was here' },
  }),
  'POST /accounts/:id/memberships': (a) => ({
    url: `/accounts/${a.accountId}/memberships`,
    payload: { login: 'by-viewer', role: 'viewer' },
  }),
  'DELETE /accounts/:id/memberships/:membershipId': (a) => ({
    url: `/accounts/${a.accountId}/memberships/${a.membershipId}`,
  }),
  'POST /api-keys': () => ({ url: '/api-keys', payload: { name: 'by-viewer', role: 'viewer' } }),
  'DELETE /api-keys/:id': (a) => ({ url: `/api-keys/${a.extraKeyId}` }),
  'POST /clusters': () => ({ url: '/clusters', payload: { name: 'by-viewer' } }),
  'DELETE /clusters/:id': (a) => ({ url: `/clusters/${a.clusterId}` }),
  'POST /clusters/:id/sync': (a) => ({ url: `/clusters/${a.clusterId}/sync`, payload: { full: true } }),
  'POST /address-pools': () => ({
    url: '/address-pools',
    payload: { name: 'by-viewer', spec: '10.33.0.0/28' },
  }),
  'DELETE /address-pools/:id': (a) => ({ url: `/address-pools/${a.poolId}` }),
  'POST /templates': (a) => ({
    url: '/templates',
    payload: { name: 'by-viewer', poolName: `pool-${a.name}`, dnsNameTemplate: '{gateway}.example.com' },
  }),
  'PUT /templates/:id': (a) => ({ url: `/templates/${a.templateId}`, payload: { replicas: 3 } }),
  'DELETE /templates/:id': (a) => ({ url: `/templates/${a.templateId}` }),
  'POST /gateways': (a) => ({
    url: '/gateways',
    payload: { name: 'by-viewer', template: a.templateName, listeners: http80 },
  }),
  'PUT /gateways/:id/listeners': (a) => ({
    url: `/gateways/${a.gatewayId}/listeners`,
    payload: { listeners: [{ name: 'x', port: 81, protocol: 'HTTP' }] },
  }),
  'PUT /gateways/:id/addresses': (a) => ({
    url: `/gateways/${a.gatewayId}/addresses`,
    payload: { addresses: [{ type: 'IPAddress' }] },
  }),
  'PUT /gateways/:id/infrastructure': (a) => ({
    url: `/gateways/${a.gatewayId}/infrastructure`,
    payload: { infrastructure: { labels: { a: 'b' } } },
  }),
  'DELETE /gateways/:id': (a) => ({ url: `/gateways/${a.gatewayId}` }),
  'POST /gateways/:id/xds-token': (a) => ({ url: `/gateways/${a.gatewayId}/xds-token`, payload: {} }),
  'POST /gateways/:id/xds-token/revoke': (a) => ({
    url: `/gateways/${a.gatewayId}/xds-token/revoke`,
    payload: {},
  }),
  'POST /gateways/:id/revisions/:version/rollback': (a) => ({
    url: `/gateways/${a.gatewayId}/revisions/1/rollback`,
  }),
  // a read through POST: allowed to viewers (see viewerMayPost)
  'POST /gateways/:id/trace': (a) => ({
    url: `/gateways/${a.gatewayId}/trace`,
    payload: { host: 'shop.example.com', path: '/' },
  }),
  'POST /gateways/:id/trace-datagram': (a) => ({
    url: `/gateways/${a.gatewayId}/trace-datagram`,
    payload: { port: 53 },
  }),
  'POST /gateways/:id/trace-connection': (a) => ({
    url: `/gateways/${a.gatewayId}/trace-connection`,
    payload: { port: 443 },
  }),
  'POST /routes': () => ({
    url: '/routes',
    payload: { kind: 'HTTPRoute', name: 'by-viewer', spec: { parentRefs: [{ name: 'edge' }] } },
  }),
  'PUT /routes/:id': (a) => ({
    url: `/routes/${a.routeId}`,
    payload: { spec: { parentRefs: [{ name: 'edge' }] } },
  }),
  'DELETE /routes/:id': (a) => ({ url: `/routes/${a.routeId}` }),
  'PUT /endpoint-slices': (a) => ({
    url: '/endpoint-slices',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.sliceUid,
      namespace: 'web',
      name: 'api-1',
      serviceName: 'api',
    },
  }),
  'DELETE /endpoint-slices/:id': (a) => ({ url: `/endpoint-slices/${a.sliceId}` }),
  'PUT /static-endpoints/:namespace/:service': (a) => ({
    url: `/static-endpoints/web/${a.staticService}`,
    payload: { ports: [{ port: 1 }], endpoints: [] },
  }),
  'DELETE /static-endpoints/:namespace/:service': (a) => ({
    url: `/static-endpoints/web/${a.staticService}`,
  }),
  'PUT /services': (a) => ({
    url: '/services',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.serviceUid,
      namespace: 'web',
      name: 'api',
      ports: [{ port: 1 }],
    },
  }),
  'DELETE /services/:id': (a) => ({ url: `/services/${a.serviceId}` }),
  'PUT /reference-grants': (a) => ({
    url: '/reference-grants',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.grantUid,
      namespace: 'backend',
      name: 'allow-web',
      spec: {
        from: [{ group: '', kind: 'HTTPRoute', namespace: 'x' }],
        to: [{ group: '', kind: 'Service' }],
      },
    },
  }),
  'DELETE /reference-grants/:id': (a) => ({ url: `/reference-grants/${a.grantId}` }),
  'PUT /namespaces': (a) => ({
    url: '/namespaces',
    payload: { clusterId: a.clusterId, clientUid: a.namespaceUid, name: 'web', labels: { by: 'viewer' } },
  }),
  'DELETE /namespaces/:id': (a) => ({ url: `/namespaces/${a.namespaceId}` }),
  'PUT /ca-bundles': (a) => ({
    url: '/ca-bundles',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.caBundleUid,
      kind: 'ConfigMap',
      namespace: 'web',
      name: 'ca-a',
    },
  }),
  'DELETE /ca-bundles/:id': (a) => ({ url: `/ca-bundles/${a.caBundleId}` }),
  'PUT /backend-tls-policies': (a) => ({
    url: '/backend-tls-policies',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.policyUid,
      namespace: 'web',
      name: `btls-${a.name}`,
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
        validation: { wellKnownCACertificates: 'System', hostname: 'by-viewer.example.com' },
      },
    },
  }),
  'DELETE /backend-tls-policies/:id': (a) => ({ url: `/backend-tls-policies/${a.policyId}` }),
  'PUT /listener-sets': (a) => ({
    url: '/listener-sets',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.listenerSetUid,
      namespace: 'web',
      name: `ls-${a.name}`,
      spec: { parentRef: { name: 'web' }, listeners: [{ name: 'by-viewer', port: 8082, protocol: 'HTTP' }] },
    },
  }),
  'DELETE /listener-sets/:id': (a) => ({ url: `/listener-sets/${a.listenerSetId}` }),
  'PUT /gateways/:id/allowed-listeners': (a) => ({
    url: `/gateways/${a.gatewayId}/allowed-listeners`,
    payload: { allowedListeners: null },
  }),
  'PUT /gateways/:id/tls': (a) => ({ url: `/gateways/${a.gatewayId}/tls`, payload: { tls: null } }),
  'PUT /gateway-classes': (a) => ({
    url: '/gateway-classes',
    payload: {
      clusterId: a.clusterId,
      clientUid: a.classUid,
      name: `class-${a.name}`,
      spec: { controllerName: 'epic-gateway.io/gateway-controller', description: 'by viewer' },
    },
  }),
  'DELETE /gateway-classes/:id': (a) => ({ url: `/gateway-classes/${a.classId}` }),
  'PUT /certificates': (a) => ({
    url: '/certificates',
    payload: { namespace: 'web', name: a.certName, ...testCertA },
  }),
  'DELETE /certificates/:id': (a) => ({ url: `/certificates/${a.certId}` }),
  'POST /epic-nodes': () => ({ url: '/epic-nodes', payload: { name: 'by-viewer.nodes.example' } }),
  'DELETE /epic-nodes/:name': () => ({ url: `/epic-nodes/${epicNode.name}` }),
  'POST /epic-nodes/:name/drain': () => ({ url: `/epic-nodes/${epicNode.name}/drain`, payload: {} }),
  'PUT /epic-nodes/:name': () => ({
    url: `/epic-nodes/${epicNode.name}`,
    payload: { addresses: ['192.0.2.9'] },
  }),
  'PUT /epic-nodes/:name/proxies': () => ({
    url: `/epic-nodes/${epicNode.name}/proxies`,
    payload: { proxies: [] },
  }),
  'POST /epic-nodes/:name/sync': () => ({
    url: `/epic-nodes/${epicNode.name}/sync`,
    payload: { proxies: [] },
  }),
};

/** Non-GET routes that only read, so a viewer may call them. */
const viewerMayPost = new Set([
  'POST /gateways/:id/trace',
  'POST /gateways/:id/trace-datagram',
  'POST /gateways/:id/trace-connection',
]);
/** GET routes that reveal secrets (the proxies' xDS token), so they need the admin role. */
const adminOnlyReads = new Set([
  'GET /gateways/:id/bootstrap',
  // EPIC nodes are read by platform operators and by each node's own credential only.
  'GET /epic-nodes',
  'GET /epic-nodes/:name',
  'GET /epic-nodes/:name/desired',
]);

describe("roles: A's viewer key", () => {
  let viewerKey: string;
  beforeAll(async () => {
    // Created and kept: the snapshot below is taken after it exists.
    viewerKey = (await must('POST', '/api-keys', A.key, { name: 'viewer', role: 'viewer' })).secret;
  });

  it('every writing REST route has a viewer entry and every entry names a route', () => {
    const writes = declared.filter((r) => !r.public && r.method !== 'GET').map((r) => r.key);
    expect(writes.filter((k) => !(k in viewerWrites))).toEqual([]);
    expect(Object.keys(viewerWrites).filter((k) => !writes.includes(k))).toEqual([]);
  });

  it('reads every GET route of its own account', async () => {
    const idOf: Record<string, string> = {
      accounts: A.accountId,
      clusters: A.clusterId,
      'address-pools': A.poolId,
      templates: A.templateId,
      gateways: A.gatewayId,
      routes: A.routeId,
      'endpoint-slices': A.sliceId,
      services: A.serviceId,
      'reference-grants': A.grantId,
      namespaces: A.namespaceId,
      'ca-bundles': A.caBundleId,
      'backend-tls-policies': A.policyId,
      'listener-sets': A.listenerSetId,
      'gateway-classes': A.classId,
      certificates: A.certId,
    };
    for (const r of declared.filter((x) => !x.public && x.method === 'GET')) {
      const id = idOf[r.path.split('/')[1]!];
      if (r.path.includes(':id')) expect(id, `no id of A for ${r.path}`).toBeDefined();
      const url = r.path
        .replace(':id', id ?? '')
        .replace(':name', epicNode.name)
        .replace(':version', '1')
        .replace('/diff', '/diff?from=1&to=1');
      const res = await req('GET', `/api/v1${url}`, viewerKey);
      expect(res.statusCode, `${r.key}: ${res.body}`).toBe(adminOnlyReads.has(r.key) ? 403 : 200);
    }
  });

  it.each(declared.filter((r) => !r.public && r.method !== 'GET').map((r) => [r.key]))(
    '%s → 403 (or 200 for a read) and nothing changed',
    async (key) => {
      const at = viewerWrites[key]!(A);
      const before = await snapshotDb(env.db.$pool);
      const r = await req(methodOf(key), `/api/v1${at.url}`, viewerKey, at.payload);
      expect(r.statusCode, `${key}: ${r.body}`).toBe(viewerMayPost.has(key) ? 200 : 403);
      if (!viewerMayPost.has(key)) expect(r.json().error).toBe('Forbidden');
      expect(await snapshotDb(env.db.$pool)).toEqual(before);
    },
  );
});

// Last, because B's own writes below use A's names (B's audit log then legitimately contains them).
describe('B writing under names A also uses', () => {
  it("B writing static endpoints under A's service name creates B's own slice and leaves A's untouched", async () => {
    const aBefore = await must('GET', `/endpoint-slices/${A.staticId}`, A.key);
    const r = await req('PUT', `/api/v1/static-endpoints/web/${A.staticService}`, B.key, {
      ports: [{ port: 443 }],
      endpoints: [{ address: '10.99.0.3' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().id).not.toBe(A.staticId);
    expect(await must('GET', `/endpoint-slices/${A.staticId}`, A.key)).toEqual(aBefore);
    expect((await req('DELETE', `/api/v1/static-endpoints/web/${A.staticService}`, B.key)).statusCode).toBe(
      204,
    );
    expect(await must('GET', `/endpoint-slices/${A.staticId}`, A.key)).toEqual(aBefore);
  });

  it("B storing a certificate under A's namespace/name creates B's own and leaves A's untouched", async () => {
    const aBefore = await must('GET', `/certificates/${A.certId}`, A.key);
    const rowBefore = await env.db.certificate.findUnique({ where: { id: A.certId } });
    const r = await req('PUT', '/api/v1/certificates', B.key, {
      namespace: 'web',
      name: A.certName,
      ...testCertB,
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().id).not.toBe(A.certId);
    expect(await must('GET', `/certificates/${A.certId}`, A.key)).toEqual(aBefore);
    expect(await env.db.certificate.findUnique({ where: { id: A.certId } })).toEqual(rowBefore);
    expect((await req('DELETE', `/api/v1/certificates/${r.json().id}`, B.key)).statusCode).toBe(204);
  });

  it("B's route naming A's gateway does not attach to it", async () => {
    const r = await req('POST', '/api/v1/routes', B.key, {
      kind: 'HTTPRoute',
      name: 'sneak',
      namespace: 'web',
      clusterId: B.clusterId,
      spec: { parentRefs: [{ name: 'edge', namespace: 'web' }] },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().parents).toEqual([{ gatewayId: B.gatewayId, refIndex: 0 }]);
    const attachedToA = await must('GET', `/routes?gatewayId=${A.gatewayId}`, A.key);
    expect(attachedToA.items.map((x: { id: string }) => x.id).sort()).toEqual(
      [A.routeId, A.udpRouteId].sort(),
    );
    expect((await req('DELETE', `/api/v1/routes/${r.json().id}`, B.key)).statusCode).toBe(204);
  });
});
