/**
 * Host tuning: persistent huge pages (by page size, system-wide or per NUMA node) from sysfs, and per
 * interface the RSS queue count and hash key through {@code ethtool}.
 *
 * <ul>
 *   <li>{@link io.xdprecon.tuning.TuningReader} reads the live value of each desired
 *       {@link io.xdprecon.state.TuningSetting}; what this node cannot report is left out and explained as a
 *       {@link io.xdprecon.tuning.TuningProblem}.
 *   <li>{@link io.xdprecon.tuning.TuningApplier} sets one value, checks it by reading it back, and throws a
 *       {@link io.xdprecon.tuning.TuningException} (a {@link io.xdprecon.tuning.HugepagesShortfallException}
 *       when the kernel grants fewer huge pages than asked) naming the setting, the command and its stderr.
 *   <li>{@link io.xdprecon.tuning.Tuning#symmetricKey(int)}: the 0x6d5a key that makes Toeplitz RSS symmetric.
 * </ul>
 *
 * Interfaces are kernel names in the <b>calling thread's</b> network namespace: {@code ethtool} runs as a child
 * of that thread, and a child process inherits the namespaces of the thread that starts it. Call from a
 * platform thread (e.g. inside {@code NetNs.call}); a virtual thread starts processes from whatever carrier it
 * is mounted on. {@code /sys/class/net} is never read: it shows the namespace sysfs was mounted in.
 *
 * <p>May import: {@code host}, {@code state}.
 */
package io.xdprecon.tuning;
