package io.xdprecon.tests.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.daemon.admin.DatapathSampler;
import io.xdprecon.daemon.admin.DatapathSampler.FlowTraffic;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.bpf.BpfMap;
import io.xdprecon.dataplane.bpf.UpdateMode;
import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.lab.Lab;
import io.xdprecon.lab.LabConfigs;
import io.xdprecon.lab.PinRoot;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The top-K flow series of a scrape on real pinned maps: counters written at the rules' slots by hand (the
 * datapath's part), the sampler reads them by slot and walks the rules a page at a time. No namespace, no traffic:
 * {@code MonitoringEndToEndTest} scrapes the same series under lab traffic.
 */
class DatapathSamplerTest {
    @TempDir
    Path dir;

    @Test
    void theFlowsWithTheMostRecentPacketsAreChosenAndNamed() throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, LabConfigs.document(List.of(Lab.VIP), LabConfigs.flow("quiet", 0, 50000),
                LabConfigs.flow("busy", 1, 50001), LabConfigs.flow("idle", 2, 50002), LabConfigs.flow("steady", 3, 50003)));
        DesiredState desired = ConfigLoader.load(config).forNode("lab", InterfaceResolver.of(Map.of("pc", 2, "ps", 3)));
        try (PinRoot pins = PinRoot.create(); Datapath datapath = Datapath.load(pins.path(), 1024);
                BpfMap counters = BpfMap.openPinned(pins.path().resolve(Datapath.FLOW_COUNTERS_MAP))) {
            desired.rules().forEach((key, rule) -> datapath.rules().put(key, rule.rule()));
            // a session rule with the most packets of all: not a config flow, never a series
            FlowKey session = FlowKey.of(2, "10.9.9.9", 9, Lab.VIP, 9);
            datapath.rules().put(session, new FlowRule(FlowKey.of(3, "10.9.9.1", 9, "10.9.9.2", 9), Owner.SESSION));
            Counts counts = new Counts(datapath, counters);
            counts.set(session, 1_000_000);
            counts.set(forward(desired, "quiet"), 10);
            counts.set(forward(desired, "busy"), 500);
            counts.set(forward(desired, "steady"), 300);

            DatapathSampler sampler = new DatapathSampler(pins.path(), 2);
            sampler.applied(desired);
            assertEquals(List.of(new FlowTraffic("busy", "forward", 500, 50_000), new FlowTraffic("steady", "forward", 300, 30_000)),
                    sampler.sample().topFlows(), "the most packets first, the session and the idle flow never");

            // since the first sample: quiet +400, busy +1, steady +100 — recent packets decide, totals are reported
            counts.set(forward(desired, "quiet"), 410);
            counts.set(forward(desired, "busy"), 501);
            counts.set(forward(desired, "steady"), 400);
            // a sample serves every scrape within MAX_AGE: wait that age out (time itself, not another thread)
            Thread.sleep(DatapathSampler.MAX_AGE.plusMillis(100).toMillis());
            assertEquals(List.of(new FlowTraffic("quiet", "forward", 410, 41_000), new FlowTraffic("steady", "forward", 400, 40_000)),
                    sampler.sample().topFlows());
        }
    }

    private static FlowKey forward(DesiredState desired, String flow) {
        return desired.rules().entrySet().stream()
                .filter(e -> e.getValue().flow().equals(flow) && e.getValue().direction() == Direction.FORWARD)
                .map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** Writes a rule's counters (packets, 100 bytes each) at its slot on CPU 0, as the XDP program would. */
    private record Counts(Datapath datapath, BpfMap counters) {
        void set(FlowKey key, long packets) {
            byte[] value = Abi.perCpuCounterBytes(List.of(new FlowCounters(packets, packets * 100)),
                    BpfMap.possibleCpus(), counters.slotSize());
            counters.update(Abi.u32Bytes(datapath.rules().slotOf(key)), value, UpdateMode.ANY);
        }
    }
}
