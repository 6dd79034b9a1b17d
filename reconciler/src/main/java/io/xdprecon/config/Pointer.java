package io.xdprecon.config;

import java.util.ArrayList;
import java.util.List;

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

    static String parent(String pointer) {
        int slash = pointer.lastIndexOf('/');
        return slash <= 0 ? ROOT : pointer.substring(0, slash);
    }
}
