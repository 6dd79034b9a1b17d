package io.xdprecon.dataplane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfObject;
import io.xdprecon.dataplane.bpf.Btf;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java mirror of the ABI header must match the compiled object's BTF, field by field. */
class AbiLayoutTest {

    @Test
    void everyStructMatchesItsBtfSizeAndFieldOffsets() {
        try (BpfObject object = BpfObject.openBundled(Datapath.OBJECT, null)) {
            Btf btf = object.btf();
            List<String> differences = new ArrayList<>();
            Abi.STRUCTS.forEach((cName, layout) -> compare(btf, cName, layout, differences));
            assertEquals(List.of(), differences, "Java layouts differ from bpf/xdprecon.h");
        }
    }

    private static void compare(Btf btf, String cName, StructLayout layout, List<String> differences) {
        Btf.Struct struct = btf.struct(cName).orElse(null);
        if (struct == null) {
            differences.add("struct " + cName + " is not in the object's BTF");
            return;
        }
        if (struct.byteSize() != layout.byteSize()) {
            differences.add(cName + ": C size " + struct.byteSize() + ", Java " + layout.byteSize());
        }
        List<String> javaFields = layout.memberLayouts().stream().map(m -> m.name().orElseThrow()).toList();
        List<String> cFields = struct.members().stream().map(Btf.Member::name).toList();
        if (!cFields.equals(javaFields)) {
            differences.add(cName + ": C fields " + cFields + ", Java " + javaFields);
            return;
        }
        for (Btf.Member member : struct.members()) {
            MemoryLayout.PathElement field = MemoryLayout.PathElement.groupElement(member.name());
            long javaOffset = layout.byteOffset(field);
            long javaSize = layout.select(field).byteSize();
            if (javaOffset != member.byteOffset() || javaSize != member.byteSize()) {
                differences.add(cName + "." + member.name() + ": C @" + member.byteOffset() + "+" + member.byteSize()
                        + ", Java @" + javaOffset + "+" + javaSize);
            }
        }
    }

    /** The header's capacities, copied into Java, are those the object's maps declare. */
    @Test
    void capacitiesMatchTheObjectsMaps() {
        try (BpfObject object = BpfObject.openBundled(Datapath.OBJECT, null)) {
            assertEquals(Abi.MAX_RULES, object.maxEntries(Datapath.RULES_MAP), "XDPRECON_MAX_RULES");
            assertEquals(Abi.MAX_RULES + 1, object.maxEntries(Datapath.FLOW_COUNTERS_MAP),
                    "XDPRECON_FLOW_SLOTS: a counter slot per rule, slot 0 none");
            assertEquals(Abi.MAX_RULES6, object.maxEntries(Datapath.RULES6_MAP), "XDPRECON_MAX_RULES6");
            assertEquals(Abi.MAX_LOCAL_IPS, object.maxEntries(Datapath.LOCAL_IPS_MAP), "XDPRECON_MAX_LOCAL_IPS");
            assertEquals(Stat.values().length, object.maxEntries(Datapath.COUNTERS_MAP), "XDP_STAT_MAX");
        }
    }

    /** No map has {@code enum xdp_stat} as a type (array keys must be ints), so it is read from the header. */
    @Test
    void statEnumMatchesTheCounterIndexes() throws Exception {
        String header;
        try (var in = AbiLayoutTest.class.getResourceAsStream("/io/xdprecon/bpf/xdprecon.h")) {
            header = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        java.util.regex.Matcher body = java.util.regex.Pattern.compile("enum xdp_stat \\{(.*?)\\};", java.util.regex.Pattern.DOTALL)
                .matcher(header);
        assertTrue(body.find(), "enum xdp_stat not found in xdprecon.h");
        List<String> names = java.util.regex.Pattern.compile("XDP_STAT_(\\w+)").matcher(body.group(1).replaceAll("/\\*.*?\\*/", ""))
                .results().map(m -> m.group(1)).toList();
        List<String> javaNames = new ArrayList<>(Arrays.stream(Stat.values()).map(Enum::name).toList());
        javaNames.add("MAX");
        assertEquals(javaNames, names, "Stat must list enum xdp_stat in order (XDP_STAT_REWRITE_HIT = 0, then +1 each)");
        assertTrue(body.group(1).contains("XDP_STAT_REWRITE_HIT = 0"), "the enum starts at 0");
    }

    /** The pinned maps' layout version: the header's XDPRECON_ABI_VERSION is the one Java stamps and checks. */
    @Test
    void layoutVersionMatchesTheHeader() throws Exception {
        String header;
        try (var in = AbiLayoutTest.class.getResourceAsStream("/io/xdprecon/bpf/xdprecon.h")) {
            header = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
        java.util.regex.Matcher version = java.util.regex.Pattern.compile("#define XDPRECON_ABI_VERSION (\\d+)").matcher(header);
        assertTrue(version.find(), "XDPRECON_ABI_VERSION not found in xdprecon.h");
        assertEquals(Integer.parseInt(version.group(1)), io.xdprecon.dataplane.maps.Abi.VERSION);
    }

    @Test
    void ownerCodesMatchTheHeader() {
        try (BpfObject object = BpfObject.openBundled(Datapath.OBJECT, null)) {
            Map<String, Integer> cEnum = object.btf().enumeration("rule_owner").orElseThrow();
            List<Owner> known = Arrays.stream(Owner.values()).filter(o -> o != Owner.UNKNOWN).toList();
            for (Owner owner : known) {
                assertEquals(owner.code(), cEnum.get("RULE_OWNER_" + owner.name()), "RULE_OWNER_" + owner.name());
            }
            assertTrue(cEnum.size() == known.size(), "owners in C: " + cEnum.keySet() + " vs " + known);
            cEnum.values().forEach(code -> assertTrue(Owner.ofCode(code) != Owner.UNKNOWN, "C's owner code " + code));
        }
    }
}
