import type pg from 'pg';
import { GatewaySpec, type GatewaySpecAddress } from '@epic/gateway-api';
import { SUPPORTED_ADDRESS_TYPES, type AddressRequestInput } from '@epic/gateway-translator';
import { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { allocatableOffsets, formatAddress, parseAddress, parsePoolSpec } from '../lib/ip.js';
import { lockKey } from './common.js';
import { renderDnsName } from './templates.js';

// Gateway `spec.addresses` (docs/adr/0455-gateway-addresses-and-infrastructure.md): what a requested address
// becomes. A gateway has one IP address (one AddressAllocation): an IPAddress request with a value is
// allocated exactly from the template's pool; one without a value, the pool's lowest free address; a
// NamedAddress names another address pool of the account (or a global one) to take the lowest free address
// from; a Hostname request is the gateway's DNS name (the template's), which is the only name EPIC
// publishes. A request that cannot be met is kept with its reason (the translator turns it into
// Programmed=False/AddressNotUsable or AddressNotAssigned); an unsupported type is left to the translator
// (Accepted=False/UnsupportedAddress).

/** spec.addresses as the API takes them: the Gateway CRD's schema and rules. */
export const gatewayAddressesInput = GatewaySpec.shape.addresses.unwrap();
/** spec.infrastructure as the API takes it (the CRD's schema). */
export const gatewayInfrastructureInput = GatewaySpec.shape.infrastructure.unwrap();

export const updateAddressesInput = z.strictObject({
  addresses: gatewayAddressesInput
    .nullish()
    .describe("the Gateway's spec.addresses; absent, null or [] lets the template's pool pick the address"),
});
/** spec.tls as the API takes it (the CRD's schema). */
export const gatewayTlsInput = GatewaySpec.shape.tls.unwrap();
export const updateTlsInput = z.strictObject({
  tls: gatewayTlsInput
    .nullish()
    .describe("the Gateway's spec.tls (frontend client-certificate validation); absent or null removes it"),
});
/** spec.allowedListeners as the API takes it (the CRD's schema; GEP-1713). */
export const gatewayAllowedListenersInput = GatewaySpec.shape.allowedListeners.unwrap();
export const updateAllowedListenersInput = z.strictObject({
  allowedListeners: gatewayAllowedListenersInput
    .nullish()
    .describe(
      "the Gateway's spec.allowedListeners (which namespaces' ListenerSets may attach); absent or null: none",
    ),
});
export const updateInfrastructureInput = z.strictObject({
  infrastructure: gatewayInfrastructureInput
    .nullish()
    .describe("the Gateway's spec.infrastructure (stored for the provisioner); absent or null removes it"),
});

export interface Allocation {
  pool: { id: string; name: string };
  ordinal: string;
  address: string;
}

export interface StatusAddress {
  type: 'IPAddress' | 'Hostname';
  value: string;
}

export interface AddressAssignment {
  allocation?: Allocation;
  dnsName: string | null;
  outcomes: AddressRequestInput[];
  statusAddresses: StatusAddress[];
}

interface TemplateForAddresses {
  name: string;
  poolName: string;
  dnsNameTemplate: string;
  accountName: string;
}

/** The account's pool of that name, or else the global one; undefined when neither exists. */
async function poolNamed(c: pg.ClientBase, accountId: string, poolName: string) {
  const pools = await c.query<{ id: string; name: string; spec: string; skip: boolean }>(
    `SELECT id, name, spec, "skipNetworkAndBroadcast" AS skip FROM "AddressPool"
     WHERE name = $1 AND ("accountId" = $2::uuid OR "accountId" IS NULL)
     ORDER BY ("accountId" IS NULL) LIMIT 1`,
    [poolName, accountId],
  );
  return pools.rows[0];
}

/** Allocates `value` exactly from the pool, or says why it cannot be (a problem message). */
async function allocateExact(
  c: pg.ClientBase,
  accountId: string,
  poolName: string,
  value: string,
): Promise<Allocation | string> {
  const pool = await poolNamed(c, accountId, poolName);
  if (!pool) return `the template's address pool ${JSON.stringify(poolName)} does not exist`;
  const range = parsePoolSpec(pool.spec);
  if (typeof range === 'string') throw new Error(`stored pool ${pool.id} has an invalid spec`);
  const parsed = parseAddress(value);
  if (!parsed) return `${value} is not an IP address`;
  const { lo, hi } = allocatableOffsets(range, pool.skip);
  const offset = parsed.value - range.first;
  const where = `address pool ${JSON.stringify(pool.name)} (${pool.spec})`;
  if (parsed.family !== range.family || offset < 0n || parsed.value > range.last)
    return `${value} is not in ${where}`;
  if (offset < lo || offset > hi)
    return `${value} is not handed out by ${where} (network or broadcast address)`;
  await lockKey(c, `pool:${pool.id}`);
  const held = await c.query(
    'SELECT 1 FROM "AddressAllocation" WHERE "poolId" = $1::uuid AND ordinal = $2::numeric',
    [pool.id, offset.toString()],
  );
  if ((held.rowCount ?? 0) > 0) return `${value} is allocated to another gateway`;
  return {
    pool: { id: pool.id, name: pool.name },
    ordinal: offset.toString(),
    address: formatAddress(range.family, parsed.value),
  };
}

/** A Conflict from lowest-free allocation (pool missing or exhausted) as a problem message. */
async function problemOf<T>(f: () => Promise<T>): Promise<T | string> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AppError && e.code === 'Conflict') return e.message;
    throw e;
  }
}

