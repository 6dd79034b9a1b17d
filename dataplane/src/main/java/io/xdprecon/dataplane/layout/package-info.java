/**
 * The pinned maps across builds: which layout is pinned ({@link io.xdprecon.dataplane.layout.PinnedLayout}),
 * reading the maps of each layout this build knows ({@link io.xdprecon.dataplane.layout.PinnedMaps}: layout 1's
 * per-CPU hash of counters, layout 2's slotted array), and moving a live datapath onto new maps without losing a
 * packet, a rule or a count ({@link io.xdprecon.dataplane.layout.LayoutMigration}: an older layout to this build's,
 * or this layout to another rules capacity, or pins removed while the program runs), and moving {@code xdp_main} to
 * another attach mode behind the tc bridge ({@link io.xdprecon.dataplane.layout.AttachModeChange}). A newer layout
 * than this build's is never written.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.dpdk}, {@code dataplane.maps}.
 */
package io.xdprecon.dataplane.layout;
