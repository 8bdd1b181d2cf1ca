import type pg from 'pg';
import { parseTemplateInfrastructure, type InfraInput } from '@epic/infra-translator';
import { bootstrap } from '@epic/envoy-proto';
import { issueXdsToken } from '../xds/tokens.js';

/** What a provisioner reports about a gateway's proxies; the reconciler's Programmed condition reads it. */
export interface FleetStatus {
  /** Proxies the gateway should have (the template's replicas). */
  desired: number;
  /** Proxies passing their readiness check (Envoy's /ready). */
  ready: number;
  /** In words: what runs, or what is missing. */
  message: string;
}

/**
 * Brings a gateway's proxies to what the store says, inside the reconcile's transaction (under the gateway's
 * reconcile lock). Returns undefined when the gateway is gone (its proxies were removed).
 */
export interface Provisioner {
  provision(c: pg.ClientBase, gatewayId: string, now: Date): Promise<FleetStatus | undefined>;
  /** Removes what belongs to gateways that no longer exist (a delete missed while down). */
  sweep(c: pg.ClientBase): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ProvisionerCredentials {
  secretKey: Buffer;
  xds: { host: string; port: number };
  tokenTtlSeconds: number;
}

interface GatewayRow {
  id: string;
  name: string;
  namespace: string;
  address: string | null;
  listeners: { name: string; port: number; protocol: string }[];
  infrastructure: { labels?: Record<string, string>; annotations?: Record<string, string> };
  generation: number;
  account: string;
  template: string;
  envoyImage: string;
  replicas: number;
  templateInfrastructure: unknown;
}

/**
 * The token in a fleet's credentials: valid for the configured lifetime from the start of the current half
 * lifetime, so it stays the same (no rollout) within a half lifetime and always has at least half left.
 */
export function fleetToken(creds: ProvisionerCredentials, nodeId: string, generation: number, now: Date) {
  const ttl = creds.tokenTtlSeconds;
  const half = Math.max(1, Math.floor(ttl / 2));
  const start = Math.floor(now.getTime() / 1000 / half) * half;
  const expiresAt = (start + ttl) * 1000;
  return { token: issueXdsToken(creds.secretKey, { nodeId, generation, expiresAt }), expiresAt };
}

/**
 * The last bootstrap built per gateway: building one validates it against the Envoy protos (~20 ms under
 * load), and it changes only with the token (every half lifetime) or the xDS endpoint.
 */
const bootstraps = new Map<string, { key: string; value: InfraInput['bootstrap'] }>();
const BOOTSTRAP_CACHE_MAX = 10_000;

function cachedBootstrap(
  account: string,
  gatewayId: string,
  xds: { host: string; port: number; token: string },
) {
  const key = `${account}\n${xds.host}\n${xds.port}\n${xds.token}`;
  const hit = bootstraps.get(gatewayId);
  if (hit?.key === key) return hit.value;
  const value = bootstrap({ account, gateway: gatewayId, xds }) as InfraInput['bootstrap'];
  if (bootstraps.size >= BOOTSTRAP_CACHE_MAX) bootstraps.delete(bootstraps.keys().next().value!);
  bootstraps.set(gatewayId, { key, value });
  return value;
}

/** The infrastructure translator's input for one gateway, or why there is none. */
export async function loadInfraInput(
  c: pg.ClientBase,
  gatewayId: string,
  creds: ProvisionerCredentials,
  now: Date,
): Promise<{ input: InfraInput } | { missing: true } | { problem: string; replicas: number }> {
  const row = (
    await c.query<GatewayRow>(
      `SELECT g.id, g.name, g.namespace, g.address, g.listeners, g.infrastructure, g."xdsTokenGeneration" AS generation,
              a.name AS account, t.name AS template, t."envoyImage", t.replicas, t.infrastructure AS "templateInfrastructure"
       FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId" JOIN "Template" t ON t.id = g."templateId"
       WHERE g.id = $1::uuid`,
      [gatewayId],
    )
  ).rows[0];
  if (!row) {
    bootstraps.delete(gatewayId);
    return { missing: true };
  }
  const infra = parseTemplateInfrastructure(row.templateInfrastructure);
  if (!infra.ok)
    return { problem: `template "${row.template}": ${infra.problems.join('; ')}`, replicas: row.replicas };
  const { token, expiresAt } = fleetToken(creds, `${row.account}.${row.id}`, row.generation, now);
  return {
    input: {
      account: row.account,
      gateway: {
        id: row.id,
        name: row.name,
        namespace: row.namespace,
        address: row.address,
        listeners: row.listeners.map((l) => ({ name: l.name, port: l.port, protocol: l.protocol })),
        infrastructure: row.infrastructure,
      },
      template: {
        name: row.template,
        envoyImage: row.envoyImage,
        replicas: row.replicas,
        infrastructure: infra.value,
      },
      // Translators never mutate their input: the cached object is shared safely.
      bootstrap: cachedBootstrap(row.account, row.id, { host: creds.xds.host, port: creds.xds.port, token }),
      credentialsExpireAt: new Date(expiresAt).toISOString(),
    },
  };
}

/** Replaces the gateway's ProxyInstance rows' readiness with what was observed; rows of vanished pods go. */
export async function recordProxies(
  c: pg.ClientBase,
  gatewayId: string,
  proxies: { podName: string; nodeAddress: string | null; ready: boolean }[],
): Promise<void> {
  await c.query(
    `DELETE FROM "ProxyInstance" WHERE "gatewayId" = $1::uuid AND NOT ("podName" = ANY($2::text[]))`,
    [gatewayId, proxies.map((p) => p.podName)],
  );
  for (const p of proxies) {
    await c.query(
      `INSERT INTO "ProxyInstance" (id, "gatewayId", "podName", "nodeAddress", ready, "updatedAt")
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, now())
       ON CONFLICT ("gatewayId", "podName") DO UPDATE SET "nodeAddress" = EXCLUDED."nodeAddress", ready = EXCLUDED.ready,
         "updatedAt" = now()
       WHERE "ProxyInstance"."nodeAddress" IS DISTINCT FROM EXCLUDED."nodeAddress" OR "ProxyInstance".ready <> EXCLUDED.ready`,
      [gatewayId, p.podName, p.nodeAddress, p.ready],
    );
  }
}
