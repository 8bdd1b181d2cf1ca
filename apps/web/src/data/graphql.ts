import { ApiError, callHeaders, safeJson, type ApiIssue } from './api.js';

/**
 * The Service Manager's reads over the API's typed GraphQL face: a document carries the TypeScript types of its
 * answer and its variables, so a page gets typed data without a code generator (the documents are few and sit in
 * the `data/` modules, each next to the types it selects). Errors keep the API's code, status, field issues and
 * request id, as the REST client's do. Same-origin, with the session cookie: queries as GETs, mutations as POSTs
 * with the CSRF token.
 */
export interface TypedDocument<Data, Variables> {
  readonly query: string;
  /** Phantom: never set; carries the types. */
  readonly types?: { data: Data; variables: Variables };
}

export function gql<Data, Variables = Record<string, never>>(query: string): TypedDocument<Data, Variables> {
  return { query };
}

export interface GraphqlError {
  message: string;
  extensions?: { code?: string; status?: number; requestId?: string; issues?: ApiIssue[] };
}

/**
 * The field issue a variable error names, when its answer carries none: graphql-js says where a variable's value
 * is wrong only in its message (`Variable "$input" got invalid value "x" at "input.listeners[0].port"; Int …`).
 * The Service Manager's documents name each variable after the argument it feeds, so `$input` (the body) names
 * its fields from inside it, as the REST face does, and any other variable (a spread body field: `$listeners`,
 * `$spec`; a path parameter: `$id`) names itself.
 */
export function variableIssue(message: string): ApiIssue | undefined {
  const at = /^Variable "\$(\w+)" got invalid value [\s\S]* at "([^"]+)"; ([\s\S]*)$/.exec(message);
  const whole = at
    ? undefined
    : /^Variable "\$(\w+)" (?:got invalid value [\s\S]*?; |of )([\s\S]*)$/.exec(message);
  if (!at && !whole) return undefined;
  const variable = (at ?? whole)![1]!;
  let path = at ? at[2]! : variable;
  let problem = at ? at[3]! : whole![2]!;
  // A field left out or unknown is reported at its object: the field is in the problem.
  const field = /^Field "([^"]+)" (?:of required type|is not defined by type)/.exec(problem)?.[1];
  if (field) path = `${path}.${field}`;
  if (variable === 'input') path = path === 'input' ? 'input' : path.replace(/^input\.?/, '');
  if (!at && !field) problem = message;
  return { path, message: problem };
}

/** The field issues of a refused document: each error's own, else the one its variable error names. */
export function fieldIssues(errors: GraphqlError[]): ApiIssue[] {
  return errors.flatMap((e) => {
    if (e.extensions?.issues?.length) return e.extensions.issues;
    const v = variableIssue(e.message);
    return v ? [v] : [];
  });
}

/** Whether a document's operation is a mutation (sent as a POST with the session's CSRF token). */
export const isMutation = (query: string): boolean => /^\s*mutation\b/.test(query);

/** The answer's data and its raw text (equal texts are an unchanged answer, compared without re-serialising). */
/** The URL of a query sent as a GET (what `graphqlWithText` asks for, and index.html's early requests). */
export function queryUrl<D, V>(doc: TypedDocument<D, V>, variables: V): string {
  const params = new URLSearchParams({ query: doc.query, variables: JSON.stringify(variables) });
  return `/graphql?${params.toString()}`;
}

/**
 * `answer`: a response already requested for this very query (index.html asks for a page's first data early).
 * `kept`: the last answer to the same query; when the new text equals its text, it is handed back as it is,
 * without parsing the text again (a live update reads pages that mostly did not change).
 */
export async function graphqlWithText<D, V>(
  doc: TypedDocument<D, V>,
  variables: V,
  answer?: Promise<Response>,
  kept?: { data: D; text: string },
): Promise<{ data: D; text: string }> {
  // A read is a GET: it needs no CSRF token (the API refuses mutations over GET), so a page's data can be asked
  // for beside the session request, before the token is known. A mutation is a POST carrying the token.
  const mutation = isMutation(doc.query);
  const res = await (answer ??
    fetch(mutation ? '/graphql' : queryUrl(doc, variables), {
      method: mutation ? 'POST' : 'GET',
      headers: callHeaders(mutation ? 'POST' : 'GET', mutation),
      credentials: 'same-origin',
      ...(mutation ? { body: JSON.stringify({ query: doc.query, variables }) } : {}),
    }));
  const text = await res.text();
  if (kept && res.ok && kept.text === text) return kept;
  const body = (text ? safeJson(text) : {}) as {
    data?: D | null;
    errors?: GraphqlError[];
    error?: string;
    message?: string;
  };
  const errors = body.errors ?? [];
  if (res.ok && errors.length === 0 && body.data) return { data: body.data, text };
  // A refused document (or a failed field) answers GraphQL errors; anything else (a proxy's page) its text.
  const first = errors[0];
  const x = first?.extensions ?? {};
  throw new ApiError(
    x.status ?? (res.ok ? 500 : res.status),
    x.code ?? body.error ?? 'Error',
    first?.message ?? body.message ?? `${mutation ? 'POST' : 'GET'} /graphql: HTTP ${res.status}`,
    fieldIssues(errors),
    x.requestId,
  );
}

export async function graphql<D, V>(doc: TypedDocument<D, V>, variables: V): Promise<D> {
  return (await graphqlWithText(doc, variables)).data;
}

/** A Relay connection, as the API's schema shapes every list. */
export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const nodesOf = <T>(c: Connection<T>): T[] => c.edges.map((e) => e.node);
