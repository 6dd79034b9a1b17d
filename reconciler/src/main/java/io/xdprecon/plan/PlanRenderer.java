package io.xdprecon.plan;

import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.text.Columns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The text plan, terraform-like: a header, one block per kind of resource with {@code +} (add),
 * {@code ~} (change), {@code -/+} (session rule replaced) and {@code -} (destroy), warnings and errors,
 * and as its last line exactly {@code Plan: N to add, N to change, N to destroy.} or {@code No changes.},
 * which scripts may match.
 *
 * <pre>
 * Node edge-1, config edge.yaml, datapath mode xdp.
 * No live datapath under /sys/fs/bpf: this is the full create plan.
 *
 * Datapath:
 *   + load xdp_main and its maps (room for 1024 rules)
 *   + attach xdp_main to ens3 (ifindex 3, native)
 *
 * Local IPs:
 *   + 203.0.113.10
 *
 * Flows:
 *   + flow rtp-1
 *       + ens3 198.51.100.20:40000 -> 203.0.113.10:30000 => ens4 10.0.0.1:40000 -> 10.0.0.20:5004
 *       + ens4 10.0.0.20:5004 -> 10.0.0.1:40000 => ens3 203.0.113.10:30000 -> 198.51.100.20:40000
 *   ~ flow rtp-2
 *       ~ ens3 198.51.100.21:40000 -> 203.0.113.10:30002
 *           was => ens4 10.0.0.1:40002 -> 10.0.0.20:5006
 *           now => ens4 10.0.0.1:40002 -> 10.0.0.21:5006
 *
 * Tuning:
 *   ~ queues ens5: 2 -> 4 (disruptive: resets the NIC; needs --allow-disruptive)
 *
 * Plan: 4 to add, 2 to change, 0 to destroy.
 * </pre>
 */
public final class PlanRenderer {
    private static final String INDENT = "  ";

    private PlanRenderer() {}

    /** The plan, naming no pin root in the "no live datapath" line. */
    public static String render(Plan plan) {
        return rendered(out -> render(plan, Optional.empty(), false, out));
    }

    /**
     * Ifindexes from here on are stand-ins: a plan made offline ({@code plan --offline}) gives the devices of
     * another node such numbers only so its rules can be keyed; they are shown by their device names alone.
     */
    public static final int STAND_IN_IFINDEX = 1 << 30;

    /** An offline plan: another node's full create plan, nothing on this host read. */
    public static String renderOffline(Plan plan) {
        return rendered(out -> renderOffline(plan, out));
    }

    /** {@link #renderOffline(Plan)}, written to {@code out} a line at a time. */
    public static void renderOffline(Plan plan, PrintWriter out) {
        render(plan, Optional.empty(), true, out);
    }

    /** The plan, naming the bpffs directory where no maps were found when the datapath is absent. */
    public static String render(Plan plan, Path pinRoot) {
        return rendered(out -> render(plan, pinRoot, out));
    }

    /**
     * {@link #render(Plan, Path)}, written to {@code out} a line at a time: the plan of 262,144 flows is some 60 MB of
     * text, which as one String ran out of the unit's 144 MB heap; its rows are made one flow at a time from the
     * packed plan and written as they are made.
     */
    public static void render(Plan plan, Path pinRoot, PrintWriter out) {
        render(plan, Optional.of(pinRoot), false, out);
    }

    private static String rendered(Consumer<PrintWriter> render) {
        StringWriter text = new StringWriter();
        render.accept(new PrintWriter(text));
        return text.toString();
    }

