package io.xdprecon.dataplane.bpf;

/**
 * A map's shape: what libbpf compares before it reuses a pinned map for an object's map of the same name
 * (type, key and value sizes, capacity, flags), and what tells two layouts of the datapath apart.
 *
 * @param valueSize  the declared value size (one CPU's, for per-CPU maps)
 */
public record MapDefinition(MapType type, int keySize, int valueSize, int maxEntries, int flags) {}
