// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * xdprecon datapath: rewrite and forward known UDP flows in XDP; steer the rest (forward.h decides).
 *
 * DPDK's AF_XDP PMD loads this object with xdp_prog= and attaches the first program it finds in it,
 * so this object holds exactly one program. The tc bridge that stands in for it while it is absent
 * is tc_bridge.c, built from the same forward.h into its own object.
 */
#include "forward.h"

/* Filled by DPDK's AF_XDP PMD (one socket per rx queue); the name is fixed by the PMD. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDPRECON_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} XDPRECON_XSKS_MAP SEC(".maps");

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	__u32 egress = 0;

	switch (forward(ctx, (void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex, &egress, NULL)) {
	case VERDICT_TX:
		return XDP_TX;
	case VERDICT_REDIRECT:
		return bpf_redirect(egress, 0);
	case VERDICT_DROP:
		return XDP_DROP;
	case VERDICT_LOCAL: {
		/* With no socket on this queue the helper returns the fallback action instead. */
		long action = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
		if (action == XDP_REDIRECT) {
			count(XDP_STAT_AFXDP_REDIRECT);
			return XDP_REDIRECT;
		}
		passed(XDP_STAT_AFXDP_FALLBACK);
		return XDP_PASS;
	}
	default:
		return XDP_PASS;
	}
}

/*
 * The kernel lets only a program whose license string is GPL-compatible call GPL-only helpers (bpf_fib_lookup is
 * one), and it knows six strings (include/linux/license.h); "Dual BSD/GPL" is the one that says what the SPDX line
 * above says. "Apache-2.0" or "Apache-2.0 OR GPL-2.0" are refused at load: "cannot call GPL-restricted function
 * from non-GPL compatible program".
 */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
