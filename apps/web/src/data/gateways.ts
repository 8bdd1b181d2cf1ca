import { gql, graphql, nodesOf, type Connection } from './graphql.js';
import type { Gateway, Page } from './types.js';

/** A gateway as the list shows it: name, address, DNS name, clusters, template and its conditions. */
export type GatewayRow = Pick<
  Gateway,
  'id' | 'name' | 'namespace' | 'address' | 'dnsName' | 'conditions' | 'clients' | 'template'
>;

export const GATEWAYS = gql<
  { gateways: Connection<GatewayRow> },
  { first: number; after: string | null; filter: { name?: string; condition?: string } }
>(`query Gateways($first: Int!, $after: String, $filter: GatewayFilter) {
  gateways(first: $first, after: $after, filter: $filter) {
    edges { node { id name namespace address dnsName conditions { type status reason message }
      clients { clusterId } template { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/** A page of the account's gateways over the typed GraphQL face; `nextCursor` is the page after it, if any. */
export async function loadGateways(
  filter: { name?: string; condition?: string },
  first: number,
  after: string | null,
): Promise<Page<GatewayRow>> {
  const d = await graphql(GATEWAYS, { first, after, filter });
  const { hasNextPage, endCursor } = d.gateways.pageInfo;
  return { items: nodesOf(d.gateways), nextCursor: hasNextPage ? endCursor : null };
}
