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
import io.xdprecon.plan.PlanJson;
import io.xdprecon.plan.PlanRenderer;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdprecon.plan.Planner;
import io.xdprecon.state.DesiredState;
import io.xdprecon.tuning.TuningApplier;
import io.xdprecon.tuning.TuningReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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
    /** Jackson's default pretty printer, as {@code apply --json} has always indented. */
    private static final ObjectWriter RESULT = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writer();

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

    @Option(names = "--json", description = "Print one JSON document instead of the plan and the steps (format"
            + " xdprecon-apply/v1): the plan as `plan --json` prints it, whether it was applied, the counts, the steps"
            + " and the time. A refusal or failure is one line on stderr, exit 1, as without --json.")
    boolean json;

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
        if (planFile == null && !config.available()) {
            config.config(); // says what is missing, as a usage error
        }
        CheckResult privileges = Preflight.privileges();
        if (privileges.status() == CheckResult.Status.FAIL) {
            throw new CliException("refused, nothing was changed: " + privileges.detail() + "; "
                    + privileges.fix().orElseThrow());
        }
        if (planFile != null && config.given()) {
            throw new UsageException("give either a config (--source, -c) or a saved PLANFILE, not both");
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
            LiveStateReader.WithRules live = reader.readPacked(desired);
            plan = Planner.plan(desired, live.facts(), live.rules());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            PlanRenderer.render(plan, datapath.pinRoot, out);
        }
        if (!plan.hasChanges() && plan.errors().isEmpty()) {
            if (json) {
                writeResult(out, plan, List.of(), 0);
            }
            out.flush();
            return 0;
        }
        if (!json) {
            out.println();
            out.println("Applying:");
        }
        out.flush();
        List<String> lines = new java.util.ArrayList<>();
        Applier applier = new Applier(reader, new TuningApplier()::apply, line -> {
            if (json) {
                lines.add(line);
            } else {
                out.println(line);
                out.flush();
            }
        });
        long start = System.nanoTime();
        try {
            List<Applier.Step> steps = applier.apply(plan, new Applier.Options(allowMassDelete, allowDisruptive));
            Plan.Summary summary = plan.summary();
            if (json) {
                writeResult(out, plan, lines, (System.nanoTime() - start) / 1e6);
                out.flush();
                return 0;
            }
            out.printf("Apply complete: %d added, %d changed, %d destroyed in %.1f ms (%d steps).%n",
                    summary.add(), summary.change(), summary.destroy(), (System.nanoTime() - start) / 1e6, steps.size());
            out.flush();
            return 0;
        } catch (ApplyRefusedException | ApplyFailedException e) {
            throw new CliException(e.getMessage());
        }
    }

    /**
     * The document of {@code apply --json}, and a line break: the plan, what was done, and how long it took. Written as
     * it is made, the plan a flow at a time: a full map's plan as a tree of nodes ran out of the unit's heap.
     */
    private static void writeResult(PrintWriter out, Plan plan, List<String> steps, double millis) {
        Plan.Summary summary = plan.summary();
        try (JsonGenerator doc = RESULT.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            doc.writeStartObject();
            doc.writeStringField("format", "xdprecon-apply/v1");
            doc.writeFieldName("plan");
            PlanJson.write(plan, null, doc);
            doc.writeBooleanField("applied", plan.hasChanges());
            doc.writeNumberField("added", summary.add());
            doc.writeNumberField("changed", summary.change());
            doc.writeNumberField("destroyed", summary.destroy());
            doc.writeArrayFieldStart("steps");
            for (String step : steps) {
                doc.writeString(step);
            }
            doc.writeEndArray();
            doc.writeNumberField("millis", Math.round(millis * 10) / 10.0);
            doc.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a PrintWriter does not throw", e);
        }
        out.println();
    }
}
