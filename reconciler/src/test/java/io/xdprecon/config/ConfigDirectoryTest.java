package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.xdprecon.lab.FleetConfigs;
import io.xdprecon.state.DesiredState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config as a directory of YAML files: flows and services split over files, every other section in one;
 * the same config as one file gives the same node state; a problem between files names both places.
 */
class ConfigDirectoryTest {
    private static final InterfaceResolver LAB = InterfaceResolver.of(Map.of("pc", 2, "ps", 3, "ens5", 5, "ens6", 6));

    @TempDir
    Path dir;

    @Test
    void aSplitConfigHoldsWhatTheSameConfigInOneFileHolds() throws Exception {
        for (FleetConfigs.Keys keys : FleetConfigs.Keys.values()) {
            Path split = dir.resolve("split-" + keys.label());
            Path single = dir.resolve("single-" + keys.label() + ".yaml");
            FleetConfigs.writeDirectory(split, 3000, 16, keys, 7);
            FleetConfigs.writeFile(single, 3000, keys, 7);
            DesiredState fromDirectory = ConfigLoader.load(split).forNode("n", LAB);
            DesiredState fromFile = ConfigLoader.load(single).forNode("n", LAB);
            assertEquals(fromFile.rules(), fromDirectory.rules(), keys.label());
            assertEquals(6000, fromDirectory.rules().size());
        }
    }

    @Test
    void theSplitExampleHoldsTheFlowsOfItsFiles() {
        // examples/fleet: base.yaml and flows/*.yaml, as the README shows a fleet's config split by team.
        Config config = ConfigLoader.load(Path.of("..", "examples", "fleet"));
        assertEquals(List.of("game-eu-1", "game-eu-2", "rtp-alice", "rtcp-alice"),
                config.flows("").stream().map(Flow::name).toList(), "files in path order: flows/games before flows/media");
        assertEquals(8, config.forNode("edge-1", LAB).rules().size());
    }

    @Test
    void flowsAndServicesMaySplitEveryOtherSectionStandsOnce() throws Exception {
        write("base.yaml", """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens5 }
                  private: { device: ens6 }
                """);
        write("flows/a.yaml", """
                flows:
                  - name: a
                    client: 198.51.100.20:40000
                    listen: { interface: public, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40000 }
                    server: 10.0.0.20:5004
                """);
        write("flows/b.yaml", """
                interfaces:
                  public: { device: ens7 }
                flows:
                  - name: a
                    client: 198.51.100.21:40000
                    listen: { interface: public, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40000 }
                    server: 10.0.0.20:5004
                  - name: c
                    client: 198.51.100.22:40000
                    listen: { interface: wan, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40002 }
                    server: 10.0.0.20:5004
                """);
        Path a = dir.resolve("flows/a.yaml");
        Path b = dir.resolve("flows/b.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(List.of(
                b + ":1:1: 'interfaces' is already set in " + dir.resolve("base.yaml")
                        + ":3:3; only flows and services may be split over files",
                b + ":4:11: flows[0].name: 'a' is already the name of the flow at " + a + ":2:11",
                b + ":7:60: flows[0].egress.port: egress 10.0.0.1:40000 is already the egress of flow 'a' (" + a
                        + ":5:60); each flow needs its own egress address:port",
                b + ":11:26: flows[1].listen.interface: 'wan' is not an interface declared under 'interfaces'"
                        + " (declared: public, private)"),
                e.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void aDirectoryNeedsAnApiVersionAndInterfacesSomewhere() throws Exception {
        write("a.yaml", "flows: []\n");
        write("b.yaml", "services: []\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(List.of(dir + ": no file declares 'interfaces'", dir + ": no file states 'apiVersion: xdprecon.io/v1'"),
                e.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void aNodeOverridesAFlowOfAnotherFile() throws Exception {
        write("base.yaml", """
                apiVersion: xdprecon.io/v1
                interfaces:
                  public: { device: ens5 }
                  private: { device: ens6 }
                nodes:
                  edge-2:
                    flows:
                      - { name: b, remove: true }
                      - name: c
                        client: 198.51.100.20:40000
                        listen: { interface: public, address: 203.0.113.10, port: 30000 }
                        egress: { interface: private, address: 10.0.0.1, port: 40009 }
                        server: 10.0.0.20:5004
                """);
        write("flows.yaml", """
                flows:
                  - name: a
                    client: 198.51.100.20:40000
                    listen: { interface: public, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40000 }
                    server: 10.0.0.20:5004
                  - name: b
                    client: 198.51.100.21:40000
                    listen: { interface: public, address: 203.0.113.10, port: 30000 }
                    egress: { interface: private, address: 10.0.0.1, port: 40001 }
                    server: 10.0.0.20:5004
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(List.of(dir.resolve("base.yaml") + ":11:17: nodes.edge-2.flows[1].listen: the FORWARD rule key"
                + " (ens5 198.51.100.20:40000 -> 203.0.113.10:30000) of flow 'c' is also the FORWARD rule key of flow 'a' ("
                + dir.resolve("flows.yaml") + ":2:11); one key can have one rule"),
                e.errors().stream().map(ConfigError::toString).toList());
        write("base.yaml", Files.readString(dir.resolve("base.yaml")).replace("client: 198.51.100.20", "client: 198.51.100.29"));
        Config config = ConfigLoader.load(dir);
        assertEquals(List.of("a", "c"), config.flows("edge-2").stream().map(Flow::name).toList());
        assertEquals(List.of("a", "b"), config.flows("edge-1").stream().map(Flow::name).toList());
    }

    @Test
    void aDirectoryHoldsItsYamlFilesInPathOrderLinksTooHiddenOnesNot() throws Exception {
        for (String name : List.of("b.yml", "a/b.yaml", "a-b.yaml", "a.yaml", "z/y/x.yaml", ".hidden.yaml", ".git/c.yaml",
                "notes.txt", "dir.yaml/inside.yaml")) {
            write(name, "flows: []\n");
        }
        Path elsewhere = Files.writeString(Files.createTempFile(dir.getParent(), "linked", ".txt"), "flows: []\n");
        Files.createSymbolicLink(dir.resolve("link.yaml"), elsewhere);
        Files.createSymbolicLink(dir.resolve("dangling.yaml"), dir.resolve("nowhere"));
        assertEquals(List.of("a-b.yaml", "a.yaml", "a/b.yaml", "b.yml", "dir.yaml/inside.yaml", "link.yaml", "z/y/x.yaml"),
                ConfigLoader.directory(dir).stream().map(f -> ConfigLoader.relative(dir, f.name())).toList(),
                "by the name messages show, '/' between parts; a link that leads to a regular file is one");
    }

    private void write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
