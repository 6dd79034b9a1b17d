/**
 * Text quoted from input, made safe and placed: {@link io.xdprecon.text.Escape} shows control characters escaped
 * (terminals, logs, {@code /status}, JSON), {@link io.xdprecon.text.Utf8} decodes bytes and names where they are
 * not UTF-8 (line, column, byte offset), {@link io.xdprecon.text.Columns} fits text for people to 120 columns.
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.text;
