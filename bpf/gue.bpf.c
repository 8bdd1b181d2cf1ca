// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * EPIC GUE transport: TC programs for both ends of a tunnel.
 *
 *   EPIC node:     tag (Envoy host veth ingress) -> epic_encap (NIC egress); epic_decap (NIC ingress)
 *   workload node: wl_decap (NIC ingress, learns the return flow) ; wl_encap (NIC egress, replies)
 *
 * Wire format and map layouts: gue.h (mirrored by @epic/gue-wire). Every header is bounds-checked; what the
 * programs do not understand is passed (TC_ACT_OK), except packets addressed to the GUE port, which are ours:
 * those are decapsulated, handed to user space (control) or dropped and counted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "gue.h"

/* Since Linux 6.3: decap also switches skb->protocol to the inner family (libbpf-dev headers predate it). */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV6
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#endif

#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IP_DF 0x4000

/* tunnel id -> where to send and where to accept from. Written by the tunnel manager (user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);                 /* tunnel id */
	__type(value, struct tunnel_value); /* remote/local outer endpoints, flags, keep-alive counter */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_tunnels SEC(".maps");

/* (pod address, port, protocol, Envoy mark) -> tunnel. EPIC side only; written by the tunnel manager. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct service_key);
	__type(value, struct service_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_services SEC(".maps");

/* The same for IPv6 pod endpoints. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct service6_key);
	__type(value, struct service_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_services6 SEC(".maps");

/* IPv6 proxy address -> tunnel its packets came through. Workload side only; written by wl_decap. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct return_flow6_key);
	__type(value, struct return_flow_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_return_flows6 SEC(".maps");

/* proxy address -> tunnel its packets came through. Workload side only; written by wl_decap. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct return_flow_key);
	__type(value, struct return_flow_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_return_flows SEC(".maps");

/* enum gue_counter -> number of packets, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);   /* enum gue_counter */
	__type(value, __u64); /* packets */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gue_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&gue_counters, &slot);

	if (v)
		*v += 1;
}

static __always_inline int drop(__u32 slot)
{
	count(slot);
	return TC_ACT_SHOT;
}

/* The checksum of a 20-byte IPv4 header without options. */
static __always_inline __u16 ipv4_csum(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

struct outer_hdrs {
	struct iphdr ip;
	struct udphdr udp;
	struct guehdr gue;
};

_Static_assert(sizeof(struct outer_hdrs) == GUE_OVERHEAD, "outer headers are 36 bytes");

/* Parses Ethernet + IPv4; returns the IPv4 header or NULL when the packet is not unfragmented IPv4. */
static __always_inline struct iphdr *parse_ipv4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end || iph->version != 4 || iph->ihl < 5)
		return NULL;
	return iph;
}

/* What encapsulation needs to know about the inner packet at skb->data + ETH_HLEN. */
struct inner_info {
	__u16 len;      /* whole inner packet */
	__u8 tos;       /* IPv4 TOS / IPv6 traffic class, copied to the outer header */
	__u8 gue_proto; /* GUE_PROTO_IPV4 or GUE_PROTO_IPV6 */
};

static __always_inline int parse_inner(struct __sk_buff *skb, struct inner_info *info)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->version != 4)
			return -1;
		info->len = bpf_ntohs(iph->tot_len);
		info->tos = iph->tos;
		info->gue_proto = GUE_PROTO_IPV4;
		return 0;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u8 *b = (void *)ip6;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return -1;
		info->len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
		info->tos = (__u8)(((b[0] & 0x0f) << 4) | (b[1] >> 4));
		info->gue_proto = GUE_PROTO_IPV6;
		return 0;
	}
	return -1;
}

