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

    /**
     * The flow's two config-owned rules by key (FORWARD first), given the ifindexes of its listen and egress
     * devices.
     * <ul>
     *   <li>FORWARD: arrives on listen, from the client to the listen address → leaves by egress, from the
     *       egress address:port to the server;
     *   <li>REVERSE: arrives on egress, from the server to the egress address → leaves by listen, from the
     *       listen address:port to the client.
     * </ul>
     */
    public SequencedMap<FlowKey, DesiredRule> rules(int listenIfindex, int egressIfindex) {
        Endpoint at = listen.endpoint();
        Endpoint from = egress.endpoint();
        SequencedMap<FlowKey, DesiredRule> rules = new LinkedHashMap<>();
        rules.put(new FlowKey(listenIfindex, client.address(), at.address(), client.port(), at.port()),
                rule(new FlowKey(egressIfindex, from.address(), server.address(), from.port(), server.port()), Direction.FORWARD));
        rules.put(new FlowKey(egressIfindex, server.address(), from.address(), server.port(), from.port()),
                rule(new FlowKey(listenIfindex, at.address(), client.address(), at.port(), client.port()), Direction.REVERSE));
        return Collections.unmodifiableSequencedMap(rules);
    }

    private DesiredRule rule(FlowKey rewrite, Direction direction) {
        return new DesiredRule(new FlowRule(rewrite, Owner.CONFIG), name, direction);
    }
}
