package io.xdprecon.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --jitter}: a fraction 0..0.9 of the interval, written as a plain decimal (no NaN, no infinity). */
final class JitterConverter implements ITypeConverter<Double> {
    static final double MAX = 0.9;

    @Override
    public Double convert(String value) {
        double jitter;
        try {
            jitter = value.strip().matches("[0-9]*\\.?[0-9]+") ? Double.parseDouble(value.strip()) : Double.NaN;
        } catch (NumberFormatException e) {
            jitter = Double.NaN;
        }
        if (!(jitter >= 0 && jitter <= MAX)) { // false for NaN too
            throw new TypeConversionException("'" + value + "' is not a fraction from 0 to " + MAX + ", like 0.1");
        }
        return jitter;
    }
}
