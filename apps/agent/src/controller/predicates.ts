import type { KindName, KubeObject } from './resources.js';

/**
 * What of an object can change what the controller sends or decides. An update whose fingerprint equals the
 * previous one is skipped: for kinds with a spec generation that is the generation plus the metadata the
 * controller reads (labels, annotations, deletion, finalizers), so status-only writes (ours included) never
 * cause work; for kinds without one (Service, EndpointSlice, Secret, Namespace) the fields EPIC receives.
 */
export function fingerprint(kind: KindName, o: KubeObject): string {
  const m = o.metadata;
  const meta = [m.labels ?? {}, m.annotations ?? {}, m.deletionTimestamp ?? null, m.finalizers ?? []];
  switch (kind) {
    case 'Service':
      return JSON.stringify([meta, (o.spec as { ports?: unknown } | undefined)?.ports ?? []]);
    case 'EndpointSlice':
      return JSON.stringify([meta, o.addressType, o.ports, o.endpoints]);
    case 'Secret':
      return JSON.stringify([o.data ?? {}]);
    case 'ConfigMap':
      // Only a CA bundle's key is read.
      return JSON.stringify([o.data?.['ca.crt'] ?? null]);
    case 'Namespace':
      return JSON.stringify([m.labels ?? {}, m.deletionTimestamp ?? null]);
    default:
      return JSON.stringify([m.generation ?? null, meta]);
  }
}

/** Why an event needs no work (a small pure predicate), or undefined when it does. */
export function skipReason(
  kind: KindName,
  previous: string | undefined,
  next: string | undefined,
  referenced: boolean,
): string | undefined {
  if (previous !== undefined && previous === next) return 'no change the controller reads (status only)';
  if ((kind === 'Service' || kind === 'EndpointSlice' || kind === 'Secret') && !referenced)
    return `no route or GatewayClassConfig references this ${kind}`;
  if (kind === 'ConfigMap' && !referenced) return 'no Gateway or BackendTLSPolicy names this ConfigMap';
  return undefined;
}
