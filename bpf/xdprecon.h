/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The ABI between the XDP program and the Java control plane.
 *
 * Every struct here has a Java twin in dataplane/ (io.xdprecon.dataplane.maps); a test reads this
 * object's BTF and fails when a size or an offset differs. Addresses and ports are in network byte
 * order, exactly as they stand in the packet, so the datapath never swaps bytes.
 */
#ifndef XDPRECON_H
#define XDPRECON_H

#include <linux/types.h>

/*
 * Layout version of the pinned maps, stamped into xdp_abi by the control plane when it creates them and
 * checked when it adopts pinned maps. A change of any pinned map's type, key, value or meaning bumps it.
 *   1: per-flow counters in xdp_flow_stats, a per-CPU hash keyed like the rules (flow_rule.reserved zero).
 *   2: per-flow counters in xdp_flow_ctrs, a per-CPU array indexed by flow_rule.slot; slots handed out by
 *      the control plane through the xdp_flow_slots bitmap; xdp_abi added.
 *   3: flow_rule carries flow_rule.hop, the datapath's cache of its last bpf_fib_lookup answer (64 bytes).
 *   4: IPv6 rules in their own map, xdp_rules6 (struct flow_key6 -> struct flow_rule6), counted in
 *      xdp_flow_ctrs at slots of the same bitmap as IPv4 rules; IPv6 local IPs in xdp_local_ips6 (struct ip6_addr
 *      -> struct ip_counter); the IPv4 maps as in layout 3.
 */
#define XDPRECON_ABI_VERSION 4

/* Map names: fixed, pinned by name under the bpffs, at most 15 characters. */
#define XDPRECON_RULES_MAP      xdp_fwd_rules
#define XDPRECON_RULES6_MAP     xdp_rules6
#define XDPRECON_FLOW_CTRS_MAP  xdp_flow_ctrs
#define XDPRECON_SLOTS_MAP      xdp_flow_slots
#define XDPRECON_ABI_MAP        xdp_abi
#define XDPRECON_LOCAL_IPS_MAP  xdp_local_ips
#define XDPRECON_LOCAL_IPS6_MAP xdp_local_ips6
#define XDPRECON_COUNTERS_MAP   xdp_counters
#define XDPRECON_XSKS_MAP       xsks_map

#define XDPRECON_MAX_RULES     524288
/* Counter slots: one per rule, and slot 0, which no rule is given (a rule that has none counts there). */
#define XDPRECON_FLOW_SLOTS    (XDPRECON_MAX_RULES + 1)
/*
 * IPv6 rules: a map of their own, so that IPv4 keys stay 16 bytes and the IPv4 hit path does not change. Fewer
 * than IPv4's (a 40-byte key and a 48-byte value, preallocated like every hash map here): a relay's IPv6 share.
 */
#define XDPRECON_MAX_RULES6    65536
#define XDPRECON_MAX_LOCAL_IPS 1024
#define XDPRECON_MAX_QUEUES    256

/* Match key, and the shape of a rewrite: a UDP flow as it arrives on an interface. */
struct flow_key {
	__u32 ifindex;   /* ingress interface (in the key), expected egress interface (in a rewrite) */
	__u32 src_ip;
	__u32 dst_ip;
	__u16 src_port;
	__u16 dst_port;
};

/* The IPv6 twin of struct flow_key: addresses as the packet carries them. */
struct flow_key6 {
	__u32 ifindex;
	__u8 src_ip[16];
	__u8 dst_ip[16];
	__u16 src_port;
	__u16 dst_port;
};

/* Key of xdp_local_ips6: an IPv6 address as the packet carries it. */
struct ip6_addr {
	__u8 bytes[16];
};

/* Who wrote a rule: the reconciler owns config rules, the DPDK loop owns session rules. */
enum rule_owner {
	RULE_OWNER_CONFIG  = 1,
	RULE_OWNER_SESSION = 2,
};

