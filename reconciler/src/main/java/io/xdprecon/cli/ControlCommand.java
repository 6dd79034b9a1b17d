package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.daemon.admin.ControlToken;
import io.xdprecon.daemon.admin.StatusJson;
import io.xdprecon.daemon.admin.Suspension;
import io.xdprecon.host.IoErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xdprecon suspend} and {@code resume}: first the mark in the daemon's state directory ({@link Suspension}),
 * which a daemon starting later obeys, then {@code POST /suspend} or {@code /resume} to the running daemon with the
 * token it wrote there (so only who may read that file may ask). With no daemon running, the mark alone is the
 * answer.
 */
abstract class ControlCommand implements Callable<Integer> {
    @Mixin
    AdminEndpoint endpoint;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/xdprecon",
            description = "The daemon's --state-dir, where the suspension is kept (" + Suspension.FILE_NAME + ") and the"
                    + " daemon writes the token these requests need, " + ControlToken.FILE_NAME + " (default:"
                    + " XDPRECON_STATE_DIR of /etc/xdprecon/xdprecon.env, else ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--json", description = "Print {\"suspended\": …, \"daemon\": \"told\" or \"not running\", \"stateFile\": …,"
            + " \"suspendedByConfig\": FILE:LINE:COL in revision ID, or null}.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** {@code true} for suspend, {@code false} for resume. */
    abstract boolean suspend();

    @Override
    public Integer call() throws Exception {
        endpoint.check();
        String what = suspend() ? "suspend" : "resume";
        Path mark = Suspension.file(stateDir);
        try {
            if (suspend()) {
                Suspension.set(stateDir, "xdprecon suspend");
            } else {
                Suspension.clear(stateDir);
            }
        } catch (IOException e) {
            throw new CliException("cannot " + (suspend() ? "write " : "remove ") + mark + ": " + IoErrors.cause(e)
                    + " (run as the daemon's user, with the daemon's --state-dir); nothing was changed");
        }
        String daemon;
        Path tokenFile = stateDir.resolve(ControlToken.FILE_NAME);
        try {
            endpoint.post("/" + what, ControlToken.read(tokenFile));
            daemon = "told";
        } catch (NoSuchFileException | AdminClient.UnreachableException e) {
            daemon = "not running";
        } catch (IOException e) {
            throw new CliException("kept in " + mark + ", but cannot read the daemon's token " + tokenFile + ": "
                    + IoErrors.cause(e) + " (run as the daemon's user), so the running daemon was not told");
        } catch (CliException e) {
            throw new CliException("kept in " + mark + ", but the running daemon was not told: " + e.getMessage());
        }
        // What the operator lifts, the operator set: a suspend: true in the config outlasts it (see DaemonStatus.Suspension).
        Optional<String> byConfig = daemon.equals("told") ? suspendedByConfig() : Optional.empty();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("suspended", suspend() || byConfig.isPresent());
            doc.put("daemon", daemon);
            doc.put("stateFile", mark.toString());
            doc.put("suspendedByConfig", byConfig.orElse(null));
            out.println(new ObjectMapper().writeValueAsString(doc));
            out.flush();
            return !suspend() && byConfig.isPresent() ? 1 : 0;
        } else if (!suspend() && byConfig.isPresent()) {
            throw new CliException("lifted the suspension of `xdprecon suspend` (" + mark + " removed), but the config"
                    + " still suspends this node: suspend: true at " + byConfig.get() + "; the daemon writes nothing until"
                    + " a revision without it");
        } else if (daemon.equals("told")) {
            out.println(suspend() ? "suspended: the daemon makes no writes until `xdprecon resume`, also after a restart"
                    : "resumed: the daemon reconciles now");
        } else {
            out.println((suspend() ? "suspended: no daemon answers at " + endpoint.admin + "; it will start suspended"
                    + " (until `xdprecon resume`)" : "resumed: no daemon answers at " + endpoint.admin
                    + "; it will start reconciling") + " (kept in " + stateDir + ")");
        }
        out.flush();
        return 0;
    }

    /** The running daemon's word on a suspension by its config; empty when it has none or cannot say. */
    private Optional<String> suspendedByConfig() {
        try {
            return StatusJson.read(endpoint.get("/status")).status().suspension().byConfig();
        } catch (IOException | AdminClient.UnreachableException | CliException e) {
            return Optional.empty(); // told already; status says the rest
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true,
            description = "Stop the daemon writing to the node (it keeps reading, so status stays true) until `xdprecon"
                    + " resume`, also across restarts: the suspension is kept in the daemon's state directory, and the"
                    + " running daemon is told over the loopback admin endpoint with the token from that directory.")
    static final class Suspend extends ControlCommand {
        @Override
        boolean suspend() {
            return true;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Let the daemon reconcile again after `xdprecon suspend`: the mark in its state directory goes,"
                    + " and the running daemon reconciles at once. A `suspend: true` in the config is not lifted by this"
                    + " (as Flux's spec.suspend in Git outlasts `flux resume`): then it exits 1 naming that line.")
    static final class Resume extends ControlCommand {
        @Override
        boolean suspend() {
            return false;
        }
    }
}
