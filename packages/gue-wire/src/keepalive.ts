import { createHmac, timingSafeEqual } from 'node:crypto';
import { GUE_CTYPE_KEEPALIVE, GUE_HEADER_LEN } from './constants.js';
import { concatBytes, view } from './bytes.js';
import { decodeGueHeader, gueKeepAliveHeader } from './gue-header.js';

/*
 * Keep-alive (GUE control packet, C=1, ctype 128), 48 bytes of UDP payload:
 *   0..7   GUE header, private data = tunnel id
 *   8..15  counter, unsigned 64-bit, network order; strictly increasing per tunnel
 *   16..47 HMAC-SHA-256 under the tunnel's key over bytes 0..15
 * HMAC is deterministic (node:crypto is used as a pure function here: no I/O, no randomness).
 */
export const KEEPALIVE_LEN = GUE_HEADER_LEN + 8 + 32;
export const KEEPALIVE_MIN_KEY_LEN = 16;

export interface KeepAlive {
  tunnelId: number;
  counter: bigint;
}

function tag(key: Uint8Array, signed: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(signed).digest());
}

export function encodeKeepAlive(ka: KeepAlive, key: Uint8Array): Uint8Array {
  if (key.length < KEEPALIVE_MIN_KEY_LEN) throw new Error('keep-alive key too short');
  if (ka.counter < 0n || ka.counter > 0xffffffffffffffffn) throw new Error('counter out of range');
  const counter = new Uint8Array(8);
  view(counter).setBigUint64(0, ka.counter);
  const signed = concatBytes(gueKeepAliveHeader(ka.tunnelId), counter);
  return concatBytes(signed, tag(key, signed));
}

export type KeepAliveRejection = 'malformed' | 'not-keepalive' | 'unknown-tunnel' | 'bad-tag' | 'replay';
export type KeepAliveCheck =
  { ok: true; keepAlive: KeepAlive } | { ok: false; reason: KeepAliveRejection; tunnelId?: number };

/** What the verifier needs to know about a tunnel: its key and the last counter it accepted. */
export interface KeepAliveTunnelState {
  key: Uint8Array;
  lastCounter: bigint;
}

/**
 * Verifies a received keep-alive: structure, tag under the tunnel's key, then counter strictly above the
 * last accepted one. Only a packet that passes all three may move a tunnel.
 */
export function verifyKeepAlive(
  payload: Uint8Array,
  lookup: (tunnelId: number) => KeepAliveTunnelState | undefined,
): KeepAliveCheck {
  if (payload.length !== KEEPALIVE_LEN) return { ok: false, reason: 'malformed' };
  const h = decodeGueHeader(payload);
  if (!h.ok) return { ok: false, reason: 'malformed' };
  if (!h.value.control || h.value.protoOrCtype !== GUE_CTYPE_KEEPALIVE)
    return { ok: false, reason: 'not-keepalive' };
  const tunnelId = h.value.tunnelId;
  const state = lookup(tunnelId);
  if (!state) return { ok: false, reason: 'unknown-tunnel', tunnelId };
  const expected = tag(state.key, payload.subarray(0, 16));
  if (!timingSafeEqual(expected, payload.subarray(16))) return { ok: false, reason: 'bad-tag', tunnelId };
  const counter = view(payload).getBigUint64(8);
  if (counter <= state.lastCounter) return { ok: false, reason: 'replay', tunnelId };
  return { ok: true, keepAlive: { tunnelId, counter } };
}

/**
 * Next counter for a sender: above the previous one and above the caller's clock reading (microseconds),
 * so a restarted sender, which has forgotten its last counter, still sends counters the receiver accepts.
 */
export function nextKeepAliveCounter(previous: bigint, clockMicros: bigint): bigint {
  return clockMicros > previous ? clockMicros : previous + 1n;
}
