import {
  ETH_HEADER_LEN,
  GUE_HEADER_LEN,
  GUE_OVERHEAD_IPV4,
  GUE_PROTO_IPV4,
  GUE_PROTO_IPV6,
  IPPROTO_UDP,
  IPV4_HEADER_LEN,
  IPV6_HEADER_LEN,
  UDP_HEADER_LEN,
} from './constants.js';
import { bytesToIpv4, concatBytes, ipv4ToBytes, ipv6ToBytes, view } from './bytes.js';
import { decodeGueHeader, encodeGueHeader } from './gue-header.js';

/** RFC 1071 one's-complement checksum of `b` (even length). */
export function internetChecksum(b: Uint8Array): number {
  const v = view(b);
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += v.getUint16(i);
  if (b.length % 2 === 1) sum += (b[b.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Fields {
  src: string;
  dst: string;
  protocol: number;
  tos?: number;
  id?: number;
  dontFragment?: boolean;
  ttl?: number;
}

/** An option-less IPv4 header with a correct checksum, for `payloadLen` bytes of payload. */
export function encodeIpv4Header(f: Ipv4Fields, payloadLen: number): Uint8Array {
  const h = new Uint8Array(IPV4_HEADER_LEN);
  const v = view(h);
  h[0] = 0x45;
  h[1] = f.tos ?? 0;
  v.setUint16(2, IPV4_HEADER_LEN + payloadLen);
  v.setUint16(4, f.id ?? 0);
  v.setUint16(6, f.dontFragment === false ? 0 : 0x4000);
  h[8] = f.ttl ?? 64;
  h[9] = f.protocol;
  h.set(ipv4ToBytes(f.src), 12);
  h.set(ipv4ToBytes(f.dst), 16);
  v.setUint16(10, internetChecksum(h));
  return h;
}

export function ipv4Packet(f: Ipv4Fields, payload: Uint8Array): Uint8Array {
  return concatBytes(encodeIpv4Header(f, payload.length), payload);
}

export interface Ipv6Fields {
  src: string;
  dst: string;
  nextHeader: number;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
}

export function ipv6Packet(f: Ipv6Fields, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(IPV6_HEADER_LEN);
  const v = view(h);
  v.setUint32(0, (6 << 28) | ((f.trafficClass ?? 0) << 20) | ((f.flowLabel ?? 0) & 0xfffff));
  v.setUint16(4, payload.length);
  h[6] = f.nextHeader;
  h[7] = f.hopLimit ?? 64;
  h.set(ipv6ToBytes(f.src), 8);
  h.set(ipv6ToBytes(f.dst), 24);
  return concatBytes(h, payload);
}

/** Length, TOS/traffic class and GUE proto of an inner IPv4 or IPv6 packet. */
function innerInfo(inner: Uint8Array): { len: number; tos: number; proto: number } {
  const version = (inner[0] ?? 0) >> 4;
  const v = view(inner);
  if (version === 4) return { len: v.getUint16(2), tos: inner[1] ?? 0, proto: GUE_PROTO_IPV4 };
  if (version === 6) {
    return {
      len: v.getUint16(4) + IPV6_HEADER_LEN,
      tos: (v.getUint16(0) >> 4) & 0xff,
      proto: GUE_PROTO_IPV6,
    };
  }
  throw new Error('inner packet is neither IPv4 nor IPv6');
}

/** A UDP header + payload with checksum 0 (no checksum), or the given one. */
export function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array, checksum = 0): Uint8Array {
  const h = new Uint8Array(UDP_HEADER_LEN);
  const v = view(h);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  v.setUint16(4, UDP_HEADER_LEN + payload.length);
  v.setUint16(6, checksum);
  return concatBytes(h, payload);
}

export function ethernetFrame(
  dstMac: Uint8Array,
  srcMac: Uint8Array,
  etherType: number,
  payload: Uint8Array,
): Uint8Array {
  const h = new Uint8Array(ETH_HEADER_LEN);
  h.set(dstMac, 0);
  h.set(srcMac, 6);
  view(h).setUint16(12, etherType);
  return concatBytes(h, payload);
}

export interface OuterEndpoints {
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
}

/**
 * What the encap programs produce from an IPv4 or IPv6 packet: outer IPv4 (DF, TTL 64, id 0, TOS or traffic
 * class of the inner packet) / UDP (checksum 0) / GUE data header (proto 4 or 41) with the tunnel id, then the
 * inner packet unchanged.
 */
export function encapsulateIpv4(inner: Uint8Array, tunnelId: number, ep: OuterEndpoints): Uint8Array {
  const info = innerInfo(inner);
  const gue = encodeGueHeader({ control: false, protoOrCtype: info.proto, flags: 0, tunnelId });
  const udp = udpDatagram(ep.localPort, ep.remotePort, concatBytes(gue, inner));
  return ipv4Packet(
    { src: ep.localAddr, dst: ep.remoteAddr, protocol: IPPROTO_UDP, tos: info.tos, ttl: 64 },
    udp,
  );
}

export interface Decapsulated {
  tunnelId: number;
  outerSrc: string;
  outerSrcPort: number;
  inner: Uint8Array;
}

/**
 * The inverse of encapsulateIpv4 for a data packet; rejects what the decap programs would drop as malformed.
 * The destination port is not checked: on the way out it is the NAT's port, only the receiver sees 6080.
 */
export function decapsulateIpv4(
  outer: Uint8Array,
): { ok: true; value: Decapsulated } | { ok: false; reason: string } {
  if (outer.length < GUE_OVERHEAD_IPV4 + IPV4_HEADER_LEN) return { ok: false, reason: 'truncated' };
  const v = view(outer);
  if (outer[0] !== 0x45 || outer[9] !== IPPROTO_UDP) return { ok: false, reason: 'not udp over ipv4' };
  const h = decodeGueHeader(outer.subarray(IPV4_HEADER_LEN + UDP_HEADER_LEN));
  if (!h.ok) return h;
  const proto = h.value.protoOrCtype;
  if (h.value.control || (proto !== GUE_PROTO_IPV4 && proto !== GUE_PROTO_IPV6)) {
    return { ok: false, reason: 'not ip data' };
  }
  const inner = outer.subarray(GUE_OVERHEAD_IPV4);
  if ((inner[0] ?? 0) >> 4 !== (proto === GUE_PROTO_IPV4 ? 4 : 6))
    return { ok: false, reason: 'inner version' };
  if (v.getUint16(IPV4_HEADER_LEN + 4) !== UDP_HEADER_LEN + GUE_HEADER_LEN + inner.length) {
    return { ok: false, reason: 'udp length' };
  }
  return {
    ok: true,
    value: {
      tunnelId: h.value.tunnelId,
      outerSrc: bytesToIpv4(outer, 12),
      outerSrcPort: v.getUint16(IPV4_HEADER_LEN),
      inner: inner.slice(),
    },
  };
}
