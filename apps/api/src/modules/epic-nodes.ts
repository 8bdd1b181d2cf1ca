import type pg from 'pg';
import { z } from 'zod';
import { generateNodeToken } from '../auth/node-credentials.js';
import { requireRole, requireSystem, tenant } from '../auth/principal.js';
import { Prisma } from '../generated/prisma/client.js';
import { withPgTx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { formatAddress, parseAddress } from '../lib/ip.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  conflictOnUnique,
  dnsSubdomain,
  enqueueReconcile,
  json,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';
import { openTunnelKey } from './tunnel-keys.js';
import { EXPOSED_LISTENERS_SQL } from './listener-sets.js';

/**
 * EPIC nodes and the proxies on them. Platform admins create, list, drain and delete nodes; a node's agent,
 * with the node credential it was given at creation, registers the node's addresses and BGP settings, reads
 * what it must program (NodeDesiredState: apps/agent/src/epic-node/contract.ts) and reports its local proxies.
 * Tenants see their own gateways' proxies with the node's name only: never addresses or BGP settings.
 */

const address = z
  .string()
  .max(64)
  .refine((s) => parseAddress(s) !== undefined, 'must be an IPv4 or IPv6 address')
  .transform((s) => {
    const p = parseAddress(s)!;
    return formatAddress(p.family, p.value);
  });
const ipv4 = z
  .string()
  .max(15)
  .refine((s) => parseAddress(s)?.family === 'ipv4', 'must be an IPv4 address (a BGP router id)');
// An ASN is 32 bits unsigned: beyond GraphQL's Int, so a number checked for integrality (a Float there).
const asn = z
  .number()
  .min(1)
  .max(4_294_967_295)
  .refine(Number.isInteger, 'must be an integer')
  .describe('an autonomous system number, 1..4294967295');
const bgpPeer = z.strictObject({
  address,
  asn,
  port: z.number().int().min(1).max(65535).optional().describe('default 179'),
});
export const bgpSettingsInput = z.strictObject({
  asn,
  routerId: ipv4,
  peers: z.array(bgpPeer).max(64).default([]),
});
const addresses = z
  .array(address)
  .max(16)
  .refine((a) => new Set(a).size === a.length, 'must not repeat an address')
  .describe('the first is the GUE tunnel endpoint client nodes dial');

export const createEpicNodeInput = z.strictObject({
  name: dnsSubdomain.describe("the node's name (its Kubernetes node name)"),
  addresses: addresses.default([]),
  bgp: bgpSettingsInput.optional(),
});
export const registerEpicNodeInput = z.strictObject({
  addresses: addresses.min(1, 'must name at least one address'),
  bgp: bgpSettingsInput.optional(),
  draining: z
    .boolean()
    .optional()
    .describe('true: the node drains itself; absent: the drain state set by a platform admin is kept'),
});
export const drainEpicNodeInput = z.strictObject({
  draining: z.boolean().default(true).describe('false ends the drain'),
});
const podName = dnsSubdomain.describe("the proxy's pod name");
export const proxyReportInput = z.strictObject({
  proxies: z
    .array(
      z.strictObject({
        gatewayId: uuid,
        podName,
        vethIfindex: z.number().int().min(1).max(2_147_483_647).nullable(),
        ready: z.boolean(),
        ackedVersion: z.number().int().min(0).max(2_147_483_647).nullable(),
      }),
    )
    .max(2000)
    .refine(
      (ps) => new Set(ps.map((p) => `${p.gatewayId}/${p.podName}`)).size === ps.length,
      'must not list a (gatewayId, podName) twice',
    ),
});
export const nodeName = dnsSubdomain;

/** A node's view of a proxy, cleared when the node stops reporting a pod the provisioner still sees. */
const NODE_COLUMNS_CLEARED = {
  epicNodeId: null,
  vethIfindex: null,
  ready: false,
  ackedVersion: null,
  xdsConnected: false,
} as const;

/** A ProxyInstance row as a node's report reads it. */
interface ProxyRowView {
  gatewayId: string;
  podName: string;
  epicNodeId: string | null;
  vethIfindex: number | null;
  ready: boolean;
  ackedVersion: number | null;
}

/** What a node's report and desired state need of its row. */
type ReportingNode = Pick<NodeRow, 'id' | 'name' | 'addresses' | 'draining'>;

interface NodeRow {
  id: string;
  name: string;
  addresses: string[];
  asn: bigint | null;
  routerId: string | null;
  bgpPeers: unknown;
  draining: boolean;
  createdAt: Date;
  updatedAt: Date;
}
const nodeView = {
  id: true,
  name: true,
  addresses: true,
  asn: true,
  routerId: true,
  bgpPeers: true,
  draining: true,
  createdAt: true,
  updatedAt: true,
} as const;

type Peer = { address: string; asn: number; port?: number };
/** The NodeRecord of the contract (and the admin view's extra `updatedAt`). */
function present(n: NodeRow) {
  return {
    name: n.name,
    addresses: n.addresses,
    ...(n.asn !== null && n.routerId !== null
      ? { bgp: { asn: Number(n.asn), routerId: n.routerId, peers: n.bgpPeers as Peer[] } }
      : {}),
    draining: n.draining,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
  };
}
const bgpColumns = (bgp: z.output<typeof bgpSettingsInput> | undefined) =>
  bgp
    ? { asn: BigInt(bgp.asn), routerId: bgp.routerId, bgpPeers: json(bgp.peers) }
    : { asn: null, routerId: null, bgpPeers: json([]) };

const PLATFORM = 'platform';
/** A platform admin (any operation), or the node credential of exactly this node (its own routes). */
function requireNodeOrAdmin(meta: CallMeta, name: string): void {
  if (meta.node) {
    if (meta.node.name !== name)
      throw new AppError(
        'Forbidden',
        `this node credential is for EPIC node ${JSON.stringify(meta.node.name)}, not ${JSON.stringify(name)}`,
      );
    return;
  }
  requireAdmin(meta);
}
function requireAdmin(meta: CallMeta): void {
  if (!meta.principal) throw new AppError('Forbidden', `this operation is reserved to ${PLATFORM} operators`);
  requireSystem(meta.principal);
  requireRole(meta.principal, 'admin');
}
function requireAdminRead(meta: CallMeta): void {
  if (!meta.principal) throw new AppError('Forbidden', `this operation is reserved to ${PLATFORM} operators`);
  requireSystem(meta.principal);
}

/** Listener protocols as the firewall opens them: UDP listeners are UDP, everything else runs over TCP. */
function portsOf(listeners: unknown): Array<{ port: number; protocol: 'TCP' | 'UDP' }> {
  const seen = new Map<string, { port: number; protocol: 'TCP' | 'UDP' }>();
  for (const l of Array.isArray(listeners)
    ? (listeners as Array<{ port?: unknown; protocol?: unknown }>)
    : []) {
    if (typeof l.port !== 'number') continue;
    const protocol = l.protocol === 'UDP' ? 'UDP' : 'TCP';
    seen.set(`${protocol}/${l.port}`, { port: l.port, protocol });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}
function hostPrefix(addr: string): string {
  const p = parseAddress(addr);
  return `${addr}/${p?.family === 'ipv6' ? 128 : 32}`;
}

export function epicNodesService({ db, secretKey }: ServiceDeps & { secretKey: Buffer }) {
  async function nodeByName(name: string): Promise<NodeRow> {
    const row = await db.epicNode.findUnique({ where: { name }, select: nodeView });
    if (!row) throw AppError.notFound('EPIC node', name);
    return row;
  }

  /** NodeDesiredState of a node: its gateways, its proxies' ACKs and its tunnels, read concurrently. */
  async function desiredFor(node: ReportingNode) {
    const proxiesHere = `p."epicNodeId" = $1::uuid OR (p."epicNodeId" IS NULL AND p."nodeAddress" = ANY($2::text[]))`;
    const [gateways, ackRows, tunnels] = await Promise.all([
      db.$pool.query<{
        id: string;
        address: string | null;
        listeners: unknown;
        revision: number | null;
        ackedRevision: number | null;
      }>(
        `SELECT g.id, g.address, ${EXPOSED_LISTENERS_SQL} AS listeners,
                (SELECT max(c.version) FROM "ConfigRevision" c
                  WHERE c."gatewayId" = g.id AND c.status <> 'tainted') AS revision,
                (SELECT max(c.version) FROM "ConfigRevision" c
                  WHERE c."gatewayId" = g.id AND c.status = 'acked') AS "ackedRevision"
           FROM "Gateway" g
          WHERE g.id IN (SELECT DISTINCT p."gatewayId" FROM "ProxyInstance" p WHERE ${proxiesHere})
          ORDER BY g.id`,
        [node.id, node.addresses],
      ),
      // Each of this node's proxies with the revision it ACKed over xDS (its own stream: the instance in the
      // node id), so the node announces for the proxies that ACKed, not for its gateway's other pods.
      db.$pool.query<{ gatewayId: string; podName: string; revision: number | null }>(
        `SELECT p."gatewayId"::text AS "gatewayId", p."podName", p."xdsAckedVersion" AS revision
           FROM "ProxyInstance" p WHERE ${proxiesHere}
          ORDER BY p."podName"`,
        [node.id, node.addresses],
      ),
      db.$pool.query<{
        tunnelId: number;
        gatewayId: string;
        clientNode: string;
        localAddress: string;
        localPort: number;
        remoteAddress: string | null;
        remotePort: number | null;
        key: string;
      }>(
        `SELECT "tunnelId", "gatewayId"::text AS "gatewayId", "clientNode", "localAddress", "localPort",
                "remoteAddress", "remotePort", key
           FROM "Tunnel" WHERE "epicNodeId" = $1::uuid ORDER BY "tunnelId"`,
        [node.id],
      ),
    ]);
    const acks = new Map<string, { podName: string; revision: number | null }[]>();
    for (const a of ackRows.rows)
      acks.set(a.gatewayId, [...(acks.get(a.gatewayId) ?? []), { podName: a.podName, revision: a.revision }]);
    return {
      node: node.name,
      draining: node.draining,
      gateways: gateways.rows.map((g) => {
        const addrs = g.address ? [g.address] : [];
        return {
          gatewayId: g.id,
          addresses: addrs,
          advertise: addrs.map((a) => ({ prefix: hostPrefix(a) })),
          ports: portsOf(g.listeners),
          revision: g.revision ?? 0,
          ackedRevision: g.ackedRevision,
          proxyAcks: acks.get(g.id) ?? [],
          tunnels: tunnels.rows
            .filter((t) => t.gatewayId === g.id)
            .map((t) => ({
              tunnelId: t.tunnelId,
              clientNode: t.clientNode,
              localAddress: t.localAddress,
              localPort: t.localPort,
              remoteAddress: t.remoteAddress,
              remotePort: t.remotePort,
              key: openTunnelKey(secretKey, t.key),
            })),
        };
      }),
    };
  }

  /**
   * Writes a node's report (see `report`) in a few round trips whatever its size: BEGIN with the node's row and
   * lock (one report per node at a time: two in flight would each delete the other's rows), one read of the rows
   * it touches, the writes of what changed, COMMIT. Answers the node's row.
   */
  async function writeReport(name: string, d: z.infer<typeof proxyReportInput>): Promise<ReportingNode> {
    // A simple query carries the lock with BEGIN: the name is a checked literal.
    if (!/^[a-z0-9.-]+$/.test(name)) throw AppError.notFound('EPIC node', name);
    return withPgTx(
      db.$pool,
      async (c, first) => {
        const node = (first as pg.QueryResult<ReportingNode> | undefined)?.rows[0];
        if (!node) throw AppError.notFound('EPIC node', name);
        // This node's rows and those of the reported (gateway, pod) keys, and which reported gateways exist.
        const state = (
          await c.query<{ existing: string[]; before: ProxyRowView[] }>(
            `SELECT ARRAY(SELECT id::text FROM "Gateway" WHERE id = ANY($2::uuid[])) AS existing,
                    COALESCE((SELECT json_agg(json_build_object(
                                'gatewayId', p."gatewayId", 'podName', p."podName", 'epicNodeId', p."epicNodeId",
                                'vethIfindex', p."vethIfindex", 'ready', p.ready, 'ackedVersion', p."ackedVersion"))
                                FROM "ProxyInstance" p
                               WHERE p."epicNodeId" = $1::uuid
                                  OR (p."gatewayId", p."podName") IN
                                     (SELECT g, n FROM unnest($3::uuid[], $4::text[]) AS k(g, n))), '[]') AS before`,
            [
              node.id,
              [...new Set(d.proxies.map((p) => p.gatewayId))],
              d.proxies.map((p) => p.gatewayId),
              d.proxies.map((p) => p.podName),
            ],
          )
        ).rows[0]!;
        const existing = new Set(state.existing);
        const before = state.before;
        const kept = d.proxies.filter((p) => existing.has(p.gatewayId));
        const others = before.filter((r) => r.epicNodeId !== null && r.epicNodeId !== node.id);
        const elsewhere = new Set(others.map((o) => `${o.gatewayId}/${o.podName}`));
        const clash = kept.findIndex((p) => elsewhere.has(`${p.gatewayId}/${p.podName}`));
        if (kept.length > 0 && clash >= 0) {
          const i = d.proxies.indexOf(kept[clash]!);
          throw new AppError('Conflict', `proxies[${i}].podName: the pod is recorded on another EPIC node`, [
            { path: `proxies[${i}].podName`, message: 'the pod is recorded on another EPIC node' },
          ]);
        }
        // The node owns its columns (epicNodeId, vethIfindex, ready, ackedVersion) and a row's existence only
        // while the provisioner does not see the pod (podReady null): docs/adr/0501-fleet-provisioning.md, "Who owns a row".
        const reportedKeys = new Set(kept.map((p) => `${p.gatewayId}/${p.podName}`));
        const omitted = before.filter(
          (r) => r.epicNodeId === node.id && !reportedKeys.has(`${r.gatewayId}/${r.podName}`),
        );
        const changed = new Set(omitted.map((r) => r.gatewayId));
        const prior = new Map(before.map((r) => [`${r.gatewayId}/${r.podName}`, r]));
        // Rows already as reported are not written again (an agent reports every proxy every tick).
        const writes = kept.filter((p) => {
          const was = prior.get(`${p.gatewayId}/${p.podName}`);
          const same =
            was?.epicNodeId === node.id && was.ready === p.ready && was.ackedVersion === p.ackedVersion;
          if (!same) changed.add(p.gatewayId);
          return !same || was.vethIfindex !== p.vethIfindex;
        });
        if (omitted.length > 0) {
          // Rows only the node saw go; the others lose the node's columns (two disjoint sets of rows).
          await c.query(
            `WITH k AS (SELECT g, n FROM unnest($2::uuid[], $3::text[]) AS k(g, n)),
                  gone AS (DELETE FROM "ProxyInstance" WHERE "epicNodeId" = $1::uuid AND "podReady" IS NULL
                              AND ("gatewayId", "podName") IN (SELECT g, n FROM k))
             UPDATE "ProxyInstance"
                SET "epicNodeId" = NULL, "vethIfindex" = NULL, ready = false, "ackedVersion" = NULL,
                    "xdsConnected" = false, "updatedAt" = now()
              WHERE "epicNodeId" = $1::uuid AND "podReady" IS NOT NULL
                AND ("gatewayId", "podName") IN (SELECT g, n FROM k)`,
            [node.id, omitted.map((r) => r.gatewayId), omitted.map((r) => r.podName)],
          );
        }
        // nodeAddress and podReady are the provisioner's (the pod's host address and Ready condition) once it
        // wrote the row; a row the node creates first starts with the node's own first address. Readiness feeds
        // the gateway's Programmed condition: a change is reconciled now (queued in the same statement).
        const upsert =
          writes.length === 0
            ? undefined
            : {
                sql: `INSERT INTO "ProxyInstance"
                        (id, "gatewayId", "podName", "nodeAddress", "epicNodeId", "vethIfindex", ready, "ackedVersion", "updatedAt")
                      SELECT gen_random_uuid(), w.g, w.n, $2, $1::uuid, w.veth, w.ready, w.acked, now()
                        FROM unnest($3::uuid[], $4::text[], $5::int[], $6::bool[], $7::int[]) AS w(g, n, veth, ready, acked)
                      ON CONFLICT ("gatewayId", "podName") DO UPDATE
                         SET "epicNodeId" = EXCLUDED."epicNodeId", "vethIfindex" = EXCLUDED."vethIfindex",
                             ready = EXCLUDED.ready, "ackedVersion" = EXCLUDED."ackedVersion", "updatedAt" = now()
                      RETURNING 1`,
                params: [
                  node.id,
                  node.addresses[0] ?? null,
                  writes.map((p) => p.gatewayId),
                  writes.map((p) => p.podName),
                  writes.map((p) => p.vethIfindex),
                  writes.map((p) => p.ready),
                  writes.map((p) => p.ackedVersion),
                ],
              };
        await enqueueReconcile(c, changed, upsert);
        return node;
      },
      `SELECT id::text, name, addresses, draining FROM "EpicNode" WHERE name = '${name}' FOR UPDATE`,
    );
  }

  return {
    async create(meta: CallMeta, input: unknown) {
      requireAdmin(meta);
      const d = parseInput(createEpicNodeInput, input);
      const t = generateNodeToken();
      return db.$transaction(async (tx) => {
        const row = await tx.epicNode
          .create({
            data: {
              name: d.name,
              address: d.addresses[0] ?? null,
              addresses: d.addresses,
              ...bgpColumns(d.bgp),
              tokenPrefix: t.prefix,
              tokenHash: t.hash,
            },
            select: nodeView,
          })
          .catch(conflictOnUnique('EPIC node', JSON.stringify(d.name)));
        await audit(tx, meta, 'epicNode.create', 'EpicNode', row.id, { name: d.name });
        return { node: present(row), token: t.token };
      });
    },

    async list(meta: CallMeta) {
      requireAdminRead(meta);
      const rows = await db.epicNode.findMany({ select: nodeView, orderBy: { name: 'asc' } });
      return { items: rows.map(present) };
    },

    async get(meta: CallMeta, name: string) {
      parseInput(nodeName, name, 'name');
      requireAdminRead(meta);
      return present(await nodeByName(name));
    },

    async remove(meta: CallMeta, name: string) {
      parseInput(nodeName, name, 'name');
      requireAdmin(meta);
      await db.$transaction(async (tx) => {
        const row = await tx.epicNode.findUnique({ where: { name }, select: { id: true } });
        if (!row) throw AppError.notFound('EPIC node', name);
        // Its tunnels go with it; its proxies' rows go too (they described pods on this node), except those the
        // provisioner still sees in the EPIC cluster: they lose only the node's view.
        await tx.proxyInstance.deleteMany({ where: { epicNodeId: row.id, podReady: null } });
        await tx.proxyInstance.updateMany({
          where: { epicNodeId: row.id },
          data: { ...NODE_COLUMNS_CLEARED },
        });
        await tx.epicNode.delete({ where: { id: row.id } });
        await audit(tx, meta, 'epicNode.delete', 'EpicNode', row.id, { name });
      });
    },

    async drain(meta: CallMeta, name: string, input: unknown) {
      parseInput(nodeName, name, 'name');
      requireAdmin(meta);
      const d = parseInput(drainEpicNodeInput, input ?? {});
      return db.$transaction(async (tx) => {
        const row = await tx.epicNode
          .update({ where: { name }, data: { draining: d.draining }, select: nodeView })
          .catch((e: unknown) => {
            if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2025')
              throw AppError.notFound('EPIC node', name);
            throw e;
          });
        await audit(tx, meta, d.draining ? 'epicNode.drain' : 'epicNode.undrain', 'EpicNode', row.id, {
          name,
        });
        return present(row);
      });
    },

    /** The node agent's registration: its addresses and BGP settings (the node must exist: admins create it). */
    async register(meta: CallMeta, name: string, input: unknown) {
      parseInput(nodeName, name, 'name');
      requireNodeOrAdmin(meta, name);
      const d = parseInput(registerEpicNodeInput, input);
      const row = await db.epicNode
        .update({
          where: { name },
          data: {
            address: d.addresses[0]!,
            addresses: d.addresses,
            ...bgpColumns(d.bgp),
            ...(d.draining !== undefined ? { draining: d.draining } : {}),
          },
          select: nodeView,
        })
        .catch((e: unknown) => {
          if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2025')
            throw AppError.notFound('EPIC node', name);
          throw e;
        });
      return present(row);
    },

    /**
     * What the node must program: the gateways with proxy rows on it (reported by the node, or written by the
     * provisioner with one of the node's addresses as the pod's host address and no node yet), their addresses,
     * ports, current revision, the newest revision a proxy ACKed over xDS (the xDS plane marks a revision acked
     * when a proxy of the gateway ACKs it) and tunnels.
     */
    async desired(meta: CallMeta, name: string) {
      parseInput(nodeName, name, 'name');
      requireNodeOrAdmin(meta, name);
      return desiredFor(await nodeByName(name));
    },

    /**
     * The node's proxies, as its agent sees them: each (gateway, pod) is upserted on this node with the node's
     * columns; a pod of this node the report omits loses the node's view, and its row goes unless the
     * provisioner sees the pod in the EPIC cluster. Gateways whose proxies changed are reconciled (Programmed).
     * Proxies of gateways that no longer exist are skipped (their pods are being collected); a pod recorded on
     * another node is a conflict.
     */
    async report(meta: CallMeta, name: string, input: unknown) {
      parseInput(nodeName, name, 'name');
      requireNodeOrAdmin(meta, name);
      const d = parseInput(proxyReportInput, input);
      await writeReport(name, d);
    },

    /**
     * The agent's round in one exchange: its report, then what it must program (one round trip, not two). The
     * desired state is read after the report has committed, so it reflects the proxies just reported.
     */
    async sync(meta: CallMeta, name: string, input: unknown) {
      parseInput(nodeName, name, 'name');
      requireNodeOrAdmin(meta, name);
      const d = parseInput(proxyReportInput, input);
      return desiredFor(await writeReport(name, d));
    },

    /** A tenant's view of its gateway's proxies: pod, readiness, acked revision and the node's name only. */
    async gatewayProxies(meta: CallMeta, gatewayId: string) {
      parseInput(uuid, gatewayId, 'id');
      const gw = await db.gateway.findFirst({
        where: { ...tenant(meta.principal), id: gatewayId },
        select: { id: true },
      });
      if (!gw) throw AppError.notFound('gateway', gatewayId);
      const rows = await db.proxyInstance.findMany({
        where: { gatewayId },
        select: {
          podName: true,
          ready: true,
          podReady: true,
          xdsConnected: true,
          ackedVersion: true,
          updatedAt: true,
          epicNode: { select: { name: true } },
        },
        orderBy: { podName: 'asc' },
      });
      return {
        items: rows.map((r) => ({
          podName: r.podName,
          node: r.epicNode?.name ?? null,
          ready: r.ready,
          podReady: r.podReady,
          xdsConnected: r.xdsConnected,
          ackedVersion: r.ackedVersion,
          updatedAt: r.updatedAt,
        })),
      };
    },
  };
}
