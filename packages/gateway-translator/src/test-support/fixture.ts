import { z } from 'zod';
import {
  BackendTLSPolicySpec,
  GatewaySpec,
  ListenerSetSpec,
  PortNumber,
  ReferenceGrantSpec,
  validate,
} from '@epic/gateway-api';
import type { RouteRequest } from '../evaluate-route.js';
import type { TemplateFragments } from '../fragments.js';
import type { RouteInput, TranslateInput } from '../input.js';
import type { JsonObject } from '../json.js';
import { Secret } from '../secret.js';

// Golden fixtures (`testdata/<feature>-<case>.in.yaml`): a TranslateInput in YAML plus a request table.
// Parsed strictly: an unknown key anywhere fails, and specs go through @epic/gateway-api's schemas, so a
// fixture can only say what the API would have accepted.

const Endpoint = z.strictObject({
  address: z.string().min(1),
  port: PortNumber,
  ready: z.boolean(),
  serving: z.boolean().optional(),
  terminating: z.boolean().optional(),
  node: z.string().optional(),
  weight: z.number().int().min(1).optional(),
  portName: z.string().optional(),
});

const ServicePort = z.strictObject({
  name: z.string().optional(),
  port: PortNumber,
  targetPort: PortNumber.optional(),
  protocol: z.string().optional(),
  appProtocol: z.string().optional(),
});

/** GEP-1731 retry (experimental channel), which the standard-channel HTTPRoute schema does not carry. */
const Retry = z.strictObject({
  codes: z.array(z.number().int().min(400).max(599)).optional(),
  attempts: z.number().int().min(0).optional(),
  backoff: z
    .string()
    .regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/)
    .optional(),
});

const RouteKindSchema = z.enum(['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute']);

const Route = z.strictObject({
  id: z.string().optional(),
  kind: RouteKindSchema,
  namespace: z.string().min(1),
  name: z.string().min(1),
  generation: z.number().int().min(1).default(1),
  creationTimestamp: z.string().optional(),
  /**
   * Fields the schema refuses, on purpose: the route stands for one stored before a check existed or
   * written by another client, which the translator must refuse on the route alone. The spec is then given
   * to the translator as written (no defaults), and the schema must refuse exactly these fields.
   */
  invalidFields: z.array(z.string().min(1)).min(1).optional(),
  spec: z.record(z.string(), z.unknown()),
});

const Json = z.record(z.string(), z.unknown());

const Fragments = z.strictObject({
  extraHttpFilters: z.array(Json).optional(),
  listenerOptions: Json.optional(),
  clusterOptions: Json.optional(),
  extraClusters: z.array(Json).optional(),
});

const HeaderExpect = z.record(z.string(), z.string().nullable());

const Expect = z.strictObject({
  status: z.number().int().optional(),
  virtualHost: z.string().nullable().optional(),
  route: z.string().nullable().optional(),
  /** All traffic goes to this Service (`namespace/name`). */
  backend: z.string().optional(),
  /** Exactly these clusters with these weights. */
  clusters: z.record(z.string(), z.number().int()).optional(),
  location: z.string().optional(),
  /** Upstream request headers (null = absent), checked on every cluster. */
  requestHeaders: HeaderExpect.optional(),
  responseHeaders: z
    .strictObject({
      set: z.record(z.string(), z.string()).optional(),
      add: z.record(z.string(), z.array(z.string())).optional(),
      remove: z.array(z.string()).optional(),
    })
    .optional(),
  rewrite: z.strictObject({ host: z.string().optional(), path: z.string().optional() }).optional(),
  mirrors: z.array(z.strictObject({ cluster: z.string(), percent: z.number() })).optional(),
  timeout: z.string().optional(),
  retryPolicy: Json.optional(),
  cors: Json.optional(),
  /** The connection is refused for this reason (traceRequest's RefusalReason) instead of answered. */
  refused: z
    .enum([
      'NoListener',
      'NoFilterChain',
      'NotHttp',
      'ClientCertificateRequired',
      'ClientCertificateUntrusted',
    ])
    .optional(),
  /** What the CORS filter answers or adds (the request carries an Origin). */
  corsResponse: z
    .strictObject({
      preflight: z.boolean(),
      originAllowed: z.boolean(),
      headers: z.record(z.string(), z.string()),
    })
    .optional(),
});
export type Expectation = z.infer<typeof Expect>;