/* Wraps the IPv4 or IPv6 packet in skb into outer IPv4/UDP/GUE towards the tunnel's remote. */
static __always_inline int encap(struct __sk_buff *skb, __u32 tunnel_id)
{
	struct tunnel_value *t = bpf_map_lookup_elem(&gue_tunnels, &tunnel_id);
	__be16 eth_ip = bpf_htons(ETH_P_IP);
	struct inner_info in = {};
	struct outer_hdrs h = {};
	__u32 mtu_len = 0;

	if (!t)
		return drop(CNT_DROP_UNKNOWN_TUNNEL);
	if (!(t->flags & TUNNEL_F_UP) || !t->remote_addr_be || !t->remote_port_be)
		return drop(CNT_DROP_TUNNEL_DOWN);
	if (parse_inner(skb, &in))
		return drop(CNT_DROP_ERROR);

	/* GSO packets are segmented after us, to the (route) MTU the stack already applied to the inner
	 * size; a single packet that no longer fits would be lost further down, so refuse it visibly. */
	if (!skb->gso_size && bpf_check_mtu(skb, 0, &mtu_len, GUE_OVERHEAD, 0) != 0)
		return drop(CNT_DROP_TOO_BIG);

	/* ENCAP_L3_IPV4 also turns an IPv6 skb into an IPv4 one (skb->protocol); the Ethernet type follows. */
	if (bpf_skb_adjust_room(skb, GUE_OVERHEAD, BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
					BPF_F_ADJ_ROOM_ENCAP_L2(GUE_HDR_LEN)))
		return drop(CNT_DROP_ERROR);

	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tos = in.tos;
	h.ip.tot_len = bpf_htons(in.len + GUE_OVERHEAD);
	h.ip.id = 0;
	h.ip.frag_off = bpf_htons(IP_DF);
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_UDP;
	h.ip.saddr = t->local_addr_be;
	h.ip.daddr = t->remote_addr_be;
	h.ip.check = ipv4_csum(&h.ip);
	h.udp.source = t->local_port_be;
	h.udp.dest = t->remote_port_be;
	h.udp.len = bpf_htons(in.len + sizeof(struct udphdr) + GUE_HDR_LEN);
	h.udp.check = 0; /* allowed for GUE over IPv4; the inner packet carries its own checksums */
	h.gue.ver_c_hlen = GUE_HLEN_WORDS;
	h.gue.proto_ctype = in.gue_proto;
	h.gue.flags = 0;
	h.gue.tunnel_id = bpf_htonl(tunnel_id);

	if (bpf_skb_store_bytes(skb, ETH_HLEN, &h, sizeof(h), 0))
		return drop(CNT_DROP_ERROR);
	if (in.gue_proto == GUE_PROTO_IPV6 &&
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_ip, sizeof(eth_ip), 0))
		return drop(CNT_DROP_ERROR);
	count(CNT_ENCAP);
	return TC_ACT_OK;
}

/*
 * Lowers the MSS option of a TCP SYN (or SYN-ACK) that just left a tunnel to what fits into the tunnel over
 * the device it arrived on, so neither end sends segments that would exceed the link once encapsulated,
 * whatever MTU the workload cluster gives its pods. `l4_off` is the TCP header's offset, `ip_len` the
 * inner IP header length. Packet bytes are read with bpf_skb_load_bytes: no packet pointers to revalidate.
 */
static __always_inline void clamp_mss(struct __sk_buff *skb, __u32 l4_off, __u32 ip_len)
{
	struct tcphdr tcp;
	__u32 mtu = 0, off, end;
	__u16 limit;

	if (bpf_skb_load_bytes(skb, l4_off, &tcp, sizeof(tcp)) || !tcp.syn)
		return;
	bpf_check_mtu(skb, 0, &mtu, 0, 0); /* sets mtu to the device MTU whatever it returns */
	if (mtu <= GUE_OVERHEAD + ip_len + sizeof(tcp) || mtu > 0xffff)
		return;
	limit = mtu - GUE_OVERHEAD - ip_len - sizeof(tcp);
	off = l4_off + sizeof(tcp);
	end = l4_off + tcp.doff * 4;
	for (int i = 0; i < 12 && off + 4 <= end; i++) {
		__u8 opt[2];
		__be16 old_mss, new_mss;

		if (bpf_skb_load_bytes(skb, off, opt, 1))
			return;
		if (opt[0] == 0) /* end of options */
			return;
		if (opt[0] == 1) { /* no-op */
			off++;
			continue;
		}
		if (bpf_skb_load_bytes(skb, off, opt, 2) || opt[1] < 2)
			return;
		if (opt[0] == 2 && opt[1] == 4) {
			if (bpf_skb_load_bytes(skb, off + 2, &old_mss, 2) || bpf_ntohs(old_mss) <= limit)
				return;
			new_mss = bpf_htons(limit);
			if (bpf_l4_csum_replace(skb, l4_off + offsetof(struct tcphdr, check), old_mss, new_mss, 2) ||
			    bpf_skb_store_bytes(skb, off + 2, &new_mss, 2, 0))
				return;
			count(CNT_MSS_CLAMPED);
			return;
		}
		off += opt[1];
	}
}

/* The inner source of a decapsulated packet: what the workload side learns the return flow from. */
struct inner_src {
	__u8 is6;
	__be32 v4;
	__u8 v6[16];
};

