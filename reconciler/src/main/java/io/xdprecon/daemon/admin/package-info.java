/**
 * The daemon's admin HTTP: Prometheus metrics ({@link io.xdprecon.daemon.admin.DaemonMetrics}, which walks the
 * DPDK loop's named counters rather than listing them), health, status and sessions as JSON, the signed webhook,
 * suspend and resume.
 *
 * <p>May import: {@code config}, {@code daemon}, {@code daemon.dpdk}, {@code dataplane}, {@code dataplane.bpf},
 * {@code dataplane.dpdk}, {@code dataplane.maps}, {@code state}.
 */
package io.xdprecon.daemon.admin;
