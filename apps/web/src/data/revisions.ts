import { gql, graphql, nodesOf, type Connection } from './graphql.js';
import type { Revision, RevisionDiff, RevisionPage } from './types.js';

// The Revisions page's reads over the API's typed GraphQL face: the header and the timeline in one query, a diff
// with both of its revisions in another (REST needed two and three requests).
const SUMMARY = 'version hash status error rollbackOf createdAt';

export const REVISIONS = gql<
  { gateway: { id: string; name: string; namespace: string }; revisions: Connection<Revision> },
  { id: string; first: number; after: string | null }
>(`query Revisions($id: ID!, $first: Int!, $after: String) {
  gateway(id: $id) { id name namespace }
  revisions(gatewayId: $id, first: $first, after: $after) {
    edges { node { ${SUMMARY} } } pageInfo { hasNextPage endCursor }
  }
}`);

export const REVISION_DIFF = gql<
  { revisionDiff: RevisionDiff; a: Revision; b: Revision },
  { id: string; from: number; to: number }
>(`query RevisionDiff($id: ID!, $from: Int!, $to: Int!) {
  revisionDiff(gatewayId: $id, from: $from, to: $to) { from to changes { typeUrl name change paths } }
  a: revision(gatewayId: $id, version: $from) { ${SUMMARY} resources }
  b: revision(gatewayId: $id, version: $to) { ${SUMMARY} resources }
}`);

export interface RevisionTimeline extends RevisionPage {
  gateway: { id: string; name: string; namespace: string };
}

/** A page of the timeline, newest first: `before` is a version (the page holds the older ones). */
export async function loadRevisions(
  gatewayId: string,
  first: number,
  before: number | null,
): Promise<RevisionTimeline> {
  const d = await graphql(REVISIONS, {
    id: gatewayId,
    first,
    after: before === null ? null : String(before),
  });
  const { hasNextPage, endCursor } = d.revisions.pageInfo;
  return {
    gateway: d.gateway,
    items: nodesOf(d.revisions),
    nextBefore: hasNextPage && endCursor ? Number(endCursor) : null,
  };
}

export async function loadDiff(
  gatewayId: string,
  from: number,
  to: number,
): Promise<{ diff: RevisionDiff; a: Revision; b: Revision }> {
  const d = await graphql(REVISION_DIFF, { id: gatewayId, from, to });
  return { diff: d.revisionDiff, a: d.a, b: d.b };
}
