/**
 * Typed views of the pinned maps and the records they hold: flow keys and rules, per-flow and datapath counters,
 * local IPs. {@link io.xdprecon.dataplane.maps.Abi} mirrors {@code bpf/xdprecon.h} — struct layouts, codecs and the
 * header's capacities — and {@code AbiLayoutTest} holds it to the compiled object's BTF and maps, so the two cannot
 * drift apart; {@code Abi.keyBytes} gives a key as the bytes tools such as bpftool take.
 *
 * <p>May import: {@code dataplane.bpf}, {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.maps;
