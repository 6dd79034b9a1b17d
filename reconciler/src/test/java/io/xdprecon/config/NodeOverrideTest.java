package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How {@code nodes.NAME} merges over the base: mappings key by key, lists replace, flows and services by name. */
class NodeOverrideTest {
    static final Path FILE = Path.of("fleet.yaml");
    static final InterfaceResolver ANY = device -> OptionalInt.of(device.hashCode() & 0xffff);

    static final String BASE = """
            apiVersion: xdprecon.io/v1
            interfaces:
              public: { device: ens5 }
              private: { device: ens6 }
            localIps: [203.0.113.10, 10.0.0.1]
            datapath: { mode: dpdk, attachMode: native, maxRules: 1024 }
            flows:
              - name: a
                client: 198.51.100.1:1000
                listen: { interface: public, address: 203.0.113.10, port: 30000 }
                egress: { interface: private, address: 10.0.0.1, port: 40000 }
                server: 10.0.0.20:5000
              - name: b
                client: 198.51.100.2:1000
                listen: { interface: public, address: 203.0.113.10, port: 30001 }
                egress: { interface: private, address: 10.0.0.1, port: 40001 }
                server: 10.0.0.20:5001
              - name: c
                client: 198.51.100.3:1000
                listen: { interface: public, address: 203.0.113.10, port: 30002 }
                egress: { interface: private, address: 10.0.0.1, port: 40002 }
                server: 10.0.0.20:5002
            services:
              - name: turn
                listen: { interface: public, address: 203.0.113.10, port: 3478 }
                backends: [10.0.0.30:3478]
                egress: { interface: private, address: 10.0.0.1, ports: 50000-59999 }
              - name: stun
                listen: { interface: public, address: 203.0.113.10, port: 3479 }
                backends: [10.0.0.31:3478]
                egress: { interface: private, address: 10.0.0.1, ports: 60000-60999 }
                idleTimeout: 5m
            tuning:
              hugepages: [{ pageSize: 2Mi, count: 512 }]
              interfaces:
                public: { queues: 4, rssKey: symmetric }
            """;

    private static Config load(String nodes) {
        return ConfigLoader.parse(FILE, BASE + "nodes:\n" + nodes.indent(2));
    }

    @Test
    void interfacesMergeByLogicalName() {
        Config config = load("""
                n1:
                  interfaces:
                    public: { device: eth1 }
                    mgmt: { device: eth9 }
                """);
        DesiredState state = config.forNode("n1", InterfaceResolver.of(Map.of("eth1", 1, "ens6", 2, "eth9", 9)));
        assertEquals(Map.of("eth1", 1, "ens6", 2, "eth9", 9), state.datapath().attachTo());
        assertEquals("eth1", config.flows("n1").getFirst().listen().device());
    }

    @Test
    void localIpsReplaceTheBaseList() {
        Config config = load("n1: { localIps: [203.0.113.99] }");
        // plus the services' addresses, which are always local
        assertEquals(Set.of(Ipv4.parse("203.0.113.99"), Ipv4.parse("203.0.113.10"), Ipv4.parse("10.0.0.1")),
                config.forNode("n1", ANY).localIps());
    }

    @Test
    void flowsMergeByNameReplacingInPlaceAddingAtTheEndRemoving() {
        Config config = load("""
                n1:
                  flows:
                    - name: d
                      client: 198.51.100.4:1000
                      listen: { interface: public, address: 203.0.113.10, port: 30003 }
                      egress: { interface: private, address: 10.0.0.1, port: 40003 }
                      server: 10.0.0.20:5003
                    - { name: a, remove: true }
                    - name: b
                      client: 198.51.100.2:1000
                      listen: { interface: public, address: 203.0.113.10, port: 30001 }
                      egress: { interface: private, address: 10.0.0.1, port: 40011 }
                      server: 10.0.0.21:5001
                """);
        List<Flow> flows = config.flows("n1");
        assertEquals(List.of("b", "c", "d"), flows.stream().map(Flow::name).toList());
        assertEquals(Endpoint.of("10.0.0.21", 5001), flows.getFirst().server());
        assertEquals(6, config.forNode("n1", ANY).rules().size());
        assertEquals(List.of("a", "b", "c"), config.flows("other").stream().map(Flow::name).toList());
    }

    @Test
    void servicesMergeByName() {
        Config config = load("""
                n1:
                  services:
                    - { name: turn, remove: true }
                    - name: stun
                      listen: { interface: public, address: 203.0.113.10, port: 3479 }
                      backends: [10.0.0.32:3478, 10.0.0.33:3478]
                      egress: { interface: private, address: 10.0.0.1, ports: 61000-61999 }
                """);
        List<Service> services = config.services("n1");
        assertEquals(1, services.size());
        assertEquals(new PortRange(61000, 61999), services.getFirst().egress().ports());
        // a replacement is whole: its unset idleTimeout is the default, not the base entry's 5m
        assertEquals(Service.DEFAULT_IDLE_TIMEOUT, services.getFirst().idleTimeout());
        assertEquals(Duration.ofMinutes(5), config.services("other").get(1).idleTimeout());
    }

