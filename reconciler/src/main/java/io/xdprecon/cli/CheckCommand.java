package io.xdprecon.cli;

import io.xdprecon.check.CheckReport;
import io.xdprecon.check.CheckResult;
import io.xdprecon.check.Preflight;
import io.xdprecon.check.Target;
import io.xdprecon.config.InterfaceResolver;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Check that this node can run the datapath, before anything is written (like `flux check --pre`).",
            "",
            "One line per check, ok, warn or fail, each not-ok line with its fix: the kernel (5.8 or later), kernel BTF,"
                + " the bpffs at --pin-root, the privileges (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN), the libbpf and"
                + " DPDK versions, the BPF JIT, and the admin address (free, or answered by a running daemon). With a"
                + " config (-c or --git, and --node), for each of its devices: that it exists and is up, that its driver"
                + " has native XDP with redirect (as the kernel reports it, 6.3 and later), and the sysctls the"
                + " datapath needs (net.ipv4.conf.DEV.forwarding and accept_local); in dpdk mode the huge pages its"
                + " tuning reserves. Nothing is changed. `plan` and `apply` print the same checks when they are not ok.",
            "",
            "Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.",
        })
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Mixin
    DatapathOptions datapath;

    @Option(names = "--admin", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9477",
            description = "The admin address the daemon listens on (default: ${DEFAULT-VALUE}); 'off' for none.")
    String admin;

    @Option(names = "--json", description = "Print the checks as one JSON document (format xdprecon-check/v1).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Optional<Target> target = Optional.empty();
        CheckResult invalid = null;
        if (config.available()) {
            try {
                target = Optional.of(Target.of(config.desired(presentOrStandIn())));
            } catch (CliException e) {
                invalid = new CheckResult("config", CheckResult.Status.FAIL, e.getMessage(),
                        Optional.of("fix the config (xdprecon validate FILE shows every error)"));
            }
        }
        List<CheckResult> results = new ArrayList<>(Preflight.run(target, datapath.pinRoot, Optional.of(admin)));
        if (invalid != null) {
            CheckResult configLine = invalid;
            results.replaceAll(r -> r.name().equals("config") ? configLine : r);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? CheckReport.json(results) + "\n" : CheckReport.text(results));
        out.flush();
        return Preflight.count(results, CheckResult.Status.FAIL) == 0 ? 0 : 1;
    }

    /**
     * The devices of this network namespace; a device the node lacks gets a stand-in index so the config still
     * resolves, and the device's own check says it is missing.
     */
    private static InterfaceResolver presentOrStandIn() {
        InterfaceResolver here = InterfaceResolver.currentNetns();
        return device -> {
            OptionalInt ifindex = here.ifindex(device);
            return ifindex.isPresent() ? ifindex : OptionalInt.of(Integer.MAX_VALUE);
        };
    }
}
