import { Condition, ListenerStatus } from '@epic/gateway-api';
import { supportedFeatures } from '@epic/gateway-translator';
import { z } from 'zod';
import { syncClusterInput, syncKinds } from '../modules/cluster-sync.js';
import type { Services } from '../services.js';
import type { RestRoute } from './rest.js';
import {
  named,
  PolicyAncestorStatusSchema,
  RouteKindSchema,
  RouteParentStatusSchema,
} from './schemas/outputs.js';

const observedClientGeneration = z
  .number()
  .int()
  .nullable()
  .describe(
    "the object's metadata.generation that the conditions describe; null while EPIC's status of the generation last sent is pending",
  );
const ClusterGatewayState = named(
  'ClusterGatewayState',
  z.strictObject({
    clientUid: z.string(),
    id: z.uuid(),
    address: z.string().nullable(),
    dnsName: z.string().nullable(),
    generation: z.number().int(),
    observedGeneration: z.number().int(),
    observedClientGeneration: observedClientGeneration,
    conditions: z.array(Condition),
    listeners: z.array(ListenerStatus),
    attachedListenerSets: z
      .number()
      .int()
      .nullable()
      .describe(
        "the Gateway's status.attachedListenerSets; null: absent (it has nothing to do with ListenerSets)",
      ),
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
    observedClientGeneration: observedClientGeneration,
    parents: z
      .array(RouteParentStatusSchema)
      .describe('the entries of the gateways the route is attached to now'),
  }),
  "EPIC's status of one of the cluster's routes, keyed by its uid",
);
const ClusterPolicyState = named(
  'ClusterBackendTlsPolicyState',
  z.strictObject({
    clientUid: z.string(),
    id: z.uuid(),
    generation: z.number().int(),
    observedClientGeneration: observedClientGeneration,
    ancestors: z
      .array(PolicyAncestorStatusSchema)
      .describe('one entry per gateway whose backends the policy targets'),
  }),
  "EPIC's status of one of the cluster's BackendTLSPolicies, keyed by its uid",
);
const ClusterListenerSetState = named(
  'ClusterListenerSetState',
  z.strictObject({
    clientUid: z.string(),
    id: z.uuid(),
    generation: z.number().int(),
    observedClientGeneration: observedClientGeneration,
    gatewayId: z
      .uuid()
      .nullable()
      .describe('the EPIC gateway (the parent) that wrote the status; null: none'),
    conditions: z.array(Condition),
    listeners: z.array(ListenerStatus),
  }),
  "EPIC's status of one of the cluster's ListenerSets (as ListenerSetStatus), keyed by its uid",
);
const stateFields = {
  gateways: z.array(ClusterGatewayState),
  routes: z.array(ClusterRouteState),
  backendTlsPolicies: z.array(ClusterPolicyState),
  listenerSets: z.array(ClusterListenerSetState),
};
const ClusterState = named('ClusterState', z.strictObject(stateFields));
const SyncError = named(
  'ClusterSyncError',
  z.strictObject({
    kind: z.enum(syncKinds),
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

const Features = named(
  'Features',
  z.strictObject({ supportedFeatures: z.array(z.string()) }),
  'the Gateway API features EPIC implements, sorted (a GatewayClass copies them into status.supportedFeatures)',
);

/** The workload-cluster controller's operations: one batched write per burst, one status read. */
export function clusterSyncRoutes(s: Services): RestRoute[] {
  return [
    {
      method: 'GET',
      path: '/features',
      response: Features,
      graphql: { name: 'features' },
      tag: 'clusters',
      summary: 'The Gateway API features EPIC implements',
      handler: async () => ({ supportedFeatures: [...supportedFeatures] }),
    },
    {
      method: 'POST',
      path: '/clusters/:id/sync',
      response: ClusterSyncResult,
      graphql: { name: 'syncCluster', args: { id: 'clusterId' } },
      tag: 'clusters',
      summary:
        "Upsert and delete a cluster's Gateways, routes, Services, EndpointSlices and ReferenceGrants in one call (full: delete what the set omits); answers EPIC's state of the cluster",
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
