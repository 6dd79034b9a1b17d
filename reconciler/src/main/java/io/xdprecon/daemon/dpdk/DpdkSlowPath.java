package io.xdprecon.daemon.dpdk;

import io.xdprecon.config.Config;
import io.xdprecon.daemon.SlowPath;
import io.xdprecon.daemon.SlowPathException;
import io.xdprecon.dataplane.dpdk.AgentRunner;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.DesiredState;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's slow path in {@code datapath.mode: dpdk}: the first valid revision that asks for that mode
 * starts the {@link DpdkLoop} (on an {@link AgentRunner} of its own) before it is planned — at start, or later
 * when the node booted on an invalid revision —, each applied revision hands the loop its services, and
 * {@link #close()} stops it behind the tc bridge. A revision in {@code xdp} mode starts nothing.
 *
 * <p>DPDK's PMD pins the maps where libbpf pins by default ({@link DpdkLoop#PIN_ROOT}): another pin root, or
 * a loop that does not start, is a {@link SlowPathException} naming the reason.
 */
public final class DpdkSlowPath implements SlowPath {
    private static final System.Logger LOG = System.getLogger(DpdkSlowPath.class.getName());
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String node;
    private final Path pinRoot;
    private volatile Running running;

    private record Running(DpdkLoop loop, AgentRunner runner) {}

    /** The slow path of {@code node}, whose daemon pins (and plans against) the maps under {@code pinRoot}. */
    public DpdkSlowPath(String node, Path pinRoot) {
        this.node = node;
        this.pinRoot = pinRoot;
    }

    @Override
    public void prepare(Config config, DesiredState desired) {
        if (running != null || desired.datapath().mode() != DatapathSettings.Mode.DPDK) {
            return;
        }
        if (!pinRoot.equals(DpdkLoop.PIN_ROOT)) {
            throw new SlowPathException("datapath.mode dpdk: DPDK's PMD pins the maps under " + DpdkLoop.PIN_ROOT
                    + " (libbpf's default), so --pin-root " + pinRoot + " cannot be used", null);
        }
        DpdkLoop.Settings settings = DpdkLoop.Settings.of(config, desired, node);
        DpdkLoop loop = new DpdkLoop(settings, config.services(node));
        try {
            running = new Running(loop, AgentRunner.start(loop, DpdkLoop.IDLE, START_TIMEOUT));
        } catch (AgentRunner.StartException e) {
            throw new SlowPathException("the DPDK loop did not start on " + settings.devices() + ": "
                    + Optional.ofNullable(e.getCause()).map(Throwable::getMessage).orElse(e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlowPathException("interrupted while the DPDK loop started on " + settings.devices(), e);
        }
        LOG.log(Level.INFO, "datapath.mode dpdk: the DPDK loop runs on " + settings.devices());
    }

    @Override
    public void applied(Config config) {
        Running r = running;
        if (r != null) {
            r.loop().services(config.services(node));
        }
    }

    /** True without a loop (none needed yet) and while the loop runs. */
    @Override
    public boolean alive() {
        Running r = running;
        return r == null || r.runner().alive();
    }

    /** The loop's latest stats; empty without a loop. */
    public Optional<DpdkLoop.Stats> stats() {
        return Optional.ofNullable(running).flatMap(r -> r.loop().stats());
    }

    /** The loop's sessions; empty without a loop (this node runs none: {@code /sessions} answers 404). */
    public Optional<List<DpdkLoop.SessionRow>> sessions() {
        return Optional.ofNullable(running).map(r -> r.loop().sessions());
    }

    /** Stops the loop: tc bridge attached, ports closed (the PMD detaches XDP), EAL cleaned up; waits up to 10 s. */
    @Override
    public void close() {
        Running r = running;
        if (r != null) {
            r.runner().close();
        }
    }
}
