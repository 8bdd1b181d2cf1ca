import { canonicalize, type JsonValue } from '@epic/gateway-translator';

/** A status condition as stored: the translator's, stamped with lastTransitionTime by the reconciler. */
export interface StoredCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export type DraftCondition = Omit<StoredCondition, 'lastTransitionTime'>;

/** Merges by type: a condition whose status did not change keeps its lastTransitionTime. */
export function mergeConditions(
  previous: readonly StoredCondition[] | undefined,
  next: readonly DraftCondition[],
  now: string,
): StoredCondition[] {
  return next.map((c) => {
    const prior = previous?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: prior && prior.status === c.status ? prior.lastTransitionTime : now };
  });
}

/**
 * Whether two statuses are the same content. A status read back from jsonb has its keys in jsonb's order
 * (shorter keys first), one built here in the order it was written: comparing their JSON text always differs,
 * so an unchanged status was written again on every reconcile (and its rows locked against route writers).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalize(a as JsonValue)) === JSON.stringify(canonicalize(b as JsonValue));
}
