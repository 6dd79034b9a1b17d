/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The per-packet decision of the datapath, shared by its two entry points: xdp_main (xdp_fwd.c), the
 * datapath itself, and tc_bridge (tc_bridge.c), which covers every moment the XDP program is absent
 * (a DPDK restart). Both include this file, so a packet gets the same rewrite, checksums, TTL, FIB
 * answer and counters whichever hook saw it; only the way a verdict is carried out differs.
 *
 * Per packet: Ethernet II / IPv4 → (ihl 5, no fragment, UDP) → rule lookup → rewrite with incremental
 * checksums → TTL check → bpf_fib_lookup → out of the ingress interface (TX) or another one (REDIRECT).
 * A miss toward a local IP is LOCAL: the XDP entry hands it to the AF_XDP socket of the rx queue
 * (falling back to the kernel when there is none), the tc entry to the kernel. Anything else goes to
 * the kernel untouched. Nothing the fast path cannot do right is ever rewritten.
 */
#ifndef XDPRECON_FORWARD_H
#define XDPRECON_FORWARD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdprecon.h"

#define AF_INET   2
#define AF_INET6  10
#define ICMPV6_ECHO_REQUEST 128
#define IP_DF     0x4000

/* One access each, in program order, not merged or split by the compiler (the next-hop cache's protocol). */
#define READ_ONCE(x)     (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define barrier()        asm volatile("" ::: "memory")

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_RULES);
	__type(key, struct flow_key);
	__type(value, struct flow_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_RULES_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_RULES6);
	__type(key, struct flow_key6);
	__type(value, struct flow_rule6);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_RULES6_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPRECON_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct flow_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_FLOW_CTRS_MAP SEC(".maps");

/*
 * The control plane's allocator of counter slots: bit s of word s / 64 is set while slot s is some
 * rule's (bit 0, slot 0, always). Userspace maps it and claims bits with compare-and-swap, so writers
 * in several processes never share a slot. The datapath never reads it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, (XDPRECON_FLOW_SLOTS + 63) / 64);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_SLOTS_MAP SEC(".maps");

/* One entry: XDPRECON_ABI_VERSION, stamped by the control plane (0 until then). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_ABI_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_LOCAL_IPS);
	__type(key, __u32);
	__type(value, struct ip_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_LOCAL_IPS_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_LOCAL_IPS);
	__type(key, struct ip6_addr);
	__type(value, struct ip_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_LOCAL_IPS6_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_STAT_MAX);
	__type(key, __u32); /* enum xdp_stat; array keys must be BTF ints */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_COUNTERS_MAP SEC(".maps");

/*
 * Layout 4 keeps the families' rules in two maps. The bench-only variant xdp_fwd_onemap (-DXDPRECON_BENCH_ONE_MAP,
 * tests FamilyMapsBench; never loaded in production) keeps both in one map of 40-byte keys (an IPv4 flow's addresses
 * as ::ffff:a.b.c.d) and values the size of the larger rule, to measure that choice: one lookup per packet either
 * way, the same code around it.
 */
#ifdef XDPRECON_BENCH_ONE_MAP
union flow_rule_any {
	struct flow_rule v4;
	struct flow_rule6 v6;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_RULES + XDPRECON_MAX_RULES6);
	__type(key, struct flow_key6);
	__type(value, union flow_rule_any);
} xdp_rules_one SEC(".maps");

static __always_inline struct flow_rule *one_map_rule(__u32 ingress, __u32 saddr, __u32 daddr, __u16 source, __u16 dest)
{
	struct flow_key6 key = { .ifindex = ingress, .src_port = source, .dst_port = dest };
	__u32 *src = (__u32 *)key.src_ip;
	__u32 *dst = (__u32 *)key.dst_ip;
	src[2] = bpf_htonl(0xffff);
	dst[2] = bpf_htonl(0xffff);
	src[3] = saddr;
	dst[3] = daddr;
	union flow_rule_any *any = bpf_map_lookup_elem(&xdp_rules_one, &key);
	return any ? &any->v4 : NULL;
}

