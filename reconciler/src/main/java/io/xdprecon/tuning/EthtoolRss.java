package io.xdprecon.tuning;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The hash key in the output of {@code ethtool -x DEV}:
 *
 * <pre>
 * RX flow hash indirection table for eth0 with 8 RX ring(s):
 *     0:      0     1     2     3     4     5     6     7
 * RSS hash key:
 * 6d:5a:6d:5a:…
 * RSS hash function:
 *     toeplitz: on
 * </pre>
 *
 * A driver without a key prints "Operation not supported" (or nothing) under "RSS hash key:".
 */
final class EthtoolRss {
    private static final Pattern HEX_BYTES = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*:?");
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

    private EthtoolRss() {}

    /**
     * The key; empty when the device reports none.
     *
     * @throws IllegalArgumentException when there is no "RSS hash key:" line or what follows it is neither
     *     a key nor a "not supported"
     */
    static Optional<byte[]> parseKey(String output) {
        String[] lines = output.split("\\R");
        int header = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].strip().equalsIgnoreCase("RSS hash key:")) {
                header = i;
                break;
            }
        }
        if (header < 0) {
            throw new IllegalArgumentException("no \"RSS hash key:\" line in: " + EthtoolChannels.abbreviate(output));
        }
        StringBuilder hex = new StringBuilder();
        int i = header + 1;
        // ethtool prints the key on one line; accept it wrapped over several as well.
        for (; i < lines.length && HEX_BYTES.matcher(lines[i].strip()).matches(); i++) {
            String part = lines[i].strip();
            if (!hex.isEmpty() && hex.charAt(hex.length() - 1) != ':') {
                hex.append(':');
            }
            hex.append(part);
        }
        if (!hex.isEmpty()) {
            String joined = hex.charAt(hex.length() - 1) == ':' ? hex.substring(0, hex.length() - 1) : hex.toString();
            return Optional.of(COLONS.parseHex(joined));
        }
        String next = i < lines.length ? lines[i].strip() : "";
        if (next.isEmpty() || next.endsWith(":") || next.toLowerCase(Locale.ROOT).contains("not supported")) {
            return Optional.empty();
        }
        throw new IllegalArgumentException("unreadable RSS hash key \"" + next + "\"");
    }

    /** {@code 6d:5a:…}, as {@code ethtool -X DEV hkey} takes it. */
    static String format(byte[] key) {
        return COLONS.formatHex(key);
    }
}
