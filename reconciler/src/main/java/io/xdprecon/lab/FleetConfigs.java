package io.xdprecon.lab;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generated fleet configs for the lab's proxy (devices pc and ps), at any scale, with keys shaped as real
 * fleets shape them: the scale tests and {@code bench.sh scale} read these. Flow {@code i} is a pure function
 * of {@code (i, keys, seed)}, so a test can rewrite one flow, or one file of a split config, and know what the
 * rest holds. Every flow's keys and egress are unique for up to {@link #MAX_FLOWS} flows.
 */
public final class FleetConfigs {
    /** Unique egress address:port pairs: 16 addresses × 32,768 ports. */
    public static final int MAX_FLOWS = 1 << 19;

    /** How the flows' addresses and ports are spread. */
    public enum Keys {
        /** Clients counted up from 10.64.0.0, ports in a 1,024 cycle, 8 egress addresses: ReconcileBench's. */
        EVEN,
        /** Clients, servers and egress ports all scattered (bijective mixes, so still unique). */
        RANDOM,
        /** Adversarial: every flow has the same client address:port; flows differ only by listen address:port. */
        ONE_CLIENT,
        /** Adversarial: every flow reaches the same server address:port; flows differ only by egress address:port. */
        ONE_SERVER;

        /** The lower-case name the bench and tests print. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private FleetConfigs() {}

    /**
     * The part of a config that stands once: apiVersion, the lab's interfaces, local IPs, datapath. Ends
     * with {@code flows:} when {@code flowsFollow}.
     */
    public static String base(int maxRules, boolean flowsFollow) {
        return """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: pc }
                  private: { device: ps }
                localIps: [%s]
                datapath: { mode: xdp, attachMode: native, maxRules: %d }
                """.formatted(Lab.VIP, maxRules) + (flowsFollow ? "flows:\n" : "");
    }

    /** One config file with {@code flows} flows (a map twice their size, at least the default). */
    public static void writeFile(Path file, int flows, Keys keys, long seed) {
        writeFile(file, flows, keys, seed, -1, 0);
    }

    /**
     * {@link #writeFile(Path, int, Keys, long)} with flow {@code edited} in its {@code variant}, replacing the file
     * atomically as config tools do (a watcher never sees half a file).
     */
    public static void writeFile(Path file, int flows, Keys keys, long seed, int edited, int variant) {
        writeFile(file, flows, keys, seed, i -> i == edited ? variant : 0);
    }

    /** {@link #writeFile(Path, int, Keys, long)} with flow {@code i} in variant {@code variantOf(i)}: an edit of many. */
    public static void writeFile(Path file, int flows, Keys keys, long seed, java.util.function.IntUnaryOperator variantOf) {
        writeFile(file, flows, maxRules(flows), keys, seed, variantOf);
    }

