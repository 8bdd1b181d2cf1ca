import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius, { type IResolvers } from 'mercurius';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { AppError, isAppError } from '../lib/errors.js';
import { fromDatabaseError, fromFrameworkError } from '../lib/http-errors.js';
import type { CallMeta } from '../modules/common.js';
import type { Services } from '../services.js';
import type { Db } from '../db/client.js';
import { defaultGraphqlLimits, installGraphqlLimits, type GraphqlLimits } from './graphql-limits.js';
import { subscriptionGuardOf, type GuardContext } from './subscription-auth.js';

/**
 * GraphQL face of the service layer: the same operations as REST, with structured inputs validated by
 * the same schemas (errors carry `extensions.code`, `extensions.issues` with field paths) and a
 * subscription for gateway status changes.
 */
export const typeDefs = /* GraphQL */ `
  scalar JSON
  scalar DateTime

  type Principal {
    accountId: ID!
    accountName: String!
    role: String!
    system: Boolean!
    actor: String!
  }
  type Account {
    id: ID!
    name: String!
    displayName: String!
    system: Boolean!
    gatewayQuota: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type ApiKey {
    id: ID!
    name: String!
    role: String!
    prefix: String!
    createdAt: DateTime!
    lastUsedAt: DateTime
    revokedAt: DateTime
    secret: String
  }
  type AccountWithKey {
    account: Account!
    apiKey: ApiKey!
  }
  type User {
    id: ID!
    login: String!
    displayName: String
  }
  type Membership {
    id: ID!
    role: String!
    createdAt: DateTime!
    user: User!
  }
  type Cluster {
    id: ID!
    name: String!
    description: String
    createdAt: DateTime!
  }
  type AddressPool {
    id: ID!
    name: String!
    family: String!
    spec: String!
    firstAddress: String!
    lastAddress: String!
    size: String!
    aggregation: Int!
    global: Boolean!
    allocated: Int!
    skipNetworkAndBroadcast: Boolean!
    createdAt: DateTime!
  }
  type Template {
    id: ID!
    name: String!
    description: String
    poolName: String!
    envoyImage: String!
    replicas: Int!
    allowSharing: Boolean!
    dnsNameTemplate: String!
    envoyFragments: JSON
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type TemplateRef {
    id: ID!
    name: String!
  }
  type GatewayClient {
    clusterId: ID
    namespace: String!
    name: String!
    clientUid: String!
  }
  type Condition {
    type: String!
    status: String!
    reason: String!
    message: String!
    observedGeneration: Int!
    lastTransitionTime: String!
  }
  type Gateway {
    id: ID!
    name: String!
    namespace: String!
    sharingKey: String
    listeners: JSON!
    address: String
    poolId: ID
    dnsName: String
    conditions: [Condition!]!
    status: JSON
    generation: Int!
    observedGeneration: Int!
    template: TemplateRef!
    clients: [GatewayClient!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type GatewayPage {
    items: [Gateway!]!
    nextCursor: String
  }
  type GatewayResult {
    gateway: Gateway!
    created: Boolean!
  }
  type RouteParent {
    gatewayId: ID!
    refIndex: Int!
  }
  type Route {
    id: ID!
    kind: String!
    name: String!
    namespace: String!
    clusterId: ID
    clientUid: String!
    spec: JSON!
    generation: Int!
    status: JSON
    parents: [RouteParent!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type RoutePage {
    items: [Route!]!
    nextCursor: String
  }
  type RouteResult {
    route: Route!
    created: Boolean!
  }
  type EndpointSlice {
    id: ID!
    clusterId: ID
    clientUid: String!
    namespace: String!
    name: String!
    serviceName: String!
    addressType: String!
    static: Boolean!
    ports: JSON!
    endpoints: JSON!
    nodeAddresses: JSON!
    generation: Int!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type EndpointSlicePage {
    items: [EndpointSlice!]!
    nextCursor: String
  }
  type EndpointSliceResult {
    endpointSlice: EndpointSlice!
    created: Boolean!
  }
  type ServiceObject {
    id: ID!
    clusterId: ID
    clientUid: String!
    namespace: String!
    name: String!
    ports: JSON!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type ServicePage {
    items: [ServiceObject!]!
    nextCursor: String
  }
  type ServiceResult {
    item: ServiceObject!
    created: Boolean!
  }
  type ReferenceGrant {
    id: ID!
    clusterId: ID
    clientUid: String!
    namespace: String!
    name: String!
    spec: JSON!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type ReferenceGrantPage {
    items: [ReferenceGrant!]!
    nextCursor: String
  }
  type ReferenceGrantResult {
    item: ReferenceGrant!
    created: Boolean!
  }
  type Certificate {
    id: ID!
    namespace: String!
    name: String!
    certificate: String!
    subject: String!
    subjectAltName: String
    validFrom: String!
    validTo: String!
    fingerprint256: String!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type CertificateResult {
    item: Certificate!
    created: Boolean!
  }
  type Revision {
    version: Int!
    hash: String!
    status: String!
    error: String
    rollbackOf: Int
    createdAt: DateTime!
    resources: JSON
  }
  type RevisionPage {
    items: [Revision!]!
    nextBefore: Int
  }
  type RevisionChange {
    typeUrl: String!
    name: String!
    change: String!
    paths: [String!]
  }
  type RevisionDiff {
    from: Int!
    to: Int!
    changes: [RevisionChange!]!
  }
  type Trace {
    revision: Int!
    port: Int!
    routeConfiguration: String
    outcome: JSON!
  }
  type AuditEvent {
    id: ID!
    actor: String!
    action: String!
    objectKind: String!
    objectId: String
    requestId: String
    data: JSON
    createdAt: DateTime!
  }
  type AuditPage {
    items: [AuditEvent!]!
    nextCursor: String
  }

  input GatewayFilter {
    name: String
    namespace: String
    template: String
    clusterId: ID
    condition: String
  }
  input RouteFilter {
    kind: String
    namespace: String
    gatewayId: ID
  }
  input EndpointSliceFilter {
    namespace: String
    serviceName: String
    clusterId: ID
    static: Boolean
  }

  type Query {
    whoami: Principal!
    accounts: [Account!]!
    account(id: ID!): Account!
    memberships(accountId: ID!): [Membership!]!
    apiKeys: [ApiKey!]!
    clusters: [Cluster!]!
    cluster(id: ID!): Cluster!
    addressPools: [AddressPool!]!
    addressPool(id: ID!): AddressPool!
    templates: [Template!]!
    template(id: ID!): Template!
    gateways(first: Int, after: String, filter: GatewayFilter): GatewayPage!
    gateway(id: ID!): Gateway!
    routes(first: Int, after: String, filter: RouteFilter): RoutePage!
    route(id: ID!): Route!
    endpointSlices(first: Int, after: String, filter: EndpointSliceFilter): EndpointSlicePage!
    endpointSlice(id: ID!): EndpointSlice!
    auditEvents(first: Int, after: String, action: String): AuditPage!
    services(first: Int, after: String, namespace: String, clusterId: ID): ServicePage!
    service(id: ID!): ServiceObject!
    referenceGrants(first: Int, after: String, namespace: String, clusterId: ID): ReferenceGrantPage!
    referenceGrant(id: ID!): ReferenceGrant!
    certificates: [Certificate!]!
    revisions(gatewayId: ID!, first: Int, before: Int): RevisionPage!
    revision(gatewayId: ID!, version: Int!): Revision!
    revisionDiff(gatewayId: ID!, from: Int!, to: Int!): RevisionDiff!
    traceRequest(gatewayId: ID!, input: JSON!): Trace!
    gatewayBootstrap(gatewayId: ID!): JSON!
    certificate(id: ID!): Certificate!
  }

  type XdsToken {
    nodeId: String!
    proxylessNodeId: String!
    token: String!
    generation: Int!
    expiresAt: DateTime!
  }
  type XdsTokenRevocation {
    gatewayId: ID!
    generation: Int!
  }

  type Mutation {
    createAccount(input: JSON!): AccountWithKey!
    updateAccount(id: ID!, input: JSON!): Account!
    addMembership(accountId: ID!, input: JSON!): Membership!
    removeMembership(accountId: ID!, membershipId: ID!): Boolean!
    createApiKey(input: JSON!): ApiKey!
    revokeApiKey(id: ID!): ApiKey!
    createCluster(input: JSON!): Cluster!
    deleteCluster(id: ID!): Boolean!
    createAddressPool(input: JSON!): AddressPool!
    deleteAddressPool(id: ID!): Boolean!
    createTemplate(input: JSON!): Template!
    updateTemplate(id: ID!, input: JSON!): Template!
    deleteTemplate(id: ID!): Boolean!
    createGateway(input: JSON!): GatewayResult!
    updateGatewayListeners(id: ID!, listeners: JSON!): Gateway!
    deleteGateway(id: ID!): Boolean!
    upsertRoute(input: JSON!): RouteResult!
    updateRoute(id: ID!, spec: JSON!): Route!
    deleteRoute(id: ID!): Boolean!
    upsertEndpointSlice(input: JSON!): EndpointSliceResult!
    deleteEndpointSlice(id: ID!): Boolean!
    setStaticEndpoints(namespace: String!, service: String!, input: JSON!): EndpointSlice!
    deleteStaticEndpoints(namespace: String!, service: String!): Boolean!
    upsertService(input: JSON!): ServiceResult!
    deleteService(id: ID!): Boolean!
    upsertReferenceGrant(input: JSON!): ReferenceGrantResult!
    deleteReferenceGrant(id: ID!): Boolean!
    upsertCertificate(input: JSON!): CertificateResult!
    deleteCertificate(id: ID!): Boolean!
    rollbackGateway(gatewayId: ID!, version: Int!): Revision!
    issueXdsToken(gatewayId: ID!, ttlSeconds: Int): XdsToken!
    revokeXdsTokens(gatewayId: ID!): XdsTokenRevocation!
  }

  type Subscription {
    gatewayStatusChanged(gatewayId: ID!): Gateway!
  }
`;

