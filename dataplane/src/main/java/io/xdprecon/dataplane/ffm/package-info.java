/**
 * The native boundary: {@link io.xdprecon.dataplane.ffm.Native} binds every symbol this program calls (libc,
 * libbpf, DPDK, libsystemd) with errno captured at the call; {@link io.xdprecon.dataplane.ffm.Errno} and
 * {@link io.xdprecon.dataplane.ffm.BpfException} are the one errno map — callers branch on the exception's type
 * (not found, no such device, full, out of memory, …), people read libc's name and text for the number.
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.dataplane.ffm;
