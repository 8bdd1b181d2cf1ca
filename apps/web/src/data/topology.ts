import type { ModelInput } from '../domain/topology/model.js';
import { gql, graphqlWithText, nodesOf, queryUrl, type Connection } from './graphql.js';
import { shareById, shareEqual } from './share.js';
import type { EndpointSlice, Gateway, GatewayProxy, Route } from './types.js';

// The topology's reads, over the API's typed GraphQL face (docs/adr/0800-topology-over-graphql-and-incremental-graph.md).
// Only what the graph, the side panel and the page's header draw is selected.
export const GATEWAY_FIELDS = `id name namespace address dnsName generation observedGeneration updatedAt
  listeners { name hostname port protocol } conditions { type status reason message }
  template { id name } clients { clusterId }`;
const ROUTE = `id kind name namespace spec parents { gatewayId refIndex }
  status { parents { gatewayId conditions { type status reason message } } }`;
const SLICE = `id clusterId namespace name serviceName nodeAddresses
  endpoints { addresses nodeName conditions { ready serving terminating } }`;
const PROXY = 'podName node ready xdsConnected ackedVersion updatedAt';
const PAGE = 'pageInfo { hasNextPage endCursor }';

/**
 * Routes per page: the API prices a query by the lists it may return (a route's status counts as 10 parents of
 * 10 conditions each), and 200 routes stay under its default limit of 100,000.
 */
export const ROUTE_PAGE = 200;
/** EndpointSlices per page: the API's largest page. */
export const SLICE_PAGE = 500;
const PROXY_PAGE = 100;

type GatewayAnswer = Omit<Gateway, 'status'>;
type RouteAnswer = Omit<Route, 'status'> & {
  status: { parents: { gatewayId: string; conditions: Gateway['conditions'] }[] | null };
};
type SliceAnswer = EndpointSlice;
type ProxyAnswer = GatewayProxy;

export const TOPOLOGY = gql<
  { gateway: GatewayAnswer; gatewayProxies: Connection<ProxyAnswer>; routes: Connection<RouteAnswer> },
  { id: string; routes: number; proxies: number }
>(`query Topology($id: ID!, $routes: Int!, $proxies: Int!) {
  gateway(id: $id) { ${GATEWAY_FIELDS} }
  gatewayProxies(gatewayId: $id, first: $proxies) { edges { node { ${PROXY} } } ${PAGE} }
  routes(first: $routes, filter: { gatewayId: $id }) { edges { node { ${ROUTE} } } ${PAGE} }
}`);

export const TOPOLOGY_ROUTES = gql<
  { routes: Connection<RouteAnswer> },
  { id: string; first: number; after: string }
>(`query TopologyRoutes($id: ID!, $first: Int!, $after: String) {
  routes(first: $first, after: $after, filter: { gatewayId: $id }) { edges { node { ${ROUTE} } } ${PAGE} }
}`);

export const TOPOLOGY_PROXIES = gql<
  { gatewayProxies: Connection<ProxyAnswer> },
  { id: string; first: number; after: string }
>(`query TopologyProxies($id: ID!, $first: Int!, $after: String) {
  gatewayProxies(gatewayId: $id, first: $first, after: $after) { edges { node { ${PROXY} } } ${PAGE} }
}`);

export const TOPOLOGY_SLICES = gql<
  { endpointSlices: Connection<SliceAnswer> },
  { first: number; after?: string | null; filter?: { namespace: string; serviceName: string } }
>(`query TopologySlices($first: Int!, $after: String, $filter: EndpointSliceFilter) {
  endpointSlices(first: $first, after: $after, filter: $filter) { edges { node { ${SLICE} } } ${PAGE} }
}`);

/** Up to this many backend services, the slices past the account's first page are read service by service. */
const PER_SERVICE_LIMIT = 20;

/** Stands for the gateway's id in the early request's URL (index.html puts the page's id in its place). */
export const GATEWAY_ID_SLOT = '__GATEWAY_ID__';

/**
 * The URLs of a first load's two first requests, for index.html's inline script (`vite.config.ts`): a gateway
 * page opened by URL asks for them while the HTML is parsed, before the entry script has even arrived.
 */
export function earlyTopologyUrls(): {
  topology: string;
  slices: string;
  routesQuery: string;
  routePage: number;
} {
  return {
    topology: queryUrl(TOPOLOGY, { id: GATEWAY_ID_SLOT, routes: ROUTE_PAGE, proxies: PROXY_PAGE }),
    slices: queryUrl(TOPOLOGY_SLICES, { first: SLICE_PAGE }),
    routesQuery: TOPOLOGY_ROUTES.query,
    routePage: ROUTE_PAGE,
  };
}

