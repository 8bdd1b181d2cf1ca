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
  it('skips a patch equal to the last one written from the same cached version (the cache has not caught up)', async () => {
    const sent: unknown[] = [];
    const w = new StatusWriter(
      async (_path, patch) => void sent.push(patch),
      () => undefined,
    );
    const write = (basis: string, v: number) => ({ compute: () => ({ path: '/x', patch: v, basis }) });
    w.request('gw', write('7', 1));
    await w.idle();
    w.request('gw', write('7', 1)); // same version, same patch: what was just written
    await w.idle();
    w.request('gw', write('7', 2)); // same version, another status: written
    await w.idle();
    w.request('gw', write('8', 2)); // the cache moved on (not our write): written again
    await w.idle();
    expect(sent).toEqual([1, 2, 2]);
    expect([w.writes, w.skipped]).toEqual([3, 1]);
    // Nothing to write clears the memory: the same patch from the same version is written again.
    w.request('gw', { compute: () => undefined });
    w.request('gw', write('8', 2));
    await w.idle();
    expect(sent).toEqual([1, 2, 2, 2]);
  });

  it('sends again a patch whose write failed, even from the same cached version', async () => {
    const sent: unknown[] = [];
    const errors: string[] = [];
    let fail = true;
    const w = new StatusWriter(
      async (_path, patch) => {
        sent.push(patch);
        if (fail) throw new Error('503 from the API server');
      },
      (key) => void errors.push(key),
    );
    const write = { compute: () => ({ path: '/x', patch: 1, basis: '7' }) };
    w.request('gw', write);
    await w.idle();
    fail = false;
    w.request('gw', write); // the cache still holds version 7: nothing of ours landed
    await w.idle();
    expect(sent).toEqual([1, 1]);
    expect(errors).toEqual(['gw']);
    expect([w.writes, w.skipped]).toEqual([2, 0]);
  });
});
