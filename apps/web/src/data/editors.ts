import type { TraceAnswer } from '../domain/topology/trace.js';
import { gql, graphql } from './graphql.js';

/**
 * What the editors save and the trace form asks, over the typed GraphQL face (the twins of POST /gateways,
 * PUT /gateways/:id/listeners, POST /routes, PUT /routes/:id, POST/PUT /templates and POST /gateways/:id/trace).
 * Each variable is named after the argument it feeds (`$input`, `$listeners`, `$spec`), so a refused value's
 * field path is the form's own: `listeners[0].port`, `spec.rules[0].backendRefs[1].weight`, `replicas`. A
 * value the form holds as text (a port, a weight, a replica count that is not a number) goes as typed, so the
 * API names its field rather than the form guessing.
 */

export const CREATE_GATEWAY = gql<
  { createGateway: { gateway: { id: string }; created: boolean } },
  { input: Record<string, unknown> }
>(`mutation CreateGateway($input: CreateGatewayInput!) {
  createGateway(input: $input) { gateway { id } created }
}`);

export const UPDATE_GATEWAY_LISTENERS = gql<
  { updateGatewayListeners: { id: string } },
  { id: string; listeners: unknown[] }
>(`mutation UpdateGatewayListeners($id: ID!, $listeners: [ListenerInput!]!) {
  updateGatewayListeners(id: $id, listeners: $listeners) { id }
}`);

export const UPSERT_ROUTE = gql<
  { upsertRoute: { route: { id: string }; created: boolean } },
  { input: { kind: string; name: string; namespace: string; spec: Record<string, unknown> } }
>(`mutation UpsertRoute($input: UpsertRouteInput!) {
  upsertRoute(input: $input) { route { id } created }
}`);

export const UPDATE_ROUTE = gql<
  { updateRoute: { id: string } },
  { id: string; spec: Record<string, unknown> }
>(`mutation UpdateRoute($id: ID!, $spec: JSON!) { updateRoute(id: $id, spec: $spec) { id } }`);

export const CREATE_TEMPLATE = gql<{ createTemplate: { id: string } }, { input: Record<string, unknown> }>(
  `mutation CreateTemplate($input: CreateTemplateInput!) { createTemplate(input: $input) { id } }`,
);

export const UPDATE_TEMPLATE = gql<
  { updateTemplate: { id: string } },
  { id: string; input: Record<string, unknown> }
>(
  `mutation UpdateTemplate($id: ID!, $input: UpdateTemplateInput!) { updateTemplate(id: $id, input: $input) { id } }`,
);

/** The trace's whole answer: the form shows it beside the graph, the graph lights its path. */
export interface TraceResult extends TraceAnswer {
  revision: number;
  connection: string;
  refusal: string | null;
  serverName: string | null;
  filterChain: string | null;
  clientCertificate: string;
  httpFilters: string[];
  routeConfiguration: string | null;
}

export interface TraceInput {
  method: string;
  host: string;
  path: string;
  port: number;
  headers: Record<string, string | string[]>;
  serverName?: string;
}

/** A query, sent as a GET: tracing reads the served revision and changes nothing. */
export const TRACE_REQUEST = gql<{ traceRequest: TraceResult }, { gatewayId: string; input: TraceInput }>(
  `query TraceRequest($gatewayId: ID!, $input: TraceRequestInput!) {
  traceRequest(gatewayId: $gatewayId, input: $input) {
    revision port connection refusal serverName filterChain clientCertificate httpFilters routeConfiguration outcome
  }
}`,
);

/** A new gateway (its id), or an existing one's listeners replaced. */
export async function saveGateway(
  existing: string | null,
  body: Record<string, unknown> & { listeners?: unknown },
): Promise<{ id: string }> {
  if (existing) {
    const listeners = Array.isArray(body.listeners) ? (body.listeners as unknown[]) : [];
    return (await graphql(UPDATE_GATEWAY_LISTENERS, { id: existing, listeners })).updateGatewayListeners;
  }
  return (await graphql(CREATE_GATEWAY, { input: body })).createGateway.gateway;
}

/** A new route, or an existing one's spec replaced (its kind, name and namespace stay). */
export async function saveRoute(
  existing: string | null,
  draft: { kind: string; name: string; namespace: string; spec: Record<string, unknown> },
): Promise<{ id: string }> {
  if (existing) return (await graphql(UPDATE_ROUTE, { id: existing, spec: draft.spec })).updateRoute;
  return (await graphql(UPSERT_ROUTE, { input: draft })).upsertRoute.route;
}

/** A new template (`name` in the fields), or an existing one's fields changed. */
export async function saveTemplate(existing: string | null, fields: Record<string, unknown>) {
  if (existing) return (await graphql(UPDATE_TEMPLATE, { id: existing, input: fields })).updateTemplate;
  return (await graphql(CREATE_TEMPLATE, { input: fields })).createTemplate;
}

export const traceRequest = async (gatewayId: string, input: TraceInput): Promise<TraceResult> =>
  (await graphql(TRACE_REQUEST, { gatewayId, input })).traceRequest;
