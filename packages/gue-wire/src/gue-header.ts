import { GUE_CTYPE_KEEPALIVE, GUE_HEADER_LEN, GUE_HLEN_WORDS, GUE_PROTO_IPV4 } from './constants.js';
import { view } from './bytes.js';

/** A GUE variant 0 header as EPIC uses it: private data = the tunnel id (Hlen = 1). */
export interface GueHeader {
  control: boolean;
  /** Data: IP protocol of the inner packet. Control: control type. */
  protoOrCtype: number;
  flags: number;
  tunnelId: number;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

export function encodeGueHeader(h: GueHeader): Uint8Array {
  if (!Number.isInteger(h.tunnelId) || h.tunnelId < 0 || h.tunnelId > 0xffffffff) {
    throw new Error(`tunnel id out of range: ${h.tunnelId}`);
  }
  const out = new Uint8Array(GUE_HEADER_LEN);
  const v = view(out);
  out[0] = (h.control ? 0x20 : 0) | GUE_HLEN_WORDS;
  out[1] = h.protoOrCtype;
  v.setUint16(2, h.flags);
  v.setUint32(4, h.tunnelId);
  return out;
}

export function gueDataHeader(tunnelId: number): Uint8Array {
  return encodeGueHeader({ control: false, protoOrCtype: GUE_PROTO_IPV4, flags: 0, tunnelId });
}

export function gueKeepAliveHeader(tunnelId: number): Uint8Array {
  return encodeGueHeader({ control: true, protoOrCtype: GUE_CTYPE_KEEPALIVE, flags: 0, tunnelId });
}

/** Decodes the 8-byte header at the start of a UDP payload; rejects what EPIC never sends. */
export function decodeGueHeader(b: Uint8Array): Decoded<GueHeader> {
  if (b.length < GUE_HEADER_LEN) return { ok: false, reason: 'truncated' };
  const first = b[0] as number;
  if ((first & 0xc0) !== 0) return { ok: false, reason: 'version' };
  if ((first & 0x1f) !== GUE_HLEN_WORDS) return { ok: false, reason: 'hlen' };
  const v = view(b);
  const flags = v.getUint16(2);
  if (flags !== 0) return { ok: false, reason: 'flags' };
  return {
    ok: true,
    value: { control: (first & 0x20) !== 0, protoOrCtype: b[1] as number, flags, tunnelId: v.getUint32(4) },
  };
}
