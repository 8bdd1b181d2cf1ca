import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RestRoute } from './http/rest.js';
import { restRoutes } from './http/routes.js';
import type { Services } from './services.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';
import { testCertA } from './test-support/tls-fixture.js';

/**
 * Regressions of issue 8 (defects 5, 6, 8 and the /metrics part of 9), each reproduced by an attack on the
 * control plane: address pools, text that PostgreSQL cannot store, forged cursors, sharing-key and
 * delete races, gateway names, and what /metrics tells anyone who asks.
 */
let env: TestEnv;
let T: {
  id: string;
  key: string;
  cluster: string;
  template: string;
  gateway: string;
  route: string;
  slice: string;
  service: string;
  grant: string;
  namespace: string;
  gatewayClass: string;
  cert: string;
  membership: string;
  apiKey: string;
  pool: string;
};

const http80 = [{ name: 'http', port: 80, protocol: 'HTTP' }];

async function call(method: string, url: string, key: string | undefined, payload?: unknown) {
  const r = await env.app.inject({
    method: method as 'GET',
    url: url.startsWith('/api/') || url.startsWith('/graphql') || url === '/metrics' ? url : `/api/v1${url}`,
    headers: key ? auth(key) : {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  let body: Record<string, unknown> = {};
  try {
    body = r.json();
  } catch {
    // not JSON (metrics, 204)
  }
  return { status: r.statusCode, body, raw: r.body };
}
async function must(method: string, url: string, key: string, payload?: unknown) {
  const r = await call(method, url, key, payload);
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${r.raw}`);
  return r.body as { id: string; [field: string]: unknown };
}
async function gql(key: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await env.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: auth(key),
    payload: { query, variables },
  });
  return {
    status: r.statusCode,
    body: r.json() as { data?: unknown; errors?: Array<Record<string, unknown>> },
  };
}
const issuePaths = (body: Record<string, unknown>) =>
  ((body.issues ?? []) as Array<{ path: string }>).map((i) => i.path);

beforeAll(async () => {
  env = await testEnv();
  const acct = await createAccount(env, 'hard', 1000);
  const k = acct.key;
  const cluster = await must('POST', '/clusters', k, { name: 'prod' });
  const pool = await must('POST', '/address-pools', k, { name: 'pub', spec: '192.0.2.0/24' });
  await must('POST', '/templates', k, {
    name: 'web',
    poolName: 'pub',
    allowSharing: true,
    dnsNameTemplate: '{gateway}.{namespace}.{account}.example.com',
  });
  const tpl = await must('GET', '/templates', k);
  const gw = await must('POST', '/gateways', k, {
    name: 'edge',
    namespace: 'web',
    template: 'web',
    listeners: http80,
  });
  const route = await must('POST', '/routes', k, {
    kind: 'HTTPRoute',
    name: 'shop',
    namespace: 'web',
    spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] },
  });
  const slice = await must('PUT', '/endpoint-slices', k, {
    clusterId: cluster.id,
    clientUid: 'eps-1',
    namespace: 'web',
    name: 'api-1',
    serviceName: 'api',
    ports: [{ port: 8080 }],
    endpoints: [{ addresses: ['10.1.1.1'] }],
  });
  const service = await must('PUT', '/services', k, {
    clusterId: cluster.id,
    clientUid: 'svc-1',
    namespace: 'web',
    name: 'api',
    ports: [{ port: 80 }],
  });
  const grant = await must('PUT', '/reference-grants', k, {
    clusterId: cluster.id,
    clientUid: 'rg-1',
    namespace: 'backend',
    name: 'allow-web',
    spec: {
      from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
      to: [{ group: '', kind: 'Service' }],
    },
  });
  const namespace = await must('PUT', '/namespaces', k, {
    clusterId: cluster.id,
    clientUid: 'ns-1',
    name: 'web',
    labels: { team: 'shop' },
  });
  const gatewayClass = await must('PUT', '/gateway-classes', k, {
    clusterId: cluster.id,
    clientUid: 'gc-1',
    name: 'epic',
    spec: { controllerName: 'epic-gateway.io/gateway-controller' },
  });
  const cert = await must('PUT', '/certificates', k, { namespace: 'web', name: 'tls', ...testCertA });
  const membership = await must('POST', `/accounts/${acct.id}/memberships`, k, {
    login: 'hard-user',
    role: 'viewer',
  });
  const apiKey = await must('POST', '/api-keys', k, { name: 'extra', role: 'viewer' });
  T = {
    id: acct.id,
    key: k,
    cluster: cluster.id,
    template: (tpl.items as unknown as Array<{ id: string; name: string }>).find((t) => t.name === 'web')!.id,
    gateway: gw.id,
    route: route.id,
    slice: slice.id,
    service: service.id,
    grant: grant.id,
    namespace: namespace.id,
    gatewayClass: gatewayClass.id,
    cert: cert.id,
    membership: membership.id,
    apiKey: apiKey.id,
    pool: pool.id,
  };
});
afterAll(() => env?.close());

// ---------------------------------------------------------------------------------------------------------
// 5. Address pools
// ---------------------------------------------------------------------------------------------------------
describe('address pools: one address space, no squatting, no reserved blocks for tenants', () => {
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  beforeAll(async () => {
    a = await createAccount(env, 'pool-a');
    b = await createAccount(env, 'pool-b');
  });

  it("a tenant's ::/0 (or any pool above the size limit) is refused, so it cannot block other tenants' IPv6 pools", async () => {
    for (const spec of ['::/0', '2000::/3', '2001:db8::/48', '10.0.0.0/8', '10.0.0.0-10.1.0.0']) {
      const r = await call('POST', '/address-pools', a.key, { name: 'huge', spec });
      expect(r.status, `${spec}: ${r.raw}`).toBe(400);
      expect(issuePaths(r.body), spec).toEqual(['spec']);
      expect(r.body.message).toMatch(/larger than an account's pool may be/);
    }
    // the largest allowed sizes pass, and another tenant's IPv6 pool still fits next to them
    expect(
      (await call('POST', '/address-pools', a.key, { name: 'v6', spec: '2001:db8:a::/64' })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/address-pools', b.key, { name: 'v6', spec: '2001:db8:b::/120' })).status,
    ).toBe(201);
    // a platform operator may still create a large global pool
    const global = await call('POST', '/address-pools', env.adminKey, {
      name: 'big',
      spec: '2001:db8:1000::/36',
      global: true,
    });
    expect(global.status, global.raw).toBe(201);
  });

  it('an IPv4-mapped IPv6 pool is the IPv4 pool it spells: it overlaps, and tenants must write the IPv4 form', async () => {
    expect((await call('POST', '/address-pools', a.key, { name: 'v4', spec: '203.0.113.0/28' })).status).toBe(
      201,
    );
    for (const spec of [
      '::ffff:203.0.113.0/124',
      '::ffff:cb00:7100/124',
      '::ffff:203.0.113.5-::ffff:203.0.113.6',
    ]) {
      const r = await call('POST', '/address-pools', b.key, { name: 'mapped', spec });
      expect(r.status, `${spec}: ${r.raw}`).toBe(400);
      expect(issuePaths(r.body)).toEqual(['spec']);
      expect(r.body.message).toMatch(/IPv4-mapped/);
    }
    // operators may write the mapped form, but it still overlaps the IPv4 pool, in either order
    const overlap = await call('POST', '/address-pools', env.adminKey, {
      name: 'mapped',
      spec: '::ffff:203.0.113.8/125',
      global: true,
    });
    expect(overlap.status, overlap.raw).toBe(409);
    expect(overlap.body.message).toMatch(/^spec: .* overlaps an existing address pool$/);
    expect(
      (
        await call('POST', '/address-pools', env.adminKey, {
          name: 'mapped2',
          spec: '::ffff:198.18.0.0/124',
          global: true,
        })
      ).status,
    ).toBe(201);
    const v4 = await call('POST', '/address-pools', b.key, { name: 'v4b', spec: '198.18.0.8/29' });
    expect(v4.status, v4.raw).toBe(409);
  });

  it('loopback, link-local (169.254.169.254 too), multicast and unspecified blocks are for platform operators only', async () => {
    const reserved = [
      '127.0.0.0/24',
      '127.0.0.1/32',
      '169.254.169.254/32',
      '169.254.0.0/16',
      '224.0.0.0/24',
      '239.1.1.1-239.1.1.9',
      '0.0.0.0/32',
      '255.255.255.255/32',
      '::/128',
      '::1/128',
      '::10.1.2.0/120',
      'fe80::/64',
      'ff02::/120',
    ];
    for (const spec of reserved) {
      const r = await call('POST', '/address-pools', a.key, { name: 'res', spec });
      expect(r.status, `${spec}: ${r.raw}`).toBe(400);
      expect(issuePaths(r.body), spec).toEqual(['spec']);
      expect(r.body.message, spec).toMatch(/only platform operators may create pools there/);
    }
    const op = await call('POST', '/address-pools', env.adminKey, {
      name: 'loop',
      spec: '127.0.0.0/28',
      global: true,
    });
    expect(op.status, op.raw).toBe(201);
  });

  it('an IPv4 CIDR never hands out its network and broadcast addresses, unless the pool says so', async () => {
    const acct = await createAccount(env, 'netbcast');
    await must('POST', '/address-pools', acct.key, { name: 'p28', spec: '198.51.100.0/28' });
    const off = await must('POST', '/address-pools', acct.key, {
      name: 'p30',
      spec: '198.51.100.16/30',
      skipNetworkAndBroadcast: false,
    });
    expect(off.skipNetworkAndBroadcast).toBe(false);
    await must('POST', '/address-pools', acct.key, { name: 'range', spec: '198.51.100.32-198.51.100.33' });
    for (const [name, poolName] of [
      ['t28', 'p28'],
      ['t30', 'p30'],
      ['tr', 'range'],
    ])
      await must('POST', '/templates', acct.key, {
        name,
        poolName,
        dnsNameTemplate: '{gateway}.example.com',
      });

    const got: string[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await call('POST', '/gateways', acct.key, {
        name: `g${i}`,
        template: 't28',
        listeners: http80,
      });
      got.push(r.status === 201 ? (r.body.address as string) : String(r.status));
    }
    expect(got).toEqual([...Array.from({ length: 14 }, (_, i) => `198.51.100.${i + 1}`), '409']);
    // a released address is reused, but the walk never goes below the first host address
    const first = (await must('GET', '/gateways?name=g0', acct.key)).items as unknown as Array<{
      id: string;
    }>;
    await must('DELETE', `/gateways/${first[0]!.id}`, acct.key);
    expect(
      (await must('POST', '/gateways', acct.key, { name: 'again', template: 't28', listeners: http80 }))
        .address,
    ).toBe('198.51.100.1');

    const all: string[] = [];
    for (let i = 0; i < 4; i++)
      all.push(
        (await must('POST', '/gateways', acct.key, { name: `o${i}`, template: 't30', listeners: http80 }))
          .address as string,
      );
    expect(all).toEqual(['198.51.100.16', '198.51.100.17', '198.51.100.18', '198.51.100.19']);
    // a range lists exactly the addresses it means
    expect(
      (await must('POST', '/gateways', acct.key, { name: 'r0', template: 'tr', listeners: http80 })).address,
    ).toBe('198.51.100.32');

    // a pool that handed out its network address before the migration turned skipping on keeps that
    // address where it is and continues after it, up to (not including) the broadcast address
    const legacy = await must('POST', '/address-pools', acct.key, {
      name: 'legacy',
      spec: '198.51.100.40/29',
      skipNetworkAndBroadcast: false,
    });
    await must('POST', '/templates', acct.key, {
      name: 'tl',
      poolName: 'legacy',
      dnsNameTemplate: '{gateway}.example.com',
    });
    const old = await must('POST', '/gateways', acct.key, { name: 'l0', template: 'tl', listeners: http80 });
    expect(old.address).toBe('198.51.100.40');
    await env.db
      .$executeRaw`UPDATE "AddressPool" SET "skipNetworkAndBroadcast" = true WHERE id = ${legacy.id}::uuid`;
    const later: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const r = await call('POST', '/gateways', acct.key, {
        name: `l${i}`,
        template: 'tl',
        listeners: http80,
      });
      later.push(r.status === 201 ? (r.body.address as string) : String(r.status));
    }
    expect(later).toEqual([41, 42, 43, 44, 45, 46].map((o) => `198.51.100.${o}`).concat('409'));

    // the option is on both faces
    const viaGql = await gql(
      acct.key,
      '{ addressPools { edges { node { name skipNetworkAndBroadcast } } } }',
    );
    expect(viaGql.body.errors).toBeUndefined();
    expect(viaGql.body.data).toEqual({
      addressPools: {
        edges: expect.arrayContaining([
          { node: { name: 'p28', skipNetworkAndBroadcast: true } },
          { node: { name: 'p30', skipNetworkAndBroadcast: false } },
        ]),
      },
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// 6. Text PostgreSQL cannot store, on every route and field
// ---------------------------------------------------------------------------------------------------------
const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

/** Real ids for path parameters, so that a request gets as far as it can. */
function fillPath(path: string, bad?: string): string[] {
  const value = (name: string, before: string): string => {
    if (name === 'version') return '1';
    if (name === 'membershipId') return T.membership;
    if (name === 'namespace') return 'web';
    if (name === 'service') return 'legacy';
    if (name === 'name') return 'sweep-node.nodes.example';
    const kind = before.split('/').filter(Boolean).at(-1);
    const ids: Record<string, string> = {
      accounts: T.id,
      'api-keys': T.apiKey,
      clusters: T.cluster,
      'address-pools': T.pool,
      templates: T.template,
      gateways: T.gateway,
      routes: T.route,
      'endpoint-slices': T.slice,
      services: T.service,
      'reference-grants': T.grant,
      namespaces: T.namespace,
      'gateway-classes': T.gatewayClass,
      certificates: T.cert,
    };
    return ids[kind ?? ''] ?? T.gateway;
  };
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const build = (badName?: string) =>
    path.replace(/:(\w+)/g, (_m, name: string, offset: number) =>
      name === badName ? encodeURIComponent(bad!) : value(name, path.slice(0, offset)),
    );
  return bad === undefined ? [build()] : names.map((n) => build(n));
}

/** A valid body for every route that takes one; the sweep puts bad text into each of its strings. */
function sampleBody(key: string): unknown {
  const listeners = [{ name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' }];
  const spec = {
    parentRefs: [{ name: 'edge', sectionName: 'http' }],
    hostnames: ['shop.example.com'],
    rules: [
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: '/x' },
            headers: [{ name: 'x-env', value: 'prod' }],
            queryParams: [{ name: 'q', value: 'v' }],
          },
        ],
        backendRefs: [{ name: 'api', port: 8080 }],
      },
    ],
  };
  const samples: Record<string, unknown> = {
    'POST /accounts': { name: 'sweep-acct', displayName: 'Sweep account' },
    'PATCH /accounts/:id': { displayName: 'Renamed' },
    'POST /accounts/:id/memberships': { login: 'sweeper', role: 'viewer' },
    'POST /api-keys': { name: 'sweep key', role: 'viewer' },
    'POST /clusters': { name: 'sweep', description: 'a cluster' },
    'POST /address-pools': { name: 'sweep', spec: '192.0.2.0/24' },
    'POST /templates': {
      name: 'sweep',
      description: 'a template',
      poolName: 'pub',
      envoyImage: 'envoyproxy/envoy:v1.36.2',
      dnsNameTemplate: '{gateway}.example.com',
    },
    'PUT /templates/:id': { description: 'changed' },
    'POST /gateways': {
      name: 'sweep',
      namespace: 'web',
      template: 'web',
      clusterId: T.cluster,
      clientUid: 'sweep-uid',
      sharingKey: 'sweep-key',
      listeners,
    },
    'PUT /gateways/:id/listeners': { listeners },
    'PUT /gateways/:id/addresses': {
      addresses: [
        { type: 'Hostname', value: 'edge.example.com' },
        { type: 'NamedAddress', value: 'pub' },
      ],
    },
    'PUT /gateways/:id/infrastructure': {
      infrastructure: {
        labels: { team: 'web' },
        annotations: { note: 'a note' },
        parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'web' },
      },
    },
    'POST /gateways/:id/trace': {
      host: 'shop.example.com',
      path: '/x',
      serverName: 'shop.example.com',
      headers: { 'x-env': 'prod' },
      query: { q: 'v' },
    },
    'POST /gateways/:id/trace-datagram': { port: 53 },
    'POST /gateways/:id/trace-connection': { port: 443, serverName: 'shop.example.com' },
    'PUT /gateways/:id/allowed-listeners': {
      allowedListeners: { namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } },
    },
    'POST /gateways/:id/xds-token': { ttlSeconds: 3600 },
    'POST /gateways/:id/xds-token/revoke': {},
    'POST /routes': { kind: 'HTTPRoute', name: 'sweep', namespace: 'web', clientUid: 'sweep-route', spec },
    'PUT /routes/:id': { spec },
    'PUT /endpoint-slices': {
      clusterId: T.cluster,
      clientUid: 'sweep-eps',
      namespace: 'web',
      name: 'api-2',
      serviceName: 'api',
      ports: [{ name: 'http', port: 8080 }],
      endpoints: [{ addresses: ['10.1.1.2'], nodeName: 'node-1' }],
      nodeAddresses: { 'node-1': '192.0.2.50' },
    },
    'PUT /static-endpoints/:namespace/:service': {
      ports: [{ name: 'https', port: 443 }],
      endpoints: [{ address: '10.1.2.1', nodeName: 'node-1' }],
    },
    'PUT /services': {
      clusterId: T.cluster,
      clientUid: 'sweep-svc',
      namespace: 'web',
      name: 'api2',
      ports: [{ name: 'http', port: 80 }],
    },
    'PUT /gateway-classes': {
      clusterId: T.cluster,
      clientUid: 'sweep-gc',
      name: 'sweep',
      spec: {
        controllerName: 'epic-gateway.io/gateway-controller',
        parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'web' },
        description: 'sweep',
      },
    },
    // Services only: their fields are checked on the whole body (a bad gateway listener or route spec is
    // an item error in the answer, by design, not a 400).
    'POST /clusters/:id/sync': {
      services: [
        { clientUid: 'sweep-sync', namespace: 'web', name: 'synced', ports: [{ name: 'http', port: 80 }] },
      ],
    },
    'PUT /ca-bundles': {
      clusterId: T.cluster,
      clientUid: 'sweep-ca',
      kind: 'ConfigMap',
      namespace: 'web',
      name: 'sweep-ca',
    },
    'PUT /gateways/:id/tls': {
      tls: {
        frontend: {
          default: {
            validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'sweep-ca' }] },
          },
        },
      },
    },
    'PUT /namespaces': {
      clusterId: T.cluster,
      clientUid: 'sweep-ns',
      name: 'sweep',
      labels: { 'example.com/team': 'shop' },
    },
    'PUT /reference-grants': {
      clusterId: T.cluster,
      clientUid: 'sweep-rg',
      namespace: 'backend',
      name: 'sweep',
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
        to: [{ group: '', kind: 'Service', name: 'api' }],
      },
    },
    'PUT /certificates': { namespace: 'web', name: 'sweep', ...testCertA },
    'POST /epic-nodes': {
      name: 'sweep-node.nodes.example',
      addresses: ['192.0.2.10'],
      bgp: { asn: 65001, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] },
    },
    'PUT /epic-nodes/:name': {
      addresses: ['192.0.2.10'],
      bgp: { asn: 65001, routerId: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] },
    },
    'POST /epic-nodes/:name/drain': { draining: true },
    'PUT /epic-nodes/:name/proxies': {
      proxies: [{ gatewayId: T.gateway, podName: 'envoy-0', vethIfindex: 3, ready: true, ackedVersion: 1 }],
    },
    'POST /epic-nodes/:name/sync': {
      proxies: [{ gatewayId: T.gateway, podName: 'envoy-0', vethIfindex: 3, ready: true, ackedVersion: 1 }],
    },
    'PUT /listener-sets': {
      clientUid: 'sweep-listener-set',
      namespace: 'web',
      name: 'sweep',
      spec: {
        parentRef: { name: 'edge' },
        listeners: [{ name: 'extra', port: 8081, protocol: 'HTTP', hostname: 'extra.example.com' }],
      },
    },
    'PUT /backend-tls-policies': {
      clientUid: 'sweep-policy',
      namespace: 'web',
      name: 'sweep',
      spec: {
        targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
        validation: {
          hostname: 'api.example.com',
          caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }],
          subjectAltNames: [{ type: 'Hostname', hostname: 'api.example.com' }],
        },
      },
    },
  };
  return samples[key];
}

/** A field path as the API names it: `spec.rules[0].matches[0].headers[0].value`, `headers["x-env"]`. */
function fieldName(p: string[]): string {
  return p.reduce(
    (acc, s) =>
      /^\d+$/.test(s)
        ? `${acc}[${s}]`
        : /^[A-Za-z_$][\w$]*$/.test(s)
          ? acc
            ? `${acc}.${s}`
            : s
          : `${acc}[${JSON.stringify(s)}]`,
    '',
  );
}

/** Every string leaf of a JSON value, with its field path. */
function stringLeaves(v: unknown): Array<{ path: string[]; name: string }> {
  const out: Array<{ path: string[]; name: string }> = [];
  const walk = (x: unknown, p: string[]) => {
    if (typeof x === 'string') out.push({ path: p, name: fieldName(p) });
    else if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, String(i)]));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  return out;
}
function withValue(v: unknown, path: string[], value: string): unknown {
  const copy = structuredClone(v) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const s of path.slice(0, -1)) at = at[s] as Record<string, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}
function topLevelStringFields(schema: z.ZodType | undefined): string[] {
  if (!schema) return [];
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string }>;
  };
  return Object.keys(js.properties ?? {});
}

const declared = restRoutes({} as Services).filter((r) => !r.public);
const keyOf = (r: RestRoute) => `${r.method} ${r.path}`;

describe('text fields refuse NUL and unpaired surrogates with a 400 naming the field, on every REST route', () => {
  it('every route with a body has a sample body', () => {
    expect(declared.filter((r) => r.body && sampleBody(keyOf(r)) === undefined).map(keyOf)).toEqual([]);
  });

  it.each(declared.map((r) => [keyOf(r), r] as const))('%s', async (key, r) => {
    const failures: string[] = [];
    // Accounts and EPIC nodes are the platform operators'.
    const asKey = key === 'POST /accounts' || r.path.startsWith('/epic-nodes') ? env.adminKey : T.key;
    const check = async (url: string, payload: unknown, field: string | undefined, what: string) => {
      const res = await call(r.method, url, asKey, payload);
      const named = field === undefined || issuePaths(res.body).includes(field);
      const ok = field === undefined ? res.status >= 400 && res.status < 500 : res.status === 400 && named;
      if (!ok) failures.push(`${what} → ${res.status} ${res.raw.slice(0, 200)}`);
    };
    const body = r.body ? sampleBody(key) : undefined;
    const goodUrl = fillPath(r.path)[0]!;
    // path parameters
    for (const bad of [NUL])
      for (const url of fillPath(r.path, bad)) await check(url, body, undefined, `path ${url}`);
    // every query parameter the route declares
    for (const field of topLevelStringFields(r.query))
      await check(`${goodUrl}?${field}=${encodeURIComponent(NUL)}`, undefined, field, `query ${field}`);
    // every string of the body, and every top-level field the schema declares (present or not)
    if (body !== undefined) {
      for (const leaf of stringLeaves(body))
        for (const bad of [NUL, LONE])
          await check(
            goodUrl,
            withValue(body, leaf.path, bad),
            leaf.name,
            `body ${leaf.name}=${JSON.stringify(bad)}`,
          );
      for (const field of topLevelStringFields(r.body))
        await check(goodUrl, { ...(body as object), [field]: NUL }, field, `body ${field}`);
      // a field name (an object key) with NUL or a lone surrogate names the object that holds it
      const inObject = stringLeaves(body).find((l) => l.path.length > 1 && !/^\d+$/.test(l.path.at(-1)!));
      if (inObject) {
        const parent = inObject.path.slice(0, -1);
        for (const bad of [NUL, LONE])
          await check(
            goodUrl,
            withValue(body, [...parent, bad], 'x'),
            fieldName(parent),
            `key in ${fieldName(parent)}`,
          );
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('text on the GraphQL face', () => {
  it.each([
    ['auditEvents(action)', 'query($v: String) { auditEvents(action: $v) { __typename } }', 'action'],
    ['services(namespace)', 'query($v: String) { services(namespace: $v) { __typename } }', 'namespace'],
    [
      'setStaticEndpoints(namespace)',
      'mutation($v: String!) { setStaticEndpoints(namespace: $v, service: "api", input: {ports: [{port: 1}], endpoints: []}) { __typename } }',
      'namespace',
    ],
  ])(
    '%s with NUL or a lone surrogate → an error naming the field, never an internal error',
    async (_n, query, field) => {
      for (const bad of [NUL, LONE]) {
        const r = await gql(T.key, query, { v: bad });
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
        const err = r.body.errors?.[0];
        expect(err, JSON.stringify(r.body)).toBeDefined();
        expect(JSON.stringify(err)).toContain(field);
        expect((err?.extensions as { code?: string } | undefined)?.code).not.toBe('INTERNAL_SERVER_ERROR');
      }
    },
  );
});

describe('forged cursors', () => {
  const forged = (date: string) =>
    Buffer.from(JSON.stringify([date, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
  const dates = [
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
  ];

  it.each(['/gateways', '/routes', '/endpoint-slices', '/services', '/reference-grants', '/audit-events'])(
    'a well-formed cursor with an out-of-range date on %s → 400 naming cursor',
    async (path) => {
      for (const d of dates) {
        const r = await call('GET', `${path}?cursor=${forged(d)}`, T.key);
        expect(r.status, `${d}: ${r.raw}`).toBe(400);
        expect(issuePaths(r.body)).toContain('cursor');
      }
    },
  );

  it('and on GraphQL', async () => {
    for (const d of dates) {
      for (const field of ['gateways', 'routes', 'auditEvents']) {
        const r = await gql(T.key, `query($c: String) { ${field}(after: $c) { __typename } }`, {
          c: forged(d),
        });
        expect(r.status).toBeLessThan(500);
        expect(JSON.stringify(r.body.errors), `${field} ${d}`).toMatch(/cursor/);
        expect(JSON.stringify(r.body.errors)).not.toMatch(/INTERNAL_SERVER_ERROR/);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// 6. Races: sharing keys, writes while a gateway is being deleted
// ---------------------------------------------------------------------------------------------------------
describe('sharing keys under concurrency', () => {
  it('100 parallel creates with one sharing key: one gateway, one address, the rest join; none fails', async () => {
    const acct = await createAccount(env, 'sharers', 10);
    await must('POST', '/address-pools', acct.key, { name: 'pub', spec: '198.51.100.128/26' });
    await must('POST', '/templates', acct.key, {
      name: 'web',
      poolName: 'pub',
      allowSharing: true,
      dnsNameTemplate: '{gateway}.example.com',
    });
    const same = await Promise.all(
      Array.from({ length: 100 }, () =>
        call('POST', '/gateways', acct.key, {
          name: 'edge',
          template: 'web',
          sharingKey: 'k1',
          listeners: http80,
        }),
      ),
    );
    const codes = same.map((r) => r.status);
    expect(
      codes.filter((c) => c === 201),
      JSON.stringify(same.find((r) => r.status >= 300)?.raw),
    ).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(99);
    expect(new Set(same.map((r) => r.body.id)).size).toBe(1);

    // a second group: each client has its own name, all join the first one's gateway
    const named = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call('POST', '/gateways', acct.key, {
          name: `edge-${i}`,
          namespace: i % 2 ? 'a' : 'b',
          template: 'web',
          sharingKey: 'k2',
          listeners: http80,
        }),
      ),
    );
    expect(named.filter((r) => r.status === 201)).toHaveLength(1);
    expect(named.filter((r) => r.status === 200)).toHaveLength(99);
    expect(new Set(named.map((r) => r.body.id)).size).toBe(1);

    expect(await env.db.gateway.count({ where: { accountId: acct.id } })).toBe(2);
    expect(await env.db.addressAllocation.count({ where: { accountId: acct.id } })).toBe(2);
    expect(await env.db.gatewayClient.count({ where: { accountId: acct.id } })).toBe(1 + 100);
  }, 120_000);
});

describe('writes while the gateway is being deleted', () => {
  /** Deletes the gateway in an open transaction, runs `write` while the delete holds its row, then commits. */
  async function whileDeleting<T>(gatewayId: string, write: () => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: env.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('DELETE FROM "Gateway" WHERE id = $1::uuid', [gatewayId]);
      const pending = write();
      // wait until the write is blocked on the deleted row (or finished), then let the delete commit
      const deadline = Date.now() + 30_000;
      let settled = false;
      void pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      while (!settled && Date.now() < deadline) {
        const w = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (w.rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query('COMMIT');
      return await pending;
    } finally {
      await c.end();
    }
  }

  async function freshGateway(name: string) {
    const gw = await must('POST', '/gateways', T.key, {
      name,
      namespace: 'race',
      template: 'web',
      listeners: http80,
    });
    await env.db.configRevision.create({
      data: { gatewayId: gw.id, version: 1, hash: 'h1', resources: {}, status: 'acked' },
    });
    return gw.id;
  }

  it('creating a route for it → the route is written without that parent, never a 500', async () => {
    const id = await freshGateway('doomed-route');
    const r = await whileDeleting(id, () =>
      call('POST', '/routes', T.key, {
        kind: 'HTTPRoute',
        name: 'late',
        namespace: 'race',
        spec: {
          parentRefs: [{ name: 'doomed-route' }],
          rules: [{ backendRefs: [{ name: 'api', port: 80 }] }],
        },
      }),
    );
    expect(r.status, r.raw).toBe(201);
    expect(r.body.parents).toEqual([]);
  });

  it('rolling it back → 404 naming the gateway, never a 500', async () => {
    const id = await freshGateway('doomed-rollback');
    const r = await whileDeleting(id, () => call('POST', `/gateways/${id}/revisions/1/rollback`, T.key));
    expect(r.status, r.raw).toBe(404);
    expect(r.body.message).toContain(id);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 8. Gateway names
// ---------------------------------------------------------------------------------------------------------
describe('gateway names are unique per account and namespace', () => {
  let acct: { id: string; key: string };
  beforeAll(async () => {
    acct = await createAccount(env, 'names', 1000);
    await must('POST', '/clusters', acct.key, { name: 'c1' });
    await must('POST', '/address-pools', acct.key, { name: 'pub', spec: '198.51.100.64/27' });
    await must('POST', '/templates', acct.key, {
      name: 'web',
      poolName: 'pub',
      allowSharing: true,
      dnsNameTemplate: '{gateway}.{namespace}.example.com',
    });
  });

  it('100 parallel creates of one name → exactly one gateway and one address; the others 409 naming name', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, () =>
        call('POST', '/gateways', acct.key, {
          name: 'dup',
          namespace: 'web',
          template: 'web',
          listeners: http80,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(99);
    for (const r of refused) {
      expect(r.status, r.raw).toBe(409);
      expect(r.body.message).toMatch(/^name: a gateway named "dup" already exists in namespace "web"/);
    }
    expect(await env.db.gateway.count({ where: { accountId: acct.id, name: 'dup' } })).toBe(1);
    expect(await env.db.addressAllocation.count({ where: { accountId: acct.id } })).toBe(1);
    const pool = await env.db.addressPool.findFirstOrThrow({ where: { accountId: acct.id } });
    expect(pool.allocated).toBe(1);
  }, 120_000);

  it('GraphQL says the same', async () => {
    const r = await gql(
      acct.key,
      'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { __typename } }',
      {
        i: { name: 'dup', namespace: 'web', template: 'web', listeners: http80 },
      },
    );
    expect(JSON.stringify(r.body.errors)).toMatch(/name: a gateway named \\"dup\\" already exists/);
  });

  it('the same name in another namespace, or from a workload cluster, is another object', async () => {
    const clusters = (await must('GET', '/clusters', acct.key)).items as unknown as Array<{ id: string }>;
    const other = await call('POST', '/gateways', acct.key, {
      name: 'dup',
      namespace: 'api',
      template: 'web',
      listeners: http80,
    });
    expect(other.status, other.raw).toBe(201);
    const fromCluster = {
      name: 'dup',
      namespace: 'web',
      template: 'web',
      clusterId: clusters[0]!.id,
      clientUid: 'uid-dup',
      listeners: http80,
    };
    const c = await call('POST', '/gateways', acct.key, fromCluster);
    expect(c.status, c.raw).toBe(201);
    // re-sending the same client object (same cluster and uid) stays an update
    const again = await call('POST', '/gateways', acct.key, {
      ...fromCluster,
      listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }],
    });
    expect(again.status, again.raw).toBe(200);
    expect(again.body.id).toBe(c.body.id);
    expect(again.body.generation).toBe(2);
  });

  it('a sharing-key join through the API cannot take a name another gateway holds', async () => {
    const first = await must('POST', '/gateways', acct.key, {
      name: 'share-a',
      namespace: 'web',
      template: 'web',
      sharingKey: 'group',
      listeners: http80,
    });
    const r = await call('POST', '/gateways', acct.key, {
      name: 'dup',
      namespace: 'web',
      template: 'web',
      sharingKey: 'group',
      listeners: http80,
    });
    expect(r.status, r.raw).toBe(409);
    expect(r.body.message).toMatch(/^name: /);
    expect(await env.db.gatewayClient.count({ where: { gatewayId: first.id } })).toBe(1);
  });

  it('the database holds the rule too: a second API client with the same name is refused by the unique index', async () => {
    const gw = await env.db.gatewayClient.findFirstOrThrow({
      where: { accountId: acct.id, name: 'dup', namespace: 'web', clusterId: null },
    });
    await expect(
      env.db.gatewayClient.create({
        data: {
          accountId: acct.id,
          gatewayId: gw.gatewayId,
          namespace: 'web',
          name: 'dup',
          clientUid: 'api:manual',
        },
      }),
    ).rejects.toThrow(/Unique constraint/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 9. /metrics
// ---------------------------------------------------------------------------------------------------------
describe('/metrics', () => {
  it('names no tenant: no account or pool names, without a key', async () => {
    const r = await call('GET', '/metrics', undefined);
    expect(r.status).toBe(200);
    expect(r.raw).toMatch(/epic_address_pool_utilisation_ratio\{pool_id="[0-9a-f-]{36}",scope="account"\}/);
    const names = await env.db.account.findMany({ where: { system: false }, select: { name: true } });
    const pools = await env.db.addressPool.findMany({ select: { name: true } });
    for (const n of [...names.map((x) => x.name), ...pools.map((x) => x.name)])
      expect(r.raw, n).not.toMatch(new RegExp(`"${n}"`));
  });
});
