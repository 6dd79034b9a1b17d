// SPDX-License-Identifier: Apache-2.0
/*
 * xdprecon datapath: rewrite and forward known UDP flows in XDP; steer the rest.
 *
 * Per packet: Ethernet II / IPv4 → (ihl 5, no fragment, UDP) → rule lookup → rewrite with incremental
 * checksums → TTL check → bpf_fib_lookup → XDP_TX (same interface) or XDP_REDIRECT. A miss toward a
 * local IP goes to the AF_XDP socket of the rx queue (falling back to the kernel when there is none);
 * anything else goes to the kernel untouched. Nothing the fast path cannot do right is ever rewritten.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdprecon.h"

#define AF_INET   2
#define IP_DF     0x4000

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_RULES);
	__type(key, struct flow_key);
	__type(value, struct flow_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_RULES_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XDPRECON_MAX_RULES);
	__type(key, struct flow_key);
	__type(value, struct flow_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_FLOW_STATS_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDPRECON_MAX_LOCAL_IPS);
	__type(key, __u32);
	__type(value, struct ip_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_LOCAL_IPS_MAP SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_STAT_MAX);
	__type(key, __u32); /* enum xdp_stat; array keys must be BTF ints */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XDPRECON_COUNTERS_MAP SEC(".maps");

/* Filled by DPDK's AF_XDP PMD (one socket per rx queue); the name is fixed by the PMD. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDPRECON_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} XDPRECON_XSKS_MAP SEC(".maps");

static __always_inline void count(enum xdp_stat stat)
{
	__u64 *slot = bpf_map_lookup_elem(&xdp_counters, &stat);
	if (slot)
		*slot += 1; /* per-CPU slot: no other writer */
}

static __always_inline int pass(enum xdp_stat reason)
{
	count(reason);
	count(XDP_STAT_PASS_TO_KERNEL);
	return XDP_PASS;
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

/* A miss: destinations the application owns go to its AF_XDP socket, the rest to the kernel. */
static __always_inline int steer(struct xdp_md *ctx, __u32 daddr)
{
	struct ip_counter *local = bpf_map_lookup_elem(&xdp_local_ips, &daddr);
	if (!local) {
		count(XDP_STAT_PASS_TO_KERNEL);
		return XDP_PASS;
	}
	__sync_fetch_and_add(&local->packets, 1);

	/* With no socket on this queue the helper returns the fallback action instead. */
	long action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	if (action == XDP_REDIRECT) {
		count(XDP_STAT_AFXDP_REDIRECT);
		return XDP_REDIRECT;
	}
	return pass(XDP_STAT_AFXDP_FALLBACK);
}

static __always_inline void count_flow(const struct flow_key *key, __u64 bytes)
{
	struct flow_counters *c = bpf_map_lookup_elem(&xdp_flow_stats, key);
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
		return;
	}
	/* First packet of a flow on this CPU's view: create the entry; a racing CPU's create wins once. */
	struct flow_counters first = { .packets = 1, .bytes = bytes };
	if (bpf_map_update_elem(&xdp_flow_stats, key, &first, BPF_NOEXIST) == 0)
		return;
	c = bpf_map_lookup_elem(&xdp_flow_stats, key);
	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return pass(XDP_STAT_NOT_IPV4);

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return pass(XDP_STAT_MALFORMED);
	__u16 tot_len = bpf_ntohs(iph->tot_len);
	if (iph->version != 4 || iph->ihl < 5 || tot_len < iph->ihl * 4 ||
	    (void *)iph + tot_len > data_end)
		return pass(XDP_STAT_MALFORMED);

	if (iph->ihl != 5 || (iph->frag_off & ~bpf_htons(IP_DF)) || iph->protocol != IPPROTO_UDP) {
		count(XDP_STAT_SLOW_PATH);
		return steer(ctx, iph->daddr);
	}

	udp = (void *)(iph + 1);
	if ((void *)(udp + 1) > data_end || tot_len < sizeof(*iph) + sizeof(*udp))
		return pass(XDP_STAT_MALFORMED);
	__u16 udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > tot_len - sizeof(*iph))
		return pass(XDP_STAT_MALFORMED);

	struct flow_key key = {
		.ifindex = ctx->ingress_ifindex,
		.src_ip = iph->saddr,
		.dst_ip = iph->daddr,
		.src_port = udp->source,
		.dst_port = udp->dest,
	};
	struct flow_rule *rule = bpf_map_lookup_elem(&xdp_fwd_rules, &key);
	if (!rule) {
		count(XDP_STAT_REWRITE_MISS);
		return steer(ctx, iph->daddr);
	}

	/*
	 * Never rewrite a header the kernel would refuse: a bad IPv4 checksum would otherwise travel
	 * on, its error preserved by the incremental update. Only hits pay for this check.
	 */
	if (!ipv4_header_valid(iph))
		return pass(XDP_STAT_MALFORMED);

	/* A packet that cannot be forwarded with a TTL left is the slow path's or the kernel's. */
	if (iph->ttl <= 1) {
		count(XDP_STAT_TTL_EXPIRED);
		return steer(ctx, iph->daddr);
	}

	struct flow_key to = rule->rewrite;
	__u32 l3 = csum_delta32(iph->saddr, to.src_ip) + csum_delta32(iph->daddr, to.dst_ip);
	if (udp->check) {
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
	count_flow(&key, (__u64)(data_end - data));
#endif

	struct bpf_fib_lookup fib = {
		.family = AF_INET,
		.tos = iph->tos,
		.l4_protocol = IPPROTO_UDP,
		.tot_len = tot_len,
		.ifindex = ctx->ingress_ifindex,
		.ipv4_src = to.src_ip,
		.ipv4_dst = to.dst_ip,
	};
	long rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		break;
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
		iph->check = csum_apply(iph->check, l3);
		count(XDP_STAT_FIB_DROP);
		return XDP_DROP;
	default:
		/*
		 * No neighbour yet, MTU exceeded, forwarding off, no route...: the kernel forwards the
		 * rewritten packet itself (resolving the neighbour, or answering with ICMP), and it
		 * decrements the TTL then, so we do not. Its source is now one of this host's addresses:
		 * the kernel accepts that on input only with accept_local=1 on the ingress interface,
		 * which attaching the datapath sets.
		 */
		iph->check = csum_apply(iph->check, l3);
		return pass(XDP_STAT_FIB_PASS);
	}

	/* TTL and protocol share one 16-bit word of the header checksum. */
	__u16 ttl_word_old = *(__u16 *)&iph->ttl;
	iph->ttl -= 1;
	__u16 ttl_word_new = *(__u16 *)&iph->ttl;
	iph->check = csum_apply(iph->check, l3 + csum_delta16(ttl_word_old, ttl_word_new));

	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);

	if (fib.ifindex == ctx->ingress_ifindex) {
		count(XDP_STAT_HAIRPIN_TX);
		return XDP_TX;
	}
	count(XDP_STAT_REDIRECT_OUT);
	return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