    private static void render(Plan plan, Optional<Path> pinRoot, boolean offline, PrintWriter out) {
        InterfaceNames names = new InterfaceNames(plan.interfaces());
        out.append("Node ").append(plan.node()).append(", config ").append(plan.source()).append(", datapath mode ")
                .append(plan.mode().name().toLowerCase(Locale.ROOT)).append(".\n");
        if (offline) {
            out.append("Offline: nothing on this host was read; this is node ").append(plan.node())
                    .append("'s full create plan.\n");
        } else if (plan.datapathAbsent()) {
            out.append("No live datapath").append(pinRoot.map(p -> " under " + p).orElse(""))
                    .append(": this is the full create plan.\n");
        }

        if (!plan.datapath().isEmpty()) {
            out.append("\nDatapath:\n");
            for (DatapathChange change : plan.datapath()) {
                out.append(INDENT).append(change.kind().symbol()).append(' ').append(describe(change)).append('\n');
            }
        }
        if (!plan.localIps().isEmpty()) {
            out.append("\nLocal IPs:\n");
            for (LocalIpChange change : plan.localIps()) {
                out.append(INDENT).append(change.kind().symbol()).append(' ').append(Ipv4.format(change.ip()))
                        .append('\n');
            }
        }
        for (LocalIp6Change change : plan.localIps6()) {
            if (plan.localIps().isEmpty() && change == plan.localIps6().getFirst()) {
                out.append("\nLocal IPs:\n");
            }
            out.append(INDENT).append(change.kind().symbol()).append(' ').append(change.ip().toString()).append('\n');
        }
        if (!plan.flows().isEmpty() || !plan.flows6().isEmpty()) {
            out.append("\nFlows:\n");
            for (FlowChange flow : plan.flows()) {
                out.append(INDENT).append(flow.kind().symbol()).append(' ')
                        .append(flow.flow().map(name -> "flow " + name).orElse("flow not in the config"))
                        .append('\n');
                for (RuleChange rule : flow.rules()) {
                    appendRule(out, rule, names);
                }
            }
            for (Flow6Change flow : plan.flows6()) {
                out.append(INDENT).append(flow.kind().symbol()).append(' ')
                        .append(flow.flow().map(name -> "flow " + name).orElse("flow not in the config"))
                        .append('\n');
                for (Rule6Change rule : flow.rules()) {
                    appendRule6(out, rule, names);
                }
            }
        }
        if (!plan.tuning().isEmpty()) {
            out.append("\nTuning:\n");
            for (TuningChange change : plan.tuning()) {
                String line = change.id() + ": " + valueOrUnknown(change) + " -> "
                        + change.after().value() + (change.disruptive() ? " (disruptive: "
                                + change.disruption() + "; needs " + Plan.DISRUPTIVE_FLAG + ")" : "");
                Columns.wrap(line, Columns.WIDTH, INDENT + change.kind().symbol() + ' ', INDENT + "    ")
                        .forEach(l -> out.append(l).append('\n'));
            }
        }
        appendMessages(out, "Warnings:", plan.warnings());
        appendMessages(out, "Errors:", plan.errors());
        plan.guard().refusal().ifPresent(refusal -> out.append('\n').append(refusal).append('\n'));

        out.append('\n').append(plan.summary().line()).append('\n');
        out.flush();
    }

    private static void appendRule(PrintWriter out, RuleChange rule, InterfaceNames names) {
        appendLeg(out, rule.kind(), names.format(rule.key()), rule.before().map(FlowRule::owner),
                showOwner -> describe(rule.before().orElseThrow(), names, showOwner),
                showOwner -> describe(rule.after().orElseThrow(), names, showOwner));
    }

    /** {@link #appendRule} for an IPv6 rule: addresses in RFC 5952 form, in brackets before the port. */
    private static void appendRule6(PrintWriter out, Rule6Change rule, InterfaceNames names) {
        appendLeg(out, rule.kind(), names.format(rule.key()), rule.before().map(FlowRule6::owner),
                showOwner -> describe6(rule.before().orElseThrow(), names, showOwner),
                showOwner -> describe6(rule.after().orElseThrow(), names, showOwner));
    }

