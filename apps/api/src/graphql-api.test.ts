import { buildSchema } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeDefs } from './http/graphql.js';
import { createReconciler } from './reconciler/reconciler.js';
import { flattenConnections } from './test-support/graphql-client.js';
import { auth, createAccount, testEnv, type TestEnv } from './test-support/harness.js';
import { testCertA, testCertB } from './test-support/tls-fixture.js';

// Every GraphQL query and mutation through POST /graphql, against a real database.

let env: TestEnv;
let acct: { id: string; key: string };

interface GqlError {
  message: string;
  extensions: {
    code: string;
    status: number;
    issues: Array<{ path: string; message: string }>;
    requestId: string;
  };
}
async function gql(key: string | undefined, query: string, variables: Record<string, unknown> = {}) {
  const r = await env.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: key ? auth(key) : {},
    payload: { query, variables },
  });
  const body = r.json() as { data: Record<string, any> | null; errors?: GqlError[] };
  return {
    status: r.statusCode,
    data: flattenConnections(body.data) as Record<string, any> | null,
    errors: body.errors,
  };
}
async function ok(key: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await gql(key, query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!;
}

const http80 = [{ name: 'http', port: 80, protocol: 'HTTP' }];
const exercised = new Set<string>();
const use = (...fields: string[]) => fields.forEach((f) => exercised.add(f));

beforeAll(async () => {
  env = await testEnv();
  acct = await createAccount(env, 'gql');
});
afterAll(() => env?.close());

describe('GraphQL queries and mutations', () => {
  it('whoami', async () => {
    use('Query.whoami');
    const d = await ok(acct.key, '{ whoami { accountId accountName role system actor } }');
    expect(d.whoami).toMatchObject({
      accountId: acct.id,
      accountName: 'gql',
      role: 'owner',
      system: false,
      actor: expect.stringMatching(/^apikey:/),
    });
  });

  it('createAccount, accounts, account, updateAccount', async () => {
    use('Mutation.createAccount', 'Query.accounts', 'Query.account', 'Mutation.updateAccount');
    const d = await ok(
      env.adminKey,
      'mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id name gatewayQuota } apiKey { role secret prefix } } }',
      { i: { name: 'second', gatewayQuota: 3 } },
    );
    expect(d.createAccount.account).toMatchObject({ name: 'second', gatewayQuota: 3 });
    expect(d.createAccount.apiKey.secret).toMatch(new RegExp(`^epic_${d.createAccount.apiKey.prefix}_`));
    const id = d.createAccount.account.id;
    const all = await ok(env.adminKey, '{ accounts { edges { node { name } } } }');
    expect(all.accounts.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['gql', 'second', 'epic-system']),
    );
    expect((await ok(acct.key, '{ accounts { edges { node { id } } } }')).accounts).toEqual([
      { id: acct.id },
    ]);
    expect(
      (await ok(env.adminKey, 'query($id: ID!) { account(id: $id) { name system createdAt } }', { id }))
        .account,
    ).toMatchObject({ name: 'second', system: false, createdAt: expect.stringMatching(/^\d{4}-/) });
    const u = await ok(
      env.adminKey,
      'mutation($id: ID!, $i: UpdateAccountInput!) { updateAccount(id: $id, input: $i) { displayName gatewayQuota } }',
      { id, i: { displayName: 'Second', gatewayQuota: 7 } },
    );
    expect(u.updateAccount).toEqual({ displayName: 'Second', gatewayQuota: 7 });
  });

  it('addMembership, memberships, removeMembership', async () => {
    use('Mutation.addMembership', 'Query.memberships', 'Mutation.removeMembership');
    const add = await ok(
      acct.key,
      'mutation($a: ID!, $i: AddMembershipInput!) { addMembership(accountId: $a, input: $i) { id role user { login } } }',
      { a: acct.id, i: { login: 'hubot', role: 'admin' } },
    );
    expect(add.addMembership).toMatchObject({ role: 'admin', user: { login: 'hubot' } });
    const list = await ok(
      acct.key,
      'query($a: ID!) { memberships(accountId: $a) { edges { node { id role user { login } } } } }',
      { a: acct.id },
    );
    expect(list.memberships).toEqual([add.addMembership]);
    const rm = await ok(
      acct.key,
      'mutation($a: ID!, $m: ID!) { removeMembership(accountId: $a, membershipId: $m) }',
      { a: acct.id, m: add.addMembership.id },
    );
    expect(rm.removeMembership).toBe(true);
    expect(
      (
        await ok(acct.key, 'query($a: ID!) { memberships(accountId: $a) { edges { node { id } } } }', {
          a: acct.id,
        })
      ).memberships,
    ).toEqual([]);
  });

  it('createApiKey, apiKeys, revokeApiKey', async () => {
    use('Mutation.createApiKey', 'Query.apiKeys', 'Mutation.revokeApiKey');
    const c = await ok(
      acct.key,
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { id name role secret } }',
      {
        i: { name: 'bot', role: 'viewer' },
      },
    );
    expect(c.createApiKey.secret).toMatch(/^epic_/);
    const list = await ok(acct.key, '{ apiKeys { edges { node { id name role secret revokedAt } } } }');
    expect(list.apiKeys.find((k: { id: string }) => k.id === c.createApiKey.id)).toEqual({
      id: c.createApiKey.id,
      name: 'bot',
      role: 'viewer',
      secret: null,
      revokedAt: null,
    });
    const rev = await ok(acct.key, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', {
      id: c.createApiKey.id,
    });
    expect(rev.revokeApiKey.revokedAt).toEqual(expect.any(String));
    const denied = await gql(c.createApiKey.secret, '{ whoami { role } }');
    expect(denied.errors?.[0]?.extensions.code).toBe('Unauthorized');
  });

  it('createCluster, clusters, cluster, deleteCluster', async () => {
    use('Mutation.createCluster', 'Query.clusters', 'Query.cluster', 'Mutation.deleteCluster');
    const c = await ok(
      acct.key,
      'mutation($i: CreateClusterInput!) { createCluster(input: $i) { id name description } }',
      {
        i: { name: 'k1', description: 'one' },
      },
    );
    expect(c.createCluster).toMatchObject({ name: 'k1', description: 'one' });
    expect((await ok(acct.key, '{ clusters { edges { node { name } } } }')).clusters).toEqual([
      { name: 'k1' },
    ]);
    expect(
      (await ok(acct.key, 'query($id: ID!) { cluster(id: $id) { name } }', { id: c.createCluster.id }))
        .cluster.name,
    ).toBe('k1');
    expect(
      (await ok(acct.key, 'mutation($id: ID!) { deleteCluster(id: $id) }', { id: c.createCluster.id }))
        .deleteCluster,
    ).toBe(true);
    const gone = await gql(acct.key, 'query($id: ID!) { cluster(id: $id) { name } }', {
      id: c.createCluster.id,
    });
    expect(gone.errors?.[0]?.extensions).toMatchObject({ code: 'NotFound', status: 404 });
  });

  it('createAddressPool, addressPools, addressPool, deleteAddressPool', async () => {
    use(
      'Mutation.createAddressPool',
      'Query.addressPools',
      'Query.addressPool',
      'Mutation.deleteAddressPool',
    );
    const p = await ok(
      acct.key,
      'mutation($i: CreateAddressPoolInput!) { createAddressPool(input: $i) { id family firstAddress lastAddress size aggregation global allocated } }',
      { i: { name: 'tmp', spec: '2001:db8:9::/124' } },
    );
    expect(p.createAddressPool).toMatchObject({
      family: 'ipv6',
      firstAddress: '2001:db8:9::',
      lastAddress: '2001:db8:9::f',
      size: '16',
      aggregation: 128,
      global: false,
      allocated: 0,
    });
    expect((await ok(acct.key, '{ addressPools { edges { node { name } } } }')).addressPools).toEqual([
      { name: 'tmp' },
    ]);
    expect(
      (
        await ok(acct.key, 'query($id: ID!) { addressPool(id: $id) { spec } }', {
          id: p.createAddressPool.id,
        })
      ).addressPool.spec,
    ).toBe('2001:db8:9::/124');
    expect(
      (
        await ok(acct.key, 'mutation($id: ID!) { deleteAddressPool(id: $id) }', {
          id: p.createAddressPool.id,
        })
      ).deleteAddressPool,
    ).toBe(true);
  });

  it('createTemplate, templates, template, updateTemplate, deleteTemplate', async () => {
    use(
      'Mutation.createTemplate',
      'Query.templates',
      'Query.template',
      'Mutation.updateTemplate',
      'Mutation.deleteTemplate',
    );
    const t = await ok(
      acct.key,
      'mutation($i: CreateTemplateInput!) { createTemplate(input: $i) { id name poolName replicas allowSharing dnsNameTemplate envoyFragments } }',
      { i: { name: 'tmp', poolName: 'x', dnsNameTemplate: '{gateway}.example.com' } },
    );
    expect(t.createTemplate).toMatchObject({
      name: 'tmp',
      poolName: 'x',
      allowSharing: false,
      envoyFragments: {},
    });
    expect((await ok(acct.key, '{ templates { edges { node { name } } } }')).templates).toEqual([
      { name: 'tmp' },
    ]);
    expect(
      (await ok(acct.key, 'query($id: ID!) { template(id: $id) { name } }', { id: t.createTemplate.id }))
        .template.name,
    ).toBe('tmp');
    const u = await ok(
      acct.key,
      'mutation($id: ID!, $i: UpdateTemplateInput!) { updateTemplate(id: $id, input: $i) { replicas allowSharing } }',
      { id: t.createTemplate.id, i: { replicas: 4, allowSharing: true } },
    );
    expect(u.updateTemplate).toEqual({ replicas: 4, allowSharing: true });
    expect(
      (await ok(acct.key, 'mutation($id: ID!) { deleteTemplate(id: $id) }', { id: t.createTemplate.id }))
        .deleteTemplate,
    ).toBe(true);
  });

  describe('gateways, routes and endpoints', () => {
    let gatewayId: string;
    let clusterId: string;
    beforeAll(async () => {
      await ok(acct.key, 'mutation($i: CreateAddressPoolInput!) { createAddressPool(input: $i) { id } }', {
        i: { name: 'pub', spec: '192.0.2.8/29' },
      });
      await ok(acct.key, 'mutation($i: CreateTemplateInput!) { createTemplate(input: $i) { id } }', {
        i: { name: 'web', poolName: 'pub', dnsNameTemplate: '{gateway}.{account}.example.com' },
      });
      clusterId = (
        await ok(acct.key, 'mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }', {
          i: { name: 'k2' },
        })
      ).createCluster.id;
    });

    it('createGateway, gateway, gateways (pagination and filters), updateGatewayListeners, deleteGateway', async () => {
      use(
        'Mutation.createGateway',
        'Query.gateway',
        'Query.gateways',
        'Mutation.updateGatewayListeners',
        'Mutation.deleteGateway',
      );
      const m =
        'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created gateway { id name address dnsName generation listeners { name port protocol } template { name } clients { clusterId namespace name clientUid } } } }';
      const c = await ok(acct.key, m, {
        i: {
          name: 'edge',
          namespace: 'web',
          template: 'web',
          clusterId,
          clientUid: 'gw-1',
          listeners: http80,
        },
      });
      expect(c.createGateway.created).toBe(true);
      expect(c.createGateway.gateway).toMatchObject({
        name: 'edge',
        address: '192.0.2.9', // .8 is the /29's network address: skipped by default
        dnsName: 'edge.gql.example.com',
        generation: 1,
        template: { name: 'web' },
        clients: [{ clusterId, namespace: 'web', name: 'edge', clientUid: 'gw-1' }],
      });
      gatewayId = c.createGateway.gateway.id;
      const again = await ok(acct.key, m, {
        i: {
          name: 'edge',
          namespace: 'web',
          template: 'web',
          clusterId,
          clientUid: 'gw-1',
          listeners: http80,
        },
      });
      expect(again.createGateway).toMatchObject({ created: false, gateway: { id: gatewayId } });
      const other = await ok(acct.key, m, { i: { name: 'other', template: 'web', listeners: http80 } });

      const got = await ok(
        acct.key,
        'query($id: ID!) { gateway(id: $id) { id conditions { type status } status { listeners { name attachedRoutes } } observedGeneration } }',
        { id: gatewayId },
      );
      expect(got.gateway).toMatchObject({ id: gatewayId, observedGeneration: 0 });
      const p1 = await ok(
        acct.key,
        '{ gateways(first: 1) { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }',
      );
      expect(p1.gateways.items).toEqual([{ id: gatewayId }]);
      const p2 = await ok(
        acct.key,
        'query($after: String) { gateways(first: 1, after: $after) { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }',
        { after: p1.gateways.nextCursor },
      );
      expect(p2.gateways).toEqual({ items: [{ id: other.createGateway.gateway.id }], nextCursor: null });
      const f = await ok(
        acct.key,
        'query($f: GatewayFilter) { gateways(filter: $f) { edges { node { name } cursor } pageInfo { hasNextPage } } }',
        {
          f: { namespace: 'web', template: 'web', clusterId },
        },
      );
      expect(f.gateways.items).toEqual([{ name: 'edge' }]);
      expect(
        (
          await ok(
            acct.key,
            '{ gateways(filter: { name: "other" }) { edges { node { name } cursor } pageInfo { hasNextPage } } }',
          )
        ).gateways.items,
      ).toEqual([{ name: 'other' }]);

      const u = await ok(
        acct.key,
        'mutation($id: ID!, $l: [ListenerInput!]!) { updateGatewayListeners(id: $id, listeners: $l) { generation listeners { name port protocol } } }',
        { id: gatewayId, l: [...http80, { name: 'tcp', port: 7000, protocol: 'TCP' }] },
      );
      expect(u.updateGatewayListeners.generation).toBe(2);
      expect(u.updateGatewayListeners.listeners).toHaveLength(2);
      use('Mutation.updateGatewayAddresses', 'Mutation.updateGatewayInfrastructure');
      const addr = await ok(
        acct.key,
        'mutation($id: ID!, $a: [GatewaySpecAddressInput!]) { updateGatewayAddresses(id: $id, addresses: $a) { generation address addresses { type value } status { addresses { type value } } } }',
        { id: gatewayId, a: [{ type: 'IPAddress', value: '192.0.2.9' }] },
      );
      expect(addr.updateGatewayAddresses).toMatchObject({
        generation: 3,
        address: '192.0.2.9',
        addresses: [{ type: 'IPAddress', value: '192.0.2.9' }],
        status: { addresses: [{ type: 'IPAddress', value: '192.0.2.9' }, { type: 'Hostname' }] },
      });
      const infra = await ok(
        acct.key,
        'mutation($id: ID!, $i: GatewayInfrastructureInput) { updateGatewayInfrastructure(id: $id, infrastructure: $i) { generation infrastructure { labels annotations } } }',
        { id: gatewayId, i: { labels: { team: 'edge' } } },
      );
      expect(infra.updateGatewayInfrastructure).toMatchObject({
        generation: 4,
        infrastructure: { labels: { team: 'edge' }, annotations: null },
      });
      expect(
        (
          await ok(acct.key, 'mutation($id: ID!) { deleteGateway(id: $id) }', {
            id: other.createGateway.gateway.id,
          })
        ).deleteGateway,
      ).toBe(true);
      const again2 = await gql(acct.key, 'mutation($id: ID!) { deleteGateway(id: $id) }', {
        id: other.createGateway.gateway.id,
      });
      expect(again2.errors?.[0]?.extensions.code).toBe('NotFound');
    });

    it('upsertRoute, route, routes, updateRoute, deleteRoute', async () => {
      use(
        'Mutation.upsertRoute',
        'Query.route',
        'Query.routes',
        'Mutation.updateRoute',
        'Mutation.deleteRoute',
      );
      const m =
        'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created route { id kind generation parents { gatewayId refIndex } spec } } }';
      const input = {
        kind: 'HTTPRoute',
        name: 'shop',
        namespace: 'web',
        clusterId,
        clientUid: 'r-1',
        spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
      };
      const c = await ok(acct.key, m, { i: input });
      expect(c.upsertRoute).toMatchObject({
        created: true,
        route: { kind: 'HTTPRoute', generation: 1, parents: [{ gatewayId, refIndex: 0 }] },
      });
      // defaults of the Gateway API are applied to the stored spec
      expect(c.upsertRoute.route.spec.rules[0].matches).toEqual([
        { path: { type: 'PathPrefix', value: '/' } },
      ]);
      const again = await ok(acct.key, m, {
        i: { ...input, spec: { ...input.spec, hostnames: ['a.example.com'] } },
      });
      expect(again.upsertRoute).toMatchObject({
        created: false,
        route: { id: c.upsertRoute.route.id, generation: 2 },
      });
      const tcp = await ok(acct.key, m, {
        i: {
          kind: 'TCPRoute',
          name: 'db',
          namespace: 'web',
          clusterId,
          spec: {
            parentRefs: [{ name: 'edge', sectionName: 'tcp' }],
            rules: [{ backendRefs: [{ name: 'pg', port: 5432 }] }],
          },
        },
      });
      expect(tcp.upsertRoute.route.parents).toEqual([{ gatewayId, refIndex: 0 }]);

      const id = c.upsertRoute.route.id;
      expect(
        (await ok(acct.key, 'query($id: ID!) { route(id: $id) { name clientUid } }', { id })).route,
      ).toEqual({ name: 'shop', clientUid: 'r-1' });
      const list = await ok(
        acct.key,
        'query($f: RouteFilter) { routes(first: 10, filter: $f) { edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }',
        { f: { gatewayId, kind: 'TCPRoute' } },
      );
      expect(list.routes).toEqual({ items: [{ name: 'db' }], nextCursor: null });
      const p1 = await ok(
        acct.key,
        '{ routes(first: 1) { edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }',
      );
      const p2 = await ok(
        acct.key,
        'query($a: String) { routes(first: 1, after: $a) { edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }',
        { a: p1.routes.nextCursor },
      );
      expect([...p1.routes.items, ...p2.routes.items].map((r: { name: string }) => r.name)).toEqual([
        'shop',
        'db',
      ]);
      const u = await ok(
        acct.key,
        'mutation($id: ID!, $s: JSON!) { updateRoute(id: $id, spec: $s) { generation spec } }',
        { id, s: { parentRefs: [{ name: 'edge' }], hostnames: ['b.example.com'] } },
      );
      expect(u.updateRoute.generation).toBe(3);
      expect(u.updateRoute.spec.hostnames).toEqual(['b.example.com']);
      expect((await ok(acct.key, 'mutation($id: ID!) { deleteRoute(id: $id) }', { id })).deleteRoute).toBe(
        true,
      );
      expect(
        (await gql(acct.key, 'query($id: ID!) { route(id: $id) { name } }', { id })).errors?.[0]?.extensions
          .code,
      ).toBe('NotFound');
    });

    it('upsertEndpointSlice, endpointSlice, endpointSlices, deleteEndpointSlice, setStaticEndpoints, deleteStaticEndpoints', async () => {
      use(
        'Mutation.upsertEndpointSlice',
        'Query.endpointSlice',
        'Query.endpointSlices',
        'Mutation.deleteEndpointSlice',
        'Mutation.setStaticEndpoints',
        'Mutation.deleteStaticEndpoints',
      );
      const m =
        'mutation($i: UpsertEndpointSliceInput!) { upsertEndpointSlice(input: $i) { created endpointSlice { id generation endpoints { addresses } } } }';
      const input = {
        clusterId,
        clientUid: 'eps-1',
        namespace: 'web',
        name: 'svc-1',
        serviceName: 'svc',
        ports: [{ port: 80 }],
        endpoints: [{ addresses: ['10.1.1.1'] }],
      };
      const c = await ok(acct.key, m, { i: input });
      expect(c.upsertEndpointSlice).toMatchObject({ created: true, endpointSlice: { generation: 1 } });
      const u = await ok(acct.key, m, { i: { ...input, endpoints: [{ addresses: ['10.1.1.2'] }] } });
      expect(u.upsertEndpointSlice).toMatchObject({
        created: false,
        endpointSlice: { id: c.upsertEndpointSlice.endpointSlice.id, generation: 2 },
      });
      const id = c.upsertEndpointSlice.endpointSlice.id;
      expect(
        (await ok(acct.key, 'query($id: ID!) { endpointSlice(id: $id) { serviceName static } }', { id }))
          .endpointSlice,
      ).toEqual({ serviceName: 'svc', static: false });

      const s = await ok(
        acct.key,
        'mutation($i: SetStaticEndpointsInput!) { setStaticEndpoints(namespace: "web", service: "ext", input: $i) { id static addressType endpoints { addresses } } }',
        { i: { ports: [{ port: 443 }], endpoints: [{ address: '198.51.100.7' }] } },
      );
      expect(s.setStaticEndpoints).toMatchObject({ static: true, addressType: 'IPv4' });
      const statics = await ok(
        acct.key,
        '{ endpointSlices(filter: { static: true }) { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }',
      );
      expect(statics.endpointSlices).toEqual({ items: [{ id: s.setStaticEndpoints.id }], nextCursor: null });
      const byService = await ok(
        acct.key,
        '{ endpointSlices(first: 5, filter: { serviceName: "svc", namespace: "web" }) { edges { node { id } cursor } pageInfo { hasNextPage } } }',
      );
      expect(byService.endpointSlices.items).toEqual([{ id }]);
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteEndpointSlice(id: $id) }', { id }))
          .deleteEndpointSlice,
      ).toBe(true);
      expect(
        (await ok(acct.key, 'mutation { deleteStaticEndpoints(namespace: "web", service: "ext") }'))
          .deleteStaticEndpoints,
      ).toBe(true);
      expect(
        (await ok(acct.key, '{ endpointSlices { edges { node { id } cursor } pageInfo { hasNextPage } } }'))
          .endpointSlices.items,
      ).toEqual([]);
    });

    it('upsertService, service, services, deleteService', async () => {
      use('Mutation.upsertService', 'Query.service', 'Query.services', 'Mutation.deleteService');
      const m =
        'mutation($i: UpsertServiceInput!) { upsertService(input: $i) { created item { id name ports { name port targetPort protocol } } } }';
      const input = {
        clusterId,
        clientUid: 'svc-1',
        namespace: 'web',
        name: 'api',
        ports: [{ port: 80, targetPort: 8080 }],
      };
      const c = await ok(acct.key, m, { i: input });
      expect(c.upsertService).toMatchObject({ created: true, item: { name: 'api' } });
      const again = await ok(acct.key, m, { i: { ...input, ports: [{ port: 81 }] } });
      expect(again.upsertService).toMatchObject({ created: false, item: { id: c.upsertService.item.id } });
      const id = c.upsertService.item.id;
      expect(
        (
          await ok(
            acct.key,
            'query($id: ID!) { service(id: $id) { ports { name port targetPort protocol } } }',
            { id },
          )
        ).service.ports,
      ).toEqual([expect.objectContaining({ port: 81 })]);
      expect(
        (
          await ok(
            acct.key,
            'query($c: ID) { services(first: 5, namespace: "web", clusterId: $c) { edges { node { id } cursor } pageInfo { hasNextPage endCursor } } }',
            { c: clusterId },
          )
        ).services,
      ).toEqual({ items: [{ id }], nextCursor: null });
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteService(id: $id) }', { id })).deleteService,
      ).toBe(true);
      expect(
        (await ok(acct.key, '{ services { edges { node { id } cursor } pageInfo { hasNextPage } } }'))
          .services.items,
      ).toEqual([]);
    });

    it('upsertReferenceGrant, referenceGrant, referenceGrants, deleteReferenceGrant', async () => {
      use(
        'Mutation.upsertReferenceGrant',
        'Query.referenceGrant',
        'Query.referenceGrants',
        'Mutation.deleteReferenceGrant',
      );
      const spec = {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }],
        to: [{ group: '', kind: 'Service' }],
      };
      const c = await ok(
        acct.key,
        'mutation($i: UpsertReferenceGrantInput!) { upsertReferenceGrant(input: $i) { created item { id spec } } }',
        { i: { namespace: 'backend', name: 'allow', spec } },
      );
      expect(c.upsertReferenceGrant).toMatchObject({ created: true, item: { spec } });
      const id = c.upsertReferenceGrant.item.id;
      expect(
        (await ok(acct.key, 'query($id: ID!) { referenceGrant(id: $id) { name namespace } }', { id }))
          .referenceGrant,
      ).toEqual({ name: 'allow', namespace: 'backend' });
      expect(
        (
          await ok(
            acct.key,
            '{ referenceGrants(namespace: "backend") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).referenceGrants.items,
      ).toEqual([{ id }]);
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteReferenceGrant(id: $id) }', { id }))
          .deleteReferenceGrant,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertReferenceGrantInput!) { upsertReferenceGrant(input: $i) { created } }',
        {
          i: { name: 'bad', spec: { from: [{ group: 'x', kind: 'HTTPRoute', namespace: 'web' }] } },
        },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain('spec.to');
    });

    it('upsertGatewayClass, gatewayClass, gatewayClasses, deleteGatewayClass', async () => {
      use(
        'Mutation.upsertGatewayClass',
        'Query.gatewayClass',
        'Query.gatewayClasses',
        'Mutation.deleteGatewayClass',
      );
      const spec = { controllerName: 'epic-gateway.io/gateway-controller', description: 'gql' };
      const c = await ok(
        acct.key,
        'mutation($i: UpsertGatewayClassInput!) { upsertGatewayClass(input: $i) { created item { id spec generation } } }',
        { i: { name: 'gql-class', spec } },
      );
      expect(c.upsertGatewayClass).toMatchObject({ created: true, item: { spec, generation: 1 } });
      const id = c.upsertGatewayClass.item.id;
      expect(
        (
          await ok(
            acct.key,
            'query($id: ID!) { gatewayClass(id: $id) { name status { conditions { type reason } } } }',
            { id },
          )
        ).gatewayClass,
      ).toEqual({
        name: 'gql-class',
        status: { conditions: [{ type: 'Accepted', reason: 'InvalidParameters' }] },
      });
      expect(
        (
          await ok(
            acct.key,
            '{ gatewayClasses(name: "gql-class") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).gatewayClasses.items,
      ).toEqual([{ id }]);
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteGatewayClass(id: $id) }', { id })).deleteGatewayClass,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertGatewayClassInput!) { upsertGatewayClass(input: $i) { created } }',
        { i: { name: 'bad', spec: { controllerName: 'no-domain' } } },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain('spec.controllerName');
    });

    it('upsertNamespace, namespace, namespaces, deleteNamespace', async () => {
      use('Mutation.upsertNamespace', 'Query.namespace', 'Query.namespaces', 'Mutation.deleteNamespace');
      const c = await ok(
        acct.key,
        'mutation($i: UpsertNamespaceInput!) { upsertNamespace(input: $i) { created item { id name labels } } }',
        { i: { name: 'shop', labels: { team: 'web', 'example.com/tier': 'front' } } },
      );
      expect(c.upsertNamespace).toMatchObject({
        created: true,
        item: { name: 'shop', labels: { team: 'web', 'example.com/tier': 'front' } },
      });
      const id = c.upsertNamespace.item.id;
      const again = await ok(
        acct.key,
        'mutation($i: UpsertNamespaceInput!) { upsertNamespace(input: $i) { created item { id labels } } }',
        { i: { name: 'shop', labels: { team: 'api' } } },
      );
      expect(again.upsertNamespace).toEqual({ created: false, item: { id, labels: { team: 'api' } } });
      expect(
        (await ok(acct.key, 'query($id: ID!) { namespace(id: $id) { name labels } }', { id })).namespace,
      ).toEqual({ name: 'shop', labels: { team: 'api' } });
      expect(
        (
          await ok(
            acct.key,
            '{ namespaces(name: "shop") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).namespaces.items,
      ).toEqual([{ id }]);
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteNamespace(id: $id) }', { id })).deleteNamespace,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertNamespaceInput!) { upsertNamespace(input: $i) { created } }',
        { i: { name: 'shop', labels: { team: 'not a value' } } },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain('labels.team');
    });

    it('upsertCaBundle, caBundle, caBundles, deleteCaBundle, updateGatewayTls', async () => {
      use(
        'Mutation.upsertCaBundle',
        'Query.caBundle',
        'Query.caBundles',
        'Mutation.deleteCaBundle',
        'Mutation.updateGatewayTls',
      );
      const c = await ok(
        acct.key,
        'mutation($i: UpsertCaBundleInput!) { upsertCaBundle(input: $i) { created item { id kind namespace name caCertificate } } }',
        {
          i: { kind: 'ConfigMap', namespace: 'web', name: 'client-ca', caCertificate: testCertA.certificate },
        },
      );
      expect(c.upsertCaBundle).toMatchObject({
        created: true,
        item: {
          kind: 'ConfigMap',
          namespace: 'web',
          name: 'client-ca',
          caCertificate: testCertA.certificate,
        },
      });
      const id = c.upsertCaBundle.item.id;
      expect((await ok(acct.key, 'query($id: ID!) { caBundle(id: $id) { name } }', { id })).caBundle).toEqual(
        {
          name: 'client-ca',
        },
      );
      expect(
        (
          await ok(
            acct.key,
            '{ caBundles(namespace: "web") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).caBundles.items,
      ).toEqual([{ id }]);
      const gw = await ok(
        acct.key,
        'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { gateway { id } } }',
        { i: { name: 'mtls', namespace: 'web', template: 'web', listeners: http80 } },
      );
      const t = await ok(
        acct.key,
        'mutation($id: ID!, $t: GatewayTLSInput) { updateGatewayTls(id: $id, tls: $t) { generation tls { frontend { default { validation { mode caCertificateRefs { kind name } } } } } } }',
        {
          id: gw.createGateway.gateway.id,
          t: {
            frontend: {
              default: {
                validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] },
              },
            },
          },
        },
      );
      expect(t.updateGatewayTls).toEqual({
        generation: 2,
        tls: {
          frontend: {
            default: {
              validation: {
                mode: 'AllowValidOnly',
                caCertificateRefs: [{ kind: 'ConfigMap', name: 'client-ca' }],
              },
            },
          },
        },
      });
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteCaBundle(id: $id) }', { id })).deleteCaBundle,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertCaBundleInput!) { upsertCaBundle(input: $i) { created } }',
        { i: { kind: 'ConfigMap', namespace: 'web', name: 'x', caCertificate: 'not a pem' } },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain('caCertificate');
    });

    it('upsertBackendTlsPolicy, backendTlsPolicy, backendTlsPolicies, deleteBackendTlsPolicy', async () => {
      use(
        'Mutation.upsertBackendTlsPolicy',
        'Query.backendTlsPolicy',
        'Query.backendTlsPolicies',
        'Mutation.deleteBackendTlsPolicy',
      );
      const m =
        'mutation($i: UpsertBackendTlsPolicyInput!) { upsertBackendTlsPolicy(input: $i) { created item { id generation spec { targetRefs { kind name sectionName } validation { hostname wellKnownCACertificates subjectAltNames { type hostname uri } } } status { ancestors { gatewayId } } } } }';
      const spec = {
        targetRefs: [{ group: '', kind: 'Service', name: 'api', sectionName: 'https' }],
        validation: {
          wellKnownCACertificates: 'System',
          hostname: 'api.example.com',
          subjectAltNames: [{ type: 'URI', uri: 'spiffe://cluster.local/ns/web/sa/api' }],
        },
      };
      const c = await ok(acct.key, m, { i: { namespace: 'web', name: 'api-tls', spec } });
      expect(c.upsertBackendTlsPolicy).toMatchObject({
        created: true,
        item: {
          generation: 1,
          spec: {
            targetRefs: [{ kind: 'Service', name: 'api', sectionName: 'https' }],
            validation: {
              hostname: 'api.example.com',
              wellKnownCACertificates: 'System',
              subjectAltNames: [{ type: 'URI', hostname: null, uri: 'spiffe://cluster.local/ns/web/sa/api' }],
            },
          },
          status: { ancestors: [] },
        },
      });
      const id = c.upsertBackendTlsPolicy.item.id;
      const same = await ok(acct.key, m, { i: { namespace: 'web', name: 'api-tls', spec } });
      expect(same.upsertBackendTlsPolicy).toMatchObject({ created: false, item: { id, generation: 1 } });
      expect(
        (await ok(acct.key, 'query($id: ID!) { backendTlsPolicy(id: $id) { name namespace } }', { id }))
          .backendTlsPolicy,
      ).toEqual({ name: 'api-tls', namespace: 'web' });
      expect(
        (
          await ok(
            acct.key,
            '{ backendTlsPolicies(namespace: "web") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).backendTlsPolicies.items,
      ).toEqual([{ id }]);
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteBackendTlsPolicy(id: $id) }', { id }))
          .deleteBackendTlsPolicy,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertBackendTlsPolicyInput!) { upsertBackendTlsPolicy(input: $i) { created } }',
        {
          i: { namespace: 'web', name: 'x', spec: { ...spec, validation: { hostname: 'api.example.com' } } },
        },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain(
        'spec.validation.caCertificateRefs',
      );
    });

    it('upsertListenerSet, listenerSet, listenerSets, deleteListenerSet, updateGatewayAllowedListeners', async () => {
      use(
        'Mutation.upsertListenerSet',
        'Query.listenerSet',
        'Query.listenerSets',
        'Mutation.deleteListenerSet',
        'Mutation.updateGatewayAllowedListeners',
      );
      const gw = await ok(
        acct.key,
        'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { gateway { id allowedListeners { namespaces { from } } } } }',
        {
          i: {
            name: 'parent',
            namespace: 'web',
            template: 'web',
            listeners: http80,
            allowedListeners: { namespaces: { from: 'Same' } },
          },
        },
      );
      expect(gw.createGateway.gateway.allowedListeners).toEqual({ namespaces: { from: 'Same' } });
      const m =
        'mutation($i: UpsertListenerSetInput!) { upsertListenerSet(input: $i) { created item { id generation spec { parentRef { kind name } listeners { name port protocol hostname } } status { gatewayId conditions { type status reason } listeners { name attachedRoutes } } } } }';
      const spec = {
        parentRef: { name: 'parent' },
        listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP', hostname: 'extra.example.com' }],
      };
      const c = await ok(acct.key, m, { i: { namespace: 'web', name: 'extra', spec } });
      expect(c.upsertListenerSet).toMatchObject({
        created: true,
        item: {
          generation: 1,
          spec: {
            parentRef: { kind: 'Gateway', name: 'parent' },
            listeners: [{ name: 'extra', port: 8080, protocol: 'HTTP', hostname: 'extra.example.com' }],
          },
          status: { gatewayId: null, conditions: [], listeners: [] },
        },
      });
      const id = c.upsertListenerSet.item.id;
      const same = await ok(acct.key, m, { i: { namespace: 'web', name: 'extra', spec } });
      expect(same.upsertListenerSet).toMatchObject({ created: false, item: { id, generation: 1 } });
      expect(
        (await ok(acct.key, 'query($id: ID!) { listenerSet(id: $id) { name namespace } }', { id }))
          .listenerSet,
      ).toEqual({ name: 'extra', namespace: 'web' });
      expect(
        (
          await ok(
            acct.key,
            '{ listenerSets(namespace: "web") { edges { node { id } cursor } pageInfo { hasNextPage } } }',
          )
        ).listenerSets.items,
      ).toEqual([{ id }]);
      const u = await ok(
        acct.key,
        'mutation($id: ID!, $a: AllowedListenersInput) { updateGatewayAllowedListeners(id: $id, allowedListeners: $a) { generation allowedListeners { namespaces { from } } } }',
        { id: gw.createGateway.gateway.id, a: { namespaces: { from: 'All' } } },
      );
      expect(u.updateGatewayAllowedListeners).toEqual({
        generation: 2,
        allowedListeners: { namespaces: { from: 'All' } },
      });
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteListenerSet(id: $id) }', { id })).deleteListenerSet,
      ).toBe(true);
      const bad = await gql(
        acct.key,
        'mutation($i: UpsertListenerSetInput!) { upsertListenerSet(input: $i) { created } }',
        { i: { namespace: 'web', name: 'x', spec: { ...spec, listeners: [] } } },
      );
      expect(bad.errors![0]!.extensions.issues.map((i) => i.path)).toContain('spec.listeners');
    });

    it('upsertCertificate, certificate, certificates, deleteCertificate', async () => {
      use(
        'Mutation.upsertCertificate',
        'Query.certificate',
        'Query.certificates',
        'Mutation.deleteCertificate',
      );
      const m =
        'mutation($i: UpsertCertificateInput!) { upsertCertificate(input: $i) { created item { id subject subjectAltName validTo fingerprint256 } } }';
      const c = await ok(acct.key, m, { i: { namespace: 'web', name: 'tls', ...testCertA } });
      expect(c.upsertCertificate).toMatchObject({
        created: true,
        item: { subject: 'CN=shop-a.example.com', subjectAltName: 'DNS:shop-a.example.com' },
      });
      const u = await ok(acct.key, m, { i: { namespace: 'web', name: 'tls', ...testCertB } });
      expect(u.upsertCertificate).toMatchObject({
        created: false,
        item: { id: c.upsertCertificate.item.id, subject: 'CN=shop-b.example.com' },
      });
      const id = c.upsertCertificate.item.id;
      expect(
        (await ok(acct.key, 'query($id: ID!) { certificate(id: $id) { name certificate } }', { id }))
          .certificate,
      ).toEqual({ name: 'tls', certificate: testCertB.certificate });
      expect((await ok(acct.key, '{ certificates { edges { node { id } } } }')).certificates).toEqual([
        { id },
      ]);
      const mismatch = await gql(acct.key, m, {
        i: { name: 'bad', certificate: testCertA.certificate, privateKey: testCertB.privateKey },
      });
      expect(mismatch.errors![0]!.extensions).toMatchObject({
        code: 'Validation',
        issues: [expect.objectContaining({ path: 'privateKey' })],
      });
      expect(
        (await ok(acct.key, 'mutation($id: ID!) { deleteCertificate(id: $id) }', { id })).deleteCertificate,
      ).toBe(true);
      expect((await ok(acct.key, '{ certificates { edges { node { id } } } }')).certificates).toEqual([]);
    });

    it('revisions, revision, revisionDiff, traceRequest, gatewayBootstrap, rollbackGateway', async () => {
      use(
        'Query.revisions',
        'Query.revision',
        'Query.revisionDiff',
        'Query.traceRequest',
        'Query.traceDatagram',
        'Query.traceConnection',
        'Query.gatewayBootstrap',
        'Mutation.rollbackGateway',
      );
      await createReconciler({
        db: env.db,
        databaseUrl: env.url,
        log: pino({ level: 'silent' }),
        resyncSeconds: 3600,
      }).drain();
      const list = await ok(
        acct.key,
        'query($g: ID!) { revisions(gatewayId: $g, first: 10) { edges { node { version hash status } cursor } pageInfo { hasNextPage endCursor } } }',
        { g: gatewayId },
      );
      expect(list.revisions.items.length).toBeGreaterThanOrEqual(1);
      expect(list.revisions.nextCursor).toBeNull();
      const latest = list.revisions.items[0].version as number;
      const one = await ok(
        acct.key,
        'query($g: ID!, $v: Int!) { revision(gatewayId: $g, version: $v) { version resources } }',
        { g: gatewayId, v: latest },
      );
      expect(Object.keys(one.revision.resources).sort()).toEqual([
        'clusters',
        'endpoints',
        'listeners',
        'routes',
        'secrets',
      ]);
      const diff = await ok(
        acct.key,
        'query($g: ID!, $v: Int!) { revisionDiff(gatewayId: $g, from: $v, to: $v) { from to changes { change } } }',
        { g: gatewayId, v: latest },
      );
      expect(diff.revisionDiff).toEqual({ from: latest, to: latest, changes: [] });
      const trace = await ok(
        acct.key,
        'query($g: ID!, $i: TraceRequestInput!) { traceRequest(gatewayId: $g, input: $i) { revision port outcome } }',
        { g: gatewayId, i: { port: 80, host: 'edge.gql.example.com', path: '/' } },
      );
      expect(trace.traceRequest).toMatchObject({ revision: latest, port: 80 });
      // The gateway has no UDP listener: a datagram to port 80 is refused, as an answer.
      const datagram = await ok(
        acct.key,
        'query($g: ID!, $i: TraceDatagramInput!) { traceDatagram(gatewayId: $g, input: $i) { revision connection refusal } }',
        { g: gatewayId, i: { port: 80 } },
      );
      expect(datagram.traceDatagram).toEqual({
        revision: latest,
        connection: 'refused',
        refusal: 'NoListener',
      });
      // Its listener on port 80 is HTTP: a TCP connection reaches an HTTP chain, not a TCP proxy.
      const stream = await ok(
        acct.key,
        'query($g: ID!, $i: TraceConnectionInput!) { traceConnection(gatewayId: $g, input: $i) { revision connection refusal backends { cluster } } }',
        { g: gatewayId, i: { port: 80 } },
      );
      expect(stream.traceConnection).toEqual({
        revision: latest,
        connection: 'refused',
        refusal: 'NotTcpProxy',
        backends: [],
      });
      const boot = await ok(acct.key, 'query($g: ID!) { gatewayBootstrap(gatewayId: $g) }', { g: gatewayId });
      expect(JSON.stringify(boot.gatewayBootstrap)).toContain(gatewayId);
      const rb = await ok(
        acct.key,
        'mutation($g: ID!, $v: Int!) { rollbackGateway(gatewayId: $g, version: $v) { version rollbackOf } }',
        { g: gatewayId, v: latest },
      );
      expect(rb.rollbackGateway).toEqual({ version: latest + 1, rollbackOf: latest });
      const missing = await gql(
        acct.key,
        'query($g: ID!) { revision(gatewayId: $g, version: 999) { version } }',
        { g: gatewayId },
      );
      expect(missing.errors![0]!.extensions.code).toBe('NotFound');
    });

    it('issueXdsToken, revokeXdsTokens', async () => {
      use('Mutation.issueXdsToken', 'Mutation.revokeXdsTokens');
      const issued = await ok(
        acct.key,
        'mutation($g: ID!) { issueXdsToken(gatewayId: $g, ttlSeconds: 3600) { nodeId proxylessNodeId token generation expiresAt } }',
        { g: gatewayId },
      );
      expect(issued.issueXdsToken).toMatchObject({
        nodeId: `gql.${gatewayId}`,
        proxylessNodeId: `gql.${gatewayId}.grpc`,
        generation: 1,
      });
      expect(issued.issueXdsToken.token).toMatch(/^v2\.[\w-]+\.[\w-]{43}$/);
      const ttl = Date.parse(issued.issueXdsToken.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(3500_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);
      const tooLong = await gql(
        acct.key,
        'mutation($g: ID!) { issueXdsToken(gatewayId: $g, ttlSeconds: 99999999) { token } }',
        { g: gatewayId },
      );
      expect(tooLong.errors![0]!.extensions.code).toBe('Validation');
      expect(tooLong.errors![0]!.extensions.issues[0]!.path).toBe('ttlSeconds');
      const revoked = await ok(
        acct.key,
        'mutation($g: ID!) { revokeXdsTokens(gatewayId: $g) { gatewayId generation } }',
        { g: gatewayId },
      );
      expect(revoked.revokeXdsTokens).toEqual({ gatewayId, generation: 2 });
      const next = await ok(acct.key, 'mutation($g: ID!) { issueXdsToken(gatewayId: $g) { generation } }', {
        g: gatewayId,
      });
      expect(next.issueXdsToken.generation).toBe(2);
    });

    it('auditEvents is paginated and filterable by action', async () => {
      use('Query.auditEvents');
      const p1 = await ok(
        acct.key,
        '{ auditEvents(first: 3) { edges { node { action actor objectKind createdAt } cursor } pageInfo { hasNextPage endCursor } } }',
      );
      expect(p1.auditEvents.items).toHaveLength(3);
      const p2 = await ok(
        acct.key,
        'query($a: String) { auditEvents(first: 500, after: $a) { edges { node { action } cursor } pageInfo { hasNextPage endCursor } } }',
        { a: p1.auditEvents.nextCursor },
      );
      expect(p2.auditEvents.nextCursor).toBeNull();
      const all = [...p1.auditEvents.items, ...p2.auditEvents.items].map((e: { action: string }) => e.action);
      expect(all).toEqual(
        expect.arrayContaining([
          'membership.upsert',
          'apikey.revoke',
          'gateway.create',
          'route.delete',
          'endpointslice.delete',
        ]),
      );
      const only = await ok(
        acct.key,
        '{ auditEvents(action: "gateway.delete") { edges { node { action objectKind } cursor } pageInfo { hasNextPage } } }',
      );
      expect(only.auditEvents.items).toEqual([{ action: 'gateway.delete', objectKind: 'Gateway' }]);
    });
  });
});

