package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv6;
import io.xdprecon.tests.packets.Mac;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An IPv6 FIB written down: interfaces, prefixes and neighbours, answering as {@code bpf_ipv6_fib_lookup}
 * (net/core/filter.c) does, in its order: forwarding off on the ingress device, no route, the route's type
 * (blackhole, unreachable, prohibit; anything not unicast, such as local, is not forwarded), a lightweight
 * tunnel, the MTU (tot_len against the egress MTU), then the neighbour of the next hop.
 */
public final class StaticFib6 implements Fib6 {
    public record Interface(int ifindex, Mac mac, int mtu, boolean forwarding) {}

    public sealed interface Route {
        record Unicast(int egressIfindex, Optional<IpAddress.V6> gateway) implements Route {}

        record Encapsulated(int egressIfindex) implements Route {}

        record Blackhole() implements Route {}

        record Unreachable() implements Route {}

        record Prohibit() implements Route {}

        record Local() implements Route {}
    }

    private record Prefix(long high, long low, int length) {
        static Prefix parse(String cidr) {
            String[] parts = cidr.split("/", -1);
            long[] address = Ipv6.parse(parts[0]);
            int length = parts.length == 2 ? Integer.parseInt(parts[1]) : 128;
            if (address == null || length < 0 || length > 128) {
                throw new IllegalArgumentException("not an IPv6 prefix: '" + cidr + "'");
            }
            return new Prefix(address[0] & maskHigh(length), address[1] & maskLow(length), length);
        }

        boolean contains(IpAddress.V6 ip) {
            return (ip.high() & maskHigh(length)) == high && (ip.low() & maskLow(length)) == low;
        }

        static long maskHigh(int length) {
            return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
        }

        static long maskLow(int length) {
            return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
        }
    }

    private record Entry(Prefix prefix, Route route) {}

    private record NeighbourKey(int ifindex, IpAddress.V6 ip) {}

    private final Map<Integer, Interface> interfaces;
    private final List<Entry> routesLongestFirst;
    private final Map<NeighbourKey, Mac> neighbours;

    private StaticFib6(Builder builder) {
        interfaces = Map.copyOf(builder.interfaces);
        routesLongestFirst = builder.routes.stream()
                .sorted(Comparator.comparingInt((Entry entry) -> entry.prefix.length).reversed()).toList();
        neighbours = Map.copyOf(builder.neighbours);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static IpAddress.V6 address(String text) {
        long[] bits = Ipv6.parse(text);
        if (bits == null) {
            throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
        }
        return new IpAddress.V6(bits[0], bits[1]);
    }

    @Override
    public FibResult lookup(int ingressIfindex, IpAddress.V6 srcIp, IpAddress.V6 dstIp, int totLen, int flowinfo) {
        Interface ingress = interfaces.get(ingressIfindex);
        if (ingress == null) {
            throw new IllegalArgumentException("no interface with ifindex " + ingressIfindex + " in this FIB");
        }
        if (!ingress.forwarding()) {
            return FibResult.failure(FibCode.FWD_DISABLED);
        }
        Optional<Route> found = routeTo(dstIp);
        if (found.isEmpty()) {
            return FibResult.failure(FibCode.NOT_FWDED);
        }
        int egressIfindex;
        switch (found.get()) {
            case Route.Blackhole() -> { return FibResult.failure(FibCode.BLACKHOLE); }
            case Route.Unreachable() -> { return FibResult.failure(FibCode.UNREACHABLE); }
            case Route.Prohibit() -> { return FibResult.failure(FibCode.PROHIBIT); }
            case Route.Local() -> { return FibResult.failure(FibCode.NOT_FWDED); }
            // unlike IPv4, the IPv6 lookup refuses a tunnel before it weighs the MTU
            case Route.Encapsulated encapsulated -> { return FibResult.failure(FibCode.UNSUPP_LWT); }
            case Route.Unicast unicast -> egressIfindex = unicast.egressIfindex();
        }
        Route.Unicast unicast = (Route.Unicast) found.get();
        Interface egress = interfaces.get(egressIfindex);
        if (totLen > egress.mtu()) {
            return FibResult.failure(FibCode.FRAG_NEEDED);
        }
        Mac neighbour = neighbours.get(new NeighbourKey(egressIfindex, unicast.gateway().orElse(dstIp)));
        if (neighbour == null) {
            return FibResult.failure(FibCode.NO_NEIGH);
        }
        return FibResult.success(egressIfindex, egress.mac(), neighbour);
    }

    public Optional<Route> routeTo(IpAddress.V6 dstIp) {
        return routesLongestFirst.stream().filter(e -> e.prefix.contains(dstIp)).map(Entry::route).findFirst();
    }

    public static final class Builder {
        private final Map<Integer, Interface> interfaces = new HashMap<>();
        private final List<Entry> routes = new ArrayList<>();
        private final Map<NeighbourKey, Mac> neighbours = new HashMap<>();

        public Builder iface(int ifindex, Mac mac, int mtu) {
            interfaces.put(ifindex, new Interface(ifindex, mac, mtu, true));
            return this;
        }

        public Builder ifaceWithoutForwarding(int ifindex, Mac mac, int mtu) {
            interfaces.put(ifindex, new Interface(ifindex, mac, mtu, false));
            return this;
        }

        public Builder route(String cidr, Route route) {
            routes.add(new Entry(Prefix.parse(cidr), route));
            return this;
        }

        public Builder connected(String cidr, int egressIfindex) {
            return route(cidr, new Route.Unicast(egressIfindex, Optional.empty()));
        }

        public Builder via(String cidr, int egressIfindex, String gateway) {
            return route(cidr, new Route.Unicast(egressIfindex, Optional.of(address(gateway))));
        }

        public Builder encapsulated(String cidr, int egressIfindex) { return route(cidr, new Route.Encapsulated(egressIfindex)); }
        public Builder blackhole(String cidr) { return route(cidr, new Route.Blackhole()); }
        public Builder unreachable(String cidr) { return route(cidr, new Route.Unreachable()); }
        public Builder prohibit(String cidr) { return route(cidr, new Route.Prohibit()); }
        public Builder local(String cidr) { return route(cidr, new Route.Local()); }

        public Builder neighbour(int ifindex, String ip, Mac mac) {
            neighbours.put(new NeighbourKey(ifindex, address(ip)), mac);
            return this;
        }

        public StaticFib6 build() {
            return new StaticFib6(this);
        }
    }
}
