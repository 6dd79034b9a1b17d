package io.xdprecon.plan;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A relay node for the plan tests: clients reach 203.0.113.10 on ens3 (ifindex 3); servers sit behind
 * ens4 (ifindex 4), reached from 10.0.0.1.
 */
final class Fixtures {
    static final int LISTEN_IF = 3;
    static final int EGRESS_IF = 4;
    static final String LISTEN_IP = "203.0.113.10";
    static final Map<String, Integer> INTERFACES = Map.of("ens3", LISTEN_IF, "ens4", EGRESS_IF);
    static final int MAX_RULES = 1024;

    private Fixtures() {}

    /**
     * Relay flow number {@code n}: client 198.51.100.20:(40000+n) → listen :(30000+n), rewritten to
     * 10.0.0.1:(40000+n) → server 10.0.0.20:(5004+n); the reverse leg undoes it.
     */
    record Relay(String name, FlowKey forwardKey, FlowKey forwardRewrite, FlowKey reverseKey, FlowKey reverseRewrite) {
        static Relay of(String name, int n) {
            return new Relay(name,
                    FlowKey.of(LISTEN_IF, "198.51.100.20", 40000 + n, LISTEN_IP, 30000 + n),
                    FlowKey.of(EGRESS_IF, "10.0.0.1", 40000 + n, "10.0.0.20", 5004 + n),
                    FlowKey.of(EGRESS_IF, "10.0.0.20", 5004 + n, "10.0.0.1", 40000 + n),
                    FlowKey.of(LISTEN_IF, LISTEN_IP, 30000 + n, "198.51.100.20", 40000 + n));
        }

        Map<FlowKey, DesiredRule> desired() {
            return Map.of(
                    forwardKey, new DesiredRule(new FlowRule(forwardRewrite, Owner.CONFIG), name, Direction.FORWARD),
                    reverseKey, new DesiredRule(new FlowRule(reverseRewrite, Owner.CONFIG), name, Direction.REVERSE));
        }

        Map<FlowKey, FlowRule> live(Owner owner) {
            return Map.of(forwardKey, new FlowRule(forwardRewrite, owner),
                    reverseKey, new FlowRule(reverseRewrite, owner));
        }

        FlowRule forwardRule() {
            return new FlowRule(forwardRewrite, Owner.CONFIG);
        }

        FlowRule reverseRule() {
            return new FlowRule(reverseRewrite, Owner.CONFIG);
        }
    }

    static DatapathSettings xdp() {
        return new DatapathSettings(DatapathSettings.Mode.XDP, XdpMode.NATIVE, MAX_RULES, INTERFACES);
    }

    static DatapathSettings dpdk() {
        return new DatapathSettings(DatapathSettings.Mode.DPDK, XdpMode.NATIVE, MAX_RULES, INTERFACES);
    }

    static DesiredState desired(Map<FlowKey, DesiredRule> rules) {
        return desired(rules, Set.of(Ipv4.parse(LISTEN_IP)), List.of(), xdp());
    }

    static DesiredState desired(Map<FlowKey, DesiredRule> rules, Set<Integer> localIps, List<TuningSetting> tuning,
            DatapathSettings datapath) {
        return new DesiredState("edge-1", "edge.yaml", rules, localIps, tuning, datapath);
    }

    /** Rules of owner codes this build does not know: 0 (an all-zero value) and 7 (issue 10 case 3). */
    static final FlowRule UNKNOWN_ZERO = FlowRule.read(new FlowKey(0, 0, 0, 0, 0), 0);
    static final FlowKey STRAY = FlowKey.of(LISTEN_IF, "192.0.2.9", 1000, LISTEN_IP, 30009);
    static final FlowRule UNKNOWN_SEVEN = FlowRule.read(FlowKey.of(EGRESS_IF, "10.0.0.1", 45555, "10.0.0.77", 7000), 7);

    /** {@code relay}'s live rules with code 0 at its forward key, and code 7 at a key no flow has ({@link #STRAY}). */
    static Map<FlowKey, FlowRule> withUnknownOwners(Relay relay) {
        Map<FlowKey, FlowRule> rules = new HashMap<>(relay.live(Owner.CONFIG));
        rules.put(relay.forwardKey(), UNKNOWN_ZERO);
        rules.put(STRAY, UNKNOWN_SEVEN);
        return rules;
    }

    /** A running datapath in XDP mode with xdp_main on both interfaces and the listen IP local. */
    static LiveState live(Map<FlowKey, FlowRule> rules) {
        return live(rules, Set.of(Ipv4.parse(LISTEN_IP)), List.of());
    }

    static LiveState live(Map<FlowKey, FlowRule> rules, Set<Integer> localIps, List<TuningSetting> tuning) {
        return new LiveState(true, MAX_RULES, rules, localIps, tuning, attachedEverywhere());
    }

    static Map<String, Optional<LiveState.AttachedProgram>> attachedEverywhere() {
        return Map.of("ens3", Optional.of(new LiveState.AttachedProgram(41, "xdp_main")),
                "ens4", Optional.of(new LiveState.AttachedProgram(41, "xdp_main")));
    }

    static Map<String, Optional<LiveState.AttachedProgram>> attachedNowhere() {
        return Map.of("ens3", Optional.empty(), "ens4", Optional.empty());
    }

    /** Union of rule maps; later ones win on a shared key. */
    @SafeVarargs
    static <K, V> Map<K, V> merge(Map<K, V>... maps) {
        Map<K, V> all = new HashMap<>();
        for (Map<K, V> m : maps) {
            all.putAll(m);
        }
        return all;
    }

    /** A session-owned rule at a key no config flow uses. */
    static Map<FlowKey, FlowRule> sessionRule(int n) {
        return Map.of(FlowKey.of(LISTEN_IF, "192.0.2." + (n % 250 + 1), 50000 + n, LISTEN_IP, 20000),
                new FlowRule(FlowKey.of(EGRESS_IF, "10.0.0.1", 50000 + n, "10.0.0.30", 6000), Owner.SESSION));
    }
}
