package io.xdprecon.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Strict UTF-8 decoding that says where the text stops being UTF-8: a byte offset, a line and a column. */
public final class Utf8 {
    private Utf8() {}

    /**
     * The first bytes that are not UTF-8.
     *
     * @param offset  of the first bad byte, from 0
     * @param line    of that byte, from 1
     * @param column  in code points of the line before it, from 1
     * @param bytes   the bad bytes, as hex ({@code 0xff 0xfe})
     */
    public record Malformed(long offset, int line, int column, String bytes) {
        /** E.g. "is not UTF-8 text: byte 0xff at offset 1234 (line 7, column 3)". */
        public String describe() {
            return "is not UTF-8 text: " + (bytes.contains(" ") ? "bytes " : "byte ") + bytes + " at offset " + offset
                    + " (line " + line + ", column " + column + ")";
        }
    }

    /** Thrown by {@link #decode} with where the text went wrong. */
    public static final class MalformedException extends Exception {
        private final Malformed where;

        MalformedException(Malformed where) {
            super(where.describe(), null, false, false);
            this.where = where;
        }

        public Malformed where() {
            return where;
        }
    }

    /**
     * The first place the bytes of {@code in} are not UTF-8, read in chunks (never held whole: a config is streamed);
     * empty when all of them are.
     */
    public static Optional<Malformed> firstMalformed(InputStream in) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(1 << 16).flip();
        CharBuffer chars = CharBuffer.allocate(1 << 16);
        long offset = 0;
        int line = 1;
        int column = 1;
        boolean end = false;
        while (true) {
            if (!end) {
                bytes.compact();
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                if (n < 0) {
                    end = true;
                } else {
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
            }
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, chars, end);
            offset += bytes.position() - before;
            chars.flip();
            for (int i = 0; i < chars.limit(); i++) {
                char c = chars.get(i);
                if (c == '\n') {
                    line++;
                    column = 1;
                } else if (!Character.isLowSurrogate(c)) { // a pair is one code point
                    column++;
                }
            }
            chars.clear();
            if (result.isError()) {
                StringBuilder bad = new StringBuilder();
                for (int i = 0; i < result.length() && bytes.position() + i < bytes.limit(); i++) {
                    bad.append(bad.isEmpty() ? "" : " ").append(String.format("0x%02x", bytes.get(bytes.position() + i) & 0xff));
                }
                return Optional.of(new Malformed(offset, line, column, bad.toString()));
            }
            if (end && result.isUnderflow()) {
                return Optional.empty();
            }
        }
    }

    /** {@code bytes} as text, refusing anything that is not well-formed UTF-8 (no replacement characters). */
    public static String decode(byte[] bytes) throws MalformedException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            out.flip();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < out.limit(); i++) {
                if (out.get(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int column = Character.codePointCount(out, lineStart, out.limit()) + 1;
            StringBuilder bad = new StringBuilder();
            for (int i = 0; i < result.length() && offset + i < bytes.length; i++) {
                bad.append(bad.isEmpty() ? "" : " ").append(String.format("0x%02x", bytes[offset + i] & 0xff));
            }
            throw new MalformedException(new Malformed(offset, line, column, bad.toString()));
        }
        return out.flip().toString();
    }
}
