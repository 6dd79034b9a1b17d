package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A value the schema rejects is reported once: checks that depend on it say nothing more (they cannot know what
 * was meant). Not in the corpus directory: YamlReaderEquivalenceTest draws its random cases from every YAML file
 * of the repository, so a file added there changes what it tries.
 */
class OneErrorPerBadValueTest {
    private static final String SERVICE = """
            services:
              - name: turn
                listen: { interface: public, address: 203.0.113.10, port: 3478 }
                backends: [10.0.0.30:3478]
                egress: { interface: private, address: 10.0.0.1, ports: 50000-59999 }
            """;
    private static final String HEAD = """
            apiVersion: xdprecon.io/v1
            interfaces:
              public: { device: ens5 }
              private: { device: ens6 }
            """;

    private static List<String> errors(String text) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(Path.of("f.yaml"), text)).errors().stream()
                .map(ConfigError::toString).toList();
    }

    /** It was also "service 'turn' needs datapath.mode: dpdk ..., but datapath.mode is xdp (the default)". */
    @Test
    void aRejectedModeIsNotTakenForTheDefault() {
        assertEquals(List.of("f.yaml:5:19: datapath.mode: 'dpkd' is not one of: xdp, dpdk"),
                errors(HEAD + "datapath: { mode: dpkd }\n" + SERVICE));
    }

    /** A node's rejected mode hides the base's (it meant another), and its service gets no second error. */
    @Test
    void aNodesRejectedModeHidesTheBasesAndGivesOneError() {
        assertEquals(List.of("f.yaml:8:23: nodes.edge-2.datapath.mode: 'DPDK' is not one of: xdp, dpdk"),
                errors(HEAD + "datapath: { mode: xdp }\nnodes:\n  edge-2:\n    datapath: { mode: DPDK }\n"
                        + SERVICE.indent(4)));
    }
}
