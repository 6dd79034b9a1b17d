// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Adds counts to xdp_flow_ctrs without losing any of the datapath's increments. A migration of the pinned
 * maps (dataplane's layout package) runs it with BPF_PROG_TEST_RUN once the datapath counts into the new
 * maps, to add what the old maps counted after their counters were copied.
 *
 * Why a program: the datapath adds to its CPU's copy of a slot without atomics, which is exact because only
 * that CPU writes that copy. A read-modify-write from userspace (a lookup, then an update of every CPU's
 * copy) would overwrite the increments made in between. This program adds to the copy of the CPU it runs
 * on (the test run keeps it there), each add one instruction, which the datapath on that CPU can only run
 * before or after: nothing is lost, and readers sum the CPUs anyway.
 *
 * Input: the frame's first 4 bytes are n, the number of entries of carry_page to add (its first n).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdprecon.h"

#define CARRY_PAGE 8192

/* One slot's carried counts, as the control plane writes them into carry_page. */
struct flow_carry {
	__u32 slot;
	__u32 pad;
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CARRY_PAGE);
	__type(key, __u32);
	__type(value, struct flow_carry);
} carry_page SEC(".maps");

/* Not pinned: the control plane points it at the counters to add to (bpf_map__reuse_fd) before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPRECON_FLOW_SLOTS);
	__type(key, __u32);
	__type(value, struct flow_counters);
} XDPRECON_FLOW_CTRS_MAP SEC(".maps");

static long add_one(__u32 i, void *unused)
{
	struct flow_carry *carry = bpf_map_lookup_elem(&carry_page, &i);
	if (!carry)
		return 1;
	struct flow_counters *c = bpf_map_lookup_elem(&xdp_flow_ctrs, &carry->slot);
	if (c) {
		__sync_fetch_and_add(&c->packets, carry->packets);
		__sync_fetch_and_add(&c->bytes, carry->bytes);
	}
	return 0;
}

SEC("xdp")
int flow_carry(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(__u32) > data_end)
		return XDP_ABORTED;
	__u32 n = *(__u32 *)data;
	if (n > CARRY_PAGE)
		return XDP_ABORTED;
	bpf_loop(n, add_one, NULL, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
