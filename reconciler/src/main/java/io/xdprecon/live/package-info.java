/**
 * Reads the node into a {@link io.xdprecon.state.LiveState}: the pinned maps in batches, the attached programs and
 * the tuning the desired state cares about; or only the facts and keys an incremental plan needs.
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.layout}, {@code dataplane.maps}, {@code state}.
 */
package io.xdprecon.live;
