package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.text.Escape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xdprecon validate FILE...}: checks configs without touching the node. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {
            "Check config files: YAML syntax, the schema (schema/flows.schema.json), and the meaning: unique names"
                + " and rule keys, declared interfaces, addresses and ports in range, port pools disjoint from each"
                + " other and from static flows, capacities. The base and every node override under 'nodes' are"
                + " checked. Whether a node's devices exist is checked by 'plan' on that node.",
            "",
            "Prints 'FILE: ok (...)' for a valid file, or every problem as FILE:LINE:COL: MESSAGE on stderr."
                + " Nothing is written, nothing on the node is read. Exit status: 0 when every file is valid, 1"
                + " otherwise.",
            "",
            "The format in brief: apiVersion: xdprecon.io/v1; interfaces (logical name -> device); localIps;"
                + " datapath (mode xdp|dpdk, attachMode, maxRules); flows (name, client, listen, egress, server:"
                + " two rules each); services (listen, backends, egress port pool, idleTimeout); tuning (hugepages,"
                + " per-interface queues and rssKey); nodes (per-node overrides). See examples/flows.yaml and"
                + " examples/README.md.",
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*",
            description = "Configs to check: files, or directories whose YAML files make one config together.")
    List<Path> files;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean allValid = true;
        for (Path file : files) {
            try {
                Config config = ConfigLoader.load(file);
                out.println(Escape.line(file.toString()) + ": ok (" + count(config.flowCount(""), "flow") + ", "
                        + count(config.services("").size(), "service") + ", " + count(config.nodes().size(), "node") + ")");
            } catch (ConfigException e) {
                allValid = false;
                e.lines().forEach(err::println);
            }
        }
        out.flush();
        err.flush();
        return allValid ? 0 : 1;
    }

    private static String count(int items, String noun) {
        return items + " " + noun + (items == 1 ? "" : "s");
    }
}
