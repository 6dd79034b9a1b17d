package io.xdprecon.dataplane.dpdk;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs an {@link Agent} on a platform thread of its own and owns that thread, the agent's failure and its
 * closing: {@link #start} returns once {@link Agent#onStart()} has finished (or throws with its reason), the
 * thread then calls {@link Agent#doWork()} and idles by the work it reports until {@link #close}, and
 * {@link Agent#onClose()} runs on the same thread at the end. An exception from {@code doWork} ends the agent
 * (logged, kept as {@link #failure()}, {@link #alive()} false): a slow path that fails keeps no half state.
 */
public final class AgentRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentRunner.class.getName());

    private final Agent agent;
    private final IdleStrategy idle;
    private final Thread thread;
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean startedOk;
    private volatile Throwable failure;

    private AgentRunner(Agent agent, IdleStrategy idle) {
        this.agent = agent;
        this.idle = idle;
        this.thread = Thread.ofPlatform().name(agent.roleName()).unstarted(this::run);
    }

    /**
     * Starts {@code agent} and waits until its {@link Agent#onStart()} returned; throws
     * {@link StartException} when it threw (after {@link Agent#onClose()}) or did not return within
     * {@code timeout} (the runner is then closed).
     */
    public static AgentRunner start(Agent agent, IdleStrategy idle, Duration timeout) throws InterruptedException {
        AgentRunner runner = new AgentRunner(agent, idle);
        runner.thread.start();
        if (!runner.started.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            runner.close(timeout);
            throw new StartException(agent.roleName() + " did not start within " + timeout.toSeconds() + " s", null);
        }
        if (!runner.startedOk) {
            runner.close(timeout);
            Throwable why = runner.failure;
            throw new StartException(agent.roleName() + " did not start: " + (why == null ? "stopped" : why.getMessage()), why);
        }
        return runner;
    }

    private void run() {
        try {
            agent.onStart();
            startedOk = true;
            started.countDown();
            while (running) {
                idle.idle(agent.doWork());
            }
        } catch (Throwable t) {
            failure = t;
            if (startedOk) {
                LOG.log(Level.ERROR, agent.roleName() + " stopped", t);
            }
        } finally {
            try {
                agent.onClose();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, agent.roleName() + ": closing failed", e);
            }
            started.countDown();
        }
    }

    /** Whether the agent runs: started, not failed, not closed. */
    public boolean alive() {
        return startedOk && running && failure == null && thread.isAlive();
    }

    /** What ended the agent, if it failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Ends the agent after its current duty cycle and waits up to {@code timeout} for its {@link Agent#onClose()}; false if it did not end. */
    public boolean close(Duration timeout) {
        running = false;
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** {@link #close(Duration)} with 10 s. */
    @Override
    public void close() {
        if (!close(Duration.ofSeconds(10))) {
            LOG.log(Level.WARNING, agent.roleName() + " did not close within 10 s");
        }
    }

    /** The agent did not start. */
    public static final class StartException extends RuntimeException {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
