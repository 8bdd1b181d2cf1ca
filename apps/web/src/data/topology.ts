import type { ModelInput } from '../domain/topology/model.js';
import { gql, graphqlWithText, nodesOf, queryUrl, type Connection, type TypedDocument } from './graphql.js';
import { shareEqual } from './share.js';
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
  /** The answers it was read from, for the next load to reuse the unchanged ones. */
  answers?: TopologyAnswers;
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

/** A page's items as the loader keeps them: shared with the previous answer's (structural sharing). */
interface Read<D, S> {
  data: D;
  text: string;
  shared: S;
}

/** The answers of a load by request (document and variables): the next load reuses those whose text is equal. */
export type TopologyAnswers = Map<string, Read<unknown, unknown>>;

/**
 * The reads of one load. An answer whose text equals the previous load's answer to the same request is taken
 * as it was, parsed and shared already (a live update usually changes one page of many); any other is parsed
 * and shared with the previous load's items as soon as it arrives, while the other answers are still on the
 * way, rather than all of them after the last.
 */
function reader(previous: TopologyData | undefined) {
  const before = previous?.answers;
  const answers: TopologyAnswers = new Map();
  let reused = 0;
  const read = async <D, V, S>(
    doc: TypedDocument<D, V>,
    variables: V,
    share: (data: D) => S,
    answer?: Promise<Response>,
  ): Promise<Read<D, S>> => {
    const key = `${doc.query}\u0000${JSON.stringify(variables)}`;
    const kept = before?.get(key) as Read<D, S> | undefined;
    const r = await graphqlWithText(doc, variables, answer, kept);
    let entry: Read<D, S>;
    if (kept && r === kept) {
      reused++;
      entry = kept;
    } else entry = { data: r.data, text: r.text, shared: share(r.data) };
    answers.set(key, entry as Read<unknown, unknown>);
    return entry;
  };
  /** Every answer was the previous load's, and no request of it was left out. */
  const unchanged = () => before !== undefined && reused === answers.size && answers.size === before.size;
  return { read, answers, unchanged };
}

/** `next`'s items, each the previous item of its id where equal (`shareById` with the index built once). */
function sharer<T extends { id: string }>(prev: readonly T[] | undefined) {
  let byId: Map<string, T> | undefined;
  return (next: T[]): T[] => {
    if (!prev) return next;
    byId ??= new Map(prev.map((x) => [x.id, x]));
    return next.map((x) => shareEqual(byId!.get(x.id), x));
  };
}