const Request = z.strictObject({
  name: z.string().optional(),
  port: PortNumber.optional(),
  host: z.string().min(1),
  path: z.string().min(1),
  method: z.string().optional(),
  scheme: z.enum(['http', 'https']).optional(),
  /** TLS server name, when it differs from the Host (a reused connection): picks the filter chain. */
  serverName: z.string().min(1).optional(),
  /** The client certificate the TLS client presents (default none). */
  clientCertificate: z.enum(['none', 'valid', 'untrusted']).optional(),
  headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  query: z.record(z.string(), z.string()).optional(),
  expect: Expect,
});

/** A UDP datagram to a port (traceDatagram): the listener and weighted backends it reaches, or refused. */
const Datagram = z.strictObject({
  port: PortNumber,
  expect: z.strictObject({
    refused: z.enum(['NoListener', 'NotUdpProxy']).optional(),
    cluster: z.string().optional(),
    backends: z.array(z.strictObject({ cluster: z.string(), weight: z.number() })).optional(),
  }),
});
export type DatagramExpectation = z.infer<typeof Datagram>['expect'];

/** A TCP connection to a port, with a TLS server name or none (traceConnection): the weighted backends, or refused. */
const Connection = z.strictObject({
  port: PortNumber,
  serverName: z.string().min(1).optional(),
  expect: z.strictObject({
    refused: z.enum(['NoListener', 'NoFilterChain', 'NotTcpProxy']).optional(),
    terminatesTls: z.boolean().optional(),
    backends: z.array(z.strictObject({ cluster: z.string(), weight: z.number() })).optional(),
  }),
});
export type ConnectionExpectation = z.infer<typeof Connection>['expect'];

const Fixture = z.strictObject({
  description: z.string().min(1),
  /** The upstream conformance test this case models, if any. */
  conformance: z.string().optional(),
  gateway: z.strictObject({
    id: z.string().default('gateway-1'),
    accountId: z.string().default('account-1'),
    name: z.string().min(1),
    namespace: z.string().min(1),
    address: z.string().default('203.0.113.10'),
    generation: z.number().int().min(1).default(1),
    listeners: z.array(z.unknown()).min(1),
    /** spec.addresses (checked by GatewaySpec), each with the outcome the API's IPAM gave it. */
    addresses: z
      .array(
        z.strictObject({
          type: z.string().optional(),
          value: z.string().optional(),
          assigned: z.string().min(1).optional(),
          problem: z.string().min(1).optional(),
        }),
      )
      .optional(),
    /** spec.tls (checked by GatewaySpec). */
    tls: z.unknown().optional(),
    /** spec.allowedListeners (checked by GatewaySpec). */
    allowedListeners: z.unknown().optional(),
  }),
  /** ListenerSets (GEP-1713); specs checked by ListenerSetSpec. */
  listenerSets: z
    .array(
      z.strictObject({
        id: z.string().optional(),
        namespace: z.string().min(1),
        name: z.string().min(1),
        generation: z.number().int().min(1).default(1),
        creationTimestamp: z.string().optional(),
        spec: z.unknown(),
      }),
    )
    .optional(),
  routes: z.array(Route).default([]),
  referenceGrants: z.array(z.strictObject({ namespace: z.string().min(1), spec: z.unknown() })).default([]),
  services: z
    .array(
      z.strictObject({
        namespace: z.string().min(1),
        name: z.string().min(1),
        ports: z.array(ServicePort).min(1),
        endpoints: z.array(Endpoint).default([]),
      }),
    )
    .default([]),
  certificates: z
    .array(
      z.strictObject({
        namespace: z.string().min(1),
        name: z.string().min(1),
        id: z.string().min(1),
        certificatePem: z.string().min(1),
        privateKey: z.string().min(1),
      }),
    )
    .default([]),
  namespaces: z
    .array(z.strictObject({ name: z.string().min(1), labels: z.record(z.string(), z.string()).default({}) }))
    .default([]),
  caBundles: z
    .array(
      z.strictObject({
        kind: z.enum(['ConfigMap', 'Secret']),
        namespace: z.string().min(1),
        name: z.string().min(1),
        caCertificatePem: z.string().min(1).optional(),
      }),
    )
    .optional(),
  /** BackendTLSPolicies (spec checked by BackendTLSPolicySpec). */
  backendTlsPolicies: z
    .array(
      z.strictObject({
        namespace: z.string().min(1),
        name: z.string().min(1),
        generation: z.number().int().min(1).default(1),
        creationTimestamp: z.string().optional(),
        spec: z.unknown(),
      }),
    )
    .optional(),
  fragments: Fragments.optional(),
  requests: z.array(Request).default([]),
  datagrams: z.array(Datagram).default([]),
  connections: z.array(Connection).default([]),
});

