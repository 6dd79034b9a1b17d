package io.xdprecon.daemon;

import io.xdprecon.apply.Applier;
import io.xdprecon.apply.ApplyFailedException;
import io.xdprecon.apply.ApplyRefusedException;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.dataplane.Datapath;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.live.LiveStateReader;
import io.xdprecon.plan.Baseline;
import io.xdprecon.plan.Plan;
import io.xdprecon.plan.Planner;
import io.xdprecon.plan.RevisionDiff;
import io.xdprecon.plan.RuleChange;
import io.xdprecon.source.Revision;
import io.xdprecon.source.Source;
import io.xdprecon.source.SourceException;
import io.xdprecon.source.UntrustedRevisionException;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveState;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reconcile loop of {@code xdprecon run}: poll the source, validate and plan every new revision
 * before any write, apply it, and on every interval re-read the node and correct (or report) drift.
 *
 * <ul>
 *   <li>A bad revision (invalid config, untrusted head, refused plan) is rejected once, with its
 *       errors: the last good config stays applied and keeps being enforced, and the daemon waits for
 *       the next revision instead of retrying the bad one. {@code lastAttemptedRevision} and
 *       {@code lastAppliedRevision} are kept apart.</li>
 *   <li>Failures that may pass (source unreachable, an apply that failed part way) back off
 *       exponentially up to {@link Settings#maxBackoff()}.</li>
 *   <li>{@link #trigger()} (SIGHUP, webhook, file change) wakes the loop now; {@link #suspend()} stops
 *       all writes until {@link #resume()}.</li>
 * </ul>
 * Runs on the thread that calls {@link #run()}; interfaces resolve in that thread's network namespace.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = System.getLogger("xdprecon.daemon");

    public enum DriftMode { ENFORCE, WARN }

    /**
     * @param jitter     each wait is the interval times a random factor in [1 - jitter, 1 + jitter], so a
     *                   fleet does not fetch in lockstep
     * @param heartbeat  how often a waiting loop reports itself alive (systemd's watchdog needs a ping
     *                   within WatchdogSec, whatever the interval)
     */
    public record Settings(String node, Path pinRoot, Duration interval, double jitter, DriftMode drift,
            Duration maxBackoff, boolean allowMassDelete, boolean allowDisruptive, Duration heartbeat) {
        public Settings {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive: " + interval);
            }
            if (jitter < 0 || jitter >= 1) {
                throw new IllegalArgumentException("jitter must be in [0, 1): " + jitter);
            }
        }
    }

    private final Source source;
    private final Settings settings;
    private final LiveStateReader reader;
    private final Applier applier;
    private final DaemonEvents events;
    private final Object lock = new Object();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private boolean wakeRequested;
    private volatile boolean running = true;
    private volatile boolean suspended;
    private volatile DaemonStatus status;
    private boolean readySent;
    /** A reload (SIGHUP) was announced with RELOADING=1 and waits for the READY=1 its reconcile ends with. */
    private final AtomicBoolean reloadRequested = new AtomicBoolean();
    private boolean adopted;

    private Optional<Revision> lastApplied = Optional.empty();
    private Optional<String> lastAttempted = Optional.empty();
    private Optional<String> lastError = Optional.empty();
    private Optional<DesiredState> lastGood = Optional.empty();
    /** The config of the revision being tried, announced with {@link DaemonEvents#applied} once it is live. */
    private Config candidate;
    /**
     * The desired state the node is known to hold as written (after an apply, or a plan with no
     * changes), empty when unknown (a failed apply, uncorrected drift): a new revision is planned as
     * its difference to this one, the full read being left to the interval.
     */
    private Optional<Baseline> liveHolds = Optional.empty();
    /** Live rules by owner as of the last full read, kept up to date with our own applies; null when unknown. */
    private Map<Owner, Long> ruleOwners;
    private String rejectedRevision;
    private long reconciles;
    private long driftCorrections;
    private int consecutiveFailures;
    private Optional<Instant> lastReconcile = Optional.empty();

    public Daemon(Source source, Settings settings, LiveStateReader reader, Applier applier, DaemonEvents events) {
        this.source = source;
        this.settings = settings;
        this.reader = reader;
        this.applier = applier;
        this.events = events;
        this.status = snapshot(Map.of(), 0, Map.of());
    }

    public DaemonStatus status() {
        return status;
    }

    /** True while {@link #run()} loops. */
    public boolean alive() {
        return running;
    }

    /** Reconcile now (webhook, a changed file, suspend/resume): wakes the loop if it waits. */
    public void trigger() {
        synchronized (lock) {
            wakeRequested = true;
            lock.notifyAll();
        }
    }

    /**
     * A reload (SIGHUP, {@code systemctl reload}): announced as RELOADING=1 and answered with READY=1 when the
     * reconcile it starts has finished, as systemd's Type=notify reload protocol requires — a RELOADING=1 left
     * unanswered keeps the unit "reloading" until systemd's timeout kills the daemon.
     */
    public void reload() {
        reloadRequested.set(true);
        events.reloading();
        trigger();
    }

    /** Stop writing (reads go on, so status stays true) until {@link #resume()}. */
    public void suspend() {
        suspended = true;
        LOG.log(Level.WARNING, "suspended: no writes until resumed");
        trigger();
    }

    public void resume() {
        suspended = false;
        LOG.log(Level.INFO, "resumed");
        trigger();
    }

    /** Loops until {@link #close()}. */
    public void run() {
        try {
            loop();
        } finally {
            stopped.countDown();
        }
    }

    /** Waits until {@link #run()} has returned (after {@link #close()}): a stop never cuts an apply short. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void loop() {
        while (running) {
            boolean answersReload = reloadRequested.getAndSet(false);
            long start = System.nanoTime();
            ReconcileOutcome outcome = reconcileOnce();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            events.reconciled(outcome, took, status);
            events.alive();
            if (!readySent || answersReload) {
                readySent = true;
                events.ready(status);
            }
            boolean failed = outcome == ReconcileOutcome.SOURCE_FAILED || outcome == ReconcileOutcome.APPLY_FAILED;
            consecutiveFailures = failed ? consecutiveFailures + 1 : 0;
            waitForNext(failed ? backoff() : jittered(settings.interval()));
        }
    }

    /** One reconcile: what the loop does each time; public for tests and {@code run --once}. */
    public ReconcileOutcome reconcileOnce() {
        reconciles++;
        lastReconcile = Optional.of(Instant.now());
        ReconcileOutcome outcome;
        Optional<Revision> fresh = Optional.empty();
        try {
            Revision revision = source.poll();
            fresh = Optional.of(revision);
        } catch (UntrustedRevisionException e) {
            lastAttempted = Optional.of(e.revision());
            if (!e.revision().equals(rejectedRevision)) {
                rejectedRevision = e.revision();
                LOG.log(Level.ERROR, "refused revision " + e.revision() + ": " + e.getMessage());
            }
            lastError = Optional.of("untrusted revision " + e.revision() + ": " + e.getMessage());
            outcome = enforceLastGood(ReconcileOutcome.REJECTED);
            publish();
            return outcome;
        } catch (SourceException e) {
            lastError = Optional.of("source: " + e.getMessage());
            LOG.log(Level.WARNING, "cannot read " + source.describe() + ": " + e.getMessage() + " (keeping the last state)");
            outcome = enforceLastGood(ReconcileOutcome.SOURCE_FAILED);
            publish();
            return outcome;
        }
        Revision revision = fresh.get();
        boolean isNew = lastApplied.map(r -> !r.id().equals(revision.id())).orElse(true);
        if (isNew && revision.id().equals(rejectedRevision)) {
            // Rejected before: never retry a bad revision; keep enforcing the last good one.
            outcome = enforceLastGood(ReconcileOutcome.REJECTED);
            publish();
            return outcome;
        }
        DesiredState desired;
        if (isNew) {
            lastAttempted = Optional.of(revision.id());
            try {
                candidate = ConfigLoader.parse(Path.of(revision.name()), revision.text());
                desired = candidate.forNode(settings.node(), InterfaceResolver.currentNetns());
            } catch (ConfigException e) {
                rejectedRevision = revision.id();
                lastError = Optional.of("revision " + revision.shortId() + " is invalid: " + e.errors().size() + " error(s): "
                        + e.errors().stream().map(Object::toString).collect(Collectors.joining("; ")));
                LOG.log(Level.ERROR, "rejected revision " + revision.shortId() + revision.summary().map(s -> " (" + s + ")").orElse("")
                        + ", keeping " + lastApplied.map(Revision::shortId).orElse("nothing") + ":\n  "
                        + e.errors().stream().map(Object::toString).collect(Collectors.joining("\n  ")));
                outcome = enforceLastGood(ReconcileOutcome.REJECTED);
                publish();
                return outcome;
            }
            events.accepted(candidate, desired);
        } else {
            desired = lastGood.orElseThrow();
        }
        outcome = reconcile(desired, Optional.of(revision), isNew);
        publish();
        return outcome;
    }

    /** Keeps the last good config enforced while the source fails or offers a bad revision. */
    private ReconcileOutcome enforceLastGood(ReconcileOutcome why) {
        if (lastGood.isPresent()) {
            ReconcileOutcome drift = reconcile(lastGood.get(), Optional.empty(), false);
            if (drift == ReconcileOutcome.APPLY_FAILED) {
                return drift;
            }
        }
        return why;
    }

    private ReconcileOutcome reconcile(DesiredState desired, Optional<Revision> revision, boolean isNew) {
        if (!adopted) {
            adopted = true;
            DatapathAdoption.adopt(settings.pinRoot(), desired.datapath())
                    .forEach(r -> LOG.log(Level.INFO, "datapath on " + r.iface() + ": " + r.action()));
        }
        Optional<PlannedChange> change = isNew ? planChange(desired) : Optional.empty();
        Plan plan;
        if (change.isPresent()) {
            plan = change.get().plan();
        } else {
            LiveState live = reader.read(desired);
            plan = Planner.plan(desired, live);
            ruleOwners = countOwners(live);
            if (plan.hasChanges() || !plan.errors().isEmpty()) {
                liveHolds = Optional.empty(); // the node is not as any revision left it until this applies
            }
        }
        if (!plan.hasChanges() && plan.errors().isEmpty()) {
            holds(desired, change);
            if (isNew) {
                accept(desired, revision);
                LOG.log(Level.INFO, "revision " + revision.get().shortId() + " is live (no changes needed)");
            }
            return ReconcileOutcome.UNCHANGED;
        }
        if (suspended) {
            LOG.log(Level.INFO, "suspended: not applying " + plan.summary().line());
            return ReconcileOutcome.UNCHANGED;
        }
        if (!isNew && settings.drift() == DriftMode.WARN) {
            LOG.log(Level.WARNING, "drift from revision " + lastApplied.map(Revision::shortId).orElse("?") + ": "
                    + plan.summary().line() + " (drift: warn, not corrected)");
            return ReconcileOutcome.DRIFT_REPORTED;
        }
        try {
            // Planned moments ago from what was just read: the applier checks only the keys it changes.
            applier.applyFresh(plan, new Applier.Options(settings.allowMassDelete(), settings.allowDisruptive()));
        } catch (ApplyRefusedException e) {
            if (isNew) {
                rejectedRevision = revision.get().id();
            }
            lastError = Optional.of(e.getMessage());
            LOG.log(Level.ERROR, e.getMessage());
            return ReconcileOutcome.REJECTED;
        } catch (ApplyFailedException e) {
            liveHolds = Optional.empty();
            ruleOwners = null;
            lastError = Optional.of(e.getMessage());
            LOG.log(Level.ERROR, e.getMessage());
            return ReconcileOutcome.APPLY_FAILED;
        }
        holds(desired, change);
        countApplied(plan);
        if (isNew) {
            accept(desired, revision);
            LOG.log(Level.INFO, "applied revision " + revision.get().shortId() + revision.get().summary().map(s -> " (" + s + ")").orElse("")
                    + " (" + (change.isPresent() ? "planned from the last revision" : "full plan") + "): "
                    + plan.summary().line());
        } else {
            driftCorrections++;
            LOG.log(Level.WARNING, "corrected drift: " + plan.summary().line());
        }
        return ReconcileOutcome.APPLIED;
    }

    /**
     * A new revision planned as its difference to the one the node holds, checked by point lookups of
     * only the keys they disagree on; empty (take the full plan) when the node's state is unknown or one
     * of those keys is not as we left it.
     */
    private Optional<PlannedChange> planChange(DesiredState desired) {
        if (liveHolds.isEmpty() || ruleOwners == null) {
            return Optional.empty();
        }
        Baseline baseline = liveHolds.get();
        RevisionDiff diff = RevisionDiff.between(baseline.desired(), desired);
        int liveRules = (int) ruleOwners.values().stream().mapToLong(Long::longValue).sum();
        Optional<Plan> plan = Planner.planChange(baseline, desired, diff, reader.readFacts(desired), liveRules,
                reader.readRules(diff.keys()));
        if (plan.isEmpty()) {
            LOG.log(Level.INFO, "the node is not as the last revision left it: planning from a full read");
        }
        return plan.map(p -> new PlannedChange(p, baseline.next(desired, diff)));
    }

    /** A plan made from the baseline, and the baseline once it is applied. */
    private record PlannedChange(Plan plan, Baseline after) {}

    /** The node now holds {@code desired} as written: the next revision is planned from it. */
    private void holds(DesiredState desired, Optional<PlannedChange> change) {
        if (change.isPresent()) {
            liveHolds = Optional.of(change.get().after());
        } else if (liveHolds.isEmpty() || liveHolds.get().desired() != desired) {
            liveHolds = Optional.of(Baseline.of(desired)); // after a full plan: one pass over its rules
        }
    }

    private static Map<Owner, Long> countOwners(LiveState live) {
        Map<Owner, Long> owners = new EnumMap<>(Owner.class);
        for (Owner owner : Owner.values()) {
            owners.put(owner, 0L);
        }
        live.rules().values().forEach(rule -> owners.merge(rule.owner(), 1L, Long::sum));
        return owners;
    }

    /** Keeps {@link #ruleOwners} true after an apply: what the plan wrote and deleted, by owner. */
    private void countApplied(Plan plan) {
        if (ruleOwners == null) {
            return;
        }
        for (RuleChange change : plan.ruleChanges()) {
            change.before().ifPresent(before -> ruleOwners.merge(before.owner(), -1L, Long::sum));
            change.after().ifPresent(after -> ruleOwners.merge(after.owner(), 1L, Long::sum));
        }
    }

    private void accept(DesiredState desired, Optional<Revision> revision) {
        if (candidate != null) {
            events.applied(candidate);
            candidate = null;
        }
        lastGood = Optional.of(desired);
        lastApplied = revision;
        lastError = Optional.empty();
    }

    private void publish() {
        Map<String, Long> owners = new LinkedHashMap<>();
        int capacity = 0;
        Map<String, Long> counters = new LinkedHashMap<>();
        if (Datapath.isPinned(settings.pinRoot())) {
            try (Datapath live = Datapath.openPinned(settings.pinRoot())) {
                if (ruleOwners == null) {
                    // Nothing reconciled yet (or an apply failed): count them once; reconciles keep it true.
                    ruleOwners = new EnumMap<>(Owner.class);
                    for (Owner owner : Owner.values()) {
                        ruleOwners.put(owner, 0L);
                    }
                    live.rules().forEach((key, rule) -> ruleOwners.merge(rule.owner(), 1L, Long::sum));
                }
                ruleOwners.forEach((owner, n) -> owners.put(owner.name().toLowerCase(Locale.ROOT), n));
                capacity = live.rules().capacity();
                live.stats().read().forEach((stat, value) -> counters.put(stat.name().toLowerCase(Locale.ROOT), value));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot read the datapath for status: " + e.getMessage());
            }
        }
        status = snapshot(owners, capacity, counters);
    }

    private DaemonStatus snapshot(Map<String, Long> owners, int capacity, Map<String, Long> counters) {
        return new DaemonStatus(settings.node(), source.describe(), lastAttempted, lastApplied.map(Revision::id), lastError,
                lastReconcile, suspended, reconciles, driftCorrections, Map.copyOf(owners), capacity, Map.copyOf(counters));
    }

    private Duration jittered(Duration interval) {
        double factor = 1 + settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, (long) (interval.toMillis() * factor)));
    }

    /** 1 s, 2 s, 4 s… capped at maxBackoff, never longer than the interval would be. */
    private Duration backoff() {
        long millis = 1000L << Math.min(20, consecutiveFailures - 1);
        return Duration.ofMillis(Math.min(millis, Math.min(settings.maxBackoff().toMillis(), settings.interval().toMillis())));
    }

    /** Waits for the next reconcile, a trigger or close(), reporting alive every heartbeat meanwhile. */
    private void waitForNext(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long heartbeat = settings.heartbeat().toNanos();
        synchronized (lock) {
            while (running && !wakeRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    lock.wait(Math.max(1, Math.min(left, heartbeat) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
                events.alive();
            }
            wakeRequested = false;
        }
    }

    /** Ends the loop after the current reconcile; the datapath and its rules stay in the kernel. */
    @Override
    public void close() {
        events.stopping();
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
    }

}
