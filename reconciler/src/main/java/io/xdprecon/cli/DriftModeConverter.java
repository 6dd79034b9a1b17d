package io.xdprecon.cli;

import io.xdprecon.daemon.Daemon;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --drift enforce|warn}. */
final class DriftModeConverter implements ITypeConverter<Daemon.DriftMode> {
    @Override
    public Daemon.DriftMode convert(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "enforce" -> Daemon.DriftMode.ENFORCE;
            case "warn" -> Daemon.DriftMode.WARN;
            default -> throw new TypeConversionException("'" + value + "' is neither enforce nor warn");
        };
    }
}
