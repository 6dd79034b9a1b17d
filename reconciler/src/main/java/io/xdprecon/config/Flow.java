package io.xdprecon.config;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.DesiredRule;
import io.xdprecon.state.Direction;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.Objects;

/**
 * A static bidirectional flow, as it looks on the wire:
 * <pre>
 *   client ──► listen (this node, listen.iface) │ egress (this node, egress.iface) ──► server
 *   client ◄── listen                            │ egress                           ◄── server
 * </pre>
 * The client sends to the listen address; the node rewrites the packet to go from its egress address to
 * the server. The server answers to the egress address; the node rewrites the answer to go from the listen
 * address back to the client. Hence two rules, derived only from what each packet carries when it arrives.
 *
 * @param client  the client's address:port as packets carry it on arrival (after any NAT on the way)
 */
public record Flow(String name, Endpoint client, Attachment listen, Attachment egress, Endpoint server) {
    public Flow {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(server, "server");
    }

    /** Where {@link #leg} puts a leg: its key and its rewrite, each as {@link FlowKey#high()} and {@link FlowKey#low()}. */
    public static final int KEY_HIGH = 0;
    public static final int KEY_LOW = 1;
    public static final int REWRITE_HIGH = 2;
    public static final int REWRITE_LOW = 3;

    /**
     * The flow's two config-owned rules by key (FORWARD first), given the ifindexes of its listen and egress
     * devices.
     */
    public SequencedMap<FlowKey, DesiredRule> rules(int listenIfindex, int egressIfindex) {
        SequencedMap<FlowKey, DesiredRule> rules = new LinkedHashMap<>();
        long[] leg = new long[4];
        for (Direction direction : Direction.values()) {
            leg(direction, client.address(), client.port(), listenIfindex, listen.endpoint().address(),
                    listen.endpoint().port(), egressIfindex, egress.endpoint().address(), egress.endpoint().port(),
                    server.address(), server.port(), leg);
            rules.put(FlowKey.unpack(leg[KEY_HIGH], leg[KEY_LOW]), new DesiredRule(
                    new FlowRule(FlowKey.unpack(leg[REWRITE_HIGH], leg[REWRITE_LOW]), Owner.CONFIG), name, direction));
        }
        return Collections.unmodifiableSequencedMap(rules);
    }

    /**
     * One leg of a flow — the key its packets arrive with and the rewrite they leave with — the one place
     * the rules are derived from a flow's addresses, for the desired state and for the checks (which number
     * interfaces by device instead of ifindex):
     * <ul>
     *   <li>FORWARD: arrives on listen, from the client to the listen address → leaves by egress, from the
     *       egress address:port to the server;
     *   <li>REVERSE: arrives on egress, from the server to the egress address → leaves by listen, from the
     *       listen address:port to the client.
     * </ul>
     * Writes {@code out[KEY_HIGH..REWRITE_LOW]}; allocates nothing.
     */
    public static void leg(Direction direction, int clientIp, int clientPort, int listenIf, int listenIp, int listenPort,
            int egressIf, int egressIp, int egressPort, int serverIp, int serverPort, long[] out) {
        if (direction == Direction.FORWARD) {
            out[KEY_HIGH] = FlowKey.high(listenIf, clientIp);
            out[KEY_LOW] = FlowKey.low(listenIp, clientPort, listenPort);
            out[REWRITE_HIGH] = FlowKey.high(egressIf, egressIp);
            out[REWRITE_LOW] = FlowKey.low(serverIp, egressPort, serverPort);
        } else {
            out[KEY_HIGH] = FlowKey.high(egressIf, serverIp);
            out[KEY_LOW] = FlowKey.low(egressIp, serverPort, egressPort);
            out[REWRITE_HIGH] = FlowKey.high(listenIf, listenIp);
            out[REWRITE_LOW] = FlowKey.low(clientIp, listenPort, clientPort);
        }
    }
}
