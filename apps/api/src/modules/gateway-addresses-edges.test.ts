import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, rest, testEnv, type RestArgs, type TestEnv } from '../test-support/harness.js';

// Gateway spec.addresses through REST against a real database, each test with its own account, pools and
// template: what each request becomes (the stored outcome, read back exactly), the address and DNS name
// the gateway gets, and what a re-assignment keeps.

let env: TestEnv;

beforeAll(async () => {
  env = await testEnv();
});
afterAll(() => env?.close());

const call = (...args: RestArgs) => rest(env, ...args);
const http = [{ name: 'http', port: 80, protocol: 'HTTP' }];

let n = 0;
/** An account with pool `pub` (10.99.<n>.0/28) and template `web` on it. */
async function account(dnsNameTemplate = '{gateway}.{namespace}.example.com') {
  const a = await createAccount(env, `addr-edges-${++n}`);
  const net = `10.99.${n}`;
  expect((await call('POST', '/address-pools', a.key, { name: 'pub', spec: `${net}.0/28` })).status).toBe(
    201,
  );
  const t = await call('POST', '/templates', a.key, { name: 'web', poolName: 'pub', dnsNameTemplate });
  expect(t.status, t.raw).toBe(201);
  const gateway = async (name: string, addresses?: unknown) => {
    const r = await call('POST', '/gateways', a.key, {
      name,
      template: 'web',
      listeners: http,
      ...(addresses !== undefined ? { addresses } : {}),
    });
    expect(r.status, r.raw).toBe(201);
    return r.body as Record<string, any>;
  };
  return { ...a, net, gateway };
}

/** The stored outcome of each request: what the translator turns into conditions. */
async function outcomes(gatewayId: string) {
  const rows = await env.db.$queryRawUnsafe<{ addressOutcomes: unknown }[]>(
    `SELECT "addressOutcomes" FROM "Gateway" WHERE id = $1::uuid`,
    gatewayId,
  );
  return rows[0]!.addressOutcomes;
}