    /** One leg of either family: its key, then its rewrite (an add or delete) or what it was and is now. */
    private static void appendLeg(PrintWriter out, Change.Kind kind, String key, Optional<Owner> beforeOwner,
            Function<Boolean, String> before, Function<Boolean, String> after) {
        String legIndent = INDENT + INDENT + INDENT;
        out.append(legIndent).append(kind.symbol()).append(' ').append(key);
        switch (kind) {
            case ADD -> out.append(" => ").append(after.apply(false)).append('\n');
            case DELETE -> out.append(" => ").append(before.apply(beforeOwner.orElseThrow() != Owner.CONFIG)).append('\n');
            case CHANGE, REPLACE -> {
                // Owners are shown only where they differ: session → config, or a rule of no known owner.
                boolean showOwner = kind == Change.Kind.REPLACE || beforeOwner.orElseThrow() != Owner.CONFIG;
                String beforeAfterIndent = legIndent + INDENT + INDENT;
                out.append('\n');
                out.append(beforeAfterIndent).append("was => ").append(before.apply(showOwner)).append('\n');
                out.append(beforeAfterIndent).append("now => ").append(after.apply(showOwner)).append('\n');
            }
        }
    }

    private static String describe6(FlowRule6 rule, InterfaceNames names, boolean showOwner) {
        String target = names.format(rule.rewrite());
        return showOwner ? target + " (" + rule.owner().name().toLowerCase(Locale.ROOT) + "-owned)" : target;
    }

    private static String describe(FlowRule rule, InterfaceNames names, boolean showOwner) {
        String target = names.format(rule.rewrite());
        if (!showOwner) {
            return target;
        }
        return target + (rule.owner() == Owner.UNKNOWN ? " (" + rule.ownerName() + ")" : " (" + rule.ownerName() + "-owned)");
    }

    private static String describe(DatapathChange change) {
        return switch (change) {
            case DatapathChange.Load load ->
                    "load " + Planner.PROGRAM_NAME + " and its maps (room for " + load.maxRules() + " rules)";
            case DatapathChange.Migrate migrate -> (migrate.fromLayout() == migrate.toLayout() ? ""
                    : "layout " + migrate.fromLayout() + " -> " + migrate.toLayout() + ", ") + "rules map "
                    + migrate.fromCapacity() + " -> " + migrate.toCapacity() + " entries (migrate " + migrate.rules()
                    + " rules, counters kept)";
            case DatapathChange.Attach attach -> "attach " + Planner.PROGRAM_NAME + " to " + attach.iface()
                    + " (" + (attach.ifindex() >= STAND_IN_IFINDEX ? "" : "ifindex " + attach.ifindex() + ", ")
                    + modeName(attach.mode()) + ")"
                    + (attach.replacesProgramId().isPresent()
                            ? ", replacing program id " + attach.replacesProgramId().getAsInt() : "");
            case DatapathChange.ChangeAttachMode mode -> Planner.PROGRAM_NAME + " on " + mode.iface() + " (ifindex "
                    + mode.ifindex() + "): " + modeName(mode.from()) + " -> " + modeName(mode.to())
                    + " (detached and attached again; the tc bridge forwards meanwhile)";
        };
    }

    private static String modeName(XdpMode mode) {
        return mode == XdpMode.AUTO ? "native if supported, else generic" : mode.name().toLowerCase(Locale.ROOT);
    }

    private static void appendMessages(PrintWriter out, String heading, List<String> messages) {
        if (messages.isEmpty()) {
            return;
        }
        out.append('\n').append(heading).append('\n');
        // a message is read, not parsed (--json has it whole): broken at spaces to fit, under its first word
        messages.forEach(m -> Columns.wrap(m, Columns.WIDTH, INDENT + "- ", INDENT + "  ")
                .forEach(line -> out.append(line).append('\n')));
    }

    /** The live value as shown, {@code (unknown)} when the node could not report it. */
    static String valueOrUnknown(TuningChange change) {
        return change.before().map(b -> b.value()).orElse("(unknown)");
    }
}
