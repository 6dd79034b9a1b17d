package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.tests.packets.Mac;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What the datapath is run against: the contents of {@code xdp_fwd_rules} and {@code xdp_local_ips},
 * the FIB of the namespace, and where frames arrive (ingress interfaces, rx queues).
 */
public record Scenario(Map<FlowKey, FlowRule> rules, Set<Integer> localIps, Fib fib, List<Integer> ingressIfindexes, int rxQueues) {
    /** The example network's interfaces ({@link #example}). */
    public static final int IF_CLIENTS = 2;
    public static final int IF_SERVERS = 3;
    public static final int IF_NARROW = 4;
    public static final int IF_NO_FORWARDING = 5;
    public static final int NARROW_MTU = 576;

    public Scenario {
        rules = Map.copyOf(rules);
        localIps = Set.copyOf(localIps);
        Objects.requireNonNull(fib, "fib");
        ingressIfindexes = List.copyOf(ingressIfindexes);
        if (ingressIfindexes.isEmpty() || rxQueues < 1) {
            throw new IllegalArgumentException("frames need an ingress interface and a queue");
        }
    }

    public DatapathModel model() {
        return new DatapathModel(rules, localIps, fib);
    }

    /**
     * A network where every FIB answer occurs, for tests that need no real namespace:
     * <ul>
     * <li>if2 (clients) and if3 (servers), MTU 1500; if4 MTU 576; if5 with forwarding off;</li>
     * <li>10.0.0.1 and 10.0.0.2 are the relay's own (local) addresses;</li>
     * <li>10.77.1.0/24 on if3 and 10.77.2.0/24 on if2 with neighbours .2–.9 resolved: SUCCESS
     *     (redirect, or XDP_TX for traffic arriving on if2); 10.77.3.0/24 on if3 with no neighbour;
     *     10.77.4.0/24 via 10.77.40.1 on if4 (FRAG_NEEDED above 576 bytes); 10.77.5–7.0/24 blackhole,
     *     unreachable, prohibit; 10.77.8.0/24 with an encapsulation; no route to 192.0.2.0/24.</li>
     * </ul>
     */
    public static Scenario example(long seed, int ruleCount) {
        StaticFib.Builder fib = StaticFib.builder()
                .iface(IF_CLIENTS, Mac.parse("02:00:00:00:00:02"), 1500)
                .iface(IF_SERVERS, Mac.parse("02:00:00:00:00:03"), 1500)
                .iface(IF_NARROW, Mac.parse("02:00:00:00:00:04"), NARROW_MTU)
                .ifaceWithoutForwarding(IF_NO_FORWARDING, Mac.parse("02:00:00:00:00:05"), 1500)
                .local("10.0.0.0/24")
                .connected("10.77.1.0/24", IF_SERVERS)
                .connected("10.77.2.0/24", IF_CLIENTS)
                .connected("10.77.3.0/24", IF_SERVERS)
                .via("10.77.4.0/24", IF_NARROW, "10.77.40.1")
                .neighbour(IF_NARROW, "10.77.40.1", Mac.parse("02:00:00:00:40:01"))
                .blackhole("10.77.5.0/24")
                .unreachable("10.77.6.0/24")
                .prohibit("10.77.7.0/24")
                .encapsulated("10.77.8.0/24", IF_SERVERS);
        for (int host = 2; host <= 9; host++) {
            fib.neighbour(IF_SERVERS, "10.77.1." + host, Mac.parse("02:00:00:00:01:0" + host));
            fib.neighbour(IF_CLIENTS, "10.77.2." + host, Mac.parse("02:00:00:00:02:0" + host));
        }
        StaticFib staticFib = fib.build();

        List<Integer> relayIps = List.of(Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.0.2"));
        List<Integer> destinations = List.of("10.77.1.2", "10.77.1.9", "10.77.2.3", "10.77.3.4", "10.77.4.5",
                "10.77.5.6", "10.77.6.7", "10.77.7.8", "10.77.8.9", "10.0.0.1", "192.0.2.1").stream().map(Ipv4::parse).toList();
        List<Integer> ingress = List.of(IF_CLIENTS, IF_SERVERS, IF_NO_FORWARDING);
        Map<FlowKey, FlowRule> rules = FrameCorpus.rulesFor(new SplittableRandom(seed), ruleCount, ingress, relayIps, destinations, staticFib);
        return new Scenario(rules, Set.copyOf(relayIps), staticFib, ingress, 1);
    }
}
