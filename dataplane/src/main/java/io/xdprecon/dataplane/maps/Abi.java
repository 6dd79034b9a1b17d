package io.xdprecon.dataplane.maps;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The Java mirror of {@code bpf/xdprecon.h}: one {@link StructLayout} per C struct, with the C field
 * names, and the codecs that read and write the records through them. A test compares these layouts
 * with the compiled object's BTF, so the two cannot drift apart silently.
 *
 * <p>{@link #VERSION} is {@code XDPRECON_ABI_VERSION}, the layout of the pinned maps (see the header's
 * history): the control plane stamps it into {@code xdp_abi} and refuses pinned maps of another layout.
 *
 * <pre>
 * struct flow_key (16)        struct flow_rule (64)       struct flow_counters (16)  struct ip_counter (8)
 *  0 ifindex   u32 host        0 rewrite  flow_key         0 packets u64 host         0 packets u64 host
 *  4 src_ip    u32 network    16 owner    u32 host         8 bytes   u64 host
 *  8 dst_ip    u32 network    20 slot     u32 host (counters index)
 * 12 src_port  u16 network    24 hop      next_hop (the datapath's; written zero here)
 * 14 dst_port  u16 network
 *
 * struct next_hop (40): 0 jiffies u64, 8 ingress u32, 12 src_ip, 16 dst_ip, 20 tot_len u16, 22 tos u8, 23 pad u8,
 *                       24 ifindex u32, 28 dmac[6], 34 smac[6]
 *
 * struct flow_key6 (40)       struct flow_rule6 (48)
 *  0 ifindex   u32 host        0 rewrite  flow_key6
 *  4 src_ip    u8[16]         40 owner    u32 host
 * 20 dst_ip    u8[16]         44 slot     u32 host (counters index, from the same bitmap as IPv4 rules)
 * 36 src_port  u16 network
 * 38 dst_port  u16 network
 * </pre>
 *
 * <p>The control plane reads and writes a rule's first {@link #RULE_CONTROL_SIZE} bytes; {@code hop} is the
 * datapath's cache of its FIB answer, which every write of a rule empties (see {@code bpf/xdprecon.h}).
 */
public final class Abi {
    private Abi() {}

    /** {@code XDPRECON_ABI_VERSION}: the layout of the pinned maps this build reads and writes. */
    public static final int VERSION = 4;

    private static final ValueLayout.OfInt U32_HOST = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfInt U32_NET = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16_NET = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64_HOST = ValueLayout.JAVA_LONG;
    // Access goes through unaligned twins: page buffers pack elements at any offset.
    private static final ValueLayout.OfInt GET_U32_HOST = U32_HOST.withByteAlignment(1);
    private static final ValueLayout.OfInt GET_U32_NET = U32_NET.withByteAlignment(1);
    private static final ValueLayout.OfShort GET_U16_NET = U16_NET.withByteAlignment(1);
    private static final ValueLayout.OfLong GET_U64_HOST = U64_HOST.withByteAlignment(1);

    public static final StructLayout FLOW_KEY = MemoryLayout.structLayout(
            U32_HOST.withName("ifindex"),
            U32_NET.withName("src_ip"),
            U32_NET.withName("dst_ip"),
            U16_NET.withName("src_port"),
            U16_NET.withName("dst_port")).withName("flow_key");

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;

    public static final StructLayout NEXT_HOP = MemoryLayout.structLayout(
            U64_HOST.withName("jiffies"),
            U32_HOST.withName("ingress"),
            U32_NET.withName("src_ip"),
            U32_NET.withName("dst_ip"),
            ValueLayout.JAVA_SHORT.withName("tot_len"),
            U8.withName("tos"),
            U8.withName("pad"),
            U32_HOST.withName("ifindex"),
            MemoryLayout.sequenceLayout(6, U8).withName("dmac"),
            MemoryLayout.sequenceLayout(6, U8).withName("smac")).withName("next_hop");

    public static final StructLayout FLOW_RULE = MemoryLayout.structLayout(
            FLOW_KEY.withName("rewrite"),
            U32_HOST.withName("owner"),
            U32_HOST.withName("slot"),
            NEXT_HOP.withName("hop")).withName("flow_rule");

    private static final MemoryLayout IPV6 = MemoryLayout.sequenceLayout(16, ValueLayout.JAVA_BYTE);

    public static final StructLayout FLOW_KEY6 = MemoryLayout.structLayout(
            U32_HOST.withName("ifindex"),
            IPV6.withName("src_ip"),
            IPV6.withName("dst_ip"),
            U16_NET.withName("src_port"),
            U16_NET.withName("dst_port")).withName("flow_key6");

    public static final StructLayout FLOW_RULE6 = MemoryLayout.structLayout(
            FLOW_KEY6.withName("rewrite"),
            U32_HOST.withName("owner"),
            U32_HOST.withName("slot")).withName("flow_rule6");

    public static final StructLayout IP6_ADDR = MemoryLayout.structLayout(IPV6.withName("bytes")).withName("ip6_addr");

    public static final StructLayout FLOW_COUNTERS = MemoryLayout.structLayout(
            U64_HOST.withName("packets"),
            U64_HOST.withName("bytes")).withName("flow_counters");

    public static final StructLayout IP_COUNTER = MemoryLayout.structLayout(
            U64_HOST.withName("packets")).withName("ip_counter");

    /** Every layout by its C struct name, for the BTF comparison. */
    public static final Map<String, StructLayout> STRUCTS = Map.of(
            "flow_key", FLOW_KEY, "flow_rule", FLOW_RULE, "next_hop", NEXT_HOP, "flow_counters", FLOW_COUNTERS,
            "ip_counter", IP_COUNTER, "flow_key6", FLOW_KEY6, "flow_rule6", FLOW_RULE6, "ip6_addr", IP6_ADDR);

    /** {@code XDPRECON_MAX_RULES}: the rules map's capacity unless a config sets another. */
    public static final int MAX_RULES = 524_288;
    /** {@code XDPRECON_MAX_RULES6}: the IPv6 rules map's capacity. */
    public static final int MAX_RULES6 = 65_536;
    /** {@code XDPRECON_MAX_LOCAL_IPS}: the local IPs map's capacity. */
    public static final int MAX_LOCAL_IPS = 1024;

    public static final int FLOW_KEY_SIZE = (int) FLOW_KEY.byteSize();
    public static final int FLOW_RULE_SIZE = (int) FLOW_RULE.byteSize();
    /**
     * The bytes of a rule the control plane owns (rewrite, owner, slot): all of a rule of layouts 1 and 2, and what
     * a reader keeps of a layout-3 or -4 rule (the rest is the datapath's cache).
     */
    public static final int RULE_CONTROL_SIZE = (int) FLOW_RULE.byteOffset(MemoryLayout.PathElement.groupElement("hop"));
    public static final int FLOW_KEY6_SIZE = (int) FLOW_KEY6.byteSize();
    public static final int FLOW_RULE6_SIZE = (int) FLOW_RULE6.byteSize();
    public static final int FLOW_COUNTERS_SIZE = (int) FLOW_COUNTERS.byteSize();
    public static final int IP_SIZE = 4;
    public static final int IP6_SIZE = (int) IP6_ADDR.byteSize();
    public static final int IP_COUNTER_SIZE = (int) IP_COUNTER.byteSize();

    private static final long KEY_IFINDEX = offset(FLOW_KEY, "ifindex");
    private static final long KEY_SRC_IP = offset(FLOW_KEY, "src_ip");
    private static final long KEY_DST_IP = offset(FLOW_KEY, "dst_ip");
    private static final long KEY_SRC_PORT = offset(FLOW_KEY, "src_port");
    private static final long KEY_DST_PORT = offset(FLOW_KEY, "dst_port");
    private static final long RULE_REWRITE = offset(FLOW_RULE, "rewrite");
    private static final long RULE_OWNER = offset(FLOW_RULE, "owner");
    private static final long RULE_SLOT = offset(FLOW_RULE, "slot");
    private static final long RULE_HOP = offset(FLOW_RULE, "hop");
    private static final long COUNTERS_PACKETS = offset(FLOW_COUNTERS, "packets");
    private static final long COUNTERS_BYTES = offset(FLOW_COUNTERS, "bytes");

    private static final long KEY6_IFINDEX = offset(FLOW_KEY6, "ifindex");
    private static final long KEY6_SRC_IP = offset(FLOW_KEY6, "src_ip");
    private static final long KEY6_DST_IP = offset(FLOW_KEY6, "dst_ip");
    private static final long KEY6_SRC_PORT = offset(FLOW_KEY6, "src_port");
    private static final long KEY6_DST_PORT = offset(FLOW_KEY6, "dst_port");
    private static final long RULE6_OWNER = offset(FLOW_RULE6, "owner");
    private static final long RULE6_SLOT = offset(FLOW_RULE6, "slot");
    private static final ValueLayout.OfLong GET_U64_NET = U64_HOST.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    public static void writeKey(MemorySegment segment, long at, FlowKey key) {
        segment.set(GET_U32_HOST, at + KEY_IFINDEX, key.ifindex());
        segment.set(GET_U32_NET, at + KEY_SRC_IP, key.srcIp());
        segment.set(GET_U32_NET, at + KEY_DST_IP, key.dstIp());
        segment.set(GET_U16_NET, at + KEY_SRC_PORT, (short) key.srcPort());
        segment.set(GET_U16_NET, at + KEY_DST_PORT, (short) key.dstPort());
    }

    /** {@code key} as the bytes of a {@code struct flow_key}, for tools that take a key in hex (bpftool). */
    public static byte[] keyBytes(FlowKey key) {
        byte[] bytes = new byte[FLOW_KEY_SIZE];
        writeKey(MemorySegment.ofArray(bytes), 0, key);
        return bytes;
    }

    /**
     * {@code rule} with its counters at {@code slot} as the bytes of a {@code struct flow_rule}, for tools that take a
     * value in hex (bpftool).
     */
    public static byte[] ruleBytes(FlowRule rule, int slot) {
        byte[] bytes = new byte[FLOW_RULE_SIZE];
        writeRule(MemorySegment.ofArray(bytes), 0, rule, slot);
        return bytes;
    }

    public static void writeKey6(MemorySegment segment, long at, FlowKey6 key) {
        segment.set(GET_U32_HOST, at + KEY6_IFINDEX, key.ifindex());
        segment.set(GET_U64_NET, at + KEY6_SRC_IP, key.srcIp().high());
        segment.set(GET_U64_NET, at + KEY6_SRC_IP + 8, key.srcIp().low());
        segment.set(GET_U64_NET, at + KEY6_DST_IP, key.dstIp().high());
        segment.set(GET_U64_NET, at + KEY6_DST_IP + 8, key.dstIp().low());
        segment.set(GET_U16_NET, at + KEY6_SRC_PORT, (short) key.srcPort());
        segment.set(GET_U16_NET, at + KEY6_DST_PORT, (short) key.dstPort());
    }

    public static FlowKey6 readKey6(MemorySegment segment, long at) {
        return new FlowKey6(segment.get(GET_U32_HOST, at + KEY6_IFINDEX),
                new IpAddress.V6(segment.get(GET_U64_NET, at + KEY6_SRC_IP), segment.get(GET_U64_NET, at + KEY6_SRC_IP + 8)),
                new IpAddress.V6(segment.get(GET_U64_NET, at + KEY6_DST_IP), segment.get(GET_U64_NET, at + KEY6_DST_IP + 8)),
                Short.toUnsignedInt(segment.get(GET_U16_NET, at + KEY6_SRC_PORT)),
                Short.toUnsignedInt(segment.get(GET_U16_NET, at + KEY6_DST_PORT)));
    }

    /** {@code key} as the bytes of a {@code struct flow_key6}. */
    public static byte[] key6Bytes(FlowKey6 key) {
        byte[] bytes = new byte[FLOW_KEY6_SIZE];
        writeKey6(MemorySegment.ofArray(bytes), 0, key);
        return bytes;
    }

    /** {@code rule} with its counters at {@code slot} as the bytes of a {@code struct flow_rule6}. */
    public static byte[] rule6Bytes(FlowRule6 rule, int slot) {
        byte[] bytes = new byte[FLOW_RULE6_SIZE];
        writeRule6(MemorySegment.ofArray(bytes), 0, rule, slot);
        return bytes;
    }

    public static void writeRule6(MemorySegment segment, long at, FlowRule6 rule, int slot) {
        writeKey6(segment, at, rule.rewrite());
        segment.set(GET_U32_HOST, at + RULE6_OWNER, rule.owner().code());
        segment.set(GET_U32_HOST, at + RULE6_SLOT, slot);
    }

    public static FlowRule6 readRule6(MemorySegment segment, long at) {
        return new FlowRule6(readKey6(segment, at), Owner.ofCode(segment.get(GET_U32_HOST, at + RULE6_OWNER)));
    }

    public static int readSlot6(MemorySegment segment, long at) {
        return segment.get(GET_U32_HOST, at + RULE6_SLOT);
    }

    /** The rule in the bytes of a {@code struct flow_rule6}. */
    public static FlowRule6 readRule6(byte[] bytes) {
        return readRule6(MemorySegment.ofArray(bytes), 0);
    }

    /** The counters' slot in the bytes of a {@code struct flow_rule6}. */
    public static int readSlot6(byte[] bytes) {
        return readSlot6(MemorySegment.ofArray(bytes), 0);
    }

    /** An IPv6 address as a {@code struct ip6_addr} (network order), the key of {@code xdp_local_ips6}. */
    public static void writeIp6(MemorySegment segment, long at, IpAddress.V6 ip) {
        segment.set(GET_U64_NET, at, ip.high());
        segment.set(GET_U64_NET, at + 8, ip.low());
    }

    public static IpAddress.V6 readIp6(MemorySegment segment, long at) {
        return new IpAddress.V6(segment.get(GET_U64_NET, at), segment.get(GET_U64_NET, at + 8));
    }

    public static FlowKey readKey(MemorySegment segment, long at) {
        return new FlowKey(
                segment.get(GET_U32_HOST, at + KEY_IFINDEX),
                segment.get(GET_U32_NET, at + KEY_SRC_IP),
                segment.get(GET_U32_NET, at + KEY_DST_IP),
                Short.toUnsignedInt(segment.get(GET_U16_NET, at + KEY_SRC_PORT)),
                Short.toUnsignedInt(segment.get(GET_U16_NET, at + KEY_DST_PORT)));
    }

    /** Writes {@code rule} with its counters at {@code slot} (0: none, for writes that bypass the slots). */
    public static void writeRule(MemorySegment segment, long at, FlowRule rule, int slot) {
        if (rule.owner() == Owner.UNKNOWN) {
            throw new IllegalArgumentException("a rule of " + rule.ownerName() + " is never written");
        }
        writeKey(segment, at + RULE_REWRITE, rule.rewrite());
        segment.set(GET_U32_HOST, at + RULE_OWNER, rule.owner().code());
        segment.set(GET_U32_HOST, at + RULE_SLOT, slot);
        // An empty next-hop cache: the datapath asks the FIB for the rule as written (page buffers are reused).
        segment.asSlice(at + RULE_HOP, NEXT_HOP.byteSize()).fill((byte) 0);
    }

    /** The datapath's next-hop cache in {@code rule}, the bytes of a {@code struct flow_rule} of this layout. */
    public static NextHop readNextHop(byte[] rule) {
        MemorySegment hop = MemorySegment.ofArray(rule).asSlice(RULE_HOP, NEXT_HOP.byteSize());
        return new NextHop(hop.get(GET_U64_HOST, offset(NEXT_HOP, "jiffies")), hop.get(GET_U32_HOST, offset(NEXT_HOP, "ingress")),
                hop.get(GET_U32_NET, offset(NEXT_HOP, "src_ip")), hop.get(GET_U32_NET, offset(NEXT_HOP, "dst_ip")),
                Short.toUnsignedInt(hop.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset(NEXT_HOP, "tot_len"))),
                Byte.toUnsignedInt(hop.get(ValueLayout.JAVA_BYTE, offset(NEXT_HOP, "tos"))),
                hop.get(GET_U32_HOST, offset(NEXT_HOP, "ifindex")), mac(hop, offset(NEXT_HOP, "dmac")),
                mac(hop, offset(NEXT_HOP, "smac")));
    }

    private static long mac(MemorySegment segment, long at) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = (value << 8) | Byte.toUnsignedLong(segment.get(ValueLayout.JAVA_BYTE, at + i));
        }
        return value;
    }

    /** The counter slot of the rule at {@code at}. */
    public static int readSlot(MemorySegment segment, long at) {
        return segment.get(GET_U32_HOST, at + RULE_SLOT);
    }

    /** The owner code of the rule at {@code at}, whatever its value (an unknown one fails {@link #readRule}). */
    public static int readOwnerCode(MemorySegment segment, long at) {
        return segment.get(GET_U32_HOST, at + RULE_OWNER);
    }

    /** The ifindex of the key at {@code at}. */
    public static int readIfindex(MemorySegment segment, long at) {
        return segment.get(GET_U32_HOST, at + KEY_IFINDEX);
    }

    /** The ifindex the rule at {@code at} sends out of. */
    public static int readRewriteIfindex(MemorySegment segment, long at) {
        return readIfindex(segment, at + RULE_REWRITE);
    }

    /** Orders two packed keys by ifindex, source address, source port, destination address, destination port. */
    public static int compareKeys(MemorySegment a, long atA, MemorySegment b, long atB) {
        int c = Integer.compare(a.get(GET_U32_HOST, atA + KEY_IFINDEX), b.get(GET_U32_HOST, atB + KEY_IFINDEX));
        if (c == 0) {
            c = Integer.compareUnsigned(a.get(GET_U32_NET, atA + KEY_SRC_IP), b.get(GET_U32_NET, atB + KEY_SRC_IP));
        }
        if (c == 0) {
            c = Short.compareUnsigned(a.get(GET_U16_NET, atA + KEY_SRC_PORT), b.get(GET_U16_NET, atB + KEY_SRC_PORT));
        }
        if (c == 0) {
            c = Integer.compareUnsigned(a.get(GET_U32_NET, atA + KEY_DST_IP), b.get(GET_U32_NET, atB + KEY_DST_IP));
        }
        if (c == 0) {
            c = Short.compareUnsigned(a.get(GET_U16_NET, atA + KEY_DST_PORT), b.get(GET_U16_NET, atB + KEY_DST_PORT));
        }
        return c;
    }

    public static FlowRule readRule(MemorySegment segment, long at) {
        return FlowRule.read(readKey(segment, at + RULE_REWRITE), segment.get(GET_U32_HOST, at + RULE_OWNER));
    }

    /** Sums a per-CPU {@code flow_counters} value of {@code cpus} slots of {@code slotSize} bytes. */
    public static FlowCounters sumCounters(MemorySegment segment, long at, int cpus, int slotSize) {
        return new FlowCounters(sumPackets(segment, at, cpus, slotSize), sumBytes(segment, at, cpus, slotSize));
    }

    /** The packets of a per-CPU {@code flow_counters} value, summed: {@link #sumCounters} without an object. */
    public static long sumPackets(MemorySegment segment, long at, int cpus, int slotSize) {
        long packets = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            packets += segment.get(GET_U64_HOST, at + (long) cpu * slotSize + COUNTERS_PACKETS);
        }
        return packets;
    }

    /** The bytes of a per-CPU {@code flow_counters} value, summed. */
    public static long sumBytes(MemorySegment segment, long at, int cpus, int slotSize) {
        long bytes = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            bytes += segment.get(GET_U64_HOST, at + (long) cpu * slotSize + COUNTERS_BYTES);
        }
        return bytes;
    }

    /** Writes {@code counters} as a per-CPU {@code flow_counters} value held by the first CPU (the others zero). */
    public static void writeCounters(MemorySegment segment, long at, FlowCounters counters) {
        segment.set(GET_U64_HOST, at + COUNTERS_PACKETS, counters.packets());
        segment.set(GET_U64_HOST, at + COUNTERS_BYTES, counters.bytes());
    }

    /** A u32 in host order, as bytes: an array map's key (a counter slot) or a u32 value (an ifindex, a version). */
    public static byte[] u32Bytes(int value) {
        byte[] bytes = new byte[4];
        MemorySegment.ofArray(bytes).set(GET_U32_HOST, 0, value);
        return bytes;
    }

    /**
     * A per-CPU {@code flow_counters} value as the syscall takes it for a map of {@code slotSize}-byte slots:
     * {@code perCpu.get(cpu)} on each CPU, zero on the CPUs past the list. For tools and tests that stand in for
     * the datapath's counting.
     */
    public static byte[] perCpuCounterBytes(List<FlowCounters> perCpu, int cpus, int slotSize) {
        if (perCpu.size() > cpus) {
            throw new IllegalArgumentException(perCpu.size() + " CPUs' counters for a value of " + cpus);
        }
        byte[] bytes = new byte[cpus * slotSize];
        MemorySegment value = MemorySegment.ofArray(bytes);
        for (int cpu = 0; cpu < perCpu.size(); cpu++) {
            writeCounters(value, (long) cpu * slotSize, perCpu.get(cpu));
        }
        return bytes;
    }

    /** A per-CPU {@code flow_counters} value read as bytes ({@link #perCpuCounterBytes}), summed over its CPUs. */
    public static FlowCounters sumCounters(byte[] value, int cpus, int slotSize) {
        return sumCounters(MemorySegment.ofArray(value), 0, cpus, slotSize);
    }

    public static void writeIp(MemorySegment segment, long at, int ip) {
        segment.set(GET_U32_NET, at, ip);
    }

    public static int readIp(MemorySegment segment, long at) {
        return segment.get(GET_U32_NET, at);
    }

    public static long readU64(MemorySegment segment, long at) {
        return segment.get(GET_U64_HOST, at);
    }
}
