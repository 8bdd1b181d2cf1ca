/** UDP port of GUE (data and control) on both ends of a tunnel. */
export const GUE_PORT = 6080;
/** GUE header (4 bytes) + private data carrying the tunnel id (4 bytes). */
export const GUE_HEADER_LEN = 8;
/** Hlen of every header we send: one 32-bit word of private data. */
export const GUE_HLEN_WORDS = 1;
export const IPV4_HEADER_LEN = 20;
export const UDP_HEADER_LEN = 8;
export const ETH_HEADER_LEN = 14;
/** Outer IPv4 + UDP + GUE: what a tunnel costs every packet, so pod and route MTUs subtract it. */
export const GUE_OVERHEAD_IPV4 = IPV4_HEADER_LEN + UDP_HEADER_LEN + GUE_HEADER_LEN;
/** GUE proto of a data packet with an IPv4 inner packet (IP protocol number 4). */
export const GUE_PROTO_IPV4 = 4;
/** ... with an IPv6 inner packet (IP protocol number 41); the outer header is always IPv4. */
export const GUE_PROTO_IPV6 = 41;
export const IPV6_HEADER_LEN = 40;
/** Control type of a keep-alive: 128..255 are for private use (draft-ietf-intarea-gue). */
export const GUE_CTYPE_KEEPALIVE = 128;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** Default keep-alive period of the workload-side agent. */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 3000;

/** The MTU a pod or route behind a tunnel must use on a link of `linkMtu`. */
export function tunnelMtu(linkMtu: number): number {
  return linkMtu - GUE_OVERHEAD_IPV4;
}
