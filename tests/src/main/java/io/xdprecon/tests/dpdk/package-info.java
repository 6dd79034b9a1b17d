/**
 * The DPDK lab: {@link io.xdprecon.tests.dpdk.DpdkPair} (two namespaces and a veth, children in a private mount
 * namespace with the test's pins over {@code /sys/fs/bpf}), the child JVMs that run DPDK — the production loop
 * through {@link io.xdprecon.tests.dpdk.DpdkLoopMain}, the bare PMD through {@code DpdkEchoMain} — and the lab's
 * config ({@code LoopConfig}).
 *
 * <p>May import: {@code config}, {@code daemon.dpdk}, {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.dpdk},
 * {@code dataplane.maps}, {@code dataplane.netns}, {@code lab}, {@code sessions}, {@code state}, {@code tests.packets},
 * {@code tests.traffic}.
 */
package io.xdprecon.tests.dpdk;
