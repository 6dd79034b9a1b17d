package io.xdprecon.tests.model;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Stat;
import io.xdprecon.tests.packets.FrameView;

import java.util.EnumMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the datapath does with one frame, and every trace it leaves.
 *
 * @param action          the XDP verdict
 * @param redirectIfindex on REDIRECT out of an interface ({@code bpf_redirect}): that interface
 * @param xskQueue        on REDIRECT to AF_XDP ({@code bpf_redirect_map(&xsks_map, ...)}): the rx queue whose socket gets it
 * @param output          the frame as the program leaves it (what BPF_PROG_TEST_RUN returns as data_out)
 * @param stats           the increments of {@code xdp_counters}, only the counters that go up (each by 1)
 * @param flow            the increment of the rule's {@code xdp_flow_ctrs}, on a rule hit
 * @param flow6           the same for a hit of an IPv6 rule
 * @param localIpCounted  the destination whose {@code xdp_local_ips} counter went up by one, if any
 * @param localIp6Counted the same for {@code xdp_local_ips6}
 * @param fib             what the FIB answered, when it was asked
 * @param reason          the decision in words, for failure messages
 */
public record Outcome(
        XdpAction action,
        OptionalInt redirectIfindex,
        OptionalInt xskQueue,
        byte[] output,
        EnumMap<Stat, Long> stats,
        Optional<FlowIncrement> flow,
        Optional<FlowIncrement6> flow6,
        OptionalInt localIpCounted,
        Optional<IpAddress.V6> localIp6Counted,
        Optional<FibResult> fib,
        String reason) {

    /** One packet of {@code bytes} (the whole frame, Ethernet header and padding included) counted for {@code key}. */
    public record FlowIncrement(FlowKey key, FlowCounters delta) {}

    /** As {@link FlowIncrement}, for an IPv6 rule. */
    public record FlowIncrement6(FlowKey6 key, FlowCounters delta) {}

    public Outcome {
        Objects.requireNonNull(action, "action");
        stats = new EnumMap<>(stats);
    }

    /** By how much {@code stat} went up (0 or 1). */
    public long count(Stat stat) {
        return stats.getOrDefault(stat, 0L);
    }

    @Override
    public EnumMap<Stat, Long> stats() {
        return new EnumMap<>(stats);
    }

    /** Multi-line description for assertion messages. */
    public String describe() {
        StringBuilder text = new StringBuilder(action.name());
        redirectIfindex.ifPresent(ifindex -> text.append(" to if").append(ifindex));
        xskQueue.ifPresent(queue -> text.append(" to AF_XDP queue ").append(queue));
        text.append(" (").append(reason).append(")\n  stats ").append(stats.keySet());
        flow.ifPresent(increment -> text.append("\n  flow ").append(increment.key()).append(" +")
                .append(increment.delta().packets()).append(" packet, +").append(increment.delta().bytes()).append(" bytes"));
        flow6.ifPresent(increment -> text.append("\n  flow ").append(increment.key()).append(" +")
                .append(increment.delta().packets()).append(" packet, +").append(increment.delta().bytes()).append(" bytes"));
        localIpCounted.ifPresent(ip -> text.append("\n  local ip counter ").append(Ipv4.format(ip)).append(" +1"));
        localIp6Counted.ifPresent(ip -> text.append("\n  local ip counter ").append(ip).append(" +1"));
        fib.ifPresent(result -> text.append("\n  fib ").append(result));
        text.append("\n  output ").append(new FrameView(output).summary());
        return text.toString();
    }
}
