package io.xdprecon.dataplane.maps;

/**
 * IPv4 addresses as Java ints holding the address in its natural reading order ({@code 10.0.0.1} is
 * {@code 0x0A000001}); codecs write them in network order, as the packet carries them.
 */
public final class Ipv4 {
    private Ipv4() {}

    /** Parses dotted-quad notation; throws {@link IllegalArgumentException} naming the bad text. */
    public static int parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int address = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (octet " + octet + " > 255)");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }
}
