/** One row of a side-by-side diff: a line on the left, on the right, or both. */
export interface DiffRow {
  kind: 'same' | 'removed' | 'added' | 'changed';
  left?: { n: number; text: string };
  right?: { n: number; text: string };
}

/** Past this many lines a side, the diff pairs lines by position instead of an O(n·m) alignment. */
const MAX_ALIGNED = 3000;

/**
 * A side-by-side line diff (longest common subsequence): unchanged lines sit on one row; a run of removed lines
 * next to a run of added ones pairs up row by row as `changed`. Pure and deterministic.
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffRow[] {
  const ops: ('=' | '-' | '+')[] = [];
  if (a.length > MAX_ALIGNED || b.length > MAX_ALIGNED) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i < a.length && i < b.length && a[i] === b[i]) ops.push('=');
      else {
        if (i < a.length) ops.push('-');
        if (i < b.length) ops.push('+');
      }
    }
  } else {
    // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
    const w = b.length + 1;
    const lcs = new Uint32Array((a.length + 1) * w);
    for (let i = a.length - 1; i >= 0; i--)
      for (let j = b.length - 1; j >= 0; j--)
        lcs[i * w + j] =
          a[i] === b[j]
            ? lcs[(i + 1) * w + j + 1]! + 1
            : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        ops.push('=');
        i++;
        j++;
      } else if (j < b.length && (i === a.length || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
        ops.push('+');
        j++;
      } else {
        ops.push('-');
        i++;
      }
    }
  }
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  for (let k = 0; k < ops.length;) {
    if (ops[k] === '=') {
      rows.push({ kind: 'same', left: { n: i + 1, text: a[i]! }, right: { n: j + 1, text: b[j]! } });
      i++;
      j++;
      k++;
      continue;
    }
    const removed: number[] = [];
    const added: number[] = [];
    while (k < ops.length && ops[k] !== '=') {
      if (ops[k] === '-') removed.push(i++);
      else added.push(j++);
      k++;
    }
    for (let r = 0; r < Math.max(removed.length, added.length); r++) {
      const l = removed[r];
      const rt = added[r];
      rows.push({
        kind: l !== undefined && rt !== undefined ? 'changed' : l !== undefined ? 'removed' : 'added',
        ...(l !== undefined ? { left: { n: l + 1, text: a[l]! } } : {}),
        ...(rt !== undefined ? { right: { n: rt + 1, text: b[rt]! } } : {}),
      });
    }
  }
  return rows;
}

/** Keeps `context` unchanged rows around each change; longer unchanged runs become one `skipped` count. */
export function foldUnchanged(
  rows: DiffRow[],
  context = 3,
): (DiffRow | { kind: 'skipped'; count: number })[] {
  const keep = rows.map(() => false);
  rows.forEach((r, i) => {
    if (r.kind === 'same') return;
    for (let k = Math.max(0, i - context); k <= Math.min(rows.length - 1, i + context); k++) keep[k] = true;
  });
  const out: (DiffRow | { kind: 'skipped'; count: number })[] = [];
  let skipped = 0;
  rows.forEach((r, i) => {
    if (keep[i]) {
      if (skipped) out.push({ kind: 'skipped', count: skipped });
      skipped = 0;
      out.push(r);
    } else skipped++;
  });
  if (skipped) out.push({ kind: 'skipped', count: skipped });
  return out;
}
