package io.xdprecon.dataplane.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.Datapath;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The object DPDK's PMD loads, sized in its bytes: libbpf (opening, no privileges) reads the capacities we wrote. */
class BtfMaxEntriesTest {

    @Test
    void theObjectDeclaresTheCapacitiesWritten() {
        try (BpfObject compiled = BpfObject.open(Datapath.OBJECT, BpfObject.bundledElf(Datapath.OBJECT), null);
                BpfObject sized = BpfObject.open(Datapath.OBJECT, Datapath.objectFor(65_536), null)) {
            assertEquals(Map.of(Datapath.RULES_MAP, 65_536, Datapath.FLOW_COUNTERS_MAP, 65_537, Datapath.FLOW_SLOTS_MAP, 1_025),
                    Map.of(Datapath.RULES_MAP, sized.maxEntries(Datapath.RULES_MAP), Datapath.FLOW_COUNTERS_MAP,
                            sized.maxEntries(Datapath.FLOW_COUNTERS_MAP), Datapath.FLOW_SLOTS_MAP,
                            sized.maxEntries(Datapath.FLOW_SLOTS_MAP)));
            assertTrue(compiled.maxEntries(Datapath.RULES_MAP) != 65_536, "the compiled capacity is another one");
            for (String other : new String[] {Datapath.LOCAL_IPS_MAP, Datapath.COUNTERS_MAP, Datapath.ABI_MAP, "xsks_map"}) {
                assertEquals(compiled.mapDefinition(other), sized.mapDefinition(other), other + " is left as compiled");
            }
        }
    }

    @Test
    void aMapTheObjectDoesNotDeclareIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> BtfMaxEntries.rewrite(BpfObject.bundledElf(Datapath.OBJECT), Map.of("no_such_map", 4)));
        assertEquals("no BTF-defined map named [no_such_map] in the object", refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BtfMaxEntries.rewrite(new byte[100], Map.of(Datapath.RULES_MAP, 4)));
    }
}
