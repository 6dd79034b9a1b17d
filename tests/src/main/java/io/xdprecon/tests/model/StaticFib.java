package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.tests.packets.Mac;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small routing table, interface list and neighbour table that answers like {@code bpf_fib_lookup}
 * for the namespace a test builds: longest prefix match, then the kernel's checks in the kernel's order
 * (forwarding enabled on ingress, route type, MTU, encapsulation, neighbour).
 *
 * <pre>{@code
 * StaticFib fib = StaticFib.builder()
 *         .iface(2, Mac.parse("02:00:00:00:00:02"), 1500)
 *         .iface(3, Mac.parse("02:00:00:00:00:03"), 1500)
 *         .connected("10.77.1.0/24", 3).neighbour(3, "10.77.1.2", Mac.parse("02:00:00:00:01:02"))
 *         .blackhole("10.77.5.0/24")
 *         .build();
 * }</pre>
 */
public final class StaticFib implements Fib {
    /** A network interface: its MAC is the source MAC of frames it sends; frames longer than its MTU need fragmenting. */
    public record Interface(int ifindex, Mac mac, int mtu, boolean forwarding) {}

    /** What a prefix routes to. */
    public sealed interface Route {
        /** Unicast out of an interface, to a gateway or (when none) to the destination itself on the link. */
        record Unicast(int egressIfindex, Optional<Integer> gateway) implements Route {}

        /** Unicast with a lightweight-tunnel encapsulation ({@code ip route ... encap mpls ...}). */
        record Encapsulated(int egressIfindex) implements Route {}

        record Blackhole() implements Route {}

        record Unreachable() implements Route {}

        record Prohibit() implements Route {}

        /** An address of this host ({@code local} table): not forwarded. */
        record Local() implements Route {}
    }

    private record Prefix(int address, int length) {
        static Prefix parse(String cidr) {
            String[] parts = cidr.split("/", -1);
            int length = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
            if (parts.length > 2 || length < 0 || length > 32) {
                throw new IllegalArgumentException("not an IPv4 prefix: '" + cidr + "'");
            }
            return new Prefix(Ipv4.parse(parts[0]) & mask(length), length);
        }

        boolean contains(int ip) {
            return (ip & mask(length)) == address;
        }

        static int mask(int length) {
            return length == 0 ? 0 : -1 << (32 - length);
        }
    }

    private record Entry(Prefix prefix, Route route) {}

    private record NeighbourKey(int ifindex, int ip) {}

    private final Map<Integer, Interface> interfaces;
    private final List<Entry> routesLongestFirst;
    private final Map<NeighbourKey, Mac> neighbours;

