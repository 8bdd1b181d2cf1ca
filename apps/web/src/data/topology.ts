import type { ModelInput } from '../domain/topology/model.js';
import { api } from './api.js';
import type { EndpointSlice, Gateway, GatewayProxy, Page, Route } from './types.js';

/** Every page of a cursor-paginated list (the API caps a page at 500); the pages' raw texts go to `texts`. */
async function all<T>(path: string, texts: string[]): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const { data: page, text }: { data: Page<T>; text: string } = await api.getWithText<Page<T>>(
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    texts.push(text);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Up to this many backend services, their EndpointSlices are read service by service. */
const PER_SERVICE_LIMIT = 20;

export interface TopologyData {
  gateway: Gateway;
  input: ModelInput;
  /** Identifies the answer's content: an unchanged poll leaves the graph (and its layout) alone. */
  digest: string;
}

/**
 * The gateway, its routes, its proxies (on which EPIC nodes) and the EndpointSlices of the services the routes
 * send to: the graph model's input.
 */
export async function loadTopology(gatewayId: string): Promise<TopologyData> {
  const routeTexts: string[] = [];
  const sliceTexts: string[][] = [];
  const [{ data: gateway, text: gatewayText }, routes, { data: proxies, text: proxyText }] =
    await Promise.all([
      api.getWithText<Gateway>(`/gateways/${gatewayId}`),
      all<Route>(`/routes?gatewayId=${gatewayId}`, routeTexts),
      api.getWithText<{ items: GatewayProxy[] }>(`/gateways/${gatewayId}/proxies`),
    ]);
  const services = new Set<string>();
  for (const r of routes)
    for (const rule of (r.spec.rules as { backendRefs?: { name?: string; namespace?: string }[] }[]) ?? [])
      for (const b of rule.backendRefs ?? [])
        if (b.name) services.add(`${b.namespace ?? r.namespace}/${b.name}`);
  // A few services: their own slices. Many: every slice of the account in pages of 500 (the model keeps the
  // ones the routes send to) — one request per service would be hundreds of requests per refresh.
  const slices =
    services.size <= PER_SERVICE_LIMIT
      ? (
          await Promise.all(
            [...services].sort().map((s, i) => {
              const [namespace, serviceName] = s.split('/') as [string, string];
              return all<EndpointSlice>(
                `/endpoint-slices?namespace=${namespace}&serviceName=${serviceName}`,
                (sliceTexts[i] = []),
              );
            }),
          )
        ).flat()
      : await all<EndpointSlice>('/endpoint-slices', (sliceTexts[0] = []));
  const input: ModelInput = { gateway, routes, slices, proxies: proxies.items };
  // The answers' own texts, in request order: equal texts are an unchanged topology (a poll of a large gateway
  // would otherwise serialise megabytes again only to compare them).
  const digest = [gatewayText, ...routeTexts, proxyText, ...sliceTexts.flat()].join('\u0000');
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
