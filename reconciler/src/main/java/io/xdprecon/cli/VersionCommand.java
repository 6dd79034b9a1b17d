package io.xdprecon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xdprecon version}: what {@code --version} prints, and with {@code --json} the same facts for a fleet
 * inventory (which build each node runs), as every command that prints a result can.
 */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print the build: version, Git commit and build date, and the Java runtime and OS it runs on"
                + " (the lines of --version).")
final class VersionCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print {\"version\", \"commit\", \"built\", \"java\", \"os\"} as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            BuildInfo build = BuildInfo.current();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("version", build.version());
            doc.put("commit", build.commit());
            doc.put("built", build.date());
            doc.put("java", System.getProperty("java.version"));
            doc.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch"));
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            for (String line : new Main.Version().getVersion()) {
                out.println(line);
            }
        }
        out.flush();
        return 0;
    }
}
