package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.dpdk.IcmpEcho;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code examples/flows.yaml}: valid, and expanded to exactly the rules, IPs and settings each node needs. */
class ExampleConfigTest {
    static final Path EXAMPLE = Path.of("..", "examples", "flows.yaml");
    static final byte[] SYMMETRIC = symmetricKey();

    private final Config config = ConfigLoader.load(EXAMPLE);

    @Test
    void theExampleIsValidAndNamesItsSchemaForEditors() throws Exception {
        assertEquals("# yaml-language-server: $schema=../schema/flows.schema.json", Files.readAllLines(EXAMPLE).getFirst());
        assertTrue(Files.exists(EXAMPLE.resolveSibling("../schema/flows.schema.json").normalize()));
        assertEquals(List.of("edge-1", "edge-2", "edge-3"), config.nodes());
        assertEquals(EXAMPLE, config.file());
    }

    @Test
    void aNodeWithoutOverrideGetsTwoRulesPerFlowDerivedFromTheWire() {
        DesiredState state = config.forNode("edge-1", InterfaceResolver.of(Map.of("ens5", 2, "ens6", 3)));

        Map<FlowKey, DesiredRule> expected = new LinkedHashMap<>();
        // rtp-alice: 198.51.100.20:40000 -> 203.0.113.10:30000 on ens5 ; 10.0.0.1:40000 -> 10.0.0.20:5004 on ens6
        put(expected, FlowKey.of(2, "198.51.100.20", 40000, "203.0.113.10", 30000),
                FlowKey.of(3, "10.0.0.1", 40000, "10.0.0.20", 5004), "rtp-alice", Direction.FORWARD);
        put(expected, FlowKey.of(3, "10.0.0.20", 5004, "10.0.0.1", 40000),
                FlowKey.of(2, "203.0.113.10", 30000, "198.51.100.20", 40000), "rtp-alice", Direction.REVERSE);
        put(expected, FlowKey.of(2, "198.51.100.20", 40001, "203.0.113.10", 30001),
                FlowKey.of(3, "10.0.0.1", 40001, "10.0.0.20", 5005), "rtcp-alice", Direction.FORWARD);
        put(expected, FlowKey.of(3, "10.0.0.20", 5005, "10.0.0.1", 40001),
                FlowKey.of(2, "203.0.113.10", 30001, "198.51.100.20", 40001), "rtcp-alice", Direction.REVERSE);
        put(expected, FlowKey.of(2, "198.51.100.77", 16384, "203.0.113.10", 30002),
                FlowKey.of(3, "10.0.0.1", 40002, "10.0.0.21", 5004), "rtp-bob", Direction.FORWARD);
        put(expected, FlowKey.of(3, "10.0.0.21", 5004, "10.0.0.1", 40002),
                FlowKey.of(2, "203.0.113.10", 30002, "198.51.100.77", 16384), "rtp-bob", Direction.REVERSE);
        put(expected, FlowKey.of(2, "192.0.2.45", 52311, "203.0.113.10", 27015),
                FlowKey.of(3, "10.0.0.1", 42015, "10.0.0.40", 27015), "game-eu-1", Direction.FORWARD);
        put(expected, FlowKey.of(3, "10.0.0.40", 27015, "10.0.0.1", 42015),
                FlowKey.of(2, "203.0.113.10", 27015, "192.0.2.45", 52311), "game-eu-1", Direction.REVERSE);
        put(expected, FlowKey.of(2, "192.0.2.46", 61022, "203.0.113.10", 27015),
                FlowKey.of(3, "10.0.0.1", 42016, "10.0.0.41", 27015), "game-eu-2", Direction.FORWARD);
        put(expected, FlowKey.of(3, "10.0.0.41", 27015, "10.0.0.1", 42016),
                FlowKey.of(2, "203.0.113.10", 27015, "192.0.2.46", 61022), "game-eu-2", Direction.REVERSE);

        assertEquals(expected, state.rules());
        assertEquals("edge-1", state.node());
        assertEquals(EXAMPLE.toString(), state.source());
        assertEquals(Set.of(Ipv4.parse("203.0.113.10"), Ipv4.parse("10.0.0.1")), state.localIps());
        assertEquals(new DatapathSettings(DatapathSettings.Mode.DPDK, XdpMode.NATIVE, 524288, Map.of("ens5", 2, "ens6", 3)),
                state.datapath());
        assertEquals(List.of(
                new TuningSetting.Hugepages(2048, OptionalInt.empty(), 1024),
                new TuningSetting.QueueCount("ens5", 4),
                new TuningSetting.RssKey("ens5", SYMMETRIC),
                new TuningSetting.QueueCount("ens6", 4),
                new TuningSetting.RssKey("ens6", SYMMETRIC)), state.tuning());
    }

