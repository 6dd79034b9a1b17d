package io.xdprecon.tests.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartWriterTest {
    @TempDir
    Path dir;

    @Test
    void linesGoToACsvInLongFormAndAPngOfTheChartsSize() throws Exception {
        Chart chart = new Chart.Lines("reconcile-vs-flows", "Reconcile time", Chart.Axis.log("flows"),
                Chart.Axis.linear("ms"), List.of(
                        new Chart.Series("plan", List.of(1024.0, 262144.0), List.of(3.5, 1340.0)),
                        new Chart.Series("apply, \"cold\"", List.of(1024.0), List.of(0.25))));
        ChartWriter.Written written = new ChartWriter(dir.resolve("out")).write(chart);

        assertEquals("series,x,y\nplan,1024,3.5\nplan,262144,1340\n\"apply, \"\"cold\"\"\",1024,0.25\n",
                Files.readString(written.csv()));
        assertPicture(written.png());
    }

    @Test
    void barsGoToACsvByCategoryThenSeries() throws Exception {
        Chart chart = new Chart.Bars("pps", "Forwarding rate", "packets/s", List.of("XDP", "DPDK"), List.of(
                new Chart.Values("run 1", List.of(369288.0, 224784.0)), new Chart.Values("run 2", List.of(1e6, 2.5e5))));
        ChartWriter.Written written = new ChartWriter(dir).write(chart);

        assertEquals("category,series,value\nXDP,run 1,369288\nXDP,run 2,1000000\nDPDK,run 1,224784\nDPDK,run 2,250000\n",
                Files.readString(written.csv()));
        assertPicture(written.png());
    }

    @Test
    void aPercentileAxisSpacesTheNinesEvenly() {
        var place = ChartWriter.place(Chart.Scale.PERCENTILE);
        assertEquals(0, place.applyAsDouble(0), 1e-12);
        assertEquals(1, place.applyAsDouble(90), 1e-12);
        assertEquals(2, place.applyAsDouble(99), 1e-12);
        assertEquals(3, place.applyAsDouble(99.9), 1e-9);
        assertEquals("99.9%", ChartWriter.percentileLabel(3));
        assertEquals("0%", ChartWriter.percentileLabel(0));
        assertEquals("", ChartWriter.percentileLabel(Math.log10(2)));
        assertThrows(IllegalArgumentException.class, () -> place.applyAsDouble(100));
    }

    @Test
    void aLatencyPercentileChartDraws() throws Exception {
        Chart chart = new Chart.Lines("latency", "Latency", new Chart.Axis("percentile", Chart.Scale.PERCENTILE),
                Chart.Axis.log("µs"), List.of(new Chart.Series("setup", List.of(0.0, 50.0, 90.0, 99.0, 99.9, 99.99),
                        List.of(2.0, 4.1, 5.0, 7.5, 32.4, 900.0))));
        assertPicture(new ChartWriter(dir).write(chart).png());
    }

    @Test
    void badChartsAreRefusedBeforeAnythingIsWritten() {
        assertThrows(IllegalArgumentException.class, () -> new Chart.Bars("Bad Name", "t", "y", List.of("a"),
                List.of(new Chart.Values("s", List.of(1.0)))));
        assertThrows(IllegalArgumentException.class, () -> new Chart.Bars("ok", "t", "y", List.of("a", "b"),
                List.of(new Chart.Values("s", List.of(1.0)))));
        assertThrows(IllegalArgumentException.class, () -> new Chart.Lines("ok", "t", Chart.Axis.linear("x"),
                Chart.Axis.linear("y"), List.of(new Chart.Series("s", List.of(1.0), List.of(1.0)),
                        new Chart.Series("s", List.of(2.0), List.of(2.0)))));
        assertThrows(IllegalArgumentException.class, () -> ChartWriter.number(Double.NaN));
    }

    @Test
    void numbersKeepSixSignificantDigitsWithoutExponent() {
        assertEquals("7815.99", ChartWriter.number(7815.986720999999));
        assertEquals("1000000", ChartWriter.number(1e6));
        assertEquals("0.000123457", ChartWriter.number(0.0001234567));
    }

    /** A PNG of the writer's size with more than a handful of colours: axes, text and series were drawn. */
    private static void assertPicture(Path png) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(ChartWriter.WIDTH, image.getWidth());
        assertEquals(ChartWriter.HEIGHT, image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, "only " + colours.size() + " colours: nothing drawn?");
    }
}
