import type { LabelSelector, NamespaceInput, ReferenceGrantInput } from './input.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * Whether a ReferenceGrant in the target namespace lets `from` (group, kind, namespace) refer to
 * `to` (group, kind, name). References within one namespace never need a grant.
 */
export function referencePermitted(
  grants: readonly ReferenceGrantInput[],
  from: { group: string; kind: string; namespace: string },
  to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  if (from.namespace === to.namespace) return true;
  return grants.some(
    (g) =>
      g.namespace === to.namespace &&
      g.spec.from.some(
        (f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace,
      ) &&
      g.spec.to.some(
        (t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name),
      ),
  );
}

/** metav1.LabelSelector semantics: every matchLabels entry and every expression must hold. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(value ?? '')
        : e.operator === 'NotIn'
          ? !has || !values.includes(value ?? '')
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

export function namespaceLabels(namespaces: readonly NamespaceInput[], name: string): Record<string, string> {
  const ns = namespaces.find((n) => n.name === name);
  // The kubernetes.io/metadata.name label is set on every namespace by the API server.
  return { ...(ns?.labels ?? {}), 'kubernetes.io/metadata.name': name };
}
