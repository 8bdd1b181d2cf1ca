// Spec corpora for the cross-check against the upstream CRD schemas.

export type Kind =
  | 'HTTPRoute'
  | 'GRPCRoute'
  | 'TCPRoute'
  | 'TLSRoute'
  | 'UDPRoute'
  | 'Gateway'
  | 'GatewayClass'
  | 'ReferenceGrant'
  | 'BackendTLSPolicy'
  | 'ListenerSet';

export interface InvalidCase {
  name: string;
  kind: Kind;
  spec: unknown;
  /** The field path our issues must name (exactly or as a parent of the reported field). */
  path: string;
  /** 'schema': upstream's structural schema rejects it; 'cel': only a CEL rule (or unknown-field rejection) does. */
  upstream: 'schema' | 'cel';
}

export const baseHTTPRoute = () => ({
  parentRefs: [{ name: 'gw', sectionName: 'http' }],
  hostnames: ['example.com'],
  rules: [
    {
      matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-env', value: 'prod' }] }],
      filters: [
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'b' }] } },
      ],
      backendRefs: [{ name: 'svc', port: 8080, weight: 10 }],
    },
  ],
});

export const baseGRPCRoute = () => ({
  parentRefs: [{ name: 'gw' }],
  rules: [
    {
      matches: [{ method: { service: 'pkg.Svc', method: 'Get' } }],
      backendRefs: [{ name: 'grpc', port: 50051 }],
    },
  ],
});

export const baseTCPRoute = () => ({
  parentRefs: [{ name: 'gw' }],
  rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }],
});

export const baseUDPRoute = () => ({
  parentRefs: [{ name: 'gw', sectionName: 'dns' }],
  rules: [{ backendRefs: [{ name: 'coredns', port: 53 }] }],
});

export const baseTLSRoute = () => ({
  parentRefs: [{ name: 'gw' }],
  hostnames: ['secure.example.com'],
  rules: [{ backendRefs: [{ name: 'tls', port: 443 }] }],
});

export const baseGateway = () => ({
  gatewayClassName: 'epic',
  listeners: [
    { name: 'http', port: 80, protocol: 'HTTP' },
    {
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      hostname: '*.example.com',
      tls: { certificateRefs: [{ name: 'cert' }] },
    },
  ],
});

export const baseReferenceGrant = () => ({
  from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }],
  to: [{ group: '', kind: 'Service' }],
});

export const baseListenerSet = () => ({
  parentRef: { name: 'edge' },
  listeners: [
    { name: 'extra', port: 80, protocol: 'HTTP', hostname: 'extra.example.com' },
    {
      name: 'extra-tls',
      port: 443,
      protocol: 'HTTPS',
      hostname: 'extra.example.com',
      tls: { certificateRefs: [{ name: 'cert' }] },
    },
  ],
});

export const baseGatewayClass = () => ({
  controllerName: 'epic-gateway.io/gateway-controller',
  parametersRef: { group: 'epic-gateway.io', kind: 'Template', name: 'web' },
  description: 'Gateways built from the web template',
});

export const baseBackendTLSPolicy = () => ({
  targetRefs: [{ group: '', kind: 'Service', name: 'backend', sectionName: 'https' }],
  validation: {
    caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'backend-ca' }],
    hostname: 'backend.example.com',
    subjectAltNames: [
      { type: 'Hostname', hostname: '*.example.com' },
      { type: 'URI', uri: 'spiffe://cluster.local/ns/apps/sa/backend' },
    ],
  },
});

const bases: Record<Kind, () => Record<string, unknown>> = {
  HTTPRoute: baseHTTPRoute,
  GRPCRoute: baseGRPCRoute,
  TCPRoute: baseTCPRoute,
  TLSRoute: baseTLSRoute,
  UDPRoute: baseUDPRoute,
  Gateway: baseGateway,
  GatewayClass: baseGatewayClass,
  ReferenceGrant: baseReferenceGrant,
  BackendTLSPolicy: baseBackendTLSPolicy,
  ListenerSet: baseListenerSet,
};

/** A copy of `obj` with the value at a dotted path (`rules.0.name`) replaced, or deleted for `DELETE`. */
export const DELETE = Symbol('delete');
export function withValue(obj: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) ?? '';
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}

const many = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
const longHostname = `${many(4, () => 'a'.repeat(63)).join('.')}.com`; // 259 characters

