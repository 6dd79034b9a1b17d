package io.xdprecon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.FlowCounters;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.dataplane.maps.Stat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopViewTest {
    private static TopView.Row row(String name, String service, Owner owner, int port, String in, double pps, long packets) {
        FlowKey match = FlowKey.of(2, "10.0.0.1", port, "10.0.0.100", 3478);
        FlowRule rule = new FlowRule(FlowKey.of(3, "10.1.0.1", port, "10.1.0.2", 7000), owner);
        return new TopView.Row(name, service, ShownRule.of(match, rule), in, "eth1", new FlowCounters(packets, packets * 100), pps, pps * 800);
    }

    private static final List<TopView.Row> ROWS = List.of(
            row("alpha (forward)", null, Owner.CONFIG, 1000, "eth0", 10, 5000),
            row("bravo (forward)", null, Owner.CONFIG, 1001, "eth0", 900, 100),
            row("svc (session)", "svc", Owner.SESSION, 1002, "eth2", 50, 70));
    private static final TopView.Frame FRAME = new TopView.Frame(TopView.Table.of(ROWS), Map.of(Stat.REWRITE_HIT, 960.0), 1024, 64, 1, 12, 9);

    private static List<String> tableRows(List<String> lines) {
        return lines.subList(lines.indexOf(lines.stream().filter(l -> l.startsWith("FLOW")).findFirst().orElseThrow()) + 1,
                lines.size());
    }

    @Test
    void sortsByTheChosenKeyBestFirst() {
        assertTrue(tableRows(TopView.render(FRAME, TopView.Sort.PPS, false, TopView.Filter.NONE, 0, 0)).getFirst()
                .startsWith("bravo"));
        assertTrue(tableRows(TopView.render(FRAME, TopView.Sort.PACKETS, false, TopView.Filter.NONE, 0, 0)).getFirst()
                .startsWith("alpha"));
        List<String> byName = tableRows(TopView.render(FRAME, TopView.Sort.NAME, true, TopView.Filter.NONE, 0, 0));
        assertTrue(byName.getFirst().startsWith("svc"), byName.toString());
    }

    @Test
    void showsWhatFitsAndCutsLinesToTheWidth() {
        List<String> lines = TopView.render(FRAME, TopView.Sort.PPS, false, TopView.Filter.NONE, 60, 7);
        assertEquals(7, lines.size());
        assertEquals(1, tableRows(lines).size());
        assertTrue(lines.stream().allMatch(l -> l.length() <= 60));
    }

    @Test
    void filtersByFlowOwnerServiceAndInterfaceAndTotalsWhatIsShown() {
        List<String> lines = TopView.render(FRAME, TopView.Sort.PPS, false, new TopView.Filter(null, null, "svc", null), 0, 0);
        assertEquals(1, tableRows(lines).size());
        assertTrue(lines.get(1).startsWith("shown 1 rules: 50 pps 40.0k bps"), lines.get(1));
        assertEquals(2, tableRows(TopView.render(FRAME, TopView.Sort.PPS, false,
                new TopView.Filter(null, "config", null, null), 0, 0)).size());
        assertEquals(1, tableRows(TopView.render(FRAME, TopView.Sort.PPS, false,
                new TopView.Filter("ALPHA", null, null, null), 0, 0)).size());
        assertEquals(1, tableRows(TopView.render(FRAME, TopView.Sort.PPS, false,
                new TopView.Filter(null, null, null, "eth2"), 0, 0)).size());
        assertEquals(3, tableRows(TopView.render(FRAME, TopView.Sort.PPS, false,
                new TopView.Filter(null, null, null, "eth1"), 0, 0)).size(), "the egress interface counts too");
    }

    @Test
    void theHeaderHasTotalsCountersAndTheRefreshCost() {
        List<String> lines = TopView.render(FRAME, TopView.Sort.PPS, false, TopView.Filter.NONE, 0, 0);
        assertTrue(lines.get(0).contains("rules 3 of 1,024 + IPv6 0 of 64 (config 2, session 1) - refresh 12 ms (cpu 9 ms)"), lines.get(0));
        assertTrue(lines.get(1).contains("960 pps"), lines.get(1));
        assertTrue(lines.get(2).startsWith("datapath/s: hit 960 miss -"), lines.get(2));
    }

    @Test
    void ratesReadAtAGlance() {
        assertEquals("999", TopView.human(999.0));
        assertEquals("1.2k", TopView.human(1234.0));
        assertEquals("5.6M", TopView.human(5_600_000.0));
        assertThrows(UsageException.class, () -> TopView.Sort.parse("fastest"));
    }

    @Test
    void theBestKOfManyAreTheFirstKOfAFullSortInEveryOrder() {
        java.util.Random random = new java.util.Random(7);
        List<TopView.Row> many = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            // few distinct rates and names: most of the order is decided by the ties
            many.add(row("flow" + random.nextInt(50), null, Owner.CONFIG, 1000 + random.nextInt(3000), "eth0",
                    random.nextInt(20), random.nextInt(30)));
        }
        TopView.Table table = TopView.Table.of(many);
        int[] all = java.util.stream.IntStream.range(0, many.size()).toArray();
        for (TopView.Sort sort : TopView.Sort.values()) {
            for (boolean reverse : new boolean[] {false, true}) {
                TopView.IndexOrder order = TopView.order(table, sort, reverse);
                int[] sorted = TopView.best(all, all.length, order, all.length);
                for (int k : new int[] {0, 1, 7, 100}) {
                    int[] best = TopView.best(all, all.length, order, k);
                    for (int j = 0; j < k; j++) {
                        assertEquals(0, order.compare(sorted[j], best[j]), sort + " reverse=" + reverse + " k=" + k + " at " + j);
                    }
                    assertEquals(k, best.length);
                }
            }
        }
    }
}