/*
 * Strips outer IPv4/UDP/GUE from a data packet addressed to the GUE port. Control packets go up to the
 * agent's UDP socket. On success *tunnel_id and *src describe what was decapsulated.
 * Returns -1 when the packet is decapsulated and should continue, otherwise a TC verdict.
 */
static __always_inline int decap(struct __sk_buff *skb, __u32 *tunnel_id, struct inner_src *src)
{
	void *data_end = (void *)(long)skb->data_end;
	__be16 eth_ip6 = bpf_htons(ETH_P_IPV6);
	struct iphdr *iph = parse_ipv4(skb);
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	struct tunnel_value *t;
	struct udphdr *udp;
	struct guehdr *gue;
	__u16 inner_len;
	__u32 l4_off = 0, ip_len = 0;
	__u32 id;

	if (!iph || iph->protocol != IPPROTO_UDP || (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		goto pass;
	/* Only option-less outer headers are produced by our peers; others are not ours to parse. */
	if (iph->ihl != 5)
		goto pass;
	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end)
		goto pass;
	if (udp->dest != bpf_htons(GUE_PORT))
		goto pass;

	gue = (void *)(udp + 1);
	if ((void *)gue + 4 > data_end || (gue->ver_c_hlen & GUE_VER_MASK) != 0)
		return drop(CNT_DROP_MALFORMED);
	if (gue->ver_c_hlen & GUE_C_BIT) {
		/* Keep-alives are verified in user space (HMAC, counter) before anything trusts them. */
		count(CNT_CONTROL);
		return TC_ACT_OK;
	}
	if ((void *)(gue + 1) > data_end || (gue->ver_c_hlen & GUE_HLEN_MASK) != GUE_HLEN_WORDS || gue->flags != 0)
		return drop(CNT_DROP_MALFORMED);
	if (gue->proto_ctype == GUE_PROTO_IPV4) {
		struct iphdr *inner = (void *)(gue + 1);

		if ((void *)(inner + 1) > data_end || inner->version != 4 || inner->ihl < 5)
			return drop(CNT_DROP_MALFORMED);
		inner_len = bpf_ntohs(inner->tot_len);
		src->is6 = 0;
		src->v4 = inner->saddr;
		if (inner->protocol == IPPROTO_TCP && !(inner->frag_off & bpf_htons(IP_MF | IP_OFFSET))) {
			ip_len = inner->ihl * 4;
			l4_off = ETH_HLEN + ip_len;
		}
	} else if (gue->proto_ctype == GUE_PROTO_IPV6) {
		struct ipv6hdr *inner6 = (void *)(gue + 1);

		if ((void *)(inner6 + 1) > data_end || inner6->version != 6)
			return drop(CNT_DROP_MALFORMED);
		inner_len = bpf_ntohs(inner6->payload_len) + sizeof(*inner6);
		src->is6 = 1;
		__builtin_memcpy(src->v6, &inner6->saddr, sizeof(src->v6));
		flags |= BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
		if (inner6->nexthdr == IPPROTO_TCP) {
			ip_len = sizeof(*inner6);
			l4_off = ETH_HLEN + ip_len;
		}
	} else {
		return drop(CNT_DROP_MALFORMED);
	}
	if (bpf_ntohs(udp->len) != inner_len + sizeof(*udp) + GUE_HDR_LEN)
		return drop(CNT_DROP_MALFORMED);

	id = bpf_ntohl(gue->tunnel_id);
	t = bpf_map_lookup_elem(&gue_tunnels, &id);
	if (!t)
		return drop(CNT_DROP_UNKNOWN_TUNNEL);
	if (iph->saddr != t->remote_addr_be || udp->source != t->remote_port_be)
		return drop(CNT_DROP_WRONG_SOURCE);
	if (!(t->flags & TUNNEL_F_UP))
		return drop(CNT_DROP_TUNNEL_DOWN);

	*tunnel_id = id;
	/* FIXED_GSO: the inner segments keep their size; only the outer headers go away. */
	if (bpf_skb_adjust_room(skb, -GUE_OVERHEAD, BPF_ADJ_ROOM_MAC, flags))
		return drop(CNT_DROP_ERROR);
	if (src->is6 && bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &eth_ip6, sizeof(eth_ip6), 0))
		return drop(CNT_DROP_ERROR);
	if (l4_off)
		clamp_mss(skb, l4_off, ip_len);
	count(CNT_DECAP);
	return -1;
pass:
	count(CNT_PASS);
	return TC_ACT_OK;
}

