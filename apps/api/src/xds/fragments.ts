import { validateResource } from '@epic/envoy-proto';
import {
  fragmentShapeProblems,
  fragmentValidationTargets,
  type TemplateFragments,
} from '@epic/gateway-translator';
import type { EnvoyFragments, FragmentIssue } from '../modules/templates.js';

/**
 * Validates a template's native Envoy fragments when the template is saved: the translator's placement rules
 * (reserved fields and names), then each fragment as the translator will merge it, against Envoy's protos,
 * with the proto path of every error.
 */
export function validateFragments(input: EnvoyFragments): FragmentIssue[] {
  const fragments = input as TemplateFragments;
  const issues: FragmentIssue[] = fragmentShapeProblems(fragments).map((p) => {
    const i = p.indexOf(': ');
    return { path: p.slice(0, i), message: p.slice(i + 2) };
  });
  for (const t of fragmentValidationTargets(fragments)) {
    for (const e of validateResource(t.typeUrl, t.json).errors)
      issues.push({ path: e.path ? `${t.path}.${e.path}` : t.path, message: e.message });
  }
  return issues;
}