static __always_inline struct flow_rule6 *one_map_rule6(const struct flow_key6 *key)
{
	union flow_rule_any *any = bpf_map_lookup_elem(&xdp_rules_one, key);
	return any ? &any->v6 : NULL;
}
#endif

/* What the entry point must do with the packet (as forward() left it). */
enum verdict {
	VERDICT_PASS,     /* to the kernel's stack (counted as passed) */
	VERDICT_DROP,     /* drop (counted) */
	VERDICT_TX,       /* rewritten: out of the interface it came in on */
	VERDICT_REDIRECT, /* rewritten: out of *egress */
	VERDICT_LOCAL,    /* a miss toward a local IP, not rewritten: the slow path's (AF_XDP) if it can take it */
};

static __always_inline void count(enum xdp_stat stat)
{
#ifdef XDPRECON_BENCH_NO_STATS /* bench-only variant: prices the datapath counters */
	return;
#endif
	__u64 *slot = bpf_map_lookup_elem(&xdp_counters, &stat);
	if (slot)
		*slot += 1; /* per-CPU slot: no other writer */
}

static __always_inline enum verdict passed(enum xdp_stat reason)
{
	count(reason);
	count(XDP_STAT_PASS_TO_KERNEL);
	return VERDICT_PASS;
}

/*
 * Ones' complement arithmetic on raw (network-order) 16-bit words: the sum commutes with byte
 * swapping, so no conversion is needed. RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
 */
static __always_inline __u32 csum_delta16(__u16 old, __u16 new)
{
	return (__u16)~old + (__u32)new;
}

static __always_inline __u32 csum_delta32(__u32 old, __u32 new)
{
	return csum_delta16(old >> 16, new >> 16) + csum_delta16(old & 0xffff, new & 0xffff);
}