interface EarlyRequests {
  gatewayId: string;
  topology: Promise<Response>;
  slices: Promise<Response>;
  /** The route pages past the first, by the cursor they start after, as the script asked for them. */
  routes?: Record<string, Promise<Response>>;
  /** Set when the loader asked for a page itself: the script asks for no more. */
  stop?: boolean;
  /** Set once a load took the two first answers. */
  taken?: boolean;
}

/** The early requests for this gateway, once (a later load asks again). */
function takeEarly(gatewayId: string): EarlyRequests | undefined {
  const e = (globalThis as { __epicEarlyTopology?: EarlyRequests }).__epicEarlyTopology;
  if (!e || e.gatewayId !== gatewayId || e.taken) return undefined;
  e.taken = true;
  return e;
}

export interface TopologyData {
  gateway: Gateway;
  input: ModelInput;
  /** Identifies the answer's content: an unchanged poll leaves the graph (and its layout) alone. */
  digest: string;
}

/** A part of a first load's answer, as it arrives: the gateway (its listeners) with routes, or slices. */
export interface TopologyPart {
  gateway?: GatewayAnswer;
  routes?: RouteAnswer[];
  slices?: SliceAnswer[];
}
type Warmer = (gatewayId: string, part: TopologyPart) => void;
let warmer: Warmer | null = null;
/** Parts that arrived before the gateway page's code did (it registers its warmer when it loads). */
let arrived: { gatewayId: string; parts: TopologyPart[] } | null = null;

/**
 * The gateway page builds its graph's parts from each part of a first load while the rest is still on the way
 * (`topologyPipeline().warm`), so that the answer's arrival leaves less to do. Parts that came before are handed
 * over at once. Work is done in small tasks, so that the next page's request and answers are not held up.
 */
export function setTopologyWarmer(w: Warmer): void {
  warmer = w;
  const early = arrived;
  arrived = null;
  for (const p of early?.parts ?? []) schedule(early!.gatewayId, p);
}

const WARM_BATCH = 50;

function schedule(gatewayId: string, part: TopologyPart): void {
  const w = warmer;
  if (!w) {
    if (arrived?.gatewayId !== gatewayId) arrived = { gatewayId, parts: [] };
    arrived.parts.push(part);
    return;
  }
  const batches: TopologyPart[] = [];
  for (let i = 0; i < (part.slices?.length ?? 0); i += WARM_BATCH)
    batches.push({ slices: part.slices!.slice(i, i + WARM_BATCH) });
  for (let i = 0; i < (part.routes?.length ?? 0); i += WARM_BATCH)
    batches.push({ gateway: part.gateway, routes: part.routes!.slice(i, i + WARM_BATCH) });
  const step = () => {
    const b = batches.shift();
    if (!b) return;
    w(gatewayId, b);
    performance.mark('topology:warmed');
    if (batches.length) setTimeout(step, 0);
  };
  setTimeout(step, 0);
}

/** The rest of a connection's pages, read one after the other (each page's cursor comes from the one before). */
async function rest<T>(
  first: Connection<T>,
  texts: string[],
  next: (after: string) => Promise<{ page: Connection<T>; text: string }>,
  onPage?: (items: T[]) => void,
): Promise<T[]> {
  const items = nodesOf(first);
  onPage?.(items.slice());
  let info = first.pageInfo;
  while (info.hasNextPage && info.endCursor) {
    const { page, text } = await next(info.endCursor);
    texts.push(text);
    const more = nodesOf(page);
    onPage?.(more);
    items.push(...more);
    info = page.pageInfo;
  }
  return items;
}

function servicesOf(routes: RouteAnswer[]): string[] {
  const services = new Set<string>();
  for (const r of routes)
    for (const rule of (r.spec.rules as { backendRefs?: { name?: string; namespace?: string }[] }[]) ?? [])
      for (const b of rule.backendRefs ?? [])
        if (b.name) services.add(`${b.namespace ?? r.namespace}/${b.name}`);
  return [...services].sort();
}

