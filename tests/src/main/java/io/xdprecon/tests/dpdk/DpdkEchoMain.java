package io.xdprecon.tests.dpdk;

import io.xdprecon.dataplane.dpdk.Eal;
import io.xdprecon.dataplane.dpdk.EthPort;
import io.xdprecon.dataplane.dpdk.Mbuf;
import io.xdprecon.dataplane.dpdk.MbufBurst;
import io.xdprecon.dataplane.dpdk.Mempool;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.tests.packets.Checksums;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The DPDK side of {@code DpdkAfXdpTest}, run in its own JVM (EAL is once per process) inside the
 * test's namespace: {@code DpdkEchoMain IFACE XDP_OBJECT COUNT TIMEOUT_MS}.
 *
 * <p>Initialises EAL with one AF_XDP port on IFACE whose PMD attaches XDP_OBJECT, receives COUNT
 * IPv4/UDP datagrams, answers the last one with {@code "echo:" + payload} (MACs, addresses and ports
 * swapped, checksums recomputed) and closes everything. One line per event on stdout, which the test
 * parses: {@code VERSION}, {@code READY}, {@code RX} (one per packet), {@code TX}, {@code STATS},
 * {@code DONE}; {@code FAIL} and exit status 1 on an error or when COUNT did not arrive in time.
 */
public final class DpdkEchoMain {
    static final String REPLY_PREFIX = "echo:";
    private static final int ETH = 14;

    private DpdkEchoMain() {}