describe('GraphQL errors', () => {
  it('a validation error carries code Validation, status 400 and issues with field paths', async () => {
    const r = await gql(
      acct.key,
      'mutation($i: CreateGatewayInput!) { createGateway(input: $i) { created } }',
      {
        i: { name: 'Bad Name', template: 'web', listeners: [{ name: 'http', port: 0, protocol: 'HTTP' }] },
      },
    );
    expect(r.data).toBeNull();
    const e = r.errors![0]!;
    expect(e.extensions.code).toBe('Validation');
    expect(e.extensions.status).toBe(400);
    expect(e.extensions.requestId).toEqual(expect.any(String));
    expect(e.extensions.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['name', 'listeners[0].port']),
    );
  });

  it("a variable graphql-js cannot coerce names its field in extensions.issues, as the REST face would, on every run (the JIT's too)", async () => {
    const create = 'mutation C($input: CreateGatewayInput!) { createGateway(input: $input) { created } }';
    const badPort = { input: { name: 'coerce', listeners: [{ name: 'h', port: 'abc', protocol: 'HTTP' }] } };
    // The same document three times: the second and later runs are compiled (mercurius jit: 1).
    for (let run = 0; run < 3; run++) {
      const r = await gql(acct.key, create, badPort);
      expect(r.status, `run ${run}`).toBe(400);
      expect(r.data).toBeNull();
      expect(r.errors, `run ${run}`).toEqual([
        {
          message: expect.stringContaining('at "input.listeners[0].port"; Int cannot represent'),
          extensions: {
            code: 'Validation',
            status: 400,
            requestId: expect.any(String),
            issues: [{ path: 'listeners[0].port', message: expect.stringMatching(/^Int cannot represent/) }],
          },
        },
      ]);
    }
    const paths = async (query: string, variables: Record<string, unknown>) =>
      (await gql(acct.key, query, variables)).errors!.flatMap((e) => {
        expect(e.extensions.code).toBe('Validation');
        return e.extensions.issues.map((i) => i.path);
      });
    // An enum value that does not exist, a field the type lacks, a required field left out.
    const upsert = 'mutation U($input: UpsertRouteInput!) { upsertRoute(input: $input) { created } }';
    for (let run = 0; run < 2; run++)
      expect(await paths(upsert, { input: { kind: 'HTTPRout', name: 'x', spec: {} } })).toEqual(['kind']);
    expect(
      await paths(create, {
        input: { name: 'c', listeners: [{ name: 'h', port: 80, protocol: 'HTTP', bogus: 1 }] },
      }),
    ).toEqual(['listeners[0].bogus']);
    expect(await paths(create, { input: { listeners: [{ port: 80, protocol: 'HTTP' }] } })).toEqual([
      'name',
      'listeners[0].name',
    ]);
    // A spread argument names itself, as the REST body's field; a path parameter too.
    const listeners =
      'mutation L($id: ID!, $listeners: [ListenerInput!]!) { updateGatewayListeners(id: $id, listeners: $listeners) { id } }';
    for (let run = 0; run < 2; run++)
      expect(
        await paths(listeners, {
          id: '00000000-0000-4000-8000-000000000000',
          listeners: [
            { name: 'h', port: 80, protocol: 'HTTP' },
            { name: 'i', port: 'x', protocol: 'HTTP' },
          ],
        }),
      ).toEqual(['listeners[1].port']);
    expect(await paths(listeners, { listeners: [] })).toEqual(['id']);
    // A variable inside an argument's literal carries the literal's path; a query over GET is answered alike.
    expect(
      await paths(
        'mutation T($r: Int) { updateTemplate(id: "00000000-0000-4000-8000-000000000000", input: { replicas: $r }) { id } }',
        { r: 'two' },
      ),
    ).toEqual(['replicas']);
    const trace = await env.app.inject({
      method: 'GET',
      url: `/graphql?${new URLSearchParams({
        query:
          'query Tr($gatewayId: ID!, $input: TraceRequestInput!) { traceRequest(gatewayId: $gatewayId, input: $input) { port } }',
        variables: JSON.stringify({
          gatewayId: '00000000-0000-4000-8000-000000000000',
          input: { host: 'a', path: '/', port: '80x' },
        }),
      }).toString()}`,
      headers: auth(acct.key),
    });
    expect(trace.statusCode).toBe(400);
    expect(trace.json().errors[0].extensions.issues).toEqual([{ path: 'port', message: expect.any(String) }]);
    expect(await gql(acct.key, '{ gateways(first: 1) { edges { node { id } } } }')).toMatchObject({
      status: 200,
    });
  });

  it('a route spec error names the path under spec', async () => {
    const r = await gql(acct.key, 'mutation($i: UpsertRouteInput!) { upsertRoute(input: $i) { created } }', {
      i: {
        kind: 'HTTPRoute',
        name: 'x',
        spec: { rules: [{ matches: [{ path: { type: 'Glob', value: '/' } }] }] },
      },
    });
    expect(r.errors![0]!.extensions.code).toBe('Validation');
    expect(r.errors![0]!.extensions.issues.map((i) => i.path)).toContain(
      'spec.rules[0].matches[0].path.type',
    );
  });

  it('Unauthorized without a key, Forbidden for too small a role, NotFound and Conflict map to their codes', async () => {
    const none = await gql(undefined, '{ whoami { role } }');
    expect(none.errors![0]!.extensions.code).toBe('Unauthorized');
    expect(none.status).toBe(401);
    expect(
      (
        await gql(
          acct.key,
          'mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } } }',
          {
            i: { name: 'nope' },
          },
        )
      ).errors![0]!.extensions.code,
    ).toBe('Forbidden');
    expect(
      (await gql(acct.key, 'query { gateway(id: "00000000-0000-4000-8000-000000000000") { id } }'))
        .errors![0]!.extensions.code,
    ).toBe('NotFound');
    expect(
      (
        await gql(acct.key, 'mutation($i: CreateClusterInput!) { createCluster(input: $i) { id } }', {
          i: { name: 'k2' },
        })
      ).errors![0]!.extensions.code,
    ).toBe('Conflict');
    const badId = await gql(acct.key, 'query { gateway(id: "not-a-uuid") { id } }');
    expect(badId.errors![0]!.extensions).toMatchObject({
      code: 'Validation',
      issues: [expect.objectContaining({ path: 'id' })],
    });
  });
});