    @Test
    void datapathMergesBySetting() {
        Config config = load("n1: { datapath: { attachMode: generic } }");
        DatapathSettings settings = config.forNode("n1", ANY).datapath();
        assertEquals(DatapathSettings.Mode.DPDK, settings.mode());
        assertEquals(XdpMode.GENERIC, settings.attachMode());
        assertEquals(1024, settings.maxRules());
    }

    @Test
    void hugepagesReplaceAndInterfaceTuningMergesBySetting() {
        Config config = load("""
                n1:
                  tuning:
                    hugepages: [{ pageSize: 1Gi, count: 4, numaNode: 1 }]
                    interfaces:
                      public: { queues: 8 }
                      private: { queues: 2 }
                """);
        List<TuningSetting> tuning = config.forNode("n1", InterfaceResolver.of(Map.of("ens5", 5, "ens6", 6))).tuning();
        assertEquals(List.of(
                new TuningSetting.Hugepages(1048576, OptionalInt.of(1), 4),
                new TuningSetting.QueueCount("ens5", 8),
                new TuningSetting.RssKey("ens5", Values.symmetricRssKey()),
                new TuningSetting.QueueCount("ens6", 2)), tuning);
    }

    @Test
    void aNodeWithoutAnOverrideGetsTheBaseWhenTheConfigSaysUnnamedNodesGetIt() {
        // xdp mode runs no services: the node drops the base's (keeping them is an error naming datapath.mode)
        String n1 = "n1: { datapath: { mode: xdp }, services: [{ name: turn, remove: true }, { name: stun, remove: true }] }";
        Config config = ConfigLoader.parse(FILE, BASE + "unnamedNodes: base\nnodes:\n" + n1.indent(2));
        assertTrue(config.serves("somewhere-else"));
        DesiredState base = config.forNode("somewhere-else", ANY);
        assertEquals(DatapathSettings.Mode.DPDK, base.datapath().mode());
        assertEquals("somewhere-else", base.node());
        assertEquals(List.of("n1"), config.nodes());
    }

    @Test
    void aNodeTheConfigDoesNotListIsRefusedByDefaultAtTheNodesKey() {
        for (String policy : new String[] {"", "unnamedNodes: refuse\n"}) {
            Config config = ConfigLoader.parse(FILE, BASE + policy + "nodes:\n  n1: {}\n");
            assertTrue(config.serves("n1"));
            assertFalse(config.serves("n2"));
            ConfigException e = assertThrows(ConfigException.class, () -> config.forNode("n2", ANY));
            String at = "fleet.yaml:37:1: "; // the nodes key, or unnamedNodes when written
            assertEquals(List.of(at + "node 'n2' is not listed under nodes (n1) and unnamedNodes is refuse"
                    + (policy.isEmpty() ? " (the default)" : "") + ": list it ('n2: {}' gets the base) or say"
                    + " 'unnamedNodes: base'"), e.errors().stream().map(ConfigError::toString).toList());
        }
        // a config that names no node is the same for every node
        assertTrue(ConfigLoader.parse(FILE, BASE).serves("anywhere"));
    }

    @Test
    void suspendIsTheNodesOwnElseTheBasesAndSaysWhereItIsWritten() {
        Config config = ConfigLoader.parse(FILE, BASE + "suspend: true\nnodes:\n  n1: { suspend: false }\n  n2: {}\n");
        assertEquals(java.util.Optional.empty(), config.suspendedAt("n1"));
        assertEquals(java.util.Optional.of("fleet.yaml:37:10"), config.suspendedAt("n2"));
        Config one = load("n1: { suspend: true }\nn2: {}");
        assertEquals(java.util.Optional.of("fleet.yaml:38:18"), one.suspendedAt("n1"));
        assertEquals(java.util.Optional.empty(), one.suspendedAt("n2"));
    }

    @Test
    void everyNodeIsCheckedOnItsOwnAndAllNodesAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                n1: { datapath: { maxRules: 4 } }
                n2:
                  flows:
                    - { name: zz, remove: true }
                """));
        assertEquals(List.of(
                "fleet.yaml:38:31: nodes.n1.datapath.maxRules: 3 flows need 6 rules, more than maxRules 4",
                "fleet.yaml:41:17: nodes.n2.flows[0].name: there is no flow 'zz' in the base to remove"),
                e.errors().stream().map(ConfigError::toString).toList());
    }
}
