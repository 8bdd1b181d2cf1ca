import { GUE_PORT, IPPROTO_TCP, IPPROTO_UDP } from './constants.js';
import { concatBytes, ipv4ToBytes, ipv6ToBytes, isIpv6, toHex, view } from './bytes.js';
import { encodeKeepAlive } from './keepalive.js';
import {
  encapsulateIpv4,
  ethernetFrame,
  internetChecksum,
  ipv4Packet,
  ipv6Packet,
  udpDatagram,
} from './packet.js';
import type { CounterName, ServiceKey } from './maps.js';

/*
 * Golden vectors shared by the TypeScript unit tests and the BPF_PROG_TEST_RUN tests of bpf/gue.bpf.c:
 * each case gives the map contents, an input frame, and the exact verdict, output frame and counter.
 * testdata/vectors.json is generated from buildVectors() (UPDATE_GOLDEN=1) and reviewed as a diff.
 */
export type GueProgram = 'gue_tag' | 'gue_epic_encap' | 'gue_epic_decap' | 'gue_wl_decap' | 'gue_wl_encap';

export interface VectorTunnel {
  id: number;
  remoteAddr: string;
  remotePort: number;
  localAddr: string;
  localPort: number;
  up: boolean;
}

export interface VectorReturnFlow {
  proxyAddr: string;
  tunnelId: number;
}

export interface VectorCase {
  name: string;
  program: GueProgram;
  /** skb mark the packet carries when the program runs. */
  mark: number;
  tunnels: VectorTunnel[];
  services: Array<ServiceKey & { tunnelId: number }>;
  returnFlows: VectorReturnFlow[];
  /** Ethernet frame, hex. */
  input: string;
  verdict: 'ok' | 'shot';
  /** Frame after the program when the verdict is ok, hex. */
  output?: string;
  /** The counter slot that must have gone up by exactly one. */
  counter: CounterName;
  /** Further counter slots that must have gone up by exactly one (all others stay). */
  extraCounters?: CounterName[];
  /** Return flows the program must have learned (workload decap). */
  returnFlowsAfter?: VectorReturnFlow[];
}

export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;

const MAC_A = Uint8Array.from([0x02, 0, 0, 0, 0, 0x0a]);
const MAC_B = Uint8Array.from([0x02, 0, 0, 0, 0, 0x0b]);
const PROXY = '10.200.0.2';
const POD = '10.244.1.5';
const EPIC_NODE = '198.51.100.1';
const NAT_PUBLIC = '192.0.2.1';
const WL_NODE = '172.16.0.2';
const TUNNEL_ID = 42;
const NAT_PORT = 31000;
const MARK = 7;
const PROXY6 = 'fd00:200::2';
const POD6 = 'fd00:244::5';

