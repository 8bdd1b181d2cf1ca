import { gql, graphql, nodesOf, type Connection, type TypedDocument } from './graphql.js';
import { GATEWAY_FIELDS } from './topology.js';
import type { Gateway, Page, Revision, Route } from './types.js';

// The smaller pages' reads and mutations over the typed GraphQL face (docs/adr/0801-topology-subscription.md,
// "The smaller pages"): the overview's API keys, templates, address pools, clusters, the audit log, a rollback
// and the editors' reads. The editors' saves (gateways, routes, templates) stay on REST: their typed GraphQL
// inputs refuse a mistyped field (a port "abc") before the API's own validation, with no field path to show.

const PAGE = 'pageInfo { hasNextPage endCursor }';
/** The API's largest page of a whole list. */
const ALL = 500;

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface Template {
  id: string;
  accountId: string | null;
  name: string;
  description: string | null;
  poolName: string;
  envoyImage: string;
  replicas: number;
  allowSharing: boolean;
  dnsNameTemplate: string;
}

export interface AddressPool {
  id: string;
  accountId: string | null;
  name: string;
  family: string;
  spec: string;
  size: string;
  global: boolean;
  allocated: number;
}

export interface Cluster {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface AuditEvent {
  id: string;
  actor: string;
  action: string;
  objectKind: string;
  objectId: string | null;
  requestId: string | null;
  createdAt: string;
}

type Paged<K extends string, T> = { [k in K]: Connection<T> };
type PageVars = { first: number; after: string | null };

const list = <K extends string, T>(name: string, field: K, fields: string) =>
  gql<Paged<K, T>, PageVars>(`query ${name}($first: Int!, $after: String) {
  ${field}(first: $first, after: $after) { edges { node { ${fields} } } ${PAGE} }
}`);

export const API_KEYS = list<'apiKeys', ApiKey>(
  'ApiKeys',
  'apiKeys',
  'id name role prefix createdAt lastUsedAt revokedAt',
);
export const TEMPLATES = list<'templates', Template>(
  'Templates',
  'templates',
  'id accountId name description poolName envoyImage replicas allowSharing dnsNameTemplate',
);
export const ADDRESS_POOLS = list<'addressPools', AddressPool>(
  'AddressPools',
  'addressPools',
  'id accountId name family spec size global allocated',
);
export const CLUSTERS = list<'clusters', Cluster>('Clusters', 'clusters', 'id name description createdAt');
export const AUDIT_EVENTS = list<'auditEvents', AuditEvent>(
  'AuditEvents',
  'auditEvents',
  'id actor action objectKind objectId requestId createdAt',
);

/** Every page of a whole list, one after the other. */
async function all<K extends string, T>(doc: TypedDocument<Paged<K, T>, PageVars>, field: K): Promise<T[]> {
  const items: T[] = [];
  let after: string | null = null;
  for (;;) {
    const c: Connection<T> = (await graphql(doc, { first: ALL, after }))[field];
    items.push(...nodesOf(c));
    if (!c.pageInfo.hasNextPage || !c.pageInfo.endCursor) return items;
    after = c.pageInfo.endCursor;
  }
}

export const loadApiKeys = () => all(API_KEYS, 'apiKeys');
export const loadTemplates = () => all(TEMPLATES, 'templates');
export const loadAddressPools = () => all(ADDRESS_POOLS, 'addressPools');
export const loadClusters = () => all(CLUSTERS, 'clusters');

/** A page of the audit log, oldest first; `nextCursor` reads the page after it. */
export async function loadAuditEvents(first: number, after: string | null): Promise<Page<AuditEvent>> {
  const c = (await graphql(AUDIT_EVENTS, { first, after })).auditEvents;
  return { items: nodesOf(c), nextCursor: c.pageInfo.hasNextPage ? c.pageInfo.endCursor : null };
}

export const CREATE_API_KEY = gql<
  { createApiKey: ApiKey & { secret: string } },
  { input: { name: string; role: 'admin' | 'viewer' } }
>(`mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { id name role prefix createdAt lastUsedAt revokedAt secret }
}`);

export const REVOKE_API_KEY = gql<{ revokeApiKey: { id: string } }, { id: string }>(
  `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id } }`,
);

export const CREATE_ADDRESS_POOL = gql<
  { createAddressPool: { id: string } },
  { input: { name: string; spec: string } }
>(`mutation CreateAddressPool($input: CreateAddressPoolInput!) { createAddressPool(input: $input) { id } }`);

export const DELETE_ADDRESS_POOL = gql<{ deleteAddressPool: boolean }, { id: string }>(
  `mutation DeleteAddressPool($id: ID!) { deleteAddressPool(id: $id) }`,
);

export const ROLLBACK = gql<{ rollbackGateway: Revision }, { gatewayId: string; version: number }>(
  `mutation Rollback($gatewayId: ID!, $version: Int!) {
  rollbackGateway(gatewayId: $gatewayId, version: $version) { version hash status error rollbackOf createdAt }
}`,
);

export const createApiKey = async (name: string, role: 'admin' | 'viewer') =>
  (await graphql(CREATE_API_KEY, { input: { name, role } })).createApiKey;
export const revokeApiKey = async (id: string) => {
  await graphql(REVOKE_API_KEY, { id });
};
export const createAddressPool = async (name: string, spec: string) =>
  (await graphql(CREATE_ADDRESS_POOL, { input: { name, spec } })).createAddressPool;
export const deleteAddressPool = async (id: string) => {
  await graphql(DELETE_ADDRESS_POOL, { id });
};
export const rollback = async (gatewayId: string, version: number) =>
  (await graphql(ROLLBACK, { gatewayId, version })).rollbackGateway;

export const EDITED_GATEWAY = gql<{ gateway: Omit<Gateway, 'status'> }, { id: string }>(
  `query EditedGateway($id: ID!) { gateway(id: $id) { ${GATEWAY_FIELDS} } }`,
);
export const EDITED_ROUTE = gql<{ route: Omit<Route, 'status'> }, { id: string }>(
  `query EditedRoute($id: ID!) { route(id: $id) { id kind name namespace spec parents { gatewayId refIndex } } }`,
);

/** A gateway as its editors read it (listeners, template, names). */
export const loadGateway = async (id: string): Promise<Gateway> => ({
  ...(await graphql(EDITED_GATEWAY, { id })).gateway,
  status: null,
});
/** A route as its editor reads it (its spec as stored). */
export const loadRoute = async (id: string): Promise<Route> => ({
  ...(await graphql(EDITED_ROUTE, { id })).route,
  status: null,
});
