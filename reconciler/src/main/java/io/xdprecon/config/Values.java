package io.xdprecon.config;

import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Ipv6;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the textual values of a config (addresses, address:port, port ranges, durations, sizes, RSS
 * keys). Each returns the value or a message that quotes the text and says what is wrong with it; the
 * caller prefixes the path. The schema checks their shape too (for editors); these check the meaning.
 */
final class Values {
    static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_IDLE_TIMEOUT = Duration.ofHours(24);
    static final int HUGEPAGE_2M_KB = 2048;
    static final int HUGEPAGE_1G_KB = 1048576;
    /** RSS key lengths drivers use: 40 bytes (Toeplitz on most NICs), 52 (some, e.g. mlx5). */
    static final int RSS_KEY_BYTES = 40;
    static final int RSS_KEY_BYTES_LONG = 52;

    private static final Pattern ENDPOINT = Pattern.compile("(.*):([0-9]+)");
    private static final Pattern RANGE = Pattern.compile("([0-9]+)-([0-9]+)");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,9})(Ki|Mi|Gi)");
    private static final Pattern HEX_KEY = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*");

    private Values() {}

    /** A parsed value, or what is wrong with the text. */
    sealed interface Parsed<T> {
        record Ok<T>(T value) implements Parsed<T> {}

        record Bad<T>(String message) implements Parsed<T> {}
    }

    /**
     * A host's IPv4 address: a dotted quad without leading zeros (which {@code inet_aton} and others read as
     * octal: {@code 010.0.0.1} is 8.0.0.1 to them), and a unicast address a packet can come from and go to —
     * not this network (0.0.0.0/8), loopback (127.0.0.0/8), multicast (224.0.0.0/4) or reserved
     * (240.0.0.0/4, with the broadcast 255.255.255.255). Every address of a config names a host: the
     * application's, a client, a server or a backend.
     */
    static Parsed<Integer> ipv4(String text) {
        long fast = ipv4(text, 0, text.length());
        if (fast >= 0) {
            return new Parsed.Ok<>((int) fast);
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return bad("'" + text + "' is not an IPv4 address, like 10.0.0.1");
        }
        int address = 0;
        boolean leadingZero = false;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return bad("'" + text + "' is not an IPv4 address, like 10.0.0.1");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return bad("'" + text + "' is not an IPv4 address (octet " + octet + " > 255)");
            }
            leadingZero |= part.length() > 1 && part.charAt(0) == '0';
            address = (address << 8) | octet;
        }
        if (leadingZero) {
            return bad("'" + text + "' has an octet with a leading zero, which some tools read as octal; write "
                    + Ipv4.format(address));
        }
        String special = notAHost(address);
        return special != null ? bad("'" + text + "' is " + special + ", not a host's address") : new Parsed.Ok<>(address);
    }

    /** What kind of address that no host has {@code address} is, or null for a unicast host address. */
    private static String notAHost(long address) {
        long first = address >>> 24 & 0xff;
        if (first == 0) {
            return "in 0.0.0.0/8 (this network, unspecified)";
        } else if (first == 127) {
            return "loopback (127.0.0.0/8), never on a network interface";
        } else if (first >= 224 && first <= 239) {
            return "multicast (224.0.0.0/4)";
        } else if ((address & 0xffffffffL) == 0xffffffffL) {
            return "the broadcast address";
        } else if (first >= 240) {
            return "reserved (240.0.0.0/4)";
        }
        return null;
    }

    /**
     * The address in {@code text[from, to)} when it is a plain dotted quad (1 to 3 digits per octet, each at
     * most 255, no leading zero) of a host, else -1: the common case without splitting or regexes; anything
     * else takes the general way, which says what is wrong.
     */
    private static long ipv4(String text, int from, int to) {
        long address = 0;
        int octets = 0;
        int i = from;
        while (octets < 4) {
            int start = i;
            int octet = 0;
            while (i < to && i - start < 3 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                octet = octet * 10 + (text.charAt(i++) - '0');
            }
            if (i == start || octet > 255 || i - start > 1 && text.charAt(start) == '0') {
                return -1;
            }
            address = (address << 8) | octet;
            if (++octets < 4) {
                if (i >= to || text.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return i == to && notAHost(address) == null ? address : -1;
    }

    /** A host's address of either family: IPv6 when the text has a ':' (see {@link #ipv6}), else {@link #ipv4}. */
    static Parsed<IpAddress> ip(String text) {
        if (text.indexOf(':') >= 0) {
            return ipv6(text);
        }
        return switch (ipv4(text)) {
            case Parsed.Ok<Integer> ok -> new Parsed.Ok<>(new IpAddress.V4(ok.value()));
            case Parsed.Bad<Integer> b -> bad(b.message());
        };
    }

    /**
     * A host's IPv6 address, in any text form RFC 4291 allows (shown back in RFC 5952 form), and a unicast
     * address a flow can use on any link: not unspecified ({@code ::}), loopback ({@code ::1}), multicast
     * ({@code ff00::/8}), link-local ({@code fe80::/10}: it means something on one link only, and needs a zone),
     * nor an IPv4-mapped address ({@code ::ffff:0:0/96}: an IPv4 host, which the config writes as IPv4).
     */
    static Parsed<IpAddress> ipv6(String text) {
        if (text.indexOf('%') >= 0) {
            return bad("'" + text + "' has a zone ('%...'); flows use addresses valid on any link, without a zone");
        }
        if (text.indexOf('/') >= 0) {
            return bad("'" + text + "' has a prefix length; write one host's address, like 2001:db8::1");
        }
        if (text.startsWith("[")) {
            return bad("'" + text + "' is in brackets; an address alone is written without them, like 2001:db8::1");
        }
        long[] parsed = Ipv6.parse(text);
        if (parsed == null) {
            return bad("'" + text + "' is not an IPv6 address, like 2001:db8::1");
        }
        IpAddress.V6 address = new IpAddress.V6(parsed[0], parsed[1]);
        long high = parsed[0];
        long low = parsed[1];
        String special = null;
        if (high == 0 && low == 0) {
            special = "the unspecified address (::)";
        } else if (high == 0 && low == 1) {
            special = "loopback (::1), never on a network interface";
        } else if (high >>> 56 == 0xff) {
            special = "multicast (ff00::/8)";
        } else if ((high >>> 54) == (0xfe80L >>> 6)) {
            special = "link-local (fe80::/10): it names a host on one link only, and needs a zone; use a global or"
                    + " unique local address";
        } else if (high == 0 && low >>> 32 == 0xffffL) {
            return bad("'" + text + "' is an IPv4-mapped IPv6 address: write the IPv4 address " + Ipv4.format((int) low)
                    + " (a flow is one family end to end)");
        }
        if (special != null) {
            String canonical = address.toString();
            return bad("'" + text + "'" + (canonical.equals(text) ? "" : " (" + canonical + ")") + " is " + special
                    + ", not a host's address");
        }
        return new Parsed.Ok<>(address);
    }

    /**
     * address:port: {@code 10.0.0.20:5004}, or an IPv6 address in brackets, {@code [2001:db8::20]:5004}
     * (RFC 3986's way: without brackets the port could be the last group).
     */
    static Parsed<Endpoint> endpoint(String text) {
        int colon = text.indexOf(':');
        if (colon > 0 && colon < text.length() - 1 && text.length() - colon <= 6) {
            long address = ipv4(text, 0, colon);
            int port = 0;
            for (int i = colon + 1; i < text.length() && port >= 0; i++) {
                char c = text.charAt(i);
                port = c >= '0' && c <= '9' ? port * 10 + (c - '0') : -1;
            }
            if (address >= 0 && port >= 1 && port <= 65535) {
                return new Parsed.Ok<>(new Endpoint((int) address, port));
            }
        }
        String addressText;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':'
                    || !text.substring(close + 2).chars().allMatch(c -> c >= '0' && c <= '9') || close + 2 == text.length()) {
                return bad("'" + text + "' is not [address]:port, like [2001:db8::20]:5004");
            }
            addressText = text.substring(1, close);
            portText = text.substring(close + 2);
            if (addressText.indexOf(':') < 0) {
                return bad("'" + text + "' has an IPv4 address in brackets; write it without them, like 10.0.0.20:5004");
            }
        } else if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
            int last = text.lastIndexOf(':');
            return bad("'" + text + "' has no brackets around its IPv6 address: write it as ["
                    + text.substring(0, last) + "]:" + text.substring(last + 1) + ", so that the port is not read as a group");
        } else {
            Matcher m = ENDPOINT.matcher(text);
            if (!m.matches()) {
                return bad("'" + text + "' is not address:port, like 10.0.0.20:5004 or [2001:db8::20]:5004");
            }
            addressText = m.group(1);
            portText = m.group(2);
        }
        return switch (ip(addressText)) {
            case Parsed.Bad<IpAddress> b -> bad(b.message() + " in '" + text + "'");
            case Parsed.Ok<IpAddress> address -> {
                long port = portText.length() > 6 ? Long.MAX_VALUE : Long.parseLong(portText);
                yield port < 1 || port > 65535
                        ? bad("port " + portText + " of '" + text + "' is out of range 1..65535")
                        : new Parsed.Ok<>(new Endpoint(address.value(), (int) port));
            }
        };
    }

    static Parsed<PortRange> portRange(String text) {
        Matcher m = RANGE.matcher(text);
        if (!m.matches() || m.group(1).length() > 6 || m.group(2).length() > 6) {
            return bad("'" + text + "' is not a port range first-last, like 50000-59999");
        }
        int first = Integer.parseInt(m.group(1));
        int last = Integer.parseInt(m.group(2));
        if (first < 1 || first > 65535 || last < 1 || last > 65535) {
            return bad("'" + text + "' is out of range 1..65535");
        }
        if (first > last) {
            return bad("'" + text + "' is empty: its first port is above its last");
        }
        return new Parsed.Ok<>(new PortRange(first, last));
    }

    static Parsed<Duration> duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            return bad("'" + text + "' is not a duration like 60s, 5m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (duration.compareTo(MIN_IDLE_TIMEOUT) < 0 || duration.compareTo(MAX_IDLE_TIMEOUT) > 0) {
            return bad("'" + text + "' is out of range 1s..24h");
        }
        return new Parsed.Ok<>(duration);
    }

    /** A huge page size in kB; only the sizes x86-64 (and most arm64 kernels) offer: 2Mi and 1Gi. */
    static Parsed<Integer> pageSizeKb(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            return bad("'" + text + "' is not a size like 2Mi or 1Gi");
        }
        long kb = Long.parseLong(m.group(1)) * switch (m.group(2)) {
            case "Ki" -> 1L;
            case "Mi" -> 1024L;
            default -> 1024L * 1024;
        };
        if (kb != HUGEPAGE_2M_KB && kb != HUGEPAGE_1G_KB) {
            return bad("'" + text + "' is not a huge page size; use 2Mi or 1Gi");
        }
        return new Parsed.Ok<>((int) kb);
    }

    static Parsed<byte[]> rssKey(String text) {
        if (text.equals("symmetric")) {
            return new Parsed.Ok<>(symmetricRssKey());
        }
        if (!HEX_KEY.matcher(text).matches()) {
            return bad("'" + text + "' is not 'symmetric' nor hex bytes separated by ':'");
        }
        byte[] key = HexFormat.ofDelimiter(":").parseHex(text);
        if (key.length != RSS_KEY_BYTES && key.length != RSS_KEY_BYTES_LONG) {
            return bad("'" + abbreviate(text) + "' has " + key.length + " bytes; an RSS key has "
                    + RSS_KEY_BYTES + " or " + RSS_KEY_BYTES_LONG);
        }
        return new Parsed.Ok<>(key);
    }

    /**
     * 0x6d, 0x5a repeated over 40 bytes: with this Toeplitz key the hash of (a, b) equals that of (b, a), so
     * both directions of a flow land on the same RX queue (Woo and Park, "Scalable TCP Session Monitoring
     * with Symmetric Receive-side Scaling").
     */
    static byte[] symmetricRssKey() {
        byte[] key = new byte[RSS_KEY_BYTES];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i % 2 == 0 ? 0x6d : 0x5a);
        }
        return key;
    }

    static String formatPageSize(int kb) {
        return kb % (1024 * 1024) == 0 ? kb / (1024 * 1024) + "Gi" : kb % 1024 == 0 ? kb / 1024 + "Mi" : kb + "Ki";
    }

    private static String abbreviate(String text) {
        return text.length() <= 30 ? text : text.substring(0, 24) + "...";
    }

    private static <T> Parsed<T> bad(String message) {
        return new Parsed.Bad<>(message);
    }
}
