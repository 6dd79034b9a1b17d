package io.xdprecon.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The static flows of a list (a file's {@code flows}), or of a node's merged view of several lists, packed into
 * columns of primitives: about 40 bytes a flow, where a tree of values with positions took kilobytes. Row
 * {@code r} is the flow written at item {@link #item(int)} of the list {@link #list(int)}; interfaces are kept
 * by logical name, each name once. Built once, then read only.
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
        clientIps[size] = client.address();
        listenIps[size] = listenIp;
        egressIps[size] = egressIp;
        serverIps[size] = server.address();
        inPorts[size] = client.port() << 16 | listenPort;
        outPorts[size] = egressPort << 16 | server.port();
        ifaces[size] = iface(listenIface) << 16 | iface(egressIface);
        nameEnds[size] = namesUsed;
        size++;
    }

    /** Appends row {@code r} of {@code other}, from the list and item it was written at. */
    void add(FlowTable other, int r) {
        add(list(other.list(r)), other.item(r), other.name(r), other.client(r), other.listenIface(r), other.listenIp(r),
                other.listenPort(r), other.egressIface(r), other.egressIp(r), other.egressPort(r), other.server(r));
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
    void leg(int r, io.xdprecon.state.Direction direction, int[] numbers, long[] out) {
        Flow.leg(direction, clientIps[r], inPorts[r] >>> 16, numbers[ifaces[r] >>> 16], listenIps[r], inPorts[r] & 0xffff,
                numbers[ifaces[r] & 0xffff], egressIps[r], outPorts[r] >>> 16, serverIps[r], outPorts[r] & 0xffff, out);
    }

    String name(int r) {
        int start = r == 0 ? 0 : nameEnds[r - 1];
        return new String(names, start, nameEnds[r] - start, StandardCharsets.UTF_8);
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

    Endpoint client(int r) {
        return new Endpoint(clientIps[r], inPorts[r] >>> 16);
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
        return new Endpoint(serverIps[r], outPorts[r] & 0xffff);
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
        return 9L * 4 * items.length + names.length;
    }
}
