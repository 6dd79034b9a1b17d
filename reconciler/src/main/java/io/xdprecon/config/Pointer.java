package io.xdprecon.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON pointers (RFC 6901) name every value of a config: the schema validator reports instance locations
 * with them, the {@link SourceMap} keys positions by them, and messages show them as readable paths.
 */
final class Pointer {
    static final String ROOT = "";

    private Pointer() {}

    static String child(String parent, String key) {
        return parent + "/" + key.replace("~", "~0").replace("/", "~1");
    }

    static String child(String parent, int index) {
        return parent + "/" + index;
    }

    static List<String> segments(String pointer) {
        List<String> segments = new ArrayList<>();
        if (pointer.isEmpty()) {
            return segments;
        }
        for (String raw : pointer.substring(1).split("/", -1)) {
            segments.add(raw.replace("~1", "/").replace("~0", "~"));
        }
        return segments;
    }

    /** The pointer itself or any of its descendants: {@code /flows/1} covers {@code /flows/1/name}. */
    static boolean covers(String ancestor, String pointer) {
        return pointer.equals(ancestor) || pointer.startsWith(ancestor + "/");
    }

    /** Whether any of {@code ancestors} {@link #covers} {@code pointer}: a set lookup per level, not a scan. */
    static boolean coveredByAny(Set<String> ancestors, String pointer) {
        for (String p = pointer; !ancestors.isEmpty(); p = parent(p)) {
            if (ancestors.contains(p)) {
                return true;
            }
            if (p.isEmpty()) {
                return false;
            }
        }
        return false;
    }

    /** Every pointer of {@code pointers} and all their ancestors: what covers at least one of them. */
    static Set<String> selfAndAncestors(Collection<String> pointers) {
        Set<String> all = new HashSet<>();
        for (String pointer : pointers) {
            String p = pointer;
            while (all.add(p) && !p.isEmpty()) { // one already there brought its ancestors with it
                p = parent(p);
            }
        }
        return all;
    }

    static String parent(String pointer) {
        int slash = pointer.lastIndexOf('/');
        return slash <= 0 ? ROOT : pointer.substring(0, slash);
    }
}
