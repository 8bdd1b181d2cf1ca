import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KEEPALIVE_LEN, encodeKeepAlive, nextKeepAliveCounter, verifyKeepAlive } from './keepalive.js';
import { toHex } from './bytes.js';

const key = new Uint8Array(32).fill(7);
const state =
  (lastCounter = 0n) =>
  (id: number) =>
    id === 42 ? { key, lastCounter } : undefined;

describe('keep-alives', () => {
  it('encodes header, counter and an HMAC-SHA-256 tag (checked against an independent implementation)', () => {
    expect(toHex(encodeKeepAlive({ tunnelId: 42, counter: 1n }, key))).toBe(
      '218000000000002a0000000000000001' + '4d5d28b10459b9005ba4aed178f1bafb700f46445c0da2fb09dbb64462c881d7',
    );
  });

  it('accepts a fresh keep-alive under the right key', () => {
    const p = encodeKeepAlive({ tunnelId: 42, counter: 5n }, key);
    expect(verifyKeepAlive(p, state(4n))).toEqual({ ok: true, keepAlive: { tunnelId: 42, counter: 5n } });
  });

  it('rejects a keep-alive signed with another key', () => {
    const p = encodeKeepAlive({ tunnelId: 42, counter: 5n }, new Uint8Array(32).fill(8));
    expect(verifyKeepAlive(p, state())).toEqual({ ok: false, reason: 'bad-tag', tunnelId: 42 });
  });

  it('rejects a replayed or older counter', () => {
    const p = encodeKeepAlive({ tunnelId: 42, counter: 5n }, key);
    expect(verifyKeepAlive(p, state(5n))).toEqual({ ok: false, reason: 'replay', tunnelId: 42 });
    expect(verifyKeepAlive(p, state(6n))).toEqual({ ok: false, reason: 'replay', tunnelId: 42 });
  });

  it('rejects a keep-alive for a tunnel it has no key for', () => {
    const p = encodeKeepAlive({ tunnelId: 43, counter: 5n }, key);
    expect(verifyKeepAlive(p, state())).toEqual({ ok: false, reason: 'unknown-tunnel', tunnelId: 43 });
  });

  it('rejects any single-byte change', () => {
    const p = encodeKeepAlive({ tunnelId: 42, counter: 5n }, key);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: KEEPALIVE_LEN - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (i, x) => {
          const q = p.slice();
          q[i] = (q[i] as number) ^ x;
          expect(verifyKeepAlive(q, state()).ok).toBe(false);
        },
      ),
    );
  });

  it('rejects packets of the wrong length', () => {
    const p = encodeKeepAlive({ tunnelId: 42, counter: 5n }, key);
    expect(verifyKeepAlive(p.subarray(0, 47), state())).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses keys shorter than 16 bytes', () => {
    expect(() => encodeKeepAlive({ tunnelId: 1, counter: 1n }, new Uint8Array(8))).toThrow(/too short/);
  });

  it('counters keep increasing across a sender restart that forgot the last one', () => {
    expect(nextKeepAliveCounter(0n, 1000n)).toBe(1000n);
    expect(nextKeepAliveCounter(1000n, 1000n)).toBe(1001n);
    expect(nextKeepAliveCounter(5000n, 1000n)).toBe(5001n);
  });
});
