package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import io.xdprecon.dataplane.maps.IpAddress;
import java.util.List;

/**
 * Backend choice by rendezvous (highest random weight) hashing over the client endpoint as seen on the
 * wire: every backend gets a score mixed from its own endpoint and the client's, the highest wins. When
 * a backend is added or removed only the clients whose winner changed move (about 1/n of them), and a
 * client keeps its backend as long as that backend stays. O(backends) per choice, no allocation — it
 * runs once per new session. IPv4 and IPv6 alike: a client and a backend are each folded to a 64-bit value first
 * (a service's backends and clients are of one family).
 */
public final class Rendezvous {
    private Rendezvous() {
    }

    /** Index in {@code backends} of the IPv4 client's backend; -1 when there is none. */
    public static int choose(List<Endpoint> backends, int clientIp, int clientPort) {
        return choose(backends, client(clientIp, clientPort));
    }

    /** Index in {@code backends} of the backend of a client folded by {@link #client}; -1 when there is none. */
    public static int choose(List<Endpoint> backends, long client) {
        int best = -1;
        long bestScore = 0;
        for (int i = 0, n = backends.size(); i < n; i++) {
            Endpoint b = backends.get(i);
            long score = score(client, b);
            if (best < 0 || Long.compareUnsigned(score, bestScore) > 0) {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * Every index of {@code backends}, from the client's choice ({@link #choose}) to its last resort: the order in
     * which a new session tries backends when its choice has no egress port left. Removing a backend removes it
     * from every client's order and leaves the rest in place.
     */
    public static int[] order(List<Endpoint> backends, int clientIp, int clientPort) {
        return order(backends, client(clientIp, clientPort));
    }

    /** {@link #order(List, int, int)} for a client folded by {@link #client}. */
    public static int[] order(List<Endpoint> backends, long client) {
        int n = backends.size();
        int[] order = new int[n];
        long[] scores = new long[n];
        for (int i = 0; i < n; i++) {
            long score = score(client, backends.get(i));
            int j = i;
            // insertion by score, highest first; on a tie the earlier index first, as in choose
            while (j > 0 && Long.compareUnsigned(scores[j - 1], score) < 0) {
                scores[j] = scores[j - 1];
                order[j] = order[j - 1];
                j--;
            }
            scores[j] = score;
            order[j] = i;
        }
        return order;
    }

    /** An IPv4 client endpoint, folded for {@link #choose(List, long)}. */
    public static long client(int clientIp, int clientPort) {
        return mix(((long) clientIp << 16) ^ clientPort ^ 0x5bd1e9955bd1e995L);
    }

    /** A client endpoint of either family, folded for {@link #choose(List, long)}; IPv4 as {@link #client(int, int)}. */
    public static long client(IpAddress clientIp, int clientPort) {
        return switch (clientIp) {
            case IpAddress.V4(int bits) -> client(bits, clientPort);
            case IpAddress.V6(long high, long low) -> mix(mix(high) ^ low ^ ((long) clientPort << 48) ^ 0x5bd1e9955bd1e995L);
        };
    }

    static long score(long client, Endpoint backend) {
        long folded = switch (backend.ip()) {
            case IpAddress.V4(int bits) -> (long) bits << 16 | backend.port();
            case IpAddress.V6(long high, long low) -> mix(high) ^ low ^ (long) backend.port() << 48;
        };
        return mix(client ^ mix(folded + 0x9e3779b97f4a7c15L));
    }

    /** SplitMix64's finaliser: every input bit flips about half the output bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
