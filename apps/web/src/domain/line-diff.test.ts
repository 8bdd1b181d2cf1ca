import { describe, expect, it } from 'vitest';
import { diffLines, foldUnchanged } from './line-diff.js';

const kinds = (rows: { kind: string }[]) => rows.map((r) => r.kind);

describe('side-by-side line diff', () => {
  it('keeps equal inputs on unchanged rows, with line numbers on both sides', () => {
    const rows = diffLines(['a', 'b'], ['a', 'b']);
    expect(kinds(rows)).toEqual(['same', 'same']);
    expect(rows[1]).toEqual({ kind: 'same', left: { n: 2, text: 'b' }, right: { n: 2, text: 'b' } });
  });

  it('pairs a replaced line as changed and aligns the lines after it', () => {
    const rows = diffLines(['{', '  "weight": 90', '}'], ['{', '  "weight": 50', '}']);
    expect(kinds(rows)).toEqual(['same', 'changed', 'same']);
    expect(rows[1]).toMatchObject({ left: { text: '  "weight": 90' }, right: { text: '  "weight": 50' } });
  });

  it('shows inserted and deleted lines on one side only', () => {
    expect(kinds(diffLines(['a', 'c'], ['a', 'b', 'c']))).toEqual(['same', 'added', 'same']);
    expect(kinds(diffLines(['a', 'b', 'c'], ['a', 'c']))).toEqual(['same', 'removed', 'same']);
    expect(kinds(diffLines([], ['x']))).toEqual(['added']);
    expect(kinds(diffLines(['x'], []))).toEqual(['removed']);
  });

  it('pairs by position past the alignment limit, still marking every difference', () => {
    const a = Array.from({ length: 4000 }, (_, i) => `l${i}`);
    const b = a.map((l, i) => (i === 10 ? 'changed' : l));
    const rows = diffLines(a, b);
    expect(rows.filter((r) => r.kind !== 'same')).toHaveLength(1);
    expect(rows.find((r) => r.kind !== 'same')).toMatchObject({ kind: 'changed', left: { n: 11 } });
  });

  it('folds long unchanged runs, keeping context around each change', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = a.map((l, i) => (i === 10 ? 'x' : l));
    const folded = foldUnchanged(diffLines(a, b), 2);
    expect(kinds(folded)).toEqual(['skipped', 'same', 'same', 'changed', 'same', 'same', 'skipped']);
    expect(folded[0]).toEqual({ kind: 'skipped', count: 8 });
    expect(folded.at(-1)).toEqual({ kind: 'skipped', count: 7 });
  });
});
