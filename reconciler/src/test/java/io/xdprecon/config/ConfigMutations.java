package io.xdprecon.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ways a config goes wrong, for fuzzing: bytes flipped, lines duplicated, deleted and swapped, random unicode
 * inserted (controls, bidi overrides, astral planes), values and keys made huge or deep, scalars replaced by the
 * values configs get wrong (other types, edge numbers, YAML specials). Deterministic for a given generator.
 */
public final class ConfigMutations {
    private ConfigMutations() {}

    /** One to three mutations, stacked. */
    public static byte[] mutate(byte[] seed, SplittableRandom random) {
        byte[] bytes = seed;
        int count = 1 + (random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0);
        for (int i = 0; i < count; i++) {
            bytes = switch (random.nextInt(8)) {
                case 0, 1 -> flipBytes(bytes, random);
                case 2 -> lines(bytes, random, Edit.DUPLICATE);
                case 3 -> lines(bytes, random, Edit.DELETE);
                case 4 -> lines(bytes, random, Edit.SWAP);
                case 5 -> insertUnicode(bytes, random);
                case 6 -> hugeValue(bytes, random);
                default -> replaceToken(bytes, random);
            };
        }
        return bytes;
    }

    private static byte[] flipBytes(byte[] bytes, SplittableRandom random) {
        byte[] out = bytes.clone();
        if (out.length == 0) {
            return out;
        }
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            int at = random.nextInt(out.length);
            out[at] = random.nextBoolean() ? (byte) (out[at] ^ (1 << random.nextInt(8))) : (byte) random.nextInt(256);
        }
        return out;
    }

    enum Edit { DUPLICATE, DELETE, SWAP }

    private static byte[] lines(byte[] bytes, SplittableRandom random, Edit edit) {
        List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.ISO_8859_1).split("\n", -1)));
        int a = random.nextInt(lines.size());
        int b = random.nextInt(lines.size());
        switch (edit) {
            case DUPLICATE -> lines.add(b, lines.get(a));
            case DELETE -> lines.remove(a);
            case SWAP -> {
                String t = lines.get(a);
                lines.set(a, lines.get(b));
                lines.set(b, t);
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.ISO_8859_1); // byte-preserving both ways
    }

    /** Random code points: C0/C1 controls, bidi overrides, line separators, BMP and astral characters. */
    private static byte[] insertUnicode(byte[] bytes, SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(6); i > 0; i--) {
            int c = switch (random.nextInt(6)) {
                case 0 -> random.nextInt(0x20);
                case 1 -> 0x80 + random.nextInt(0x20);
                case 2 -> new int[] {0x202e, 0x2066, 0x2028, 0x2029, 0xfeff, 0x200b}[random.nextInt(6)];
                case 3 -> 0x10000 + random.nextInt(0x100000 - 0x10000);
                case 4 -> 0x20 + random.nextInt(0x5f);
                default -> {
                    int bmp = 0xa0 + random.nextInt(0xfffe - 0xa0);
                    yield Character.isSurrogate((char) bmp) ? 'x' : bmp;
                }
            };
            s.appendCodePoint(c);
        }
        return splice(bytes, random.nextInt(bytes.length + 1), 0, s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A value (after {@code ": "}) or a key made long: digits, letters or a deep flow collection. */
    private static byte[] hugeValue(byte[] bytes, SplittableRandom random) {
        int length = 1_000 + random.nextInt(60_000);
        String huge = switch (random.nextInt(4)) {
            case 0 -> "9".repeat(length);
            case 1 -> "a".repeat(length);
            case 2 -> "[".repeat(Math.min(length, 5_000)) + "]".repeat(Math.min(length, 5_000));
            default -> "{a: ".repeat(Math.min(length, 2_000)) + "1" + "}".repeat(Math.min(length, 2_000));
        };
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int colon = text.indexOf(": ", random.nextInt(Math.max(1, text.length())));
        if (colon < 0) {
            return splice(bytes, bytes.length, 0, ("\nx: " + huge + "\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        if (random.nextBoolean()) { // the value
            int end = text.indexOf('\n', colon);
            end = end < 0 ? text.length() : end;
            return splice(bytes, colon + 2, end - colon - 2, huge.getBytes(StandardCharsets.ISO_8859_1));
        }
        int lineStart = text.lastIndexOf('\n', colon) + 1; // the key: keep its indentation
        int keyStart = lineStart;
        while (keyStart < colon && (text.charAt(keyStart) == ' ' || text.charAt(keyStart) == '-')) {
            keyStart++;
        }
        return splice(bytes, keyStart, colon - keyStart, ("k" + "e".repeat(length)).getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A scalar replaced by one of the values configs get wrong: other types, edge numbers, YAML specials. */
    private static byte[] replaceToken(byte[] bytes, SplittableRandom random) {
        String[] tokens = {"0", "-1", "65535", "65536", "4294967296", "1e400", ".nan", ".inf", "~", "null", "true",
            "''", "\"\"", "[]", "{}", "0x10", "010.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.1:0", "10.0.0.1:99999",
            "*anchor", "&a x", "!!binary AAAA", "!!python/object:x {}", "<<: {}", "? x", "|", ">-", "'\\n'", "\"\\x1b[2J\"",
            "\"\\u202e\"", "9223372036854775808", "-0", "1_000", "0o17", "1s", "0s", "-5s", "PT1S", "99999d"};
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int colon = text.indexOf(": ", random.nextInt(Math.max(1, text.length())));
        if (colon < 0) {
            return bytes;
        }
        int end = text.indexOf('\n', colon);
        end = end < 0 ? text.length() : end;
        return splice(bytes, colon + 2, end - colon - 2,
                tokens[random.nextInt(tokens.length)].getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
        byte[] out = new byte[bytes.length - remove + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at + remove, out, at + insert.length, bytes.length - at - remove);
        return out;
    }
}
