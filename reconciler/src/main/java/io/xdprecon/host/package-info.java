/**
 * The host as the process meets it: commands (ip, ethtool, sysctl, …) run with a timeout in the calling thread's
 * network namespace, and I/O errors in words ({@link io.xdprecon.host.IoErrors}).
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.host;