function literal(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      return undefined;
  }
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literal,
});
const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v.toISOString() : v),
  parseValue: (v) => new Date(String(v)),
});

interface Ctx {
  principal?: Principal;
  requestId: string;
}

function meta(ctx: Ctx): CallMeta {
  if (!ctx.principal)
    throw new AppError('Unauthorized', 'missing or invalid API key: send Authorization: Bearer <key>');
  return { principal: ctx.principal, requestId: ctx.requestId };
}

const clean = (o: Record<string, unknown> | undefined | null) =>
  Object.fromEntries(
    Object.entries(o ?? {})
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v]),
  );

const page = (args: { first?: number | null; after?: string | null }) =>
  clean({ limit: args.first, cursor: args.after });

export function resolvers(s: Services): IResolvers {
  type A = Record<string, never> & Record<string, unknown>;
  const q = (fn: (m: CallMeta, a: A) => unknown) => (_: unknown, a: A, ctx: Ctx) => fn(meta(ctx), a);
  const done = (fn: (m: CallMeta, a: A) => Promise<unknown>) => async (_: unknown, a: A, ctx: Ctx) => {
    await fn(meta(ctx), a);
    return true;
  };
  const str = (v: unknown) => v as string;
  return {
    JSON: JSONScalar,
    DateTime: DateTimeScalar,
    Query: {
      whoami: q((m) => m.principal),
      accounts: q((m) => s.accounts.list(m)),
      account: q((m, a) => s.accounts.get(m, str(a.id))),
      memberships: q((m, a) => s.accounts.listMemberships(m, str(a.accountId))),
      apiKeys: q((m) => s.apiKeys.list(m)),
      clusters: q((m) => s.clusters.list(m)),
      cluster: q((m, a) => s.clusters.get(m, str(a.id))),
      addressPools: q((m) => s.pools.list(m)),
      addressPool: q((m, a) => s.pools.get(m, str(a.id))),
      templates: q((m) => s.templates.list(m)),
      template: q((m, a) => s.templates.get(m, str(a.id))),
      gateways: q((m, a) =>
        s.gateways.list(m, { ...page(a), ...clean(a.filter as unknown as Record<string, unknown>) }),
      ),
      gateway: q((m, a) => s.gateways.get(m, str(a.id))),
      routes: q((m, a) =>
        s.routes.list(m, { ...page(a), ...clean(a.filter as unknown as Record<string, unknown>) }),
      ),
      route: q((m, a) => s.routes.get(m, str(a.id))),
      endpointSlices: q((m, a) =>
        s.endpoints.list(m, { ...page(a), ...clean(a.filter as unknown as Record<string, unknown>) }),
      ),
      endpointSlice: q((m, a) => s.endpoints.get(m, str(a.id))),
      auditEvents: q((m, a) => s.audit.list(m, { ...page(a), ...clean({ action: a.action }) })),
      services: q((m, a) =>
        s.services.list(m, { ...page(a), ...clean({ namespace: a.namespace, clusterId: a.clusterId }) }),
      ),
      service: q((m, a) => s.services.get(m, str(a.id))),
      referenceGrants: q((m, a) =>
        s.referenceGrants.list(m, {
          ...page(a),
          ...clean({ namespace: a.namespace, clusterId: a.clusterId }),
        }),
      ),
      referenceGrant: q((m, a) => s.referenceGrants.get(m, str(a.id))),
      certificates: q((m) => s.certificates.list(m)),
      revisions: q((m, a) =>
        s.revisions.list(m, str(a.gatewayId), clean({ limit: a.first, before: a.before })),
      ),
      revision: q((m, a) => s.revisions.get(m, str(a.gatewayId), a.version)),
      revisionDiff: q((m, a) => s.revisions.diff(m, str(a.gatewayId), { from: a.from, to: a.to })),
      traceRequest: q((m, a) => s.revisions.trace(m, str(a.gatewayId), a.input)),
      gatewayBootstrap: q((m, a) => s.bootstrap.get(m, str(a.gatewayId))),
      certificate: q((m, a) => s.certificates.get(m, str(a.id))),
    },
    Mutation: {
      createAccount: q((m, a) => s.accounts.create(m, a.input)),
      updateAccount: q((m, a) => s.accounts.update(m, str(a.id), a.input)),
      addMembership: q((m, a) => s.accounts.addMembership(m, str(a.accountId), a.input)),
      removeMembership: done((m, a) => s.accounts.removeMembership(m, str(a.accountId), str(a.membershipId))),
      createApiKey: q((m, a) => s.apiKeys.create(m, a.input)),
      revokeApiKey: q((m, a) => s.apiKeys.revoke(m, str(a.id))),
      createCluster: q((m, a) => s.clusters.create(m, a.input)),
      deleteCluster: done((m, a) => s.clusters.remove(m, str(a.id))),
      createAddressPool: q((m, a) => s.pools.create(m, a.input)),
      deleteAddressPool: done((m, a) => s.pools.remove(m, str(a.id))),
      createTemplate: q((m, a) => s.templates.create(m, a.input)),
      updateTemplate: q((m, a) => s.templates.update(m, str(a.id), a.input)),
      deleteTemplate: done((m, a) => s.templates.remove(m, str(a.id))),
      createGateway: q((m, a) => s.gateways.create(m, a.input)),
      updateGatewayListeners: q((m, a) =>
        s.gateways.updateListeners(m, str(a.id), { listeners: a.listeners }),
      ),
      deleteGateway: done((m, a) => s.gateways.remove(m, str(a.id))),
      upsertRoute: q((m, a) => s.routes.upsert(m, a.input)),
      updateRoute: q((m, a) => s.routes.update(m, str(a.id), { spec: a.spec })),
      deleteRoute: done((m, a) => s.routes.remove(m, str(a.id))),
      upsertEndpointSlice: q((m, a) => s.endpoints.upsert(m, a.input)),
      deleteEndpointSlice: done((m, a) => s.endpoints.remove(m, str(a.id))),
      setStaticEndpoints: q((m, a) => s.endpoints.setStatic(m, str(a.namespace), str(a.service), a.input)),
      deleteStaticEndpoints: done((m, a) => s.endpoints.removeStatic(m, str(a.namespace), str(a.service))),
      upsertService: q((m, a) => s.services.upsert(m, a.input)),
      deleteService: done((m, a) => s.services.remove(m, str(a.id))),
      upsertReferenceGrant: q((m, a) => s.referenceGrants.upsert(m, a.input)),
      deleteReferenceGrant: done((m, a) => s.referenceGrants.remove(m, str(a.id))),
      upsertCertificate: q((m, a) => s.certificates.upsert(m, a.input)),
      deleteCertificate: done((m, a) => s.certificates.remove(m, str(a.id))),
      rollbackGateway: q((m, a) => s.revisions.rollback(m, str(a.gatewayId), a.version)),
      issueXdsToken: q((m, a) =>
        s.bootstrap.issueToken(m, str(a.gatewayId), clean({ ttlSeconds: a.ttlSeconds })),
      ),
      revokeXdsTokens: q((m, a) => s.bootstrap.revokeTokens(m, str(a.gatewayId), {})),
    },
    Subscription: {
      gatewayStatusChanged: {
        // Authorised when subscribing and again before every event (the key may have been revoked since).
        subscribe: async (
          _: unknown,
          a: A,
          ctx: Ctx & GuardContext & { pubsub: { subscribe(topic: string): Promise<AsyncIterator<unknown>> } },
        ) => {
          const authorise = () => s.gateways.get(meta(ctx), str(a.gatewayId));
          await authorise();
          const events = await ctx.pubsub.subscribe(`gateway-status:${str(a.gatewayId)}`);
          return ctx.subscriptionGuard ? ctx.subscriptionGuard.guard(ctx, events, authorise) : events;
        },
        resolve: (payload: { gateway: unknown }) => payload.gateway,
      },
    },
  } as unknown as IResolvers;
}

