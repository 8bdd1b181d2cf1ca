import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';
import { snapshotDb, type DbSnapshot } from './test-support/snapshot.js';
import { testCertA, testCertB } from './test-support/tls-fixture.js';

/**
 * The bad input corpus: every malformed request is refused with a 4xx (never a 5xx) whose `message` or
 * `issues[].path` names the offending field, and the whole corpus leaves the database unchanged.
 */
let env: TestEnv;
let key: string;
let ids: { account: string; gateway: string; route: string; template: string; cluster: string };
let before: DbSnapshot;

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string | (() => string);
  /** A JSON value, or a raw string body sent as is. */
  payload?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  field: string;
}

const http80 = { name: 'http', port: 80, protocol: 'HTTP' };
const gw = (extra: Record<string, unknown>) => ({
  name: 'bad',
  template: 'web',
  listeners: [http80],
  ...extra,
});
const route = (spec: Record<string, unknown>, kind = 'HTTPRoute') => ({
  kind,
  name: 'bad',
  spec: { parentRefs: [{ name: 'edge' }], ...spec },
});
const rule = (r: Record<string, unknown>) => route({ rules: [r] });
const slice = (extra: Record<string, unknown>) => ({
  clusterId: ids.cluster,
  clientUid: 'eps-bad',
  namespace: 'web',
  name: 'bad',
  serviceName: 'api',
  ...extra,
});
const be = (b: Record<string, unknown>) => rule({ backendRefs: [{ name: 'api', port: 80, ...b }] });

