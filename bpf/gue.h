/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Wire format and map layouts of EPIC's GUE transport, shared by the TC programs (gue.bpf.c) and,
 * byte for byte, by the TypeScript package @epic/gue-wire (src/maps.ts, src/gue.ts). Change both together;
 * the golden vectors in packages/gue-wire/testdata/ are checked against both sides.
 *
 * Map keys and values are in host byte order unless the field name says `_be` (network order).
 */
#ifndef EPIC_GUE_H
#define EPIC_GUE_H

#define GUE_PORT 6080
/* GUE variant 0 header (4 bytes) + 4 bytes of private data: the tunnel id. Hlen counts the private data. */
#define GUE_HDR_LEN 8
#define GUE_HLEN_WORDS 1
/* Outer IPv4 (20) + UDP (8) + GUE (8). */
#define GUE_OVERHEAD 36
/* Proto field of a data packet: the inner packet is IPv4 (IP protocol number 4, "IP-in-IP"). */
#define GUE_PROTO_IPV4 4
/* ... and IPv6 (IP protocol number 41). The outer header is always IPv4. */
#define GUE_PROTO_IPV6 41
/* Control type of a keep-alive (128..255 are for private use per draft-ietf-intarea-gue). */
#define GUE_CTYPE_KEEPALIVE 128

/* First byte of a GUE header: Ver (2 bits) | C (1 bit) | Hlen (5 bits). */
#define GUE_VER_MASK 0xc0
#define GUE_C_BIT 0x20
#define GUE_HLEN_MASK 0x1f

struct guehdr {
	__u8 ver_c_hlen;   /* version 0, C bit, Hlen = 1 */
	__u8 proto_ctype;  /* data: inner IP protocol (4); control: control type */
	__be16 flags;      /* no optional extension fields are used: 0 */
	__be32 tunnel_id;  /* private data: the tunnel id, network byte order */
};

/* tunnels map: key = tunnel id (__u32, host order). */
#define TUNNEL_F_UP 1u
struct tunnel_value {
	__be32 remote_addr_be; /* outer destination; EPIC side: learned from authenticated keep-alives; 0 = none yet */
	__be32 local_addr_be;  /* outer source address of this node */
	__be16 remote_port_be; /* outer destination UDP port (a NAT may have rewritten it) */
	__be16 local_port_be;  /* outer source UDP port (6080, so the NAT mapping of the keep-alives is reused) */
	__u32 flags;           /* TUNNEL_F_UP: carries traffic; cleared when keep-alives stop */
	__u64 ka_counter;      /* last accepted keep-alive counter; written and read by user space only */
};

/* services map (EPIC side): which tunnel reaches a pod endpoint for one Envoy (identified by mark). */
struct service_key {
	__be32 pod_addr_be; /* inner destination address */
	__be16 pod_port_be; /* inner destination TCP/UDP port */
	__u8 proto;         /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;           /* always 0 */
	__u32 mark;         /* skb mark set by the tag program: ifindex of the Envoy's host veth */
};
struct service_value {
	__u32 tunnel_id;
};

/* services6 map (EPIC side): the same for IPv6 pod endpoints. */
struct service6_key {
	__u8 pod_addr[16]; /* inner destination address, network order */
	__be16 pod_port_be;
	__u8 proto;
	__u8 pad;          /* always 0 */
	__u32 mark;
};

/* return_flows map (workload side): key = proxy (inner source) address, learned by decap. */
struct return_flow_key {
	__be32 addr_be;
};
/* return_flows6 map (workload side): key = IPv6 proxy address, learned by decap. */
struct return_flow6_key {
	__u8 addr[16];
};
struct return_flow_value {
	__u32 tunnel_id;
};

/* counters map: per-CPU array of __u64, one slot per outcome. */
enum gue_counter {
	CNT_PASS = 0,            /* not ours: passed untouched */
	CNT_TAGGED = 1,          /* tag program marked a packet */
	CNT_ENCAP = 2,           /* encapsulated */
	CNT_DECAP = 3,           /* decapsulated */
	CNT_CONTROL = 4,         /* control packet handed to user space */
	CNT_DROP_MALFORMED = 5,  /* GUE to our port that we cannot parse */
	CNT_DROP_UNKNOWN_TUNNEL = 6,
	CNT_DROP_WRONG_SOURCE = 7, /* outer source is not the tunnel's current remote */
	CNT_DROP_TUNNEL_DOWN = 8,  /* tunnel has no remote yet or is marked down */
	CNT_DROP_TOO_BIG = 9,      /* encapsulated packet would exceed the device MTU (route MTU should prevent it) */
	CNT_DROP_ERROR = 10,       /* a helper failed */
	CNT_LEARNED = 11,          /* workload side: return flow learned or refreshed */
	CNT_MSS_CLAMPED = 12,      /* a decapsulated TCP SYN's MSS was lowered to fit the tunnel */
	CNT_MAX = 13,
};

#endif
