/**
 * libbpf over FFM: BPF objects (open, size maps, load, pin), maps (lookups, batch operations with a per-element
 * fallback), programs, XDP attach/atomic replace/detach/query, tc clsact filters, the object's BTF and
 * {@code BPF_PROG_TEST_RUN}. Failures are {@link io.xdprecon.dataplane.ffm.BpfException}s naming what was acted on.
 *
 * <p>May import: {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.bpf;