describe('the workload-cluster controller operations', () => {
  it('features, syncCluster and clusterStatus', async () => {
    use('Query.features', 'Mutation.syncCluster', 'Query.clusterStatus');
    const f = await ok(acct.key, '{ features { supportedFeatures } }');
    expect(f.features.supportedFeatures).toContain('HTTPRoute');
    expect(f.features.supportedFeatures).toEqual([...f.features.supportedFeatures].sort());
    const c = await ok(acct.key, 'mutation { createCluster(input: { name: "sync-gql" }) { id } }');
    const synced = await ok(
      acct.key,
      'mutation($c: ID!, $i: SyncClusterInput!) { syncCluster(clusterId: $c, input: $i) { upserted deleted errors { kind clientUid } routes { clientUid observedClientGeneration } } }',
      {
        c: c.createCluster.id,
        i: {
          routes: [
            {
              kind: 'HTTPRoute',
              clientUid: 'gql-route',
              namespace: 'default',
              name: 'r',
              generation: 2,
              spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
            },
          ],
        },
      },
    );
    expect(synced.syncCluster).toEqual({
      upserted: 1,
      deleted: 0,
      errors: [],
      routes: [{ clientUid: 'gql-route', observedClientGeneration: 2 }],
    });
    const st = await ok(
      acct.key,
      'query($c: ID!) { clusterStatus(clusterId: $c) { gateways { clientUid } routes { clientUid parents { controllerName } } } }',
      {
        c: c.createCluster.id,
      },
    );
    expect(st.clusterStatus).toEqual({ gateways: [], routes: [{ clientUid: 'gql-route', parents: [] }] });
  });
});

