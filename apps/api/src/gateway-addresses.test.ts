import { translateInfrastructure, type KubeObject } from '@epic/infra-translator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraInputOf } from './test-support/infra-input.js';
import { applyConformanceTest, reconcile } from './test-support/conformance.js';
import {
  auditTrail,
  auth,
  createAccount,
  refusedFields,
  rest,
  testEnv,
  type RestArgs,
  type TestEnv,
} from './test-support/harness.js';

// Gateway spec.addresses (a requested IP allocated exactly from the template's pool, or the condition the
// spec names) and spec.infrastructure (stored and exposed), through REST, GraphQL and the upstream
// conformance manifests (docs/adr/0455-gateway-addresses-and-infrastructure.md).

let env: TestEnv;
let key: string;
const call = (...[method, url, payload]: [RestArgs[0], string, unknown?]) =>
  rest(env, method, url, key, payload);
const http = [{ name: 'http', port: 80, protocol: 'HTTP' }];

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
async function conditions(id: string, k = key): Promise<Condition[]> {
  await reconcile(env);
  const r = await rest(env, 'GET', `/gateways/${id}`, k);
  return r.body['conditions'] as Condition[];
}
const byType = (cs: Condition[], type: string) => cs.find((c) => c.type === type);
/** Renders the gateway and marks its revisions acknowledged, as its proxies would; status follows. */
async function ack(id: string) {
  await reconcile(env);
  await env.db.$executeRawUnsafe(
    `UPDATE "ConfigRevision" SET status = 'acked' WHERE "gatewayId" = $1::uuid`,
    id,
  );
  await env.db.$executeRawUnsafe(`INSERT INTO "ReconcileRequest" ("gatewayId") VALUES ($1::uuid)`, id);
}

beforeAll(async () => {
  env = await testEnv();
  key = (await createAccount(env, 'gw-addresses')).key;
  await call('POST', '/address-pools', { name: 'pub', spec: '10.70.0.0/28' });
  await call('POST', '/address-pools', { name: 'other', spec: '10.71.0.0/28' });
  await call('POST', '/templates', {
    name: 'web',
    poolName: 'pub',
    dnsNameTemplate: '{gateway}.{namespace}.example.com',
  });
});
afterAll(() => env?.close());

