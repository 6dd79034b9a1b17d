/**
 * Traffic for tests: sequence-numbered UDP streams that count what was lost or duplicated, {@code dpdk-testpmd} as a
 * line-rate generator in a namespace, and a namespace's UDP and link counters.
 *
 * <p>May import: {@code dataplane.netns}, {@code lab}.
 */
package io.xdprecon.tests.traffic;
