/**
 * The GitOps daemon's reconcile loop: {@link io.xdprecon.daemon.Daemon} fetches, admits (validates) and converges
 * each revision — adopt the datapath, plan, gate, apply — and corrects drift every interval; its
 * {@link io.xdprecon.daemon.SlowPath} is what the config's datapath mode runs beside the maps (the kernel, or the
 * DPDK loop of {@code daemon.dpdk}); {@link io.xdprecon.daemon.DaemonEvents} tell metrics and systemd what happened.
 *
 * <p>May import: {@code apply}, {@code config}, {@code dataplane}, {@code dataplane.bpf}, {@code dataplane.maps},
 * {@code dataplane.systemd}, {@code host} (the CPU of the threads a load works on), {@code live}, {@code plan},
 * {@code source}, {@code state}, {@code text}.
 */
package io.xdprecon.daemon;
