import fc from 'fast-check';

// fast-check generators for Gateway API specs that are meant to be valid (ours decides; the property tests
// check that whatever ours accepts, upstream accepts too).

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/);
const hostname = fc
  .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 3 }))
  .map(([wild, labels]) => `${wild ? '*.' : ''}${labels.join('.')}`);
const preciseHostname = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
const headerName = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,12}$/);
// Envoy refuses NUL, CR and LF in header values (HTTP_HEADER_VALUE).
const headerValue = fc.string({ minLength: 1, maxLength: 20 }).filter((v) => !/[\0\r\n]/.test(v));
// Regular expressions are RE2 (Envoy's safe_regex): a handful of valid ones, plus escaped literals.
const regexValue = fc.oneof(
  fc.constantFrom('.*', 'v[0-9]+', 'a|b', '[a-z]{1,3}', '(?i)token', '\\d+'),
  headerValue.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')),
);
const pathValue = fc
  .array(fc.stringMatching(/^[a-zA-Z0-9_~-]{1,6}$/), { maxLength: 3 })
  .map((s) => `/${s.join('/')}`);
const port = fc.integer({ min: 1, max: 65535 });
const weight = fc.integer({ min: 0, max: 1_000_000 });
const duration = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.constantFrom('h', 'm', 's', 'ms')), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.map(([n, u]) => `${n}${u}`).join(''));

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Drops undefined properties so "absent" really is absent. */
const compact = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const parentRefs = fc.array(
  fc.record({ name: label, sectionName: opt(label), namespace: opt(label), port: opt(port) }).map(compact),
  { maxLength: 3 },
);

const serviceRef = fc.record({ name: label, port, weight: opt(weight) }).map(compact);
const extRef = fc
  .record({ group: fc.constant('epic.dev'), kind: fc.constant('Static'), name: label, weight: opt(weight) })
  .map(compact);
const backendRef = fc.oneof(serviceRef, extRef);

const headers = fc.uniqueArray(
  fc
    .oneof(
      fc.record({ name: headerName, value: headerValue, type: opt(fc.constant('Exact')) }),
      fc.record({ name: headerName, value: regexValue, type: fc.constant('RegularExpression') }),
    )
    .map(compact),
  { maxLength: 3, selector: (h) => h.name },
);
const headerModifier = fc
  .record({
    set: opt(
      fc.uniqueArray(fc.record({ name: headerName, value: headerValue }), {
        maxLength: 2,
        selector: (h) => h.name,
      }),
    ),
    add: opt(
      fc.uniqueArray(fc.record({ name: headerName, value: headerValue }), {
        maxLength: 2,
        selector: (h) => h.name,
      }),
    ),
    remove: opt(fc.uniqueArray(headerName, { maxLength: 2 })),
  })
  .map(compact);

const mirror = fc
  .record({ backendRef: fc.record({ name: label, port }), percent: opt(fc.integer({ min: 0, max: 100 })) })
  .map(compact);

const httpFilter = fc.oneof(
  headerModifier.map((m) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m })),
  headerModifier.map((m) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: m })),
  mirror.map((m) => ({ type: 'RequestMirror', requestMirror: m })),
  fc
    .record({
      hostname: opt(preciseHostname),
      path: opt(pathValue.map((p) => ({ type: 'ReplaceFullPath', replaceFullPath: p }))),
    })
    .map((u) => ({ type: 'URLRewrite', urlRewrite: compact(u) })),
  fc
    .record({
      allowOrigins: opt(fc.constant(['https://a.example.com'])),
      maxAge: opt(fc.integer({ min: 1, max: 86400 })),
    })
    .map((c) => ({ type: 'CORS', cors: compact(c) })),
);
const httpFilters = fc.uniqueArray(httpFilter, { maxLength: 3, selector: (f) => f.type });