async function readSlices(
  first: Connection<SliceAnswer>,
  routes: RouteAnswer[],
  texts: string[],
): Promise<SliceAnswer[]> {
  if (!first.pageInfo.hasNextPage) return nodesOf(first);
  const services = servicesOf(routes);
  // A few services in a large account: only their slices (in parallel) rather than every page of the account's.
  if (services.length <= PER_SERVICE_LIMIT) {
    const answers = await Promise.all(
      services.map(async (s) => {
        const [namespace, serviceName] = s.split('/') as [string, string];
        const mine: string[] = [];
        const { data, text } = await graphqlWithText(TOPOLOGY_SLICES, {
          first: SLICE_PAGE,
          filter: { namespace, serviceName },
        });
        mine.push(text);
        const items = await rest(data.endpointSlices, mine, async (after) => {
          const r = await graphqlWithText(TOPOLOGY_SLICES, {
            first: SLICE_PAGE,
            after,
            filter: { namespace, serviceName },
          });
          return { page: r.data.endpointSlices, text: r.text };
        });
        return { items, mine };
      }),
    );
    for (const a of answers) texts.push(...a.mine);
    return answers.flatMap((a) => a.items);
  }
  return rest(first, texts, async (after) => {
    const r = await graphqlWithText(TOPOLOGY_SLICES, { first: SLICE_PAGE, after });
    return { page: r.data.endpointSlices, text: r.text };
  });
}

/**
 * The gateway, its routes, its proxies (on which EPIC nodes) and the EndpointSlices of the services the routes
 * send to: the graph model's input. Two queries in parallel — the gateway with its proxies and first routes, and
 * the account's first page of slices — and only then the pages past them. With `previous`, every part equal to
 * the previous answer's keeps its object (structural sharing), so the graph redoes only what changed.
 */
export async function loadTopology(gatewayId: string, previous?: TopologyData): Promise<TopologyData> {
  const routeTexts: string[] = [];
  const sliceTexts: string[] = [];
  const proxyTexts: string[] = [];
  // A first load hands each part to the page's warmer as it arrives (a refresh has its parts built already).
  const warm = previous ? undefined : (part: TopologyPart) => schedule(gatewayId, part);
  const early = previous ? undefined : takeEarly(gatewayId);
  const [top, firstSlices] = await Promise.all([
    graphqlWithText(TOPOLOGY, { id: gatewayId, routes: ROUTE_PAGE, proxies: PROXY_PAGE }, early?.topology),
    graphqlWithText(TOPOLOGY_SLICES, { first: SLICE_PAGE }, early?.slices).then((r) => {
      warm?.({ slices: nodesOf(r.data.endpointSlices) });
      return r;
    }),
  ]);
  const [routes, proxies] = await Promise.all([
    rest(
      top.data.routes,
      routeTexts,
      async (after) => {
        const asked = early?.routes?.[after];
        if (early && !asked) early.stop = true;
        const r = await graphqlWithText(TOPOLOGY_ROUTES, { id: gatewayId, first: ROUTE_PAGE, after }, asked);
        return { page: r.data.routes, text: r.text };
      },
      warm && ((items) => warm({ gateway: top.data.gateway, routes: items })),
    ),
    rest(top.data.gatewayProxies, proxyTexts, async (after) => {
      const r = await graphqlWithText(TOPOLOGY_PROXIES, { id: gatewayId, first: PROXY_PAGE, after });
      return { page: r.data.gatewayProxies, text: r.text };
    }),
  ]);
  const slices = await readSlices(firstSlices.data.endpointSlices, routes, sliceTexts);
  // The answers' own texts, in request order: equal texts are an unchanged topology (a poll of a large gateway
  // would otherwise serialise megabytes again only to compare them).
  const digest = [top.text, ...routeTexts, ...proxyTexts, firstSlices.text, ...sliceTexts].join('\u0000');
  if (previous && previous.digest === digest) return previous;
  const before = previous?.input;
  const gateway = shareEqual(previous?.gateway, { ...top.data.gateway, status: null } as Gateway);
  const input: ModelInput = {
    gateway,
    routes: shareById(before?.routes as RouteAnswer[] | undefined, routes),
    slices: shareById(before?.slices as SliceAnswer[] | undefined, slices),
    proxies: shareEqual(before?.proxies, proxies),
  };
  if (!previous) performance.mark('topology:loaded');
  return { gateway, input, digest };
}

/**
 * A gateway's page opened by URL: its topology is requested at start-up, beside the session and the page's
 * chunk, and the page's first load takes that answer (once) instead of asking again.
 */
let early: { gatewayId: string; answer: Promise<TopologyData> } | null = null;

export function prefetchTopology(gatewayId: string): void {
  const answer = loadTopology(gatewayId);
  answer.catch(() => undefined);
  early = { gatewayId, answer };
}

export function loadTopologyOnce(gatewayId: string): Promise<TopologyData> {
  const e = early;
  early = null;
  return e && e.gatewayId === gatewayId ? e.answer : loadTopology(gatewayId);
}
