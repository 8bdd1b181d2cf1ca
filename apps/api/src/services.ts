import type { Db } from './db/client.js';
import { accountsService, apiKeysService, clustersService } from './modules/accounts.js';
import { certificatesService } from './modules/certificates.js';
import { clusterSyncService } from './modules/cluster-sync.js';
import { referenceGrantsService, servicesService } from './modules/cluster-objects.js';
import { auditService, endpointsService } from './modules/endpoints.js';
import { epicNodesService } from './modules/epic-nodes.js';
import { gatewaysService } from './modules/gateways.js';
import { gatewayClassesService } from './modules/gateway-classes.js';
import { namespacesService } from './modules/namespaces.js';
import { caBundlesService } from './modules/ca-bundles.js';
import { backendTlsPoliciesService } from './modules/backend-tls-policies.js';
import { listenerSetsService } from './modules/listener-sets.js';
import { poolsService, type PoolLimits } from './modules/pools.js';
import { revisionsService } from './modules/revisions.js';
import { routesService } from './modules/routes.js';
import {
  bootstrapService,
  DEFAULT_XDS_TOKEN_TTL_SECONDS,
  type XdsEndpoint,
} from './xds/bootstrap-service.js';
import { templatesService, type FragmentValidator } from './modules/templates.js';

/** The one service layer; REST and GraphQL are two thin faces over it. */
export function createServices(
  db: Db,
  opts: {
    secretKey: Buffer;
    validateFragments?: FragmentValidator;
    xds?: XdsEndpoint;
    poolLimits?: PoolLimits;
    /** Lifetime of issued xDS tokens (XDS_TOKEN_TTL_SECONDS). */
    xdsTokenTtlSeconds?: number;
    /** Gateway pages kept (GATEWAY_PAGE_CACHE_ENTRIES). */
    gatewayPageCacheEntries?: number;
  },
) {
  const deps = { db };
  const gateways = gatewaysService({ ...deps, pageCacheEntries: opts.gatewayPageCacheEntries ?? 64 });
  const routes = routesService(deps);
  const services = servicesService(deps);
  const referenceGrants = referenceGrantsService(deps);
  const endpoints = endpointsService(deps);
  const namespaces = namespacesService(deps);
  const caBundles = caBundlesService(deps);
  const backendTlsPolicies = backendTlsPoliciesService(deps);
  const listenerSets = listenerSetsService(deps);
  return {
    accounts: accountsService(deps),
    apiKeys: apiKeysService(deps),
    clusters: clustersService(deps),
    pools: poolsService({ ...deps, ...(opts.poolLimits ? { limits: opts.poolLimits } : {}) }),
    templates: templatesService({
      ...deps,
      ...(opts.validateFragments ? { validateFragments: opts.validateFragments } : {}),
    }),
    gateways,
    routes,
    endpoints,
    services,
    referenceGrants,
    namespaces,
    caBundles,
    backendTlsPolicies,
    listenerSets,
    gatewayClasses: gatewayClassesService(deps),
    clusterSync: clusterSyncService({
      db,
      gateways,
      routes,
      services,
      endpoints,
      referenceGrants,
      namespaces,
      caBundles,
      backendTlsPolicies,
      listenerSets,
    }),
    certificates: certificatesService({ ...deps, secretKey: opts.secretKey }),
    audit: auditService(deps),
    epicNodes: epicNodesService({ ...deps, secretKey: opts.secretKey }),
    revisions: revisionsService(deps),
    bootstrap: bootstrapService({
      ...deps,
      secretKey: opts.secretKey,
      xds: opts.xds ?? { host: '127.0.0.1', port: 18000 },
      tokenTtlSeconds: opts.xdsTokenTtlSeconds ?? DEFAULT_XDS_TOKEN_TTL_SECONDS,
    }),
  };
}
export type Services = ReturnType<typeof createServices>;