/** The rest of a connection's pages, read one after the other (each page's cursor comes from the one before). */
async function rest<T>(
  first: { info: Connection<T>['pageInfo']; items: T[] },
  next: (after: string) => Promise<{ info: Connection<T>['pageInfo']; items: T[] }>,
  onPage?: (items: T[]) => void,
): Promise<T[]> {
  const items = first.items.slice();
  onPage?.(items.slice());
  let info = first.info;
  while (info.hasNextPage && info.endCursor) {
    const page = await next(info.endCursor);
    onPage?.(page.items);
    items.push(...page.items);
    info = page.info;
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

type Reader = ReturnType<typeof reader>['read'];
type SlicePage = { info: Connection<SliceAnswer>['pageInfo']; items: SliceAnswer[] };

async function readSlices(
  first: SlicePage,
  routes: RouteAnswer[],
  read: Reader,
  share: (items: SliceAnswer[]) => SliceAnswer[],
): Promise<SliceAnswer[]> {
  if (!first.info.hasNextPage) return first.items;
  const page = (d: { endpointSlices: Connection<SliceAnswer> }): SlicePage => ({
    info: d.endpointSlices.pageInfo,
    items: share(nodesOf(d.endpointSlices)),
  });
  const services = servicesOf(routes);
  // A few services in a large account: only their slices (in parallel) rather than every page of the account's.
  if (services.length <= PER_SERVICE_LIMIT) {
    const answers = await Promise.all(
      services.map(async (s) => {
        const [namespace, serviceName] = s.split('/') as [string, string];
        const filter = { namespace, serviceName };
        const r = await read(TOPOLOGY_SLICES, { first: SLICE_PAGE, filter }, page);
        return rest(
          r.shared,
          async (after) => (await read(TOPOLOGY_SLICES, { first: SLICE_PAGE, after, filter }, page)).shared,
        );
      }),
    );
    return answers.flat();
  }
  return rest(
    first,
    async (after) => (await read(TOPOLOGY_SLICES, { first: SLICE_PAGE, after }, page)).shared,
  );
}

/**
 * The gateway, its routes, its proxies (on which EPIC nodes) and the EndpointSlices of the services the routes
 * send to: the graph model's input. Two queries in parallel — the gateway with its proxies and first routes, and
 * the account's first page of slices — and only then the pages past them. With `previous`, every part equal to
 * the previous answer's keeps its object (structural sharing), so the graph redoes only what changed; an answer
 * whose text is the previous one's is not even parsed again.
 */
export async function loadTopology(gatewayId: string, previous?: TopologyData): Promise<TopologyData> {
  // A first load hands each part to the page's warmer as it arrives (a refresh has its parts built already).
  const warm = previous ? undefined : (part: TopologyPart) => schedule(gatewayId, part);
  const early = previous ? undefined : takeEarly(gatewayId);
  const { read, answers, unchanged } = reader(previous);
  const before = previous?.input;
  const shareRoutes = sharer(before?.routes as RouteAnswer[] | undefined);
  const shareSlices = sharer(before?.slices as SliceAnswer[] | undefined);
  const routePage = (d: { routes: Connection<RouteAnswer> }) => ({
    info: d.routes.pageInfo,
    items: shareRoutes(nodesOf(d.routes)),
  });
  const [top, firstSlices] = await Promise.all([
    read(
      TOPOLOGY,
      { id: gatewayId, routes: ROUTE_PAGE, proxies: PROXY_PAGE },
      (d) => ({
        gateway: shareEqual(previous?.gateway, { ...d.gateway, status: null } as Gateway),
        routes: routePage(d),
        proxies: { info: d.gatewayProxies.pageInfo, items: nodesOf(d.gatewayProxies) },
      }),
      early?.topology,
    ),
    read(
      TOPOLOGY_SLICES,
      { first: SLICE_PAGE },
      (d) => ({ info: d.endpointSlices.pageInfo, items: shareSlices(nodesOf(d.endpointSlices)) }),
      early?.slices,
    ).then((r) => {
      warm?.({ slices: r.shared.items });
      return r;
    }),
  ]);
  const [routes, proxies] = await Promise.all([
    rest(
      top.shared.routes,
      async (after) => {
        const asked = early?.routes?.[after];
        if (early && !asked) early.stop = true;
        return (await read(TOPOLOGY_ROUTES, { id: gatewayId, first: ROUTE_PAGE, after }, routePage, asked))
          .shared;
      },
      warm && ((items) => warm({ gateway: top.shared.gateway, routes: items })),
    ),
    rest(top.shared.proxies, async (after) => {
      const r = await read(TOPOLOGY_PROXIES, { id: gatewayId, first: PROXY_PAGE, after }, (d) => d);
      return { info: r.data.gatewayProxies.pageInfo, items: nodesOf(r.data.gatewayProxies) };
    }),
  ]);
  const slices = await readSlices(firstSlices.shared, routes, read, shareSlices);
  if (previous && unchanged()) return previous;
  // The answers' own texts, in request order: what identifies this answer's content.
  const digest = [...answers.values()].map((a) => a.text).join('\u0000');
  if (previous && previous.digest === digest) return previous;
  const gateway = top.shared.gateway;
  const input: ModelInput = {
    gateway,
    // Lists keep their identity when no item changed (each item is shared already).
    routes: sameItems(before?.routes, routes),
    slices: sameItems(before?.slices, slices),
    proxies: shareEqual(before?.proxies, proxies),
  };
  if (!previous) performance.mark('topology:loaded');
  return { gateway, input, digest, answers };
}

function sameItems<T>(prev: readonly T[] | undefined, next: T[]): T[] {
  return prev && prev.length === next.length && prev.every((x, i) => x === next[i]) ? (prev as T[]) : next;
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
