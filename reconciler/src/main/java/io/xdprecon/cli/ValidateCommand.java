package io.xdprecon.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigError;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.text.Escape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code xdprecon validate FILE...}: checks configs without touching the node. */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Check configs: YAML syntax, the schema (schema/flows.schema.json), and the meaning: unique names"
                + " and rule keys, declared interfaces, addresses and ports in range, port pools disjoint from each"
                + " other and from static flows, capacities. The base and every node override under 'nodes' are"
                + " checked. Whether a node's devices exist is checked by 'plan' on that node.",
            "",
            "The configs are FILE arguments, or one --source (file:PATH or git:URL, as `run` takes it; -c and --git are"
                + " its older spellings); with neither, XDPRECON_SOURCE of /etc/xdprecon/xdprecon.env.",
            "",
            "Prints 'FILE: ok (...)' for a valid config, or every problem as FILE:LINE:COL: MESSAGE on stderr."
                + " Nothing is written, nothing on the node is read. Exit status: 0 when every config is valid, 1"
                + " otherwise, 2 on a usage error.",
            "",
            "The format in brief: apiVersion: xdprecon.io/v1; interfaces (logical name -> device); localIps;"
                + " datapath (mode xdp|dpdk, attachMode, maxRules); flows (name, client, listen, egress, server:"
                + " two rules each); services (listen, backends, egress port pool, idleTimeout); tuning (hugepages,"
                + " per-interface queues and rssKey); nodes (per-node overrides). See examples/flows.yaml and"
                + " examples/README.md.",
        })
final class ValidateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "0..*",
            description = "Configs to check: files, or directories whose YAML files make one config together.")
    List<Path> files = List.of();

    @Mixin
    ConfigOptions source;

    @Option(names = "--json", description = "Print one JSON document (format xdprecon-validate/v1): each config with its"
            + " counts or its errors (file, line, column, message).")
    boolean json;

    @Spec
    CommandSpec spec;

    /** One config checked: its counts, or its errors. */
    private record Result(String name, Config config, List<ConfigError> errors, List<String> lines) {}

    @Override
    public Integer call() throws JsonProcessingException {
        if (!files.isEmpty() && source.given()) {
            throw new UsageException("give the configs as FILE arguments or as one --source, not both");
        }
        List<Result> results = new ArrayList<>();
        if (files.isEmpty()) {
            results.add(check(source.shown(), source::load));
        } else {
            for (Path file : files) {
                results.add(check(file.toString(), () -> ConfigLoader.load(file)));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean allValid = results.stream().allMatch(r -> r.config() != null);
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document(results, allValid)));
        } else {
            for (Result r : results) {
                if (r.config() != null) {
                    out.println(Escape.line(r.name()) + ": ok (" + count(r.config().flowCount(""), "flow") + ", "
                            + count(r.config().services("").size(), "service") + ", " + count(r.config().nodes().size(), "node")
                            + ")");
                } else {
                    r.lines().forEach(err::println);
                }
            }
        }
        out.flush();
        err.flush();
        return allValid ? 0 : 1;
    }

    private static Result check(String name, Supplier<Config> load) {
        try {
            return new Result(name, load.get(), List.of(), List.of());
        } catch (ConfigException e) {
            return new Result(name, null, e.errors(), e.lines());
        }
    }

    private static Map<String, Object> document(List<Result> results, boolean allValid) {
        List<Map<String, Object>> configs = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("config", r.name());
            c.put("valid", r.config() != null);
            if (r.config() != null) {
                c.put("flows", r.config().flowCount(""));
                c.put("services", r.config().services("").size());
                c.put("nodes", r.config().nodes());
            } else {
                List<Map<String, Object>> errors = new ArrayList<>();
                for (ConfigError e : r.errors()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("file", e.file().toString());
                    m.put("line", e.line());
                    m.put("column", e.column());
                    m.put("message", e.message());
                    errors.add(m);
                }
                c.put("errors", errors);
            }
            configs.add(c);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", "xdprecon-validate/v1");
        doc.put("valid", allValid);
        doc.put("configs", configs);
        return doc;
    }

    private static String count(int items, String noun) {
        return items + " " + noun + (items == 1 ? "" : "s");
    }
}
