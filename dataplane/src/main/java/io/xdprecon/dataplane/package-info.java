/**
 * The datapath as one object: {@link io.xdprecon.dataplane.Datapath} loads the bundled XDP object with its maps
 * pinned by name under a pin root (or opens what a running datapath pinned) and hands out the typed views of
 * {@code maps}. The only module that touches native memory is this one, {@code dataplane}.
 *
 * <p>May import: {@code dataplane.bpf}, {@code dataplane.ffm}, {@code dataplane.maps}.
 */
package io.xdprecon.dataplane;
