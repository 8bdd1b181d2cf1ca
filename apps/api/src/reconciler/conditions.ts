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
