/**
 * A device's link as {@code xdprecon check} needs it: up and carrier ({@link io.xdprecon.dataplane.link.LinkState},
 * {@code ioctl(SIOCGIFFLAGS)}) and the kernel's XDP features ({@link io.xdprecon.dataplane.link.XdpFeatures},
 * netdev generic netlink); and the IPv6 neighbours the DPDK loop sends to
 * ({@link io.xdprecon.dataplane.link.Ipv6Neighbours}, an rtnetlink dump). Read in the calling thread's network
 * namespace.
 *
 * <p>May import: {@code dataplane.ffm}, {@code dataplane.maps}.
 */
package io.xdprecon.dataplane.link;
