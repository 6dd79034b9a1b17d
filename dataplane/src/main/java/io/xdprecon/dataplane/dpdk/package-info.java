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
 *       tc bridge forwarding in between, so that a restart or a crash loses no offloaded packet.
 * </ul>
 *
 * Errors: calls returning {@code -errno} are checked as such; the two that return NULL/-1
 * ({@code rte_eal_init}, {@code rte_pktmbuf_pool_create}) read the thread-local {@code rte_errno}
 * through {@code dlsym} on the failing thread. Every DPDK call belongs on the thread that ran
 * {@link io.xdprecon.dataplane.dpdk.Eal#init} (EAL's main lcore).
 */
package io.xdprecon.dataplane.dpdk;