static __always_inline __u16 csum_apply(__u16 check, __u32 delta)
{
	__u32 sum = (__u16)~check + delta;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Ones' complement sum of the 20-byte header, checksum included, is 0xffff when it is intact. */
static __always_inline int ipv4_header_valid(const struct iphdr *iph)
{
	const __u16 *word = (const __u16 *)iph;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += word[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* A miss: destinations the application owns are the slow path's, the rest go to the kernel. */
static __always_inline enum verdict steer(__u32 daddr)
{
	struct ip_counter *local = bpf_map_lookup_elem(&xdp_local_ips, &daddr);
	if (!local) {
		count(XDP_STAT_PASS_TO_KERNEL);
		return VERDICT_PASS;
	}
	__sync_fetch_and_add(&local->packets, 1);
	return VERDICT_LOCAL;
}

/* steer() for IPv6 destinations (xdp_local_ips6). */
static __always_inline enum verdict steer6(const struct in6_addr *daddr)
{
	struct ip6_addr addr;

	__builtin_memcpy(addr.bytes, daddr, sizeof(addr.bytes));
	struct ip_counter *local = bpf_map_lookup_elem(&xdp_local_ips6, &addr);
	if (!local) {
		count(XDP_STAT_PASS_TO_KERNEL);
		return VERDICT_PASS;
	}
	__sync_fetch_and_add(&local->packets, 1);
	return VERDICT_LOCAL;
}

/* Per-CPU counters at the rule's slot: no hash, no create on a flow's first packet, nothing lost. */
static __always_inline void count_flow(__u32 slot, __u64 bytes)
{
	struct flow_counters *c = bpf_map_lookup_elem(&xdp_flow_ctrs, &slot);
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

/* Where a forwarded packet goes: what bpf_fib_lookup answered, or the rule's cache of that answer. */
struct hop_out {
	__u32 ifindex;
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
};

/* The rule's cached FIB answer into *out, when it was given this tick for these inputs (see struct next_hop). */
static __always_inline int hop_cached(struct next_hop *hop, __u64 now, __u32 ingress, __u32 src, __u32 dst, __u8 tos,
				      __u16 tot_len, struct hop_out *out)
{
#ifdef XDPRECON_BENCH_NO_HOP_CACHE /* bench-only variant: bpf_fib_lookup on every packet, as before layout 3 */
	return 0;
#endif
	__u64 seen = READ_ONCE(hop->jiffies);
	if (seen != now || hop->ingress != ingress || hop->src_ip != src || hop->dst_ip != dst || hop->tos != tos ||
	    tot_len > hop->tot_len)
		return 0;
	out->ifindex = hop->ifindex;
	__builtin_memcpy(out->dmac, hop->dmac, ETH_ALEN);
	__builtin_memcpy(out->smac, hop->smac, ETH_ALEN);
	barrier();
	return READ_ONCE(hop->jiffies) == seen;
}

/* Records a SUCCESS answer of bpf_fib_lookup in the rule: jiffies last, so that no reader takes a half-written entry. */
static __always_inline void hop_store(struct next_hop *hop, __u64 now, __u32 ingress, __u32 src, __u32 dst, __u8 tos,
				      __u16 tot_len, const struct bpf_fib_lookup *fib)
{
	WRITE_ONCE(hop->jiffies, 0);
	barrier();
	hop->ingress = ingress;
	hop->src_ip = src;
	hop->dst_ip = dst;
	hop->tos = tos;
	hop->tot_len = tot_len;
	hop->ifindex = fib->ifindex;
	__builtin_memcpy(hop->dmac, fib->dmac, ETH_ALEN);
	__builtin_memcpy(hop->smac, fib->smac, ETH_ALEN);
	barrier();
	WRITE_ONCE(hop->jiffies, now);
}

/* A FIB answer other than SUCCESS for a rewritten packet: dropped, or the kernel's (its IPv4 checksum made whole). */
static __always_inline enum verdict fib_refused(struct iphdr *iph, __u32 l3, long rc)
{
	switch (rc) {
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		iph->check = csum_apply(iph->check, l3);
		count(XDP_STAT_FIB_DROP);
		return VERDICT_DROP;
	default:
		/*
		 * No neighbour yet, MTU exceeded, forwarding off, no route...: the kernel forwards the
		 * rewritten packet itself (resolving the neighbour, or answering with ICMP), and it
		 * decrements the TTL then, so we do not. Its source is now one of this host's addresses:
		 * the kernel accepts that on input only with accept_local=1 on the ingress interface,
		 * which attaching the datapath sets.
		 */
		iph->check = csum_apply(iph->check, l3);
		return passed(XDP_STAT_FIB_PASS);
	}
}

/*
 * A rewrite whose UDP checksum the entry point updates itself (tc: an skb's checksum may be
 * CHECKSUM_PARTIAL, the pseudo-header sum a device completes later, or covered by skb->csum under
 * CHECKSUM_COMPLETE; only the kernel's csum helpers know which, and they invalidate packet pointers,
 * so they run after forward() is done with the packet). Addresses and ports in network order.
 */
struct udp_rewrite {
	__u32 saddr, daddr, new_saddr, new_daddr;
	__u16 source, dest, new_source, new_dest;
	__u8 pending; /* the packet was rewritten: its UDP checksum still describes the old header */
	__u8 ipv6;    /* the addresses are saddr6.. below, not saddr.. */
	__u32 saddr6[4], daddr6[4], new_saddr6[4], new_daddr6[4];
};

static __always_inline enum verdict forward6(void *ctx, struct ethhdr *eth, void *data_end, __u32 ingress,
					     __u32 *egress, struct udp_rewrite *udp_csum);

/*
 * The decision for the frame [data, data_end) that arrived on ingress; ctx is the program's context
 * (xdp_md or __sk_buff, as bpf_fib_lookup takes either). Rewrites the frame in place when it forwards;
 * the UDP checksum too when udp_csum is NULL (XDP: a frame's checksum is final), else it is left for
 * the caller, described in *udp_csum.
 */
static __always_inline enum verdict forward(void *ctx, void *data, void *data_end, __u32 ingress, __u32 *egress,
					    struct udp_rewrite *udp_csum)
{
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return passed(XDP_STAT_NOT_IPV4);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return forward6(ctx, eth, data_end, ingress, egress, udp_csum);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return passed(XDP_STAT_NOT_IPV4);

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return passed(XDP_STAT_MALFORMED);
	__u16 tot_len = bpf_ntohs(iph->tot_len);
	if (iph->version != 4 || iph->ihl < 5 || tot_len < iph->ihl * 4 ||
	    (void *)iph + tot_len > data_end)
		return passed(XDP_STAT_MALFORMED);

	if (iph->ihl != 5 || (iph->frag_off & ~bpf_htons(IP_DF)) || iph->protocol != IPPROTO_UDP) {
		count(XDP_STAT_SLOW_PATH);
		return steer(iph->daddr);
	}

	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end || tot_len < sizeof(*iph) + sizeof(*udp))
		return passed(XDP_STAT_MALFORMED);
	__u16 udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > tot_len - sizeof(*iph))
		return passed(XDP_STAT_MALFORMED);

#ifdef XDPRECON_BENCH_ONE_MAP
	struct flow_rule *rule = one_map_rule(ingress, iph->saddr, iph->daddr, udp->source, udp->dest);
#else
	struct flow_key key = {
		.ifindex = ingress,
		.src_ip = iph->saddr,
		.dst_ip = iph->daddr,
		.src_port = udp->source,
		.dst_port = udp->dest,
	};
	struct flow_rule *rule = bpf_map_lookup_elem(&xdp_fwd_rules, &key);
#endif
	if (!rule) {
		count(XDP_STAT_REWRITE_MISS);
		return steer(iph->daddr);
	}

	/*
	 * Never rewrite a header the kernel would refuse: a bad IPv4 checksum would otherwise travel
	 * on, its error preserved by the incremental update. Only hits pay for this check.
	 */
#ifndef XDPRECON_BENCH_NO_IP_CHECK /* bench-only variant: prices the header checksum check */
	if (!ipv4_header_valid(iph))
		return passed(XDP_STAT_MALFORMED);
#endif

	/* A packet that cannot be forwarded with a TTL left is the slow path's or the kernel's. */
	if (iph->ttl <= 1) {
		count(XDP_STAT_TTL_EXPIRED);
		return steer(iph->daddr);
	}

	struct flow_key to = rule->rewrite;
	__u32 l3 = csum_delta32(iph->saddr, to.src_ip) + csum_delta32(iph->daddr, to.dst_ip);
	if (udp_csum) {
		*udp_csum = (struct udp_rewrite){
			.saddr = iph->saddr, .daddr = iph->daddr, .new_saddr = to.src_ip, .new_daddr = to.dst_ip,
			.source = udp->source, .dest = udp->dest, .new_source = to.src_port, .new_dest = to.dst_port,
			.pending = 1,
		};
	} else if (udp->check) {
		__u32 l4 = l3 + csum_delta16(udp->source, to.src_port) + csum_delta16(udp->dest, to.dst_port);
		__u16 check = csum_apply(udp->check, l4);
		udp->check = check ? check : 0xffff; /* 0 on the wire means "no checksum" */
	}
	iph->saddr = to.src_ip;
	iph->daddr = to.dst_ip;
	udp->source = to.src_port;
	udp->dest = to.dst_port;
	count(XDP_STAT_REWRITE_HIT);
#ifndef XDPRECON_BENCH_NO_FLOW_COUNTERS /* a variant the benchmark builds to price exact per-flow counters */
	count_flow(rule->slot, (__u64)(data_end - data));
#endif

	struct hop_out out;
	__u64 now = bpf_jiffies64();
	if (!hop_cached(&rule->hop, now, ingress, to.src_ip, to.dst_ip, iph->tos, tot_len, &out)) {
		struct bpf_fib_lookup fib = {
			.family = AF_INET,
			.tos = iph->tos,
			.l4_protocol = IPPROTO_UDP,
			.tot_len = tot_len,
			.ifindex = ingress,
			.ipv4_src = to.src_ip,
			.ipv4_dst = to.dst_ip,
		};
		long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS)
			return fib_refused(iph, l3, rc);
		hop_store(&rule->hop, now, ingress, to.src_ip, to.dst_ip, iph->tos, tot_len, &fib);
		out.ifindex = fib.ifindex;
		__builtin_memcpy(out.dmac, fib.dmac, ETH_ALEN);
		__builtin_memcpy(out.smac, fib.smac, ETH_ALEN);
	}

	/* TTL and protocol share one 16-bit word of the header checksum. */
	__u16 ttl_word_old = *(__u16 *)&iph->ttl;
	iph->ttl -= 1;
	__u16 ttl_word_new = *(__u16 *)&iph->ttl;
	iph->check = csum_apply(iph->check, l3 + csum_delta16(ttl_word_old, ttl_word_new));

	__builtin_memcpy(eth->h_dest, out.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, out.smac, ETH_ALEN);

	if (out.ifindex == ingress) {
		count(XDP_STAT_HAIRPIN_TX);
		return VERDICT_TX;
	}
	count(XDP_STAT_REDIRECT_OUT);
	*egress = out.ifindex;
	return VERDICT_REDIRECT;
}

/*
 * IPv6/UDP (tests/model Ipv6DatapathModel is its specification, decision by decision). Only a UDP header right
 * after the fixed header is taken: any extension header (a jumbogram's hop-by-hop among them) or other protocol,
 * ICMPv6 and so neighbour discovery above all, goes to the kernel untouched. Toward an IPv6 local IP
 * (xdp_local_ips6) a UDP miss, a hit with hop limit <= 1 and an ICMPv6 echo request are the slow path's (LOCAL), as
 * for IPv4; nothing else is (neighbour discovery never leaves the kernel). A hit with UDP checksum 0, which IPv6
 * forbids, is never forwarded. No header checksum to keep; the UDP checksum covers both 128-bit addresses.
 */
static __always_inline enum verdict forward6(void *ctx, struct ethhdr *eth, void *data_end, __u32 ingress,
					     __u32 *egress, struct udp_rewrite *udp_csum)
{
	struct ipv6hdr *ip6h = (void *)(eth + 1);
	struct udphdr *udp;

	if ((void *)(ip6h + 1) > data_end)
		return passed(XDP_STAT_MALFORMED);
	__u16 payload_len = bpf_ntohs(ip6h->payload_len);
	if (ip6h->version != 6 || (void *)(ip6h + 1) + payload_len > data_end)
		return passed(XDP_STAT_MALFORMED);
	if (ip6h->nexthdr != IPPROTO_UDP) {
		count(XDP_STAT_SLOW_PATH);
		__u8 *icmp_type = (void *)(ip6h + 1);
		if (ip6h->nexthdr == IPPROTO_ICMPV6 && (void *)(icmp_type + 1) <= data_end && payload_len >= 1 &&
		    *icmp_type == ICMPV6_ECHO_REQUEST)
			return steer6(&ip6h->daddr);
		count(XDP_STAT_PASS_TO_KERNEL);
		return VERDICT_PASS;
	}
	udp = (void *)(ip6h + 1);
	if ((void *)(udp + 1) > data_end || payload_len < sizeof(*udp))
		return passed(XDP_STAT_MALFORMED);
	__u16 udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > payload_len)
		return passed(XDP_STAT_MALFORMED);

	struct flow_key6 key = { .ifindex = ingress, .src_port = udp->source, .dst_port = udp->dest };
	__builtin_memcpy(key.src_ip, &ip6h->saddr, sizeof(key.src_ip));
	__builtin_memcpy(key.dst_ip, &ip6h->daddr, sizeof(key.dst_ip));
#ifdef XDPRECON_BENCH_ONE_MAP
	struct flow_rule6 *rule = one_map_rule6(&key);
#else
	struct flow_rule6 *rule = bpf_map_lookup_elem(&xdp_rules6, &key);
#endif
	if (!rule) {
		count(XDP_STAT_REWRITE_MISS);
		return steer6(&ip6h->daddr);
	}
	if (!udp->check)
		return passed(XDP_STAT_MALFORMED); /* RFC 8200 8.1: the kernel drops it; we never forward it */
	if (ip6h->hop_limit <= 1) {
		count(XDP_STAT_TTL_EXPIRED);
		return steer6(&ip6h->daddr);
	}

	struct flow_key6 to = rule->rewrite;
	__u32 *old_src = (__u32 *)&ip6h->saddr;
	__u32 *old_dst = (__u32 *)&ip6h->daddr;
	__u32 *new_src = (__u32 *)to.src_ip;
	__u32 *new_dst = (__u32 *)to.dst_ip;
	if (udp_csum) {
		udp_csum->pending = 1;
		udp_csum->ipv6 = 1;
		udp_csum->source = udp->source;
		udp_csum->dest = udp->dest;
		udp_csum->new_source = to.src_port;
		udp_csum->new_dest = to.dst_port;
#pragma unroll
		for (int i = 0; i < 4; i++) {
			udp_csum->saddr6[i] = old_src[i];
			udp_csum->daddr6[i] = old_dst[i];
			udp_csum->new_saddr6[i] = new_src[i];
			udp_csum->new_daddr6[i] = new_dst[i];
		}
	} else {
		__u32 l4 = csum_delta16(udp->source, to.src_port) + csum_delta16(udp->dest, to.dst_port);
#pragma unroll
		for (int i = 0; i < 4; i++)
			l4 += csum_delta32(old_src[i], new_src[i]) + csum_delta32(old_dst[i], new_dst[i]);
		__u16 check = csum_apply(udp->check, l4);
		udp->check = check ? check : 0xffff;
	}
	__builtin_memcpy(&ip6h->saddr, to.src_ip, sizeof(to.src_ip));
	__builtin_memcpy(&ip6h->daddr, to.dst_ip, sizeof(to.dst_ip));
	udp->source = to.src_port;
	udp->dest = to.dst_port;
	count(XDP_STAT_REWRITE_HIT);
	count_flow(rule->slot, (__u64)(data_end - (void *)eth));

	struct bpf_fib_lookup fib = {
		.family = AF_INET6,
		.flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0fffffff),
		.l4_protocol = IPPROTO_UDP,
		/* the MTU counts the IPv6 header (samples/bpf/xdp_fwd gives payload_len alone) */
		.tot_len = sizeof(*ip6h) + payload_len,
		.ifindex = ingress,
	};
	__builtin_memcpy(fib.ipv6_src, to.src_ip, sizeof(fib.ipv6_src));
	__builtin_memcpy(fib.ipv6_dst, to.dst_ip, sizeof(fib.ipv6_dst));
	long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		count(XDP_STAT_FIB_DROP);
		return VERDICT_DROP;
	default:
		/* no neighbour yet (the kernel resolves it), MTU, forwarding off, no route: the kernel's */
		return passed(XDP_STAT_FIB_PASS);
	}
	ip6h->hop_limit -= 1;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	if (fib.ifindex == ingress) {
		count(XDP_STAT_HAIRPIN_TX);
		return VERDICT_TX;
	}
	count(XDP_STAT_REDIRECT_OUT);
	*egress = fib.ifindex;
	return VERDICT_REDIRECT;
}

#endif /* XDPRECON_FORWARD_H */
