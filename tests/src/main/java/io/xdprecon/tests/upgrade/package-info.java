/**
 * Other builds' datapaths for the upgrade tests: pinned maps of layout 1 (the release before layout 2) and of a
 * later layout 3, written as those builds write them.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.maps}.
 */
package io.xdprecon.tests.upgrade;
