// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Programs for the lab and the benchmarks, never for production:
 * - xdp_pass: on the far end of a veth, so frames redirected or bounced into it are delivered
 *   (a veth delivers redirected frames only
 *   when the receiving end runs NAPI, which an attached XDP program turns on);
 * - xdp_drop: the same on a benchmark's far end, where the frames need not reach the kernel;
 * - xdp_ceiling: the same parse and header rewrite as xdp_main with no map lookup at all, then
 *   XDP_TX: the cost floor the real program is measured against;
 * - xdp_redirect_ceiling: the forwarding ceiling of the fastpath benchmark: the same parse, TTL
 *   decrement and MAC rewrite as a forwarded hit, then bpf_redirect to a fixed interface with fixed
 *   MACs (ceiling_target, set by the benchmark after load), no map lookup and no FIB;
 *   xdp_redirect_ceiling_map is the same through a devmap (bpf_redirect_map), the other way to price it;
 * - xdp_lookup_ceiling: xdp_redirect_ceiling plus the one thing a forwarded hit cannot skip, the rule's hash
 *   lookup (lookup_rules, pointed by the benchmark at a full rules map): the floor of the full-map row, where
 *   the lookup's cache misses and not the code decide;
 * - tc_foreign: a tc program that is not the bridge, for tests where someone else's filter holds
 *   the bridge's place.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdprecon.h"

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xdp_ceiling(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udp = (void *)(iph + 1);
	unsigned char mac[ETH_ALEN];

	if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    iph->ihl != 5 || iph->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (iph->ttl <= 1)
		return XDP_PASS;

	/* Swap addresses and ports: checksums stay valid, no lookup, same bytes touched. */
	__u32 ip = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = ip;
	__u16 port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	__u16 ttl_word_old = *(__u16 *)&iph->ttl;
	iph->ttl -= 1;
	__u16 ttl_word_new = *(__u16 *)&iph->ttl;
	__u32 sum = (__u16)~iph->check + (__u16)~ttl_word_old + (__u32)ttl_word_new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	iph->check = (__u16)~sum;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

/* Where xdp_redirect_ceiling sends every frame: in .bss, read without a lookup; the benchmark writes it. */
struct ceiling_target {
	__u32 ifindex;
	unsigned char dmac[ETH_ALEN];
	unsigned char smac[ETH_ALEN];
};
struct ceiling_target ceiling_target;

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ceiling_ports SEC(".maps");

/* Parse as xdp_main does, decrement the TTL (checksum updated), set the target's MACs; 0 when not UDP/IPv4. */
static __always_inline int ceiling_rewrite(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	struct udphdr *udp = (void *)(iph + 1);

	if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    iph->ihl != 5 || iph->protocol != IPPROTO_UDP || iph->ttl <= 1)
		return 0;
	__u16 ttl_word_old = *(__u16 *)&iph->ttl;
	iph->ttl -= 1;
	__u16 ttl_word_new = *(__u16 *)&iph->ttl;
	__u32 sum = (__u16)~iph->check + (__u16)~ttl_word_old + (__u32)ttl_word_new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	iph->check = (__u16)~sum;
	__builtin_memcpy(eth->h_dest, ceiling_target.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, ceiling_target.smac, ETH_ALEN);
	return 1;
}

SEC("xdp")
int xdp_redirect_ceiling(struct xdp_md *ctx)
{
	if (!ceiling_rewrite(ctx))
		return XDP_PASS;
	return bpf_redirect(ceiling_target.ifindex, 0);
}

SEC("xdp")
int xdp_redirect_ceiling_map(struct xdp_md *ctx)
{
	if (!ceiling_rewrite(ctx))
		return XDP_PASS;
	return bpf_redirect_map(&ceiling_ports, 0, 0);
}

/*
 * Not pinned: the benchmark points it at a datapath's rules map (bpf_map__reuse_fd) before loading. One entry
 * otherwise, so that the tests loading this object do not each allocate a full preallocated hash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct flow_key);
	__type(value, struct flow_rule);
} lookup_rules SEC(".maps");

SEC("xdp")
int xdp_lookup_ceiling(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + sizeof(struct ethhdr);
	struct udphdr *udp = (void *)(iph + 1);

	if ((void *)(udp + 1) > data_end)
		return XDP_PASS;
	struct flow_key key = {
		.ifindex = ctx->ingress_ifindex,
		.src_ip = iph->saddr,
		.dst_ip = iph->daddr,
		.src_port = udp->source,
		.dst_port = udp->dest,
	};
	struct flow_rule *rule = bpf_map_lookup_elem(&lookup_rules, &key);
	/* The rule's first word is read, as a hit reads it: a lookup whose value stayed untouched would not pay for it. */
	if (!rule || !rule->rewrite.ifindex || !ceiling_rewrite(ctx))
		return XDP_PASS;
	return bpf_redirect(ceiling_target.ifindex, 0);
}

SEC("tc")
int tc_foreign(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
