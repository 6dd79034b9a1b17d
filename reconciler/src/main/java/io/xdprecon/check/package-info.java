/**
 * Whether this node can run the datapath, before anything is written ({@code xdprecon check}, like
 * {@code flux check --pre}): {@link io.xdprecon.check.HostFacts} reads the kernel, the privileges, the
 * libraries, the config's devices, sysctls and huge pages; {@link io.xdprecon.check.Preflight} judges them
 * (pure, so every rule has a unit test) into {@link io.xdprecon.check.CheckResult} lines with their fixes.
 * {@code plan} and {@code apply} print the same lines when they are not ok.
 *
 * <p>May import: {@code config}, {@code dataplane.bpf}, {@code dataplane.dpdk}, {@code dataplane.link}, {@code state},
 * {@code text}.
 */
package io.xdprecon.check;
