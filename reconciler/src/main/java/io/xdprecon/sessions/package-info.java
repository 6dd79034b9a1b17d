/**
 * Dynamic sessions of the DPDK datapath, pure Java (no privileges needed to test them).
 *
 * <p>{@link io.xdprecon.sessions.SessionTable} turns the first packet of a new client of a
 * {@link io.xdprecon.sessions.SessionService} into a {@link io.xdprecon.sessions.Session}: the backend by
 * rendezvous hashing over the client as seen on the wire ({@link io.xdprecon.sessions.Rendezvous}), an egress
 * port from the {@link io.xdprecon.sessions.PortPool} of its egress address, and the two rules (owner
 * SESSION) written through a {@link io.xdprecon.sessions.RuleSink}. Sessions expire from the rules' counters
 * ({@link io.xdprecon.sessions.CounterSource}), are adopted back from the pinned map on start, and follow NAT
 * rebinding. Degradation is explicit: a map that refuses the rules leaves the session on the slow path
 * (userspace forwards its packets both ways and retries); an empty port pool or a service without backends
 * creates no session — without an egress port the replies of different clients could not be told apart — and
 * the packet is counted ({@code poolExhausted}, {@code noBackend}) and dropped on purpose.
 */
package io.xdprecon.sessions;
