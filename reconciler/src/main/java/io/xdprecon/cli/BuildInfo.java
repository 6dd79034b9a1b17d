package io.xdprecon.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What build this is: the version, the Git commit ({@code -dirty} when the tree had uncommitted changes) and
 * the date, written at build time by {@code reconciler/build-info.sh} into {@code build.properties}. Classes
 * run without that resource (an IDE's own compile) say "unknown".
 *
 * @param commits how many commits the build's history has, which orders snapshot packages
 */
public record BuildInfo(String version, String commit, long commits, String date) {
    private static final String UNKNOWN = "unknown";

    /** This build's facts. */
    public static BuildInfo current() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read build.properties from the classpath", e);
        }
        return new BuildInfo(properties.getProperty("version", UNKNOWN), properties.getProperty("commit", UNKNOWN),
                Long.parseLong(properties.getProperty("commits", "0")), properties.getProperty("date", UNKNOWN));
    }

    /** The first 12 characters of the commit, and the dirty mark: enough to find it, short enough for a log line. */
    public String shortCommit() {
        int dirty = commit.indexOf("-dirty");
        String id = dirty < 0 ? commit : commit.substring(0, dirty);
        return (id.length() > 12 ? id.substring(0, 12) : id) + (dirty < 0 ? "" : "-dirty");
    }
}