const httpMatch = fc
  .record({
    path: opt(fc.record({ type: fc.constantFrom('Exact', 'PathPrefix'), value: pathValue })),
    headers: opt(headers),
    queryParams: opt(headers.map((h) => h.map((q) => ({ ...q, value: q.value.slice(0, 1024) })))),
    method: opt(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH')),
  })
  .map(compact);

const redirectRule = fc
  .record({
    matches: opt(fc.array(httpMatch, { maxLength: 2 })),
    filters: fc
      .record({
        scheme: opt(fc.constantFrom('http', 'https')),
        hostname: opt(preciseHostname),
        port: opt(port),
        statusCode: opt(fc.constantFrom(301, 302)),
      })
      .map((r) => [{ type: 'RequestRedirect', requestRedirect: compact(r) }]),
  })
  .map(compact);

const forwardRule = fc
  .record({
    name: opt(label),
    matches: opt(fc.array(httpMatch, { maxLength: 3 })),
    filters: opt(httpFilters),
    backendRefs: opt(
      fc.array(
        fc.oneof(
          backendRef,
          serviceRef.map((b) => ({
            ...b,
            filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x'] } }],
          })),
        ),
        { maxLength: 3 },
      ),
    ),
    timeouts: opt(fc.record({ request: opt(duration), backendRequest: opt(duration) }).map(compact)),
  })
  .map(compact);

export const httpRouteSpec = fc
  .record({
    parentRefs: opt(parentRefs),
    hostnames: opt(fc.array(hostname, { maxLength: 3 })),
    rules: opt(
      fc.array(fc.oneof({ weight: 4, arbitrary: forwardRule }, { weight: 1, arbitrary: redirectRule }), {
        minLength: 1,
        maxLength: 4,
      }),
    ),
  })
  .map(compact);

const grpcMatch = fc
  .record({
    method: opt(
      fc
        .record({
          service: opt(fc.stringMatching(/^[a-z_][a-z_0-9]{0,5}(\.[A-Za-z_][a-z_0-9]{0,5}){0,2}$/)),
          method: fc.stringMatching(/^[A-Za-z_][A-Za-z_0-9]{0,8}$/),
        })
        .map(compact),
    ),
    headers: opt(headers),
  })
  .map(compact);

export const grpcRouteSpec = fc
  .record({
    parentRefs: opt(parentRefs),
    hostnames: opt(fc.array(hostname, { maxLength: 3 })),
    rules: opt(
      fc.array(
        fc
          .record({
            matches: opt(fc.array(grpcMatch, { maxLength: 3 })),
            filters: opt(
              fc.uniqueArray(
                fc.oneof(
                  headerModifier.map((m) => ({ type: 'RequestHeaderModifier', requestHeaderModifier: m })),
                  headerModifier.map((m) => ({ type: 'ResponseHeaderModifier', responseHeaderModifier: m })),
                ),
                { maxLength: 2, selector: (f) => f.type },
              ),
            ),
            backendRefs: opt(fc.array(backendRef, { maxLength: 3 })),
          })
          .map(compact),
        { maxLength: 3 },
      ),
    ),
  })
  .map(compact);

const l4Rules = fc
  .tuple(fc.array(backendRef, { minLength: 1, maxLength: 4 }), opt(label))
  .map(([backendRefs, name]) => [compact({ name, backendRefs })]);

export const tcpRouteSpec = fc.record({ parentRefs: opt(parentRefs), rules: l4Rules }).map(compact);
export const udpRouteSpec = fc.record({ parentRefs: opt(parentRefs), rules: l4Rules }).map(compact);
export const tlsRouteSpec = fc
  .record({
    parentRefs: opt(parentRefs),
    hostnames: fc.array(hostname, { minLength: 1, maxLength: 3 }),
    rules: l4Rules,
  })
  .map(compact);

const certRefs = fc.array(fc.record({ name: label, namespace: opt(label) }).map(compact), {
  minLength: 1,
  maxLength: 2,
});
const allowedRoutes = opt(
  fc
    .record({
      namespaces: opt(fc.record({ from: fc.constantFrom('All', 'Same') })),
      kinds: opt(
        fc.array(
          fc.record({ kind: fc.constantFrom('HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute') }),
          {
            maxLength: 2,
          },
        ),
      ),
    })
    .map(compact),
);
const listenerBody = fc.oneof(
  fc.record({ protocol: fc.constant('HTTP'), hostname: opt(hostname), allowedRoutes }).map(compact),
  fc
    .record({
      protocol: fc.constant('HTTPS'),
      hostname: opt(hostname),
      tls: certRefs.map((c) => ({ certificateRefs: c })),
      allowedRoutes,
    })
    .map(compact),
  fc
    .record({
      protocol: fc.constant('TLS'),
      hostname: opt(hostname),
      tls: fc.constant({ mode: 'Passthrough' }),
    })
    .map(compact),
  fc.record({ protocol: fc.constant('TCP'), allowedRoutes }).map(compact),
  fc.record({ protocol: fc.constant('UDP'), allowedRoutes }).map(compact),
);

export const gatewaySpec = fc
  .record({
    gatewayClassName: label,
    listeners: fc
      .uniqueArray(fc.tuple(label, port, listenerBody), {
        minLength: 1,
        maxLength: 5,
        selector: ([name]) => name,
      })
      .map((ls) => ls.map(([name, p, body]) => ({ name, port: p, ...body }))),
    infrastructure: opt(
      fc
        .record({
          labels: opt(
            fc.dictionary(
              fc.stringMatching(/^([a-z]{1,5}\.[a-z]{2,3}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?$/),
              fc.stringMatching(/^([A-Za-z0-9][-A-Za-z0-9_.]{0,8})?[A-Za-z0-9]?$/),
              { maxKeys: 10 },
            ),
          ),
          annotations: opt(fc.dictionary(label, fc.string({ maxLength: 30 }), { maxKeys: 18 })),
          parametersRef: opt(
            fc.record({ group: fc.constant('epic.dev'), kind: fc.constant('Template'), name: label }),
          ),
        })
        .map(compact),
    ),
    addresses: opt(
      fc.uniqueArray(
        fc.oneof(
          fc.ipV4().map((value) => ({ value })),
          fc.ipV6().map((value) => ({ type: 'IPAddress', value })),
          preciseHostname.map((value) => ({ type: 'Hostname', value })),
        ),
        { maxLength: 3, selector: (a) => a.value },
      ),
    ),
  })
  .map(compact);

/** A junk value to put somewhere in a valid spec. */
export const junk = fc.constantFrom<unknown>(
  -1,
  0,
  1.5,
  70000,
  1_000_001,
  2 ** 31,
  '',
  'Bad Value',
  'x'.repeat(300),
  '1d',
  '/a//b',
  'UPPER',
  null,
  true,
  [],
  {},
  [{}],
  { x: 1 },
);

/** Every path (list of keys) to a value inside `value`, the root excluded. */
export function allPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...allPaths(v, [...prefix, i])]);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...allPaths(v, [...prefix, k])]);
  }
  return [];
}

/** A copy with the value at `path` replaced (or removed when `remove`). */
export function mutateAt(
  value: unknown,
  path: (string | number)[],
  replacement: unknown,
  remove: boolean,
): unknown {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

export const referenceGrantSpec = fc.record({
  from: fc.array(
    fc.record({
      group: fc.constantFrom('', 'gateway.networking.k8s.io'),
      kind: fc.constantFrom('HTTPRoute', 'Gateway'),
      namespace: label,
    }),
    { minLength: 1, maxLength: 17 },
  ),
  to: fc.array(
    fc
      .record({ group: fc.constant(''), kind: fc.constantFrom('Service', 'Secret'), name: opt(label) })
      .map(compact),
    { minLength: 1, maxLength: 3 },
  ),
});
