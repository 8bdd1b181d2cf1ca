import { isJsonObject, protoMerge, type JsonObject } from './json.js';

/**
 * Native Envoy v3 configuration a template may carry (proto3 JSON, camelCase, Any as `@type` + fields).
 * Where each piece goes — see README.md "Template fragments":
 * - extraHttpFilters: HttpFilter messages inserted, in order, just before the router filter of every
 *   HttpConnectionManager (after the CORS filter when there is one).
 * - listenerOptions: a partial Listener merged (protobuf MergeFrom) into every generated Listener.
 * - clusterOptions: a partial Cluster merged into every generated Cluster (not into extraClusters).
 * - extraClusters: whole Cluster messages published next to the generated ones (for filters to call,
 *   e.g. an ext_authz or rate-limit service).
 */
export interface TemplateFragments {
  extraHttpFilters?: JsonObject[];
  listenerOptions?: JsonObject;
  clusterOptions?: JsonObject;
  extraClusters?: JsonObject[];
}

/** Listener fields the translator owns; a fragment setting them is ignored there (and rejected on save). */
export const RESERVED_LISTENER_OPTION_KEYS: readonly string[] = [
  'name',
  'address',
  'additionalAddresses',
  'filterChains',
  'defaultFilterChain',
  'filterChainMatcher',
];

/** Cluster fields the translator owns. */
export const RESERVED_CLUSTER_OPTION_KEYS: readonly string[] = [
  'name',
  'type',
  'clusterType',
  'edsClusterConfig',
  'loadAssignment',
];

/** Name prefixes of generated clusters; an extra cluster may not use them. */
export const RESERVED_CLUSTER_NAME_PREFIXES: readonly string[] = ['service/', 'epic/', 'udproute/'];

/** The router must stay last: a fragment may not add another. */
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

export function mergeOptions(
  generated: JsonObject,
  options: JsonObject | undefined,
  reserved: readonly string[],
): JsonObject {
  if (options === undefined) return generated;
  const allowed: JsonObject = {};
  for (const [k, v] of Object.entries(options)) if (!reserved.includes(k)) allowed[k] = v;
  const merged = protoMerge(generated, allowed);
  return isJsonObject(merged) ? merged : generated;
}

export function extraHttpFilters(fragments: TemplateFragments | undefined): JsonObject[] {
  return (fragments?.extraHttpFilters ?? []).filter((f) => f['name'] !== ROUTER_FILTER_NAME);
}

/** Problems in the fragment shapes this package defines (proto validation is envoy-proto's job). */
export function fragmentShapeProblems(fragments: TemplateFragments): string[] {
  const problems: string[] = [];
  (fragments.extraHttpFilters ?? []).forEach((f, i) => {
    if (typeof f['name'] !== 'string') problems.push(`extraHttpFilters[${i}].name: required`);
    if (f['name'] === ROUTER_FILTER_NAME)
      problems.push(`extraHttpFilters[${i}].name: the router filter is added by EPIC`);
  });
  for (const k of Object.keys(fragments.listenerOptions ?? {})) {
    if (RESERVED_LISTENER_OPTION_KEYS.includes(k)) problems.push(`listenerOptions.${k}: set by EPIC`);
  }
  for (const k of Object.keys(fragments.clusterOptions ?? {})) {
    if (RESERVED_CLUSTER_OPTION_KEYS.includes(k)) problems.push(`clusterOptions.${k}: set by EPIC`);
  }
  (fragments.extraClusters ?? []).forEach((c, i) => {
    const name = c['name'];
    if (typeof name !== 'string' || name === '') problems.push(`extraClusters[${i}].name: required`);
    else if (RESERVED_CLUSTER_NAME_PREFIXES.some((p) => name.startsWith(p))) {
      problems.push(
        `extraClusters[${i}].name: prefixes ${RESERVED_CLUSTER_NAME_PREFIXES.join(', ')} are reserved`,
      );
    }
  });
  return problems;
}

const HTTP_FILTER_TYPE_URL =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter';
const LISTENER_TYPE_URL = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER_TYPE_URL = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

/** A proto message to check when a template is saved; `path` names where it sits in the fragments. */
export interface FragmentValidationTarget {
  path: string;
  typeUrl: string;
  json: JsonObject;
}

/**
 * What to validate against Envoy's protos for a template's fragments (the API's validateFragments runs
 * each through envoy-proto's validateResource and prefixes errors with `path`). Options are checked merged
 * into a resource shaped like the ones stage 2 generates, so required fields are present and the result
 * is exactly what a proxy would receive.
 */
export function fragmentValidationTargets(fragments: TemplateFragments): FragmentValidationTarget[] {
  const targets: FragmentValidationTarget[] = [];
  (fragments.extraHttpFilters ?? []).forEach((json, i) =>
    targets.push({ path: `extraHttpFilters[${i}]`, typeUrl: HTTP_FILTER_TYPE_URL, json }),
  );
  if (fragments.listenerOptions !== undefined) {
    const sample: JsonObject = {
      name: 'listener/80',
      address: { socketAddress: { address: '0.0.0.0', portValue: 80 } },
    };
    targets.push({
      path: 'listenerOptions',
      typeUrl: LISTENER_TYPE_URL,
      json: mergeOptions(sample, fragments.listenerOptions, RESERVED_LISTENER_OPTION_KEYS),
    });
  }
  if (fragments.clusterOptions !== undefined) {
    const sample: JsonObject = {
      name: 'service/namespace/name/80',
      type: 'EDS',
      edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } },
      connectTimeout: '10s',
    };
    targets.push({
      path: 'clusterOptions',
      typeUrl: CLUSTER_TYPE_URL,
      json: mergeOptions(sample, fragments.clusterOptions, RESERVED_CLUSTER_OPTION_KEYS),
    });
  }
  (fragments.extraClusters ?? []).forEach((json, i) =>
    targets.push({ path: `extraClusters[${i}]`, typeUrl: CLUSTER_TYPE_URL, json }),
  );
  return targets;
}
