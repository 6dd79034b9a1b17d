package io.xdprecon.config;

import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The flow as nearly every flow is written — {@code name}, {@code client}, {@code listen}, {@code egress},
 * {@code server}, each once, with values the schema's patterns certainly accept and that parse — read straight
 * from its events into a {@link FlowTable} row, without a tree, the schema validator or the binder: most of the
 * time a large config takes went there. A flow this cannot vouch for takes the general way, which words every
 * problem; so this only ever says yes where the general way says yes with the same values. The checks here are
 * the schema's {@code #/definitions/flow} written out by hand, conservatively (printable ASCII only, no
 * number written as anything but digits); {@code FlowShapeTest} holds them to the schema and the binder.
 */
final class FlowShape {
    private static final CoreSchemaResolver RESOLVER = new CoreSchemaResolver();

    private FlowShape() {}

    /** The parts of a flow being read. */
    private static final class Parts {
        String name;
        Endpoint client;
        Endpoint server;
        String listenIface;
        int listenIp;
        int listenPort;
        String egressIface;
        int egressIp;
        int egressPort;
        int seen; // one bit per field
    }

    /** Adds the flow whose events are {@code item} to {@code table} if it certainly is valid; false otherwise. */
    static boolean read(YamlReader.EventRun item, int index, FlowTable table) {
        Parts parts = new Parts();
        int end = entries(item, 0, parts, false);
        if (end != item.size() || parts.seen != 0b11111) {
            return false;
        }
        table.add(index, parts.name, parts.client, parts.listenIface, parts.listenIp, parts.listenPort, parts.egressIface,
                parts.egressIp, parts.egressPort, parts.server);
        return true;
    }

    /** Reads a mapping starting at event {@code i}; returns the index after it, or -1. */
    private static int entries(YamlReader.EventRun item, int i, Parts parts, boolean endpoint) {
        if (i >= item.size() || item.kind(i) != YamlEvents.Kind.MAPPING_START || item.tag(i) != null) {
            return -1;
        }
        i++;
        boolean egress = false;
        int seen = 0;
        while (i < item.size() && item.kind(i) == YamlEvents.Kind.SCALAR) {
            if (!item.plain(i) || item.tag(i) != null) {
                return -1;
            }
            String key = item.value(i++);
            if (i >= item.size()) {
                return -1;
            }
            if (endpoint) {
                int bit = switch (key) {
                    case "interface" -> 1;
                    case "address" -> 2;
                    case "port" -> 4;
                    default -> 0;
                };
                if (bit == 0 || (seen & bit) != 0 || !endpointValue(item, i, bit, parts)) {
                    return -1;
                }
                seen |= bit;
                i++;
                continue;
            }
            int bit = switch (key) {
                case "name" -> 1;
                case "client" -> 2;
                case "listen" -> 4;
                case "egress" -> 8;
                case "server" -> 16;
                default -> 0;
            };
            if (bit == 0 || (parts.seen & bit) != 0) {
                return -1;
            }
            parts.seen |= bit;
            if (bit == 4 || bit == 8) {
                Parts at = new Parts();
                i = entries(item, i, at, true);
                if (i < 0) {
                    return -1;
                }
                if (bit == 4) {
                    parts.listenIface = at.listenIface;
                    parts.listenIp = at.listenIp;
                    parts.listenPort = at.listenPort;
                } else {
                    parts.egressIface = at.listenIface;
                    parts.egressIp = at.listenIp;
                    parts.egressPort = at.listenPort;
                }
                egress |= bit == 8;
                continue;
            }
            String text = string(item, i);
            if (text == null) {
                return -1;
            }
            if (bit == 1) {
                if (!name(text)) {
                    return -1;
                }
                parts.name = text;
            } else {
                Endpoint parsed = addressPort(text);
                if (parsed == null) {
                    return -1;
                }
                if (bit == 2) {
                    parts.client = parsed;
                } else {
                    parts.server = parsed;
                }
            }
            i++;
        }
        if (i >= item.size() || item.kind(i) != YamlEvents.Kind.MAPPING_END || endpoint && seen != 0b111) {
            return -1;
        }
        return i + 1;
    }

    /** {@code interface}, {@code address} or {@code port} of an endpoint, kept in {@code into}'s listen fields. */
    private static boolean endpointValue(YamlReader.EventRun item, int i, int bit, Parts into) {
        if (bit == 4) {
            // A port: a plain scalar of digits is an integer by the core schema; 1..65535 by the schema.
            if (item.kind(i) != YamlEvents.Kind.SCALAR || !item.plain(i) || item.tag(i) != null) {
                return false;
            }
            String text = item.value(i);
            if (text.isEmpty() || text.length() > 5) {
                return false;
            }
            int port = 0;
            for (int c = 0; c < text.length(); c++) {
                char d = text.charAt(c);
                if (d < '0' || d > '9') {
                    return false;
                }
                port = port * 10 + (d - '0');
            }
            into.listenPort = port;
            return port >= 1 && port <= 65535;
        }
        String text = string(item, i);
        if (text == null) {
            return false;
        }
        if (bit == 1) {
            into.listenIface = text;
            return logicalName(text);
        }
        if (!ipv4Shape(text, 0, text.length()) || !(Values.ipv4(text) instanceof Values.Parsed.Ok<Integer> ok)) {
            return false;
        }
        into.listenIp = ok.value();
        return true;
    }

    /** The scalar at {@code i} if it is a string (quoted, or plain resolving to one), else null. */
    private static String string(YamlReader.EventRun item, int i) {
        if (item.kind(i) != YamlEvents.Kind.SCALAR || item.tag(i) != null) {
            return null;
        }
        String text = item.value(i);
        if (item.plain(i) && !RESOLVER.resolve(NodeId.scalar, text, true).equals(Tag.STR)) {
            return null;
        }
        return text;
    }

    /** {@code ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$} (the schema's name). */
    static boolean name(String text) {
        if (text.isEmpty() || text.length() > 63 || !alnum(text.charAt(0))) {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!alnum(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code ^[A-Za-z][A-Za-z0-9_-]{0,31}$} (the schema's interfaceRef). */
    static boolean logicalName(String text) {
        if (text.isEmpty() || text.length() > 32 || !letter(text.charAt(0))) {
            return false;
        }
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!alnum(c) && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code ^[0-9]{1,3}(\.[0-9]{1,3}){3}:[0-9]{1,5}$} (the schema's addressPort), parsed; null otherwise. */
    static Endpoint addressPort(String text) {
        int colon = text.indexOf(':');
        if (colon < 0 || !ipv4Shape(text, 0, colon)) {
            return null;
        }
        int digits = text.length() - colon - 1;
        if (digits < 1 || digits > 5) {
            return null;
        }
        for (int i = colon + 1; i < text.length(); i++) {
            if (!digit(text.charAt(i))) {
                return null;
            }
        }
        return Values.endpoint(text) instanceof Values.Parsed.Ok<Endpoint> ok ? ok.value() : null;
    }

    /** {@code [0-9]{1,3}(\.[0-9]{1,3}){3}} exactly on {@code text[from, to)}. */
    static boolean ipv4Shape(String text, int from, int to) {
        int groups = 0;
        int i = from;
        while (i < to) {
            int start = i;
            while (i < to && digit(text.charAt(i))) {
                i++;
            }
            int length = i - start;
            if (length < 1 || length > 3) {
                return false;
            }
            groups++;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != '.' || groups == 4) {
                return false;
            }
            i++;
            if (i == to) {
                return false;
            }
        }
        return groups == 4;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean letter(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    private static boolean alnum(char c) {
        return letter(c) || digit(c);
    }
}