describe('spec.addresses (REST)', () => {
  it('allocates a requested IP of the template pool exactly, and lists it with the DNS name in status', async () => {
    const r = await call('POST', '/gateways', {
      name: 'exact',
      template: 'web',
      listeners: http,
      addresses: [{ value: '10.70.0.9' }],
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({
      address: '10.70.0.9',
      addresses: [{ type: 'IPAddress', value: '10.70.0.9' }],
      dnsName: 'exact.default.example.com',
      status: {
        addresses: [
          { type: 'IPAddress', value: '10.70.0.9' },
          { type: 'Hostname', value: 'exact.default.example.com' },
        ],
      },
    });
    const cs = await conditions(r.body['id']);
    expect(byType(cs, 'Accepted')).toMatchObject({ status: 'True' });
    await ack(r.body['id']);
    expect(byType(await conditions(r.body['id']), 'Programmed')).toMatchObject({
      status: 'True',
      reason: 'Programmed',
    });
    const trail = await auditTrail(env, key, 'Gateway');
    expect(JSON.stringify(trail)).toContain('10.70.0.9');
  });

  it('is Programmed=False/AddressNotAssigned when the requested IP is another gateway’s, naming the field', async () => {
    const r = await call('POST', '/gateways', {
      name: 'taken',
      template: 'web',
      listeners: http,
      addresses: [{ type: 'IPAddress', value: '10.70.0.9' }],
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body).toMatchObject({ address: null, status: { addresses: [{ type: 'Hostname' }] } });
    await ack(r.body['id']);
    const p = byType(await conditions(r.body['id']), 'Programmed');
    expect(p).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(p?.message).toContain(
      'spec.addresses[0] (IPAddress "10.70.0.9"): 10.70.0.9 is allocated to another gateway',
    );
  });

  it('is AddressNotUsable for an IP outside the pool (or its network address) beside a usable one', async () => {
    const r = await call('POST', '/gateways', {
      name: 'partly',
      template: 'web',
      listeners: http,
      addresses: [{ value: '192.0.2.1' }, { value: '10.70.0.0' }, { value: '10.70.0.4' }],
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body['address']).toBe('10.70.0.4');
    const p = byType(await conditions(r.body['id']), 'Programmed');
    expect(p).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(p?.message).toContain(
      'spec.addresses[0] (IPAddress "192.0.2.1"): 192.0.2.1 is not in address pool "pub"',
    );
    expect(p?.message).toContain('spec.addresses[1] (IPAddress "10.70.0.0"): 10.70.0.0 is not handed out');
    expect(p?.message).not.toContain('spec.addresses[2]');

    // Removing the unusable ones keeps the assigned address and clears the condition.
    const u = await call('PUT', `/gateways/${r.body['id']}/addresses`, {
      addresses: [{ value: '10.70.0.4' }],
    });
    expect(u.status, u.raw).toBe(200);
    expect(u.body).toMatchObject({ address: '10.70.0.4', generation: 2 });
    await ack(r.body['id']);
    expect(byType(await conditions(r.body['id']), 'Programmed')).toMatchObject({ status: 'True' });
  });

  it('moves a gateway to another requested IP and frees the old one; null keeps the address it has', async () => {
    const a = await call('POST', '/gateways', { name: 'mover', template: 'web', listeners: http });
    const first = a.body['address'] as string;
    const moved = await call('PUT', `/gateways/${a.body['id']}/addresses`, {
      addresses: [{ value: '10.70.0.13' }],
    });
    expect(moved.body['address']).toBe('10.70.0.13');
    const b = await call('POST', '/gateways', {
      name: 'taker',
      template: 'web',
      listeners: http,
      addresses: [{ value: first }],
    });
    expect(b.body['address']).toBe(first);
    const kept = await call('PUT', `/gateways/${a.body['id']}/addresses`, { addresses: null });
    expect(kept.body).toMatchObject({ address: '10.70.0.13', addresses: null });
  });

  it('takes a NamedAddress from the pool it names, and Hostname requests are the gateway’s DNS name', async () => {
    const r = await call('POST', '/gateways', {
      name: 'named',
      template: 'web',
      listeners: http,
      addresses: [
        { type: 'NamedAddress', value: 'other' },
        { type: 'Hostname', value: 'named.default.example.com' },
      ],
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body['address']).toBe('10.71.0.1');
    expect(byType(await conditions(r.body['id']), 'Programmed')).not.toMatchObject({ status: 'False' });

    const wrong = await call('POST', '/gateways', {
      name: 'wrong-host',
      template: 'web',
      listeners: http,
      addresses: [{ type: 'Hostname', value: 'www.example.org' }],
    });
    expect(wrong.body['address']).toMatch(/^10\.70\.0\./);
    const p = byType(await conditions(wrong.body['id']), 'Programmed');
    expect(p).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(p?.message).toContain("EPIC publishes only the gateway's DNS name wrong-host.default.example.com");
  });

  it('is Accepted=False/UnsupportedAddress for an implementation-specific type it does not know', async () => {
    const r = await call('POST', '/gateways', {
      name: 'odd-type',
      template: 'web',
      listeners: http,
      addresses: [{ type: 'example.com/anycast', value: 'eu' }],
    });
    expect(r.status, r.raw).toBe(201);
    const a = byType(await conditions(r.body['id']), 'Accepted');
    expect(a).toMatchObject({ status: 'False', reason: 'UnsupportedAddress' });
    expect(a?.message).toContain('spec.addresses[0].type: "example.com/anycast"');
  });

  it('refuses invalid addresses naming the field (the CRD rules)', async () => {
    const bad = async (addresses: unknown) =>
      refusedFields(
        await call('POST', '/gateways', { name: 'bad', template: 'web', listeners: http, addresses }),
      );
    expect(await bad([{ value: 'not-an-ip' }])).toEqual(['addresses[0].value']);
    expect(await bad([{ type: 'Hostname', value: 'Bad_Host' }])).toEqual(['addresses[0].value']);
    expect(await bad([{ value: '10.70.0.2' }, { value: '10.70.0.2' }])).toEqual(['addresses[1].value']);
    expect(await bad([{ type: 'no spaces allowed' }])).toEqual(['addresses[0].type']);
    const gw = await call('POST', '/gateways', { name: 'upd', template: 'web', listeners: http });
    const u = await call('PUT', `/gateways/${gw.body['id']}/addresses`, { addresses: [{ value: '1.2.3' }] });
    expect(u.status).toBe(400);
    expect(refusedFields(u)).toEqual(['addresses[0].value']);
  });
});

describe('spec.infrastructure (REST)', () => {
  const infrastructure = {
    labels: { 'example.com/team': 'web' },
    annotations: { note: 'a b c' },
    parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'web' },
  };

  it('is stored and exposed as given, replaced by PUT and by a re-sent create', async () => {
    const r = await call('POST', '/gateways', {
      name: 'infra',
      template: 'web',
      clientUid: 'uid-infra',
      listeners: http,
      infrastructure,
    });
    expect(r.status, r.raw).toBe(201);
    expect(r.body['infrastructure']).toEqual(infrastructure);
    const put = await call('PUT', `/gateways/${r.body['id']}/infrastructure`, {
      infrastructure: { labels: { a: 'b' } },
    });
    expect(put.body).toMatchObject({ infrastructure: { labels: { a: 'b' } }, generation: 2 });
    const resent = await call('POST', '/gateways', {
      name: 'infra',
      template: 'web',
      clientUid: 'uid-infra',
      listeners: http,
      infrastructure,
    });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ infrastructure, generation: 3 });
    const same = await call('POST', '/gateways', {
      name: 'infra',
      template: 'web',
      clientUid: 'uid-infra',
      listeners: http,
      infrastructure,
    });
    expect(same.body['generation']).toBe(3);
    const cleared = await call('PUT', `/gateways/${r.body['id']}/infrastructure`, { infrastructure: null });
    expect(cleared.body['infrastructure']).toBeNull();
  });

  it('refuses invalid labels, annotations and parametersRef naming the field', async () => {
    const bad = async (infra: unknown) =>
      refusedFields(
        await call('POST', '/gateways', {
          name: 'bad',
          template: 'web',
          listeners: http,
          infrastructure: infra,
        }),
      );
    expect(await bad({ labels: { 'bad key!': 'x' } })).toEqual(['infrastructure.labels["bad key!"]']);
    expect(await bad({ labels: { ok: 'no spaces' } })).toEqual(['infrastructure.labels.ok']);
    expect(await bad({ parametersRef: { kind: 'Template', name: 'web' } })).toEqual([
      'infrastructure.parametersRef.group',
    ]);
  });
});

describe('spec.addresses and spec.infrastructure (GraphQL)', () => {
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const r = await env.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: auth(key),
      payload: { query, variables },
    });
    return r.json() as { data?: Record<string, any>; errors?: { message: string }[] };
  };
  const FIELDS = `id address addresses { type value } infrastructure { labels annotations parametersRef { group kind name } }
    status { addresses { type value } }`;

  it('creates with both, reads them back and updates the addresses', async () => {
    const created = await gql(
      `mutation($input: CreateGatewayInput!) { createGateway(input: $input) { gateway { ${FIELDS} } } }`,
      {
        input: {
          name: 'gql',
          template: 'web',
          listeners: http,
          addresses: [{ type: 'IPAddress', value: '10.70.0.12' }],
          infrastructure: { labels: { tier: 'edge' } },
        },
      },
    );
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    const gw = created.data!['createGateway'].gateway;
    expect(gw).toMatchObject({
      address: '10.70.0.12',
      addresses: [{ type: 'IPAddress', value: '10.70.0.12' }],
      infrastructure: { labels: { tier: 'edge' }, annotations: null, parametersRef: null },
      status: {
        addresses: [
          { type: 'IPAddress', value: '10.70.0.12' },
          { type: 'Hostname', value: 'gql.default.example.com' },
        ],
      },
    });
    const updated = await gql(
      `mutation($id: ID!, $addresses: [GatewaySpecAddressInput!]) { updateGatewayAddresses(id: $id, addresses: $addresses) { ${FIELDS} } }`,
      { id: gw.id, addresses: [{ value: '10.70.0.11' }] },
    );
    expect(updated.errors, JSON.stringify(updated.errors)).toBeUndefined();
    expect(updated.data!['updateGatewayAddresses']).toMatchObject({ address: '10.70.0.11' });
    const infra = await gql(
      `mutation($id: ID!, $infrastructure: GatewayInfrastructureInput) { updateGatewayInfrastructure(id: $id, infrastructure: $infrastructure) { ${FIELDS} } }`,
      { id: gw.id, infrastructure: { annotations: { a: 'b' } } },
    );
    expect(infra.errors, JSON.stringify(infra.errors)).toBeUndefined();
    expect(infra.data!['updateGatewayInfrastructure'].infrastructure).toMatchObject({
      annotations: { a: 'b' },
    });
    const refused = await gql(
      `mutation($id: ID!, $addresses: [GatewaySpecAddressInput!]) { updateGatewayAddresses(id: $id, addresses: $addresses) { id } }`,
      { id: gw.id, addresses: [{ value: 'nope' }] },
    );
    expect(JSON.stringify(refused.errors)).toContain('addresses[0].value');
  });
});