    private StaticFib(Builder builder) {
        interfaces = Map.copyOf(builder.interfaces);
        routesLongestFirst = builder.routes.stream()
                .sorted(Comparator.comparingInt((Entry entry) -> entry.prefix.length).reversed())
                .toList();
        neighbours = Map.copyOf(builder.neighbours);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<Integer, Interface> interfaces() {
        return interfaces;
    }

    @Override
    public FibResult lookup(int ingressIfindex, int srcIp, int dstIp, int totLen, int tos) {
        Interface ingress = interfaces.get(ingressIfindex);
        if (ingress == null) {
            // The kernel answers -ENODEV; a model that meets this describes the wrong namespace.
            throw new IllegalArgumentException("no interface with ifindex " + ingressIfindex + " in this FIB");
        }
        if (!ingress.forwarding()) {
            return FibResult.failure(FibCode.FWD_DISABLED);
        }
        Optional<Route> found = routeTo(dstIp);
        if (found.isEmpty()) {
            return FibResult.failure(FibCode.NOT_FWDED);
        }
        Route route = found.get();
        int egressIfindex;
        switch (route) {
            case Route.Blackhole() -> { return FibResult.failure(FibCode.BLACKHOLE); }
            case Route.Unreachable() -> { return FibResult.failure(FibCode.UNREACHABLE); }
            case Route.Prohibit() -> { return FibResult.failure(FibCode.PROHIBIT); }
            case Route.Local() -> { return FibResult.failure(FibCode.NOT_FWDED); }
            case Route.Unicast unicast -> egressIfindex = unicast.egressIfindex();
            case Route.Encapsulated encapsulated -> egressIfindex = encapsulated.egressIfindex();
        }
        Interface egress = interfaces.get(egressIfindex);
        if (totLen > egress.mtu()) {
            return FibResult.failure(FibCode.FRAG_NEEDED);
        }
        if (!(route instanceof Route.Unicast unicast)) {
            return FibResult.failure(FibCode.UNSUPP_LWT);
        }
        int nextHop = unicast.gateway().orElse(dstIp);
        Mac neighbour = neighbours.get(new NeighbourKey(egressIfindex, nextHop));
        if (neighbour == null) {
            return FibResult.failure(FibCode.NO_NEIGH);
        }
        return FibResult.success(egressIfindex, egress.mac(), neighbour);
    }

    /** The route the longest matching prefix gives, if any. */
    public Optional<Route> routeTo(int dstIp) {
        return routesLongestFirst.stream().filter(entry -> entry.prefix.contains(dstIp)).map(Entry::route).findFirst();
    }

    public static final class Builder {
        private final Map<Integer, Interface> interfaces = new HashMap<>();
        private final List<Entry> routes = new ArrayList<>();
        private final Map<NeighbourKey, Mac> neighbours = new HashMap<>();

        private Builder() {}

        public Builder iface(int ifindex, Mac mac, int mtu) {
            interfaces.put(ifindex, new Interface(ifindex, mac, mtu, true));
            return this;
        }

        /** An interface with {@code net.ipv4.conf.<dev>.forwarding=0}: lookups for packets arriving on it fail first. */
        public Builder ifaceWithoutForwarding(int ifindex, Mac mac, int mtu) {
            interfaces.put(ifindex, new Interface(ifindex, mac, mtu, false));
            return this;
        }

        public Builder route(String cidr, Route route) {
            Objects.requireNonNull(route, "route");
            int egress = switch (route) {
                case Route.Unicast unicast -> unicast.egressIfindex();
                case Route.Encapsulated encapsulated -> encapsulated.egressIfindex();
                default -> 0;
            };
            if (egress != 0 && !interfaces.containsKey(egress)) {
                throw new IllegalArgumentException("route " + cidr + " leaves through unknown ifindex " + egress);
            }
            routes.add(new Entry(Prefix.parse(cidr), route));
            return this;
        }

        /** A prefix on the link of {@code egressIfindex}: the neighbour is the destination itself. */
        public Builder connected(String cidr, int egressIfindex) {
            return route(cidr, new Route.Unicast(egressIfindex, Optional.empty()));
        }

        public Builder via(String cidr, int egressIfindex, String gateway) {
            return route(cidr, new Route.Unicast(egressIfindex, Optional.of(Ipv4.parse(gateway))));
        }

        public Builder encapsulated(String cidr, int egressIfindex) {
            return route(cidr, new Route.Encapsulated(egressIfindex));
        }

        public Builder blackhole(String cidr) { return route(cidr, new Route.Blackhole()); }
        public Builder unreachable(String cidr) { return route(cidr, new Route.Unreachable()); }
        public Builder prohibit(String cidr) { return route(cidr, new Route.Prohibit()); }
        public Builder local(String cidr) { return route(cidr, new Route.Local()); }

        /** A resolved (reachable, permanent...) neighbour entry: {@code ip neigh add <ip> lladdr <mac> dev <ifindex>}. */
        public Builder neighbour(int ifindex, String ip, Mac mac) {
            neighbours.put(new NeighbourKey(ifindex, Ipv4.parse(ip)), mac);
            return this;
        }

        public StaticFib build() {
            return new StaticFib(this);
        }
    }
}
