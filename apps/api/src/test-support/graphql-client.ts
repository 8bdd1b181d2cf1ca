/**
 * Reads Relay connections in GraphQL answers the way the older list shapes read, so the suites keep their
 * assertions: `{ edges, pageInfo }` becomes `{ items }`, with `nextCursor` (the end cursor while there is a
 * next page) when `pageInfo.endCursor` was asked for; a connection queried without `pageInfo` becomes the
 * array of its nodes.
 */
export function flattenConnections(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenConnections);
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.edges) && Object.keys(o).every((k) => k === 'edges' || k === 'pageInfo')) {
    const nodes = (o.edges as Array<{ node: unknown }>).map((e) => flattenConnections(e.node));
    const page = o.pageInfo as { hasNextPage: boolean; endCursor?: string | null } | undefined;
    if (!page) return nodes;
    return {
      items: nodes,
      ...('endCursor' in page ? { nextCursor: page.hasNextPage ? page.endCursor : null } : {}),
    };
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, flattenConnections(v)]));
}
