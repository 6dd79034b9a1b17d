package io.xdprecon.cli;

import io.xdprecon.check.CheckReport;
import io.xdprecon.check.Preflight;
import io.xdprecon.check.Target;
import io.xdprecon.config.Config;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.PlanFile;
import io.xdprecon.plan.PlanOrigin;
import io.xdprecon.plan.PlanJson;
import io.xdprecon.plan.PlanRenderer;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tuning.TuningReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Show exactly what apply would change on this node, and change nothing.",
            "",
            "Compares the config (resolved for --node, interfaces looked up on this host) with the live pinned maps,"
                + " the XDP programs on the config's interfaces and the tuning it names. Lines: + add, ~ change,"
                + " - destroy, -/+ replace (a config rule taking over a session rule). The last line is"
                + " 'Plan: N to add, N to change, N to destroy.' or 'No changes.'. Rules owned by DPDK sessions are"
                + " never shown unless the config claims their key.",
            "",
            "Before planning, the checks of `xdprecon check` that are not ok for this node are printed on stderr.",
            "",
            "Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present"
                + " (--detailed-exitcode only)."
        })
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Mixin
    DatapathOptions datapath;

    @Option(names = "--json", description = "Print the plan as JSON (format xdprecon-plan/v1, see docs/plan-json.md).")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "Also save the plan, for `xdprecon apply FILE`.")
    Path out;

    @Option(names = "--offline",
            description = "Plan another node's config away from it: its interfaces are not looked up here and the live state"
                    + " is taken as empty, so the plan is that node's full create plan (interfaces shown by name).")
    boolean offline;

    @Option(names = "--detailed-exitcode", description = "Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.")
    boolean detailedExitCode;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Plan plan;
        if (offline) {
            // Stand-in ifindexes, one per device name, only so rules can be shown; nothing is read or written.
            java.util.Map<String, Integer> standIns = new java.util.HashMap<>();
            DesiredState desired = config.desired(device -> java.util.OptionalInt.of(
                    standIns.computeIfAbsent(device, d -> PlanRenderer.STAND_IN_IFINDEX + standIns.size())));
            plan = Planner.plan(desired, io.xdprecon.state.LiveState.absent(java.util.List.of(), java.util.Map.of()));
            if (plan.errors().contains(Planner.DPDK_NOT_RUNNING)) {
                // on its node the DPDK loop (xdprecon run) loads the datapath before the plan applies: no error here
                java.util.List<String> warnings = new java.util.ArrayList<>(plan.warnings());
                warnings.add("offline: on node " + plan.node() + " the DPDK loop (xdprecon run) loads the datapath before"
                        + " this plan applies");
                plan = new Plan(plan.node(), plan.source(), plan.mode(), plan.datapathAbsent(), plan.interfaces(),
                        plan.datapath(), plan.localIps(), plan.flows(), plan.tuning(), plan.guard(), warnings,
                        plan.errors().stream().filter(e -> !e.equals(Planner.DPDK_NOT_RUNNING)).toList(), plan.fingerprint());
            }
        } else {
            DesiredState desired = config.desired();
            warnOfChecks(spec, desired, datapath.pinRoot);
            LiveStateReader.WithRules live = new LiveStateReader(datapath.pinRoot, new TuningReader()::read).readPacked(desired);
            plan = Planner.plan(desired, live.facts(), live.rules());
        }
        // Written as it is made, a flow at a time: a full map's plan as one String ran out of the unit's heap.
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            try {
                PlanJson.write(plan, null, stdout);
            } catch (IOException e) {
                throw new UncheckedIOException("a PrintWriter does not throw", e);
            }
            stdout.print("\n");
        } else if (offline) {
            PlanRenderer.renderOffline(plan, stdout);
        } else {
            PlanRenderer.render(plan, datapath.pinRoot, stdout);
        }
        stdout.flush();
        if (out != null) {
            PlanFile.save(plan, new PlanOrigin(Config.defaultNode(), offline), out);
            spec.commandLine().getErr().println("Saved the plan to " + out + ": apply it with `xdprecon apply " + out + "`.");
        }
        if (!plan.errors().isEmpty()) {
            return 1;
        }
        return detailedExitCode ? plan.detailedExitCode() : 0;
    }

    /** The checks of `xdprecon check` for this node that are not ok, on stderr: what would keep the plan from working. */
    static void warnOfChecks(CommandSpec spec, DesiredState desired, Path pinRoot) {
        String notOk = CheckReport.notOk(Preflight.run(Optional.of(Target.of(desired)), pinRoot, Optional.empty()));
        if (!notOk.isEmpty()) {
            spec.commandLine().getErr().print(notOk);
            spec.commandLine().getErr().flush();
        }
    }
}
