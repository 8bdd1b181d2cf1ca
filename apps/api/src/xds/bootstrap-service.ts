import type pg from 'pg';
import { z } from 'zod';
import { bootstrap } from '@epic/envoy-proto';
import { requireRole } from '../auth/principal.js';
import { withPgTx } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { audit, uuid, type CallMeta, type ServiceDeps } from '../modules/common.js';
import { proxylessNodeId } from './proxyless.js';
import { issueXdsToken } from './tokens.js';

export interface XdsEndpoint {
  host: string;
  port: number;
}

/** Upper bound of XDS_TOKEN_TTL_SECONDS and of a requested lifetime: one year. */
export const MAX_XDS_TOKEN_TTL_SECONDS = 365 * 24 * 3600;
export const MIN_XDS_TOKEN_TTL_SECONDS = 60;
/** The default of XDS_TOKEN_TTL_SECONDS: seven days. */
export const DEFAULT_XDS_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export const issueXdsTokenInput = z.strictObject({
  ttlSeconds: z
    .number()
    .int()
    .min(MIN_XDS_TOKEN_TTL_SECONDS)
    .max(MAX_XDS_TOKEN_TTL_SECONDS)
    .optional()
    .describe("lifetime in seconds; at most (and by default) the platform's XDS_TOKEN_TTL_SECONDS"),
});
export const revokeXdsTokensInput = z.strictObject({});

/** REST path of the token endpoints, named in bootstraps and errors so proxies' operators find them. */
const tokenPath = (gatewayId: string) => `/api/v1/gateways/${gatewayId}/xds-token`;

/**
 * The Envoy bootstrap of a gateway's proxies (what the provisioner mounts into each Envoy pod) and the
 * lifecycle of their xDS tokens: issue a fresh one, revoke them all (docs/adr/0403-xds-token-lifecycle.md).
 */
export function bootstrapService({
  db,
  secretKey,
  xds,
  tokenTtlSeconds,
}: ServiceDeps & { secretKey: Buffer; xds: XdsEndpoint; tokenTtlSeconds: number }) {
  /** The caller's gateway with its account name and token generation, or NotFound. */
  async function gatewayOf(c: pg.ClientBase | pg.Pool, meta: CallMeta, gatewayId: string, lock = false) {
    const r = await c.query<{ account: string; generation: number }>(
      `SELECT a.name AS account, g."xdsTokenGeneration" AS generation FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId"
       WHERE g.id = $1::uuid AND g."accountId" = $2::uuid${lock ? ' FOR UPDATE OF g' : ''}`,
      [gatewayId, meta.principal.accountId],
    );
    const row = r.rows[0];
    if (!row) throw AppError.notFound('gateway', gatewayId);
    return row;
  }

  async function issue(meta: CallMeta, gatewayId: string, ttlSeconds = tokenTtlSeconds) {
    if (ttlSeconds > tokenTtlSeconds)
      throw AppError.field('ttlSeconds', `must be at most ${tokenTtlSeconds} (XDS_TOKEN_TTL_SECONDS)`);
    return withPgTx(db.$pool, async (c) => {
      const gw = await gatewayOf(c, meta, gatewayId);
      const nodeId = `${gw.account}.${gatewayId}`;
      // Whole seconds: that is what the token encodes.
      const expiresAt = (Math.floor(Date.now() / 1000) + ttlSeconds) * 1000;
      const token = issueXdsToken(secretKey, { nodeId, generation: gw.generation, expiresAt });
      const expires = new Date(expiresAt).toISOString();
      await audit(c, meta, 'gateway.xds-token.issue', 'Gateway', gatewayId, {
        generation: gw.generation,
        expiresAt: expires,
      });
      return {
        account: gw.account,
        nodeId,
        proxylessNodeId: proxylessNodeId(nodeId),
        token,
        generation: gw.generation,
        expiresAt: expires,
      };
    });
  }

  /**
   * The bootstrap with a freshly issued token, and what the REST face puts in headers next to it: when the token
   * expires and where the next one comes from.
   */
  async function bootstrapWithToken(meta: CallMeta, gatewayId: string) {
    parseInput(uuid, gatewayId, 'id');
    // The bootstrap carries the gateway's xDS credential: admins only.
    requireRole(meta.principal, 'admin');
    const t = await issue(meta, gatewayId);
    return {
      bootstrap: bootstrap({
        account: t.account,
        gateway: gatewayId,
        xds: { host: xds.host, port: xds.port, token: t.token },
      }),
      expiresAt: t.expiresAt,
      refresh: `POST ${tokenPath(gatewayId)}`,
    };
  }

  return {
    bootstrapWithToken,
    async get(meta: CallMeta, gatewayId: string) {
      return (await bootstrapWithToken(meta, gatewayId)).bootstrap;
    },

    /** A fresh token for the gateway's proxies (Envoy node id and its proxyless variant), with its expiry. */
    async issueToken(meta: CallMeta, gatewayId: string, input: unknown) {
      parseInput(uuid, gatewayId, 'id');
      requireRole(meta.principal, 'admin');
      const data = parseInput(issueXdsTokenInput, input ?? {});
      const { account: _account, ...t } = await issue(meta, gatewayId, data.ttlSeconds);
      return t;
    },

    /**
     * Revokes every token issued so far for the gateway (bumps its token generation) and, through NOTIFY, makes
     * every replica end the streams that presented one. Tokens issued afterwards work.
     */
    async revokeTokens(meta: CallMeta, gatewayId: string, input: unknown) {
      parseInput(uuid, gatewayId, 'id');
      requireRole(meta.principal, 'admin');
      parseInput(revokeXdsTokensInput, input ?? {});
      return withPgTx(db.$pool, async (c) => {
        const gw = await gatewayOf(c, meta, gatewayId, true);
        const generation = gw.generation + 1;
        await c.query('UPDATE "Gateway" SET "xdsTokenGeneration" = $2 WHERE id = $1::uuid', [
          gatewayId,
          generation,
        ]);
        await c.query("SELECT pg_notify('epic_revision', $1)", [gatewayId]);
        await audit(c, meta, 'gateway.xds-token.revoke', 'Gateway', gatewayId, { generation });
        return { gatewayId, generation };
      });
    },
  };
}
