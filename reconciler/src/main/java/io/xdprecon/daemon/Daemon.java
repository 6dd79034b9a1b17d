package io.xdprecon.daemon;

import io.xdprecon.apply.Applier;
import io.xdprecon.apply.ApplyFailedException;
import io.xdprecon.apply.ApplyRefusedException;
import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigCache;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.daemon.DaemonState.Candidate;
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
import io.xdprecon.source.SourceUnreachableException;
import io.xdprecon.source.UntrustedRevisionException;
import io.xdprecon.state.DesiredState;
import io.xdprecon.state.LiveRules;
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
 *       all writes until {@link #resume()}, and so does a revision whose config says {@code suspend: true} for
 *       this node until a revision without it (resume does not lift that one).</li>
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
    private final SlowPath slowPath;
    private final Object lock = new Object();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    // Commands from other threads (signals, webhook, admin) and the loop's own bookkeeping.
    private boolean wakeRequested;
    private volatile boolean running = true;
    /** A reconcile is past its fetch, where it may write: a stop waits for it (guarded by {@code lock}). */
    private boolean writing;
    private volatile boolean suspended;
    /** The newest valid revision's {@code suspend: true} for this node, where it stands: no writes while present. */
    private volatile Optional<String> suspendedByConfig = Optional.empty();
    private boolean readySent;
    /** A reload (SIGHUP) was announced with RELOADING=1 and waits for the READY=1 its reconcile ends with. */
    private final AtomicBoolean reloadRequested = new AtomicBoolean();

    /** Each config file's result by its content: a revision reads only the files it changed. */
    private final ConfigCache configs;
    /** What the daemon knows between reconciles; replaced (never changed) by each phase, on the loop's thread. */
    private DaemonState state = DaemonState.initial();
    /** What the outside sees of it, published after every reconcile. */
    private volatile DaemonStatus status;
    /** Where the reconcile under way spends its time: said with the revision it applies. */
    private final StageClock clock = StageClock.ofProcess();
    /** Feeds the watchdog while {@link #run()}'s loop works through a long reconcile; null outside {@code run()}. */
    private volatile BusyLoopWatch busy;

    /** A daemon whose slow path is the kernel's (xdp mode): nothing runs beside the maps. */
    public Daemon(Source source, Settings settings, LiveStateReader reader, Applier applier, DaemonEvents events) {
        this(source, settings, reader, applier, SlowPath.KERNEL, events);
    }

    /**
     * A daemon that drives {@code slowPath}: prepared before a new valid revision is planned, told when it is
     * live. A {@link SlowPathException} from it ends {@link #run()} and {@link #reconcileOnce()} with it.
     */
    public Daemon(Source source, Settings settings, LiveStateReader reader, Applier applier, SlowPath slowPath,
            DaemonEvents events) {
        this(source, settings, reader, applier, slowPath, events, new FirstRead());
    }

    /**
     * A daemon whose first revision {@code first} reads ahead ({@link #prefetch}): made, as its source, before the
     * rest of the daemon.
     */
    public Daemon(Source source, Settings settings, LiveStateReader reader, Applier applier, SlowPath slowPath,
            DaemonEvents events, FirstRead first) {
        this.configs = first.configs;
        this.source = source;
        this.settings = settings;
        this.reader = reader;
        this.applier = applier;
        this.slowPath = slowPath;
        this.events = events;
        this.status = snapshot(Map.of(), 0, Map.of());
    }

    /**
     * The first revision of a daemon's start, read ahead of it: the config cache the daemon it is given to loads with,
     * into which its source's prefetch reads the first revision ({@link #prefetch}).
     */
    public static final class FirstRead {
        private final ConfigCache configs = new ConfigCache();

        private FirstRead() {}
    }

    /**
     * Starts {@code source}'s prefetch (a clone, the digest of every file and the settle time: {@link Source#prefetch})
     * and, once it has read a revision complete, reads that revision (its files parsed, checked and made into
     * {@code node}'s rules, its devices resolved in this thread's network namespace, which the threads it starts
     * inherit) on a thread of its own, while the caller makes the rest of the daemon (its datapath, metrics and watch;
     * issue 9: a cold start of 262,144 flows). Nothing is written, logged or kept of it but the cache's: the daemon's
     * first load takes it when the first poll returns the same files, and a bad config is found and reported by that
     * load as without it. Give what it returns to the daemon's constructor.
     */
    public static FirstRead prefetch(Source source, String node) {
        FirstRead first = new FirstRead();
        InterfaceResolver here = InterfaceResolver.currentNetns();
        source.prefetch(revision -> first.configs.readAhead(revision.root(), revision.files(), node, here));
        return first;
    }

    public DaemonStatus status() {
        return status;
    }

    /** True while {@link #run()} loops. */
    public boolean alive() {
        return running && slowPath.alive();
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

    /** Loops until {@link #close()}, or until the slow path cannot start ({@link SlowPathException}). */
    public void run() {
        // Looks twice per heartbeat: SystemdEvents sends at most one ping per heartbeat (half WatchdogSec), so two
        // pings of a busy loop are at most 1.5 heartbeats apart, within WatchdogSec.
        try (BusyLoopWatch watch = BusyLoopWatch.ofCurrentThread(events, settings.heartbeat().dividedBy(2))) {
            busy = watch;
            watch.watching(this::loop);
        } finally {
            busy = null;
            synchronized (lock) {
                running = false;
                lock.notifyAll();
            }
            stopped.countDown();
        }
    }

    /** Waits until {@link #run()} has returned (after {@link #close()}): a stop never cuts an apply short. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Waits, after {@link #close()}, until no reconcile writes or can start to: at once when the loop is between
     * reconciles or still fetching (a fetch writes nothing of the node; the reconcile it belongs to stops before
     * reading the revision), else when the current one has ended. A stop is prompt while a Git fetch hangs, and
     * never cuts an apply short. False when {@code timeout} passed first.
     */
    public boolean awaitNoWrites(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (running || writing) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    private void loop() {
        while (running) {
            boolean answersReload = reloadRequested.getAndSet(false);
            long start = System.nanoTime();
            Optional<ReconcileOutcome> done = reconcile();
            if (done.isEmpty()) {
                break; // closed while fetching
            }
            ReconcileOutcome outcome = done.get();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            events.reconciled(outcome, took, status);
            events.alive();
            if (!readySent || answersReload) {
                readySent = true;
                events.ready(status);
            }
            waitForNext(state.consecutiveFailures() > 0 ? backoff(state.consecutiveFailures()) : jittered(settings.interval()));
        }
    }

    /**
     * One reconcile, phase by phase: fetch the newest revision, admit it (validate a new one), then converge the
     * node on the state to enforce (adopt the datapath once, plan, gate, apply). Each phase hands the next a
     * value and returns the next {@link DaemonState}; the outcome says how it ended. Public for tests and
     * {@code run --once}.
     */
    public ReconcileOutcome reconcileOnce() {
        return reconcile().orElseGet(() -> new ReconcileOutcome.SourceFailed("closed while fetching"));
    }

    /** {@link #reconcileOnce()}, or empty when the daemon was closed while it fetched: then it writes nothing. */
    private Optional<ReconcileOutcome> reconcile() {
        try {
            state = state.started(Instant.now());
            clock.begin();
            clock.enter(StageClock.Stage.FETCH);
            phase("fetching " + source.describe());
            Fetch fetched = fetch();
            synchronized (lock) {
                if (!running) {
                    return Optional.empty();
                }
                writing = true;
            }
            try {
                return Optional.of(admitAndConverge(fetched));
            } finally {
                synchronized (lock) {
                    writing = false;
                    lock.notifyAll();
                }
            }
        } finally {
            BusyLoopWatch watch = busy;
            if (watch != null) {
                watch.idle();
            }
        }
    }

    /** What the loop is busy with now: reported, and the watchdog fed, while it uses CPU for longer. */
    private void phase(String what) {
        BusyLoopWatch watch = busy;
        if (watch != null) {
            watch.phase(what);
        }
    }

    private ReconcileOutcome admitAndConverge(Fetch fetch) {
        ReconcileOutcome outcome = switch (fetch) {
            case Fetch.Untrusted untrusted -> refuse(untrusted);
            case Fetch.Unreachable unreachable when servesCached(unreachable) -> serveCached(unreachable);
            case Fetch.Unreachable unreachable -> sourceFailed(unreachable);
            case Fetch.Fetched fetched -> admitAndConverge(fetched.revision());
        };
        state = state.ended(outcome);
        publish();
        return outcome;
    }

    private ReconcileOutcome admitAndConverge(Revision revision) {
        try {
            return switch (admit(revision)) {
                case Admission.Current current -> converge(current.desired(), Optional.empty());
                case Admission.RejectedBefore before -> enforceLastGood(before.rejection());
                case Admission.Invalid invalid -> reject(invalid);
                case Admission.Accepted accepted -> {
                    readSuspension(accepted.candidate());
                    yield converge(accepted.candidate().desired(), Optional.of(accepted.candidate()));
                }
            };
        } catch (Datapath.LayoutMismatch e) {
            // Maps of a newer build (a downgrade): read-only for this one. The program keeps forwarding on them; the
            // daemon stays up to say so, and tries again after a backoff (the maps may be migrated meanwhile).
            String why = "nothing written: " + e.getMessage();
            LOG.log(Level.ERROR, why);
            state = state.holding(Optional.empty()).failing(why);
            return new ReconcileOutcome.ApplyFailed(why);
        }
    }

    // ---- phase 1: fetch ------------------------------------------------------------------------------------

    /** What the source gave. */
    private sealed interface Fetch {
        record Fetched(Revision revision) implements Fetch {}

        record Untrusted(String revision, ReconcileOutcome.Refusal refusal, String message) implements Fetch {}

        /** The source is away; {@code cached} is the revision last applied, as it keeps it. */
        record Unreachable(String message, Optional<Revision> cached) implements Fetch {}
    }

    private Fetch fetch() {
        try {
            return new Fetch.Fetched(source.poll());
        } catch (UntrustedRevisionException e) {
            return new Fetch.Untrusted(e.revision(), switch (e.reason()) {
                case SIGNATURE -> ReconcileOutcome.Refusal.UNTRUSTED;
                case ROLLBACK -> ReconcileOutcome.Refusal.ROLLBACK;
                case NON_FAST_FORWARD -> ReconcileOutcome.Refusal.NON_FAST_FORWARD;
            }, e.getMessage());
        } catch (SourceUnreachableException e) {
            return new Fetch.Unreachable(e.getMessage(), e.cached());
        } catch (SourceException e) {
            return new Fetch.Unreachable(e.getMessage(), Optional.empty());
        }
    }

    private ReconcileOutcome refuse(Fetch.Untrusted untrusted) {
        if (!state.rejected().map(r -> r.revision().equals(untrusted.revision())).orElse(false)) {
            LOG.log(Level.ERROR, "refused revision " + untrusted.revision() + ": " + untrusted.message());
        }
        String why = "untrusted revision " + untrusted.revision() + ": " + untrusted.message();
        ReconcileOutcome.Rejected rejection = new ReconcileOutcome.Rejected(untrusted.revision(), untrusted.refusal(), why);
        state = state.attempting(untrusted.revision()).rejecting(rejection);
        return enforceLastGood(rejection);
    }

    private ReconcileOutcome sourceFailed(Fetch.Unreachable unreachable) {
        String serving = unreachable.cached().filter(c -> !state.isNew(c))
                .map(c -> "; serving cached revision " + c.shortId()).orElse("");
        state = state.failing("source: " + unreachable.message() + serving);
        LOG.log(Level.WARNING, "cannot read " + source.describe() + ": " + unreachable.message() + " (keeping the last state)");
        return enforceLastGood(new ReconcileOutcome.SourceFailed(unreachable.message()));
    }

    /** A node that has applied nothing yet (a start) serves the revision its source cached while the source is away. */
    private boolean servesCached(Fetch.Unreachable unreachable) {
        return unreachable.cached().isPresent() && state.applied().isEmpty() && state.pending().isEmpty();
    }

    private ReconcileOutcome serveCached(Fetch.Unreachable unreachable) {
        Revision cached = unreachable.cached().orElseThrow();
        LOG.log(Level.WARNING, "cannot read " + source.describe() + ": " + unreachable.message()
                + "; serving cached revision " + cached.shortId() + revision(cached) + " until it is back");
        ReconcileOutcome served = admitAndConverge(cached);
        state = state.failing("source: " + unreachable.message() + "; serving cached revision " + cached.shortId());
        return served instanceof ReconcileOutcome.ApplyFailed ? served : new ReconcileOutcome.SourceFailed(
                unreachable.message() + "; serving cached revision " + cached.shortId());
    }

    private static String revision(Revision revision) {
        return revision.summary().map(s -> " (" + s + ")").orElse("");
    }

    // ---- phase 2: admit --------------------------------------------------------------------------------------

    /** What a fetched revision is to the daemon. */
    private sealed interface Admission {
        /** The revision applied already: enforce its state. */
        record Current(DesiredState desired) implements Admission {}

        /** A new revision refused before: never retried. */
        record RejectedBefore(ReconcileOutcome.Rejected rejection) implements Admission {}

        /** A new revision whose config is invalid. */
        record Invalid(Revision revision, ConfigException errors) implements Admission {}

        /** A new, valid revision (or the pending one again): what to converge on. */
        record Accepted(Candidate candidate) implements Admission {}
    }

    private Admission admit(Revision revision) {
        if (!state.isNew(revision)) {
            if (state.pending().isPresent()) {
                LOG.log(Level.INFO, "revision " + state.pending().get().revision().shortId() + " is no longer the newest:"
                        + " the source is back at " + revision.shortId() + ", the live one");
                state = state.withoutPending();
            }
            return new Admission.Current(state.enforced().orElseThrow());
        }
        if (state.pending().map(p -> p.revision().id().equals(revision.id())).orElse(false)) {
            return new Admission.Accepted(state.pending().get()); // validated before: planned again, not parsed again
        }
        if (state.rejected().map(r -> r.revision().equals(revision.id())).orElse(false)) {
            return new Admission.RejectedBefore(state.rejected().get());
        }
        state = state.attempting(revision.id());
        phase("loading revision " + revision.shortId());
        clock.enter(StageClock.Stage.READ);
        try {
            ConfigCache.Loaded loaded = configs.load(revision.root(), revision.files(), settings.node(),
                    InterfaceResolver.currentNetns());
            ConfigCache.Stages stages = configs.lastStages();
            clock.tookWithin(StageClock.Stage.CHECKS, stages.checksNanos());
            clock.tookWithin(StageClock.Stage.RULES, stages.rulesNanos());
            clock.enter(StageClock.Stage.PLAN); // the slow path prepared for it, then converge plans it
            Config config = loaded.config();
            DesiredState desired = loaded.desired();
            ConfigCache.Reads reads = configs.lastReads();
            if (revision.files().size() > 1) {
                LOG.log(Level.INFO, "revision " + revision.shortId() + ": " + reads.read() + " of "
                        + revision.files().size() + " files read, " + reads.reused() + " unchanged");
            }
            if (stages.readAhead()) {
                LOG.log(Level.INFO, "revision " + revision.shortId() + ": read ahead while the daemon started, "
                        + String.format(Locale.ROOT, "%.2f s", stages.aheadNanos() / 1e9) + " of its read, checks and rules"
                        + " done before it was polled");
            }
            slowPath.prepare(config, desired);
            events.accepted(config, desired);
            return new Admission.Accepted(new Candidate(revision, config, desired));
        } catch (ConfigException e) {
            return new Admission.Invalid(revision, e);
        }
    }

    /**
     * A valid revision says whether it suspends this node, as Flux's {@code spec.suspend}: it holds from this revision
     * on (drift corrections of the live one included) until a valid revision without it; an invalid one changes nothing.
     */
    private void readSuspension(Candidate candidate) {
        Optional<String> now = candidate.config().suspendedAt(settings.node())
                .map(at -> at + " in revision " + candidate.revision().shortId());
        if (now.isPresent() != suspendedByConfig.isPresent()) {
            LOG.log(now.isPresent() ? Level.WARNING : Level.INFO, now.map(at -> "suspended by the config (" + at
                    + "): no writes until a revision without it").orElse("the config no longer suspends this node"
                    + " (revision " + candidate.revision().shortId() + ")"));
        }
        suspendedByConfig = now;
    }

    private ReconcileOutcome reject(Admission.Invalid invalid) {
        Revision revision = invalid.revision();
        List<String> errors = invalid.errors().lines();
        String why = "revision " + revision.shortId() + " is invalid: " + invalid.errors().count() + " error(s): "
                + String.join("; ", errors);
        LOG.log(Level.ERROR, "rejected revision " + revision.shortId() + revision.summary().map(s -> " (" + s + ")").orElse("")
                + ", keeping " + state.applied().map(Revision::shortId).orElse("nothing") + ":\n  "
                + String.join("\n  ", errors));
        ReconcileOutcome.Rejected rejection = new ReconcileOutcome.Rejected(revision.id(), ReconcileOutcome.Refusal.INVALID, why);
        state = state.rejecting(rejection);
        return enforceLastGood(rejection);
    }

    /**
     * Keeps the newest valid revision the goal while the source fails or offers a bad one: the pending revision
     * when there is one (never the older one live), else the live one, whose drift is corrected.
     */
    private ReconcileOutcome enforceLastGood(ReconcileOutcome why) {
        Optional<ReconcileOutcome> converged = state.pending().map(p -> converge(p.desired(), Optional.of(p)))
                .or(() -> state.enforced().map(desired -> converge(desired, Optional.empty())));
        if (converged.isPresent() && converged.get() instanceof ReconcileOutcome.ApplyFailed) {
            return converged.get();
        }
        return why;
    }

    // ---- phase 3: converge (adopt, plan, gate, apply) ------------------------------------------------------

    /**
     * Brings the node to {@code desired}: the state of a new revision ({@code candidate} present) or the one
     * enforced (drift correction).
     */
    private ReconcileOutcome converge(DesiredState desired, Optional<Candidate> candidate) {
        if (candidate.isEmpty() && state.pending().isPresent()) {
            // The live revision is older than the newest valid one: correcting drift toward it would undo what
            // an operator may have applied by hand for the newer one.
            Candidate newest = state.pending().get();
            return converge(newest.desired(), Optional.of(newest));
        }
        phase("planning " + candidate.map(c -> "revision " + c.revision().shortId()).orElse("drift correction"));
        clock.enter(StageClock.Stage.PLAN);
        adoptDatapathOnce(desired);
        Planned planned = plan(desired, candidate.isPresent());
        Plan plan = planned.plan();
        if (!plan.hasChanges() && plan.errors().isEmpty()) {
            holds(desired, planned.change());
            if (candidate.isPresent()) {
                boolean wasPending = state.pending().isPresent();
                accept(candidate.get());
                LOG.log(Level.INFO, "revision " + candidate.get().revision().shortId() + " is live (no changes needed"
                        + (wasPending ? ": the node was brought to it by hand" : "") + "); took " + clock.describe());
                return new ReconcileOutcome.Unchanged(Optional.of(candidate.get().revision().id()));
            }
            return new ReconcileOutcome.Unchanged(Optional.empty());
        }
        DaemonStatus.Suspension suspension = new DaemonStatus.Suspension(suspended, suspendedByConfig);
        if (suspension.any()) {
            LOG.log(Level.INFO, "suspended (" + suspension.describe() + "): not applying " + plan.summary().line());
            return new ReconcileOutcome.Suspended(plan.summary().line());
        }
        if (candidate.isEmpty() && settings.drift() == DriftMode.WARN) {
            LOG.log(Level.WARNING, "drift from revision " + state.applied().map(Revision::shortId).orElse("?") + ": "
                    + plan.summary().line() + " (drift: warn, not corrected)");
            return new ReconcileOutcome.DriftReported(plan.summary().line());
        }
        return apply(desired, planned, candidate);
    }

    private void adoptDatapathOnce(DesiredState desired) {
        if (!state.adopted()) {
            DatapathAdoption.adopt(settings.pinRoot(), desired.datapath())
                    .forEach(r -> LOG.log(Level.INFO, "datapath on " + r.iface() + ": " + r.action()));
            state = state.adoptedDatapath();
        }
    }

    /** A plan, and when it was made from the last revision rather than a full read, the baseline after it. */
    private record Planned(Plan plan, Optional<PlannedChange> change) {}

    /** A new revision is planned from the last one when the node is known to hold it; anything else reads it all. */
    private Planned plan(DesiredState desired, boolean isNew) {
        Optional<PlannedChange> change = isNew ? planChange(desired) : Optional.empty();
        if (change.isPresent()) {
            return new Planned(change.get().plan(), change);
        }
        // The live rules read packed as the map is walked: a map of half a million rule objects, and a plan of them,
        // did not fit the unit's heap beside an edit of every flow.
        LiveStateReader.WithRules live = reader.readPacked(desired);
        LiveRules rules = live.rules();
        Plan plan = Planner.plan(desired, live.facts(), rules);
        state = state.owning(Optional.of(countOwners(rules)));
        if (plan.hasChanges() || !plan.errors().isEmpty()) {
            state = state.holding(Optional.empty()); // the node is not as any revision left it until this applies
        }
        return new Planned(plan, Optional.empty());
    }

    private ReconcileOutcome apply(DesiredState desired, Planned planned, Optional<Candidate> candidate) {
        Plan plan = planned.plan();
        phase("applying " + candidate.map(c -> "revision " + c.revision().shortId()).orElse("drift correction") + ": "
                + plan.summary().line());
        clock.enter(StageClock.Stage.APPLY);
        try {
            // Planned moments ago from what was just read: the applier checks only the keys it changes.
            applier.applyFresh(plan, new Applier.Options(settings.allowMassDelete(), settings.allowDisruptive()));
        } catch (ApplyRefusedException e) {
            return refused(e, candidate);
        } catch (ApplyFailedException e) {
            state = state.holding(Optional.empty()).owning(Optional.empty()).failing(e.getMessage());
            LOG.log(Level.ERROR, e.getMessage());
            return new ReconcileOutcome.ApplyFailed(e.getMessage());
        }
        holds(desired, planned.change());
        state = state.owning(state.ruleOwners().map(owners -> countApplied(owners, plan)));
        String summary = plan.summary().line();
        if (candidate.isPresent()) {
            Revision revision = candidate.get().revision();
            accept(candidate.get());
            LOG.log(Level.INFO, "applied revision " + revision.shortId() + revision.summary().map(s -> " (" + s + ")").orElse("")
                    + " (" + (planned.change().isPresent() ? "planned from the last revision" : "full plan") + "): "
                    + summary + " Took " + clock.describe());
            return new ReconcileOutcome.Applied(Optional.of(revision.id()), summary, planned.change().isPresent());
        }
        state = state.correctedDrift();
        LOG.log(Level.WARNING, "corrected drift: " + summary);
        return new ReconcileOutcome.Applied(Optional.empty(), summary, false);
    }

    /**
     * A refused apply: when another writer moved the node under the plan, planned again after a backoff; when the
     * plan itself is refused (a mass delete, a disruptive change, plan errors), a new revision is held as the
     * goal — planned again each reconcile, applied once allowed, adopted once the node holds it by hand — and
     * the older revision is not enforced meanwhile.
     */
    private ReconcileOutcome refused(ApplyRefusedException e, Optional<Candidate> candidate) {
        Optional<String> revision = candidate.map(c -> c.revision().id());
        String what = revision.map(r -> "revision " + candidate.get().revision().shortId()).orElse("drift correction");
        if (e.isLiveStateMoved()) {
            String why = what + " deferred, " + e.reasons().getFirst().replace(": run plan again", "")
                    + ": another writer moved the node while it was planned; planning it again after a backoff";
            LOG.log(Level.WARNING, why);
            state = candidate.map(c -> state.holdingBack(c, why)).orElseGet(() -> state.failing(why));
            return new ReconcileOutcome.Deferred(revision, why);
        }
        String why = what + " not applied: " + e.getMessage() + (candidate.isEmpty() ? ""
                : "\nThe node keeps " + state.applied().map(r -> "revision " + r.shortId() + "'s state").orElse("its state")
                        + ", uncorrected toward it; once the node matches " + what
                        + " (applied with the flag by hand), it is adopted");
        if (!Optional.of(why).equals(state.error())) {
            LOG.log(Level.ERROR, why); // once per reason, not at every interval
        }
        state = candidate.map(c -> state.holdingBack(c, why)).orElseGet(() -> state.failing(why));
        return new ReconcileOutcome.Rejected(revision.or(() -> state.applied().map(Revision::id)).orElse(""),
                ReconcileOutcome.Refusal.PLAN_REFUSED, why);
    }

    /**
     * A new revision planned as its difference to the one the node holds, checked by point lookups of
     * only the keys they disagree on; empty (take the full plan) when the node's state is unknown or one
     * of those keys is not as we left it.
     */
    private Optional<PlannedChange> planChange(DesiredState desired) {
        if (state.holds().isEmpty() || state.ruleOwners().isEmpty()) {
            return Optional.empty();
        }
        Baseline baseline = state.holds().get();
        RevisionDiff diff = RevisionDiff.between(baseline.desired(), desired);
        int liveRules = (int) state.ruleOwners().get().values().stream().mapToLong(Long::longValue).sum();
        LiveState facts = reader.readFacts(desired);
        Optional<Plan> plan = reader.lookingUpRules(live -> Planner.planChange(baseline, desired, diff, facts, liveRules,
                live));
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
            state = state.holding(Optional.of(change.get().after()));
        } else if (state.holds().isEmpty() || state.holds().get().desired() != desired) {
            state = state.holding(Optional.of(Baseline.of(desired))); // after a full plan: one pass over its rules
        }
    }

    private static Map<Owner, Long> countOwners(LiveRules rules) {
        Map<Owner, Long> owners = DaemonState.noOwners();
        for (int i = 0; i < rules.size(); i++) {
            owners.merge(rules.owner(i), 1L, Long::sum);
        }
        return owners;
    }

    /** The owner counts after an apply: what the plan wrote and deleted, by owner. */
    private static Map<Owner, Long> countApplied(Map<Owner, Long> before, Plan plan) {
        Map<Owner, Long> owners = new EnumMap<>(before);
        if (plan.addsToAnEmptyMap()) {
            owners.merge(Owner.CONFIG, (long) plan.ruleChanges().size(), Long::sum); // no object per rule to count them
            return owners;
        }
        for (RuleChange change : plan.ruleChanges()) {
            change.before().ifPresent(was -> owners.merge(was.owner(), -1L, Long::sum));
            change.after().ifPresent(now -> owners.merge(now.owner(), 1L, Long::sum));
        }
        return owners;
    }

    /** A new revision is live: announce its config, and enforce it from now on. */
    private void accept(Candidate accepted) {
        slowPath.applied(accepted.config());
        events.applied(accepted.config());
        source.applied(accepted.revision());
        state = state.accepting(accepted.revision(), accepted.desired());
    }

    // ---- status --------------------------------------------------------------------------------------------

    private void publish() {
        Map<String, Long> owners = new LinkedHashMap<>();
        int capacity = 0;
        Map<String, Long> counters = new LinkedHashMap<>();
        if (Datapath.isPinned(settings.pinRoot())) {
            try (Datapath live = Datapath.openPinned(settings.pinRoot())) {
                if (state.ruleOwners().isEmpty()) {
                    // Nothing reconciled yet (or an apply failed): count them once; reconciles keep it true.
                    Map<Owner, Long> counted = DaemonState.noOwners();
                    live.rules().forEach((key, rule) -> counted.merge(rule.owner(), 1L, Long::sum));
                    state = state.owning(Optional.of(counted));
                }
                state.ruleOwners().get().forEach((owner, n) -> {
                    if (owner != Owner.UNKNOWN || n > 0) { // rules of no known owner: shown while there are some
                        owners.put(owner.name().toLowerCase(Locale.ROOT), n);
                    }
                });
                capacity = live.rules().capacity();
                live.stats().read().forEach((stat, value) -> counters.put(stat.name().toLowerCase(Locale.ROOT), value));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot read the datapath for status: " + e.getMessage());
            }
        }
        status = snapshot(owners, capacity, counters);
    }

    private DaemonStatus snapshot(Map<String, Long> owners, int capacity, Map<String, Long> counters) {
        return new DaemonStatus(settings.node(), source.describe(), state.attempted(), state.applied().map(Revision::id),
                state.error(), state.lastReconcile(), new DaemonStatus.Suspension(suspended, suspendedByConfig),
                state.reconciles(), state.driftCorrections(),
                Map.copyOf(owners), capacity, Map.copyOf(counters));
    }

    private Duration jittered(Duration interval) {
        double factor = 1 + settings.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, (long) (interval.toMillis() * factor)));
    }

    /**
     * 1 s, 2 s, 4 s… capped at maxBackoff, never longer than the interval would be, of which a random half is
     * waited ("equal jitter"): nodes that failed together (a remote down, a writer racing them) do not retry
     * together, whatever {@link Settings#jitter()} is.
     */
    private Duration backoff(int consecutiveFailures) {
        long millis = Math.min(1000L << Math.min(20, consecutiveFailures - 1),
                Math.min(settings.maxBackoff().toMillis(), settings.interval().toMillis()));
        return Duration.ofMillis(Math.max(1, millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1)));
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
