import { CLUSTER, LISTENER, typeUrlOf, validateResource, type JsonObject } from '@epic/envoy-proto';
import { fragmentShapeProblems, type TemplateFragments } from '@epic/gateway-translator';
import type { EnvoyFragments, FragmentIssue } from '../modules/templates.js';

const HTTP_FILTER = typeUrlOf('envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter');

// Partial messages are checked inside a minimal valid message of their type, as the translator merges them.
const LISTENER_BASE: JsonObject = { name: 'fragment-check', address: { socketAddress: { address: '0.0.0.0', portValue: 1 } } };
const CLUSTER_BASE: JsonObject = { name: 'fragment-check', type: 'STATIC', connectTimeout: '1s' };

/**
 * Validates a template's native Envoy fragments when the template is saved: the placement rules of the
 * translator (reserved fields and names) and Envoy's own protos, with the proto path of every error.
 */
export function validateFragments(input: EnvoyFragments): FragmentIssue[] {
  const fragments = input as TemplateFragments;
  const issues: FragmentIssue[] = fragmentShapeProblems(fragments).map((p) => {
    const i = p.indexOf(': ');
    return { path: p.slice(0, i), message: p.slice(i + 2) };
  });
  const check = (path: string, typeUrl: string, json: JsonObject) => {
    const r = validateResource(typeUrl, json);
    for (const e of r.errors) issues.push({ path: e.path ? `${path}.${e.path}` : path, message: e.message });
  };
  (fragments.extraHttpFilters ?? []).forEach((f, i) => check(`extraHttpFilters[${i}]`, HTTP_FILTER, f));
  if (fragments.listenerOptions) check('listenerOptions', LISTENER, { ...fragments.listenerOptions, ...LISTENER_BASE });
  if (fragments.clusterOptions) check('clusterOptions', CLUSTER, { ...CLUSTER_BASE, ...fragments.clusterOptions, name: 'fragment-check' });
  (fragments.extraClusters ?? []).forEach((c, i) => check(`extraClusters[${i}]`, CLUSTER, c));
  return issues;
}