/* EPIC node, Envoy host veth ingress: remember which Envoy sent the packet. */
SEC("tc/tag")
int gue_tag(struct __sk_buff *skb)
{
	skb->mark = skb->ifindex;
	count(CNT_TAGGED);
	return TC_ACT_OK;
}

/* EPIC node, NIC egress: packets from a tagged Envoy to a pod endpoint of one of its services. */
SEC("tc/epic_encap")
int gue_epic_encap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct service_value *svc = NULL;
	struct udphdr *l4; /* the ports sit at the same offsets in TCP and UDP */

	if ((void *)(eth + 1) > data_end)
		goto pass;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = parse_ipv4(skb);
		struct service_key key = {};

		if (!iph || (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP) ||
		    (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			goto pass;
		l4 = (void *)iph + iph->ihl * 4;
		if ((void *)(l4 + 1) > data_end)
			goto pass;
		key.pod_addr_be = iph->daddr;
		key.pod_port_be = l4->dest;
		key.proto = iph->protocol;
		key.mark = skb->mark;
		svc = bpf_map_lookup_elem(&gue_services, &key);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct service6_key key6 = {};

		/* Services are TCP/UDP directly after the fixed header; extension headers are not ours. */
		if ((void *)(ip6 + 1) > data_end || (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP))
			goto pass;
		l4 = (void *)(ip6 + 1);
		if ((void *)(l4 + 1) > data_end)
			goto pass;
		__builtin_memcpy(key6.pod_addr, &ip6->daddr, sizeof(key6.pod_addr));
		key6.pod_port_be = l4->dest;
		key6.proto = ip6->nexthdr;
		key6.mark = skb->mark;
		svc = bpf_map_lookup_elem(&gue_services6, &key6);
	}
	if (!svc)
		goto pass;
	return encap(skb, svc->tunnel_id);
pass:
	count(CNT_PASS);
	return TC_ACT_OK;
}

/* EPIC node, NIC ingress. */
SEC("tc/epic_decap")
int gue_epic_decap(struct __sk_buff *skb)
{
	struct inner_src src = {};
	__u32 tunnel_id = 0;
	int verdict = decap(skb, &tunnel_id, &src);

	return verdict >= 0 ? verdict : TC_ACT_OK;
}

/* Workload node, NIC ingress: decapsulate and remember which tunnel reaches the sending proxy. */
SEC("tc/wl_decap")
int gue_wl_decap(struct __sk_buff *skb)
{
	struct return_flow_value val = {};
	struct return_flow_value *cur;
	struct inner_src src = {};
	__u32 tunnel_id = 0;
	int verdict = decap(skb, &tunnel_id, &src);

	if (verdict >= 0)
		return verdict;
	val.tunnel_id = tunnel_id;
	if (src.is6) {
		struct return_flow6_key key6 = {};

		__builtin_memcpy(key6.addr, src.v6, sizeof(key6.addr));
		cur = bpf_map_lookup_elem(&gue_return_flows6, &key6);
		if (cur && cur->tunnel_id == tunnel_id)
			return TC_ACT_OK;
		bpf_map_update_elem(&gue_return_flows6, &key6, &val, BPF_ANY);
	} else {
		struct return_flow_key key = { .addr_be = src.v4 };

		cur = bpf_map_lookup_elem(&gue_return_flows, &key);
		if (cur && cur->tunnel_id == tunnel_id)
			return TC_ACT_OK;
		bpf_map_update_elem(&gue_return_flows, &key, &val, BPF_ANY);
	}
	count(CNT_LEARNED);
	return TC_ACT_OK;
}

/* Workload node, NIC egress: replies to a proxy that reached us through a tunnel go back through it. */
SEC("tc/wl_encap")
int gue_wl_encap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct return_flow_value *rf = NULL;

	if ((void *)(eth + 1) > data_end)
		goto pass;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = parse_ipv4(skb);
		struct return_flow_key key = {};

		if (!iph || (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
			goto pass;
		key.addr_be = iph->daddr;
		rf = bpf_map_lookup_elem(&gue_return_flows, &key);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct return_flow6_key key6 = {};

		if ((void *)(ip6 + 1) > data_end)
			goto pass;
		__builtin_memcpy(key6.addr, &ip6->daddr, sizeof(key6.addr));
		rf = bpf_map_lookup_elem(&gue_return_flows6, &key6);
	}
	if (!rf)
		goto pass;
	return encap(skb, rf->tunnel_id);
pass:
	count(CNT_PASS);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
