/**
 * Frames for tests: building and reading Ethernet/IPv4/UDP bytes, checksums computed from scratch, MACs.
 *
 * <p>May import: {@code dataplane.maps}.
 */
package io.xdprecon.tests.packets;
