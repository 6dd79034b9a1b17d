/**
 * {@code xdprecon run} put together: {@link io.xdprecon.daemon.process.DaemonProcess} builds the daemon, its slow
 * path, metrics, systemd notifications and admin HTTP from the parsed options, watches a file source and handles
 * SIGHUP and SIGTERM. Above every other daemon package, so that they need not know each other.
 *
 * <p>May import: {@code apply}, {@code daemon}, {@code daemon.admin}, {@code daemon.dpdk}, {@code host}, {@code live},
 * {@code source}, {@code tuning}.
 */
package io.xdprecon.daemon.process;
