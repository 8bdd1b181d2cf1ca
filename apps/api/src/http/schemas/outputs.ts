import {
  AllowedListeners,
  BackendTLSPolicySpec,
  Condition,
  GatewayInfrastructure,
  GatewayTLS,
  GatewaySpecAddress,
  ListenerSetSpec,
  ListenerStatus,
  LocalObjectReference,
  ParentReference,
} from '@epic/gateway-api';
import { templateInfrastructureSchema } from '@epic/infra-translator';
import { z } from 'zod';
import { roleSchema } from '../../modules/accounts.js';
import { servicePortSchema } from '../../modules/cluster-objects.js';
import { endpointPortSchema, endpointSchema } from '../../modules/endpoints.js';
import { listenersSchema } from '../../modules/listeners.js';
import { routeKinds } from '../../modules/routes.js';

/**
 * What the API answers, one zod schema per entity and per response, each with a stable id. The same
 * schemas serialise REST responses (fast-json-stringify from their JSON Schema), describe them in the
 * OpenAPI document (components/schemas/<id>) and generate the GraphQL output types (named by the id), so
 * the faces cannot drift from each other (docs/adr/0007-typed-faces.md).
 *
 * Every object is strict: a field that is not declared here (a key, a hash) is never serialised.
 */

/** The schemas with an id, for the OpenAPI components and the GraphQL type names. */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

/** Names a schema: `.meta({ id })` (zod's own id) and the API's registry. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  const s = schema.meta({ id, ...(description ? { description } : {}) }) as T;
  apiSchemas.add(s, { id, ...(description ? { description } : {}) });
  return s;
}
/** Names a schema owned elsewhere (a Gateway API type) without changing its global metadata. */
function shared<T extends z.ZodType>(id: string, schema: T): T {
  if (!apiSchemas.has(schema)) apiSchemas.add(schema, { id });
  return schema;
}

const id = z.uuid();

/** GraphQL names of the enums, by their values (the same values are one enum wherever they occur). */
export const enumNames = new Map<string, string>();
function namedEnum<T extends z.ZodEnum>(idName: string, e: T): T {
  enumNames.set(e.options.map(String).join('|'), idName);
  return shared(idName, e);
}
const dateTime = z.date();

export const RoleSchema = namedEnum('Role', roleSchema);
export const RouteKindSchema = namedEnum('RouteKind', z.enum(routeKinds));
export const AddressFamily = namedEnum('AddressFamily', z.enum(['ipv4', 'ipv6']));
export const AddressType = namedEnum('AddressType', z.enum(['IPv4', 'IPv6']));
export const Protocol = namedEnum('Protocol', z.enum(['TCP', 'UDP', 'SCTP']));
namedEnum('ConditionStatus', z.enum(['True', 'False', 'Unknown']));
export const GatewayConditionSchema = shared('Condition', Condition);
export const ListenerSchema = shared('Listener', listenersSchema.unwrap());
shared('ListenerStatus', ListenerStatus);
shared('GatewaySpecAddress', GatewaySpecAddress);
shared('GatewayInfrastructure', GatewayInfrastructure);
shared('GatewayTLS', GatewayTLS);
shared('AllowedListeners', AllowedListeners);
shared('LocalObjectReference', LocalObjectReference);
shared('ParentReference', ParentReference);
shared('ServicePort', servicePortSchema);
shared('EndpointPort', endpointPortSchema);
shared('Endpoint', endpointSchema);

export const ErrorIssue = named(
  'ErrorIssue',
  z.strictObject({ path: z.string(), message: z.string() }),
  'one bad field: its path (e.g. `listeners[0].port`) and what is wrong with it',
);
export const ErrorBody = named(
  'Error',
  z.strictObject({
    error: z.string().describe('the error code: Validation, NotFound, Conflict, …'),
    message: z.string(),
    requestId: z.string().describe('the x-request-id of the request, for support and the audit log'),
    issues: z.array(ErrorIssue).optional(),
  }),
  'every 4xx and 5xx answer',
);