    @Test
    void theTurnServiceIsHandedToTheDpdkLoopAsValues() {
        Service turn = config.services("edge-1").getFirst();
        assertEquals("turn", turn.name());
        assertEquals(new Attachment("public", "ens5", Endpoint.of("203.0.113.10", 3478)), turn.listen());
        assertEquals(List.of(Endpoint.of("10.0.0.30", 3478), Endpoint.of("10.0.0.31", 3478)), turn.backends());
        assertEquals(new Service.Egress("private", "ens6", Ipv4.parse("10.0.0.1"), new PortRange(50000, 59999)), turn.egress());
        assertEquals(Duration.ofSeconds(60), turn.idleTimeout());
        assertEquals(Optional.empty(), turn.identity());
        assertEquals(Service.OnBackendRemoval.DRAIN, turn.onBackendRemoval(), "the default");
        Service rtp = config.services("edge-1").get(1);
        assertEquals(Optional.of(new SessionIdentity(8, 4)), rtp.identity());
        assertEquals(Service.OnBackendRemoval.MOVE, rtp.onBackendRemoval());
        assertEquals(IcmpEcho.Policy.ANSWER, config.icmpEcho("edge-1"));
    }

    @Test
    void edge2HasOtherDevicesMoreQueuesAnd1GiPagesPerSocket() {
        DesiredState state = config.forNode("edge-2", InterfaceResolver.of(Map.of("eth1", 7, "eth2", 8)));

        assertEquals(10, state.rules().size());
        assertEquals(new DesiredRule(new FlowRule(FlowKey.of(8, "10.0.0.1", 40000, "10.0.0.20", 5004), Owner.CONFIG),
                "rtp-alice", Direction.FORWARD), state.rules().get(FlowKey.of(7, "198.51.100.20", 40000, "203.0.113.10", 30000)));
        assertEquals(Map.of("eth1", 7, "eth2", 8), state.datapath().attachTo());
        assertEquals(List.of(
                new TuningSetting.Hugepages(1048576, OptionalInt.of(0), 2),
                new TuningSetting.Hugepages(1048576, OptionalInt.of(1), 2),
                new TuningSetting.QueueCount("eth1", 8),
                new TuningSetting.RssKey("eth1", SYMMETRIC),
                new TuningSetting.QueueCount("eth2", 4),
                new TuningSetting.RssKey("eth2", SYMMETRIC)), state.tuning());
        assertEquals(2, config.services("edge-2").size());
    }

    @Test
    void edge3RunsGenericXdpWithoutTurnAndWithItsOwnGameFlow() {
        DesiredState state = config.forNode("edge-3", InterfaceResolver.of(Map.of("ens5", 2, "ens6", 3)));

        assertEquals(new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.GENERIC, 65536, Map.of("ens5", 2, "ens6", 3)),
                state.datapath());
        assertEquals(List.of("rtp-alice", "rtcp-alice", "rtp-bob", "game-eu-1", "game-eu-3"),
                config.flows("edge-3").stream().map(Flow::name).toList());
        assertEquals(List.of(), config.services("edge-3"));
        assertEquals(new DesiredRule(new FlowRule(FlowKey.of(2, "203.0.113.10", 27016, "192.0.2.99", 50123), Owner.CONFIG),
                "game-eu-3", Direction.REVERSE), state.rules().get(FlowKey.of(3, "10.0.0.42", 27016, "10.0.0.1", 42017)));
        assertEquals(List.of(new TuningSetting.QueueCount("ens5", 4), new TuningSetting.RssKey("ens5", SYMMETRIC),
                new TuningSetting.QueueCount("ens6", 4), new TuningSetting.RssKey("ens6", SYMMETRIC)), state.tuning());
    }

    @Test
    void aMissingDeviceIsReportedAtItsDeviceLine() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config.forNode("edge-2", InterfaceResolver.of(Map.of("eth1", 7))));

        List<String> lines = Files.readAllLines(EXAMPLE);
        int line = lines.indexOf("      private: { device: eth2 }") + 1;
        int column = lines.get(line - 1).indexOf("eth2") + 1;
        assertEquals(List.of(new ConfigError(EXAMPLE, line, column,
                "nodes.edge-2.interfaces.private.device: there is no device 'eth2' on node 'edge-2' (interface 'private')")),
                e.errors());
    }

    @Test
    void loadingResolvesNothingOnlyForNodeAsksTheResolverOncePerInterface() {
        AtomicInteger calls = new AtomicInteger();
        InterfaceResolver counting = device -> {
            calls.incrementAndGet();
            return OptionalInt.of(device.equals("ens5") ? 2 : 3);
        };
        Config loaded = ConfigLoader.load(EXAMPLE);
        assertEquals(0, calls.get(), "load must not resolve interfaces");
        loaded.forNode("edge-1", counting);
        assertEquals(2, calls.get());
    }

    @Test
    void defaultNodeIsTheHostName() {
        String node = Config.defaultNode();
        assertTrue(!node.isBlank() && !node.contains("\n"), node);
    }

    private static void put(Map<FlowKey, DesiredRule> rules, FlowKey key, FlowKey rewrite, String flow, Direction direction) {
        rules.put(key, new DesiredRule(new FlowRule(rewrite, Owner.CONFIG), flow, direction));
    }

    private static byte[] symmetricKey() {
        List<Byte> bytes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            bytes.add((byte) 0x6d);
            bytes.add((byte) 0x5a);
        }
        byte[] key = new byte[bytes.size()];
        for (int i = 0; i < key.length; i++) {
            key[i] = bytes.get(i);
        }
        assertArrayEquals(key, Values.symmetricRssKey());
        return key;
    }
}
