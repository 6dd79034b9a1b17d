// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The tc bridge: the datapath on the clsact ingress hook, for the moments the XDP program is not
 * attached. DPDK 22.11's AF_XDP PMD detaches whatever XDP program is on its interface when its port
 * closes, and refuses to attach while one is there; this program, attached before the port closes
 * and removed once the PMD's XDP program is back (dataplane's DpdkDatapathLifecycle), keeps offloaded
 * flows forwarding through a restart. It shares the pinned maps and forward.h with xdp_main: same
 * rules, rewrite, checksums, TTL, FIB answers and counters. Without XDP there is no AF_XDP, so what
 * xdp_main would hand to the slow path goes to the kernel, counted as the AF_XDP fallback.
 *
 * Its own object (not a second program in xdp_fwd.o): the PMD loads every program of the object it is
 * given and attaches the first one.
 */
#include <stddef.h>
#include <linux/pkt_cls.h>

#include "forward.h"

#define UDP_CHECK_OFFSET (ETH_HLEN + sizeof(struct iphdr) + offsetof(struct udphdr, check))
#define UDP6_CHECK_OFFSET (ETH_HLEN + sizeof(struct ipv6hdr) + offsetof(struct udphdr, check))

/*
 * The UDP checksum after forward()'s rewrite, through the kernel's helpers: right whether the skb's
 * checksum is final, CHECKSUM_PARTIAL (a local sender's offload: the field holds the pseudo-header sum,
 * which only the addresses change) or CHECKSUM_COMPLETE (skb->csum follows the field). 0 (no checksum)
 * stays 0, a computed 0 becomes 0xffff. Invalidates packet pointers. Returns non-zero on failure.
 */
static __always_inline int udp_checksum_follow(struct __sk_buff *skb, const struct udp_rewrite *r)
{
	const __u64 pseudo = BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0;

	if (r->ipv6) {
		int failed = 0;
#pragma unroll
		for (int i = 0; i < 4; i++) {
			failed |= bpf_l4_csum_replace(skb, UDP6_CHECK_OFFSET, r->saddr6[i], r->new_saddr6[i],
						      pseudo | sizeof(__u32));
			failed |= bpf_l4_csum_replace(skb, UDP6_CHECK_OFFSET, r->daddr6[i], r->new_daddr6[i],
						      pseudo | sizeof(__u32));
		}
		return failed |
		       bpf_l4_csum_replace(skb, UDP6_CHECK_OFFSET, r->source, r->new_source, BPF_F_MARK_MANGLED_0 | sizeof(__u16)) |
		       bpf_l4_csum_replace(skb, UDP6_CHECK_OFFSET, r->dest, r->new_dest, BPF_F_MARK_MANGLED_0 | sizeof(__u16));
	}
	return bpf_l4_csum_replace(skb, UDP_CHECK_OFFSET, r->saddr, r->new_saddr, pseudo | sizeof(__u32)) |
	       bpf_l4_csum_replace(skb, UDP_CHECK_OFFSET, r->daddr, r->new_daddr, pseudo | sizeof(__u32)) |
	       bpf_l4_csum_replace(skb, UDP_CHECK_OFFSET, r->source, r->new_source, BPF_F_MARK_MANGLED_0 | sizeof(__u16)) |
	       bpf_l4_csum_replace(skb, UDP_CHECK_OFFSET, r->dest, r->new_dest, BPF_F_MARK_MANGLED_0 | sizeof(__u16));
}

SEC("tc")
int tc_bridge(struct __sk_buff *skb)
{
	__u32 ingress = skb->ingress_ifindex;
	__u32 egress = 0;

	/*
	 * XDP sees a VLAN tag in the frame and passes it; the stack may have moved the tag into the skb
	 * before tc runs, and the same frame must get the same answer here.
	 */
	if (skb->vlan_present) {
		passed(XDP_STAT_NOT_IPV4);
		return TC_ACT_OK;
	}
	/* forward() reads the whole datagram (lengths are checked against it): make it linear. */
	bpf_skb_pull_data(skb, skb->len);

	struct udp_rewrite udp_csum = { .pending = 0 };
	enum verdict verdict = forward(skb, (void *)(long)skb->data, (void *)(long)skb->data_end, ingress, &egress,
				       &udp_csum);
	if (udp_csum.pending && udp_checksum_follow(skb, &udp_csum))
		return TC_ACT_SHOT; /* never send new addresses under the old checksum */

	switch (verdict) {
	case VERDICT_TX:
		return bpf_redirect(ingress, 0);
	case VERDICT_REDIRECT:
		return bpf_redirect(egress, 0);
	case VERDICT_DROP:
		return TC_ACT_SHOT;
	case VERDICT_LOCAL:
		passed(XDP_STAT_AFXDP_FALLBACK);
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
