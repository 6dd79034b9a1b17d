/**
 * The {@code xdprecon} command line (picocli): each command parses its options, calls the control plane and prints
 * the result; {@code run} parses options and starts {@link io.xdprecon.daemon.process.DaemonProcess}, nothing else.
 * A {@code CliException} is a one-line error with exit code 1.
 *
 * <p>May import: {@code apply}, {@code check}, {@code config}, {@code daemon}, {@code daemon.admin},
 * {@code daemon.dpdk}, {@code daemon.process}, {@code dataplane}, {@code dataplane.ffm}, {@code dataplane.maps},
 * {@code dataplane.netns}, {@code host}, {@code lab}, {@code live}, {@code plan}, {@code sessions}, {@code source},
 * {@code state}, {@code text}, {@code tuning}.
 */
package io.xdprecon.cli;
