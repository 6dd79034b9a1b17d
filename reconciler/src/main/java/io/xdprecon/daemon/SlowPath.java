package io.xdprecon.daemon;

import io.xdprecon.config.Config;
import io.xdprecon.state.DesiredState;

/**
 * What takes the packets XDP does not rewrite, as the datapath mode of the config asks: the kernel in
 * {@code xdp} mode ({@link #KERNEL}: nothing runs in this process), the DPDK loop in {@code dpdk} mode
 * ({@code daemon.dpdk.DpdkSlowPath}). The {@link Daemon} owns it and drives it around each new revision.
 */
public interface SlowPath extends AutoCloseable {
    /** The kernel takes what XDP passes: nothing to start, feed or stop. */
    SlowPath KERNEL = new SlowPath() {};

    /**
     * A new revision passed validation and is about to be planned: starts what its datapath mode needs before the
     * plan reads the node (DPDK's PMD pins the maps the plan writes to).
     *
     * @throws SlowPathException when it cannot start: the daemon stops with the reason rather than run a datapath
     *                           half (in dpdk mode nothing would attach the program or pin the maps)
     */
    default void prepare(Config config, DesiredState desired) {}

    /** A new revision is live: its services reach the DPDK session table. */
    default void applied(Config config) {}

    /** False once what runs here has failed. */
    default boolean alive() {
        return true;
    }

    /** Stops what runs here; the kernel's datapath stays. */
    @Override
    default void close() {}
}
