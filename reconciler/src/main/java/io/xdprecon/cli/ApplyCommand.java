package io.xdprecon.cli;

import io.xdprecon.apply.Applier;
import io.xdprecon.apply.ApplyFailedException;
import io.xdprecon.apply.ApplyRefusedException;
import io.xdprecon.check.CheckResult;
import io.xdprecon.check.Preflight;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.PlanFile;
import io.xdprecon.plan.PlanFileException;
import io.xdprecon.plan.PlanOrigin;
import io.xdprecon.plan.PlanRenderer;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Make this node match the config (or a plan saved with `plan --out`).",
            "",
            "Prints the plan, then writes in make-before-break order: datapath and tuning, local IPs, every added"
                + " or changed rule (batched), then deleted rules and removed local IPs. Unchanged flows are never"
                + " touched, and a changed rule keeps its counters. Nothing is written when the config is invalid,"
                + " when more than half of the config's rules would go (without --allow-mass-delete), when a change"
                + " disrupts traffic (without --allow-disruptive), or when a saved plan no longer matches the node."
                + " If a step fails, apply stops, reads the node again and lists what landed; running it again"
                + " converges.",
            "",
            "Without the privileges to write BPF maps and attach XDP (root, or CAP_BPF and CAP_NET_ADMIN) apply refuses"
                + " before anything else; the other checks of `xdprecon check` that are not ok are printed on stderr."
        })
final class ApplyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Mixin
    DatapathOptions datapath;

    @Parameters(arity = "0..1", paramLabel = "PLANFILE", description = "A plan saved by `xdprecon plan --out`, instead of -c.")
    Path planFile;

    @Option(names = "--allow-mass-delete", description = "Allow a plan that deletes every config rule, or more than half of them.")
    boolean allowMassDelete;

    @Option(names = "--allow-disruptive", description = "Allow changes that interrupt traffic or starve the node (NIC queue counts, huge pages over half its memory).")
    boolean allowDisruptive;

    @Spec
    CommandSpec spec;

    /**
     * A saved plan applies only on the node it was made for, from its live maps: the plan's own reasons come
     * before its check of the live state, which would refuse either as "the live state changed".
     */
    private void checkMadeForThisNode(PlanFile.Saved saved) {
        String node = saved.plan().node();
        if (saved.origin().map(PlanOrigin::offline).orElse(false)) {
            throw new CliException("plan file " + planFile + " was made with plan --offline (on host "
                    + saved.origin().get().host() + "): node " + node + "'s full create plan, made without reading any"
                    + " node, cannot be applied; run plan on the node itself, or apply -c CONFIG there");
        }
        if (!node.equals(config.node())) {
            throw new CliException("plan file " + planFile + " is for node " + node
                    + saved.origin().map(o -> " (made on host " + o.host() + ")").orElse("") + ", but this is node "
                    + config.node() + " (--node, default the host name): refusing to apply another node's plan");
        }
    }

    @Override
    public Integer call() {
        CheckResult privileges = Preflight.privileges();
        if (privileges.status() == CheckResult.Status.FAIL) {
            throw new CliException("refused, nothing was changed: " + privileges.detail() + "; "
                    + privileges.fix().orElseThrow());
        }
        if ((planFile == null) == !config.given()) {
            throw new CliException("give either -c CONFIG or a saved PLANFILE, not " + (planFile == null ? "neither" : "both"));
        }
        LiveStateReader reader = new LiveStateReader(datapath.pinRoot, new TuningReader()::read);
        Plan plan;
        if (planFile != null) {
            PlanFile.Saved saved;
            try {
                saved = PlanFile.loadSaved(planFile);
            } catch (PlanFileException e) {
                throw new CliException(e.getMessage());
            }
            plan = saved.plan();
            checkMadeForThisNode(saved);
        } else {
            DesiredState desired = config.desired();
            PlanCommand.warnOfChecks(spec, desired, datapath.pinRoot);
            plan = Planner.plan(desired, reader.read(desired));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(PlanRenderer.render(plan, datapath.pinRoot));
        if (!plan.hasChanges() && plan.errors().isEmpty()) {
            out.flush();
            return 0;
        }
        out.println();
        out.println("Applying:");
        out.flush();
        Applier applier = new Applier(reader, new TuningApplier()::apply, line -> {
            out.println(line);
            out.flush();
        });
        long start = System.nanoTime();
        try {
            List<Applier.Step> steps = applier.apply(plan, new Applier.Options(allowMassDelete, allowDisruptive));
            Plan.Summary summary = plan.summary();
            out.printf("Apply complete: %d added, %d changed, %d destroyed in %.1f ms (%d steps).%n",
                    summary.add(), summary.change(), summary.destroy(), (System.nanoTime() - start) / 1e6, steps.size());
            out.flush();
            return 0;
        } catch (ApplyRefusedException | ApplyFailedException e) {
            throw new CliException(e.getMessage());
        }
    }
}
