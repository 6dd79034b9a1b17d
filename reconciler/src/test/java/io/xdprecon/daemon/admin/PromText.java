package io.xdprecon.daemon.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small parser of the Prometheus text exposition format (version 0.0.4): enough to check what a scrape
 * says. Samples keep their labels in order; {@code # TYPE} lines give each family's type.
 */
record PromText(List<Sample> samples, Map<String, String> types) {

    record Sample(String name, Map<String, String> labels, double value) {}

    static PromText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                types.put(p[0], p[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            Map<String, String> labels = new LinkedHashMap<>();
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq).trim();
                    if (line.charAt(eq + 1) != '"') {
                        throw new IllegalArgumentException("unquoted label value: " + line);
                    }
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++) {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            v.append(n == 'n' ? '\n' : n);
                        } else {
                            v.append(c);
                        }
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).trim().split(" ");
            samples.add(new Sample(name, labels, parseValue(rest[0])));
        }
        return new PromText(List.copyOf(samples), Map.copyOf(types));
    }

    private static double parseValue(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** Samples named {@code name} whose labels include all of {@code labels} (k1, v1, k2, v2, …). */
    List<Sample> find(String name, String... labels) {
        return samples.stream().filter(s -> s.name.equals(name)).filter(s -> {
            for (int k = 0; k < labels.length; k += 2) {
                if (!labels[k + 1].equals(s.labels.get(labels[k]))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    /** The single value of {@code name} with {@code labels}, or empty; fails on more than one match. */
    Optional<Double> value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() > 1) {
            throw new AssertionError("more than one " + name + " " + List.of(labels) + ": " + found);
        }
        return found.stream().findFirst().map(Sample::value);
    }
}