const corpus: Case[] = [
  // wrong types and unknown fields
  {
    name: 'cluster name of the wrong type',
    method: 'POST',
    url: '/clusters',
    payload: { name: 123 },
    status: 400,
    field: 'name',
  },
  {
    name: 'cluster name not a DNS label',
    method: 'POST',
    url: '/clusters',
    payload: { name: 'Prod_EU' },
    status: 400,
    field: 'name',
  },
  {
    name: 'unknown field on a cluster',
    method: 'POST',
    url: '/clusters',
    payload: { name: 'ok', colour: 'red' },
    status: 400,
    field: 'colour',
  },
  {
    name: 'API key role not a role',
    method: 'POST',
    url: '/api-keys',
    payload: { name: 'k', role: 'superuser' },
    status: 400,
    field: 'role',
  },
  {
    name: 'membership login not a GitHub login',
    method: 'POST',
    url: () => `/accounts/${ids.account}/memberships`,
    payload: { login: '-bad-', role: 'viewer' },
    status: 400,
    field: 'login',
  },
  {
    name: 'negative quota',
    method: 'PATCH',
    url: () => `/accounts/${ids.account}`,
    payload: { gatewayQuota: -1 },
    status: 400,
    field: 'gatewayQuota',
  },
  {
    name: 'pool global flag of the wrong type',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.0/24', global: 'yes' },
    status: 400,
    field: 'global',
  },
  {
    name: 'template replicas 0',
    method: 'POST',
    url: '/templates',
    payload: { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.example.com', replicas: 0 },
    status: 400,
    field: 'replicas',
  },
  {
    name: 'template unknown DNS placeholder',
    method: 'POST',
    url: '/templates',
    payload: { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.{cluster}.example.com' },
    status: 400,
    field: 'dnsNameTemplate',
  },
  {
    name: 'template image reference with spaces',
    method: 'POST',
    url: '/templates',
    payload: {
      name: 't',
      poolName: 'p',
      dnsNameTemplate: '{gateway}.example.com',
      envoyImage: 'envoy latest',
    },
    status: 400,
    field: 'envoyImage',
  },
  {
    name: 'template unknown field on update',
    method: 'PUT',
    url: () => `/templates/${ids.template}`,
    payload: { replica: 3 },
    status: 400,
    field: 'replica',
  },

  // address pools: invalid CIDRs and ranges
  {
    name: 'prefix longer than 32',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.0/33' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'IPv4 CIDR with host bits set',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.1/24' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'IPv6 CIDR with host bits set',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '2001:db8:70::1/64' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'octet above 255',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '300.1.1.0/24' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'range whose end is below its start',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.10-10.70.0.1' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'range across address families',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.1-2001:db8::1' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'spec that is neither CIDR nor range',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: 'banana' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'aggregation longer than the family',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'p', spec: '10.70.0.0/24', aggregation: 64 },
    status: 400,
    field: 'aggregation',
  },

  // gateways and listeners
  {
    name: 'gateway name with upper case and underscore',
    method: 'POST',
    url: '/gateways',
    payload: gw({ name: 'Bad_Name' }),
    status: 400,
    field: 'name',
  },
  {
    name: 'gateway cluster id not a UUID',
    method: 'POST',
    url: '/gateways',
    payload: gw({ clusterId: 'cluster-1' }),
    status: 400,
    field: 'clusterId',
  },
  {
    name: 'listeners of the wrong type',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: 'http' }),
    status: 400,
    field: 'listeners',
  },
  {
    name: 'requested IPAddress that is no IP',
    method: 'POST',
    url: '/gateways',
    payload: gw({ addresses: [{ type: 'IPAddress', value: '10.0.0' }] }),
    status: 400,
    field: 'addresses[0].value',
  },
  {
    name: 'infrastructure label with a bad value',
    method: 'POST',
    url: '/gateways',
    payload: gw({ infrastructure: { labels: { team: 'has spaces' } } }),
    status: 400,
    field: 'infrastructure.labels.team',
  },
  {
    name: 'CA bundle that is not PEM',
    method: 'PUT',
    url: '/ca-bundles',
    payload: { kind: 'ConfigMap', namespace: 'default', name: 'ca', caCertificate: 'MIIB' },
    status: 400,
    field: 'caCertificate',
  },
  {
    name: 'BackendTLSPolicy with both CA refs and well-known CAs',
    method: 'PUT',
    url: '/backend-tls-policies',
    payload: {
      namespace: 'default',
      name: 'btls',
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
        validation: {
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
          wellKnownCACertificates: 'System',
          hostname: 'api.example.com',
        },
      },
    },
    status: 400,
    field: 'spec.validation.wellKnownCACertificates',
  },
  {
    name: 'BackendTLSPolicy with a wildcard hostname',
    method: 'PUT',
    url: '/backend-tls-policies',
    payload: {
      namespace: 'default',
      name: 'btls',
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
        validation: { wellKnownCACertificates: 'System', hostname: '*.example.com' },
      },
    },
    status: 400,
    field: 'spec.validation.hostname',
  },
  {
    name: 'BackendTLSPolicy URI SAN without a uri',
    method: 'PUT',
    url: '/backend-tls-policies',
    payload: {
      namespace: 'default',
      name: 'btls',
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
        validation: {
          wellKnownCACertificates: 'System',
          hostname: 'api.example.com',
          subjectAltNames: [{ type: 'URI' }],
        },
      },
    },
    status: 400,
    field: 'spec.validation.subjectAltNames[0].uri',
  },
  {
    name: 'ListenerSet without listeners',
    method: 'PUT',
    url: '/listener-sets',
    payload: { namespace: 'default', name: 'ls', spec: { parentRef: { name: 'gw' }, listeners: [] } },
    status: 400,
    field: 'spec.listeners',
  },
  {
    name: 'ListenerSet with an HTTPS listener without tls',
    method: 'PUT',
    url: '/listener-sets',
    payload: {
      namespace: 'default',
      name: 'ls',
      spec: { parentRef: { name: 'gw' }, listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] },
    },
    status: 400,
    field: 'spec.listeners[0].tls',
  },
  {
    name: 'ListenerSet parentRef of another kind name',
    method: 'PUT',
    url: '/listener-sets',
    payload: {
      namespace: 'default',
      name: 'ls',
      spec: {
        parentRef: { name: 'gw', kind: 'no kind!' },
        listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }],
      },
    },
    status: 400,
    field: 'spec.parentRef.kind',
  },
  {
    name: 'frontend validation without CA refs',
    method: 'PUT',
    url: () => `/gateways/${ids.gateway}/tls`,
    payload: { tls: { frontend: { default: { validation: { caCertificateRefs: [] } } } } },
    status: 400,
    field: 'tls.frontend.default.validation.caCertificateRefs',
  },
  {
    name: 'seventeen requested addresses',
    method: 'PUT',
    url: () => `/gateways/${ids.gateway}/addresses`,
    payload: { addresses: Array.from({ length: 17 }, () => ({ type: 'IPAddress' })) },
    status: 400,
    field: 'addresses',
  },
  {
    name: 'no listeners',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: [] }),
    status: 400,
    field: 'listeners',
  },
  {
    name: 'duplicate listener names',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: [http80, { ...http80, port: 8080 }] }),
    status: 400,
    field: 'listeners[1]',
  },
  {
    name: 'listener port 0',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: [{ ...http80, port: 0 }] }),
    status: 400,
    field: 'listeners[0].port',
  },
  {
    name: 'listener port above 65535',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: [{ ...http80, port: 70000 }] }),
    status: 400,
    field: 'listeners[0].port',
  },
  {
    name: 'HTTPS listener without tls',
    method: 'POST',
    url: '/gateways',
    payload: gw({ listeners: [{ name: 'https', port: 443, protocol: 'HTTPS' }] }),
    status: 400,
    field: 'listeners[0].tls',
  },
  {
    name: 'HTTP listener with tls',
    method: 'PUT',
    url: () => `/gateways/${ids.gateway}/listeners`,
    payload: { listeners: [{ ...http80, tls: { mode: 'Terminate', certificateRefs: [{ name: 'c' }] } }] },
    status: 400,
    field: 'listeners[0].tls',
  },
  {
    name: 'listener hostname with two wildcards',
    method: 'PUT',
    url: () => `/gateways/${ids.gateway}/listeners`,
    payload: { listeners: [{ ...http80, hostname: '*.*.example.com' }] },
    status: 400,
    field: 'listeners[0].hostname',
  },
  {
    name: 'unknown field on a listener',
    method: 'PUT',
    url: () => `/gateways/${ids.gateway}/listeners`,
    payload: { listeners: [{ ...http80, portt: 81 }] },
    status: 400,
    field: 'listeners[0]',
  },

  // HTTPRoute specs
  {
    name: 'route kind that does not exist',
    method: 'POST',
    url: '/routes',
    payload: { ...route({}), kind: 'SCTPRoute' },
    status: 400,
    field: 'kind',
  },
  {
    name: 'path match type that does not exist',
    method: 'POST',
    url: '/routes',
    payload: rule({ matches: [{ path: { type: 'Glob', value: '/' } }] }),
    status: 400,
    field: 'spec.rules[0].matches[0].path.type',
  },
  {
    name: 'path that does not start with /',
    method: 'POST',
    url: '/routes',
    payload: rule({ matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }),
    status: 400,
    field: 'spec.rules[0].matches[0].path',
  },
  {
    name: 'too many hostnames (17)',
    method: 'POST',
    url: '/routes',
    payload: route({ hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) }),
    status: 400,
    field: 'spec.hostnames',
  },
  {
    name: 'route hostname with a space and upper case',
    method: 'POST',
    url: '/routes',
    payload: route({ hostnames: ['Bad Host'] }),
    status: 400,
    field: 'spec.hostnames[0]',
  },
  {
    name: 'redirect and rewrite filters together',
    method: 'POST',
    url: '/routes',
    payload: rule({
      filters: [
        { type: 'RequestRedirect', requestRedirect: { scheme: 'https' } },
        { type: 'URLRewrite', urlRewrite: { hostname: 'x.example.com' } },
      ],
    }),
    status: 400,
    field: 'spec.rules[0].filters',
  },
  {
    name: 'filter type without its config',
    method: 'POST',
    url: '/routes',
    payload: rule({ filters: [{ type: 'RequestHeaderModifier' }] }),
    status: 400,
    field: 'spec.rules[0].filters[0]',
  },
  {
    name: 'negative backend weight',
    method: 'POST',
    url: '/routes',
    payload: be({ weight: -1 }),
    status: 400,
    field: 'spec.rules[0].backendRefs[0].weight',
  },
  {
    name: 'backend weight above 1000000',
    method: 'POST',
    url: '/routes',
    payload: be({ weight: 1000001 }),
    status: 400,
    field: 'spec.rules[0].backendRefs[0].weight',
  },
  {
    name: 'backend port above 65535',
    method: 'POST',
    url: '/routes',
    payload: be({ port: 70000 }),
    status: 400,
    field: 'spec.rules[0].backendRefs[0].port',
  },
  {
    name: 'invalid Duration in timeouts',
    method: 'POST',
    url: '/routes',
    payload: rule({ timeouts: { request: '5 seconds' } }),
    status: 400,
    field: 'spec.rules[0].timeouts.request',
  },
  {
    name: 'unknown field in an HTTPRoute spec',
    method: 'POST',
    url: '/routes',
    payload: route({ hostname: 'a.example.com' }),
    status: 400,
    field: 'spec',
  },
  {
    name: 'invalid spec on PUT /routes/:id',
    method: 'PUT',
    url: () => `/routes/${ids.route}`,
    payload: { spec: { rules: [{ matches: [{ method: 'FETCH' }] }] } },
    status: 400,
    field: 'spec.rules[0].matches[0].method',
  },

  // TCPRoute specs
  {
    name: 'TCPRoute without rules',
    method: 'POST',
    url: '/routes',
    payload: route({ rules: [] }, 'TCPRoute'),
    status: 400,
    field: 'spec.rules',
  },
  {
    name: 'TCPRoute rule with HTTP matches',
    method: 'POST',
    url: '/routes',
    payload: route(
      { rules: [{ matches: [{ path: { value: '/' } }], backendRefs: [{ name: 'db', port: 5432 }] }] },
      'TCPRoute',
    ),
    status: 400,
    field: 'spec.rules[0]',
  },
  {
    name: 'TCPRoute backend without a port',
    method: 'POST',
    url: '/routes',
    payload: route({ rules: [{ backendRefs: [{ name: 'db' }] }] }, 'TCPRoute'),
    status: 400,
    field: 'spec.rules[0].backendRefs[0]',
  },

  // UDPRoute specs
  {
    name: 'UDPRoute without rules',
    method: 'POST',
    url: '/routes',
    payload: route({ rules: [] }, 'UDPRoute'),
    status: 400,
    field: 'spec.rules',
  },
  {
    name: 'UDPRoute with two rules',
    method: 'POST',
    url: '/routes',
    payload: route(
      {
        rules: [{ backendRefs: [{ name: 'a', port: 53 }] }, { backendRefs: [{ name: 'b', port: 53 }] }],
      },
      'UDPRoute',
    ),
    status: 400,
    field: 'spec.rules',
  },
  {
    name: 'UDPRoute backend without a port',
    method: 'POST',
    url: '/routes',
    payload: route({ rules: [{ backendRefs: [{ name: 'dns' }] }] }, 'UDPRoute'),
    status: 400,
    field: 'spec.rules[0].backendRefs[0]',
  },
  {
    name: 'UDPRoute with hostnames',
    method: 'POST',
    url: '/routes',
    payload: route(
      { hostnames: ['dns.example.com'], rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }] },
      'UDPRoute',
    ),
    status: 400,
    field: 'spec',
  },
  {
    name: 'UDPRoute backend weight above 1000000',
    method: 'POST',
    url: '/routes',
    payload: route({ rules: [{ backendRefs: [{ name: 'dns', port: 53, weight: 1_000_001 }] }] }, 'UDPRoute'),
    status: 400,
    field: 'spec.rules[0].backendRefs[0].weight',
  },

  // endpoints
  {
    name: 'endpoint address that is not an IP',
    method: 'PUT',
    url: '/endpoint-slices',
    payload: () => slice({ endpoints: [{ addresses: ['10.0.0.300'] }] }),
    status: 400,
    field: 'endpoints[0].addresses[0]',
  },
  {
    name: 'IPv6 address in an IPv4 slice',
    method: 'PUT',
    url: '/endpoint-slices',
    payload: () => slice({ endpoints: [{ addresses: ['2001:db8::1'] }] }),
    status: 400,
    field: 'endpoints[0].addresses[0]',
  },
  {
    name: 'node address that is not an IP',
    method: 'PUT',
    url: '/endpoint-slices',
    payload: () => slice({ nodeAddresses: { n1: 'node-1.local' } }),
    status: 400,
    field: 'nodeAddresses',
  },
  {
    name: 'endpoint port 0',
    method: 'PUT',
    url: '/endpoint-slices',
    payload: () => slice({ ports: [{ port: 0 }] }),
    status: 400,
    field: 'ports[0].port',
  },
  {
    name: 'endpoint slice without a cluster',
    method: 'PUT',
    url: '/endpoint-slices',
    payload: { clientUid: 'x', namespace: 'web', name: 'x', serviceName: 'x' },
    status: 400,
    field: 'clusterId',
  },
  {
    name: 'static endpoint address that is not an IP',
    method: 'PUT',
    url: '/static-endpoints/web/svc',
    payload: { ports: [{ port: 80 }], endpoints: [{ address: 'example.com' }] },
    status: 400,
    field: 'endpoints[0].address',
  },
  {
    name: 'static endpoints without ports',
    method: 'PUT',
    url: '/static-endpoints/web/svc',
    payload: { ports: [], endpoints: [] },
    status: 400,
    field: 'ports',
  },
  {
    name: 'static endpoints of mixed families',
    method: 'PUT',
    url: '/static-endpoints/web/svc',
    payload: { ports: [{ port: 80 }], endpoints: [{ address: '10.0.0.1' }, { address: '2001:db8::1' }] },
    status: 400,
    field: 'endpoints',
  },
  {
    name: 'static endpoints under a namespace that is not a DNS label',
    method: 'PUT',
    url: '/static-endpoints/Bad_NS/svc',
    payload: { ports: [{ port: 80 }], endpoints: [] },
    status: 400,
    field: 'namespace',
  },

  // services, reference grants, certificates
  {
    name: 'service without ports',
    method: 'PUT',
    url: '/services',
    payload: { name: 'api', ports: [] },
    status: 400,
    field: 'ports',
  },
  {
    name: 'service target port above 65535',
    method: 'PUT',
    url: '/services',
    payload: { name: 'api', ports: [{ port: 80, targetPort: 70000 }] },
    status: 400,
    field: 'ports[0].targetPort',
  },
  {
    name: 'reference grant without from',
    method: 'PUT',
    url: '/reference-grants',
    payload: { name: 'rg', spec: { from: [], to: [{ group: '', kind: 'Service' }] } },
    status: 400,
    field: 'spec.from',
  },
  {
    name: 'gateway class without a controller name',
    method: 'PUT',
    url: '/gateway-classes',
    payload: { name: 'epic', spec: { description: 'no controller' } },
    status: 400,
    field: 'spec.controllerName',
  },
  {
    name: 'gateway class parametersRef without a name',
    method: 'PUT',
    url: '/gateway-classes',
    payload: {
      name: 'epic',
      spec: {
        controllerName: 'epic-gateway.io/gateway-controller',
        parametersRef: { group: 'epic-gateway.io', kind: 'Template' },
      },
    },
    status: 400,
    field: 'spec.parametersRef.name',
  },
  {
    name: 'namespace label key with a space',
    method: 'PUT',
    url: '/namespaces',
    payload: { name: 'web', labels: { 'a b': 'v' } },
    status: 400,
    field: 'labels["a b"]',
  },
  {
    name: 'namespace label value that is a number',
    method: 'PUT',
    url: '/namespaces',
    payload: { name: 'web', labels: { team: 7 } },
    status: 400,
    field: 'labels.team',
  },
  {
    name: 'namespace labels that are a list',
    method: 'PUT',
    url: '/namespaces',
    payload: { name: 'web', labels: ['team=web'] },
    status: 400,
    field: 'labels',
  },
  {
    name: 'namespace whose implied name label lies',
    method: 'PUT',
    url: '/namespaces',
    payload: { name: 'web', labels: { 'kubernetes.io/metadata.name': 'other' } },
    status: 400,
    field: 'labels["kubernetes.io/metadata.name"]',
  },
  {
    name: 'certificate that is not PEM',
    method: 'PUT',
    url: '/certificates',
    payload: { name: 'tls', certificate: 'hello', privateKey: testCertA.privateKey },
    status: 400,
    field: 'certificate',
  },
  {
    name: 'PEM certificate with a corrupt body',
    method: 'PUT',
    url: '/certificates',
    payload: {
      name: 'tls',
      certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      privateKey: testCertA.privateKey,
    },
    status: 400,
    field: 'certificate',
  },
  {
    name: 'private key of another certificate',
    method: 'PUT',
    url: '/certificates',
    payload: { name: 'tls', certificate: testCertA.certificate, privateKey: testCertB.privateKey },
    status: 400,
    field: 'privateKey',
  },

  // pagination
  {
    name: 'cursor that is not base64 JSON',
    method: 'GET',
    url: '/gateways?cursor=garbage!',
    status: 400,
    field: 'cursor',
  },
  {
    name: 'cursor that decodes to the wrong shape',
    method: 'GET',
    url: `/routes?cursor=${Buffer.from('{"x":1}').toString('base64url')}`,
    status: 400,
    field: 'cursor',
  },
  {
    name: 'cursor with a bad id',
    method: 'GET',
    url: `/audit-events?cursor=${Buffer.from('["2026-01-01T00:00:00.000Z","nope"]').toString('base64url')}`,
    status: 400,
    field: 'cursor',
  },
  {
    name: 'cursor on endpoint slices',
    method: 'GET',
    url: '/endpoint-slices?cursor=%00%01',
    status: 400,
    field: 'cursor',
  },
  { name: 'limit 0', method: 'GET', url: '/gateways?limit=0', status: 400, field: 'limit' },
  { name: 'limit above the maximum', method: 'GET', url: '/routes?limit=501', status: 400, field: 'limit' },
  {
    name: 'limit that is not a number',
    method: 'GET',
    url: '/audit-events?limit=ten',
    status: 400,
    field: 'limit',
  },
  {
    name: 'limit that is not an integer',
    method: 'GET',
    url: '/endpoint-slices?limit=2.5',
    status: 400,
    field: 'limit',
  },
  {
    name: 'condition filter without a status',
    method: 'GET',
    url: '/gateways?condition=Accepted',
    status: 400,
    field: 'condition',
  },
  {
    name: 'unknown query parameter',
    method: 'GET',
    url: '/gateways?colour=red',
    status: 400,
    field: 'colour',
  },

  // path parameters
  { name: 'gateway id not a UUID', method: 'GET', url: '/gateways/not-a-uuid', status: 400, field: 'id' },
  { name: 'route id not a UUID on delete', method: 'DELETE', url: '/routes/123', status: 400, field: 'id' },
  { name: 'cluster id not a UUID', method: 'GET', url: '/clusters/xyz', status: 400, field: 'id' },
  {
    name: 'template id not a UUID on update',
    method: 'PUT',
    url: '/templates/nope',
    payload: { replicas: 2 },
    status: 400,
    field: 'id',
  },
  {
    name: 'listeners update on a gateway id that is not a UUID',
    method: 'PUT',
    url: '/gateways/zzz/listeners',
    payload: { listeners: [http80] },
    status: 400,
    field: 'id',
  },
  { name: 'account id not a UUID', method: 'GET', url: '/accounts/acme', status: 400, field: 'id' },

  // text PostgreSQL cannot store, forged cursors, pools and names (issue 8)
  {
    name: 'a NUL in a gateway name filter',
    method: 'GET',
    url: '/gateways?name=%00',
    status: 400,
    field: 'name',
  },
  {
    name: 'a NUL in an audit action filter',
    method: 'GET',
    url: '/audit-events?action=a%00b',
    status: 400,
    field: 'action',
  },
  {
    name: 'a NUL in a cluster description',
    method: 'POST',
    url: '/clusters',
    payload: { name: 'nul', description: 'a\u0000b' },
    status: 400,
    field: 'description',
  },
  {
    name: 'an unpaired surrogate in a route hostname',
    method: 'POST',
    url: '/routes',
    payload: route({ hostnames: ['a\ud800.example.com'] }),
    status: 400,
    field: 'spec.hostnames[0]',
  },
  {
    name: 'an unpaired surrogate in a template description',
    method: 'PUT',
    url: () => `/templates/${ids.template}`,
    payload: { description: '\udc00' },
    status: 400,
    field: 'description',
  },
  {
    name: 'a well-formed cursor with a date PostgreSQL cannot hold',
    method: 'GET',
    url: `/gateways?cursor=${Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')}`,
    status: 400,
    field: 'cursor',
  },
  {
    name: "a tenant's ::/0 pool",
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'all', spec: '::/0' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'a tenant pool on loopback',
    method: 'POST',
    url: '/address-pools',
    payload: { name: 'lo', spec: '127.0.0.0/30' },
    status: 400,
    field: 'spec',
  },
  {
    name: 'a second gateway with the same name and namespace',
    method: 'POST',
    url: '/gateways',
    payload: { name: 'edge', template: 'web', listeners: [http80] },
    status: 409,
    field: 'name',
  },

  // bodies
  {
    name: 'body larger than 1 MiB',
    method: 'POST',
    url: '/clusters',
    raw: JSON.stringify({ name: 'big', description: 'x'.repeat(1024 * 1024 + 10) }),
    headers: { 'content-type': 'application/json' },
    status: 413,
    field: 'body',
  },
  {
    name: 'body that is not JSON',
    method: 'POST',
    url: '/clusters',
    raw: '{"name": ',
    headers: { 'content-type': 'application/json' },
    status: 400,
    field: 'body',
  },
  {
    name: 'empty JSON body',
    method: 'POST',
    url: '/clusters',
    raw: '',
    headers: { 'content-type': 'application/json' },
    status: 400,
    field: 'body',
  },
  {
    name: 'wrong content type',
    method: 'POST',
    url: '/clusters',
    raw: 'name=prod',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    field: 'body',
  },
];

