/**
 * Dynamic sessions of the DPDK datapath, pure Java (no privileges needed to test them).
 *
 * <p>{@link io.xdprecon.sessions.SessionTable} turns the first packet of a new client of a
 * {@link io.xdprecon.sessions.SessionService} into a {@link io.xdprecon.sessions.Session}: the backend by
 * rendezvous hashing over the client as seen on the wire ({@link io.xdprecon.sessions.Rendezvous}), an egress
 * port from the {@link io.xdprecon.sessions.PortPool} of its (egress address, backend), and the two rules (owner
 * SESSION) written through a {@link io.xdprecon.sessions.RuleSink}. Sessions expire from the rules' counters
 * ({@link io.xdprecon.sessions.CounterSource}), are adopted back from the pinned map on start, and follow NAT
 * rebinding when their service names a session identity in the payload (a known identity from a new address
 * moves its session; without one a new address is a new session).
 *
 * <p>Degradation is explicit and counted by name ({@link io.xdprecon.sessions.SessionTable.Counter}): a map
 * that refuses the rules leaves the session on the slow path (userspace forwards its packets both ways and
 * retries); a backend without a free egress port passes the new session to the next backend of the client's
 * rendezvous order ({@code SPILLED}); only when no backend has a port, or the service has no backend, is there
 * no session — any port already in use toward a backend would make two sessions' replies indistinguishable —
 * and the packet is counted ({@code POOL_EXHAUSTED}, {@code NO_BACKEND}) and dropped on purpose.
 *
 * <p>May import: {@code config}, {@code dataplane.dpdk}, {@code dataplane.ffm}, {@code dataplane.maps}.
 */
package io.xdprecon.sessions;
