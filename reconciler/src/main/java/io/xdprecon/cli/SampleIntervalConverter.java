package io.xdprecon.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code flows --interval}: seconds between two samples, 0 (no rates) to 3600, as a plain decimal. */
final class SampleIntervalConverter implements ITypeConverter<Double> {
    static final double MAX = 3600;

    @Override
    public Double convert(String value) {
        String text = value.strip();
        double seconds = text.matches("[0-9]{1,4}(\\.[0-9]{1,6})?") ? Double.parseDouble(text) : Double.NaN;
        if (!(seconds >= 0 && seconds <= MAX)) {
            throw new TypeConversionException("'" + value + "' is not a number of seconds from 0 to 3600, like 1 or 0.5");
        }
        return seconds;
    }
}
