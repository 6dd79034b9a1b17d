/**
 * DPDK 22.11 over FFM, without a C shim: the embedded poll loop's bindings.
 *
 * <ul>
 *   <li>{@link io.xdprecon.dataplane.dpdk.Eal}: the version gate ({@code rte_version()} must be 22.11)
 *       and {@code rte_eal_init}/{@code rte_eal_cleanup}, once per process; {@link
 *       io.xdprecon.dataplane.dpdk.Eal#afXdpArgs} builds the arguments for one AF_XDP port whose PMD
 *       attaches our {@code xdp_fwd.o} ({@code xdp_prog=}).
 *   <li>{@link io.xdprecon.dataplane.dpdk.Mempool}: {@code rte_pktmbuf_pool_create}/{@code rte_mempool_free}.
 *   <li>{@link io.xdprecon.dataplane.dpdk.EthPort}: configure (all-zero {@code rte_eth_conf}), queue
 *       setup, start/stop/close, MAC, stats, and RX/TX bursts through the exported
 *       {@code rte_eth_fp_ops} array.
 *   <li>{@link io.xdprecon.dataplane.dpdk.MbufBurst} (a reused {@code rte_mbuf *[]}) and
 *       {@link io.xdprecon.dataplane.dpdk.Mbuf} (a flyweight over one mbuf): no allocation per packet
 *       or per burst; mbufs go back with the exported {@code rte_pktmbuf_free_bulk}.
 *   <li>{@link io.xdprecon.dataplane.dpdk.DpdkDatapathLifecycle}: the start and stop sequence around the
 *       ports (the PMD attaches its XDP program at rx queue setup and detaches it at close), with the
 *       tc bridge forwarding in between, so that a restart or a crash loses no offloaded packet; a
 *       {@link io.xdprecon.dataplane.dpdk.PortLifecycle} (a test may run the ports without it).
 *   <li>{@link io.xdprecon.dataplane.dpdk.SlowPathLoop}: one port's duty cycle (parse, route, rewrite in the mbuf,
 *       TX), counting every frame in one named {@link io.xdprecon.dataplane.dpdk.Counters counter}.
 *   <li>{@link io.xdprecon.dataplane.dpdk.Agent} and {@link io.xdprecon.dataplane.dpdk.AgentRunner}, Agrona style:
 *       the agent says what one duty cycle does, the runner owns the thread, the start, the failure and the close;
 *       {@link io.xdprecon.dataplane.dpdk.IdleStrategy} says how it waits.
 * </ul>
 *
 * Errors: calls returning {@code -errno} are checked as such; the two that return NULL/-1
 * ({@code rte_eal_init}, {@code rte_pktmbuf_pool_create}) read the thread-local {@code rte_errno}
 * through {@code dlsym} on the failing thread. Every DPDK call belongs on the thread that ran
 * {@link io.xdprecon.dataplane.dpdk.Eal#init} (EAL's main lcore).
 *
 * <p>May import: {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.ffm}, {@code dataplane.maps}.
 */
package io.xdprecon.dataplane.dpdk;
