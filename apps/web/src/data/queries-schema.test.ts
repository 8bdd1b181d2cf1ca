import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { typeDefs } from '../../../api/src/http/graphql.js';
import { defaultGraphqlLimits, queryCost } from '../../../api/src/http/graphql-limits.js';
import {
  ROUTE_PAGE,
  SLICE_PAGE,
  TOPOLOGY,
  TOPOLOGY_PROXIES,
  TOPOLOGY_ROUTES,
  TOPOLOGY_SLICES,
} from './topology.js';
import { GATEWAYS } from './gateways.js';
import {
  ADDRESS_POOLS,
  API_KEYS,
  AUDIT_EVENTS,
  CLUSTERS,
  CREATE_ADDRESS_POOL,
  CREATE_API_KEY,
  DELETE_ADDRESS_POOL,
  EDITED_GATEWAY,
  EDITED_ROUTE,
  REVOKE_API_KEY,
  ROLLBACK,
  TEMPLATES,
} from './pages.js';
import { REVISION_DIFF, REVISIONS } from './revisions.js';
import {
  CREATE_GATEWAY,
  CREATE_TEMPLATE,
  TRACE_REQUEST,
  UPDATE_GATEWAY_LISTENERS,
  UPDATE_ROUTE,
  UPDATE_TEMPLATE,
  UPSERT_ROUTE,
} from './editors.js';
import { GATEWAY_STATUS_SUBSCRIPTION, GATEWAY_TOPOLOGY_SUBSCRIPTION } from './subscription.js';

// The Service Manager's GraphQL documents against the API's own schema (the SDL it serves) and its cost limit:
// a field renamed or a page made too expensive on either side fails here, not in the browser.
const { buildSchema, parse, validate } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');
const schema = buildSchema(typeDefs);

const documents: [string, string, Record<string, unknown>][] = [
  ['Topology', TOPOLOGY.query, { id: 'g', routes: ROUTE_PAGE, proxies: 100 }],
  ['TopologyRoutes', TOPOLOGY_ROUTES.query, { id: 'g', first: ROUTE_PAGE, after: 'x' }],
  ['TopologyProxies', TOPOLOGY_PROXIES.query, { id: 'g', first: 100, after: 'x' }],
  ['TopologySlices', TOPOLOGY_SLICES.query, { first: SLICE_PAGE }],
  ['Gateways', GATEWAYS.query, { first: 20, after: null, filter: { name: 'x', condition: 'Programmed' } }],
  ['Revisions', REVISIONS.query, { id: 'g', first: 20, after: null }],
  ['RevisionDiff', REVISION_DIFF.query, { id: 'g', from: 1, to: 2 }],
  ['ApiKeys', API_KEYS.query, { first: 500, after: null }],
  ['Templates', TEMPLATES.query, { first: 500, after: null }],
  ['AddressPools', ADDRESS_POOLS.query, { first: 500, after: null }],
  ['Clusters', CLUSTERS.query, { first: 500, after: null }],
  ['AuditEvents', AUDIT_EVENTS.query, { first: 50, after: null }],
  ['EditedGateway', EDITED_GATEWAY.query, { id: 'g' }],
  ['EditedRoute', EDITED_ROUTE.query, { id: 'r' }],
  ['CreateApiKey', CREATE_API_KEY.query, { input: { name: 'k', role: 'admin' } }],
  ['RevokeApiKey', REVOKE_API_KEY.query, { id: 'k' }],
  ['CreateAddressPool', CREATE_ADDRESS_POOL.query, { input: { name: 'p', spec: '10.0.0.0/28' } }],
  ['DeleteAddressPool', DELETE_ADDRESS_POOL.query, { id: 'p' }],
  ['Rollback', ROLLBACK.query, { gatewayId: 'g', version: 1 }],
  ['CreateGateway', CREATE_GATEWAY.query, { input: { name: 'g', listeners: [] } }],
  ['UpdateGatewayListeners', UPDATE_GATEWAY_LISTENERS.query, { id: 'g', listeners: [] }],
  ['UpsertRoute', UPSERT_ROUTE.query, { input: { kind: 'HTTPRoute', name: 'r', spec: {} } }],
  ['UpdateRoute', UPDATE_ROUTE.query, { id: 'r', spec: {} }],
  ['CreateTemplate', CREATE_TEMPLATE.query, { input: { name: 't', poolName: 'p', dnsNameTemplate: 'x' } }],
  ['UpdateTemplate', UPDATE_TEMPLATE.query, { id: 't', input: { replicas: 2 } }],
  ['TraceRequest', TRACE_REQUEST.query, { gatewayId: 'g', input: { host: 'h', path: '/' } }],
  ['GatewayStatus', GATEWAY_STATUS_SUBSCRIPTION, { id: 'g' }],
  ['GatewayTopology', GATEWAY_TOPOLOGY_SUBSCRIPTION, { id: 'g' }],
];

describe("the Service Manager's GraphQL documents", () => {
  it.each(documents)('%s is valid against the API schema and within its cost limit', (_name, query, vars) => {
    const doc = parse(query);
    expect(validate(schema, doc).map((e) => e.message)).toEqual([]);
    const op = doc.definitions[0] as Parameters<typeof queryCost>[2];
    const { cost, exact } = queryCost(schema, doc, op, defaultGraphqlLimits, vars);
    expect(exact).toBe(true);
    expect(cost).toBeLessThanOrEqual(defaultGraphqlLimits.maxCost);
  });
});
