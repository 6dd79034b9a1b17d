package io.xdprecon.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class EscapeTest {
    @Test
    void plainTextIsReturnedAsItIs() {
        String text = "flows[2].listen.port: 'ünïcødé \\ ok' — 70000 > 65535";
        assertSame(text, Escape.line(text));
        assertSame(text, Escape.lines(text));
    }

    @Test
    void controlsBecomeEscapesSoNothingActsOnTheTerminal() {
        assertEquals("a\\nb\\r\\tc\\x1b[2J\\x00\\x7f", Escape.line("a\nb\r\tc\u001b[2J\u0000\u007f"));
        assertEquals("\\u0085\\u009b31m", Escape.line("\u0085\u009b31m"), "C1 controls, NEL and CSI among them");
        assertEquals("\\u2028\\u2029", Escape.line("\u2028\u2029"));
        assertEquals("user\\u202etxt.exe\\u2066x\\u2069", Escape.line("user\u202etxt.exe\u2066x\u2069"), "bidi overrides");
    }

    @Test
    void linesKeepsLineBreaksOnly() {
        assertEquals("one\ntwo\\x1b[0m\\r", Escape.lines("one\ntwo\u001b[0m\r"));
        assertEquals("'a\\nINFO forged'", Escape.quote("a\nINFO forged"));
    }
}