export const Principal = named(
  'Principal',
  z.strictObject({
    accountId: id,
    accountName: z.string(),
    role: RoleSchema,
    system: z.boolean(),
    actor: z.string(),
  }),
);
export const Account = named(
  'Account',
  z.strictObject({
    id,
    name: z.string(),
    displayName: z.string(),
    system: z.boolean(),
    gatewayQuota: z.number().int(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const ApiKey = named(
  'ApiKey',
  z.strictObject({
    id,
    name: z.string(),
    role: RoleSchema,
    prefix: z.string(),
    createdAt: dateTime,
    lastUsedAt: dateTime.nullable(),
    revokedAt: dateTime.nullable(),
    secret: z.string().optional().describe('the key itself: only in the answer that created it'),
  }),
  'an API key; its secret is shown once, when it is created',
);
export const AccountWithKey = named('AccountWithKey', z.strictObject({ account: Account, apiKey: ApiKey }));
export const User = named(
  'User',
  z.strictObject({ id, login: z.string(), displayName: z.string().nullable() }),
);
export const Membership = named(
  'Membership',
  z.strictObject({ id, role: RoleSchema, createdAt: dateTime, user: User }),
);
export const Cluster = named(
  'Cluster',
  z.strictObject({ id, name: z.string(), description: z.string().nullable(), createdAt: dateTime }),
);
export const AddressPool = named(
  'AddressPool',
  z.strictObject({
    id,
    accountId: id.nullable(),
    name: z.string(),
    family: AddressFamily,
    spec: z.string(),
    firstAddress: z.string(),
    lastAddress: z.string(),
    size: z.string().describe('number of addresses (a decimal string: IPv6 pools exceed 2^53)'),
    aggregation: z.number().int(),
    global: z.boolean(),
    allocated: z.number().int(),
    skipNetworkAndBroadcast: z
      .boolean()
      .describe('an IPv4 CIDR of /30 or shorter never hands out its network and broadcast addresses'),
    createdAt: dateTime,
  }),
);
export const XdsToken = named(
  'XdsToken',
  z.strictObject({
    nodeId: z.string(),
    proxylessNodeId: z.string(),
    token: z.string(),
    generation: z.number().int(),
    expiresAt: dateTime,
  }),
  "a fresh xDS token for the gateway's proxies; open streams end when it expires",
);
export const XdsTokenRevocation = named(
  'XdsTokenRevocation',
  z.strictObject({ gatewayId: id, generation: z.number().int() }),
  'the token generation now current: tokens of older generations are refused',
);
export const Template = named(
  'Template',
  z.strictObject({
    id,
    accountId: id.nullable(),
    name: z.string(),
    description: z.string().nullable(),
    poolName: z.string(),
    envoyImage: z.string(),
    replicas: z.number().int(),
    allowSharing: z.boolean(),
    dnsNameTemplate: z.string(),
    envoyFragments: z.unknown().describe('Envoy resource fragments merged into what EPIC renders'),
    infrastructure: templateInfrastructureSchema,
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const TemplateRef = named('TemplateRef', z.strictObject({ id, name: z.string() }));
export const GatewayClient = named(
  'GatewayClient',
  z.strictObject({
    clusterId: id.nullable(),
    namespace: z.string(),
    name: z.string(),
    clientUid: z.string(),
  }),
);
export const GatewayStatus = named(
  'GatewayStatus',
  z.strictObject({
    listeners: z.array(ListenerStatus).nullable(),
    addresses: z
      .array(
        named(
          'GatewayStatusAddress',
          z.strictObject({ type: z.enum(['IPAddress', 'Hostname']), value: z.string() }),
        ),
      )
      .describe('the addresses the gateway is bound to: its IP address and DNS name'),
    attachedListenerSets: z
      .number()
      .int()
      .nullable()
      .describe(
        'the number of ListenerSets attached (Accepted); null when the Gateway has nothing to do with ListenerSets (GEP-1713)',
      ),
  }),
);
export const Gateway = named(
  'Gateway',
  z.strictObject({
    id,
    accountId: id,
    name: z.string(),
    namespace: z.string(),
    sharingKey: z.string().nullable(),
    listeners: z.array(ListenerSchema),
    addresses: z
      .array(GatewaySpecAddress)
      .nullable()
      .describe('spec.addresses as requested (null: none; the template pool picked the address)'),
    infrastructure: GatewayInfrastructure.nullable().describe('spec.infrastructure as given'),
    tls: GatewayTLS.nullable().describe('spec.tls as given (client-certificate validation)'),
    allowedListeners: AllowedListeners.nullable().describe(
      "spec.allowedListeners as given (which namespaces' ListenerSets may attach; null: none)",
    ),
    address: z.string().nullable(),
    poolId: id.nullable(),
    dnsName: z.string().nullable(),
    conditions: z.array(Condition),
    status: GatewayStatus,
    generation: z.number().int(),
    observedGeneration: z.number().int(),
    template: TemplateRef,
    clients: z.array(GatewayClient),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const RouteParent = named(
  'RouteParent',
  z.strictObject({ gatewayId: id, refIndex: z.number().int() }),
);
export const RouteParentStatusSchema = named(
  'RouteParentStatus',
  z.strictObject({
    gatewayId: id.describe('the EPIC gateway this status is from'),
    parentRef: ParentReference,
    controllerName: z.string(),
    conditions: z.array(Condition),
  }),
);
export const RouteStatusSchema = named(
  'RouteStatus',
  z.strictObject({ parents: z.array(RouteParentStatusSchema).optional() }),
  'per parent, as Gateway API RouteStatus, each with the EPIC gateway it is from',
);
export const Route = named(
  'Route',
  z.strictObject({
    id,
    kind: RouteKindSchema,
    name: z.string(),
    namespace: z.string(),
    clusterId: id.nullable(),
    clientUid: z.string(),
    spec: z.record(z.string(), z.unknown()).describe('the Gateway API spec of the route'),
    generation: z.number().int(),
    status: RouteStatusSchema,
    parents: z.array(RouteParent),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const EndpointSlice = named(
  'EndpointSlice',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    namespace: z.string(),
    name: z.string(),
    serviceName: z.string(),
    addressType: AddressType,
    static: z.boolean(),
    ports: z.array(endpointPortSchema),
    endpoints: z.array(endpointSchema),
    nodeAddresses: z.record(z.string(), z.string()).describe('workload node name → tunnel address'),
    generation: z.number().int(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const ServiceObject = named(
  'ServiceObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    namespace: z.string(),
    name: z.string(),
    ports: z.array(servicePortSchema),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const ReferenceGrant = named(
  'ReferenceGrant',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    namespace: z.string(),
    name: z.string(),
    spec: z.record(z.string(), z.unknown()),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const NamespaceObject = named(
  'NamespaceObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    name: z.string(),
    labels: z.record(z.string(), z.string()).describe('kubernetes.io/metadata.name is implied, not listed'),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const CaBundleObject = named(
  'CaBundleObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    kind: z.string().describe('ConfigMap or Secret'),
    namespace: z.string(),
    name: z.string(),
    caCertificate: z.string().nullable().describe("PEM certificates of the object's ca.crt key"),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const PolicyAncestorStatusSchema = named(
  'PolicyAncestorStatus',
  z.strictObject({
    gatewayId: id.describe('the EPIC gateway this status is from'),
    ancestorRef: z.strictObject({
      group: z.string(),
      kind: z.string(),
      namespace: z.string(),
      name: z.string(),
    }),
    controllerName: z.string(),
    conditions: z.array(Condition),
  }),
);
export const BackendTlsPolicyObject = named(
  'BackendTlsPolicyObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    namespace: z.string(),
    name: z.string(),
    spec: BackendTLSPolicySpec,
    generation: z.number().int(),
    creationTimestamp: z.string().describe('the creationTimestamp conflicts are decided by'),
    status: z
      .strictObject({ ancestors: z.array(PolicyAncestorStatusSchema) })
      .describe(
        'as Gateway API PolicyStatus, one ancestor per EPIC gateway whose backends the policy targets',
      ),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const ListenerSetObject = named(
  'ListenerSetObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    namespace: z.string(),
    name: z.string(),
    spec: ListenerSetSpec,
    generation: z.number().int(),
    creationTimestamp: z.string().describe('the creationTimestamp listener conflicts are decided by'),
    status: z
      .strictObject({
        gatewayId: id
          .nullable()
          .describe('the EPIC gateway (the parent) that wrote this status; null: none yet'),
        conditions: z.array(Condition),
        listeners: z.array(ListenerStatus),
      })
      .describe('as Gateway API ListenerSetStatus (Accepted, Programmed; one entry per listener)'),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const GatewayClassObject = named(
  'GatewayClassObject',
  z.strictObject({
    id,
    clusterId: id.nullable(),
    clientUid: z.string(),
    name: z.string(),
    spec: z.record(z.string(), z.unknown()),
    generation: z.number().int(),
    status: z.strictObject({
      conditions: z.array(Condition),
      supportedFeatures: z
        .array(z.strictObject({ name: z.string() }))
        .describe('what gateways of the class support (Gateway API conformance feature names)'),
    }),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const Certificate = named(
  'Certificate',
  z.strictObject({
    id,
    namespace: z.string(),
    name: z.string(),
    certificate: z.string().describe('PEM chain; the private key is never returned'),
    subject: z.string(),
    subjectAltName: z.string().nullable(),
    validFrom: z.string(),
    validTo: z.string(),
    fingerprint256: z.string(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);
export const RevisionStatus = namedEnum('RevisionStatus', z.enum(['pending', 'acked', 'tainted']));
export const Revision = named(
  'Revision',
  z.strictObject({
    version: z.number().int(),
    hash: z.string(),
    status: RevisionStatus,
    error: z.string().nullable(),
    rollbackOf: z.number().int().nullable(),
    ackedAt: dateTime
      .nullable()
      .describe(
        "when the gateway's proxies first acknowledged this revision; null while pending or if never",
      ),
    createdAt: dateTime,
    resources: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Envoy resources by type (private keys redacted); only on a single revision'),
  }),
);
export const RevisionChange = named(
  'RevisionChange',
  z.strictObject({
    typeUrl: z.string(),
    name: z.string(),
    change: z.enum(['added', 'removed', 'modified']),
    paths: z.array(z.string()).optional(),
  }),
);
export const RevisionDiff = named(
  'RevisionDiff',
  z.strictObject({ from: z.number().int(), to: z.number().int(), changes: z.array(RevisionChange) }),
);
/** A weighted backend of a UDP or TCP proxy, with the endpoints behind it. */
const L4Backend = z.strictObject({
  cluster: z.string().describe("the backend's own cluster (service/<namespace>/<name>/<port>)"),
  weight: z.number(),
  endpoints: z.array(
    z.strictObject({
      address: z.string(),
      port: z.number().int(),
      healthStatus: z.string(),
      weight: z.number().optional(),
    }),
  ),
});
export const TraceDatagram = named(
  'TraceDatagram',
  z.strictObject({
    revision: z.number().int(),
    port: z.number().int(),
    connection: z
      .enum(['accepted', 'refused'])
      .describe('refused: no listener takes UDP on the port, or the one that does proxies nothing'),
    refusal: z
      .enum(['NoListener', 'NotUdpProxy'])
      .nullable()
      .describe('why it is refused; null when accepted'),
    listener: z.string().nullable().describe('the UDP listener that takes the datagram'),
    cluster: z.string().nullable().describe("the cluster its UDP proxy's route names"),
    backends: z
      .array(L4Backend)
      .describe('the weighted backends and the endpoints behind each; empty when none resolved'),
  }),
  "where the gateway's proxies send a UDP datagram",
);
export const TraceConnection = named(
  'TraceConnection',
  z.strictObject({
    revision: z.number().int(),
    port: z.number().int(),
    serverName: z.string().nullable().describe('the TLS server name the connection carried; null for none'),
    connection: z
      .enum(['accepted', 'refused'])
      .describe('refused: no TCP listener on the port, or no filter chain for the server name'),
    refusal: z
      .enum(['NoListener', 'NoFilterChain', 'NotTcpProxy'])
      .nullable()
      .describe(
        'why it is refused (NotTcpProxy: the chain is HTTP, trace a request instead); null when accepted',
      ),
    filterChain: z.string().nullable().describe('the filter chain of the listener that server name picked'),
    terminatesTls: z
      .boolean()
      .nullable()
      .describe(
        'whether the chain terminates TLS (TLSRoute Terminate) or passes it through; null when refused',
      ),
    backends: z
      .array(L4Backend)
      .describe(
        "the TCP proxy's weighted backends and the endpoints behind each (a backend that did not resolve has none: its share of connections is closed)",
      ),
  }),
  "where the gateway's proxies send a TCP connection (TCPRoute, TLSRoute)",
);
export const Trace = named(
  'Trace',
  z.strictObject({
    revision: z.number().int(),
    port: z.number().int(),
    connection: z
      .enum(['accepted', 'refused'])
      .describe('refused: the TLS handshake fails (a client certificate the listener requires is missing)'),
    refusal: z
      .enum(['ClientCertificateRequired', 'ClientCertificateUntrusted'])
      .nullable()
      .describe('why the connection is refused; null when accepted'),
    serverName: z.string().nullable().describe('the TLS server name the connection carried; null for http'),
    filterChain: z.string().nullable().describe('the filter chain of the listener that server name picked'),
    clientCertificate: z
      .enum(['notRequested', 'required', 'optional'])
      .describe(
        "the chain's client-certificate validation: none, AllowValidOnly, or AllowInsecureFallback (asked, not required)",
      ),
    httpFilters: z
      .array(z.string())
      .describe("the chain's HTTP filters in the order they run (empty when refused)"),
    upgrades: z
      .array(z.string())
      .describe(
        'the protocol upgrades the chain lets through to the backend, e.g. websocket (empty when refused)',
      ),
    routeConfiguration: z.string().nullable(),
    outcome: z
      .unknown()
      .describe(
        'the route-table evaluator outcome (null when refused): matched route, action, CORS answer, clusters with their endpoints',
      ),
  }),
);
export const Bootstrap = named(
  'Bootstrap',
  z.record(z.string(), z.unknown()),
  'an Envoy bootstrap (v3 JSON), to give a proxy with --config-yaml',
);
export const AuditEvent = named(
  'AuditEvent',
  z.strictObject({
    id,
    actor: z.string(),
    action: z.string(),
    objectKind: z.string(),
    objectId: z.string().nullable(),
    requestId: z.string().nullable(),
    data: z.unknown(),
    createdAt: dateTime,
  }),
);

/** Results of the upserts: the object and whether it was created (REST says it with 201 vs 200). */
export function upserted<T extends z.ZodType>(idName: string, field: string, item: T) {
  return named(idName, z.strictObject({ [field]: item, created: z.boolean() }));
}

/** `{ items }` of a list that is not paginated on the server (small, per account). */
export function listOf<T extends z.ZodType>(idName: string, item: T) {
  return named(idName, z.strictObject({ items: z.array(item) }));
}
/** A keyset page: `nextCursor` continues it. */
export function pageOf<T extends z.ZodType>(idName: string, item: T) {
  return named(
    idName,
    z.strictObject({
      items: z.array(item),
      nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
    }),
  );
}
