import { describe, expect, it } from 'vitest';
import { BatchQueue } from './work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { debounceMs: 20, maxDelayMs: 200, backoffBaseMs: 10, backoffMaxMs: 40, random: () => 1 };

describe('BatchQueue', () => {
  it('collapses a burst of 1,000 adds into one batch of distinct keys', async () => {
    const batches: string[][] = [];
    const q = new BatchQueue(async (k) => void batches.push(k), opts);
    for (let i = 0; i < 1000; i++) q.add(`route/${i % 500}`);
    await sleep(80);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(500);
    q.stop();
  });

  it('keys added while a batch runs form the next batch; one batch at a time', async () => {
    let running = 0;
    let maxRunning = 0;
    const batches: string[][] = [];
    const q = new BatchQueue(async (k) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      batches.push(k);
      await sleep(40);
      running--;
    }, opts);
    q.add('a');
    await sleep(30);
    q.add('b');
    q.add('a');
    await sleep(150);
    expect(batches).toEqual([['a'], ['b', 'a']]);
    expect(maxRunning).toBe(1);
    q.stop();
  });

  it('keeps the keys of a failed batch and retries with backoff until it succeeds', async () => {
    const seen: string[][] = [];
    const delays: number[] = [];
    let fail = 3;
    const q = new BatchQueue(
      async (k) => {
        seen.push(k);
        if (fail-- > 0) throw new Error('EPIC unreachable');
      },
      opts,
      (_e, _n, d) => delays.push(d),
    );
    q.add('gw');
    await sleep(250);
    expect(seen).toEqual([['gw'], ['gw'], ['gw'], ['gw']]);
    expect(delays).toEqual([10, 20, 40]);
    expect(q.consecutiveFailures).toBe(0);
    q.stop();
  });
});
