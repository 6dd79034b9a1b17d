package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.Abi;
import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowKey6;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.FlowRule6;
import io.xdprecon.dataplane.maps.IpAddress;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SHA-256 (lower-case hex) over exactly the live facts a plan depends on, so that an apply can refuse a
 * saved plan whose premises moved: every live config-owned rule, the live value (or absence) at every key
 * the plan touches — including session rules it replaces —, the local IPs, the tuning values, the XDP
 * attachments, whether the datapath is present, and the rules capacity.
 *
 * <p>Session rules at keys the plan does not touch are left out on purpose: the DPDK loop adds and
 * expires them all the time, and a saved plan must survive that churn.
 *
 * <p>The hashed bytes are canonical — versioned, fixed-width big-endian numbers, length-prefixed
 * strings, small sets sorted — so the same facts give the same hash in any JVM regardless of map
 * iteration order. The two large sets (config rules, touched keys: up to the whole 524,288-entry map)
 * are not sorted but folded into an order-independent {@link EntrySetDigest}, which costs one pass
 * without allocation; see there for why that is as good as hashing them sorted.
 */
public record Fingerprint(String sha256) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final String VERSION = "xdprecon-fingerprint/v3";

    public Fingerprint {
        Objects.requireNonNull(sha256, "sha256");
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case SHA-256 hex digest: '" + sha256 + "'");
        }
    }

    /** The fingerprint of {@code live} for a plan that writes or deletes the {@code touched} keys. */
    public static Fingerprint of(LiveState live, Set<FlowKey> touched) {
        return new Fingerprint(sha256(canonicalBytes(live, touched)));
    }

    /**
     * The fingerprint over only the tuning settings in {@code tuningIds}: those a plan changes. A saved
     * plan knows no others, so apply can re-read exactly these and compare.
     */
    public static Fingerprint of(LiveState live, Set<FlowKey> touched, Set<String> tuningIds) {
        return of(live, touched, tuningIds, Set.of());
    }

    /** {@link #of(LiveState, Set, Set)} of a plan that also writes or deletes the IPv6 keys {@code touched6}. */
    public static Fingerprint of(LiveState live, Set<FlowKey> touched, Set<String> tuningIds, Set<FlowKey6> touched6) {
        Walk walk = new Walk(touched, tuningIds, touched6);
        live.rules().forEach(walk::rule);
        return walk.finish(live);
    }

    /** The exact bytes hashed; package-private so tests can pin them. */
    static byte[] canonicalBytes(LiveState live, Set<FlowKey> touched) {
        Walk walk = new Walk(touched, null);
        live.rules().forEach(walk::rule);
        return walk.canonicalBytes(live);
    }

    /**
     * The fingerprint of a plan from what its planner already holds: the digest of every live
     * config-owned rule, and the live value before each rule change (absent for an add) — the value a
     * walk of the live map finds at each touched key. Equal to {@link #of(LiveState, Set, Set)}.
     */
    static Fingerprint of(LiveState facts, EntrySetDigest configRules, List<RuleChange> changes, Set<String> tuningIds,
            Collection<FlowKey6> touched6) {
        EntrySetDigest touched = new EntrySetDigest();
        for (RuleChange change : changes) {
            FlowRule before = change.before().orElse(null);
            touched.add(before == null ? EntrySetDigest.TOUCHED_ABSENT : EntrySetDigest.TOUCHED_PRESENT, change.key(),
                    before);
        }
        return new Fingerprint(sha256(canonicalBytes(facts, configRules, touched, tuningIds, touched6)));
    }

    /** {@link #of(LiveState, EntrySetDigest, List, Set, Collection)} of a plan whose IPv4 changes are all adds. */
    static Fingerprint ofAdds(LiveState facts, EntrySetDigest configRules, List<FlowKey> added, Set<String> tuningIds,
            Collection<FlowKey6> touched6) {
        EntrySetDigest touched = new EntrySetDigest();
        for (FlowKey key : added) {
            touched.add(EntrySetDigest.TOUCHED_ABSENT, key, null);
        }
        return new Fingerprint(sha256(canonicalBytes(facts, configRules, touched, tuningIds, touched6)));
    }

    /**
     * The fingerprint computed while the rules stream past, one at a time, instead of from a map of all
     * of them: apply checks half a million live rules this way without collecting them (see
     * {@code RulesMap.forEach}). Feed every live rule to {@link #rule}, then {@link #finish} with the
     * other facts; the result equals {@link #of(LiveState, Set, Set)} over the same rules. The touched keys are
     * looked up in the plan's packed keys ({@link TouchedKeys}) and each live value found is folded as it passes:
     * nothing is kept per key but a bit (a set and a map of objects per touched key did not fit the unit's heap
     * beside an edit of every flow).
     */
    public static final class Walk {
        private final TouchedKeys touched;
        private final BitSet found; // entries of touched that a live rule was found at
        private final Set<String> tuningIds; // null: every setting
        private final Collection<FlowKey6> touched6;
        private final EntrySetDigest configRules = new EntrySetDigest();
        private final EntrySetDigest touchedLive = new EntrySetDigest();

        /** @param touched the distinct keys the plan writes or deletes */
        public Walk(Collection<FlowKey> touched, Set<String> tuningIds) {
            this(touched, tuningIds, Set.of());
        }

        /** @param touched6 the IPv6 keys the plan writes or deletes (their live values are in the facts) */
        public Walk(Collection<FlowKey> touched, Set<String> tuningIds, Collection<FlowKey6> touched6) {
            Objects.requireNonNull(touched, "touched");
            this.touched = touched instanceof TouchedKeys packed ? packed : TouchedKeys.ofKeys(touched);
            this.found = new BitSet(this.touched.size());
            this.tuningIds = tuningIds;
            this.touched6 = Objects.requireNonNull(touched6, "touched6");
        }

        /** One live rule; a key seen twice (a walk racing a writer) changes the result, so apply refuses. */
        public void rule(FlowKey key, FlowRule rule) {
            if (rule.owner() == Owner.CONFIG) {
                configRules.add(EntrySetDigest.CONFIG_RULE, key, rule);
            }
            int at = touched.find(key.high(), key.low());
            if (at < 0) {
                return;
            }
            if (found.get(at)) {
                configRules.add(EntrySetDigest.REPEATED_KEY, key, rule);
            } else {
                found.set(at);
                touchedLive.add(EntrySetDigest.TOUCHED_PRESENT, key, rule);
            }
        }

        /** The fingerprint of the rules walked and of the other facts of {@code facts}, whose rules are ignored. */
        public Fingerprint finish(LiveState facts) {
            return new Fingerprint(sha256(canonicalBytes(facts)));
        }

        private byte[] canonicalBytes(LiveState facts) {
            EntrySetDigest touchedKeys = touchedLive.copy();
            for (int i = found.nextClearBit(0); i < touched.size(); i = found.nextClearBit(i + 1)) {
                touchedKeys.addAbsent(touched.keyHigh(i), touched.keyLow(i));
            }
            return Fingerprint.canonicalBytes(facts, configRules, touchedKeys, tuningIds, touched6);
        }
    }

    private static byte[] canonicalBytes(LiveState facts, EntrySetDigest configRules, EntrySetDigest touchedKeys,
            Set<String> tuningIds, Collection<FlowKey6> touched6) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, VERSION);
            out.writeBoolean(facts.datapathPresent());
            out.writeInt(facts.rulesCapacity());
            out.writeInt(facts.layout());
            configRules.writeTo(out);
            touchedKeys.writeTo(out);

            int[] localIps = facts.localIps().stream().mapToInt(Integer::intValue).sorted().toArray();
            out.writeInt(localIps.length);
            for (int ip : localIps) {
                out.writeInt(ip); // signed order is as canonical as unsigned: only a fixed order matters
            }

            List<TuningSetting> tuning = new ArrayList<>(facts.tuning());
            if (tuningIds != null) {
                tuning.removeIf(t -> !tuningIds.contains(t.id()));
            }
            tuning.sort(Comparator.comparing(TuningSetting::id).thenComparing(TuningSetting::value));
            out.writeInt(tuning.size());
            for (TuningSetting t : tuning) {
                writeString(out, t.id());
                writeString(out, t.value());
            }

            // Raw ids rather than anything derived: the hash must not depend on how things are displayed.
            List<Map.Entry<String, Optional<LiveState.AttachedProgram>>> attached =
                    new ArrayList<>(facts.attached().entrySet());
            attached.sort(Map.Entry.comparingByKey());
            out.writeInt(attached.size());
            for (Map.Entry<String, Optional<LiveState.AttachedProgram>> entry : attached) {
                writeString(out, entry.getKey());
                out.writeBoolean(entry.getValue().isPresent());
                if (entry.getValue().isPresent()) {
                    out.writeInt(entry.getValue().get().id());
                    writeString(out, entry.getValue().get().name());
                }
            }
            writeIpv6(out, facts, touched6);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * The IPv6 facts, sorted (at most 65,536 rules): every live IPv6 rule but the sessions', the live value (or
     * absence) at each IPv6 key the plan touches, and the IPv6 local IPs. Written only when there is one, so that a
     * node without IPv6 keeps the fingerprint it had before IPv6 (saved plans stay valid across the upgrade).
     */
    private static void writeIpv6(DataOutputStream out, LiveState facts, Collection<FlowKey6> touched6) throws IOException {
        List<byte[]> rules = new ArrayList<>();
        facts.rules6().forEach((key, rule) -> {
            if (rule.owner() != Owner.SESSION) {
                rules.add(entryBytes(key, rule));
            }
        });
        List<byte[]> touched = new ArrayList<>();
        for (FlowKey6 key : touched6) {
            FlowRule6 rule = facts.rules6().get(key);
            touched.add(rule == null ? Abi.key6Bytes(key) : entryBytes(key, rule));
        }
        List<byte[]> localIps = new ArrayList<>();
        for (IpAddress.V6 ip : facts.localIps6()) {
            localIps.add(Abi.key6Bytes(new FlowKey6(0, ip, ip, 0, 0)));
        }
        if (rules.isEmpty() && touched.isEmpty() && localIps.isEmpty()) {
            return;
        }
        writeString(out, "ipv6");
        for (List<byte[]> set : List.of(rules, touched, localIps)) {
            set.sort(Arrays::compare);
            out.writeInt(set.size());
            for (byte[] entry : set) {
                out.writeInt(entry.length);
                out.write(entry);
            }
        }
    }

    private static byte[] entryBytes(FlowKey6 key, FlowRule6 rule) {
        byte[] k = Abi.key6Bytes(key);
        byte[] r = Abi.rule6Bytes(rule, 0); // the slot is the writer's, not a fact the plan depends on
        byte[] entry = Arrays.copyOf(k, k.length + r.length);
        System.arraycopy(r, 0, entry, k.length, r.length);
        return entry;
    }

    /** Length-prefixed UTF-8, so that no two different sequences of strings encode alike. */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /**
     * An order-independent 128-bit digest of a set of rules-map entries: the count, and per lane the sum
     * (mod 2^64) of a per-entry hash. Sorting half a million entries to hash them in order costs more
     * than a plan of one changed flow may take; a sum needs no order and no allocation.
     *
     * <p>Why a collision is not a concern. Each entry is first packed injectively into four 64-bit words
     * plus a tag (the key's and the rewrite's fields are fixed-width, so different entries give different
     * words). Each lane hashes those words with a different full-avalanche 64-bit finalizer (MurmurHash3's
     * {@code fmix64}, Stafford's Mix13 of SplitMix64), chained so every word reaches every output bit.
     * Two different sets differ by at least one entry present in one and not the other (keys are unique,
     * so every coefficient of the difference is ±1); modelling the per-entry hashes as random, the sums
     * then agree in one lane with probability 2^-64, and in both with about 2^-128 — far below anything
     * that matters for noticing that the live map moved between {@code plan} and {@code apply}. The
     * threat is accidental change (the daemon, another operator), not forgery: whoever can write the
     * pinned maps is root on the node and needs no fingerprint collision. The result, with the count,
     * goes into the SHA-256 with the other facts.
     */
    static final class EntrySetDigest {
        static final long CONFIG_RULE = 1;
        static final long TOUCHED_PRESENT = 2;
        static final long TOUCHED_ABSENT = 3;
        /** A touched key a walk saw twice: never part of a consistent snapshot. */
        static final long REPEATED_KEY = 4;

        private long lane1;
        private long lane2;
        private int count;

        /** Adds one entry; {@code rule} is null only for {@link #TOUCHED_ABSENT}. */
        void add(long tag, FlowKey key, FlowRule rule) {
            fold(tag, key, rule, 1);
        }

        /** Takes back an entry {@link #add}ed before: the digest is a sum, so order does not matter. */
        void remove(long tag, FlowKey key, FlowRule rule) {
            fold(tag, key, rule, -1);
        }

        /** Entries added and not taken back. */
        int count() {
            return count;
        }

        EntrySetDigest copy() {
            EntrySetDigest copy = new EntrySetDigest();
            copy.lane1 = lane1;
            copy.lane2 = lane2;
            copy.count = count;
            return copy;
        }

        /** Adds a touched key where no rule lives, given packed: as {@link #add} of {@link #TOUCHED_ABSENT}. */
        void addAbsent(long keyHigh, long keyLow) {
            fold(TOUCHED_ABSENT, keyHigh, keyLow, 0, 0, 1);
        }

        /** Adds a config-owned rule given packed ({@link FlowKey#high()}, {@link FlowKey#low()}): no objects. */
        void addConfigRule(long keyHigh, long keyLow, long rewriteHigh, long rewriteLow) {
            foldConfigRule(keyHigh, keyLow, rewriteHigh, rewriteLow, 1);
        }

        /** {@link #addConfigRule} ({@code sign} 1) or takes one back (-1). */
        void foldConfigRule(long keyHigh, long keyLow, long rewriteHigh, long rewriteLow, int sign) {
            fold(CONFIG_RULE << 8 | Owner.CONFIG.ordinal(), keyHigh, keyLow, rewriteHigh, rewriteLow, sign);
        }

        private void fold(long tag, FlowKey key, FlowRule rule, int sign) {
            long t = rule == null ? tag : tag << 8 | rule.owner().ordinal();
            // FlowKey's packing: injective.
            fold(t, key.high(), key.low(), rule == null ? 0 : rule.rewrite().high(), rule == null ? 0 : rule.rewrite().low(),
                    sign);
        }

        private void fold(long t, long k1, long k2, long r1, long r2, int sign) {
            lane1 += sign * chain(LANE1_SEED, t, k1, k2, r1, r2, true);
            lane2 += sign * chain(LANE2_SEED, t, k1, k2, r1, r2, false);
            count += sign;
        }

        void writeTo(DataOutputStream out) throws IOException {
            out.writeInt(count);
            out.writeLong(lane1);
            out.writeLong(lane2);
        }

        private static final long LANE1_SEED = 0x9e3779b97f4a7c15L;
        private static final long LANE2_SEED = 0xd1b54a32d192ed03L;

        private static long chain(long seed, long t, long k1, long k2, long r1, long r2, boolean murmur) {
            long x = seed;
            x = mix(x ^ t, murmur);
            x = mix(x ^ k1, murmur);
            x = mix(x ^ k2, murmur);
            x = mix(x ^ r1, murmur);
            return mix(x ^ r2, murmur);
        }

        private static long mix(long z, boolean murmur) {
            if (murmur) {
                z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
                z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
                return z ^ (z >>> 33);
            }
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }

    }
}
