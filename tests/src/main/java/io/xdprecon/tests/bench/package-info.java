/**
 * Benchmarks that print a table per run (rules writes, reconcile at scale, packet cost, sessions), each beside the
 * peer or ceiling it is judged against; {@code scripts/bench.sh} runs them.
 *
 * <p>May import: {@code apply}, {@code config}, {@code daemon.admin} (the webhook's signature), {@code dataplane},
 * {@code dataplane.bpf}, {@code dataplane.dpdk}, {@code dataplane.maps}, {@code dataplane.netns}, {@code lab},
 * {@code live}, {@code plan}, {@code sessions}, {@code state}, {@code tests.dpdk}, {@code tests.packets},
 * {@code tests.traffic}, {@code tuning}.
 */
package io.xdprecon.tests.bench;
