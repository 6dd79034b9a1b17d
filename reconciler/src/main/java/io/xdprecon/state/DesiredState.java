package io.xdprecon.state;

import io.xdprecon.dataplane.maps.FlowKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the config asks of one node, resolved to what the kernel holds: every rule by key (interface
 * names already resolved to ifindexes; packed, {@link DesiredRules}), the local IPs, the tuning, and the datapath
 * settings.
 *
 * @param source  where it came from, for messages (a file path, or a Git revision later)
 */
public record DesiredState(String node, String source, Map<FlowKey, DesiredRule> rules, Set<Integer> localIps,
        List<TuningSetting> tuning, DatapathSettings datapath) {
    public DesiredState {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(source, "source");
        rules = DesiredRules.of(rules);
        localIps = Set.copyOf(localIps);
        tuning = List.copyOf(tuning);
        Objects.requireNonNull(datapath, "datapath");
    }

    /** The rules, packed: what the planner walks without making objects. */
    public DesiredRules packed() {
        return (DesiredRules) rules;
    }
}
