/**
 * The datapath's Java reference model ({@link io.xdprecon.tests.model.DatapathModel}: verdict, bytes and counters of
 * one frame, checksums from scratch) and the generated frame corpus the kernel program is compared with.
 *
 * <p>May import: {@code dataplane.maps}, {@code tests.packets}.
 */
package io.xdprecon.tests.model;
