import type { JsonObject, JsonValue } from '../json.js';
import type { EnvoyResources } from '../translate-ir.js';

// The parts of gRPC's xDS resource validation (gRFC A27/A28/A42, as @grpc/grpc-js-xds implements them)
// that a generated resource could trip, so Envoy-valid output also stays readable by proxyless clients.
// Redirect and direct-response routes are Envoy-only features and are allowed here.

const objects = (v: JsonValue | undefined): JsonObject[] =>
  Array.isArray(v)
    ? v.filter((x): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];

export function grpcClientProblems(resources: EnvoyResources): string[] {
  const problems: string[] = [];
  for (const rc of resources.routes) {
    for (const vh of objects(rc.resource['virtualHosts'])) {
      for (const d of (vh['domains'] as string[] | undefined) ?? []) {
        const first = d.indexOf('*');
        if (first !== d.lastIndexOf('*') || (first > 0 && first !== d.length - 1))
          problems.push(`${rc.name}: domain ${d}`);
      }
      for (const r of objects(vh['routes'])) {
        const m = (r['match'] ?? {}) as JsonObject;
        if (!['prefix', 'path', 'safeRegex'].some((k) => k in m))
          problems.push(`${rc.name} ${String(r['name'])}: path specifier`);
        const route = r['route'] as JsonObject | undefined;
        if (route === undefined) continue;
        const weighted = route['weightedClusters'] as JsonObject | undefined;
        if (weighted !== undefined) {
          const sum = objects(weighted['clusters']).reduce((n, c) => n + Number(c['weight'] ?? 0), 0);
          if (sum <= 0 || sum > 0xffffffff)
            problems.push(`${rc.name} ${String(r['name'])}: weight sum ${sum}`);
        }
        const retry = route['retryPolicy'] as JsonObject | undefined;
        if (retry !== undefined && Number(retry['numRetries'] ?? 1) < 1)
          problems.push(`${rc.name} ${String(r['name'])}: numRetries`);
      }
    }
  }
  for (const c of resources.clusters) {
    const policy = c.resource['lbPolicy'];
    if (
      c.name.startsWith('service/') &&
      policy !== undefined &&
      policy !== 'ROUND_ROBIN' &&
      policy !== 'RING_HASH'
    ) {
      problems.push(`${c.name}: lbPolicy ${String(policy)}`);
    }
  }
  for (const e of resources.endpoints) {
    for (const locality of objects(e.resource['endpoints'])) {
      if (locality['locality'] === undefined) problems.push(`${e.name}: locality unset`);
      if (!(Number(locality['loadBalancingWeight'] ?? 0) > 0))
        problems.push(`${e.name}: locality weight unset`);
    }
  }
  return problems;
}
