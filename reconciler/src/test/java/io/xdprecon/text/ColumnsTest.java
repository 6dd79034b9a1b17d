package io.xdprecon.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ColumnsTest {
    @Test
    void aLineThatFitsIsLeftAsWrittenSpacesAndAll() {
        assertEquals(List.of("- a  b"), Columns.wrap("a  b", 10, "- ", "  "));
    }

    @Test
    void wordsMoveToTheNextLineUnderTheFirstWordAndALongWordStaysWhole() {
        assertEquals(List.of("- one two", "  three", "  /a/very/long/path", "  four"),
                Columns.wrap("one two three /a/very/long/path four", 10, "- ", "  "));
    }

    @Test
    void itsOwnLineBreaksAreKept() {
        assertEquals(List.of("> one two", "  three", "  four"), Columns.wrap("one two three\nfour", 10, "> ", "  "));
    }

    @Test
    void aByteStringLongerThanALineBreaksAfterAColon() {
        assertEquals(List.of("- key", "  6d:5a:6d:", "  5a:6d:5a"), Columns.wrap("key 6d:5a:6d:5a:6d:5a", 12, "- ", "  "));
    }
}
