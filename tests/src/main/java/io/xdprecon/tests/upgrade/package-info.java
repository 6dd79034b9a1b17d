/**
 * Other builds' datapaths for the upgrade tests: pinned maps of layouts 1, 2 and 3 (the releases before this one's)
 * and of the layout after this build's, written as those builds write them.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.maps}.
 */
package io.xdprecon.tests.upgrade;
