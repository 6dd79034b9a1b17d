package io.xdprecon.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.config.Endpoint;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RendezvousTest {
    static final int CLIENTS = 100_000;

    static List<Endpoint> backends(int n) {
        List<Endpoint> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(Endpoint.of("10.9.0." + (i + 1), 7000));
        }
        return b;
    }

    static int[][] clients() {
        Random r = new Random(42);
        int[][] c = new int[CLIENTS][];
        for (int i = 0; i < CLIENTS; i++) {
            // clients behind few NATs: neighbouring addresses and ports, the hard case for a weak mix
            c[i] = new int[] {0xC6336400 + r.nextInt(16), 1024 + r.nextInt(64512)};
        }
        return c;
    }

    @Test
    void spreadsClientsEvenly() {
        List<Endpoint> b = backends(8);
        int[] load = new int[8];
        for (int[] c : clients()) {
            load[Rendezvous.choose(b, c[0], c[1])]++;
        }
        double expected = CLIENTS / 8.0;
        for (int l : load) {
            assertTrue(Math.abs(l - expected) < expected * 0.05, "load " + l + " vs " + expected);
        }
    }

    @Test
    void removingABackendMovesOnlyItsClients() {
        List<Endpoint> before = backends(8);
        List<Endpoint> after = new ArrayList<>(before);
        Endpoint gone = after.remove(3);
        int moved = 0;
        for (int[] c : clients()) {
            Endpoint was = before.get(Rendezvous.choose(before, c[0], c[1]));
            Endpoint now = after.get(Rendezvous.choose(after, c[0], c[1]));
            if (!was.equals(now)) {
                assertEquals(gone, was, "a client of a remaining backend moved");
                moved++;
            }
        }
        assertTrue(Math.abs(moved - CLIENTS / 8.0) < CLIENTS / 8.0 * 0.05, "moved " + moved);
    }

    @Test
    void addingABackendMovesAboutOneInNAndOnlyToIt() {
        List<Endpoint> before = backends(8);
        List<Endpoint> after = backends(9);
        int moved = 0;
        for (int[] c : clients()) {
            Endpoint was = before.get(Rendezvous.choose(before, c[0], c[1]));
            Endpoint now = after.get(Rendezvous.choose(after, c[0], c[1]));
            if (!was.equals(now)) {
                assertEquals(after.get(8), now, "a client moved between old backends");
                moved++;
            }
        }
        assertTrue(Math.abs(moved - CLIENTS / 9.0) < CLIENTS / 9.0 * 0.05, "moved " + moved);
    }

    @Test
    void orderOfBackendsDoesNotMatterAndNoneGivesMinusOne() {
        List<Endpoint> b = backends(5);
        List<Endpoint> reversed = new ArrayList<>(b.reversed());
        for (int[] c : clients()) {
            assertEquals(b.get(Rendezvous.choose(b, c[0], c[1])), reversed.get(Rendezvous.choose(reversed, c[0], c[1])));
        }
        assertEquals(-1, Rendezvous.choose(List.of(), 1, 2));
    }

    @Test
    void theSpillOrderStartsWithTheChoiceAndLosingABackendKeepsTheRestInOrder() {
        List<Endpoint> b = backends(6);
        List<Endpoint> after = new ArrayList<>(b);
        Endpoint gone = after.remove(2);
        int[][] clients = clients();
        for (int i = 0; i < 10_000; i++) {
            int[] c = clients[i];
            int[] order = Rendezvous.order(b, c[0], c[1]);
            assertEquals(Rendezvous.choose(b, c[0], c[1]), order[0]);
            assertEquals(6, java.util.Arrays.stream(order).distinct().count(), "every backend once");
            List<Endpoint> without = new ArrayList<>();
            for (int k : order) {
                if (!b.get(k).equals(gone)) {
                    without.add(b.get(k));
                }
            }
            List<Endpoint> now = new ArrayList<>();
            for (int k : Rendezvous.order(after, c[0], c[1])) {
                now.add(after.get(k));
            }
            assertEquals(without, now);
        }
        assertEquals(0, Rendezvous.order(List.of(), 1, 2).length);
    }

    /**
     * IPv6 clients and backends, each in one /64 with neighbouring interface ids (the hard case): an even spread, and
     * losing a backend moves only its clients, as for IPv4.
     */
    @Test
    void ipv6ClientsSpreadEvenlyOverIpv6BackendsAndOnlyALostBackendsClientsMove() {
        List<Endpoint> before = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            before.add(new Endpoint(new IpAddress.V6(0x20010db8_00090000L, i + 1), 7000));
        }
        List<Endpoint> after = new ArrayList<>(before);
        Endpoint gone = after.remove(5);
        Random r = new Random(43);
        int[] load = new int[8];
        int moved = 0;
        for (int i = 0; i < CLIENTS; i++) {
            long client = Rendezvous.client(new IpAddress.V6(0x20010db8_00630000L, r.nextInt(16)), 1024 + r.nextInt(64512));
            int was = Rendezvous.choose(before, client);
            load[was]++;
            Endpoint now = after.get(Rendezvous.choose(after, client));
            if (!before.get(was).equals(now)) {
                assertEquals(gone, before.get(was), "a client of a remaining backend moved");
                moved++;
            }
            assertEquals(was, Rendezvous.order(before, client)[0]);
        }
        double expected = CLIENTS / 8.0;
        for (int l : load) {
            assertTrue(Math.abs(l - expected) < expected * 0.05, "load " + l + " vs " + expected);
        }
        assertEquals(load[5], moved);
    }

    @Test
    void anIpv4ClientFoldsAsItAlwaysDid() {
        for (int[] c : clients()) {
            assertEquals(Rendezvous.client(c[0], c[1]), Rendezvous.client(new IpAddress.V4(c[0]), c[1]));
        }
    }
}
