package io.xdprecon.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one duration syntax of every option ({@code run --interval}, {@code flows --interval}, {@code top
 * --interval}, {@code --timeout}): {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, between {@link #minimum()}
 * and {@link #maximum()} (a timeout of 0 or an interval of 1 ms makes a busy loop, not a setting). A bare number
 * is refused: {@code --interval 1} meant seconds to one command and could mean milliseconds to the next.
 */
class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern BARE = Pattern.compile("\\d+(\\.\\d+)?");

    /** The smallest duration accepted; subclasses for options that need more. */
    Duration minimum() {
        return Duration.ofMillis(1);
    }

    /** The longest duration accepted. */
    Duration maximum() {
        return Duration.ofDays(1);
    }

    @Override
    public Duration convert(String value) {
        String text = value.strip();
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            if (BARE.matcher(text).matches()) {
                throw new TypeConversionException("'" + value + "' has no unit: write it like 500ms, 30s, 5m or 1h");
            }
            throw new TypeConversionException("'" + value + "' is not a duration like 500ms, 30s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (duration.compareTo(minimum()) < 0) {
            throw new TypeConversionException("'" + value + "' is too short: at least " + words(minimum()));
        }
        if (duration.compareTo(maximum()) > 0) {
            throw new TypeConversionException("'" + value + "' is too long: at most " + words(maximum()));
        }
        return duration;
    }

    static String words(Duration d) {
        return d.toMillis() % 1000 != 0 ? d.toMillis() + "ms" : d.toSeconds() % 60 != 0 ? d.toSeconds() + "s"
                : d.toMinutes() % 60 != 0 ? d.toMinutes() + "m" : d.toHours() + "h";
    }
}
