package io.xdprecon.plan;

import io.xdprecon.dataplane.maps.FlowKey;
import io.xdprecon.dataplane.maps.FlowRule;
import io.xdprecon.dataplane.maps.Ipv4;
import io.xdprecon.dataplane.maps.Owner;
import io.xdprecon.state.LiveState;
import io.xdprecon.state.TuningSetting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>The hashed text is canonical — sorted, one fact per line, versioned — so the same facts give the
 * same hash in any JVM regardless of map iteration order.
 */
public record Fingerprint(String sha256) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public Fingerprint {
        Objects.requireNonNull(sha256, "sha256");
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case SHA-256 hex digest: '" + sha256 + "'");
        }
    }

    /** The fingerprint of {@code live} for a plan that writes or deletes the {@code touched} keys. */
    public static Fingerprint of(LiveState live, Set<FlowKey> touched) {
        return new Fingerprint(sha256(canonicalText(live, touched)));
    }

    /**
     * The fingerprint over only the tuning settings in {@code tuningIds}: those a plan changes. A saved
     * plan knows no others, so apply can re-read exactly these and compare.
     */
    public static Fingerprint of(LiveState live, Set<FlowKey> touched, Set<String> tuningIds) {
        LiveState relevant = new LiveState(live.datapathPresent(), live.rulesCapacity(), live.rules(), live.localIps(),
                live.tuning().stream().filter(t -> tuningIds.contains(t.id())).toList(), live.attached());
        return of(relevant, touched);
    }

    /** The exact text hashed; package-private so tests can show what differs. */
    static String canonicalText(LiveState live, Set<FlowKey> touched) {
        StringBuilder text = new StringBuilder("xdprecon-fingerprint/v1\n");
        text.append("datapath-present ").append(live.datapathPresent()).append('\n');
        text.append("rules-capacity ").append(live.rulesCapacity()).append('\n');
        live.rules().entrySet().stream()
                .filter(e -> e.getValue().owner() == Owner.CONFIG)
                .sorted(Map.Entry.comparingByKey(FlowKeyOrder.INSTANCE))
                .forEach(e -> text.append("config-rule ").append(describe(e.getKey()))
                        .append(" => ").append(describe(e.getValue())).append('\n'));
        TreeSet<FlowKey> sortedTouched = new TreeSet<>(FlowKeyOrder.INSTANCE);
        sortedTouched.addAll(touched);
        for (FlowKey key : sortedTouched) {
            FlowRule rule = live.rules().get(key);
            text.append("touched ").append(describe(key)).append(" => ")
                    .append(rule == null ? "absent" : describe(rule)).append('\n');
        }
        live.localIps().stream().sorted(Integer::compareUnsigned)
                .forEach(ip -> text.append("local-ip ").append(Ipv4.format(ip)).append('\n'));
        live.tuning().stream().sorted(Comparator.comparing(TuningSetting::id))
                .forEach(t -> text.append("tuning ").append(t.id()).append(" = ").append(t.value()).append('\n'));
        live.attached().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> text.append("attached ").append(e.getKey()).append(" = ")
                        .append(describe(e.getValue())).append('\n'));
        return text.toString();
    }

    // Raw numbers rather than display names: the hash must not depend on how interfaces are named.
    private static String describe(FlowKey key) {
        return key.ifindex() + " " + Ipv4.format(key.srcIp()) + ":" + key.srcPort() + " " + Ipv4.format(key.dstIp())
                + ":" + key.dstPort();
    }

    private static String describe(FlowRule rule) {
        return describe(rule.rewrite()) + " " + rule.owner().name().toLowerCase(Locale.ROOT);
    }

    private static String describe(Optional<LiveState.AttachedProgram> program) {
        return program.map(p -> p.id() + " " + p.name()).orElse("none");
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
