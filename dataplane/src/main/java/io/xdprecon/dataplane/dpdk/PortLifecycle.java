package io.xdprecon.dataplane.dpdk;

import java.util.List;

/**
 * How DPDK ports start and stop with respect to what else forwards on their interfaces. In production that is
 * {@link DpdkDatapathLifecycle} (the tc bridge covers the gaps); a test may take another to measure what the
 * bridge removes.
 */
public interface PortLifecycle {
    /** Runs {@code startPorts} (EAL init, port setup: the PMD attaches its XDP program) in the sequence; returns its steps. */
    List<DpdkDatapathLifecycle.Step> start(Runnable startPorts);

    /** Runs {@code closePorts} (the PMD detaches its XDP program) in the sequence; returns its steps. */
    List<DpdkDatapathLifecycle.Step> stop(Runnable closePorts);
}
