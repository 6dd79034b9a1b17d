package io.xdprecon.plan;

import static io.xdprecon.plan.Fixtures.EGRESS_IF;
import static io.xdprecon.plan.Fixtures.LISTEN_IF;
import static io.xdprecon.plan.Fixtures.LISTEN_IP;
import static io.xdprecon.plan.Fixtures.MAX_RULES;
import static io.xdprecon.plan.Fixtures.attachedEverywhere;
import static io.xdprecon.plan.Fixtures.dpdk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.ConfigInput;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.Direction;
import io.xdprecon.state.LiveState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The daemon's plan of a new revision, made from the previous revision and point lookups of only the
 * keys the two disagree on, must be the very plan a full read of the node gives: same changes, names,
 * order, warnings, errors, guard and fingerprint. Random edits on random nodes, without privileges.
 */
class PlanChangeTest {
    private static final int RUNS = 3000;

    @Test
    void planOfTheChangeEqualsTheFullPlanForRandomEdits() {
        Random random = new Random(20261125);
        int nonEmpty = 0;
        for (int run = 0; run < RUNS; run++) {
            Node node = Node.random(random);
            Map<FlowKey, FlowRule> live = node.live(random);
            Baseline baseline = Baseline.of(node.desired());
            // Revision after revision, the baseline carried over only the keys each one touched.
            for (int revision = 0; revision < 3; revision++) {
                node.edit(random, live);
                DesiredState next = node.desired();
                RevisionDiff diff = RevisionDiff.between(baseline.desired(), next);

                Plan full = Planner.plan(next, liveState(live, node.liveIps));
                Plan change = planChange(baseline, next, diff, live, node.liveIps).orElseThrow(
                        () -> new AssertionError("no drift, yet the change was not planned"));
                assertEquals(full, change, "run " + run + " revision " + revision);
                nonEmpty += full.hasChanges() ? 1 : 0;

                applied(full, live);
                node.liveIps = Set.copyOf(node.localIps);
                baseline = baseline.next(next, diff);
            }
        }
        assertTrue(nonEmpty > RUNS, "most revisions change something: " + nonEmpty);
    }

