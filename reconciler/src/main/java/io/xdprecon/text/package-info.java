/**
 * Text quoted from input, made safe and placed: {@link io.xdprecon.text.Escape} shows control characters escaped
 * (terminals, logs, {@code /status}, JSON).
 *
 * <p>May import: nothing of xdprecon.
 */
package io.xdprecon.text;
