package io.xdprecon.config;

import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.state.DesiredRules;
import io.xdprecon.state.Direction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The static flows of a list (a file's {@code flows}), or of a node's merged view of several lists, packed into
 * columns of primitives: about 40 bytes a flow, where a tree of values with positions took kilobytes. Row
 * {@code r} is the flow written at item {@link #item(int)} of the list {@link #list(int)}; interfaces are kept
 * by logical name, each name once. Built once, then read only.
 *
 * <p>An IPv6 row (a flow is one family end to end) keeps its four addresses in {@link #v6}, eight longs a row,
 * allocated with the first such row; its int address columns then hold a fold of each address, so that the
 * index's hashes work unchanged, and {@link #sameKeyAddresses}/{@link #sameEgressAddress} tell folds from
 * addresses. A table of IPv4 flows costs what it did.
 */
final class FlowTable {
    /** The most flows one table may hold: a row number has 20 bits in the checks' references. */
    static final int MAX_ROWS = (1 << 20) - 1;
    private static final int ITEM_BITS = 20;

    private int size;
    /** list << ITEM_BITS | item. */
    private int[] items = new int[16];
    private int[] clientIps = new int[16];
    private int[] listenIps = new int[16];
    private int[] egressIps = new int[16];
    private int[] serverIps = new int[16];
    /** client port << 16 | listen port. */
    private int[] inPorts = new int[16];
    /** egress port << 16 | server port. */
    private int[] outPorts = new int[16];
    /** listen interface << 16 | egress interface, as indexes into {@link #interfaces}. */
    private int[] ifaces = new int[16];
    private int[] nameEnds = new int[16];
    /** Rows that are IPv6; null while there is none. */
    private BitSet v6Rows;
    /** Per row: client, listen, egress, server, each as high then low; null while no row is IPv6. */
    private long[] v6;
    private byte[] names = new byte[128];
    private int namesUsed;
    private final List<String> interfaces = new ArrayList<>(4);
    /** The JSON pointers of the lists the rows were written in, e.g. {@code /flows}. */
    private final List<String> lists = new ArrayList<>(1);

    /** A table of flows from {@code listPointer} (add rows of other lists with {@link #list(String)}). */
    FlowTable(String listPointer) {
        lists.add(listPointer);
    }

    /** A table of rows from several lists, each added with {@link #list(String)}. */
    FlowTable() {}

    int size() {
        return size;
    }

    /** The number under which rows of the list at {@code pointer} are added. */
    int list(String pointer) {
        int i = lists.indexOf(pointer);
        if (i < 0) {
            lists.add(pointer);
            i = lists.size() - 1;
        }
        return i;
    }

    /** Appends a flow written at item {@code item} of the first list. */
    void add(int item, String name, Endpoint client, String listenIface, int listenIp, int listenPort,
            String egressIface, int egressIp, int egressPort, Endpoint server) {
        add(0, item, name, client, listenIface, listenIp, listenPort, egressIface, egressIp, egressPort, server);
    }

    /** Appends a flow of either family written at item {@code item} of the first list. */
    void add(int item, String name, Endpoint client, String listenIface, IpAddress listenIp, int listenPort,
            String egressIface, IpAddress egressIp, int egressPort, Endpoint server) {
        add(0, item, name, client, listenIface, listenIp, listenPort, egressIface, egressIp, egressPort, server);
    }

    /**
     * Appends a flow of either family (all four addresses of one: the binder refuses a mix) written at item
     * {@code item} of list {@code list}.
     */
    void add(int list, int item, String name, Endpoint client, String listenIface, IpAddress listenIp, int listenPort,
            String egressIface, IpAddress egressIp, int egressPort, Endpoint server) {
        if (!(client.ip() instanceof IpAddress.V6)) {
            add(list, item, name, client, listenIface, ((IpAddress.V4) listenIp).bits(), listenPort, egressIface,
                    ((IpAddress.V4) egressIp).bits(), egressPort, server);
            return;
        }
        add(list, item, name, client, listenIface, fold(listenIp), listenPort, egressIface, fold(egressIp), egressPort,
                server);
        int r = size - 1;
        if (v6 == null) {
            v6 = new long[8 * items.length];
            v6Rows = new BitSet();
        } else if (v6.length < 8 * items.length) {
            v6 = Arrays.copyOf(v6, 8 * items.length);
        }
        v6Rows.set(r);
        IpAddress[] addresses = {client.ip(), listenIp, egressIp, server.ip()};
        for (int a = 0; a < 4; a++) {
            IpAddress.V6 address = (IpAddress.V6) addresses[a];
            v6[8 * r + 2 * a] = address.high();
            v6[8 * r + 2 * a + 1] = address.low();
        }
    }

    /** The int column value of an address: an IPv4 address itself, an IPv6 one folded (for hashing only). */
    static int fold(IpAddress address) {
        return switch (address) {
            case IpAddress.V4 v4 -> v4.bits();
            case IpAddress.V6 v6 -> {
                long h = v6.high() * 0x9E3779B97F4A7C15L ^ v6.low();
                h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
                yield (int) (h ^ (h >>> 32));
            }
        };
    }

    /** Appends a flow written at item {@code item} of list {@code list} ({@link #list(String)}). */
    void add(int list, int item, String name, Endpoint client, String listenIface, int listenIp, int listenPort,
            String egressIface, int egressIp, int egressPort, Endpoint server) {
        if (item > MAX_ROWS) {
            throw new IllegalArgumentException("item " + item + " beyond " + MAX_ROWS);
        }
        if (size == MAX_ROWS) {
            throw new IllegalStateException("more than " + MAX_ROWS + " flows in one list");
        }
        if (size == items.length) {
            int grown = size * 2;
            items = Arrays.copyOf(items, grown);
            clientIps = Arrays.copyOf(clientIps, grown);
            listenIps = Arrays.copyOf(listenIps, grown);
            egressIps = Arrays.copyOf(egressIps, grown);
            serverIps = Arrays.copyOf(serverIps, grown);
            inPorts = Arrays.copyOf(inPorts, grown);
            outPorts = Arrays.copyOf(outPorts, grown);
            ifaces = Arrays.copyOf(ifaces, grown);
            nameEnds = Arrays.copyOf(nameEnds, grown);
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (namesUsed + utf8.length > names.length) {
            names = Arrays.copyOf(names, Math.max(names.length * 2, namesUsed + utf8.length));
        }
        System.arraycopy(utf8, 0, names, namesUsed, utf8.length);
        namesUsed += utf8.length;
        items[size] = list << ITEM_BITS | item;
        clientIps[size] = fold(client.ip());
        listenIps[size] = listenIp;
        egressIps[size] = egressIp;
        serverIps[size] = fold(server.ip());
        inPorts[size] = client.port() << 16 | listenPort;
        outPorts[size] = egressPort << 16 | server.port();
        ifaces[size] = iface(listenIface) << 16 | iface(egressIface);
        nameEnds[size] = namesUsed;
        size++;
    }

    /** Appends row {@code r} of {@code other}, from the list and item it was written at. */
    void add(FlowTable other, int r) {
        if (other.v6(r)) {
            add(list(other.list(r)), other.item(r), other.name(r), other.client(r), other.listenIface(r),
                    other.listenAddress(r), other.listenPort(r), other.egressIface(r), other.egressAddress(r),
                    other.egressPort(r), other.server(r));
        } else {
            add(list(other.list(r)), other.item(r), other.name(r), other.client(r), other.listenIface(r), other.listenIp(r),
                    other.listenPort(r), other.egressIface(r), other.egressIp(r), other.egressPort(r), other.server(r));
        }
    }

    private int iface(String name) {
        int i = interfaces.indexOf(name);
        if (i < 0) {
            if (interfaces.size() == 0xffff) {
                throw new IllegalStateException("more than 65535 interface names in one list");
            }
            interfaces.add(name);
            i = interfaces.size() - 1;
        }
        return i;
    }

    /** Drops the arrays' spare room, once the table is complete. */
    FlowTable trim() {
        items = Arrays.copyOf(items, size);
        clientIps = Arrays.copyOf(clientIps, size);
        listenIps = Arrays.copyOf(listenIps, size);
        egressIps = Arrays.copyOf(egressIps, size);
        serverIps = Arrays.copyOf(serverIps, size);
        inPorts = Arrays.copyOf(inPorts, size);
        outPorts = Arrays.copyOf(outPorts, size);
        ifaces = Arrays.copyOf(ifaces, size);
        nameEnds = Arrays.copyOf(nameEnds, size);
        names = Arrays.copyOf(names, namesUsed);
        if (v6 != null) {
            v6 = Arrays.copyOf(v6, 8 * size);
        }
        return this;
    }

    /** The item of its list row {@code r} was written at. */
    int item(int r) {
        return items[r] & MAX_ROWS;
    }

    /** The pointer of the list row {@code r} was written in. */
    String list(int r) {
        return lists.get(items[r] >>> ITEM_BITS);
    }

    /** The JSON pointer of row {@code r}'s entry, e.g. {@code /flows/7}. */
    String pointer(int r) {
        return list(r) + "/" + item(r);
    }

    /**
     * Row {@code r}'s leg in {@code direction} (see {@link Flow#leg}), its interfaces numbered by
     * {@code numbers[interface index]}.
     */
    void leg(int r, Direction direction, int[] numbers, long[] out) {
        Flow.leg(direction, clientIps[r], inPorts[r] >>> 16, numbers[ifaces[r] >>> 16], listenIps[r], inPorts[r] & 0xffff,
                numbers[ifaces[r] & 0xffff], egressIps[r], outPorts[r] >>> 16, serverIps[r], outPorts[r] & 0xffff, out);
    }

    /**
     * Row {@code r}'s IPv6 rule in {@code direction} ({@link Flow#leg}'s derivation, with 128-bit addresses): the key
     * its packets arrive with and the rewrite they leave with. Only for an IPv6 row.
     */
    FlowKey6[] leg6(int r, Direction direction, int[] numbers) {
        IpAddress.V6 client = (IpAddress.V6) address(r, CLIENT, clientIps);
        IpAddress.V6 listen = (IpAddress.V6) address(r, LISTEN, listenIps);
        IpAddress.V6 egress = (IpAddress.V6) address(r, EGRESS, egressIps);
        IpAddress.V6 server = (IpAddress.V6) address(r, SERVER, serverIps);
        int listenIf = numbers[ifaces[r] >>> 16];
        int egressIf = numbers[ifaces[r] & 0xffff];
        int clientPort = inPorts[r] >>> 16;
        int listenPort = inPorts[r] & 0xffff;
        int egressPort = outPorts[r] >>> 16;
        int serverPort = outPorts[r] & 0xffff;
        return direction == Direction.FORWARD
                ? new FlowKey6[] {new FlowKey6(listenIf, client, listen, clientPort, listenPort),
                        new FlowKey6(egressIf, egress, server, egressPort, serverPort)}
                : new FlowKey6[] {new FlowKey6(egressIf, server, egress, serverPort, egressPort),
                        new FlowKey6(listenIf, listen, client, listenPort, clientPort)};
    }

    String name(int r) {
        int start = r == 0 ? 0 : nameEnds[r - 1];
        return new String(names, start, nameEnds[r] - start, StandardCharsets.UTF_8);
    }

    /** Row {@code r}'s name added to {@code rules} as its bytes (no String made and encoded again); its flow number. */
    int nameInto(int r, DesiredRules.Builder rules) {
        int start = r == 0 ? 0 : nameEnds[r - 1];
        return rules.flow(names, start, nameEnds[r] - start);
    }

    /** Whether row {@code r}'s name is {@code other}'s row {@code o}'s, without making either. */
    boolean sameName(int r, FlowTable other, int o) {
        int start = r == 0 ? 0 : nameEnds[r - 1];
        int otherStart = o == 0 ? 0 : other.nameEnds[o - 1];
        return Arrays.equals(names, start, nameEnds[r], other.names, otherStart, other.nameEnds[o]);
    }

    /** A hash of row {@code r}'s name. */
    int nameHash(int r) {
        int start = r == 0 ? 0 : nameEnds[r - 1];
        int h = 0;
        for (int i = start; i < nameEnds[r]; i++) {
            h = 31 * h + names[i];
        }
        return h;
    }

    /** Whether row {@code r} is an IPv6 flow. */
    boolean v6(int r) {
        return v6Rows != null && v6Rows.get(r);
    }

    /** Whether any row is an IPv6 flow. */
    boolean anyV6() {
        return v6Rows != null && !v6Rows.isEmpty();
    }

    /** The first IPv6 row, or -1. */
    int firstV6() {
        return v6Rows == null ? -1 : v6Rows.nextSetBit(0);
    }

    private static final int CLIENT = 0;
    private static final int LISTEN = 1;
    private static final int EGRESS = 2;
    private static final int SERVER = 3;

    private IpAddress address(int r, int which, int[] column) {
        return v6(r) ? new IpAddress.V6(v6[8 * r + 2 * which], v6[8 * r + 2 * which + 1]) : new IpAddress.V4(column[r]);
    }

    private boolean same(int r, int which, FlowTable other, int o, int otherWhich) {
        return v6[8 * r + 2 * which] == other.v6[8 * o + 2 * otherWhich]
                && v6[8 * r + 2 * which + 1] == other.v6[8 * o + 2 * otherWhich + 1];
    }

    /**
     * Whether row {@code r}'s rule key in {@code direction} and {@code other}'s row {@code o}'s in
     * {@code otherDirection}, already equal in their int columns, have the same addresses: both IPv4, or both
     * IPv6 with equal source and destination (FORWARD: client and listen; REVERSE: server and egress).
     */
    boolean sameKeyAddresses(int r, Direction direction, FlowTable other, int o, Direction otherDirection) {
        if (v6(r) != other.v6(o)) {
            return false;
        }
        if (!v6(r)) {
            return true;
        }
        int src = direction == Direction.FORWARD ? CLIENT : SERVER;
        int dst = direction == Direction.FORWARD ? LISTEN : EGRESS;
        int otherSrc = otherDirection == Direction.FORWARD ? CLIENT : SERVER;
        int otherDst = otherDirection == Direction.FORWARD ? LISTEN : EGRESS;
        return same(r, src, other, o, otherSrc) && same(r, dst, other, o, otherDst);
    }

    /** As {@link #sameKeyAddresses}, for the egress addresses of two rows equal in their int columns. */
    boolean sameEgressAddress(int r, FlowTable other, int o) {
        return v6(r) == other.v6(o) && (!v6(r) || same(r, EGRESS, other, o, EGRESS));
    }

    /** Whether row {@code r}'s client (or server, {@code server}) is its own listen (or egress, {@code egress}) address. */
    boolean peerIsOwnAddress(int r, boolean server, boolean egress) {
        int[] peer = server ? serverIps : clientIps;
        int[] own = egress ? egressIps : listenIps;
        return peer[r] == own[r] && (!v6(r) || same(r, server ? SERVER : CLIENT, this, r, egress ? EGRESS : LISTEN));
    }

    /** Whether row {@code r}'s listen (or egress) address is {@code address}, of either family. */
    boolean isAddress(int r, boolean egress, IpAddress address) {
        return (egress ? egressIps : listenIps)[r] == fold(address) && address(r, egress ? EGRESS : LISTEN,
                egress ? egressIps : listenIps).equals(address);
    }

    IpAddress listenAddress(int r) {
        return address(r, LISTEN, listenIps);
    }

    IpAddress egressAddress(int r) {
        return address(r, EGRESS, egressIps);
    }

    Endpoint client(int r) {
        return new Endpoint(address(r, CLIENT, clientIps), inPorts[r] >>> 16);
    }

    int clientIp(int r) {
        return clientIps[r];
    }

    int clientPort(int r) {
        return inPorts[r] >>> 16;
    }

    String listenIface(int r) {
        return interfaces.get(ifaces[r] >>> 16);
    }

    /** Index of row {@code r}'s listen interface among {@link #interfaces()}. */
    int listenIfaceIndex(int r) {
        return ifaces[r] >>> 16;
    }

    int listenIp(int r) {
        return listenIps[r];
    }

    int listenPort(int r) {
        return inPorts[r] & 0xffff;
    }

    String egressIface(int r) {
        return interfaces.get(ifaces[r] & 0xffff);
    }

    int egressIfaceIndex(int r) {
        return ifaces[r] & 0xffff;
    }

    int egressIp(int r) {
        return egressIps[r];
    }

    int egressPort(int r) {
        return outPorts[r] >>> 16;
    }

    Endpoint server(int r) {
        return new Endpoint(address(r, SERVER, serverIps), outPorts[r] & 0xffff);
    }

    int serverIp(int r) {
        return serverIps[r];
    }

    int serverPort(int r) {
        return outPorts[r] & 0xffff;
    }

    /** The logical interface names the rows use, each once. */
    List<String> interfaces() {
        return interfaces;
    }

    /** Heap bytes the columns hold (for the benchmark's cost per flow). */
    long bytes() {
        return 9L * 4 * items.length + names.length + (v6 == null ? 0 : 8L * v6.length);
    }
}