export interface FixtureRequest {
  name?: string;
  port?: number;
  request: RouteRequest & { serverName?: string; clientCertificate?: 'none' | 'valid' | 'untrusted' };
  expect: Expectation;
}

export interface ParsedFixture {
  description: string;
  conformance?: string;
  input: TranslateInput;
  requests: FixtureRequest[];
  datagrams: { port: number; expect: DatagramExpectation }[];
  connections: { port: number; serverName?: string; expect: ConnectionExpectation }[];
}

export class FixtureError extends Error {}

function fail(where: string, issues: readonly { path: PropertyKey[]; message: string }[]): never {
  throw new FixtureError(
    `${where}: ${issues.map((i) => `${i.path.map(String).join('.') || '<root>'}: ${i.message}`).join('; ')}`,
  );
}

/** Parses a fixture document (already loaded from YAML); throws FixtureError naming every bad field. */
export function parseFixture(doc: unknown): ParsedFixture {
  const parsed = Fixture.safeParse(doc);
  if (!parsed.success) fail('fixture', parsed.error.issues);
  const f = parsed.data;

  const requested = f.gateway.addresses?.map((a) => ({
    ...(a.type !== undefined ? { type: a.type } : {}),
    ...(a.value !== undefined ? { value: a.value } : {}),
  }));
  const gatewaySpec = GatewaySpec.safeParse({
    gatewayClassName: 'epic',
    listeners: f.gateway.listeners,
    ...(requested !== undefined ? { addresses: requested } : {}),
    ...(f.gateway.tls !== undefined ? { tls: f.gateway.tls } : {}),
    ...(f.gateway.allowedListeners !== undefined ? { allowedListeners: f.gateway.allowedListeners } : {}),
  });
  if (!gatewaySpec.success) fail('gateway', gatewaySpec.error.issues);
  const addresses = f.gateway.addresses?.map((a, i) => {
    const spec = gatewaySpec.data.addresses?.[i];
    return {
      type: spec?.type ?? 'IPAddress',
      ...(spec?.value !== undefined ? { value: spec.value } : {}),
      ...(a.assigned !== undefined ? { assigned: a.assigned } : {}),
      ...(a.problem !== undefined ? { problem: a.problem } : {}),
    };
  });

  const routes: RouteInput[] = f.routes.map((r, i) => {
    const spec = structuredClone(r.spec) as Record<string, unknown>;
    const retries = new Map<number, z.infer<typeof Retry>>();
    if (r.kind === 'HTTPRoute' && Array.isArray(spec['rules'])) {
      (spec['rules'] as Record<string, unknown>[]).forEach((rule, j) => {
        if (rule['retry'] === undefined) return;
        const retry = Retry.safeParse(rule['retry']);
        if (!retry.success) fail(`routes[${i}].spec.rules[${j}].retry`, retry.error.issues);
        retries.set(j, retry.data);
        delete rule['retry'];
      });
    }
    const result = validate(r.kind, spec);
    if (r.invalidFields !== undefined) {
      const refused = result.ok ? [] : [...new Set(result.issues.map((x) => x.path))].sort();
      if (JSON.stringify(refused) !== JSON.stringify([...r.invalidFields].sort()))
        throw new FixtureError(
          `routes[${i}] (${r.namespace}/${r.name}): invalidFields ${JSON.stringify(r.invalidFields)}, but the schema refuses ${JSON.stringify(refused)}`,
        );
      const raw = {
        id: r.id ?? `${r.kind}/${r.namespace}/${r.name}`,
        namespace: r.namespace,
        name: r.name,
        generation: r.generation,
        ...(r.creationTimestamp !== undefined ? { creationTimestamp: r.creationTimestamp } : {}),
      };
      return { ...raw, kind: r.kind, spec } as RouteInput;
    }
    if (!result.ok)
      throw new FixtureError(
        `routes[${i}] (${r.namespace}/${r.name}): ${result.issues.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
      );
    const value = result.value as { rules?: Record<string, unknown>[] };
    for (const [j, retry] of retries) {
      const rule = value.rules?.[j];
      if (rule !== undefined) rule['retry'] = retry;
    }
    const base = {
      id: r.id ?? `${r.kind}/${r.namespace}/${r.name}`,
      namespace: r.namespace,
      name: r.name,
      generation: r.generation,
      ...(r.creationTimestamp !== undefined ? { creationTimestamp: r.creationTimestamp } : {}),
    };
    return { ...base, kind: r.kind, spec: value } as RouteInput;
  });

  const referenceGrants = f.referenceGrants.map((g, i) => {
    const spec = ReferenceGrantSpec.safeParse(g.spec);
    if (!spec.success) fail(`referenceGrants[${i}].spec`, spec.error.issues);
    return { namespace: g.namespace, spec: spec.data };
  });

  const input: TranslateInput = {
    gateway: {
      id: f.gateway.id,
      accountId: f.gateway.accountId,
      name: f.gateway.name,
      namespace: f.gateway.namespace,
      address: f.gateway.address,
      generation: f.gateway.generation,
      listeners: gatewaySpec.data.listeners,
      ...(addresses !== undefined ? { addresses } : {}),
      ...(gatewaySpec.data.tls !== undefined ? { tls: gatewaySpec.data.tls } : {}),
      ...(gatewaySpec.data.allowedListeners !== undefined
        ? { allowedListeners: gatewaySpec.data.allowedListeners }
        : {}),
    },
    routes,
    referenceGrants,
    services: f.services,
    certificates: f.certificates.map((c) => ({ ...c, privateKey: new Secret(c.privateKey) })),
    namespaces: f.namespaces,
  };
  if (f.fragments !== undefined) input.fragments = f.fragments as TemplateFragments;
  if (f.caBundles !== undefined) input.caBundles = f.caBundles;
  if (f.backendTlsPolicies !== undefined) {
    input.backendTlsPolicies = f.backendTlsPolicies.map((p, i) => {
      const spec = BackendTLSPolicySpec.safeParse(p.spec);
      if (!spec.success) fail(`backendTlsPolicies[${i}].spec`, spec.error.issues);
      return {
        id: `BackendTLSPolicy/${p.namespace}/${p.name}`,
        namespace: p.namespace,
        name: p.name,
        generation: p.generation,
        ...(p.creationTimestamp !== undefined ? { creationTimestamp: p.creationTimestamp } : {}),
        spec: spec.data,
      };
    });
  }
  if (f.listenerSets !== undefined) {
    input.listenerSets = f.listenerSets.map((ls, i) => {
      const spec = ListenerSetSpec.safeParse(ls.spec);
      if (!spec.success) fail(`listenerSets[${i}].spec`, spec.error.issues);
      return {
        id: ls.id ?? `ListenerSet/${ls.namespace}/${ls.name}`,
        namespace: ls.namespace,
        name: ls.name,
        generation: ls.generation,
        ...(ls.creationTimestamp !== undefined ? { creationTimestamp: ls.creationTimestamp } : {}),
        spec: spec.data,
      };
    });
  }
  const requests = f.requests.map((r) => {
    const request: FixtureRequest['request'] = { host: r.host, path: r.path };
    if (r.method !== undefined) request.method = r.method;
    if (r.scheme !== undefined) request.scheme = r.scheme;
    if (r.serverName !== undefined) request.serverName = r.serverName;
    if (r.clientCertificate !== undefined) request.clientCertificate = r.clientCertificate;
    if (r.headers !== undefined) request.headers = r.headers;
    if (r.query !== undefined) request.query = r.query;
    const out: FixtureRequest = { request, expect: r.expect };
    if (r.name !== undefined) out.name = r.name;
    if (r.port !== undefined) out.port = r.port;
    return out;
  });
  const out: ParsedFixture = {
    description: f.description,
    input,
    requests,
    datagrams: f.datagrams,
    connections: f.connections,
  };
  if (f.conformance !== undefined) out.conformance = f.conformance;
  return out;
}

export type { JsonObject };
