package io.xdprecon.cli;

import java.net.InetSocketAddress;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code HOST:PORT} (IPv6 as {@code [::1]:9477}) with a port 1..65535 and a host that resolves, or {@code off}. */
final class AdminAddressConverter implements ITypeConverter<AdminAddress> {
    @Override
    public AdminAddress convert(String value) {
        if (value.equals("off")) {
            return new AdminAddress(Optional.empty());
        }
        int colon = value.lastIndexOf(':');
        String host = colon <= 0 ? "" : value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = ""; // IPv6 without brackets: the port cannot be told apart
        }
        String port = colon < 0 ? "" : value.substring(colon + 1);
        if (host.isEmpty() || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new TypeConversionException("'" + value + "' is not HOST:PORT with a port 1..65535 (IPv6 as [::1]:9477),"
                    + " or off");
        }
        InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(port));
        if (address.isUnresolved()) {
            throw new TypeConversionException("'" + value + "': host " + host + " does not resolve");
        }
        return new AdminAddress(Optional.of(address));
    }
}
