/**
 * A device's link as {@code xdprecon check} needs it: up and carrier ({@link io.xdprecon.dataplane.link.LinkState},
 * {@code ioctl(SIOCGIFFLAGS)}) and the kernel's XDP features ({@link io.xdprecon.dataplane.link.XdpFeatures},
 * netdev generic netlink), read in the calling thread's network namespace.
 *
 * <p>May import: {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.link;
