import { bootstrap } from '@epic/envoy-proto';
import { requireRole } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { uuid, type CallMeta, type ServiceDeps } from '../modules/common.js';
import { xdsTokenFor } from './tokens.js';

export interface XdsEndpoint {
  host: string;
  port: number;
}

/** The Envoy bootstrap of a gateway's proxies: what the provisioner mounts into each Envoy pod. */
export function bootstrapService({
  db,
  secretKey,
  xds,
}: ServiceDeps & { secretKey: Buffer; xds: XdsEndpoint }) {
  return {
    async get(meta: CallMeta, gatewayId: string) {
      parseInput(uuid, gatewayId, 'id');
      // The bootstrap carries the gateway's xDS credential: admins only.
      requireRole(meta.principal, 'admin');
      const r = await db.$pool.query<{ account: string }>(
        'SELECT a.name AS account FROM "Gateway" g JOIN "Account" a ON a.id = g."accountId" WHERE g.id = $1::uuid AND g."accountId" = $2::uuid',
        [gatewayId, meta.principal.accountId],
      );
      const row = r.rows[0];
      if (!row) throw AppError.notFound('gateway', gatewayId);
      const nodeId = `${row.account}.${gatewayId}`;
      return bootstrap({
        account: row.account,
        gateway: gatewayId,
        xds: { host: xds.host, port: xds.port, token: xdsTokenFor(secretKey, nodeId) },
      });
    },
  };
}
