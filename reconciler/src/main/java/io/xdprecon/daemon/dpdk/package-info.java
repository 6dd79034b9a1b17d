/**
 * The DPDK slow path of {@code datapath.mode: dpdk}: {@link io.xdprecon.daemon.dpdk.DpdkLoop} is the agent (EAL,
 * the AF_XDP ports through the tc-bridge lifecycle, one {@code SlowPathLoop} per port routed by the session table),
 * {@link io.xdprecon.daemon.dpdk.DpdkSlowPath} the daemon's component that starts it on an
 * {@code AgentRunner} with the first valid dpdk-mode revision, hands it each applied revision's services and stops
 * it; {@link io.xdprecon.daemon.dpdk.Neighbours} reads the kernel's next hops (IPv4 from /proc, IPv6 through
 * {@code dataplane.link}'s rtnetlink reader).
 *
 * <p>May import: {@code config}, {@code daemon}, {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.dpdk},
 * {@code dataplane.layout}, {@code dataplane.link}, {@code dataplane.maps}, {@code dataplane.netns}, {@code sessions},
 * {@code state}.
 */
package io.xdprecon.daemon.dpdk;
