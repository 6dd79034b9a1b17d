package io.xdprecon.dataplane.dpdk;

/**
 * A duty-cycle worker in the Agrona style, run by an {@link AgentRunner} on a thread of its own:
 * {@link #onStart()} once, then {@link #doWork()} until the runner closes, then {@link #onClose()} once — all
 * on that one thread, as DPDK wants every call on the thread that initialised EAL. The agent holds no thread,
 * latch or error of its own: those are the runner's.
 */
public interface Agent {
    /** Sets up, on the agent's thread, before the first {@link #doWork()}; a throw ends the agent (the runner's start reports it). */
    default void onStart() throws Exception {}

    /** One duty cycle; returns the work done, 0 when there was none (the idle strategy then backs off). */
    int doWork() throws Exception;

    /**
     * Releases what {@link #onStart()} took, on the agent's thread, after the last {@link #doWork()} — also when
     * {@code onStart} or {@code doWork} failed part way, so it must cope with what exists.
     */
    default void onClose() {}

    /** The agent's name: its thread's, and the subject of the runner's messages. */
    String roleName();
}
