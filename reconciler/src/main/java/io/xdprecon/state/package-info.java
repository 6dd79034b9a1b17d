/**
 * The two sides every plan compares: {@link io.xdprecon.state.DesiredState} (what the config asks of
 * this node, resolved to map entries) and {@link io.xdprecon.state.LiveState} (one coherent snapshot
 * of the kernel's maps and the node's tuning). Pure values: no I/O here.
 *
 * <p>May import: {@code dataplane.bpf}, {@code dataplane.maps}.
 */
package io.xdprecon.state;