    public static void main(String[] args) {
        String iface = args[0];
        String prog = args[1];
        int count = Integer.parseInt(args[2]);
        long timeoutNanos = Long.parseLong(args[3]) * 1_000_000L;
        try {
            run(iface, prog, count, timeoutNanos);
            System.out.println("DONE");
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            System.out.println("FAIL " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(String iface, String prog, int count, long timeoutNanos) {
        long t0 = System.nanoTime();
        System.out.println("VERSION " + Eal.version());
        try (Eal eal = Eal.init(Eal.afXdpArgs(iface, prog, 256))) {
            long tEal = System.nanoTime();
            Mempool pool = Mempool.create("xdprecon_rx", 8191, 250, Mempool.DEFAULT_DATA_ROOM, Mempool.ANY_SOCKET);
            EthPort port = EthPort.byName("net_af_xdp0");
            try {
                port.configure(1, 1).rxQueueSetup(0, 1024, pool).txQueueSetup(0, 1024).start();
                byte[] mac = port.macAddress();
                System.out.printf("READY port=%d mac=%s eal_ms=%d port_ms=%d%n", port.id(), HexFormat.ofDelimiter(":").formatHex(mac),
                        (tEal - t0) / 1_000_000, (System.nanoTime() - tEal) / 1_000_000);
                System.out.flush();
                echo(port, count, timeoutNanos);
                idleBursts(port);
                EthPort.Stats s = port.stats();
                System.out.printf("STATS ipackets=%d opackets=%d imissed=%d ierrors=%d oerrors=%d%n", s.rxPackets(), s.txPackets(),
                        s.rxMissed(), s.rxErrors(), s.txErrors());
            } finally {
                port.close();
                pool.close();
            }
        }
        System.out.printf("CLOSED total_ms=%d%n", (System.nanoTime() - t0) / 1_000_000);
    }

    private static void echo(EthPort port, int count, long timeoutNanos) {
        MbufBurst rx = new MbufBurst(32);
        MbufBurst tx = new MbufBurst(1);
        Mbuf mbuf = new Mbuf();
        byte[] frame = new byte[2048];
        long deadline = System.nanoTime() + timeoutNanos;
        long firstRx = 0;
        int received = 0;
        long bursts = 0;
        while (received < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("received " + received + " of " + count + " datagrams before the timeout");
            }
            int n = port.rxBurst(0, rx);
            bursts++;
            if (n == 0) {
                Thread.onSpinWait();
                continue;
            }
            if (firstRx == 0) {
                firstRx = System.nanoTime();
            }
            for (int i = 0; i < n; i++) {
                rx.mbuf(i, mbuf);
                int length = mbuf.dataLength();
                mbuf.copyTo(0, frame, 0, length);
                received++;
                System.out.println("RX " + describe(frame, length));
            }
            if (received >= count) {
                // Answer the last datagram in its own mbuf: no allocation, the PMD frees it once sent.
                tx.add(rx.take(n - 1));
            }
            rx.freeAll();
        }
        System.out.printf("RXDONE count=%d bursts=%d first_to_last_us=%d%n", received, bursts, (System.nanoTime() - firstRx) / 1000);
        reply(tx.mbuf(0, mbuf), frame);
        long sendDeadline = System.nanoTime() + 2_000_000_000L;
        while (tx.count() > 0) {
            if (port.txBurst(0, tx) == 0 && System.nanoTime() - sendDeadline > 0) {
                tx.freeAll();
                throw new IllegalStateException("TX queue did not take the reply in 2 s");
            }
        }
        System.out.println("TX " + describe(frame, mbuf.dataLength()));
    }

    /**
     * The cost of the burst path on an idle queue, and what it allocates: after a warm-up, a million
     * empty RX bursts measured with the thread's allocation counter.
     */
    private static void idleBursts(EthPort port) {
        MbufBurst rx = new MbufBurst(32);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int stray = 0;
        for (int i = 0; i < 200_000; i++) {
            stray += port.rxBurst(0, rx);
            rx.freeAll();
        }
        int bursts = 1_000_000;
        long allocated = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        for (int i = 0; i < bursts; i++) {
            stray += port.rxBurst(0, rx);
            rx.freeAll();
        }
        long nanos = System.nanoTime() - start;
        allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
        System.out.printf("IDLE bursts=%d ns_per_burst=%.1f allocated_bytes=%d stray=%d%n", bursts, (double) nanos / bursts,
                allocated, stray);
    }

    /** Turns the IPv4/UDP frame in {@code mbuf} into its answer; {@code frame} receives the answer's bytes. */
    static void reply(Mbuf mbuf, byte[] frame) {
        int length = mbuf.dataLength();
        mbuf.copyTo(0, frame, 0, length);
        int ip = ETH;
        int ihl = (frame[ip] & 0x0f) * 4;
        int udp = ip + ihl;
        int udpLength = u16(frame, udp + 4);
        byte[] payload = java.util.Arrays.copyOfRange(frame, udp + 8, udp + udpLength);
        byte[] answer = (REPLY_PREFIX + new String(payload, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
        swap(frame, 0, 6, 6);             // MACs
        swap(frame, ip + 12, ip + 16, 4); // addresses
        swap(frame, udp, udp + 2, 2);     // ports
        System.arraycopy(answer, 0, frame, udp + 8, answer.length);
        int newUdpLength = 8 + answer.length;
        put16(frame, ip + 2, ihl + newUdpLength);
        frame[ip + 8] = 64;
        put16(frame, ip + 10, 0);
        put16(frame, ip + 10, Checksums.ipv4Header(frame, ip, ihl));
        put16(frame, udp + 4, newUdpLength);
        int src = i32(frame, ip + 12);
        int dst = i32(frame, ip + 16);
        put16(frame, udp + 6, Checksums.udp(src, dst, frame, udp, newUdpLength));
        int newLength = udp + newUdpLength;
        mbuf.setLength(newLength);
        mbuf.copyFrom(frame, 0, 0, newLength);
    }

    static String describe(byte[] f, int length) {
        if (length < ETH + 28 || u16(f, 12) != 0x0800 || f[ETH + 9] != 17) {
            return "other len=" + length + " ethertype=0x" + Integer.toHexString(u16(f, 12));
        }
        int ihl = (f[ETH] & 0x0f) * 4;
        int udp = ETH + ihl;
        int udpLength = u16(f, udp + 4);
        String payload = HexFormat.of().formatHex(f, udp + 8, Math.min(length, udp + udpLength));
        return "src=" + Ipv4.format(i32(f, ETH + 12)) + ":" + u16(f, udp) + " dst=" + Ipv4.format(i32(f, ETH + 16)) + ":"
                + u16(f, udp + 2) + " len=" + length + " payload=" + payload;
    }

    private static void swap(byte[] f, int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            byte t = f[a + i];
            f[a + i] = f[b + i];
            f[b + i] = t;
        }
    }

    private static int u16(byte[] f, int o) {
        return ((f[o] & 0xff) << 8) | (f[o + 1] & 0xff);
    }

    private static int i32(byte[] f, int o) {
        return (u16(f, o) << 16) | u16(f, o + 2);
    }

    private static void put16(byte[] f, int o, int v) {
        f[o] = (byte) (v >>> 8);
        f[o + 1] = (byte) v;
    }
}
