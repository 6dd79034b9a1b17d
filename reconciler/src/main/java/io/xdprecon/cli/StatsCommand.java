package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.Stat;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {
            "Print the datapath counters, each summed over CPUs.",
            "",
            "Rewrite hits/misses: UDP packets that did / did not match a rule. Hairpin TX and Redirect out:"
                + " rewritten packets forwarded in XDP. AF_XDP -> DPDK: misses toward a local IP handed to the"
                + " userspace loop; AF_XDP fallback: the same when no socket was bound. FIB -> kernel: rewritten"
                + " packets the kernel must forward (neighbour unknown, MTU, ...). Pass to kernel counts every"
                + " XDP_PASS."
        })
final class StatsCommand implements Callable<Integer> {
    @Mixin
    DatapathOptions datapath;

    @Option(names = "--json", description = "Print a JSON object {\"counter_name\": value, ...} instead of the dashboard.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<Stat, Long> stats;
        try (Datapath live = datapath.open()) {
            stats = live.stats().read();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Long> byName = new LinkedHashMap<>();
            stats.forEach((stat, value) -> byName.put(stat.name().toLowerCase(), value));
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(byName));
        } else {
            out.println("XDP datapath stats:");
            stats.forEach((stat, value) -> out.printf("  %-20s %d%n", stat.label(), value));
        }
        out.flush();
        return 0;
    }
}
