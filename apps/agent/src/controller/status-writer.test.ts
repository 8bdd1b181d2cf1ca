import { describe, expect, it } from 'vitest';
import { StatusWriter } from './status-writer.js';

describe('StatusWriter', () => {
  it('one write in flight per object, one pending, and the pending one is the latest', async () => {
    const sent: unknown[] = [];
    let release!: () => void;
    const w = new StatusWriter(
      (_path, patch) => {
        sent.push(patch);
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    const write = (v: number) => ({ compute: () => ({ path: '/x', patch: v }) });
    w.request('gw', write(1));
    w.request('gw', write(2));
    w.request('gw', write(3));
    expect(sent).toEqual([1]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([1, 3]);
    release();
    await w.idle();
    expect(w.writes).toBe(2);
  });

  it('counts a write that computes nothing as skipped', async () => {
    const w = new StatusWriter(
      async () => undefined,
      () => undefined,
    );
    w.request('gw', { compute: () => undefined });
    await w.idle();
    expect([w.writes, w.skipped]).toEqual([0, 1]);
  });
});
