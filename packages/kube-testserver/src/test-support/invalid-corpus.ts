// Invalid objects and the exact error a Kubernetes 1.32 API server returns for each: the field path and
// the field.Error text (kube-openapi wording for CRD schemas, apimachinery validation for ObjectMeta).
export interface InvalidCase {
  /** metadata.name, unique across the corpus so kubectl's output can be matched per object. */
  name: string;
  object: Record<string, unknown>;
  field: string;
  message: string;
  /** Further errors upstream reports for the same object, after the first. */
  more?: ExpectedCause[];
}

/** One error of a 422's `details.causes`, as field and message. */
export interface ExpectedCause {
  field: string;
  message: string;
}

// Kinds whose CRD declares x-kubernetes-validations: after a blocking schema error (type, required, enum,
// size) customResourceStrategy.Validate skips CEL and appends this error instead (hasBlockingErr).
const celKinds = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'GatewayClass']);
export const celSkipped: ExpectedCause = {
  field: '<nil>',
  message:
    'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};
function blocking(message: string): boolean {
  return (
    /^(Required value|Unsupported value|Too long|Too many)/.test(message) ||
    /in body must be of type/.test(message)
  );
}

/** Every cause upstream reports for a case, in order. */
export function expectedCauses(c: InvalidCase): ExpectedCause[] {
  const first = { field: c.field, message: c.message };
  const more = c.more ?? [];
  const skipped = celKinds.has(c.object.kind as string) && blocking(c.message) ? [celSkipped] : [];
  return [first, ...more, ...skipped];
}

/** The Status message upstream sends: `Kind.group "name" is invalid: <one>` or `[<a>, <b>]`. */
export function expectedMessage(c: InvalidCase): string {
  const apiVersion = c.object.apiVersion as string;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const qualifiedKind = group ? `${String(c.object.kind)}.${group}` : String(c.object.kind);
  const rendered = expectedCauses(c).map((e) => `${e.field}: ${e.message}`);
  const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return `${qualifiedKind} "${c.name}" is invalid: ${list}`;
}

const GW = 'gateway.networking.k8s.io/v1';
const listener = { name: 'http', port: 80, protocol: 'HTTP' };
const dnsSubdomain = "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'";

function gateway(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name },
    spec: { gatewayClassName: 'gc', listeners: [listener], ...spec },
  };
}
function route(name: string, rule: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: { name },
    spec: {
      parentRefs: [{ name: 'gw' }],
      rules: [{ backendRefs: [{ name: 'svc', port: 80 }], ...rule }],
      ...spec,
    },
  };
}
function invalidCase(
  name: string,
  object: Record<string, unknown>,
  field: string,
  message: string,
  more?: ExpectedCause[],
): InvalidCase {
  return more ? { name, object, field, message, more } : { name, object, field, message };
}

const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
const long = (n: number) => 'a'.repeat(n);

