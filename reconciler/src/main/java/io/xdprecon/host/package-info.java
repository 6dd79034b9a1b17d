/**
 * The host as the process meets it: commands (ip, ethtool, sysctl, …) run with a timeout in the calling thread's
 * network namespace, files read only when they are regular ({@link io.xdprecon.host.RegularFile}: a FIFO would
 * block forever), I/O errors in words ({@link io.xdprecon.host.IoErrors}), directory trees deleted
 * ({@link io.xdprecon.host.FileTree}), and its cores: work on a list's items spread over them, taken in list order
 * ({@link io.xdprecon.host.InOrder}).
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.host;