/**
 * Assigns the gateway's addresses from its requests (undefined or []: the template pool's lowest free
 * address, whose failure stays an error of the call, as before spec.addresses). Runs in the caller's
 * transaction, after any previous allocation of the gateway was released.
 */
export async function assignAddresses(
  c: pg.ClientBase,
  args: {
    accountId: string;
    template: TemplateForAddresses;
    gateway: { name: string; namespace: string };
    requests: readonly GatewaySpecAddress[] | null | undefined;
    /** Lowest free address of a pool (throws Conflict when the pool is missing or exhausted). */
    allocateLowest: (poolName: string, templateName: string) => Promise<Allocation>;
  },
): Promise<AddressAssignment> {
  const { template, gateway } = args;
  const requests = args.requests ?? [];
  let allocation: Allocation | undefined;
  const outcomes: AddressRequestInput[] = requests.map((r) => ({
    type: r.type,
    ...(r.value !== undefined ? { value: r.value } : {}),
  }));
  if (requests.length === 0) allocation = await args.allocateLowest(template.poolName, template.name);

  // IP requests first (the DNS name may be made from the address), in the order given.
  for (const [i, r] of requests.entries()) {
    const out = outcomes[i]!;
    if (r.type !== 'IPAddress' && r.type !== 'NamedAddress') continue;
    if (allocation) {
      out.problem = `an EPIC gateway has one IP address, and ${allocation.address} is already assigned to it`;
      continue;
    }
    let got: Allocation | string;
    if (r.type === 'NamedAddress') {
      got =
        r.value === undefined
          ? 'a NamedAddress names the address pool to take the address from: give a value'
          : (await poolNamed(c, args.accountId, r.value))
            ? await problemOf(() => args.allocateLowest(r.value!, template.name))
            : `address pool ${JSON.stringify(r.value)} does not exist`;
    } else {
      got =
        r.value === undefined
          ? await problemOf(() => args.allocateLowest(template.poolName, template.name))
          : await allocateExact(c, args.accountId, template.poolName, r.value);
    }
    if (typeof got === 'string') out.problem = got;
    else {
      allocation = got;
      out.assigned = got.address;
    }
  }
  // Only Hostname requests and none for an IP: the gateway still needs one to serve on.
  if (!allocation && !requests.some((r) => r.type === 'IPAddress' || r.type === 'NamedAddress')) {
    const got = await problemOf(() => args.allocateLowest(template.poolName, template.name));
    if (typeof got !== 'string') allocation = got;
  }

  const usesAddress = template.dnsNameTemplate.includes('{address}');
  const dnsName =
    allocation || !usesAddress
      ? renderDnsName(template.dnsNameTemplate, {
          gateway: gateway.name.replaceAll('.', '-'),
          namespace: gateway.namespace,
          account: template.accountName,
          address: (allocation?.address ?? '').replaceAll(/[.:]/g, '-'),
        })
      : null;
  for (const [i, r] of requests.entries()) {
    const out = outcomes[i]!;
    if (r.type !== 'Hostname') continue;
    if (dnsName === null) out.problem = 'the gateway has no DNS name (its name is made from its IP address)';
    else if (r.value !== undefined && r.value !== dnsName)
      out.problem = `EPIC publishes only the gateway's DNS name ${dnsName} (from template ${JSON.stringify(template.name)})`;
    else out.assigned = dnsName;
  }
  for (const [i, r] of requests.entries())
    if (!SUPPORTED_ADDRESS_TYPES.includes(r.type))
      outcomes[i]!.problem = `address type ${r.type} is not supported`;

  const statusAddresses: StatusAddress[] = [
    ...(allocation ? [{ type: 'IPAddress' as const, value: allocation.address }] : []),
    ...(dnsName !== null ? [{ type: 'Hostname' as const, value: dnsName }] : []),
  ];
  return { ...(allocation ? { allocation } : {}), dnsName, outcomes, statusAddresses };
}

