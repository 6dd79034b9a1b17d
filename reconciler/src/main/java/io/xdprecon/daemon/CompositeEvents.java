package io.xdprecon.daemon;

import io.xdprecon.config.Config;
import io.xdprecon.state.DesiredState;
import java.time.Duration;
import java.util.List;

/** Several listeners as one, in order: metrics, systemd, … */
public record CompositeEvents(List<DaemonEvents> listeners) implements DaemonEvents {
    public CompositeEvents {
        listeners = List.copyOf(listeners);
    }

    @Override
    public void reconciled(ReconcileOutcome outcome, Duration took, DaemonStatus status) {
        listeners.forEach(l -> l.reconciled(outcome, took, status));
    }

    @Override
    public void accepted(Config config, DesiredState desired) {
        listeners.forEach(l -> l.accepted(config, desired));
    }

    @Override
    public void applied(Config config) {
        listeners.forEach(l -> l.applied(config));
    }

    @Override
    public void ready(DaemonStatus status) {
        listeners.forEach(l -> l.ready(status));
    }

    @Override
    public void reloading() {
        listeners.forEach(DaemonEvents::reloading);
    }

    @Override
    public void stopping() {
        listeners.forEach(DaemonEvents::stopping);
    }

    @Override
    public void alive() {
        listeners.forEach(DaemonEvents::alive);
    }

    @Override
    public void progress(String line) {
        listeners.forEach(l -> l.progress(line));
    }
}
