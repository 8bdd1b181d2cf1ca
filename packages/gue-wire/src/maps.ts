import { bytesToIpv4, bytesToIpv6, ipv4ToBytes, ipv6ToBytes, isIpv6, view } from './bytes.js';

/*
 * Byte layouts of the BPF maps (bpf/gue.h). Fields named `_be` in C are network order; everything else is
 * host order, which the tunnel manager checks is little-endian before it writes anything.
 */
export const TUNNEL_F_UP = 1;

export interface TunnelValue {
  /** Outer destination; '0.0.0.0' = not learned yet. */
  remoteAddr: string;
  remotePort: number;
  localAddr: string;
  localPort: number;
  up: boolean;
  /** Last accepted keep-alive counter (user space only). */
  kaCounter: bigint;
}

export const TUNNEL_VALUE_LEN = 24;

export function encodeTunnelKey(tunnelId: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setUint32(0, tunnelId, true);
  return b;
}

export function decodeTunnelKey(b: Uint8Array): number {
  return view(b).getUint32(0, true);
}

export function encodeTunnelValue(t: TunnelValue): Uint8Array {
  const b = new Uint8Array(TUNNEL_VALUE_LEN);
  const v = view(b);
  b.set(ipv4ToBytes(t.remoteAddr), 0);
  b.set(ipv4ToBytes(t.localAddr), 4);
  v.setUint16(8, t.remotePort);
  v.setUint16(10, t.localPort);
  v.setUint32(12, t.up ? TUNNEL_F_UP : 0, true);
  v.setBigUint64(16, t.kaCounter, true);
  return b;
}

export function decodeTunnelValue(b: Uint8Array): TunnelValue {
  if (b.length !== TUNNEL_VALUE_LEN) throw new Error(`tunnel value must be ${TUNNEL_VALUE_LEN} bytes`);
  const v = view(b);
  return {
    remoteAddr: bytesToIpv4(b, 0),
    localAddr: bytesToIpv4(b, 4),
    remotePort: v.getUint16(8),
    localPort: v.getUint16(10),
    up: (v.getUint32(12, true) & TUNNEL_F_UP) !== 0,
    kaCounter: v.getBigUint64(16, true),
  };
}

export interface ServiceKey {
  podAddr: string;
  podPort: number;
  /** IP protocol number: 6 (TCP) or 17 (UDP). */
  proto: number;
  /** Mark the tag program gives an Envoy's packets: its host veth's ifindex. */
  mark: number;
}

export const SERVICE_KEY_LEN = 12;

export function encodeServiceKey(k: ServiceKey): Uint8Array {
  const b = new Uint8Array(SERVICE_KEY_LEN);
  const v = view(b);
  b.set(ipv4ToBytes(k.podAddr), 0);
  v.setUint16(4, k.podPort);
  b[6] = k.proto;
  v.setUint32(8, k.mark, true);
  return b;
}

export function decodeServiceKey(b: Uint8Array): ServiceKey {
  if (b.length !== SERVICE_KEY_LEN) throw new Error(`service key must be ${SERVICE_KEY_LEN} bytes`);
  const v = view(b);
  return {
    podAddr: bytesToIpv4(b, 0),
    podPort: v.getUint16(4),
    proto: b[6] as number,
    mark: v.getUint32(8, true),
  };
}

export const SERVICE6_KEY_LEN = 24;

/** Key of gue_services6: the IPv6 form of a service key (`podAddr` is an IPv6 address). */
export function encodeService6Key(k: ServiceKey): Uint8Array {
  const b = new Uint8Array(SERVICE6_KEY_LEN);
  const v = view(b);
  b.set(ipv6ToBytes(k.podAddr), 0);
  v.setUint16(16, k.podPort);
  b[18] = k.proto;
  v.setUint32(20, k.mark, true);
  return b;
}

export function decodeService6Key(b: Uint8Array): ServiceKey {
  if (b.length !== SERVICE6_KEY_LEN) throw new Error(`service6 key must be ${SERVICE6_KEY_LEN} bytes`);
  const v = view(b);
  return {
    podAddr: bytesToIpv6(b, 0),
    podPort: v.getUint16(16),
    proto: b[18] as number,
    mark: v.getUint32(20, true),
  };
}

/** The services map a pod endpoint belongs to, by address family. */
export function serviceMapFor(podAddr: string): 'gue_services' | 'gue_services6' {
  return isIpv6(podAddr) ? 'gue_services6' : 'gue_services';
}

export function encodeAnyServiceKey(k: ServiceKey): Uint8Array {
  return isIpv6(k.podAddr) ? encodeService6Key(k) : encodeServiceKey(k);
}

/** Values of gue_services and gue_return_flows: a tunnel id in host order. */
export const encodeTunnelRef = encodeTunnelKey;
export const decodeTunnelRef = decodeTunnelKey;

/** Key of gue_return_flows (IPv4, 4 bytes) or gue_return_flows6 (IPv6, 16 bytes). */
export function encodeReturnFlowKey(proxyAddr: string): Uint8Array {
  return isIpv6(proxyAddr) ? ipv6ToBytes(proxyAddr) : ipv4ToBytes(proxyAddr);
}

export function decodeReturnFlowKey(b: Uint8Array): string {
  return b.length === 16 ? bytesToIpv6(b, 0) : bytesToIpv4(b, 0);
}

export function returnFlowMapFor(proxyAddr: string): 'gue_return_flows' | 'gue_return_flows6' {
  return isIpv6(proxyAddr) ? 'gue_return_flows6' : 'gue_return_flows';
}

/** Slots of gue_counters, in enum gue_counter order. */
export const COUNTER_NAMES = [
  'pass',
  'tagged',
  'encap',
  'decap',
  'control',
  'dropMalformed',
  'dropUnknownTunnel',
  'dropWrongSource',
  'dropTunnelDown',
  'dropTooBig',
  'dropError',
  'learned',
  'mssClamped',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, bigint>;

export function encodeCounterKey(name: CounterName): Uint8Array {
  return encodeTunnelKey(COUNTER_NAMES.indexOf(name));
}

/** Sums one slot's per-CPU values (each a little-endian u64). */
export function sumPerCpu(values: readonly Uint8Array[]): bigint {
  return values.reduce((n, b) => n + view(b).getBigUint64(0, true), 0n);
}