describe('variables inside inline input objects', () => {
  it('a typed input keeps a variable next to literals', async () => {
    const d = await ok(
      acct.key,
      'mutation($n: String!) { createCluster(input: { name: $n, description: "inline" }) { name description } }',
      { n: 'inline-vars' },
    );
    expect(d.createCluster).toEqual({ name: 'inline-vars', description: 'inline' });
  });
  it('a JSON literal keeps the variables inside it', async () => {
    const d = await ok(
      acct.key,
      'mutation($gw: String!, $port: Int!) { upsertRoute(input: { kind: HTTPRoute, name: "inline-json", spec: { parentRefs: [{ name: $gw }], rules: [{ backendRefs: [{ name: "svc", port: $port }] }] } }) { route { spec } } }',
      { gw: 'edge', port: 8080 },
    );
    expect(d.upsertRoute.route.spec.parentRefs).toEqual([
      expect.objectContaining({ name: 'edge', kind: 'Gateway' }),
    ]);
    expect(d.upsertRoute.route.spec.rules[0].backendRefs[0]).toMatchObject({ name: 'svc', port: 8080 });
  });
});

describe('EPIC nodes and proxies', () => {
  it('createEpicNode, epicNodes, epicNode, registerEpicNode, reportEpicNodeProxies, epicNodeDesiredState, gatewayProxies, drainEpicNode, deleteEpicNode', async () => {
    use(
      'Mutation.createEpicNode',
      'Query.epicNodes',
      'Query.epicNode',
      'Mutation.registerEpicNode',
      'Mutation.reportEpicNodeProxies',
      'Mutation.syncEpicNode',
      'Query.epicNodeDesiredState',
      'Query.gatewayProxies',
      'Mutation.drainEpicNode',
      'Mutation.deleteEpicNode',
    );
    const owner = await createAccount(env, 'gql-nodes');
    const rest = async (method: 'POST', url: string, payload: Record<string, unknown>) =>
      (await env.app.inject({ method, url: `/api/v1${url}`, headers: auth(owner.key), payload })).json();
    await rest('POST', '/address-pools', { name: 'p', spec: '10.77.0.0/28' });
    await rest('POST', '/templates', { name: 't', poolName: 'p', dnsNameTemplate: '{gateway}.example.com' });
    const gw = await rest('POST', '/gateways', { name: 'edge', template: 't', listeners: http80 });

    const c = await ok(
      env.adminKey,
      'mutation($i: CreateEpicNodeInput!) { createEpicNode(input: $i) { token node { name addresses draining } } }',
      { i: { name: 'gql-node.example', addresses: ['192.0.2.5'] } },
    );
    expect(c.createEpicNode.node).toEqual({
      name: 'gql-node.example',
      addresses: ['192.0.2.5'],
      draining: false,
    });
    const token = c.createEpicNode.token as string;
    expect((await ok(env.adminKey, '{ epicNodes { edges { node { name } } } }')).epicNodes).toEqual([
      { name: 'gql-node.example' },
    ]);
    const reg = await ok(
      token,
      'mutation($n: String!, $i: RegisterEpicNodeInput!) { registerEpicNode(name: $n, input: $i) { addresses bgp { asn routerId peers { address asn port } } } }',
      {
        n: 'gql-node.example',
        i: {
          addresses: ['192.0.2.6'],
          bgp: { asn: 65001, routerId: '192.0.2.6', peers: [{ address: '192.0.2.1', asn: 65000 }] },
        },
      },
    );
    expect(reg.registerEpicNode).toEqual({
      addresses: ['192.0.2.6'],
      bgp: { asn: 65001, routerId: '192.0.2.6', peers: [{ address: '192.0.2.1', asn: 65000, port: null }] },
    });
    const reported = await ok(
      token,
      'mutation($n: String!, $i: ReportEpicNodeProxiesInput!) { reportEpicNodeProxies(name: $n, input: $i) }',
      {
        n: 'gql-node.example',
        i: {
          proxies: [
            { gatewayId: gw.id, podName: 'envoy-0', vethIfindex: 3, ready: true, ackedVersion: null },
          ],
        },
      },
    );
    expect(reported.reportEpicNodeProxies).toBe(true);
    // The agent's tick in one call: the report, answered with the desired state it makes.
    const synced = await ok(
      token,
      'mutation($n: String!, $i: ReportEpicNodeProxiesInput!) { syncEpicNode(name: $n, input: $i) { node gateways { gatewayId } } }',
      {
        n: 'gql-node.example',
        i: {
          proxies: [
            { gatewayId: gw.id, podName: 'envoy-0', vethIfindex: 3, ready: true, ackedVersion: null },
          ],
        },
      },
    );
    expect(synced.syncEpicNode).toEqual({ node: 'gql-node.example', gateways: [{ gatewayId: gw.id }] });
    const desired = await ok(
      token,
      'query($n: String!) { epicNodeDesiredState(name: $n) { node draining gateways { gatewayId addresses advertise { prefix } ports { port protocol } revision tunnels { tunnelId } } } }',
      { n: 'gql-node.example' },
    );
    expect(desired.epicNodeDesiredState).toEqual({
      node: 'gql-node.example',
      draining: false,
      gateways: [
        {
          gatewayId: gw.id,
          addresses: [gw.address],
          advertise: [{ prefix: `${gw.address}/32` }],
          ports: [{ port: 80, protocol: 'TCP' }],
          revision: 0,
          tunnels: [],
        },
      ],
    });
    const proxies = await ok(
      owner.key,
      'query($g: ID!) { gatewayProxies(gatewayId: $g) { edges { node { podName node ready ackedVersion } } } }',
      { g: gw.id },
    );
    expect(proxies.gatewayProxies).toEqual([
      { podName: 'envoy-0', node: 'gql-node.example', ready: true, ackedVersion: null },
    ]);
    const drained = await ok(
      env.adminKey,
      'mutation { drainEpicNode(name: "gql-node.example", input: {}) { draining } }',
    );
    expect(drained.drainEpicNode).toEqual({ draining: true });
    expect((await ok(env.adminKey, '{ epicNode(name: "gql-node.example") { draining } }')).epicNode).toEqual({
      draining: true,
    });
    expect(
      (await ok(env.adminKey, 'mutation { deleteEpicNode(name: "gql-node.example") }')).deleteEpicNode,
    ).toBe(true);
    const gone = await gql(env.adminKey, '{ epicNode(name: "gql-node.example") { name } }');
    expect(gone.errors?.[0]?.extensions.code).toBe('NotFound');
  });
});

describe('coverage of the schema', () => {
  it('every Query and Mutation field of the schema was exercised above', () => {
    const schema = buildSchema(typeDefs);
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `Query.${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `Mutation.${f}`),
    ];
    expect(fields.filter((f) => !exercised.has(f))).toEqual([]);
  });
});
