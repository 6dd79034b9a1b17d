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

    @Test
    void statEnumMatchesTheCounterIndexes() {
        try (BpfObject object = BpfObject.openBundled(Datapath.OBJECT, null)) {
            Map<String, Integer> cEnum = object.btf().enumeration("xdp_stat").orElseThrow();
            for (Stat stat : Stat.values()) {
                assertEquals(stat.ordinal(), cEnum.get("XDP_STAT_" + stat.name()), "index of XDP_STAT_" + stat.name());
            }
            assertEquals(Stat.values().length, cEnum.get("XDP_STAT_MAX"), "XDP_STAT_MAX");
        }
    }

    @Test
    void ownerCodesMatchTheHeader() {
        try (BpfObject object = BpfObject.openBundled(Datapath.OBJECT, null)) {
            Map<String, Integer> cEnum = object.btf().enumeration("rule_owner").orElseThrow();
            for (Owner owner : Owner.values()) {
                assertEquals(owner.code(), cEnum.get("RULE_OWNER_" + owner.name()), "RULE_OWNER_" + owner.name());
            }
            assertTrue(cEnum.size() == Owner.values().length, "owners in C: " + cEnum.keySet() + " vs " + Arrays.toString(Owner.values()));
        }
    }
}
