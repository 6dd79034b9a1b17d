package io.xdprecon.tests.bench;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a benchmark's {@link Chart} as {@code NAME.csv} and {@code NAME.png} into one directory: the series
 * for whoever wants to compare runs or plot them otherwise, the picture for the README. Any bench calls it
 * after printing its table:
 *
 * <pre>{@code
 * ChartWriter charts = ChartWriter.fromSystemProperty();   // -Dxdprecon.bench.out=DIR, bench.sh sets it
 * charts.write(new Chart.Bars("fastpath-pps", "Forwarding rate by datapath", "packets/s",
 *         List.of("XDP", "tc bridge", "DPDK"), List.of(new Chart.Values("64 B", List.of(1.2e6, 0.8e6, 0.2e6)))));
 * }</pre>
 *
 * <p>PNGs are drawn with XChart through AWT, headless (no display needed; fonts come from fontconfig).
 */
public final class ChartWriter {
    /** System property naming the output directory; {@code scripts/bench.sh} passes {@code docs/bench}. */
    public static final String DIRECTORY_PROPERTY = "xdprecon.bench.out";
    static final int WIDTH = 900;
    static final int HEIGHT = 520;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** The two files written for one chart. */
    public record Written(Path csv, Path png) {
    }

    private final Path directory;

    public ChartWriter(Path directory) {
        this.directory = directory;
    }

    /** Writes into {@code -D}{@value #DIRECTORY_PROPERTY}, or {@code target/bench} when it is not set. */
    public static ChartWriter fromSystemProperty() {
        return new ChartWriter(Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/bench")));
    }

    public Path directory() {
        return directory;
    }

    /** Writes NAME.csv and NAME.png (replacing older ones) and prints where they went. */
    public Written write(Chart chart) {
        try {
            Files.createDirectories(directory);
            Path csv = directory.resolve(chart.name() + ".csv");
            Path png = directory.resolve(chart.name() + ".png");
            Files.writeString(csv, csv(chart));
            switch (chart) {
                case Chart.Lines lines -> BitmapEncoder.saveBitmap(lines(lines), png.toString(), BitmapEncoder.BitmapFormat.PNG);
                case Chart.Bars bars -> BitmapEncoder.saveBitmap(bars(bars), png.toString(), BitmapEncoder.BitmapFormat.PNG);
            }
            System.out.println("chart: " + png + " (series in " + csv.getFileName() + ")");
            return new Written(csv, png);
        } catch (IOException e) {
            throw new UncheckedIOException("writing chart " + chart.name() + " into " + directory, e);
        }
    }

    /** The chart's numbers as CSV with a header row (RFC 4180 quoting). */
    static String csv(Chart chart) {
        StringBuilder out = new StringBuilder();
        switch (chart) {
            case Chart.Lines lines -> {
                out.append("series,x,y\n");
                for (Chart.Series s : lines.series()) {
                    for (int i = 0; i < s.x().size(); i++) {
                        row(out, s.name(), number(s.x().get(i)), number(s.y().get(i)));
                    }
                }
            }
            case Chart.Bars bars -> {
                out.append("category,series,value\n");
                for (int c = 0; c < bars.categories().size(); c++) {
                    for (Chart.Values v : bars.series()) {
                        row(out, bars.categories().get(c), v.name(), number(v.values().get(c)));
                    }
                }
            }
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String... fields) {
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (i > 0) {
                out.append(',');
            }
            if (f.contains(",") || f.contains("\"") || f.contains("\n")) {
                out.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                out.append(f);
            }
        }
        out.append('\n');
    }

    /** Six significant digits, plain: 188588.0 → 188588, 7815.986720999 → 7815.99, 4.1 → 4.1 (no exponent). */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("not a finite number: " + value);
        }
        return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static XYChart lines(Chart.Lines chart) {
        XYChart xy = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(chart.title())
                .xAxisTitle(chart.x().title()).yAxisTitle(chart.y().title()).build();
        style(xy.getStyler());
        xy.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        xy.getStyler().setXAxisLogarithmic(chart.x().scale() == Chart.Scale.LOG);
        xy.getStyler().setYAxisLogarithmic(chart.y().scale() == Chart.Scale.LOG);
        // a log axis within one decade needs its ticks between the decades; over more they crowd each other
        xy.getStyler().setXAxisLogarithmicDecadeOnly(decades(chart.series(), Chart.Series::x) >= 1);
        xy.getStyler().setYAxisLogarithmicDecadeOnly(decades(chart.series(), Chart.Series::y) >= 1);
        xy.getStyler().setXAxisDecimalPattern("#,##0.###");
        xy.getStyler().setYAxisDecimalPattern("#,##0.###");
        DoubleUnaryOperator x = place(chart.x().scale());
        if (chart.x().scale() == Chart.Scale.PERCENTILE) {
            xy.getStyler().setxAxisTickLabelsFormattingFunction(ChartWriter::percentileLabel);
        }
        for (Chart.Series s : chart.series()) {
            List<Double> xs = new ArrayList<>();
            s.x().forEach(v -> xs.add(x.applyAsDouble(v)));
            XYSeries series = xy.addSeries(s.name(), xs, s.y());
            series.setMarker(s.x().size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return xy;
    }

    /** How many decades the values of one coordinate span over all series (0 when any is not positive). */
    static double decades(List<Chart.Series> series, java.util.function.Function<Chart.Series, List<Double>> values) {
        var stats = series.stream().flatMap(s -> values.apply(s).stream()).mapToDouble(Double::doubleValue)
                .summaryStatistics();
        return stats.getMin() > 0 ? Math.log10(stats.getMax() / stats.getMin()) : 0;
    }

    private static CategoryChart bars(Chart.Bars chart) {
        CategoryChart bars = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(chart.title())
                .yAxisTitle(chart.yTitle()).build();
        style(bars.getStyler());
        bars.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        bars.getStyler().setLegendVisible(chart.series().size() > 1);
        bars.getStyler().setLabelsVisible(true);
        bars.getStyler().setYAxisMin(0.0);
        bars.getStyler().setYAxisDecimalPattern("#,##0.###");
        bars.getStyler().setDecimalPattern("#,##0.###");
        for (Chart.Values v : chart.series()) {
            bars.addSeries(v.name(), chart.categories(), v.values());
        }
        return bars;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setAntiAlias(true);
    }

    /** Where a value lands on an axis of this scale (XChart draws LOG itself; PERCENTILE is ours). */
    static DoubleUnaryOperator place(Chart.Scale scale) {
        return switch (scale) {
            case LINEAR, LOG -> v -> v;
            case PERCENTILE -> p -> {
                if (p < 0 || p >= 100) {
                    throw new IllegalArgumentException("percentile " + p + " outside [0, 100)");
                }
                return Math.log10(100 / (100 - p));
            };
        };
    }

    /**
     * The label of a tick at {@code position} on a PERCENTILE axis: 0 → 0%, 1 → 90%, 2 → 99%, 3 → 99.9%; ticks
     * between the nines stay unlabelled (a "96.8377%" says nothing).
     */
    static String percentileLabel(double position) {
        if (Math.abs(position - Math.rint(position)) > 1e-9) {
            return "";
        }
        double p = 100 * (1 - Math.pow(10, -Math.rint(position)));
        String label = String.format(Locale.ROOT, "%.4f", p).replaceAll("0+$", "").replaceAll("\\.$", "");
        return label + "%";
    }
}