/** Does the refusal name the field? As (a prefix of) an issue path, or as a path in the message. */
function namesField(
  body: { message?: string; issues?: Array<{ path: string; message: string }> },
  field: string,
): boolean {
  const isPath = (p: string) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`);
  if ((body.issues ?? []).some((i) => isPath(i.path))) return true;
  // the message is `path: problem; path: problem`
  return (body.message ?? '').split('; ').some((part) => isPath(part.split(':')[0] ?? ''));
}

beforeAll(async () => {
  env = await testEnv();
  const acct = await createAccount(env, 'corpus');
  key = acct.key;
  const post = async (url: string, payload: unknown, method: 'POST' | 'PUT' = 'POST') => {
    const r = await env.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: auth(key),
      payload: payload as Record<string, unknown>,
    });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.body}`);
    return r.json();
  };
  const cluster = await post('/clusters', { name: 'c1' });
  await post('/address-pools', { name: 'pub', spec: '10.60.0.0/28' });
  const template = await post('/templates', {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.example.com',
  });
  const gateway = await post('/gateways', { name: 'edge', template: 'web', listeners: [http80] });
  const r = await post('/routes', {
    kind: 'HTTPRoute',
    name: 'shop',
    spec: { parentRefs: [{ name: 'edge' }] },
  });
  ids = { account: acct.id, gateway: gateway.id, route: r.id, template: template.id, cluster: cluster.id };
  before = await snapshotDb(env.db.$pool);
});
afterAll(() => env?.close());

