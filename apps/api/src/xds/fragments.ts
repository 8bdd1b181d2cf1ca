import { bootstrap, validateResource } from '@epic/envoy-proto';
import {
  fragmentShapeProblems,
  fragmentValidationTargets,
  type TemplateFragments,
} from '@epic/gateway-translator';
import type { EnvoyFragments, FragmentIssue } from '../modules/templates.js';

/**
 * Cluster names the proxies' bootstrap defines statically (the control plane's own `epic_xds`), read from
 * the bootstrap itself so the two cannot drift. A CDS cluster of that name is refused by Envoy (and would
 * freeze every later CDS update of the gateway); a fragment that sends traffic to it would reach the control
 * plane from the data plane.
 */
let bootstrapClusters: ReadonlySet<string> | undefined;
export function bootstrapClusterNames(): ReadonlySet<string> {
  if (bootstrapClusters === undefined) {
    const b = bootstrap({ account: 'reserved', gateway: 'names', xds: { host: '127.0.0.1', port: 1 } });
    const clusters = (b['staticResources'] as { clusters?: Array<{ name?: unknown }> } | undefined)?.clusters;
    bootstrapClusters = new Set(
      (clusters ?? []).map((c) => c.name).filter((n): n is string => typeof n === 'string'),
    );
  }
  return bootstrapClusters;
}

/** Every string in the fragments that names a bootstrap cluster, with its path. */
function reservedNameUses(value: unknown, path: string, reserved: ReadonlySet<string>, out: FragmentIssue[]) {
  if (typeof value === 'string') {
    if (reserved.has(value))
      out.push({ path, message: `"${value}" is the bootstrap's own cluster; this name is reserved` });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => reservedNameUses(v, `${path}[${i}]`, reserved, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) reservedNameUses(v, path ? `${path}.${k}` : k, reserved, out);
  }
}

/**
 * Validates a template's native Envoy fragments when the template is saved: the translator's placement rules
 * (reserved fields and names), the bootstrap's reserved cluster names, then each fragment as the translator
 * will merge it, against Envoy's protos, with the proto path of every error.
 */
export function validateFragments(input: EnvoyFragments): FragmentIssue[] {
  const fragments = input as TemplateFragments;
  const issues: FragmentIssue[] = fragmentShapeProblems(fragments).map((p) => {
    const i = p.indexOf(': ');
    return { path: p.slice(0, i), message: p.slice(i + 2) };
  });
  reservedNameUses(input, '', bootstrapClusterNames(), issues);
  for (const t of fragmentValidationTargets(fragments)) {
    for (const e of validateResource(t.typeUrl, t.json).errors)
      issues.push({ path: e.path ? `${t.path}.${e.path}` : t.path, message: e.message });
  }
  return issues;
}
