/**
 * Network namespaces: run code on a platform thread that entered one ({@code setns}), and resolve interface names
 * to ifindexes in the calling thread's namespace (netlink/ioctl, never {@code /sys/class/net}, which shows the
 * mount's namespace).
 *
 * <p>May import: {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.netns;