function mutate(
  kind: Kind,
  name: string,
  path: string,
  value: unknown,
  upstream: InvalidCase['upstream'],
  reported = path,
): InvalidCase {
  const spec = withValue(bases[kind](), path, value);
  const fieldPath = `spec${reported
    .split('.')
    .map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`))
    .join('')}`;
  return { name, kind, spec, path: fieldPath, upstream };
}

const H = 'HTTPRoute' as const;
const B = 'BackendTLSPolicy' as const;
const LS = 'ListenerSet' as const;
const r0 = 'rules.0';
const f0 = `${r0}.filters.0`;

export const invalidCases: InvalidCase[] = [
  // HTTPRoute: types, required fields, enums, patterns, lengths, item counts, ranges.
  mutate(H, 'rules is not an array', 'rules', 'all', 'schema'),
  mutate(H, 'rules is empty', 'rules', [], 'schema'),
  mutate(
    H,
    'more than 16 rules',
    'rules',
    many(17, () => ({})),
    'schema',
  ),
  mutate(H, 'parentRef without name', 'parentRefs.0.name', DELETE, 'schema'),
  mutate(H, 'parentRef port 0', 'parentRefs.0.port', 0, 'schema'),
  mutate(H, 'parentRef port above 65535', 'parentRefs.0.port', 70000, 'schema'),
  mutate(H, 'parentRef namespace not a DNS label', 'parentRefs.0.namespace', 'Bad_NS', 'schema'),
  mutate(H, 'parentRef kind not a Kind', 'parentRefs.0.kind', '1Gateway', 'schema'),
  mutate(H, 'parentRef group not a DNS subdomain', 'parentRefs.0.group', 'Gateway.Networking', 'schema'),
  mutate(
    H,
    'more than 32 parentRefs',
    'parentRefs',
    many(33, (i) => ({ name: `gw${i}` })),
    'schema',
  ),
  mutate(H, 'sectionName with upper case', 'parentRefs.0.sectionName', 'HTTP', 'schema'),
  mutate(H, 'hostname with upper case', 'hostnames.0', 'Example.com', 'schema'),
  mutate(H, 'hostname "*" alone', 'hostnames.0', '*', 'schema'),
  mutate(H, 'hostname longer than 253', 'hostnames.0', longHostname, 'schema'),
  mutate(
    H,
    'more than 16 hostnames',
    'hostnames',
    many(17, (i) => `h${i}.example.com`),
    'schema',
  ),
  mutate(H, 'path match type out of enum', `${r0}.matches.0.path.type`, 'Prefix', 'schema'),
  mutate(H, 'path value longer than 1024', `${r0}.matches.0.path.value`, `/${'a'.repeat(1024)}`, 'schema'),
  mutate(H, 'path value not a string', `${r0}.matches.0.path.value`, 42, 'schema'),
  mutate(H, 'header match without value', `${r0}.matches.0.headers.0.value`, DELETE, 'schema'),
  mutate(H, 'header name with a space', `${r0}.matches.0.headers.0.name`, 'x env', 'schema'),
  mutate(H, 'header match type out of enum', `${r0}.matches.0.headers.0.type`, 'Prefix', 'schema'),
  mutate(
    H,
    'more than 16 header matches',
    `${r0}.matches.0.headers`,
    many(17, (i) => ({ name: `h${i}`, value: 'v' })),
    'schema',
  ),
  mutate(H, 'empty query param value', `${r0}.matches.0.queryParams`, [{ name: 'q', value: '' }], 'schema'),
  mutate(H, 'method out of enum', `${r0}.matches.0.method`, 'FETCH', 'schema'),
  mutate(
    H,
    'more than 64 matches',
    `${r0}.matches`,
    many(65, () => ({})),
    'schema',
  ),
  mutate(H, 'negative weight', `${r0}.backendRefs.0.weight`, -1, 'schema'),
  mutate(H, 'weight above 1000000', `${r0}.backendRefs.0.weight`, 1_000_001, 'schema'),
  mutate(H, 'fractional weight', `${r0}.backendRefs.0.weight`, 1.5, 'schema'),
  mutate(H, 'backend port as a string', `${r0}.backendRefs.0.port`, '8080', 'schema'),
  mutate(H, 'empty backend name', `${r0}.backendRefs.0.name`, '', 'schema'),
  mutate(H, 'backend name longer than 253', `${r0}.backendRefs.0.name`, 'a'.repeat(254), 'schema'),
  mutate(
    H,
    'more than 16 backendRefs',
    `${r0}.backendRefs`,
    many(17, (i) => ({ name: `s${i}`, port: 80 })),
    'schema',
  ),
  mutate(H, 'filter type out of enum', `${f0}.type`, 'Rewrite', 'schema'),
  mutate(H, 'filter without type', `${f0}.type`, DELETE, 'schema'),
  mutate(
    H,
    'more than 16 filters',
    `${r0}.filters`,
    many(17, () => ({ type: 'ExtensionRef', extensionRef: { group: 'x', kind: 'Y', name: 'z' } })),
    'schema',
  ),
  mutate(
    H,
    'redirect status 305',
    `${r0}`,
    { filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }] },
    'schema',
    `${f0}.requestRedirect.statusCode`,
  ),
  mutate(
    H,
    'redirect scheme ftp',
    `${r0}`,
    { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'ftp' } }] },
    'schema',
    `${f0}.requestRedirect.scheme`,
  ),
  mutate(
    H,
    'redirect hostname with underscore',
    `${r0}`,
    { filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'a_b.example' } }] },
    'schema',
    `${f0}.requestRedirect.hostname`,
  ),
  mutate(
    H,
    'redirect port 0',
    `${r0}`,
    { filters: [{ type: 'RequestRedirect', requestRedirect: { port: 0 } }] },
    'schema',
    `${f0}.requestRedirect.port`,
  ),
  mutate(
    H,
    'rewrite path type out of enum',
    `${f0}`,
    { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceAll' } } },
    'schema',
    `${f0}.urlRewrite.path.type`,
  ),
  mutate(
    H,
    'rewrite path without type',
    `${f0}`,
    { type: 'URLRewrite', urlRewrite: { path: { replaceFullPath: '/x' } } },
    'schema',
    `${f0}.urlRewrite.path.type`,
  ),
  mutate(
    H,
    'header value longer than 4096',
    `${f0}.requestHeaderModifier.set.0.value`,
    'v'.repeat(4097),
    'schema',
  ),
  mutate(
    H,
    'more than 16 header removals',
    `${f0}.requestHeaderModifier`,
    { remove: many(17, (i) => `h${i}`) },
    'schema',
    `${f0}.requestHeaderModifier.remove`,
  ),
  mutate(
    H,
    'mirror percent above 100',
    `${f0}`,
    { type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 80 }, percent: 101 } },
    'schema',
    `${f0}.requestMirror.percent`,
  ),
  mutate(
    H,
    'mirror without backendRef',
    `${f0}`,
    { type: 'RequestMirror', requestMirror: { percent: 10 } },
    'schema',
    `${f0}.requestMirror.backendRef`,
  ),
  mutate(
    H,
    'mirror fraction without numerator',
    `${f0}`,
    {
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: 'm', port: 80 }, fraction: { denominator: 10 } },
    },
    'schema',
    `${f0}.requestMirror.fraction.numerator`,
  ),
  mutate(
    H,
    'CORS method out of enum',
    `${f0}`,
    { type: 'CORS', cors: { allowMethods: ['GETX'] } },
    'schema',
    `${f0}.cors.allowMethods.0`,
  ),
  mutate(H, 'CORS maxAge 0', `${f0}`, { type: 'CORS', cors: { maxAge: 0 } }, 'schema', `${f0}.cors.maxAge`),
  mutate(
    H,
    'CORS origin with ftp scheme',
    `${f0}`,
    { type: 'CORS', cors: { allowOrigins: ['ftp://example.com'] } },
    'schema',
    `${f0}.cors.allowOrigins.0`,
  ),
  mutate(
    H,
    'CORS allowCredentials as a string',
    `${f0}`,
    { type: 'CORS', cors: { allowCredentials: 'yes' } },
    'schema',
    `${f0}.cors.allowCredentials`,
  ),
  mutate(
    H,
    'extensionRef without group',
    `${f0}`,
    { type: 'ExtensionRef', extensionRef: { kind: 'K', name: 'n' } },
    'schema',
    `${f0}.extensionRef.group`,
  ),
  mutate(H, 'timeout without unit', `${r0}.timeouts`, { request: '10' }, 'schema', `${r0}.timeouts.request`),
  mutate(H, 'timeout in days', `${r0}.timeouts`, { request: '1d' }, 'schema', `${r0}.timeouts.request`),
  mutate(
    H,
    'timeout with six digits',
    `${r0}.timeouts`,
    { backendRequest: '123456s' },
    'schema',
    `${r0}.timeouts.backendRequest`,
  ),
  mutate(
    H,
    'timeout with five components',
    `${r0}.timeouts`,
    { request: '1h1m1s1ms1s' },
    'schema',
    `${r0}.timeouts.request`,
  ),
  mutate(H, 'rule name with upper case', `${r0}.name`, 'Rule-1', 'schema'),
  // HTTPRoute: what only the CRD's CEL rules (or our unknown-field rejection) catch.
  mutate(H, 'path with //', `${r0}.matches.0.path.value`, '/a//b', 'cel'),
  mutate(H, 'relative path', `${r0}.matches.0.path.value`, 'api', 'cel'),
  mutate(H, 'path with a space', `${r0}.matches.0.path.value`, '/a b', 'cel'),
  mutate(H, 'Service backend without port', `${r0}.backendRefs.0.port`, DELETE, 'cel'),
  mutate(H, 'filter type without its config', `${f0}.requestHeaderModifier`, DELETE, 'cel'),
  mutate(H, 'filter config of another type', `${f0}.urlRewrite`, { hostname: 'x.example' }, 'cel'),
  mutate(
    H,
    'repeated RequestHeaderModifier',
    `${r0}.filters.1`,
    { type: 'RequestHeaderModifier', requestHeaderModifier: {} },
    'cel',
    `${r0}.filters.1.type`,
  ),
  mutate(
    H,
    'redirect together with backendRefs',
    `${f0}`,
    { type: 'RequestRedirect', requestRedirect: {} },
    'cel',
    `${r0}.filters.0`,
  ),
  mutate(
    H,
    'ReplacePrefixMatch with an Exact match',
    `${r0}`,
    {
      matches: [{ path: { type: 'Exact', value: '/a' } }],
      filters: [
        {
          type: 'URLRewrite',
          urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } },
        },
      ],
    },
    'cel',
    `${r0}.matches`,
  ),
  mutate(
    H,
    'backendRequest longer than request',
    `${r0}.timeouts`,
    { request: '1s', backendRequest: '2s' },
    'cel',
    `${r0}.timeouts.backendRequest`,
  ),
  mutate(
    H,
    'two parentRefs to one parent without sectionName',
    'parentRefs',
    [{ name: 'gw' }, { name: 'gw' }],
    'cel',
    'parentRefs.0.sectionName',
  ),
  mutate(
    H,
    'duplicate sectionName',
    'parentRefs',
    [
      { name: 'gw', sectionName: 'a' },
      { name: 'gw', sectionName: 'a' },
    ],
    'cel',
    'parentRefs.1.sectionName',
  ),
  mutate(
    H,
    'mirror percent and fraction together',
    `${f0}`,
    {
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: 'm', port: 80 }, percent: 1, fraction: { numerator: 1 } },
    },
    'cel',
    `${f0}.requestMirror.fraction`,
  ),
  mutate(
    H,
    'duplicate header match names',
    `${r0}.matches.0.headers`,
    [
      { name: 'a', value: '1' },
      { name: 'a', value: '2' },
    ],
    'cel',
    `${r0}.matches.0.headers.1`,
  ),
  mutate(H, 'unknown field in a rule', `${r0}.stickiness`, { sessionName: 'sticky' }, 'cel'),
  mutate(H, 'unknown top-level field', 'sessionPersistence', {}, 'cel'),
  mutate(H, 'hostname that is an IP', 'hostnames.0', '10.0.0.1', 'cel'),
  // GRPCRoute.
  mutate('GRPCRoute', 'method match type out of enum', 'rules.0.matches.0.method.type', 'Prefix', 'schema'),
  mutate(
    'GRPCRoute',
    'HTTP-only filter type',
    'rules.0.filters',
    [{ type: 'RequestRedirect', requestRedirect: {} }],
    'schema',
    'rules.0.filters.0.type',
  ),
  mutate(
    'GRPCRoute',
    'service longer than 1024',
    'rules.0.matches.0.method.service',
    'a'.repeat(1025),
    'schema',
  ),
  mutate('GRPCRoute', 'method match with neither service nor method', 'rules.0.matches.0.method', {}, 'cel'),
  mutate(
    'GRPCRoute',
    'exact service with invalid characters',
    'rules.0.matches.0.method.service',
    'pkg/Svc',
    'cel',
  ),
  // TCPRoute and TLSRoute.
  mutate('TCPRoute', 'missing rules', 'rules', DELETE, 'schema'),
  mutate(
    'TCPRoute',
    'two rules',
    'rules',
    [{ backendRefs: [{ name: 'a', port: 1 }] }, { backendRefs: [{ name: 'b', port: 1 }] }],
    'schema',
  ),
  mutate('TCPRoute', 'no backendRefs', 'rules.0.backendRefs', [], 'schema'),
  mutate('TCPRoute', 'rule without backendRefs', 'rules.0.backendRefs', DELETE, 'schema'),
  // UDPRoute: the same shape as TCPRoute (one rule of weighted backends).
  mutate('UDPRoute', 'missing rules', 'rules', DELETE, 'schema'),
  mutate(
    'UDPRoute',
    'two rules',
    'rules',
    [{ backendRefs: [{ name: 'a', port: 1 }] }, { backendRefs: [{ name: 'b', port: 1 }] }],
    'schema',
  ),
  mutate('UDPRoute', 'no backendRefs', 'rules.0.backendRefs', [], 'schema'),
  mutate('UDPRoute', 'Service backend without port', 'rules.0.backendRefs.0.port', DELETE, 'cel'),
  mutate('UDPRoute', 'weight above 1000000', 'rules.0.backendRefs.0.weight', 1_000_001, 'schema'),
  mutate('UDPRoute', 'matches are not a UDPRoute field', 'rules.0.matches', [{}], 'cel'),
  mutate('TLSRoute', 'missing hostnames', 'hostnames', DELETE, 'schema'),
  mutate('TLSRoute', 'empty hostnames', 'hostnames', [], 'schema'),
  mutate('TLSRoute', 'IP as SNI hostname', 'hostnames.0', '192.168.1.1', 'cel'),
  // Gateway.
  mutate('Gateway', 'missing gatewayClassName', 'gatewayClassName', DELETE, 'schema'),
  mutate('Gateway', 'no listeners', 'listeners', [], 'schema'),
  mutate(
    'Gateway',
    'more than 64 listeners',
    'listeners',
    many(65, (i) => ({ name: `l${i}`, port: 1000 + i, protocol: 'HTTP' })),
    'schema',
  ),
  mutate('Gateway', 'listener port 0', 'listeners.0.port', 0, 'schema'),
  mutate('Gateway', 'listener without protocol', 'listeners.0.protocol', DELETE, 'schema'),
  mutate('Gateway', 'listener protocol with a space', 'listeners.0.protocol', 'HTTP S', 'schema'),
  mutate('Gateway', 'listener name with underscore', 'listeners.0.name', 'web_1', 'schema'),
  mutate('Gateway', 'listener hostname with underscore', 'listeners.1.hostname', 'a_b.example.com', 'schema'),
  mutate('Gateway', 'TLS mode out of enum', 'listeners.1.tls.mode', 'Reencrypt', 'schema'),
  mutate(
    'Gateway',
    'allowedRoutes from out of enum',
    'listeners.0.allowedRoutes',
    { namespaces: { from: 'Other' } },
    'schema',
    'listeners.0.allowedRoutes.namespaces.from',
  ),
  mutate(
    'Gateway',
    'more than 8 allowed kinds',
    'listeners.0.allowedRoutes',
    { kinds: many(9, (i) => ({ kind: `K${i}` })) },
    'schema',
    'listeners.0.allowedRoutes.kinds',
  ),
  mutate(
    'Gateway',
    'IPAddress that is not an IP',
    'addresses',
    [{ type: 'IPAddress', value: '300.1.1.1' }],
    'schema',
    'addresses.0',
  ),
  mutate(
    'Gateway',
    'label value longer than 63',
    'infrastructure',
    { labels: { app: 'a'.repeat(64) } },
    'schema',
    'infrastructure.labels.app',
  ),
  mutate(
    'Gateway',
    'more than 8 infrastructure labels',
    'infrastructure',
    { labels: Object.fromEntries(many(9, (i) => [`l${i}`, 'v'])) },
    'schema',
    'infrastructure.labels',
  ),
  mutate(
    'Gateway',
    'more than 16 infrastructure annotations',
    'infrastructure',
    { annotations: Object.fromEntries(many(17, (i) => [`a${i}`, 'v'])) },
    'schema',
    'infrastructure.annotations',
  ),
  mutate(
    'Gateway',
    'more than 16 TLS options',
    'listeners.1.tls.options',
    Object.fromEntries(many(17, (i) => [`epic.dev/o${i}`, 'v'])),
    'schema',
  ),
  mutate(
    'Gateway',
    'address value longer than 253',
    'addresses',
    [{ type: 'Hostname', value: longHostname }],
    'schema',
    'addresses.0.value',
  ),
  mutate(
    'Gateway',
    'infrastructure parametersRef without kind',
    'infrastructure',
    { parametersRef: { group: 'g', name: 'n' } },
    'schema',
    'infrastructure.parametersRef.kind',
  ),
  mutate(
    'Gateway',
    'frontend validation without CA refs',
    'tls',
    { frontend: { default: { validation: { caCertificateRefs: [] } } } },
    'schema',
    'tls.frontend.default.validation.caCertificateRefs',
  ),
  mutate('Gateway', 'duplicate listener names', 'listeners.1.name', 'http', 'cel'),
  mutate('Gateway', 'HTTPS listener without tls', 'listeners.1.tls', DELETE, 'cel'),
  mutate(
    'Gateway',
    'tls on an HTTP listener',
    'listeners.0.tls',
    { certificateRefs: [{ name: 'c' }] },
    'cel',
  ),
  mutate(
    'Gateway',
    'Terminate without certificates',
    'listeners.1.tls',
    { mode: 'Terminate' },
    'cel',
    'listeners.1.tls.certificateRefs',
  ),
  mutate(
    'Gateway',
    'hostname on a TCP listener',
    'listeners.0',
    { name: 'tcp', port: 5432, protocol: 'TCP', hostname: 'db.example.com' },
    'cel',
    'listeners.0.hostname',
  ),
  // GatewayClass.
  mutate('GatewayClass', 'without controllerName', 'controllerName', DELETE, 'schema'),
  mutate('GatewayClass', 'controllerName without a domain prefix', 'controllerName', 'controller', 'schema'),
  mutate('GatewayClass', 'description longer than 64', 'description', 'd'.repeat(65), 'schema'),
  mutate('GatewayClass', 'parametersRef without kind', 'parametersRef.kind', DELETE, 'schema'),
  mutate('GatewayClass', 'parametersRef namespace not a label', 'parametersRef.namespace', 'Infra', 'schema'),
  // ReferenceGrant.
  mutate('ReferenceGrant', 'from without namespace', 'from.0.namespace', DELETE, 'schema'),
  mutate('ReferenceGrant', 'empty to', 'to', [], 'schema'),
  mutate('ReferenceGrant', 'to kind not a Kind', 'to.0.kind', '1Service', 'schema'),
  // BackendTLSPolicy.
  mutate(B, 'without targetRefs', 'targetRefs', DELETE, 'schema'),
  mutate(B, 'empty targetRefs', 'targetRefs', [], 'schema'),
  mutate(B, 'targetRef without group', 'targetRefs.0.group', DELETE, 'schema'),
  mutate(B, 'targetRef kind not a Kind', 'targetRefs.0.kind', '1Service', 'schema'),
  mutate(B, 'targetRef sectionName not a subdomain', 'targetRefs.0.sectionName', 'HTTPS', 'schema'),
  mutate(B, 'without validation', 'validation', DELETE, 'schema'),
  mutate(B, 'without hostname', 'validation.hostname', DELETE, 'schema'),
  mutate(B, 'wildcard hostname', 'validation.hostname', '*.example.com', 'schema'),
  mutate(
    B,
    'nine caCertificateRefs',
    'validation.caCertificateRefs',
    many(9, (i) => ({ group: '', kind: 'ConfigMap', name: `ca${i}` })),
    'schema',
  ),
  mutate(B, 'caCertificateRef without kind', 'validation.caCertificateRefs.0.kind', DELETE, 'schema'),
  mutate(
    B,
    'wellKnownCACertificates not System or prefixed',
    'validation.wellKnownCACertificates',
    'Mozilla',
    'schema',
  ),
  mutate(
    B,
    'six subjectAltNames',
    'validation.subjectAltNames',
    many(6, (i) => ({ type: 'Hostname', hostname: `h${i}.example.com` })),
    'schema',
  ),
  mutate(B, 'subjectAltName type unknown', 'validation.subjectAltNames.0.type', 'IPAddress', 'schema'),
  mutate(
    B,
    'subjectAltName URI without a scheme',
    'validation.subjectAltNames.1.uri',
    'cluster.local/backend',
    'schema',
  ),
  mutate(
    B,
    'seventeen options',
    'options',
    Object.fromEntries(many(17, (i) => [`example.com/o${i}`, 'v'])),
    'schema',
  ),
  mutate(
    B,
    'both caCertificateRefs and wellKnownCACertificates',
    'validation.wellKnownCACertificates',
    'System',
    'cel',
  ),
  mutate(
    B,
    'neither caCertificateRefs nor wellKnownCACertificates',
    'validation.caCertificateRefs',
    DELETE,
    'cel',
    'validation.caCertificateRefs',
  ),
  mutate(B, 'Hostname SAN without hostname', 'validation.subjectAltNames.0.hostname', DELETE, 'cel'),
  mutate(B, 'URI SAN with a hostname', 'validation.subjectAltNames.1.hostname', 'backend.example.com', 'cel'),
  mutate(
    B,
    'Hostname SAN with a uri',
    'validation.subjectAltNames.0.uri',
    'https://backend.example.com',
    'cel',
  ),
  mutate(
    B,
    'same target with and without sectionName',
    'targetRefs',
    [
      { group: '', kind: 'Service', name: 'backend', sectionName: 'https' },
      { group: '', kind: 'Service', name: 'backend' },
    ],
    'cel',
    'targetRefs.1.sectionName',
  ),
  mutate(
    B,
    'same target and sectionName twice',
    'targetRefs',
    [
      { group: '', kind: 'Service', name: 'backend', sectionName: 'https' },
      { group: '', kind: 'Service', name: 'backend', sectionName: 'https' },
    ],
    'cel',
    'targetRefs.1.sectionName',
  ),
  mutate(B, 'unknown validation field', 'validation.mode', 'Strict', 'cel'),
  // ListenerSet (GEP-1713).
  mutate(LS, 'without parentRef', 'parentRef', DELETE, 'schema'),
  mutate(LS, 'parentRef without name', 'parentRef.name', DELETE, 'schema'),
  mutate(LS, 'parentRef namespace not a label', 'parentRef.namespace', 'Infra', 'schema'),
  mutate(LS, 'parentRef kind not a Kind', 'parentRef.kind', '1Gateway', 'schema'),
  mutate(LS, 'parentRef with sectionName', 'parentRef.sectionName', 'http', 'cel'),
  mutate(LS, 'without listeners', 'listeners', DELETE, 'schema'),
  mutate(LS, 'empty listeners', 'listeners', [], 'schema'),
  mutate(
    LS,
    'more than 64 listeners',
    'listeners',
    many(65, (i) => ({ name: `l${i}`, port: 1000 + i, protocol: 'HTTP' })),
    'schema',
  ),
  mutate(LS, 'listener port 0', 'listeners.0.port', 0, 'schema'),
  mutate(LS, 'listener name not a DNS subdomain', 'listeners.0.name', 'Extra', 'schema'),
  mutate(LS, 'listener hostname with a port', 'listeners.0.hostname', 'a.example.com:80', 'schema'),
  mutate(LS, 'listener protocol not a protocol', 'listeners.0.protocol', 'HT TP', 'schema'),
  mutate(LS, 'listener tls mode unknown', 'listeners.1.tls.mode', 'Reencrypt', 'schema'),
  mutate(
    LS,
    'listener allowedRoutes from None',
    'listeners.0.allowedRoutes',
    { namespaces: { from: 'None' } },
    'schema',
    'listeners.0.allowedRoutes.namespaces.from',
  ),
  mutate(LS, 'HTTP listener with tls', 'listeners.0.tls', { certificateRefs: [{ name: 'c' }] }, 'cel'),
  mutate(LS, 'HTTPS listener without tls', 'listeners.1.tls', DELETE, 'cel'),
  mutate(LS, 'duplicate listener names', 'listeners.1.name', 'extra', 'cel'),
  mutate(LS, 'TCP listener with a hostname', 'listeners.0.protocol', 'TCP', 'cel', 'listeners.0.hostname'),
];

/** Valid specs beyond the upstream examples: every field exercised at least once. */
export const validCases: { name: string; kind: Kind; spec: unknown }[] = [
  { name: 'BackendTLSPolicy base', kind: 'BackendTLSPolicy', spec: baseBackendTLSPolicy() },
  {
    name: 'BackendTLSPolicy with system CAs, two ports of one Service and options',
    kind: 'BackendTLSPolicy',
    spec: {
      targetRefs: [
        { group: '', kind: 'Service', name: 'backend', sectionName: 'https' },
        { group: '', kind: 'Service', name: 'backend', sectionName: 'admin' },
        { group: '', kind: 'Service', name: 'other' },
      ],
      validation: { wellKnownCACertificates: 'System', hostname: 'backend.example.com' },
      options: { 'example.com/min-version': '1.3' },
    },
  },
  { name: 'HTTPRoute base', kind: 'HTTPRoute', spec: baseHTTPRoute() },
  { name: 'GatewayClass base', kind: 'GatewayClass', spec: baseGatewayClass() },
  {
    name: 'GatewayClass with only a controller',
    kind: 'GatewayClass',
    spec: { controllerName: 'epic-gateway.io/gateway-controller' },
  },
  { name: 'HTTPRoute empty spec (defaults)', kind: 'HTTPRoute', spec: {} },
  {
    name: 'HTTPRoute with every filter',
    kind: 'HTTPRoute',
    spec: {
      parentRefs: [
        { name: 'gw', namespace: 'infra', sectionName: 'https', port: 443 },
        { name: 'gw', namespace: 'infra', sectionName: 'http' },
      ],
      hostnames: ['*.example.com', 'example.com'],
      rules: [
        {
          name: 'api',
          matches: [
            {
              path: { type: 'PathPrefix', value: '/v1' },
              queryParams: [{ name: 'q', value: 'x', type: 'RegularExpression' }],
              method: 'GET',
            },
          ],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { add: [{ name: 'x-a', value: '1' }], remove: ['x-b'] },
            },
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { set: [{ name: 'x-c', value: '2' }] },
            },
            {
              type: 'URLRewrite',
              urlRewrite: {
                hostname: 'internal.example',
                path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2' },
              },
            },
            {
              type: 'RequestMirror',
              requestMirror: {
                backendRef: { name: 'mirror', port: 80 },
                fraction: { numerator: 1, denominator: 10 },
              },
            },
            {
              type: 'RequestMirror',
              requestMirror: { backendRef: { name: 'mirror2', port: 80 }, percent: 5 },
            },
            {
              type: 'CORS',
              cors: {
                allowOrigins: ['https://*.example.com', 'http://a.example:8080'],
                allowMethods: ['GET', 'POST'],
                allowHeaders: ['x-a'],
                exposeHeaders: ['x-b'],
                allowCredentials: true,
                maxAge: 60,
              },
            },
            { type: 'ExtensionRef', extensionRef: { group: 'epic.dev', kind: 'RateLimit', name: 'rl' } },
          ],
          backendRefs: [
            { name: 'a', port: 80, weight: 0 },
            {
              name: 'b',
              port: 80,
              weight: 1_000_000,
              filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { remove: ['server'] } }],
            },
            { group: 'epic.dev', kind: 'StaticEndpoints', name: 'ext' },
          ],
          timeouts: { request: '10s', backendRequest: '2s500ms' },
        },
        {
          matches: [{ path: { type: 'RegularExpression', value: '^/re(/.*)?$' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: {
                scheme: 'https',
                hostname: 'x.example',
                port: 8443,
                statusCode: 301,
                path: { type: 'ReplaceFullPath', replaceFullPath: '/' },
              },
            },
          ],
        },
        {
          matches: [{ path: { type: 'Exact', value: '/healthz' } }],
          timeouts: { request: '0s', backendRequest: '1h' },
        },
      ],
    },
  },
  { name: 'GRPCRoute base', kind: 'GRPCRoute', spec: baseGRPCRoute() },
  { name: 'GRPCRoute empty', kind: 'GRPCRoute', spec: {} },
  {
    name: 'GRPCRoute regex method and filters',
    kind: 'GRPCRoute',
    spec: {
      hostnames: ['grpc.example.com'],
      rules: [
        {
          matches: [
            {
              method: { type: 'RegularExpression', service: 'pkg\\..*', method: 'Get.*' },
              headers: [{ name: 'x', value: 'y' }],
            },
          ],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm', port: 1 } } }],
          backendRefs: [
            {
              name: 'g',
              port: 9000,
              filters: [
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: { set: [{ name: 'a', value: 'b' }] },
                },
              ],
            },
          ],
        },
      ],
    },
  },
  { name: 'TCPRoute base', kind: 'TCPRoute', spec: baseTCPRoute() },
  {
    name: 'TCPRoute weighted',
    kind: 'TCPRoute',
    spec: {
      rules: [
        {
          name: 'r',
          backendRefs: [
            { name: 'a', port: 1, weight: 3 },
            { name: 'b', port: 2, weight: 0 },
          ],
        },
      ],
    },
  },
  { name: 'UDPRoute base', kind: 'UDPRoute', spec: baseUDPRoute() },
  {
    name: 'UDPRoute weighted',
    kind: 'UDPRoute',
    spec: {
      parentRefs: [{ name: 'gw', port: 53 }],
      rules: [
        {
          name: 'dns',
          backendRefs: [
            { name: 'a', port: 53, weight: 9 },
            { name: 'b', port: 53, weight: 1 },
          ],
        },
      ],
    },
  },
  { name: 'TLSRoute base', kind: 'TLSRoute', spec: baseTLSRoute() },
  {
    name: 'TLSRoute wildcard',
    kind: 'TLSRoute',
    spec: { hostnames: ['*.example.com'], rules: [{ backendRefs: [{ name: 'x', port: 443 }] }] },
  },
  { name: 'Gateway base', kind: 'Gateway', spec: baseGateway() },
  {
    name: 'Gateway with every field',
    kind: 'Gateway',
    spec: {
      gatewayClassName: 'epic',
      listeners: [
        {
          name: 'tls',
          port: 8443,
          protocol: 'TLS',
          hostname: 'db.example.com',
          tls: { mode: 'Passthrough' },
        },
        {
          name: 'tcp',
          port: 5432,
          protocol: 'TCP',
          allowedRoutes: {
            kinds: [{ kind: 'TCPRoute' }],
            namespaces: {
              from: 'Selector',
              selector: {
                matchLabels: { team: 'a' },
                matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }],
              },
            },
          },
        },
        { name: 'custom', port: 9000, protocol: 'epic.dev/QUIC' },
        { name: 'https-opt', port: 443, protocol: 'HTTPS', tls: { options: { 'epic.dev/cert': 'acme' } } },
      ],
      addresses: [
        { value: '203.0.113.10' },
        { type: 'IPAddress', value: '2001:db8::1' },
        { type: 'Hostname', value: 'lb.example.com' },
        { type: 'epic.dev/pool', value: 'public' },
      ],
      infrastructure: {
        labels: { 'epic.dev/tier': 'edge' },
        annotations: { note: 'anything goes here' },
        parametersRef: { group: 'epic.dev', kind: 'Template', name: 't' },
      },
      allowedListeners: { namespaces: { from: 'Same' } },
      tls: {
        backend: { clientCertificateRef: { name: 'client' } },
        frontend: {
          default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
          perPort: [
            {
              port: 443,
              tls: {
                validation: {
                  caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca2' }],
                  mode: 'AllowInsecureFallback',
                },
              },
            },
          ],
        },
      },
    },
  },
  { name: 'ReferenceGrant base', kind: 'ReferenceGrant', spec: baseReferenceGrant() },
  { name: 'ListenerSet base', kind: 'ListenerSet', spec: baseListenerSet() },
  {
    name: 'ListenerSet every field',
    kind: 'ListenerSet',
    spec: {
      parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'infra' },
      listeners: [
        {
          name: 'tcp',
          port: 5432,
          protocol: 'TCP',
          allowedRoutes: {
            namespaces: { from: 'Selector', selector: { matchLabels: { team: 'db' } } },
            kinds: [{ kind: 'TCPRoute' }],
          },
        },
        {
          name: 'tls',
          port: 443,
          protocol: 'TLS',
          hostname: '*.db.example.com',
          tls: { mode: 'Passthrough' },
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    },
  },
  {
    name: 'ReferenceGrant named target',
    kind: 'ReferenceGrant',
    spec: {
      from: [{ group: '', kind: 'Gateway', namespace: 'x' }],
      to: [{ group: '', kind: 'Secret', name: 'cert' }],
    },
  },
];
