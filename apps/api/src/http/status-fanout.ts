import type { Logger } from 'pino';
import type { EpicApp } from '../app.js';
import type { Db } from '../db/client.js';
import { createPgListener, listenerSettings } from '../db/listener.js';
import { selectGateways } from '../modules/gateway-repo.js';
import { API_KEY_REVOKED_CHANNEL, subscriptionGuardOf } from './subscription-auth.js';
import { TOPOLOGY_CHANNEL, topologyTopic, topologyWatchesOf } from './topology-watch.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function gatewayById(db: Db, id: string) {
  const owner = await db.$pool.query<{ accountId: string }>(
    'SELECT "accountId" FROM "Gateway" WHERE id = $1::uuid',
    [id],
  );
  const accountId = owner.rows[0]?.accountId;
  if (!accountId) return undefined;
  const [g] = await selectGateways(db.$pool, { accountId, id }, 1);
  return g;
}

/**
 * Every replica LISTENs for gateway status changes (NOTIFY from whichever replica reconciled) and publishes
 * them to its own GraphQL subscribers, so a subscriber connected anywhere sees every change. Topology changes
 * (NOTIFY epic_gateway_topology after each reconcile of the gateway) are published as they are heard: the event
 * names only the gateway, so no read is needed; each subscriber's resolver authorises it.
 */
export async function startStatusFanout(opts: {
  app: EpicApp;
  db: Db;
  databaseUrl: string;
  log: Logger;
}): Promise<() => Promise<void>> {
  const fanOut = (id: string) =>
    gatewayById(opts.db, id).then(
      (gateway) =>
        gateway && opts.app.graphql.pubsub.publish({ topic: `gateway-status:${id}`, payload: { gateway } }),
    );
  const nudge = async (gatewayId: string): Promise<void> => {
    await opts.app.graphql.pubsub.publish({
      topic: topologyTopic(gatewayId),
      payload: { change: { gatewayId, at: new Date() } },
    });
  };
  const listener = createPgListener({
    ...listenerSettings(opts.db, opts.databaseUrl),
    channels: ['epic_gateway_status', API_KEY_REVOKED_CHANNEL, TOPOLOGY_CHANNEL],
    log: opts.log,
    onNotification: (n) => {
      if (!n.payload) return;
      // A key revoked in any replica closes its subscriptions here too.
      if (n.channel === API_KEY_REVOKED_CHANNEL)
        return subscriptionGuardOf(opts.app, opts.db).revoked(n.payload);
      if (n.channel === TOPOLOGY_CHANNEL) {
        // Published only where someone here watches it (a burst of reconciles costs nothing otherwise).
        if (UUID.test(n.payload) && topologyWatchesOf(opts.app).has(n.payload))
          nudge(n.payload).catch((err: unknown) => opts.log.warn({ err }, 'topology fan-out failed'));
        return;
      }
      fanOut(n.payload).catch((err: unknown) => opts.log.warn({ err }, 'status fan-out failed'));
    },
    // Changes made while the connection was away were not heard: subscribers get the current status of
    // every gateway whose status was written since then (updatedAt is stamped with each status write).
    onReconnect: async ({ downSince }) => {
      const changed = await opts.db.$pool.query<{ id: string }>(
        `SELECT id FROM "Gateway" WHERE "updatedAt" >= ($1::timestamptz AT TIME ZONE 'UTC') - interval '5 seconds'`,
        [downSince],
      );
      await Promise.all(changed.rows.map((r) => fanOut(r.id)));
      // Which topologies changed meanwhile is not recorded: every watched one is read again.
      await Promise.all([...topologyWatchesOf(opts.app).keys()].map((id) => nudge(id)));
    },
  });
  await listener.start();
  return () => listener.stop();
}