/**
 * Maps AppErrors, malformed documents and transport errors to GraphQL errors with `extensions.code`; internals
 * never leak. Duck-typed on purpose: mercurius and our code may hold different copies of `graphql`.
 */
export function toGraphQLErrors(err: unknown, requestId: string, bodyLimit: number): GraphQLError[] {
  const e = err as {
    name?: string;
    message?: string;
    originalError?: unknown;
    errors?: unknown[];
    path?: unknown;
  };
  const original = (e.originalError ?? err) as {
    errors?: unknown[];
    statusCode?: number;
    code?: string;
    message: string;
  };
  const out = (message: string, code: string, status: number, issues: unknown[] = []) =>
    new GraphQLError(message, {
      extensions: { code, status, requestId, ...(issues.length ? { issues } : {}) },
    });
  if (isAppError(original)) return [out(original.message, original.code, original.status, original.issues)];
  const unavailable = fromDatabaseError(original);
  if (unavailable) return [out(unavailable.message, unavailable.code, unavailable.status)];
  // Transport-level refusals keep their own status (405 for a mutation over GET, 413, 415).
  if (original.statusCode && [405, 413, 415].includes(original.statusCode)) {
    const t = fromFrameworkError(original, bodyLimit)!;
    return [out(t.message, t.code, t.status)];
  }
  // A document mercurius refused (syntax, unknown fields, variable types): one error per problem.
  // A refusal by a GraphQL limit keeps the code that names the limit.
  if (Array.isArray(original.errors) && original.errors.length > 0) {
    return original.errors.map((x) => {
      const code = (x as { extensions?: { code?: unknown } }).extensions?.code;
      return out((x as { message: string }).message, typeof code === 'string' ? code : 'Validation', 400);
    });
  }
  const framework =
    e.originalError !== undefined || e.name !== 'GraphQLError'
      ? fromFrameworkError(original, bodyLimit)
      : undefined;
  if (framework) return [out(framework.message, framework.code, framework.status)];
  if (e.name === 'GraphQLError' && e.originalError === undefined)
    return [out(e.message ?? 'invalid document', 'Validation', 400)];
  return [out('internal error', 'Internal', 500)];
}

