package io.xdprecon.state;

import io.xdprecon.dataplane.bpf.XdpMode;
import java.util.Map;
import java.util.Objects;

/**
 * How the datapath runs on this node. In {@link Mode#XDP} xdprecon loads the program and attaches it to
 * {@code attachTo} itself; in {@link Mode#DPDK} DPDK's AF_XDP PMD does, and xdprecon only writes maps.
 *
 * @param attachTo   kernel interface name → ifindex of every interface the config names
 * @param maxRules   capacity of the rules map (two rules per static flow)
 */
public record DatapathSettings(Mode mode, XdpMode attachMode, int maxRules, Map<String, Integer> attachTo) {
    public enum Mode { XDP, DPDK }

    public DatapathSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(attachMode, "attachMode");
        attachTo = Map.copyOf(attachTo);
        if (maxRules < 2) {
            throw new IllegalArgumentException("maxRules must be at least 2: " + maxRules);
        }
    }
}
