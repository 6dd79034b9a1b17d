package io.xdprecon.sessions;

import io.xdprecon.config.Endpoint;
import java.util.List;

/**
 * Backend choice by rendezvous (highest random weight) hashing over the client endpoint as seen on the
 * wire: every backend gets a score mixed from its own endpoint and the client's, the highest wins. When
 * a backend is added or removed only the clients whose winner changed move (about 1/n of them), and a
 * client keeps its backend as long as that backend stays. O(backends) per choice, no allocation — it
 * runs once per new session.
 */
public final class Rendezvous {
    private Rendezvous() {
    }

    /** Index in {@code backends} of the client's backend; -1 when there is none. */
    public static int choose(List<Endpoint> backends, int clientIp, int clientPort) {
        long client = client(clientIp, clientPort);
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
        long client = client(clientIp, clientPort);
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

    private static long client(int clientIp, int clientPort) {
        return mix(((long) clientIp << 16) ^ clientPort ^ 0x5bd1e9955bd1e995L);
    }

    static long score(long client, Endpoint backend) {
        return mix(client ^ mix(((long) backend.address() << 16 | backend.port()) + 0x9e3779b97f4a7c15L));
    }

    /** SplitMix64's finaliser: every input bit flips about half the output bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