export const invalidCorpus: InvalidCase[] = [
  // Gateway: required, bounds, types, patterns, enums, lengths, list sizes, duplicate map keys.
  invalidCase(
    'gw-no-class',
    { apiVersion: GW, kind: 'Gateway', metadata: { name: 'gw-no-class' }, spec: { listeners: [listener] } },
    'spec.gatewayClassName',
    'Required value',
  ),
  invalidCase(
    'gw-no-listeners',
    {
      apiVersion: GW,
      kind: 'Gateway',
      metadata: { name: 'gw-no-listeners' },
      spec: { gatewayClassName: 'gc' },
    },
    'spec.listeners',
    'Required value',
  ),
  invalidCase(
    'gw-empty-listeners',
    gateway('gw-empty-listeners', { listeners: [] }),
    'spec.listeners',
    'Invalid value: 0: spec.listeners in body should have at least 1 items',
  ),
  invalidCase(
    'gw-port-high',
    gateway('gw-port-high', { listeners: [{ ...listener, port: 70000 }] }),
    'spec.listeners[0].port',
    'Invalid value: 70000: spec.listeners[0].port in body should be less than or equal to 65535',
  ),
  invalidCase(
    'gw-port-zero',
    gateway('gw-port-zero', { listeners: [{ ...listener, port: 0 }] }),
    'spec.listeners[0].port',
    'Invalid value: 0: spec.listeners[0].port in body should be greater than or equal to 1',
  ),
  invalidCase(
    'gw-port-string',
    gateway('gw-port-string', { listeners: [{ ...listener, port: '80' }] }),
    'spec.listeners[0].port',
    'Invalid value: "string": spec.listeners[0].port in body must be of type integer: "string"',
  ),
  invalidCase(
    'gw-listener-no-name',
    gateway('gw-listener-no-name', { listeners: [{ port: 80, protocol: 'HTTP' }] }),
    'spec.listeners[0].name',
    'Required value',
  ),
  invalidCase(
    'gw-listener-no-protocol',
    gateway('gw-listener-no-protocol', { listeners: [{ name: 'http', port: 80 }] }),
    'spec.listeners[0].protocol',
    'Required value',
  ),
  invalidCase(
    'gw-listener-bad-name',
    gateway('gw-listener-bad-name', { listeners: [{ ...listener, name: 'Bad_Name' }] }),
    'spec.listeners[0].name',
    `Invalid value: "Bad_Name": spec.listeners[0].name in body should match ${dnsSubdomain}`,
  ),
  invalidCase(
    'gw-bad-hostname',
    gateway('gw-bad-hostname', { listeners: [{ ...listener, hostname: 'UPPER.example.com' }] }),
    'spec.listeners[0].hostname',
    `Invalid value: "UPPER.example.com": spec.listeners[0].hostname in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
  ),
  invalidCase(
    'gw-tls-mode',
    gateway('gw-tls-mode', {
      listeners: [
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          tls: { mode: 'Reencrypt', certificateRefs: [{ name: 'cert' }] },
        },
      ],
    }),
    'spec.listeners[0].tls.mode',
    'Unsupported value: "Reencrypt": supported values: "Terminate", "Passthrough"',
  ),
  invalidCase(
    'gw-allowed-from',
    gateway('gw-allowed-from', {
      listeners: [{ ...listener, allowedRoutes: { namespaces: { from: 'Everywhere' } } }],
    }),
    'spec.listeners[0].allowedRoutes.namespaces.from',
    'Unsupported value: "Everywhere": supported values: "All", "Selector", "Same"',
  ),
  invalidCase(
    'gw-empty-class',
    gateway('gw-empty-class', { gatewayClassName: '' }),
    'spec.gatewayClassName',
    'Invalid value: "": spec.gatewayClassName in body should be at least 1 chars long',
  ),
  invalidCase(
    'gw-long-class',
    gateway('gw-long-class', { gatewayClassName: long(254) }),
    'spec.gatewayClassName',
    'Too long: may not be more than 253 bytes',
  ),
  invalidCase(
    'gw-too-many-listeners',
    gateway('gw-too-many-listeners', { listeners: many(65, (i) => ({ ...listener, name: `l${i}` })) }),
    'spec.listeners',
    'Too many: 65: must have at most 64 items',
  ),
  invalidCase(
    'gw-duplicate-listener',
    gateway('gw-duplicate-listener', { listeners: [listener, { ...listener, port: 8080 }] }),
    'spec.listeners[1]',
    'Duplicate value: map[string]interface {}{"name":"http"}',
    [
      {
        field: 'spec.listeners',
        message: 'Invalid value: "array": Listener name must be unique within the Gateway',
      },
    ],
  ),
  invalidCase(
    'gw-too-many-addresses',
    gateway('gw-too-many-addresses', { addresses: many(17, (i) => ({ value: `10.0.0.${i}` })) }),
    'spec.addresses',
    'Too many: 17: must have at most 16 items',
  ),
  invalidCase(
    'gw-class-number',
    gateway('gw-class-number', { gatewayClassName: 42 }),
    'spec.gatewayClassName',
    'Invalid value: "integer": spec.gatewayClassName in body must be of type string: "integer"',
  ),
  invalidCase(
    `gw-${long(251)}`,
    gateway(`gw-${long(251)}`, {}),
    'metadata.name',
    `Invalid value: "gw-${long(251)}": must be no more than 253 characters`,
  ),
  invalidCase(
    'GW_Upper',
    gateway('GW_Upper', {}),
    'metadata.name',
    `Invalid value: "GW_Upper": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ),

  // HTTPRoute.
  invalidCase(
    'hr-path-type',
    route('hr-path-type', { matches: [{ path: { type: 'Glob', value: '/' } }] }),
    'spec.rules[0].matches[0].path.type',
    'Unsupported value: "Glob": supported values: "Exact", "PathPrefix", "RegularExpression"',
  ),
  invalidCase(
    'hr-method',
    route('hr-method', { matches: [{ method: 'FETCH' }] }),
    'spec.rules[0].matches[0].method',
    'Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"',
  ),
  invalidCase(
    'hr-backend-port',
    route('hr-backend-port', { backendRefs: [{ name: 'svc', port: 70000 }] }),
    'spec.rules[0].backendRefs[0].port',
    'Invalid value: 70000: spec.rules[0].backendRefs[0].port in body should be less than or equal to 65535',
  ),
  invalidCase(
    'hr-weight-negative',
    route('hr-weight-negative', { backendRefs: [{ name: 'svc', port: 80, weight: -1 }] }),
    'spec.rules[0].backendRefs[0].weight',
    'Invalid value: -1: spec.rules[0].backendRefs[0].weight in body should be greater than or equal to 0',
  ),
  invalidCase(
    'hr-weight-high',
    route('hr-weight-high', { backendRefs: [{ name: 'svc', port: 80, weight: 1000001 }] }),
    'spec.rules[0].backendRefs[0].weight',
    'Invalid value: 1000001: spec.rules[0].backendRefs[0].weight in body should be less than or equal to 1000000',
  ),
  invalidCase(
    'hr-too-many-hostnames',
    route('hr-too-many-hostnames', {}, { hostnames: many(17, (i) => `h${i}.example.com`) }),
    'spec.hostnames',
    'Too many: 17: must have at most 16 items',
  ),
  invalidCase(
    'hr-bad-hostname',
    route('hr-bad-hostname', {}, { hostnames: ['bad host'] }),
    'spec.hostnames[0]',
    `Invalid value: "bad host": spec.hostnames[0] in body should match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
  ),
  invalidCase(
    'hr-redirect-code',
    route('hr-redirect-code', {
      backendRefs: [],
      filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 305 } }],
    }),
    'spec.rules[0].filters[0].requestRedirect.statusCode',
    'Unsupported value: 305: supported values: "301", "302", "303", "307", "308"',
  ),
  invalidCase(
    'hr-filter-type',
    route('hr-filter-type', { filters: [{ type: 'Teleport' }] }),
    'spec.rules[0].filters[0].type',
    'Unsupported value: "Teleport": supported values: "RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS"',
  ),
  invalidCase(
    'hr-timeout',
    route('hr-timeout', { timeouts: { request: '10 seconds' } }),
    'spec.rules[0].timeouts.request',
    `Invalid value: "10 seconds": spec.rules[0].timeouts.request in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'`,
  ),
  invalidCase(
    'hr-too-many-rules',
    route('hr-too-many-rules', {}, { rules: many(17, () => ({ backendRefs: [{ name: 'svc', port: 80 }] })) }),
    'spec.rules',
    'Too many: 17: must have at most 16 items',
  ),
  invalidCase(
    'hr-parent-no-name',
    route('hr-parent-no-name', {}, { parentRefs: [{ kind: 'Gateway' }] }),
    'spec.parentRefs[0].name',
    'Required value',
  ),
  invalidCase(
    'hr-header-name',
    route('hr-header-name', { matches: [{ headers: [{ name: 'bad header', value: 'x' }] }] }),
    'spec.rules[0].matches[0].headers[0].name',
    "Invalid value: \"bad header\": spec.rules[0].matches[0].headers[0].name in body should match '^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$'",
  ),
  invalidCase(
    'hr-set-no-value',
    route('hr-set-no-value', {
      filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a' }] } }],
    }),
    'spec.rules[0].filters[0].requestHeaderModifier.set[0].value',
    'Required value',
  ),
  invalidCase(
    'hr-empty-rules',
    route('hr-empty-rules', {}, { rules: [] }),
    'spec.rules',
    'Invalid value: 0: spec.rules in body should have at least 1 items',
  ),

  // GatewayClass, ReferenceGrant, GRPCRoute.
  invalidCase(
    'gc-no-controller',
    { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'gc-no-controller' }, spec: {} },
    'spec.controllerName',
    'Required value',
  ),
  invalidCase(
    'gc-bad-controller',
    {
      apiVersion: GW,
      kind: 'GatewayClass',
      metadata: { name: 'gc-bad-controller' },
      spec: { controllerName: 'no-slash' },
    },
    'spec.controllerName',
    `Invalid value: "no-slash": spec.controllerName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$'`,
  ),
  invalidCase(
    'rg-empty-from',
    {
      apiVersion: GW,
      kind: 'ReferenceGrant',
      metadata: { name: 'rg-empty-from' },
      spec: { from: [], to: [{ group: '', kind: 'Service' }] },
    },
    'spec.from',
    'Invalid value: 0: spec.from in body should have at least 1 items',
  ),
  invalidCase(
    'rg-to-no-kind',
    {
      apiVersion: GW,
      kind: 'ReferenceGrant',
      metadata: { name: 'rg-to-no-kind' },
      spec: { from: [{ group: GW.split('/')[0], kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '' }] },
    },
    'spec.to[0].kind',
    'Required value',
  ),
  invalidCase(
    'grpc-weight-string',
    {
      apiVersion: GW,
      kind: 'GRPCRoute',
      metadata: { name: 'grpc-weight-string' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [{ backendRefs: [{ name: 'svc', port: 50051, weight: 'heavy' }] }],
      },
    },
    'spec.rules[0].backendRefs[0].weight',
    'Invalid value: "string": spec.rules[0].backendRefs[0].weight in body must be of type integer: "string"',
  ),

  // CEL rules (x-kubernetes-validations): the bad value is the node's schema type, the text the rule's message.
  invalidCase(
    'cel-gw-tls-on-http',
    gateway('cel-gw-tls-on-http', {
      listeners: [{ ...listener, tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } }],
    }),
    'spec.listeners',
    `Invalid value: "array": tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']`,
  ),
  invalidCase(
    'cel-gw-same-port',
    gateway('cel-gw-same-port', { listeners: [listener, { ...listener, name: 'other' }] }),
    'spec.listeners',
    'Invalid value: "array": Combination of port, protocol and hostname must be unique for each listener',
  ),
  invalidCase(
    'cel-gw-tls-no-mode',
    gateway('cel-gw-tls-no-mode', { listeners: [{ name: 'tls', port: 443, protocol: 'TLS' }] }),
    'spec.listeners',
    'Invalid value: "array": tls mode must be set for protocol TLS',
  ),
  invalidCase(
    'cel-gw-tcp-hostname',
    gateway('cel-gw-tcp-hostname', {
      listeners: [{ name: 'tcp', port: 9000, protocol: 'TCP', hostname: 'a.example.com' }],
    }),
    'spec.listeners',
    `Invalid value: "array": hostname must not be specified for protocols ['TCP', 'UDP']`,
  ),
  invalidCase(
    'cel-gw-https-passthrough',
    gateway('cel-gw-https-passthrough', {
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } }],
    }),
    'spec.listeners',
    'Invalid value: "array": tls mode must be Terminate for protocol HTTPS',
  ),
  invalidCase(
    'cel-gw-hostname-address',
    gateway('cel-gw-hostname-address', { addresses: [{ type: 'Hostname', value: 'Not_A_Host' }] }),
    'spec.addresses[0]',
    'Invalid value: "object": Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
  ),
  invalidCase(
    'cel-hr-relative-path',
    route('cel-hr-relative-path', { matches: [{ path: { type: 'PathPrefix', value: 'foo' } }] }),
    'spec.rules[0].matches[0].path',
    "Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
  ),
  invalidCase(
    'cel-hr-filter-no-config',
    route('cel-hr-filter-no-config', { filters: [{ type: 'RequestHeaderModifier' }] }),
    'spec.rules[0].filters[0]',
    'Invalid value: "object": filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
  ),
  invalidCase(
    'cel-hr-redirect-and-backends',
    route('cel-hr-redirect-and-backends', {
      filters: [{ type: 'RequestRedirect', requestRedirect: { statusCode: 301 } }],
    }),
    'spec.rules[0]',
    'Invalid value: "object": RequestRedirect filter must not be used together with backendRefs',
  ),
  invalidCase(
    'cel-hr-service-no-port',
    route('cel-hr-service-no-port', { backendRefs: [{ name: 'svc' }] }),
    'spec.rules[0].backendRefs[0]',
    'Invalid value: "object": Must have port for Service reference',
  ),
  invalidCase(
    'cel-hr-same-parent',
    route('cel-hr-same-parent', {}, { parentRefs: [{ name: 'gw' }, { name: 'gw' }] }),
    'spec.parentRefs',
    'Invalid value: "array": sectionName must be unique when parentRefs includes 2 or more references to the same parent',
  ),
  invalidCase(
    'cel-hr-backend-timeout',
    route('cel-hr-backend-timeout', { timeouts: { request: '1s', backendRequest: '2s' } }),
    'spec.rules[0].timeouts',
    'Invalid value: "object": backendRequest timeout cannot be longer than request timeout',
  ),
  invalidCase(
    'cel-hr-mirror-both',
    route('cel-hr-mirror-both', {
      filters: [
        {
          type: 'RequestMirror',
          requestMirror: {
            backendRef: { name: 'mirror', port: 80 },
            percent: 10,
            fraction: { numerator: 1, denominator: 10 },
          },
        },
      ],
    }),
    'spec.rules[0].filters[0].requestMirror',
    'Invalid value: "object": Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
  ),
  invalidCase(
    'cel-grpc-method',
    {
      apiVersion: GW,
      kind: 'GRPCRoute',
      metadata: { name: 'cel-grpc-method' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [{ matches: [{ method: { service: 'echo.Echo', method: 'bad-name' } }] }],
      },
    },
    'spec.rules[0].matches[0].method',
    'Invalid value: "object": method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
  ),
  invalidCase(
    'cel-grpc-service',
    {
      apiVersion: GW,
      kind: 'GRPCRoute',
      metadata: { name: 'cel-grpc-service' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [{ matches: [{ method: { service: 'Echo..Bad' } }] }],
      },
    },
    'spec.rules[0].matches[0].method',
    'Invalid value: "object": service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
  ),

  // Built-ins.
  invalidCase(
    'CM_Bad',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'CM_Bad' } },
    'metadata.name',
    `Invalid value: "CM_Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ),
  invalidCase(
    'svc-port-zero',
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc-port-zero' },
      spec: { ports: [{ port: 0 }] },
    },
    'spec.ports[0].port',
    'Invalid value: 0: must be between 1 and 65535, inclusive',
  ),
  invalidCase(
    'cm-long-label',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-long-label', labels: { app: long(64) } } },
    'metadata.labels',
    `Invalid value: "${long(64)}": must be no more than 63 characters`,
  ),
];
