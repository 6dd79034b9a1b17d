package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * IPv6 in the config (issue 17 item 1): accepted wherever an address is, shown in RFC 5952 form, one family per
 * flow or service, checked like IPv4; a node's IPv6 flows and local IPs are its IPv6 rules (plan and apply write
 * them), and its IPv6 services' listen and egress addresses IPv6 local IPs (the DPDK loop runs IPv6 sessions).
 */
class Ipv6ConfigTest {
    static final Path FILE = Path.of("dual.yaml");
    static final InterfaceResolver ANY = device -> OptionalInt.of(device.hashCode() & 0xffff);

    static final String HEAD = """
            apiVersion: xdprecon.io/v1
            interfaces:
              public: { device: ens5 }
              private: { device: ens6 }
            """;

    static final String V4_FLOW = """
              - name: v4
                client: 198.51.100.1:1000
                listen: { interface: public, address: 203.0.113.10, port: 30000 }
                egress: { interface: private, address: 10.0.0.1, port: 40000 }
                server: 10.0.0.20:5000
            """;

    /** An IPv6 flow in non-canonical text: upper case, leading zeros, uncompressed zeros. */
    static final String V6_FLOW = """
              - name: v6
                client: "[2001:DB8:1:0:0:0:0:20]:40000"
                listen: { interface: public, address: 2001:0db8::0010, port: 30000 }
                egress: { interface: private, address: "fd00:0:0:0::1", port: 40000 }
                server: '[fd00::20]:5004'
            """;

    private static Config load(String text) {
        return ConfigLoader.parse(FILE, text);
    }

    private static List<String> errors(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(text));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void aDualStackConfigValidatesAndShowsCanonicalAddresses() {
        Config config = load(HEAD + "localIps: [203.0.113.10, '2001:db8::10']\nflows:\n" + V4_FLOW + V6_FLOW);
        List<Flow> flows = config.flows("");
        assertEquals(2, flows.size());
        Flow v6 = flows.get(1);
        assertEquals("[2001:db8:1::20]:40000", v6.client().toString());
        assertEquals("[2001:db8::10]:30000", v6.listen().endpoint().toString());
        assertEquals("[fd00::1]:40000", v6.egress().endpoint().toString());
        assertEquals("[fd00::20]:5004", v6.server().toString());
        assertEquals("198.51.100.1:1000", flows.get(0).client().toString());
    }

    @Test
    void aNodesIpv6FlowsAndLocalIpsAreItsIpv6RulesDerivedAsForIpv4() {
        Config config = load(HEAD + "localIps: [203.0.113.10, '2001:DB8::10']\nflows:\n" + V4_FLOW + V6_FLOW);
        DesiredState node = config.forNode("", ANY);
        assertEquals(2, node.rules().size(), "the IPv4 flow's two legs, packed as before");
        assertEquals(java.util.Set.of(0xCB00710A), node.localIps());
        assertEquals(java.util.Set.of(v6("2001:db8::10")), node.localIps6());
        int pub = ANY.ifindex("ens5").getAsInt();
        int priv = ANY.ifindex("ens6").getAsInt();
        // FORWARD: arrives on public from the client to the listen address; leaves by private, from egress to server
        FlowKey6 forward = new FlowKey6(pub, v6("2001:db8:1::20"), v6("2001:db8::10"), 40000, 30000);
        FlowKey6 reverse = new FlowKey6(priv, v6("fd00::20"), v6("fd00::1"), 5004, 40000);
        assertEquals(java.util.List.of(forward, reverse), java.util.List.copyOf(node.rules6().keySet()));
        assertEquals(new FlowRule6(new FlowKey6(priv, v6("fd00::1"), v6("fd00::20"), 40000, 5004), Owner.CONFIG),
                node.rules6().get(forward).rule());
        assertEquals(new FlowRule6(new FlowKey6(pub, v6("2001:db8::10"), v6("2001:db8:1::20"), 30000, 40000), Owner.CONFIG),
                node.rules6().get(reverse).rule());
        assertEquals("v6", node.rules6().get(reverse).flow());
    }

    private static IpAddress.V6 v6(String text) {
        long[] bits = io.xdprecon.dataplane.maps.Ipv6.parse(text);
        return new IpAddress.V6(bits[0], bits[1]);
    }

    @Test
    void aFlowIsOneFamilyEndToEnd() {
        String mixed = V6_FLOW.replace("'[fd00::20]:5004'", "10.0.0.20:5004");
        assertEquals(List.of("dual.yaml:10:13: flows[0].server: '10.0.0.20' is IPv4 but the flow's client is IPv6"
                + " ([2001:db8:1::20]:40000): one family end to end; xdprecon does not translate between IPv6 and IPv4"
                + " (NAT64)"), errors(HEAD + "flows:\n" + mixed));
        String mixedListen = V4_FLOW.replace("address: 203.0.113.10", "address: 2001:db8::10");
        assertEquals(List.of("dual.yaml:8:43: flows[0].listen.address: '2001:db8::10' is IPv6 but the flow's client is"
                + " IPv4 (198.51.100.1:1000): one family end to end; xdprecon does not translate between IPv6 and IPv4"
                + " (NAT64)"), errors(HEAD + "flows:\n" + mixedListen));
    }

