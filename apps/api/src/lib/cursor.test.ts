import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

/** The cursor's wire form as first defined: base64url of the JSON array [ISO date, id]. */
const reference = (createdAt: Date, id: string) =>
  Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');

describe('keyset cursors', () => {
  const dates = [
    new Date(0),
    new Date('2026-12-02T18:14:00.000Z'),
    new Date('2026-12-02T18:14:00.120Z'),
    new Date('9999-12-31T23:59:59.999Z'),
  ];
  const ids = ['3f2a1c9e-7b4d-4e21-9a0b-5c6d7e8f9a0b', 'with "quotes" and \\ and é'];

  it('keep the bytes they always had, so cursors handed out before stay valid', () => {
    for (const d of dates)
      for (const id of ids) expect(encodeCursor({ createdAt: d, id })).toBe(reference(d, id));
  });

  it('decode to what was encoded', () => {
    for (const d of dates) {
      const id = ids[0]!;
      expect(decodeCursor(encodeCursor({ createdAt: d, id }))).toEqual({ createdAt: d, id });
    }
  });
});
