/**
 * Host commands (ip, ethtool, sysctl, …) run with a timeout in the calling thread's network namespace.
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.host;