    @Test
    void collisionsAreFoundAcrossTextFormsAndShownCanonically() {
        String same = V6_FLOW.replace("name: v6", "name: again").replace("2001:DB8:1:0:0:0:0:20", "2001:db8:1::20")
                .replace("port: 40000", "port: 40001").replace("fd00:0:0:0::1", "fd00::1");
        List<String> errors = errors(HEAD + "flows:\n" + V6_FLOW + same);
        assertEquals(List.of("dual.yaml:13:13: flows[1].listen: the FORWARD rule key (ens5 [2001:db8:1::20]:40000 ->"
                + " [2001:db8::10]:30000) of flow 'again' is also the FORWARD rule key of flow 'v6' (line 6); one key can"
                + " have one rule"), errors);
        String sameEgress = V6_FLOW.replace("name: v6", "name: other").replace(":40000\"", ":40009\"");
        assertEquals(List.of("dual.yaml:14:67: flows[1].egress.port: egress [fd00::1]:40000 is already the egress of flow"
                + " 'v6' (line 9); each flow needs its own egress address:port"), errors(HEAD + "flows:\n" + V6_FLOW + sameEgress));
        String toItself = V6_FLOW.replace("'[fd00::20]:5004'", "'[fd00::1]:40000'");
        assertTrue(errors(HEAD + "flows:\n" + toItself).getFirst().contains("server [fd00::1]:40000 is the flow's own egress"
                + " endpoint"));
        // a v4 flow and a v6 flow never collide, whatever their int columns hold
        load(HEAD + "flows:\n" + V4_FLOW + V6_FLOW.replace("name: v6", "name: v6x"));
    }

    @Test
    void streamedAndMergedIpv6FlowsAreTheSame() {
        // the base's flows are streamed item by item (an IPv6 item takes the general way: schema and binder); a
        // node's are composed in the tree and merged: the same text must give the same flow (here the node's
        // replaces the base's of the same name, written in other text forms)
        String other = V6_FLOW.replace("2001:DB8:1:0:0:0:0:20", "2001:db8:1::20").replace("2001:0db8::0010", "2001:db8::10");
        Config config = load(HEAD + "flows:\n" + V6_FLOW + "nodes:\n  n1:\n    flows:\n" + other.indent(4));
        assertEquals(config.flows(""), config.flows("n1"));
        assertEquals(1, config.flows("n1").size());
        // and a node's IPv6 flow meets the base's in the checks: the same key, the same egress
        List<String> clash = errors(HEAD + "flows:\n" + V6_FLOW + "nodes:\n  n1:\n    flows:\n"
                + other.replace("name: v6", "name: v6n").indent(4));
        assertEquals(2, clash.size(), clash.toString());
        assertTrue(clash.getFirst().startsWith("dual.yaml:16:17: nodes.n1.flows[0].listen: the FORWARD rule key (ens5"
                + " [2001:db8:1::20]:40000 -> [2001:db8::10]:30000) of flow 'v6n'"), clash.getFirst());
    }

    @Test
    void servicesTakeIpv6AndAreOneFamily() {
        String services = """
                datapath: { mode: dpdk }
                services:
                  - name: turn6
                    listen: { interface: public, address: 2001:db8::10, port: 3478 }
                    backends: ['[fd00::30]:3478', '[FD00::31]:3478']
                    egress: { interface: private, address: fd00::1, ports: 50000-59999 }
                """;
        Config config = load(HEAD + services);
        Service turn = config.services("").getFirst();
        assertTrue(turn.ipv6());
        assertEquals("[fd00::31]:3478", turn.backends().get(1).toString());
        assertEquals("fd00::1", turn.egress().ip().toString());
        DesiredState node = config.forNode("", ANY);
        assertTrue(node.localIps6().containsAll(List.of(v6("2001:db8::10"), v6("fd00::1"))),
                "clients' first packets and backends' replies reach the DPDK loop: " + node.localIps6());
        assertEquals(List.of("dual.yaml:9:35: services[0].backends[1]: '10.0.0.31' is IPv4 but the service's listen is"
                + " IPv6 ([2001:db8::10]:3478): one family end to end; xdprecon does not translate between IPv6 and IPv4"
                + " (NAT64)"), errors(HEAD + services.replace("'[FD00::31]:3478'", "10.0.0.31:3478")));
        List<String> pools = errors(HEAD + services + """
                  - name: turn6b
                    listen: { interface: public, address: 2001:db8::10, port: 3479 }
                    backends: ['[fd00::30]:3478']
                    egress: { interface: private, address: 'fd00:0::1', ports: 59000-60000 }
                """);
        assertEquals(1, pools.size(), pools.toString());
        assertTrue(pools.getFirst().contains("overlaps '50000-59999', the pool of service 'turn6' on fd00::1"), pools.getFirst());
        assertFalse(pools.getFirst().contains("fd00:0::1"));
    }
}