/*
 * The datapath's cache of a rule's FIB answer, so that a forwarded hit skips bpf_fib_lookup (about half of the
 * hit path's time). Written only by the datapath, into the rule's own map element, and only from a SUCCESS
 * answer; the control plane writes it zero with every rule (a replaced rule is a new element: an empty cache).
 *
 * Staleness: an entry is used only during the clock tick (jiffies) in which bpf_fib_lookup gave it, and only
 * for a packet whose FIB inputs are those recorded (ingress, addresses, TOS, a length the MTU check passed);
 * the first packet of the next tick asks the FIB again. A route or neighbour change (a neighbour gone, a
 * blackhole route, a lower MTU, forwarding switched off) is therefore obeyed within one tick (4 ms at HZ=250):
 * a neighbour miss still goes to the kernel, as without the cache, at most one tick later. The inputs are
 * recorded because a hash map reuses a freed element at once: a run that looked up the replaced rule may
 * store its answer into the element of another rule.
 *
 * Torn reads: two CPUs may store into one entry in the same tick. A store zeroes jiffies first and sets it
 * last; a reader takes the entry only when jiffies reads the same before and after it copied the fields.
 */
struct next_hop {
	__u64 jiffies;   /* the tick in which the FIB gave this answer (bpf_jiffies64); 0: none */
	__u32 ingress;   /* the lookup's inputs: ingress interface, */
	__u32 src_ip;    /* rewritten source and destination (network order), */
	__u32 dst_ip;
	__u16 tot_len;   /* the IPv4 length whose MTU check passed (host order; a longer packet asks again), */
	__u8 tos;        /* and TOS */
	__u8 pad;
	__u32 ifindex;   /* the answer: out of this interface, */
	__u8 dmac[6];    /* to this MAC, */
	__u8 smac[6];    /* from this one */
};

/*
 * Value of xdp_fwd_rules. Written by the control plane, except for hop (the datapath's); the datapath never
 * writes the rest, so an update of a rule never races with, nor resets, the flow's counters (they live in
 * xdp_flow_ctrs at the rule's slot, which a replacement of the rule keeps).
 */
struct flow_rule {
	struct flow_key rewrite;
	enum rule_owner owner; /* 4 bytes, as the layout test checks */
	__u32 slot;            /* index of the rule's counters in xdp_flow_ctrs, 1..XDPRECON_MAX_RULES */
	struct next_hop hop;   /* 64 bytes in all: with the hash element's 48-byte header and the key, two cache lines */
};

/* Value of xdp_rules6: as struct flow_rule; its slot is taken from the same bitmap as IPv4 rules' slots. */
struct flow_rule6 {
	struct flow_key6 rewrite;
	enum rule_owner owner;
	__u32 slot;
};

/*
 * Value of xdp_flow_ctrs (per-CPU array indexed by flow_rule.slot). Written only by the datapath:
 * each CPU adds to its own copy, so no increment is lost; userspace sums the CPUs. A slot is zero
 * whenever it is free (the control plane zeroes it when it frees it).
 */
struct flow_counters {
	__u64 packets;
	__u64 bytes;
};

/* Value of xdp_local_ips and xdp_local_ips6: packets steered toward AF_XDP for this destination (atomic adds). */
struct ip_counter {
	__u64 packets;
};

/* Key of xdp_counters (per-CPU array of __u64). The first seven are the seed's dashboard. */
enum xdp_stat {
	XDP_STAT_REWRITE_HIT = 0,   /* rule matched, packet rewritten */
	XDP_STAT_REWRITE_MISS,      /* UDP on the fast path, no rule */
	XDP_STAT_FIB_DROP,          /* FIB said blackhole / unreachable / prohibit */
	XDP_STAT_HAIRPIN_TX,        /* forwarded out of the ingress interface (XDP_TX) */
	XDP_STAT_REDIRECT_OUT,      /* forwarded to another interface (XDP_REDIRECT) */
	XDP_STAT_AFXDP_REDIRECT,    /* sent to the AF_XDP socket of this rx queue */
	XDP_STAT_PASS_TO_KERNEL,    /* every XDP_PASS, whatever the reason */
	XDP_STAT_AFXDP_FALLBACK,    /* local destination, but no socket on this queue: kernel */
	XDP_STAT_FIB_PASS,          /* rule hit, FIB wants the kernel (no neigh, frag needed, ...) */
	XDP_STAT_TTL_EXPIRED,       /* rule hit with TTL <= 1: the kernel answers */
	XDP_STAT_SLOW_PATH,         /* valid IP the fast path does not take (IPv4 options, fragment; IPv6 extension
	                               headers; not UDP, ICMPv6 among them) */
	XDP_STAT_NOT_IPV4,          /* neither IPv4 nor IPv6 over Ethernet II (ARP, VLAN-tagged, runt) */
	XDP_STAT_MALFORMED,         /* IP or UDP header that is truncated or lies about lengths; IPv6 UDP checksum 0 */
	XDP_STAT_MAX,
};

#endif /* XDPRECON_H */