describe('bad input corpus (REST)', () => {
  it('holds at least 40 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const url = `/api/v1${typeof c.url === 'function' ? c.url() : c.url}`;
    const payload = typeof c.payload === 'function' ? (c.payload as () => unknown)() : c.payload;
    const r = await env.app.inject({
      method: c.method,
      url,
      headers: { ...auth(key), ...(c.headers ?? {}) },
      ...(c.raw !== undefined
        ? { body: c.raw }
        : payload !== undefined
          ? { payload: payload as Record<string, unknown> }
          : {}),
    });
    expect(r.statusCode, r.body).toBe(c.status);
    const body = r.json();
    expect(body, r.body).toMatchObject({
      error: expect.any(String),
      message: expect.any(String),
      requestId: expect.any(String),
    });
    expect(namesField(body, c.field), `${c.field} not named in ${r.body.slice(0, 500)}`).toBe(true);
  });
});

describe('bad input corpus (GraphQL)', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    [
      'listener port 0',
      'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created } }',
      { i: gw({ listeners: [{ ...http80, port: 0 }] }) },
      'listeners[0].port',
    ],
    ['page size 0', '{ gateways(first: 0) { pageInfo { hasNextPage endCursor } } }', {}, 'limit'],
    ['a bad cursor', '{ routes(after: "zzz") { pageInfo { hasNextPage endCursor } } }', {}, 'cursor'],
    [
      'a NUL in the audit action filter',
      'query($a: String) { auditEvents(action: $a) { pageInfo { endCursor } } }',
      { a: 'a\u0000b' },
      'action',
    ],
    [
      'a cursor with a date PostgreSQL cannot hold',
      'query($c: String) { gateways(after: $c) { pageInfo { endCursor } } }',
      {
        c: Buffer.from(
          JSON.stringify(['-000001-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
        ).toString('base64url'),
      },
      'cursor',
    ],
    [
      'an HTTPRoute with a bad path',
      'mutation($s: JSON!, $id: ID!) { updateRoute(id: $id, spec: $s) { id } }',
      { s: { rules: [{ matches: [{ path: { value: 'x' } }] }] } },
      'spec.rules[0].matches[0].path',
    ],
    [
      'a BackendTLSPolicy targeting the same Service twice without sectionName',
      'mutation($i: UpsertBackendTlsPolicyInput!) { upsertBackendTlsPolicy(input: $i) { created } }',
      {
        i: {
          namespace: 'web',
          name: 'btls',
          spec: {
            targetRefs: [
              { group: '', kind: 'Service', name: 'api' },
              { group: '', kind: 'Service', name: 'api' },
            ],
            validation: { wellKnownCACertificates: 'System', hostname: 'api.example.com' },
          },
        },
      },
      'spec.targetRefs[1].sectionName',
    ],
    [
      'a ListenerSet with two listeners of one name',
      'mutation($i: UpsertListenerSetInput!) { upsertListenerSet(input: $i) { created } }',
      {
        i: {
          namespace: 'web',
          name: 'ls',
          spec: {
            parentRef: { name: 'gw' },
            listeners: [
              { name: 'h', port: 80, protocol: 'HTTP' },
              { name: 'h', port: 81, protocol: 'HTTP' },
            ],
          },
        },
      },
      'spec.listeners',
    ],
    [
      'a static endpoint that is not an IP',
      'mutation($i: SetStaticEndpointsInput!) { setStaticEndpoints(namespace: "web", service: "svc", input: $i) { id } }',
      { i: { ports: [{ port: 80 }], endpoints: [{ address: '1.2.3' }] } },
      'endpoints[0].address',
    ],
  ];
  it.each(cases)('%s', async (_name, query, variables, field) => {
    const vars = 'id' in variables || !query.includes('$id') ? variables : { ...variables, id: ids.route };
    const r = await env.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth(key),
      payload: { query, variables: vars },
    });
    expect(r.statusCode, r.body).toBeLessThan(500);
    const e = r.json().errors?.[0];
    expect(e?.extensions?.code, r.body).toBe('Validation');
    expect(namesField({ message: e.message, issues: e.extensions.issues }, field), r.body).toBe(true);
  });
});

describe('after the whole corpus', () => {
  it('the database is unchanged', async () => {
    expect(await snapshotDb(env.db.$pool)).toEqual(before);
  });
});
