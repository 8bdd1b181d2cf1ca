// npm run bench -- translate [--seconds S]
// Render time of one gateway with 10, 100 and 1,000 HTTPRoutes through the translator (buildIR → validateIR →
// translateIR, what the reconciler runs per gateway), and, for the record, the same render followed by the
// proto validation of every resource with an empty cache (apps/api/src/xds/render.ts keeps a cache by content,
// so only changed resources pay it there). Then trace requests per second (traceRequest: listener, filter
// chain, RouteConfiguration, route, filters, clusters) on the rendered 1,000-route gateway. Pure CPU, one
// process, no database. Issue 10 targets: ≤ 1 ms, ≤ 10 ms, ≤ 80 ms; trace ≥ 5,000/s.
import { cpus, loadavg } from 'node:os';
import { validateResource } from '@epic/envoy-proto';
import { validate, type HTTPRouteSpec } from '@epic/gateway-api';
import {
  translate,
  traceRequest,
  type EnvoyResources,
  type RouteInput,
  type ServiceInput,
  type TraceRequest,
  type TranslateInput,
} from '@epic/gateway-translator';

const args = process.argv.slice(2);
const SECONDS = Number(args.includes('--seconds') ? args[args.indexOf('--seconds') + 1] : 3);
const SIZES = [10, 100, 1_000];
const NAMESPACES = ['apps', 'shop', 'api'];
const ROUTES_PER_SERVICE = 4;

/**
 * A realistic route: its own hostname, three rules (a path prefix with a header match and a request header
 * modifier, an exact path with a method and two weighted backends, a catch-all with a URL rewrite).
 */
function route(i: number): RouteInput {
  const namespace = NAMESPACES[i % NAMESPACES.length]!;
  const svc = (k: number) => `svc-${Math.floor(i / ROUTES_PER_SERVICE) + k}`;
  const spec = validate('HTTPRoute', {
    parentRefs: [{ name: 'gw', namespace: 'edge' }],
    hostnames: [`app-${i}.example.com`],
    rules: [
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: `/api/v${(i % 3) + 1}` },
            headers: [{ name: 'x-tenant', value: `t${i % 7}` }],
          },
        ],
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'x-route', value: `r${i}` }], remove: ['x-debug'] },
          },
        ],
        backendRefs: [{ name: svc(0), port: 80 }],
      },
      {
        matches: [{ path: { type: 'Exact', value: '/checkout' }, method: 'POST' }],
        backendRefs: [
          { name: svc(0), port: 80, weight: 90 },
          { name: svc(1), port: 80, weight: 10 },
        ],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        filters: [
          {
            type: 'URLRewrite',
            urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/app' } },
          },
        ],
        backendRefs: [{ name: svc(0), port: 80 }],
      },
    ],
  });
  if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
  return {
    id: `r-${i}`,
    kind: 'HTTPRoute',
    namespace,
    name: `route-${i}`,
    generation: 1,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    spec: spec.value as HTTPRouteSpec,
  };
}