function frame(ip: Uint8Array): Uint8Array {
  return ethernetFrame(MAC_B, MAC_A, (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800, ip);
}

/** A TCP segment (20-byte header, no options) with a correct checksum. */
export function tcpSegment(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  flags: number,
  payload: Uint8Array,
  options: Uint8Array = new Uint8Array(),
): Uint8Array {
  const h = new Uint8Array(20 + options.length);
  const v = view(h);
  h.set(options, 20);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  v.setUint32(4, 0x01020304);
  v.setUint32(8, flags & 0x10 ? 0x0a0b0c0d : 0);
  h[12] = ((20 + options.length) / 4) << 4;
  h[13] = flags;
  v.setUint16(14, 64240);
  const seg = concatBytes(h, payload);
  let pseudo: Uint8Array;
  if (isIpv6(src)) {
    pseudo = new Uint8Array(40);
    pseudo.set(ipv6ToBytes(src), 0);
    pseudo.set(ipv6ToBytes(dst), 16);
    view(pseudo).setUint32(32, seg.length);
    pseudo[39] = IPPROTO_TCP;
  } else {
    pseudo = new Uint8Array(12);
    pseudo.set(ipv4ToBytes(src), 0);
    pseudo.set(ipv4ToBytes(dst), 4);
    pseudo[9] = IPPROTO_TCP;
    view(pseudo).setUint16(10, seg.length);
  }
  view(seg).setUint16(16, internetChecksum(concatBytes(pseudo, seg)));
  return seg;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function buildVectors(): VectorCase[] {
  const epicTunnel: VectorTunnel = {
    id: TUNNEL_ID,
    remoteAddr: NAT_PUBLIC,
    remotePort: NAT_PORT,
    localAddr: EPIC_NODE,
    localPort: GUE_PORT,
    up: true,
  };
  const wlTunnel: VectorTunnel = {
    id: TUNNEL_ID,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
    localAddr: WL_NODE,
    localPort: GUE_PORT,
    up: true,
  };
  const service = { podAddr: POD, podPort: 8080, proto: IPPROTO_TCP, mark: MARK, tunnelId: TUNNEL_ID };
  const udpService = { podAddr: POD, podPort: 53, proto: IPPROTO_UDP, mark: MARK, tunnelId: TUNNEL_ID };
  const syn = ipv4Packet(
    { src: PROXY, dst: POD, protocol: IPPROTO_TCP, tos: 0x10, id: 0x1234 },
    tcpSegment(PROXY, POD, 40000, 8080, 0x02, new Uint8Array()),
  );
  const request = ipv4Packet(
    { src: PROXY, dst: POD, protocol: IPPROTO_TCP, id: 0x1235 },
    tcpSegment(PROXY, POD, 40000, 8080, 0x18, ascii('GET / HTTP/1.1\r\nHost: pod\r\n\r\n')),
  );
  const dns = ipv4Packet(
    { src: PROXY, dst: POD, protocol: IPPROTO_UDP, id: 7 },
    udpDatagram(5353, 53, ascii('query')),
  );
  const reply = ipv4Packet(
    { src: POD, dst: PROXY, protocol: IPPROTO_TCP, id: 0x4321 },
    tcpSegment(POD, PROXY, 8080, 40000, 0x12, new Uint8Array()),
  );
  const service6 = { podAddr: POD6, podPort: 8080, proto: IPPROTO_TCP, mark: MARK, tunnelId: TUNNEL_ID };
  const syn6 = ipv6Packet(
    { src: PROXY6, dst: POD6, nextHeader: IPPROTO_TCP, trafficClass: 0x28, flowLabel: 0x12345 },
    tcpSegment(PROXY6, POD6, 40000, 8080, 0x02, new Uint8Array()),
  );
  const reply6 = ipv6Packet(
    { src: POD6, dst: PROXY6, nextHeader: IPPROTO_TCP },
    tcpSegment(POD6, PROXY6, 8080, 40000, 0x12, new Uint8Array()),
  );
  // SYN-ACK with options NOP, NOP, MSS (the MSS is not the first option, as with many stacks).
  const synAck = (mss: number): Uint8Array =>
    ipv4Packet(
      { src: POD, dst: PROXY, protocol: IPPROTO_TCP, id: 0x4322 },
      tcpSegment(
        POD,
        PROXY,
        8080,
        40000,
        0x12,
        new Uint8Array(),
        Uint8Array.from([1, 1, 2, 4, mss >> 8, mss & 0xff, 1, 1]),
      ),
    );
  const fromNatSynAck = (mss: number): Uint8Array =>
    encapsulateIpv4(synAck(mss), TUNNEL_ID, {
      localAddr: NAT_PUBLIC,
      localPort: NAT_PORT,
      remoteAddr: EPIC_NODE,
      remotePort: GUE_PORT,
    });
  const epicOut = { localAddr: EPIC_NODE, localPort: GUE_PORT, remoteAddr: NAT_PUBLIC, remotePort: NAT_PORT };
  // What arrives at the EPIC node: the workload node's reply after the NAT rewrote its source.
  const fromNat = encapsulateIpv4(reply, TUNNEL_ID, {
    localAddr: NAT_PUBLIC,
    localPort: NAT_PORT,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
  });
  // What arrives at the workload node: the EPIC node's request after the NAT rewrote its destination.
  const toWorkload = encapsulateIpv4(request, TUNNEL_ID, {
    localAddr: EPIC_NODE,
    localPort: GUE_PORT,
    remoteAddr: WL_NODE,
    remotePort: GUE_PORT,
  });
  const withByte = (b: Uint8Array, offset: number, value: number): Uint8Array => {
    const c = b.slice();
    c[offset] = value;
    return c;
  };
  // Offsets inside an outer IPv4 packet: GUE header starts at 28.
  const GUE = 28;
  const keepAlive = ipv4Packet(
    { src: NAT_PUBLIC, dst: EPIC_NODE, protocol: IPPROTO_UDP },
    udpDatagram(
      NAT_PORT,
      GUE_PORT,
      encodeKeepAlive({ tunnelId: TUNNEL_ID, counter: 1n }, new Uint8Array(32).fill(7)),
    ),
  );
  const spoofed = encapsulateIpv4(reply, TUNNEL_ID, {
    localAddr: '203.0.113.66',
    localPort: NAT_PORT,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
  });
  const otherPort = encapsulateIpv4(reply, TUNNEL_ID, {
    localAddr: NAT_PUBLIC,
    localPort: NAT_PORT + 1,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
  });
  const unknown = encapsulateIpv4(reply, 43, {
    localAddr: NAT_PUBLIC,
    localPort: NAT_PORT,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
  });
  const dnsToNode = ipv4Packet(
    { src: NAT_PUBLIC, dst: EPIC_NODE, protocol: IPPROTO_UDP },
    udpDatagram(5353, 53, ascii('not gue')),
  );
  const arp = ethernetFrame(MAC_B, MAC_A, 0x0806, new Uint8Array(28).fill(1));
  const hex = (b: Uint8Array): string => toHex(b);
  const base = { mark: 0, tunnels: [epicTunnel], services: [service, udpService, service6], returnFlows: [] };
  const fromNat6 = encapsulateIpv4(reply6, TUNNEL_ID, {
    localAddr: NAT_PUBLIC,
    localPort: NAT_PORT,
    remoteAddr: EPIC_NODE,
    remotePort: GUE_PORT,
  });
  const toWorkload6 = encapsulateIpv4(syn6, TUNNEL_ID, {
    localAddr: EPIC_NODE,
    localPort: GUE_PORT,
    remoteAddr: WL_NODE,
    remotePort: GUE_PORT,
  });
  const wlOut = { localAddr: WL_NODE, localPort: GUE_PORT, remoteAddr: EPIC_NODE, remotePort: GUE_PORT };

  return [
    {
      ...base,
      name: 'tag marks with the ingress ifindex',
      program: 'gue_tag',
      input: hex(frame(syn)),
      verdict: 'ok',
      output: hex(frame(syn)),
      counter: 'tagged',
    },
    {
      ...base,
      name: 'encap tcp to a service of the marked envoy',
      program: 'gue_epic_encap',
      mark: MARK,
      input: hex(frame(syn)),
      verdict: 'ok',
      output: hex(frame(encapsulateIpv4(syn, TUNNEL_ID, epicOut))),
      counter: 'encap',
    },
    {
      ...base,
      name: 'encap tcp with payload',
      program: 'gue_epic_encap',
      mark: MARK,
      input: hex(frame(request)),
      verdict: 'ok',
      output: hex(frame(encapsulateIpv4(request, TUNNEL_ID, epicOut))),
      counter: 'encap',
    },
    {
      ...base,
      name: 'encap udp to a service',
      program: 'gue_epic_encap',
      mark: MARK,
      input: hex(frame(dns)),
      verdict: 'ok',
      output: hex(frame(encapsulateIpv4(dns, TUNNEL_ID, epicOut))),
      counter: 'encap',
    },
    {
      ...base,
      name: 'encap passes traffic of another envoy',
      program: 'gue_epic_encap',
      mark: MARK + 1,
      input: hex(frame(syn)),
      verdict: 'ok',
      output: hex(frame(syn)),
      counter: 'pass',
    },
    {
      ...base,
      name: 'encap passes non-ip frames',
      program: 'gue_epic_encap',
      mark: MARK,
      input: hex(arp),
      verdict: 'ok',
      output: hex(arp),
      counter: 'pass',
    },
    {
      ...base,
      name: 'encap drops when the tunnel has no remote yet',
      program: 'gue_epic_encap',
      mark: MARK,
      tunnels: [{ ...epicTunnel, remoteAddr: '0.0.0.0', remotePort: 0 }],
      input: hex(frame(syn)),
      verdict: 'shot',
      counter: 'dropTunnelDown',
    },
    {
      ...base,
      name: 'encap drops when the tunnel is down',
      program: 'gue_epic_encap',
      mark: MARK,
      tunnels: [{ ...epicTunnel, up: false }],
      input: hex(frame(syn)),
      verdict: 'shot',
      counter: 'dropTunnelDown',
    },
    {
      ...base,
      name: 'encap drops when the service names a missing tunnel',
      program: 'gue_epic_encap',
      mark: MARK,
      tunnels: [],
      input: hex(frame(syn)),
      verdict: 'shot',
      counter: 'dropUnknownTunnel',
    },
    {
      ...base,
      name: 'decap restores the exact inner packet',
      program: 'gue_epic_decap',
      input: hex(frame(fromNat)),
      verdict: 'ok',
      output: hex(frame(reply)),
      counter: 'decap',
    },
    {
      ...base,
      name: 'decap hands keep-alives to user space untouched',
      program: 'gue_epic_decap',
      input: hex(frame(keepAlive)),
      verdict: 'ok',
      output: hex(frame(keepAlive)),
      counter: 'control',
    },
    {
      ...base,
      name: 'decap passes other udp',
      program: 'gue_epic_decap',
      input: hex(frame(dnsToNode)),
      verdict: 'ok',
      output: hex(frame(dnsToNode)),
      counter: 'pass',
    },
    {
      ...base,
      name: 'decap passes tcp',
      program: 'gue_epic_decap',
      input: hex(frame(reply)),
      verdict: 'ok',
      output: hex(frame(reply)),
      counter: 'pass',
    },
    {
      ...base,
      name: 'decap drops data from another address',
      program: 'gue_epic_decap',
      input: hex(frame(spoofed)),
      verdict: 'shot',
      counter: 'dropWrongSource',
    },
    {
      ...base,
      name: 'decap drops data from another port',
      program: 'gue_epic_decap',
      input: hex(frame(otherPort)),
      verdict: 'shot',
      counter: 'dropWrongSource',
    },
    {
      ...base,
      name: 'decap drops an unknown tunnel',
      program: 'gue_epic_decap',
      input: hex(frame(unknown)),
      verdict: 'shot',
      counter: 'dropUnknownTunnel',
    },
    {
      ...base,
      name: 'decap drops data for a tunnel that is down',
      program: 'gue_epic_decap',
      tunnels: [{ ...epicTunnel, up: false }],
      input: hex(frame(fromNat)),
      verdict: 'shot',
      counter: 'dropTunnelDown',
    },
    {
      ...base,
      name: 'decap drops gue version 1',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, GUE, 0x41))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'decap drops an unexpected hlen',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, GUE, 0x02))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'decap drops unknown flags',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, GUE + 2, 0x80))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'decap drops an inner packet whose version disagrees with the gue proto',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, GUE + 1, 41))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'decap drops a truncated gue header',
      program: 'gue_epic_decap',
      input: hex(
        frame(
          ipv4Packet(
            { src: NAT_PUBLIC, dst: EPIC_NODE, protocol: IPPROTO_UDP },
            udpDatagram(NAT_PORT, GUE_PORT, Uint8Array.from([1, 4])),
          ),
        ),
      ),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'decap drops a udp length that disagrees with the inner packet',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, 25, (fromNat[25] as number) + 4))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      name: 'workload decap learns the return flow',
      program: 'gue_wl_decap',
      input: hex(frame(toWorkload)),
      verdict: 'ok',
      output: hex(frame(request)),
      counter: 'learned',
      extraCounters: ['decap'],
      returnFlowsAfter: [{ proxyAddr: PROXY, tunnelId: TUNNEL_ID }],
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      name: 'workload decap drops data not from the epic node',
      program: 'gue_wl_decap',
      input: hex(frame(spoofed)),
      verdict: 'shot',
      counter: 'dropWrongSource',
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      returnFlows: [{ proxyAddr: PROXY, tunnelId: TUNNEL_ID }],
      name: 'workload encap sends replies back through the learned tunnel',
      program: 'gue_wl_encap',
      input: hex(frame(reply)),
      verdict: 'ok',
      output: hex(
        frame(
          encapsulateIpv4(reply, TUNNEL_ID, {
            localAddr: WL_NODE,
            localPort: GUE_PORT,
            remoteAddr: EPIC_NODE,
            remotePort: GUE_PORT,
          }),
        ),
      ),
      counter: 'encap',
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      name: 'workload encap passes traffic to unknown addresses',
      program: 'gue_wl_encap',
      input: hex(frame(reply)),
      verdict: 'ok',
      output: hex(frame(reply)),
      counter: 'pass',
    },
    {
      ...base,
      name: 'decap drops an unknown inner protocol',
      program: 'gue_epic_decap',
      input: hex(frame(withByte(fromNat, GUE + 1, 17))),
      verdict: 'shot',
      counter: 'dropMalformed',
    },
    {
      ...base,
      name: 'encap ipv6 tcp to a service of the marked envoy',
      program: 'gue_epic_encap',
      mark: MARK,
      input: hex(frame(syn6)),
      verdict: 'ok',
      output: hex(frame(encapsulateIpv4(syn6, TUNNEL_ID, epicOut))),
      counter: 'encap',
    },
    {
      ...base,
      name: 'encap passes ipv6 traffic of another envoy',
      program: 'gue_epic_encap',
      mark: MARK + 1,
      input: hex(frame(syn6)),
      verdict: 'ok',
      output: hex(frame(syn6)),
      counter: 'pass',
    },
    {
      ...base,
      name: 'decap restores the exact ipv6 inner packet',
      program: 'gue_epic_decap',
      input: hex(frame(fromNat6)),
      verdict: 'ok',
      output: hex(frame(reply6)),
      counter: 'decap',
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      name: 'workload decap learns an ipv6 return flow',
      program: 'gue_wl_decap',
      input: hex(frame(toWorkload6)),
      verdict: 'ok',
      output: hex(frame(syn6)),
      counter: 'learned',
      extraCounters: ['decap'],
      returnFlowsAfter: [{ proxyAddr: PROXY6, tunnelId: TUNNEL_ID }],
    },
    {
      ...base,
      tunnels: [wlTunnel],
      services: [],
      returnFlows: [{ proxyAddr: PROXY6, tunnelId: TUNNEL_ID }],
      name: 'workload encap sends ipv6 replies back through the learned tunnel',
      program: 'gue_wl_encap',
      input: hex(frame(reply6)),
      verdict: 'ok',
      output: hex(frame(encapsulateIpv4(reply6, TUNNEL_ID, wlOut))),
      counter: 'encap',
    },
    {
      ...base,
      name: 'decap lowers the mss of a syn to what fits the tunnel on a 1500-byte link',
      program: 'gue_epic_decap',
      input: hex(frame(fromNatSynAck(1460))),
      verdict: 'ok',
      output: hex(frame(synAck(1424))),
      counter: 'decap',
      extraCounters: ['mssClamped'],
    },
    {
      ...base,
      name: 'decap keeps an mss that already fits',
      program: 'gue_epic_decap',
      input: hex(frame(fromNatSynAck(1400))),
      verdict: 'ok',
      output: hex(frame(synAck(1400))),
      counter: 'decap',
    },
  ];
}