describe('what each address request becomes', () => {
  it('one IP address per gateway: an IPAddress without a value is the lowest free one, a second is refused', async () => {
    const a = await account();
    const g = await a.gateway('two-ips', [{ type: 'IPAddress' }, { value: `${a.net}.5` }]);
    expect(g).toMatchObject({ address: `${a.net}.1`, dnsName: 'two-ips.default.example.com' });
    expect(await outcomes(g.id)).toEqual([
      { type: 'IPAddress', assigned: `${a.net}.1` },
      {
        type: 'IPAddress',
        value: `${a.net}.5`,
        problem: `an EPIC gateway has one IP address, and ${a.net}.1 is already assigned to it`,
      },
    ]);
    expect(g.status.addresses).toEqual([
      { type: 'IPAddress', value: `${a.net}.1` },
      { type: 'Hostname', value: 'two-ips.default.example.com' },
    ]);
  });

  it('an IP of the other family, past the pool, or its broadcast address is not usable, naming the pool', async () => {
    const a = await account();
    const where = `address pool "pub" (${a.net}.0/28)`;
    const g = await a.gateway('unusable', [
      { value: '2001:db8::1' },
      { value: `${a.net}.16` },
      { value: `${a.net}.15` },
      { value: `${a.net}.14` },
    ]);
    expect(g.address).toBe(`${a.net}.14`);
    expect(await outcomes(g.id)).toEqual([
      { type: 'IPAddress', value: '2001:db8::1', problem: `2001:db8::1 is not in ${where}` },
      { type: 'IPAddress', value: `${a.net}.16`, problem: `${a.net}.16 is not in ${where}` },
      {
        type: 'IPAddress',
        value: `${a.net}.15`,
        problem: `${a.net}.15 is not handed out by ${where} (network or broadcast address)`,
      },
      { type: 'IPAddress', value: `${a.net}.14`, assigned: `${a.net}.14` },
    ]);
    // An IPv6 address whose number falls in the IPv4 pool's range is still of the other family.
    const compat = await a.gateway('compat', [{ value: `::${a.net}.5` }]);
    expect(compat.address).toBeNull();
    expect(await outcomes(compat.id)).toEqual([
      { type: 'IPAddress', value: `::${a.net}.5`, problem: `::${a.net}.5 is not in ${where}` },
    ]);
    // Below the pool, too.
    const low = await a.gateway('below', [{ value: '10.98.255.255' }]);
    expect(low.address).toBeNull();
    expect(await outcomes(low.id)).toEqual([
      { type: 'IPAddress', value: '10.98.255.255', problem: `10.98.255.255 is not in ${where}` },
    ]);
  });

  it('a pool that hands out its network address gives it when asked for exactly', async () => {
    const a = await account();
    const all = await call('POST', '/address-pools', a.key, {
      name: 'all',
      spec: `10.99.${n}0.0/30`,
      skipNetworkAndBroadcast: false,
    });
    expect(all.status, all.raw).toBe(201);
    expect(
      (
        await call(
          'PUT',
          `/templates/${(await call('GET', '/templates?name=web', a.key)).body.items[0].id}`,
          a.key,
          {
            poolName: 'all',
          },
        )
      ).status,
    ).toBe(200);
    const g = await a.gateway('network', [{ value: `10.99.${n}0.0` }]);
    expect(g.address).toBe(`10.99.${n}0.0`);
  });

  it('a NamedAddress needs a value and a pool that exists and has room; none of them falls back to the template pool', async () => {
    const a = await account();
    expect(
      (await call('POST', '/address-pools', a.key, { name: 'tiny', spec: `10.99.${n}1.0/30` })).status,
    ).toBe(201);
    const first = await a.gateway('t1', [{ type: 'NamedAddress', value: 'tiny' }]);
    expect(first.address).toBe(`10.99.${n}1.1`);
    await a.gateway('t2', [{ type: 'NamedAddress', value: 'tiny' }]);
    const g = await a.gateway('named', [
      { type: 'NamedAddress' },
      { type: 'NamedAddress', value: 'nope' },
      { type: 'NamedAddress', value: 'tiny' },
    ]);
    expect(g).toMatchObject({ address: null, status: { addresses: [{ type: 'Hostname' }] } });
    expect(await outcomes(g.id)).toEqual([
      {
        type: 'NamedAddress',
        problem: 'a NamedAddress names the address pool to take the address from: give a value',
      },
      { type: 'NamedAddress', value: 'nope', problem: 'address pool "nope" does not exist' },
      {
        type: 'NamedAddress',
        value: 'tiny',
        problem: 'address pool "tiny" is exhausted (all 2 addresses it hands out are allocated)',
      },
    ]);
  });

  it('Hostname requests only: the gateway still gets an address; one without a value is the DNS name', async () => {
    const a = await account();
    const g = await a.gateway('a.b', [{ type: 'Hostname' }]);
    expect(g).toMatchObject({ address: `${a.net}.1`, dnsName: 'a-b.default.example.com' });
    expect(await outcomes(g.id)).toEqual([{ type: 'Hostname', assigned: 'a-b.default.example.com' }]);
    // The DNS name asked for by its value is assigned as it is, with no IP request made of it.
    const named = await a.gateway('c', [{ type: 'Hostname', value: 'c.default.example.com' }]);
    expect(named.address).toBe(`${a.net}.2`);
    expect(await outcomes(named.id)).toEqual([
      { type: 'Hostname', value: 'c.default.example.com', assigned: 'c.default.example.com' },
    ]);
  });

  it('Hostname requests only, with the template pool exhausted: no address, and the DNS name all the same', async () => {
    const a = await account();
    const tpl = (await call('GET', '/templates?name=web', a.key)).body.items[0].id as string;
    expect(
      (await call('POST', '/address-pools', a.key, { name: 'tiny', spec: `10.99.${n}3.0/30` })).status,
    ).toBe(201);
    expect((await call('PUT', `/templates/${tpl}`, a.key, { poolName: 'tiny' })).status).toBe(200);
    await a.gateway('t1');
    await a.gateway('t2');
    const g = await a.gateway('host-only', [{ type: 'Hostname' }]);
    expect(g).toMatchObject({
      address: null,
      dnsName: 'host-only.default.example.com',
      status: { addresses: [{ type: 'Hostname', value: 'host-only.default.example.com' }] },
    });
  });

  it('a DNS name made from the address: dashes for dots, and none without an address', async () => {
    const a = await account('{address}.{account}.example.com');
    const g = await a.gateway('by-ip', [{ type: 'Hostname' }]);
    const dns = `10-99-${n}-1.addr-edges-${n}.example.com`;
    expect(g).toMatchObject({ address: `${a.net}.1`, dnsName: dns });
    expect(g.status.addresses).toEqual([
      { type: 'IPAddress', value: `${a.net}.1` },
      { type: 'Hostname', value: dns },
    ]);
    const none = await a.gateway('no-ip', [
      { type: 'NamedAddress', value: 'nope' },
      { type: 'Hostname', value: dns },
    ]);
    expect(none).toMatchObject({ address: null, dnsName: null, status: { addresses: [] } });
    expect((await outcomes(none.id)) as unknown[]).toContainEqual({
      type: 'Hostname',
      value: dns,
      problem: 'the gateway has no DNS name (its name is made from its IP address)',
    });
  });

  it('an unsupported type is named in its outcome', async () => {
    const a = await account();
    const g = await a.gateway('odd', [{ type: 'example.com/anycast', value: 'eu' }]);
    expect(g.address).toBe(`${a.net}.1`);
    expect(await outcomes(g.id)).toEqual([
      {
        type: 'example.com/anycast',
        value: 'eu',
        problem: 'address type example.com/anycast is not supported',
      },
    ]);
  });
});