/** Records the allocation of a gateway (after assignAddresses). */
export async function insertAllocation(
  c: pg.ClientBase,
  accountId: string,
  gatewayId: string,
  allocation: Allocation,
): Promise<void> {
  await c.query(
    `INSERT INTO "AddressAllocation" (id, "poolId", "accountId", ordinal, address, "gatewayId")
     VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3::numeric, $4, $5::uuid)`,
    [allocation.pool.id, accountId, allocation.ordinal, allocation.address, gatewayId],
  );
}

/**
 * Re-assigns a stored gateway's addresses from new requests: its allocation is released first (so it
 * can be taken again, exactly), then the requests are met as at create. Updates the gateway's address
 * columns; the caller bumps the generation and enqueues the reconcile.
 */
export async function reassignAddresses(
  c: pg.ClientBase,
  args: {
    accountId: string;
    gatewayId: string;
    requests: readonly GatewaySpecAddress[] | null;
    allocateLowest: (poolName: string, templateName: string) => Promise<Allocation>;
  },
): Promise<AddressAssignment> {
  const row = (
    await c.query<{
      name: string;
      namespace: string;
      templateName: string;
      poolName: string;
      dnsNameTemplate: string;
      accountName: string;
    }>(
      `SELECT g.name, g.namespace, t.name AS "templateName", t."poolName", t."dnsNameTemplate", a.name AS "accountName"
       FROM "Gateway" g JOIN "Template" t ON t.id = g."templateId" JOIN "Account" a ON a.id = g."accountId"
       WHERE g.id = $1::uuid AND g."accountId" = $2::uuid FOR UPDATE OF g`,
      [args.gatewayId, args.accountId],
    )
  ).rows[0];
  if (!row) throw AppError.notFound('gateway', args.gatewayId);
  // A request without a value keeps the address the gateway has (not the pool's lowest free one).
  const previous = (
    await c.query<{ poolId: string; poolName: string; ordinal: string; address: string }>(
      `DELETE FROM "AddressAllocation" x USING "AddressPool" p WHERE x."gatewayId" = $1::uuid AND p.id = x."poolId"
       RETURNING x."poolId", p.name AS "poolName", x.ordinal::text AS ordinal, x.address`,
      [args.gatewayId],
    )
  ).rows[0];
  const allocateLowest = async (poolName: string, templateName: string): Promise<Allocation> => {
    const kept = previous && (await poolNamed(c, args.accountId, poolName));
    if (previous && kept?.id === previous.poolId)
      return { pool: { id: kept.id, name: kept.name }, ordinal: previous.ordinal, address: previous.address };
    return args.allocateLowest(poolName, templateName);
  };
  const assigned = await assignAddresses(c, {
    accountId: args.accountId,
    template: {
      name: row.templateName,
      poolName: row.poolName,
      dnsNameTemplate: row.dnsNameTemplate,
      accountName: row.accountName,
    },
    gateway: { name: row.name, namespace: row.namespace },
    requests: args.requests,
    allocateLowest,
  });
  if (assigned.allocation) await insertAllocation(c, args.accountId, args.gatewayId, assigned.allocation);
  await c.query(
    `UPDATE "Gateway" SET addresses = $2::jsonb, address = $3, "dnsName" = $4, "addressOutcomes" = $5::jsonb,
       "statusAddresses" = $6::jsonb WHERE id = $1::uuid`,
    [
      args.gatewayId,
      args.requests && args.requests.length > 0 ? JSON.stringify(args.requests) : null,
      assigned.allocation?.address ?? null,
      assigned.dnsName,
      JSON.stringify(assigned.outcomes),
      JSON.stringify(assigned.statusAddresses),
    ],
  );
  return assigned;
}
