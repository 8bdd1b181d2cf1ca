import pg from 'pg';
import type { Logger } from 'pino';
import type { EpicApp } from '../app.js';
import type { Db } from '../db/client.js';
import { selectGateways } from '../modules/gateway-repo.js';
import { present } from '../modules/gateways.js';
import { API_KEY_REVOKED_CHANNEL, subscriptionGuardOf } from './subscription-auth.js';

async function gatewayById(db: Db, id: string) {
  const owner = await db.$pool.query<{ accountId: string }>(
    'SELECT "accountId" FROM "Gateway" WHERE id = $1::uuid',
    [id],
  );
  const accountId = owner.rows[0]?.accountId;
  if (!accountId) return undefined;
  const [g] = await selectGateways(db.$pool, { accountId, id }, 1);
  return g && present(g);
}

/**
 * Every replica LISTENs for gateway status changes (NOTIFY from whichever replica reconciled) and publishes
 * them to its own GraphQL subscribers, so a subscriber connected anywhere sees every change.
 */
export async function startStatusFanout(opts: {
  app: EpicApp;
  db: Db;
  databaseUrl: string;
  log: Logger;
}): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  await client.query('LISTEN epic_gateway_status');
  await client.query(`LISTEN ${API_KEY_REVOKED_CHANNEL}`);
  client.on('error', (err) => opts.log.warn({ err }, 'status fan-out connection error'));
  client.on('notification', (n) => {
    const id = n.payload;
    if (!id) return;
    // A key revoked in any replica closes its subscriptions here too.
    if (n.channel === API_KEY_REVOKED_CHANNEL) return subscriptionGuardOf(opts.app, opts.db).revoked(id);
    gatewayById(opts.db, id)
      .then(
        (gateway) =>
          gateway && opts.app.graphql.pubsub.publish({ topic: `gateway-status:${id}`, payload: { gateway } }),
      )
      .catch((err: unknown) => opts.log.warn({ err }, 'status fan-out failed'));
  });
  return async () => {
    await client.end().catch(() => undefined);
  };
}
