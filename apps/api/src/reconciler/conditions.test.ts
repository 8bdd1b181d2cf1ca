import { describe, expect, it } from 'vitest';
import { mergeConditions, type StoredCondition } from './conditions.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const prev: StoredCondition[] = [
  {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: '',
    observedGeneration: 1,
    lastTransitionTime: T0,
  },
  {
    type: 'Programmed',
    status: 'Unknown',
    reason: 'Pending',
    message: '',
    observedGeneration: 1,
    lastTransitionTime: T0,
  },
];

describe('mergeConditions', () => {
  it('keeps lastTransitionTime when the status is unchanged, even if reason or generation moved', () => {
    const out = mergeConditions(
      prev,
      [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'x', observedGeneration: 2 }],
      T1,
    );
    expect(out).toEqual([
      {
        type: 'Accepted',
        status: 'True',
        reason: 'Accepted',
        message: 'x',
        observedGeneration: 2,
        lastTransitionTime: T0,
      },
    ]);
  });
  it('stamps now when the status flips or the condition is new', () => {
    const out = mergeConditions(
      prev,
      [
        { type: 'Programmed', status: 'True', reason: 'Programmed', message: '', observedGeneration: 2 },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: '', observedGeneration: 2 },
      ],
      T1,
    );
    expect(out.map((c) => c.lastTransitionTime)).toEqual([T1, T1]);
  });
});
