package io.xdprecon.tests.packets;

import java.util.HexFormat;

/** A 48-bit Ethernet address held in a long (so that records holding one compare by value). */
public record Mac(long value) {
    public static final Mac ZERO = new Mac(0);
    public static final Mac BROADCAST = new Mac(0xffff_ffff_ffffL);

    public Mac {
        if ((value & ~0xffff_ffff_ffffL) != 0) {
            throw new IllegalArgumentException("not a 48-bit MAC address: 0x" + Long.toHexString(value));
        }
    }

    /** Parses {@code 02:00:00:00:00:01}. */
    public static Mac parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long value = 0;
        for (String part : parts) {
            if (part.length() != 2) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            value = (value << 8) | HexFormat.fromHexDigits(part);
        }
        return new Mac(value);
    }

    public static Mac read(byte[] frame, int offset) {
        long value = 0;
        for (int i = 0; i < 6; i++) {
            value = (value << 8) | (frame[offset + i] & 0xff);
        }
        return new Mac(value);
    }

    public void write(byte[] frame, int offset) {
        for (int i = 0; i < 6; i++) {
            frame[offset + i] = (byte) (value >>> (8 * (5 - i)));
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            text.append(HexFormat.of().toHexDigits((byte) (value >>> (8 * i))));
            if (i > 0) {
                text.append(':');
            }
        }
        return text.toString();
    }
}
