import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Provisioner, ProvisionerCredentials } from './fleet.js';
import { KubeClient } from './kube-client.js';
import { createKubeProvisioner } from './kube-provisioner.js';
import { createLocalProvisioner } from './local-provisioner.js';

export type { FleetStatus, Provisioner } from './fleet.js';

/** Queues reconciles of these gateways and wakes the reconcilers (as writers do). */
export function requeueOn(db: Db): (gatewayIds: string[]) => Promise<void> {
  return async (ids) => {
    if (ids.length === 0) return;
    await db.$pool.query(
      `WITH q AS (INSERT INTO "ReconcileRequest" ("gatewayId") SELECT unnest($1::uuid[]) RETURNING 1)
       SELECT pg_notify('epic_reconcile', $2), (SELECT count(*) FROM q)`,
      [ids, ids.length > 50 ? '*' : ids.join(',')],
    );
  };
}

/** The provisioner the configuration names (PROVISIONER), or undefined for none. */
export async function createProvisioner(
  config: Pick<
    Config,
    | 'PROVISIONER'
    | 'EPIC_CLUSTER_KUBECONFIG'
    | 'EPIC_CLUSTER_IN_CLUSTER'
    | 'PROVISIONER_POLL_SECONDS'
    | 'ENVOY_BINARY'
  >,
  deps: ProvisionerCredentials & { db: Db; log: Logger },
): Promise<Provisioner | undefined> {
  if (config.PROVISIONER === 'kubernetes') {
    // client-node is heavy: loaded only when a cluster is configured.
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    if (config.EPIC_CLUSTER_IN_CLUSTER) kc.loadFromCluster();
    else kc.loadFromFile(config.EPIC_CLUSTER_KUBECONFIG!);
    return createKubeProvisioner({
      ...deps,
      client: new KubeClient(kc),
      requeue: requeueOn(deps.db),
      pollSeconds: config.PROVISIONER_POLL_SECONDS,
    });
  }
  if (config.PROVISIONER === 'local')
    return createLocalProvisioner({ ...deps, envoyBinary: config.ENVOY_BINARY, requeue: requeueOn(deps.db) });
  return undefined;
}
