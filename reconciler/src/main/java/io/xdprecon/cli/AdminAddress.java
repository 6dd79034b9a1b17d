package io.xdprecon.cli;

import java.net.InetSocketAddress;
import java.util.Optional;

/** {@code run --admin}: where the admin HTTP endpoint listens, or nowhere ({@code off}); {@link AdminAddressConverter}. */
record AdminAddress(Optional<InetSocketAddress> address) {}
