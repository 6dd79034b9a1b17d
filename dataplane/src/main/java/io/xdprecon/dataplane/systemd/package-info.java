/**
 * libsystemd's {@code sd_notify} over FFM: READY, STATUS, RELOADING, STOPPING and WATCHDOG for a
 * {@code Type=notify} unit, and the watchdog interval the manager asks for.
 *
 * <p>May import: {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.systemd;
