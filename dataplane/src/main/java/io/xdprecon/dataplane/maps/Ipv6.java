package io.xdprecon.dataplane.maps;

/**
 * IPv6 text, both ways: {@link #parse} reads every form RFC 4291 section 2.2 allows (hex groups, one {@code ::},
 * a trailing dotted quad), {@link #format} writes the one canonical form of RFC 5952 (lower case, no leading
 * zeros, the longest run of two or more zero groups — the first of equal runs — as {@code ::}). We write our own
 * because {@link java.net.Inet6Address} prints no {@code ::} at all and its parser resolves names and zones.
 */
public final class Ipv6 {
    private Ipv6() {}

    /**
     * The address as {@code {high, low}}, or null when {@code text} is not an IPv6 address in RFC 4291 text
     * (no brackets, no zone, no prefix length: the caller says what is wrong with those).
     */
    public static long[] parse(String text) {
        int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = text.length();
        if (n < 2 || n > 45) {
            return null;
        }
        if (text.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new long[] {0, 0};
            }
        } else if (text.charAt(0) == ':') {
            return null;
        }
        while (i < n) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 5 && hex(text.charAt(i)) >= 0) {
                value = value << 4 | hex(text.charAt(i));
                i++;
            }
            if (i < n && text.charAt(i) == '.') {
                // a dotted quad ends the address and takes two groups
                if (count > 6 || !dottedQuad(text, start, groups, count)) {
                    return null;
                }
                count += 2;
                i = n;
                break;
            }
            int length = i - start;
            if (length < 1 || length > 4 || count == 8) {
                return null;
            }
            groups[count++] = value;
            if (i == n) {
                break;
            }
            if (text.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && text.charAt(i) == ':') {
                if (gap >= 0) {
                    return null; // a second '::'
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // a trailing single ':'
            }
        }
        if (gap < 0 ? count != 8 : count > 7) {
            return null;
        }
        int[] full = new int[8];
        if (gap < 0) {
            full = groups;
        } else {
            int tail = count - gap;
            System.arraycopy(groups, 0, full, 0, gap);
            System.arraycopy(groups, gap, full, 8 - tail, tail);
        }
        long high = 0;
        long low = 0;
        for (int g = 0; g < 4; g++) {
            high = high << 16 | full[g];
            low = low << 16 | full[g + 4];
        }
        return new long[] {high, low};
    }

    /** ASCII only: {@link Character#digit} would take other scripts' digits. */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static boolean dottedQuad(String text, int from, int[] groups, int at) {
        String[] parts = text.substring(from).split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        int address = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || part.length() > 1 && part.charAt(0) == '0' || Integer.parseInt(part) > 255) {
                return false;
            }
            address = address << 8 | Integer.parseInt(part);
        }
        groups[at] = address >>> 16;
        groups[at + 1] = address & 0xffff;
        return true;
    }

    /** RFC 5952 text of the address (section 4; IPv4-mapped addresses, section 5, end in their dotted quad). */
    public static String format(long high, long low) {
        int[] groups = new int[8];
        for (int g = 0; g < 4; g++) {
            groups[g] = (int) (high >>> (48 - 16 * g)) & 0xffff;
            groups[g + 4] = (int) (low >>> (48 - 16 * g)) & 0xffff;
        }
        boolean mapped = high == 0 && (low >>> 32) == 0xffffL;
        int last = mapped ? 6 : 8;
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never '::' (4.2.2)
        for (int g = 0; g < last; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < last && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder text = new StringBuilder(41);
        for (int g = 0; g < last; g++) {
            if (g == bestStart) {
                text.append("::");
                g += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[g]));
        }
        if (mapped) {
            if (text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Ipv4.format((int) low));
        }
        return text.toString();
    }
}
