package io.xdprecon.cli;

import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.host.IoErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xdprecon suspend} and {@code resume}: {@code POST /suspend} or {@code /resume} to the running daemon,
 * with the token it wrote into its state directory (so only who may read that file may ask).
 */
abstract class ControlCommand implements Callable<Integer> {
    @Mixin
    AdminEndpoint endpoint;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/xdprecon",
            description = "The daemon's --state-dir, where it writes the token these requests need, "
                    + ControlToken.FILE_NAME + " (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Spec
    CommandSpec spec;

    /** {@code suspend} or {@code resume}. */
    abstract String what();

    @Override
    public Integer call() {
        Path file = stateDir.resolve(ControlToken.FILE_NAME);
        String token;
        try {
            token = ControlToken.read(file);
        } catch (IOException e) {
            throw new CliException("cannot read the daemon's token " + file + ": " + IoErrors.cause(e)
                    + " (run as the daemon's user, with the daemon's --state-dir)");
        }
        try {
            endpoint.post("/" + what(), token);
        } catch (AdminClient.UnreachableException e) {
            throw new CliException("cannot reach the daemon: is `xdprecon run` running? admin address " + endpoint.admin + " "
                    + e.getMessage());
        }
        spec.commandLine().getOut().println(what().equals("suspend")
                ? "suspended: the daemon makes no writes until `xdprecon resume`"
                : "resumed: the daemon reconciles now");
        spec.commandLine().getOut().flush();
        return 0;
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true,
            description = "Ask the running daemon to stop writing to the node (it keeps reading, so status stays"
                    + " true) until `xdprecon resume`. Over the loopback admin endpoint, with the token from the"
                    + " daemon's state directory.")
    static final class Suspend extends ControlCommand {
        @Override
        String what() {
            return "suspend";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Ask the running daemon to reconcile again after `xdprecon suspend`, at once.")
    static final class Resume extends ControlCommand {
        @Override
        String what() {
            return "resume";
        }
    }
}