describe('re-assigning the addresses of a gateway', () => {
  it('keeps its address for a request without a value or for [], and moves for a NamedAddress of another pool', async () => {
    const a = await account();
    expect(
      (await call('POST', '/address-pools', a.key, { name: 'other', spec: `10.99.${n}2.0/28` })).status,
    ).toBe(201);
    const plain = await a.gateway('first');
    expect(plain.address).toBe(`${a.net}.1`);
    expect(await outcomes(plain.id)).toEqual([]);
    const g = await a.gateway('mine', [{ value: `${a.net}.9` }]);
    const put = async (addresses: unknown) => {
      const r = await call('PUT', `/gateways/${g.id}/addresses`, a.key, { addresses });
      expect(r.status, r.raw).toBe(200);
      return r.body as Record<string, any>;
    };
    expect(await put([{ type: 'IPAddress' }])).toMatchObject({
      address: `${a.net}.9`,
      addresses: [{ type: 'IPAddress' }],
    });
    expect(await put([])).toMatchObject({ address: `${a.net}.9`, addresses: null });
    expect(await put([{ type: 'NamedAddress', value: 'other' }])).toMatchObject({
      address: `10.99.${n}2.1`,
      status: {
        addresses: [
          { type: 'IPAddress', value: `10.99.${n}2.1` },
          { type: 'Hostname', value: 'mine.default.example.com' },
        ],
      },
    });
    expect(await outcomes(g.id)).toEqual([
      { type: 'NamedAddress', value: 'other', assigned: `10.99.${n}2.1` },
    ]);
    // Its old address is free again: the next gateway of the template pool may take it exactly.
    expect((await a.gateway('next', [{ value: `${a.net}.9` }])).address).toBe(`${a.net}.9`);
    // Back to the template pool without a value: the lowest free address there, not the old one.
    expect((await put(null)).address).toBe(`${a.net}.2`);
    // A request that cannot be met leaves the gateway without an address (and frees the one it had).
    expect(await put([{ type: 'NamedAddress', value: 'nope' }])).toMatchObject({
      address: null,
      status: { addresses: [{ type: 'Hostname', value: 'mine.default.example.com' }] },
    });
    expect((await a.gateway('after', [{ value: `${a.net}.2` }])).address).toBe(`${a.net}.2`);
  });

  it("is not found for another account's gateway", async () => {
    const a = await account();
    const b = await account();
    const g = await a.gateway('mine');
    const r = await call('PUT', `/gateways/${g.id}/addresses`, b.key, { addresses: [] });
    expect(r.status, r.raw).toBe(404);
    expect(r.body.message).toBe(`gateway "${g.id}" not found`);
  });
});
