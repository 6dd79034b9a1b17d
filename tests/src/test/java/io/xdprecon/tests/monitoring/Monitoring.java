package io.xdprecon.tests.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** The shipped monitoring files and the queries in them: what the tests run against promtool and Prometheus. */
final class Monitoring {
    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    static final Path RULES = DEPLOY.resolve("prometheus/xdprecon-rules.yml");
    static final Path RULES_TEST = DEPLOY.resolve("prometheus/xdprecon-rules.test.yml");
    static final Path DASHBOARD = DEPLOY.resolve("grafana/xdprecon-dashboard.json");
    /** The metric families only a daemon with a DPDK loop (datapath.mode: dpdk) exports. */
    static final Pattern DPDK_ONLY = Pattern.compile("xdprecon_(session|slow_path)");
    private static final Pattern COMPARISON = Pattern.compile("^(.*?)\\s*(==|!=|>=|<=|>|<)\\s*[0-9.]+$", Pattern.DOTALL);

    /** One PromQL expression and where it comes from. */
    record Query(String where, String expr) {
        boolean dpdkOnly() {
            return DPDK_ONLY.matcher(expr).find();
        }
    }

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every target of every panel, with Grafana's variables as a test resolves them (all nodes, 1 m windows). */
    static List<Query> dashboardQueries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.get("expr").asText().replace("$instance", ".*").replace("$__rate_interval", "1m");
                queries.add(new Query("panel '" + panel.get("title").asText() + "' " + target.get("refId").asText(), expr));
            }
        }
        return queries;
    }

    /**
     * The recording rules by name, and every alert's expression without its threshold: what must return data on
     * a live node (a healthy node's alert expressions themselves are empty, as they should be).
     */
    @SuppressWarnings("unchecked")
    static List<Query> ruleQueries() {
        List<Query> queries = new ArrayList<>();
        Object doc;
        try (var in = java.nio.file.Files.newInputStream(RULES)) {
            doc = new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (var group : (List<java.util.Map<String, Object>>) ((java.util.Map<String, Object>) doc).get("groups")) {
            for (var rule : (List<java.util.Map<String, Object>>) group.get("rules")) {
                String expr = ((String) rule.get("expr")).strip();
                if (rule.containsKey("record")) {
                    queries.add(new Query("record " + rule.get("record"), (String) rule.get("record")));
                } else {
                    Matcher m = COMPARISON.matcher(expr);
                    queries.add(new Query("alert " + rule.get("alert"), m.matches() ? m.group(1) : expr));
                }
            }
        }
        return queries;
    }

    private Monitoring() {}
}
