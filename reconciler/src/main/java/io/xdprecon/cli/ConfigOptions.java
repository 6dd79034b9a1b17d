package io.xdprecon.cli;

import io.xdprecon.config.Config;
import io.xdprecon.config.ConfigException;
import io.xdprecon.config.ConfigLoader;
import io.xdprecon.config.InterfaceResolver;
import io.xdprecon.state.DesiredState;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The config file and node a command works from; shared by plan and apply. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The flows config (YAML, see examples/flows.yaml and schema/flows.schema.json).")
    Path config;

    @Option(names = "--node", paramLabel = "NAME",
            description = "Which node's overrides apply (default: this host's name).")
    String node;

    String node() {
        return node != null ? node : Config.defaultNode();
    }

    /**
     * Loads and validates the config and resolves it for this node, its interfaces in the current
     * network namespace. Every config error becomes one line of the CLI failure.
     */
    DesiredState desired() {
        if (config == null) {
            throw new CliException("no config given: use -c FILE");
        }
        try {
            return ConfigLoader.load(config).forNode(node(), InterfaceResolver.currentNetns());
        } catch (ConfigException e) {
            StringBuilder text = new StringBuilder("invalid config, nothing was changed:");
            e.errors().forEach(error -> text.append("\n  ").append(error));
            throw new CliException(text.toString());
        }
    }
}
