package io.xdprecon.daemon;

import io.xdprecon.config.Config;
import io.xdprecon.state.DesiredState;
import java.time.Duration;

/**
 * What the daemon tells the outside after each step: metrics, systemd, logs listen here. Every method
 * has a default that does nothing, so a listener implements what it needs.
 */
public interface DaemonEvents {
    /** A reconcile finished. */
    default void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {}

    /** A new revision passed validation and is about to be planned (after the slow path was prepared for it). */
    default void accepted(Config config, DesiredState desired) {}

    /** A new revision is live; its config. Called before {@link #reconciled}. */
    default void applied(Config config) {}

    /** The daemon is ready (first reconcile done or the datapath adopted) — systemd READY=1. */
    default void ready(DaemonStatus status) {}

    /** A reload (SIGHUP / webhook) started — systemd RELOADING=1. */
    default void reloading() {}

    /** Shutting down — systemd STOPPING=1. */
    default void stopping() {}

    /** Still alive: the loop completed an iteration, or works through a long one — systemd WATCHDOG=1. */
    default void alive() {}

    /** What a long reconcile is busy with (see {@link BusyLoopWatch}) — systemd STATUS=. */
    default void progress(String line) {}
}
