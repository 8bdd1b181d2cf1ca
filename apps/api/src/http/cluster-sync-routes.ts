import { Condition, ListenerStatus } from '@epic/gateway-api';
import { z } from 'zod';
import { syncClusterInput } from '../modules/cluster-sync.js';
import type { Services } from '../services.js';
import type { RestRoute } from './rest.js';
import { named, RouteKindSchema, RouteParentStatusSchema } from './schemas/outputs.js';

const ClusterGatewayState = named(
  'ClusterGatewayState',
  z.strictObject({
    clientUid: z.string(),
    id: z.uuid(),
    address: z.string().nullable(),
    dnsName: z.string().nullable(),
    generation: z.number().int(),
    observedGeneration: z.number().int(),
    conditions: z.array(Condition),
    listeners: z.array(ListenerStatus),
  }),
  "EPIC's state of one of the cluster's Gateway objects, keyed by its uid",
);
const ClusterRouteState = named(
  'ClusterRouteState',
  z.strictObject({
    clientUid: z.string(),
    id: z.uuid(),
    kind: RouteKindSchema,
    generation: z.number().int(),
    parents: z.array(RouteParentStatusSchema),
  }),
  "EPIC's status of one of the cluster's routes, keyed by its uid",
);
const stateFields = { gateways: z.array(ClusterGatewayState), routes: z.array(ClusterRouteState) };
const ClusterState = named('ClusterState', z.strictObject(stateFields));
const SyncError = named(
  'ClusterSyncError',
  z.strictObject({
    kind: z.enum(['Gateway', 'Route', 'Service', 'ReferenceGrant']),
    clientUid: z.string(),
    message: z.string(),
  }),
);
const ClusterSyncResult = named(
  'ClusterSyncResult',
  z.strictObject({
    ...stateFields,
    upserted: z.number().int(),
    deleted: z.number().int(),
    errors: z.array(SyncError),
  }),
);

/** The workload-cluster controller's operations: one batched write per burst, one status read. */
export function clusterSyncRoutes(s: Services): RestRoute[] {
  return [
    {
      method: 'POST',
      path: '/clusters/:id/sync',
      response: ClusterSyncResult,
      graphql: { name: 'syncCluster', args: { id: 'clusterId' } },
      tag: 'clusters',
      summary:
        "Upsert and delete a cluster's Gateways, routes, Services and ReferenceGrants in one call (full: delete what the set omits); answers EPIC's state of the cluster",
      body: syncClusterInput,
      handler: ({ meta, params, body }) => s.clusterSync.sync(meta, params.id!, body),
    },
    {
      method: 'GET',
      path: '/clusters/:id/status',
      response: ClusterState,
      graphql: { name: 'clusterStatus', args: { id: 'clusterId' } },
      tag: 'clusters',
      summary:
        "EPIC's state of a cluster's Gateways (addresses, conditions, listeners) and routes (status.parents)",
      handler: ({ meta, params }) => s.clusterSync.state(meta, params.id!),
    },
  ];
}
