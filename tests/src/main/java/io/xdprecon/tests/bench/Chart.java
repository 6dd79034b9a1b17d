package io.xdprecon.tests.bench;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One picture of a benchmark and the numbers behind it. {@link ChartWriter} writes both from this one value,
 * {@code NAME.csv} beside {@code NAME.png}, so a plot never shows a number its CSV lacks.
 */
public sealed interface Chart {
    Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    /** File stem of the CSV and the PNG: lower case, digits, dashes. */
    String name();

    String title();

    /**
     * Lines over a numeric x, e.g. reconcile time against flows, or latency against percentile. CSV columns:
     * {@code series,x,y} (long form: series may have different x values).
     */
    record Lines(String name, String title, Axis x, Axis y, List<Series> series) implements Chart {
        public Lines {
            check(name, series.stream().map(Series::name).toList());
            series = List.copyOf(series);
        }
    }

    /**
     * Bars by category, one bar per series in each category, e.g. packets per second per datapath. CSV
     * columns: {@code category,series,value}.
     */
    record Bars(String name, String title, String yTitle, List<String> categories, List<Values> series)
            implements Chart {
        public Bars {
            check(name, series.stream().map(Values::name).toList());
            categories = List.copyOf(categories);
            series = List.copyOf(series);
            for (Values v : series) {
                if (v.values().size() != categories.size()) {
                    throw new IllegalArgumentException("series " + v.name() + " has " + v.values().size()
                            + " values for " + categories.size() + " categories");
                }
            }
        }
    }

    /** One line: points (x[i], y[i]). */
    record Series(String name, List<Double> x, List<Double> y) {
        public Series {
            if (x.size() != y.size() || x.isEmpty()) {
                throw new IllegalArgumentException("series " + name + ": " + x.size() + " x for " + y.size() + " y");
            }
            x = List.copyOf(x);
            y = List.copyOf(y);
        }
    }

    /** One bar per category, in the chart's category order. */
    record Values(String name, List<Double> values) {
        public Values {
            values = List.copyOf(values);
        }
    }

    /** An axis title (with its unit) and how values map onto it. */
    record Axis(String title, Scale scale) {
        public static Axis linear(String title) {
            return new Axis(title, Scale.LINEAR);
        }

        public static Axis log(String title) {
            return new Axis(title, Scale.LOG);
        }
    }

    enum Scale {
        LINEAR,
        /** Base 10: for quantities spanning decades (flows 1k…512k, latency µs…ms). */
        LOG,
        /**
         * Values are percentiles in [0, 100) drawn at log10(1 / (1 - p/100)), so 90, 99, 99.9, 99.99 are evenly
         * spaced: the usual picture of a latency distribution's tail (HdrHistogram's percentile plot).
         */
        PERCENTILE
    }

    private static void check(String name, List<String> seriesNames) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("chart name '" + name + "': lower case, digits and dashes only");
        }
        if (seriesNames.isEmpty()) {
            throw new IllegalArgumentException("chart " + name + " has no series");
        }
        if (seriesNames.stream().distinct().count() != seriesNames.size()) {
            throw new IllegalArgumentException("chart " + name + " names a series twice: " + seriesNames);
        }
    }
}
