package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the config asks of one node, resolved to what the kernel holds: every rule by key (interface
 * names already resolved to ifindexes; packed, {@link DesiredRules}), the local IPs, the tuning, and the datapath
 * settings. IPv6 flows and local IPs are kept apart ({@link #rules6}, {@link #localIps6}): the datapath holds them
 * in maps of their own, and the packed IPv4 tables keep their size per rule.
 *
 * @param source  where it came from, for messages (a file path, or a Git revision later)
 * @param rules6  the IPv6 rules by key (a flow is one family end to end), as objects: at most
 *                {@code Abi.MAX_RULES6}
 */
public record DesiredState(String node, String source, Map<FlowKey, DesiredRule> rules, Set<Integer> localIps,
        List<TuningSetting> tuning, DatapathSettings datapath, Map<FlowKey6, DesiredRule6> rules6,
        Set<IpAddress.V6> localIps6) {
    public DesiredState {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(source, "source");
        rules = DesiredRules.of(rules);
        localIps = Set.copyOf(localIps);
        tuning = List.copyOf(tuning);
        Objects.requireNonNull(datapath, "datapath");
        rules6 = Collections.unmodifiableMap(new LinkedHashMap<>(rules6));
        localIps6 = Collections.unmodifiableSet(new LinkedHashSet<>(localIps6));
    }

    /** IPv4 only. */
    public DesiredState(String node, String source, Map<FlowKey, DesiredRule> rules, Set<Integer> localIps,
            List<TuningSetting> tuning, DatapathSettings datapath) {
        this(node, source, rules, localIps, tuning, datapath, Map.of(), Set.of());
    }

    /** The rules, packed: what the planner walks without making objects. */
    public DesiredRules packed() {
        return (DesiredRules) rules;
    }

    /** Whether anything of IPv6 is asked for. */
    public boolean anyIpv6() {
        return !rules6.isEmpty() || !localIps6.isEmpty();
    }
}
