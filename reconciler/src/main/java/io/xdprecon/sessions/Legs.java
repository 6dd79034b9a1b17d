package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;

/**
 * A session's two rules in its family's types — IPv4 ones for the rules map, IPv6 ones for the IPv6 rules map —,
 * derived exactly like a static flow's legs:
 * <pre>
 * FORWARD (listenIf, client, VIP, clientPort, listenPort)        → (egressIf, egressAddr, backend, egressPort, backendPort)
 * REVERSE (egressIf, backend, egressAddr, backendPort, egressPort) → (listenIf, VIP, client, listenPort, clientPort)
 * </pre>
 * The table writes, removes and counts them through these methods without asking which family they are.
 */
public sealed interface Legs {
    /** The legs of {@code key}'s session on {@code backend} through {@code egressPort}, in the service's family. */
    static Legs of(SessionService s, SessionKey key, Endpoint backend, int egressPort) {
        if (s.vip() instanceof IpAddress.V6 vip) {
            IpAddress.V6 egress = (IpAddress.V6) s.egressAddress();
            IpAddress.V6 server = (IpAddress.V6) backend.ip();
            IpAddress.V6 client = (IpAddress.V6) key.client();
            return new V6(new FlowKey6(s.listenIfindex(), client, vip, key.clientPort(), s.listenPort()),
                    new FlowRule6(new FlowKey6(s.egressIfindex(), egress, server, egressPort, backend.port()), Owner.SESSION),
                    new FlowKey6(s.egressIfindex(), server, egress, backend.port(), egressPort),
                    new FlowRule6(new FlowKey6(s.listenIfindex(), vip, client, s.listenPort(), key.clientPort()), Owner.SESSION));
        }
        int vip = s.vip4();
        int egress = s.egressAddress4();
        int server = backend.address();
        int client = key.clientIp();
        return new V4(new FlowKey(s.listenIfindex(), client, vip, key.clientPort(), s.listenPort()),
                new FlowRule(new FlowKey(s.egressIfindex(), egress, server, egressPort, backend.port()), Owner.SESSION),
                new FlowKey(s.egressIfindex(), server, egress, backend.port(), egressPort),
                new FlowRule(new FlowKey(s.listenIfindex(), vip, client, s.listenPort(), key.clientPort()), Owner.SESSION));
    }

    /** Writes the request rule; false when the map refuses it (full, or another owner's key). */
    boolean putForward(RuleSink sink);

    /** Writes the reply rule; false when the map refuses it. */
    boolean putReverse(RuleSink sink);

    void removeForward(RuleSink sink);

    void removeReverse(RuleSink sink);

    /** Packets the datapath rewrote for both rules so far, read by key (about four bpf syscalls). */
    long packets(CounterSource counters);

    /** The request rule's counter slot now ({@link CounterSource#slotOf}). */
    int forwardSlot(CounterSource counters);

    /** The reply rule's counter slot now. */
    int reverseSlot(CounterSource counters);

    /** An IPv4 session's rules. */
    record V4(FlowKey forwardKey, FlowRule forwardRule, FlowKey reverseKey, FlowRule reverseRule) implements Legs {
        @Override
        public boolean putForward(RuleSink sink) {
            return sink.put(forwardKey, forwardRule);
        }

        @Override
        public boolean putReverse(RuleSink sink) {
            return sink.put(reverseKey, reverseRule);
        }

        @Override
        public void removeForward(RuleSink sink) {
            sink.remove(forwardKey);
        }

        @Override
        public void removeReverse(RuleSink sink) {
            sink.remove(reverseKey);
        }

        @Override
        public long packets(CounterSource counters) {
            return counters.packets(forwardKey) + counters.packets(reverseKey);
        }

        @Override
        public int forwardSlot(CounterSource counters) {
            return counters.slotOf(forwardKey);
        }

        @Override
        public int reverseSlot(CounterSource counters) {
            return counters.slotOf(reverseKey);
        }
    }

    /** An IPv6 session's rules. */
    record V6(FlowKey6 forwardKey, FlowRule6 forwardRule, FlowKey6 reverseKey, FlowRule6 reverseRule) implements Legs {
        @Override
        public boolean putForward(RuleSink sink) {
            return sink.put(forwardKey, forwardRule);
        }

        @Override
        public boolean putReverse(RuleSink sink) {
            return sink.put(reverseKey, reverseRule);
        }

        @Override
        public void removeForward(RuleSink sink) {
            sink.remove(forwardKey);
        }

        @Override
        public void removeReverse(RuleSink sink) {
            sink.remove(reverseKey);
        }

        @Override
        public long packets(CounterSource counters) {
            return counters.packets(forwardKey) + counters.packets(reverseKey);
        }

        @Override
        public int forwardSlot(CounterSource counters) {
            return counters.slotOf(forwardKey);
        }

        @Override
        public int reverseSlot(CounterSource counters) {
            return counters.slotOf(reverseKey);
        }
    }
}