describe('upstream conformance manifests', () => {
  it('GatewayStaticAddresses: UnsupportedAddress, then AddressNotUsable, then Programmed with the usable address', async () => {
    const t = await applyConformanceTest(env, 'gateway-static-addresses.yaml', 'conf-static-addresses', {
      addresses: (prefix) => ({
        PLACEHOLDER_USABLE_ADDRS: { type: 'IPAddress', value: `${prefix}.5` },
        PLACEHOLDER_UNUSABLE_ADDRS: { type: 'IPAddress', value: '198.51.100.5' },
      }),
    });
    const id = t.gateways.get('gateway-conformance-infra/gateway-static-addresses')!;
    const k = t.key;
    expect(byType(await conditions(id, k), 'Accepted')).toMatchObject({
      status: 'False',
      reason: 'UnsupportedAddress',
    });
    const usable = { type: 'IPAddress', value: `${t.poolPrefix}.5` };
    const unusable = { type: 'IPAddress', value: '198.51.100.5' };
    await rest(env, 'PUT', `/gateways/${id}/addresses`, k, { addresses: [unusable, usable] });
    const cs = await conditions(id, k);
    expect(byType(cs, 'Accepted')).toMatchObject({ status: 'True' });
    expect(byType(cs, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    await rest(env, 'PUT', `/gateways/${id}/addresses`, k, { addresses: [usable] });
    await ack(id);
    expect(byType(await conditions(id, k), 'Programmed')).toMatchObject({ status: 'True' });
    const gw = await rest(env, 'GET', `/gateways/${id}`, k);
    expect(gw.body['status']['addresses']).toContainEqual(usable);
  });

  it('GatewayOptionalAddressValue: an IPAddress without a value gets one from the pool', async () => {
    const t = await applyConformanceTest(env, 'gateway-optional-address-value.yaml', 'conf-optional-address');
    const id = t.gateways.get('gateway-conformance-infra/gateway-without-address-value')!;
    await ack(id);
    expect(byType(await conditions(id, t.key), 'Programmed')).toMatchObject({ status: 'True' });
    const gw = await rest(env, 'GET', `/gateways/${id}`, t.key);
    expect(gw.body['status']['addresses'][0]).toEqual({ type: 'IPAddress', value: `${t.poolPrefix}.1` });
  });

  it('GatewayInfrastructure: labels and annotations are stored as the manifest gives them and carried to every object of the fleet', async () => {
    const t = await applyConformanceTest(env, 'gateway-infrastructure.yaml', 'conf-infrastructure');
    const id = t.gateways.get('gateway-conformance-infra/gateway-with-infrastructure-metadata')!;
    const gw = await rest(env, 'GET', `/gateways/${id}`, t.key);
    expect(gw.body['infrastructure']).toEqual({
      annotations: { key1: 'value1' },
      labels: { key2: 'value2' },
    });
    // GatewayInfrastructurePropagation: every object EPIC creates for the gateway (its fleet in the EPIC
    // cluster, pods included) carries them, as the provisioner would apply them.
    const { root, owned } = translateInfrastructure(await infraInputOf(env, id));
    const objects = [root, ...owned];
    const pods = owned
      .filter((o) => o.kind === 'Deployment')
      .map((d) => (d as unknown as { spec: { template: KubeObject } }).spec.template);
    expect(pods).toHaveLength(1);
    for (const o of [...objects, ...pods]) {
      expect(o.metadata?.labels, o.kind).toMatchObject({ key2: 'value2' });
      expect(o.metadata?.annotations, o.kind).toMatchObject({ key1: 'value1' });
    }
  });
});