    /**
     * A config directory's history, file by file, through the daemon's loader ({@link ConfigCache}): files added,
     * removed, renamed, flows edited and moved between files. Each revision's plan from the last one equals the full
     * plan; a flow moved to another file, or a file renamed, plans as no change; only files of new content (or at a
     * new path) are read. The cache's desired rules (an unchanged file's taken from the last load, merged with the
     * files read) are those a load from nothing builds, and so are its errors: a file that repeats another's flow
     * (name, egress and keys taken twice) is refused with the errors of a full load, against the index of flows the
     * cache keeps; the base's interfaces declared in another order number the devices anew.
     */
    @Test
    void multiFileHistoriesPlanTheChangeAsTheFullPlanAndAMovedFlowAsNoChange() {
        Random random = new Random(20261204);
        Path root = Path.of("/etc/xdprecon/fleet");
        InterfaceResolver devices = InterfaceResolver.of(Fixtures.INTERFACES);
        ConfigCache cache = new ConfigCache();
        Map<String, List<int[]>> files = new java.util.TreeMap<>(); // path -> flows {index, variant}
        int[] nextFlow = {0};
        for (int f = 0; f < 4; f++) {
            files.put("flows/" + f + ".yaml", newFlows(random, nextFlow, 1 + random.nextInt(6)));
        }
        boolean[] swapped = {false};
        Map<String, String> before = texts(files, swapped[0]);
        DesiredState desired = cache.load(root, inputs(root, before), "n", devices).desired();
        Map<FlowKey, FlowRule> live = new HashMap<>();
        Set<Integer> liveIps = Set.of();
        applied(Planner.plan(desired, liveState(live, liveIps)), live);
        liveIps = desired.localIps();
        Baseline baseline = Baseline.of(desired);
        int moves = 0;
        int renames = 0;
        int refused = 0;
        for (int revision = 0; revision < 400; revision++) {
            List<String> names = new ArrayList<>(files.keySet());
            String some = names.get(random.nextInt(names.size()));
            int op = random.nextInt(8);
            if (op == 6) { // a file repeating a flow of another: refused as a load from nothing refuses it
                Map<String, List<int[]>> bad = new java.util.TreeMap<>(files);
                int[] repeated = files.get(some).get(random.nextInt(files.get(some).size())).clone();
                bad.put("flows/d" + revision + ".yaml", new ArrayList<>(List.of(repeated)));
                List<ConfigInput> badInputs = inputs(root, texts(bad, swapped[0]));
                ConfigException full = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                        () -> ConfigLoader.load(root, badInputs));
                ConfigException cached = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                        () -> cache.load(root, badInputs, "n", devices));
                assertEquals(full.lines(), cached.lines(), "revision " + revision);
                assertTrue(cached.lines().size() >= 3, "name, egress and keys taken twice: " + cached.lines());
                refused++;
                continue; // the next revision goes on from the last good one
            }
            boolean noChange = false;
            switch (op) {
                case 0 -> files.put("flows/n" + revision + ".yaml", newFlows(random, nextFlow, 1 + random.nextInt(4)));
                case 1 -> {
                    if (files.size() > 1) {
                        files.remove(some);
                    }
                }
                case 2 -> { // a rename: the same text at another path
                    files.put("flows/r" + revision + ".yaml", files.remove(some));
                    noChange = true;
                    renames++;
                }
                case 3 -> { // a flow moved to another file
                    String to = names.get(random.nextInt(names.size()));
                    if (!to.equals(some) && files.get(some).size() > 1) {
                        List<int[]> from = files.get(some);
                        files.get(to).add(from.remove(random.nextInt(from.size())));
                        noChange = true;
                        moves++;
                    }
                }
                case 4 -> { // a flow edited (its server port: a key moves)
                    List<int[]> flows = files.get(some);
                    flows.get(random.nextInt(flows.size()))[1] = random.nextInt(3);
                }
                case 7 -> { // the base's interfaces in the other order: devices numbered anew, the same rules
                    swapped[0] = !swapped[0];
                    noChange = true;
                }
                default -> files.get(some).addAll(newFlows(random, nextFlow, 1));
            }
            Map<String, String> texts = texts(files, swapped[0]);
            DesiredState next = cache.load(root, inputs(root, texts), "n", devices).desired();
            assertTrue(next.packed().samePacked(ConfigLoader.load(root, inputs(root, texts)).forNode("n", devices).packed()),
                    "revision " + revision + " (operation " + op + "): the cache's rules are a full load's");
            long changedFiles = texts.entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey()))).count();
            assertEquals(changedFiles, cache.lastReads().read(), "revision " + revision + ": only new content is read");
            RevisionDiff diff = RevisionDiff.between(baseline.desired(), next);
            Plan full = Planner.plan(next, liveState(live, liveIps));
            Plan change = planChange(baseline, next, diff, live, liveIps).orElseThrow(
                    () -> new AssertionError("no drift, yet the change was not planned"));
            assertEquals(full, change, "revision " + revision + " (operation " + op + ")");
            if (noChange) {
                assertTrue(diff.keys().isEmpty() && !full.hasChanges(), "revision " + revision
                        + ": a rename or a flow moved between files is no change: " + full.summary().line());
            }
            applied(full, live);
            liveIps = next.localIps();
            baseline = baseline.next(next, diff);
            before.clear();
            before.putAll(texts);
        }
        assertTrue(moves > 20 && renames > 20 && refused > 20, "moves " + moves + ", renames " + renames + ", refused " + refused);
    }

    /**
     * A revision that edits every flow (each flow's server port moves: its forward rule changes, its reverse rule
     * moves to another key), removes some and adds others is planned packed ({@link ChangedFlows}, no object per
     * change) from the previous revision as from a full read (packed too), summary included.
     */
    @Test
    void anEditOfEveryFlowIsPlannedPackedAsTheFullPlan() {
        Path root = Path.of("/etc/xdprecon/fleet");
        InterfaceResolver devices = InterfaceResolver.of(Fixtures.INTERFACES);
        Map<String, List<int[]>> before = new java.util.TreeMap<>();
        Map<String, List<int[]>> after = new java.util.TreeMap<>();
        for (int f = 0; f < 330; f++) { // a map of 1,024 rules holds 300 flows and, at the peak, 330 added rules
            if (f < 300) {
                before.computeIfAbsent("flows/" + f % 3 + ".yaml", n -> new ArrayList<>()).add(new int[] {f, 0});
            }
            if (f < 270 || f >= 300) { // 270 edited, 30 removed, 30 added
                after.computeIfAbsent("flows/" + f % 3 + ".yaml", n -> new ArrayList<>()).add(new int[] {f, f < 270 ? 1 : 0});
            }
        }
        DesiredState previous = ConfigLoader.load(root, inputs(root, texts(before, false))).forNode("n", devices);
        DesiredState next = ConfigLoader.load(root, inputs(root, texts(after, false))).forNode("n", devices);
        Map<FlowKey, FlowRule> live = new HashMap<>();
        applied(Planner.plan(previous, liveState(live, Set.of())), live);

        RevisionDiff diff = RevisionDiff.between(previous, next);
        assertEquals(3 * 270 + 2 * 30 + 2 * 30, diff.size(), "each edited flow: a changed rule, one gone, one new");
        Plan full = Planner.plan(next, liveState(live, previous.localIps()));
        Plan change = planChange(Baseline.of(previous), next, diff, live, previous.localIps()).orElseThrow();
        assertTrue(change.flows() instanceof ChangedFlows && full.flows() instanceof ChangedFlows, "packed");
        assertEquals(full, change);
        assertTrue(full.errors().isEmpty(), full.errors().toString());
        assertEquals("Plan: 30 to add, 270 to change, 30 to destroy.", change.summary().line());
        assertEquals(full.ruleChanges(), change.ruleChanges());
    }

    private static List<int[]> newFlows(Random random, int[] nextFlow, int n) {
        List<int[]> flows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            flows.add(new int[] {nextFlow[0]++, 0});
        }
        return flows;
    }

    /** The directory's files as text: a base with everything but the flows, and each flow file. */
    private static Map<String, String> texts(Map<String, List<int[]>> files, boolean swapped) {
        Map<String, String> texts = new java.util.TreeMap<>();
        String pub = "  public: { device: ens3 }\n";
        String priv = "  private: { device: ens4 }\n";
        texts.put("base.yaml", """
                apiVersion: xdprecon.io/v1
                interfaces:
                %slocalIps: [%s]
                datapath: { mode: xdp, attachMode: native, maxRules: %d }
                """.formatted(swapped ? priv + pub : pub + priv, io.xdprecon.lab.Lab.VIP, MAX_RULES));
        files.forEach((name, flows) -> {
            StringBuilder text = new StringBuilder("flows:\n");
            flows.forEach(f -> text.append(FleetConfigs.flow(f[0], FleetConfigs.Keys.RANDOM, 7, f[1])));
            texts.put(name, text.toString());
        });
        return texts;
    }

    private static List<ConfigInput> inputs(Path root, Map<String, String> texts) {
        return texts.entrySet().stream().map(e -> ConfigInput.ofText(root.resolve(e.getKey()), e.getValue())).toList();
    }

    /** What an apply of {@code plan} leaves in {@code live}. */
    private static void applied(Plan plan, Map<FlowKey, FlowRule> live) {
        plan.ruleChanges().forEach(c -> c.after().ifPresentOrElse(rule -> live.put(c.key(), rule), () -> live.remove(c.key())));
    }

    @Test
    void aKeyTheChangeTouchesThatNoLongerHoldsWhatThePreviousRevisionWroteIsDrift() {
        Random random = new Random(7);
        int drifted = 0;
        for (int run = 0; run < RUNS; run++) {
            Node node = Node.random(random);
            DesiredState previous = node.desired();
            Map<FlowKey, FlowRule> live = node.live(random);
            node.edit(random, live);
            DesiredState next = node.desired();
            List<FlowKey> written = RevisionDiff.between(previous, next).keys().stream()
                    .filter(previous.rules()::containsKey).sorted(FlowKeyOrder.INSTANCE).toList();
            if (written.isEmpty()) {
                continue;
            }
            FlowKey key = written.get(random.nextInt(written.size()));
            FlowRule was = live.get(key);
            switch (random.nextInt(3)) {
                case 0 -> live.remove(key); // deleted by hand
                case 1 -> live.put(key, new FlowRule(was.rewrite(), Owner.SESSION)); // taken by a session
                default -> live.put(key, new FlowRule(new FlowKey(was.rewrite().ifindex(), was.rewrite().srcIp(),
                        was.rewrite().dstIp(), was.rewrite().srcPort() ^ 1, was.rewrite().dstPort()), Owner.CONFIG));
            }
            assertEquals(Optional.empty(), planChange(previous, next, live, node.liveIps), "run " + run);
            drifted++;
        }
        assertTrue(drifted > RUNS / 2, "most runs had a key to drift: " + drifted);
    }

    @Test
    void aConfigRuleAtAKeyThePreviousRevisionDidNotWriteIsDrift() {
        Node node = new Node();
        node.add(1);
        DesiredState previous = node.desired();
        Map<FlowKey, FlowRule> live = node.live(new Random(1));
        node.add(2);
        DesiredState next = node.desired();
        Flow stray = node.flows.get("f2");
        live.put(stray.forwardKey(), new FlowRule(stray.forwardRewrite(), Owner.CONFIG));

        assertEquals(Optional.empty(), planChange(previous, next, live, node.liveIps));
    }

    private static Optional<Plan> planChange(DesiredState previous, DesiredState next, Map<FlowKey, FlowRule> live,
            Set<Integer> localIps) {
        return planChange(Baseline.of(previous), next, RevisionDiff.between(previous, next), live, localIps);
    }

    private static Optional<Plan> planChange(Baseline baseline, DesiredState next, RevisionDiff diff,
            Map<FlowKey, FlowRule> live, Set<Integer> localIps) {
        Map<FlowKey, FlowRule> lookedUp = new HashMap<>();
        diff.keys().forEach(key -> {
            if (live.containsKey(key)) {
                lookedUp.put(key, live.get(key));
            }
        });
        return Planner.planChange(baseline, next, diff, liveState(Map.of(), localIps), live.size(), lookedUp);
    }

    private static LiveState liveState(Map<FlowKey, FlowRule> rules, Set<Integer> localIps) {
        return new LiveState(true, MAX_RULES, rules, localIps, List.of(), attachedEverywhere());
    }

    /** One relay flow: a client's port on the listen address, an egress port of its own toward a server. */
    record Flow(int client, int clientPort, int listenPort, int egressPort, int server, boolean oneLegOff) {
        FlowKey forwardKey() {
            return new FlowKey(LISTEN_IF, client, Ipv4.parse(LISTEN_IP), clientPort, listenPort);
        }

        FlowKey forwardRewrite() {
            return new FlowKey(EGRESS_IF, Ipv4.parse("10.0.0.1"), server, egressPort, 5004);
        }

        FlowKey reverseKey() {
            return new FlowKey(EGRESS_IF, server, Ipv4.parse("10.0.0.1"), 5004, egressPort);
        }

        FlowKey reverseRewrite() {
            // A leg edited on its own sends replies from another port: the flow's legs then disagree.
            return new FlowKey(LISTEN_IF, Ipv4.parse(LISTEN_IP), client, oneLegOff ? listenPort + 1 : listenPort,
                    clientPort);
        }
    }

    /** A node's config as the test edits it, and the live rules it leaves behind. */
    static final class Node {
        final Map<String, Flow> flows = new HashMap<>();
        final Set<Integer> localIps = new HashSet<>(Set.of(Ipv4.parse(LISTEN_IP)));
        Set<Integer> liveIps = Set.of();
        private int nextId = 1;

        static Node random(Random random) {
            Node node = new Node();
            int n = random.nextInt(10);
            for (int i = 0; i < n; i++) {
                node.add(random.nextInt(40));
            }
            if (random.nextBoolean()) {
                node.localIps.add(Ipv4.parse("203.0.113.11"));
            }
            return node;
        }

        void add(int client) {
            int id = nextId++;
            flows.put("f" + id, new Flow(Ipv4.parse("198.51.100.1") + client, 40000 + id, 30000 + client % 3,
                    20000 + id, Ipv4.parse("10.0.0.20") + client % 5, false));
        }

        DesiredState desired() {
            Map<FlowKey, DesiredRule> rules = new HashMap<>();
            flows.forEach((name, f) -> {
                rules.put(f.forwardKey(), new DesiredRule(new FlowRule(f.forwardRewrite(), Owner.CONFIG), name,
                        Direction.FORWARD));
                rules.put(f.reverseKey(), new DesiredRule(new FlowRule(f.reverseRewrite(), Owner.CONFIG), name,
                        Direction.REVERSE));
            });
            return Fixtures.desired(rules, localIps, List.of(), dpdk()); // where session rules are a loop's
        }

        /** What the node holds after this config was applied, plus sessions at keys the config does not use. */
        Map<FlowKey, FlowRule> live(Random random) {
            Map<FlowKey, FlowRule> live = new HashMap<>();
            desired().rules().forEach((key, rule) -> live.put(key, rule.rule()));
            int sessions = random.nextInt(4);
            for (int i = 0; i < sessions; i++) {
                FlowKey key = new FlowKey(LISTEN_IF, Ipv4.parse("192.0.2.1") + random.nextInt(50),
                        Ipv4.parse(LISTEN_IP), 50000 + random.nextInt(50), 20000);
                live.putIfAbsent(key, new FlowRule(new FlowKey(EGRESS_IF, Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.0.30"),
                        random.nextInt(65536), 6000), Owner.SESSION));
            }
            liveIps = Set.copyOf(localIps);
            return live;
        }

        /** One to four random edits; a flow it adds may claim a session's key, which {@code live} then holds. */
        void edit(Random random, Map<FlowKey, FlowRule> live) {
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                List<String> names = new ArrayList<>(flows.keySet());
                names.sort(null);
                String some = names.isEmpty() ? null : names.get(random.nextInt(names.size()));
                switch (random.nextInt(some == null ? 2 : 9)) {
                    case 0 -> add(random.nextInt(40));
                    case 1 -> {
                        // A session holds the key first: the config claims it.
                        add(random.nextInt(40));
                        Flow claimed = flows.get("f" + (nextId - 1));
                        live.put(claimed.forwardKey(), new FlowRule(claimed.reverseRewrite(), Owner.SESSION));
                    }
                    case 2, 3 -> flows.remove(some);
                    case 4 -> flows.computeIfPresent(some, (n, f) -> new Flow(f.client(), f.clientPort(), f.listenPort(),
                            f.egressPort(), f.server() + 7, f.oneLegOff())); // another server: both legs
                    case 5 -> flows.computeIfPresent(some, (n, f) -> new Flow(f.client(), f.clientPort(), f.listenPort(),
                            f.egressPort(), f.server(), !f.oneLegOff())); // one leg only
                    case 6 -> flows.computeIfPresent(some, (n, f) -> new Flow(f.client(), f.clientPort() + 1000,
                            f.listenPort(), f.egressPort(), f.server(), f.oneLegOff())); // a client moved: keys change
                    case 7 -> flows.put("g" + some, flows.remove(some)); // renamed, same rules
                    default -> {
                        int ip = Ipv4.parse("203.0.113.11");
                        if (!localIps.remove(ip)) {
                            localIps.add(ip);
                        }
                    }
                }
            }
        }
    }
}