function input(n: number): TranslateInput {
  const routes = Array.from({ length: n }, (_, i) => route(i));
  const services: ServiceInput[] = [];
  for (const r of routes) {
    for (const b of (r.spec as HTTPRouteSpec).rules!.flatMap((rule) => rule.backendRefs ?? [])) {
      if (services.some((s) => s.namespace === r.namespace && s.name === b.name)) continue;
      const k = services.length;
      services.push({
        namespace: r.namespace,
        name: b.name,
        ports: [{ port: 80, targetPort: 8080 }],
        endpoints: [0, 1, 2].map((e) => ({
          address: `10.${(k >> 8) & 255}.${k & 255}.${10 + e}`,
          port: 8080,
          ready: true,
        })),
      });
    }
  }
  return {
    gateway: {
      id: 'g',
      accountId: 'a',
      name: 'gw',
      namespace: 'edge',
      address: '192.0.2.1',
      generation: 1,
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
      ],
    },
    routes,
    referenceGrants: [],
    services,
    certificates: [],
    namespaces: [],
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const ms = (v: number) => `${v.toFixed(3)} ms`;

/**
 * Wall time and process CPU time (user + system, all threads: GC included) per run, each sorted. On a shared
 * machine the CPU time is the steadier figure: the wall time also counts the slices other processes take.
 */
function time(fn: () => void, seconds: number): { wall: number[]; cpu: number[] } {
  for (let i = 0; i < 5; i++) fn(); // warm-up (JIT)
  const wall: number[] = [];
  const cpu: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || wall.length < 10) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

function all(resources: EnvoyResources) {
  return [
    ...resources.listeners,
    ...resources.routes,
    ...resources.clusters,
    ...resources.endpoints,
    ...resources.secrets,
  ];
}

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  '| routes | resources | render wall p50 | p90 | p99 | max | CPU p50 | CPU p90 | runs | + proto validation (cold), wall p50 |',
);
console.log(
  '| ------ | --------- | --------------- | --- | --- | --- | ------- | ------- | ---- | ----------------------------------- |',
);
let big: EnvoyResources | undefined;
for (const n of SIZES) {
  const inp = input(n);
  const first = translate(inp);
  if (!first.resources) throw new Error(`invalid IR: ${JSON.stringify(first.issues.slice(0, 3))}`);
  const problems = all(first.resources).flatMap((r) =>
    validateResource(r.typeUrl, r.resource).errors.map((e) => `${r.name}: ${e.path}: ${e.message}`),
  );
  if (problems.length) throw new Error(`rejected by Envoy's schema: ${problems.slice(0, 3).join('; ')}`);
  const { wall: render, cpu } = time(() => void translate(inp), SECONDS);
  const withProto = time(
    () => {
      const r = translate(inp).resources!;
      for (const x of all(r)) validateResource(x.typeUrl, x.resource);
    },
    Math.min(SECONDS, 2),
  );
  console.log(
    `| ${n} | ${all(first.resources).length} | ${ms(quantile(render, 0.5))} | ${ms(quantile(render, 0.9))} | ${ms(
      quantile(render, 0.99),
    )} | ${ms(render[render.length - 1]!)} | ${ms(quantile(cpu, 0.5))} | ${ms(quantile(cpu, 0.9))} | ${
      render.length
    } | ${ms(quantile(withProto.wall, 0.5))} |`,
  );
  if (n === 1_000) big = first.resources;
}

// Trace: a mix of requests that reach each kind of rule, miss on the header, and miss the host.
const requests: TraceRequest[] = Array.from({ length: 10_000 }, (_, k) => {
  const i = (k * 7919) % 1_000;
  const host = k % 10 === 9 ? `nope-${i}.example.com` : `app-${i}.example.com`;
  switch (k % 4) {
    case 0:
      return { port: 80, host, path: `/api/v${(i % 3) + 1}/items?x=1`, headers: { 'x-tenant': `t${i % 7}` } };
    case 1:
      return { port: 80, host, path: '/checkout', method: 'POST' };
    case 2:
      return { port: 80, host, path: `/api/v1/items`, headers: { 'x-tenant': 'other' } };
    default:
      return { port: 80, host, path: `/static/${k}.css` };
  }
});
let routed = 0;
for (const r of requests) {
  const t = traceRequest(big!, r);
  if (t.connection === 'accepted' && t.outcome.route !== null) routed++;
}
const rounds: number[] = [];
const end = performance.now() + SECONDS * 1000;
while (performance.now() < end || rounds.length < 3) {
  const t0 = performance.now();
  for (const r of requests) traceRequest(big!, r);
  rounds.push((requests.length / (performance.now() - t0)) * 1000);
}
rounds.sort((a, b) => a - b);
console.log(
  `trace on 1,000 routes: ${Math.round(quantile(rounds, 0.5)).toLocaleString('en')} req/s median of ${
    rounds.length
  } rounds of ${requests.length.toLocaleString('en')} (min ${Math.round(rounds[0]!).toLocaleString('en')}); ${routed} of ${
    requests.length
  } reach a route`,
);
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
