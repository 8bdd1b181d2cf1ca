import type pg from 'pg';
import { parseTemplateInfrastructure, type InfraInput } from '@epic/infra-translator';
import { bootstrap } from '@epic/envoy-proto';
import { issueXdsToken } from '../xds/tokens.js';
import { EXPOSED_LISTENERS_SQL } from '../modules/listener-sets.js';

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
  infrastructure: { labels?: Record<string, string>; annotations?: Record<string, string> } | null;
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
  const { expiresAt } = credentialWindow(creds.tokenTtlSeconds, now);
  return { token: issueXdsToken(creds.secretKey, { nodeId, generation, expiresAt }), expiresAt };
}

/**
 * The half lifetime `now` falls in (every fleet's token changes at the same boundaries): when the tokens of
 * this window expire (ms) and when the next window starts (ms).
 */
export function credentialWindow(ttlSeconds: number, now: Date): { expiresAt: number; nextAt: number } {
  const half = Math.max(1, Math.floor(ttlSeconds / 2));
  const start = Math.floor(now.getTime() / 1000 / half) * half;
  return { expiresAt: (start + ttlSeconds) * 1000, nextAt: (start + half) * 1000 };
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
      `SELECT g.id, g.name, g.namespace, g.address, ${EXPOSED_LISTENERS_SQL} AS listeners, g.infrastructure, g."xdsTokenGeneration" AS generation,
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
        // spec.infrastructure as the API stored it (null when the Gateway has none); the fleet carries its labels
        // and annotations (parametersRef is resolved by the API into the gateway's conditions).
        infrastructure: {
          ...(row.infrastructure?.labels ? { labels: row.infrastructure.labels } : {}),
          ...(row.infrastructure?.annotations ? { annotations: row.infrastructure.annotations } : {}),
        },
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

/** A pod of a gateway's fleet as the provisioner sees it in the EPIC cluster (or on this machine). */
export interface ObservedPod {
  podName: string;
  /** The pod's host address (the EPIC node it runs on). */
  nodeAddress: string | null;
  /** The pod's Ready condition (the kubelet probing Envoy's /ready), or the local provisioner's own probe. */
  ready: boolean;
}

export interface ProxyCounts {
  /** Pods the provisioner sees Ready. */
  podsReady: number;
  /** Rows whose EPIC node reports the proxy ready and having ACKed the serving revision. */
  nodeReady: number;
  /** Proxies that count for Programmed: both views at once (the local provisioner: its own). */
  ready: number;
  /** The revision a node must have seen ACKed (the newest one not tainted), if any. */
  revision: number | null;
}

/**
 * Records the provisioner's view of a gateway's proxies (docs/adr/0501-fleet-provisioning.md, "Who owns a row"). The provisioner
 * writes only its columns (nodeAddress, podReady); the EPIC node agent's (epicNodeId, vethIfindex, ready,
 * ackedVersion) are left as the node reported them. A row lives while either side sees its pod: a pod the
 * provisioner no longer sees loses its row only if no node reports it, otherwise only podReady is cleared.
 * The local provisioner is the only observer on its machine and writes ready as well (`localNode`).
 */
export async function recordProxies(
  c: pg.ClientBase,
  gatewayId: string,
  pods: ObservedPod[],
  opts: { localNode?: boolean } = {},
): Promise<ProxyCounts> {
  const names = pods.map((p) => p.podName);
  // Of the rows of pods this view does not show: those no node reports go, the others lose podReady (two
  // disjoint sets of rows, so one statement). A row the xDS plane created for an instance's ACK in the last
  // minute may be of a pod this view does not show yet (docs/adr/0502-per-proxy-acks.md): it stays until the
  // view catches up or the minute is over.
  await c.query(
    `WITH gone AS (
       DELETE FROM "ProxyInstance" WHERE "gatewayId" = $1::uuid AND NOT ("podName" = ANY($2::text[]))
          AND "epicNodeId" IS NULL AND ("xdsAckedVersion" IS NULL OR "updatedAt" < now() - interval '1 minute')
       RETURNING id)
     UPDATE "ProxyInstance" SET "podReady" = NULL, "updatedAt" = now()
      WHERE "gatewayId" = $1::uuid AND NOT ("podName" = ANY($2::text[])) AND "podReady" IS NOT NULL
        AND NOT ("epicNodeId" IS NULL AND ("xdsAckedVersion" IS NULL OR "updatedAt" < now() - interval '1 minute'))`,
    [gatewayId, names],
  );
  if (pods.length > 0) {
    const local = opts.localNode === true;
    await c.query(
      `INSERT INTO "ProxyInstance" (id, "gatewayId", "podName", "nodeAddress", "podReady", ready, "updatedAt")
       SELECT gen_random_uuid(), $1::uuid, p.name, p.address, p.ready, $5 AND p.ready, now()
         FROM unnest($2::text[], $3::text[], $4::bool[]) AS p(name, address, ready)
       ON CONFLICT ("gatewayId", "podName") DO UPDATE
         SET "nodeAddress" = EXCLUDED."nodeAddress", "podReady" = EXCLUDED."podReady",
             ready = CASE WHEN $5 THEN EXCLUDED.ready ELSE "ProxyInstance".ready END, "updatedAt" = now()
       WHERE "ProxyInstance"."nodeAddress" IS DISTINCT FROM EXCLUDED."nodeAddress"
          OR "ProxyInstance"."podReady" IS DISTINCT FROM EXCLUDED."podReady"
          OR ($5 AND "ProxyInstance".ready <> EXCLUDED.ready)`,
      [gatewayId, names, pods.map((p) => p.nodeAddress), pods.map((p) => p.ready), local],
    );
  }
  const counts = (
    await c.query<{ podsReady: number; nodeReady: number; both: number; revision: number | null }>(
      // A proxy's ACK is the one its node reported, or else (an observer that cannot see ACKs, such as the node's
      // pod observer) the one the xDS plane recorded for that instance — the rule the node announces by.
      `WITH rev AS (SELECT max(version) AS v FROM "ConfigRevision" WHERE "gatewayId" = $1::uuid AND status <> 'tainted')
       SELECT count(*) FILTER (WHERE p."podReady")::int AS "podsReady",
              count(*) FILTER (WHERE p.ready AND COALESCE(p."ackedVersion", p."xdsAckedVersion") >= rev.v)::int AS "nodeReady",
              count(*) FILTER (WHERE p."podReady" AND p.ready AND COALESCE(p."ackedVersion", p."xdsAckedVersion") >= rev.v)::int AS "both",
              rev.v AS revision
         FROM rev LEFT JOIN "ProxyInstance" p ON p."gatewayId" = $1::uuid
        GROUP BY rev.v`,
      [gatewayId],
    )
  ).rows[0];
  const podsReady = counts?.podsReady ?? 0;
  return {
    podsReady,
    nodeReady: counts?.nodeReady ?? 0,
    ready: opts.localNode ? podsReady : (counts?.both ?? 0),
    revision: counts?.revision ?? null,
  };
}