export async function registerGraphql(
  app: FastifyInstance,
  services: Services,
  authenticate: (authorization: string | undefined) => Promise<Principal | undefined>,
  bodyLimit: number,
  opts: { db?: Db; limits?: Partial<GraphqlLimits> } = {},
): Promise<void> {
  const limits = installGraphqlLimits(app, { ...defaultGraphqlLimits, ...opts.limits });
  const guard = opts.db ? subscriptionGuardOf(app, opts.db) : undefined;
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: resolvers(services),
    path: '/graphql',
    graphiql: false,
    jit: 1,
    validationRules: limits.validationRules,
    allowBatchedQueries: limits.allowBatchedQueries,
    graphql: limits.graphql,
    context: (req: FastifyRequest) => ({ principal: req.principal, requestId: req.id }),
    subscription: {
      context: async (socket: GuardContext['socket'], req: FastifyRequest) => ({
        requestId: req.id,
        principal: await authenticate(req.headers.authorization),
        socket,
        subscriptionGuard: guard,
      }),
      onConnect: async (data: { payload?: { authorization?: string; Authorization?: string } }) => {
        const header = data.payload?.authorization ?? data.payload?.Authorization;
        const principal = await authenticate(header);
        return principal ? { principal } : true;
      },
    },
    errorFormatter: (execution, ctx) => {
      const requestId = (ctx as unknown as { reply?: { request?: { id: string } } }).reply?.request?.id ?? '';
      const errors = (execution.errors ?? []).flatMap((e) => toGraphQLErrors(e, requestId, bodyLimit));
      const first = errors[0]?.extensions as { status?: number } | undefined;
      // An operation that produced data answers 200 (with errors for the fields that failed); one that was
      // refused outright answers the status of its first error, as the REST face would.
      const status = execution.data ? 200 : (first?.status ?? 200);
      return { statusCode: status, response: { data: execution.data ?? null, errors } };
    },
  });
  limits.attach();
}