    /** {@link #writeFile(Path, int, Keys, long, java.util.function.IntUnaryOperator)} with a map of {@code maxRules}. */
    public static void writeFile(Path file, int flows, int maxRules, Keys keys, long seed,
            java.util.function.IntUnaryOperator variantOf) {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(temporary)) {
                out.write(base(maxRules, true));
                for (int i = 0; i < flows; i++) {
                    out.write(flow(i, keys, seed, variantOf.applyAsInt(i)));
                }
            }
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A config directory: {@code base.yaml} (everything but the flows) and {@code flows/NNNN.yaml}, flow
     * {@code i} in file {@code i % files}.
     */
    public static void writeDirectory(Path dir, int flows, int files, Keys keys, long seed) {
        try {
            Files.createDirectories(dir.resolve("flows"));
            Files.writeString(dir.resolve("base.yaml"), base(maxRules(flows), false));
            for (int f = 0; f < files; f++) {
                writeFlowFile(dir, f, files, flows, keys, seed, -1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path of file {@code f} of a directory written by {@link #writeDirectory}. */
    public static Path flowFile(Path dir, int f) {
        return dir.resolve("flows").resolve("%04d.yaml".formatted(f));
    }

    /**
     * Rewrites the file of a directory config that holds flow {@code edited}, with that flow in its
     * {@code variant}; returns the file. Variant 0 is the flow as first written.
     */
    public static Path editDirectory(Path dir, int flows, int files, Keys keys, long seed, int edited, int variant) {
        int f = edited % files;
        try {
            writeFlowFile(dir, f, files, flows, keys, seed, variant == 0 ? -1 : edited, variant);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return flowFile(dir, f);
    }

    private static void writeFlowFile(Path dir, int f, int files, int flows, Keys keys, long seed, int edited)
            throws IOException {
        writeFlowFile(dir, f, files, flows, keys, seed, edited, 0);
    }

    private static void writeFlowFile(Path dir, int f, int files, int flows, Keys keys, long seed, int edited,
            int variant) throws IOException {
        Path target = flowFile(dir, f);
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(temporary)) {
            out.write("flows:\n");
            for (int i = f; i < flows; i += files) {
                out.write(flow(i, keys, seed, i == edited ? variant : 0));
            }
        }
        // Atomically, as config tools write: a watcher never sees half a file.
        Files.move(temporary, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The map capacity a config of {@code flows} flows asks for: room for both legs, at least the default. */
    public static int maxRules(int flows) {
        return Math.max(524_288, 2 * flows);
    }

    /**
     * Flow {@code i} as a list item of {@code flows:} (indented by two). A {@code variant} other than 0 moves
     * the flow's server port: one edit that changes its forward rule's rewrite and its reverse rule's key (every
     * edit of a flow moves a key: in a full map it has no room to be made before the old one is broken).
     */
    public static String flow(int i, Keys keys, long seed, int variant) {
        if (i < 0 || i >= MAX_FLOWS) {
            throw new IllegalArgumentException("flow index out of 0.." + (MAX_FLOWS - 1) + ": " + i);
        }
        int mixed = mix32(i * 0x9E3779B9 + (int) seed ^ (int) (seed >>> 32));
        String client = switch (keys) {
            case EVEN -> "10." + (64 + (i >>> 16)) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff) + ":" + (10000 + (i & 0x3ff));
            case RANDOM, ONE_SERVER -> dotted(host(mixed >>> 24, permute24(i, seed))) + ":"
                    + (1024 + Integer.remainderUnsigned(mix32(mixed), 64_000));
            case ONE_CLIENT -> "198.51.100.7:40000";
        };
        String listen = switch (keys) {
            case ONE_CLIENT -> "10.210.1." + (100 + i / 60_000) + ", port: " + (1024 + i % 60_000);
            default -> Lab.VIP + ", port: 30000";
        };
        int egress = keys == Keys.RANDOM ? permute19(i, seed) : i;
        String egressAt = "10.210.2." + (1 + (egress >>> 15)) + ", port: " + (32768 + (egress & 0x7fff));
        String server = switch (keys) {
            case EVEN, ONE_CLIENT -> "10.210.3." + (1 + (i & 63)) + ":" + (5004 + variant);
            case RANDOM -> dotted(host(mix32(mixed ^ 0x5bd1e995) >>> 24, mix32(mixed ^ 0x5bd1e995))) + ":"
                    + (1 + (Integer.remainderUnsigned(mix32(mixed + 1), 65_000) + variant) % 65_535);
            case ONE_SERVER -> Lab.SERVER_IP + ":" + (5004 + variant);
        };
        return "  - name: f" + i + "\n"
                + "    client: " + client + "\n"
                + "    listen: { interface: public, address: " + listen + " }\n"
                + "    egress: { interface: private, address: " + egressAt + " }\n"
                + "    server: " + server + "\n";
    }

    /** MurmurHash3's fmix32: a bijection of the 32-bit integers. */
    private static int mix32(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /** A bijection of 0..2^19-1 (odd multiplies and xor-shifts modulo 2^19): scattered, yet unique. */
    private static int permute19(int i, long seed) {
        int mask = MAX_FLOWS - 1;
        int x = (i ^ (int) seed) & mask;
        x = (x * 0x2f0b5) & mask;
        x ^= x >>> 9;
        x = (x * 0x6a3d1) & mask;
        x ^= x >>> 7;
        return x;
    }

    /** Unicast /8s the scattered addresses fall in: a config refuses 0/8, 127/8, multicast and reserved ones. */
    private static final int[] HOST_OCTETS = {11, 23, 31, 45, 52, 64, 77, 89, 101, 113, 131, 149, 163, 176, 191, 203};

    /** A host's address: the low 24 bits of {@code low} in the /8 {@code pick} chooses (injective in {@code low}). */
    private static int host(int pick, int low) {
        return HOST_OCTETS[pick & 15] << 24 | (low & 0xffffff);
    }

    /** A bijection of 0..2^24-1, as {@link #permute19}: scattered client addresses that stay unique. */
    private static int permute24(int i, long seed) {
        int mask = (1 << 24) - 1;
        int x = (i ^ (int) (seed >>> 8)) & mask;
        x = (x * 0x9e3779) & mask; // odd multipliers and xor-shifts: bijections modulo 2^24
        x ^= x >>> 12;
        x = (x * 0x5bd1e9) & mask;
        x ^= x >>> 11;
        return x;
    }

    private static String dotted(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }
}
