package io.xdprecon.config;

import java.util.Objects;

/**
 * An address:port of this node on one of its interfaces: where a flow or service listens, or where a flow
 * sends from.
 *
 * @param iface   the logical interface name the config uses
 * @param device  the kernel device it stands for on this node
 */
public record Attachment(String iface, String device, Endpoint endpoint) {
    public Attachment {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(endpoint, "endpoint");
    }

    @Override
    public String toString() {
        return endpoint + " on " + iface + " (" + device + ")";
    }
}
