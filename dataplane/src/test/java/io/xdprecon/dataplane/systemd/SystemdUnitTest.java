package io.xdprecon.dataplane.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd/xdprecon.service} passes {@code systemd-analyze verify} with no diagnostics at all (verify
 * exits 0 on unknown keys and unparsable values, so its output must be empty too), carries the settings the
 * daemon depends on, and uses only variables that {@code systemd/xdprecon.env} defines.
 */
class SystemdUnitTest {
    private static final Path REPO = findRepo();
    private static final Path UNIT = REPO.resolve("systemd/xdprecon.service");
    private static final Path ENV = REPO.resolve("systemd/xdprecon.env");
    private static final String EXEC = "/usr/bin/xdprecon";

    @TempDir
    Path dir;

    @Test
    void unitVerifiesCleanly() throws Exception {
        String output = verify(Files.readString(UNIT));
        assertEquals("", output, "systemd-analyze verify reported problems");
    }

    @Test
    void verifyWouldCatchABrokenUnit() throws Exception {
        String broken = Files.readString(UNIT).replace("LockPersonality=yes",
                "LockPersonality=yes\nMemoryDenyWriteExecutes=yes\nRestrictAddressFamilies=AF_BOGUS");
        String output = verify(broken);
        assertTrue(output.contains("Unknown key") && output.contains("AF_BOGUS"), output);
    }

    @Test
    void unitHasWhatTheDaemonNeeds() throws IOException {
        Map<String, String> service = section(Files.readString(UNIT), "Service");
        assertEquals("notify", service.get("Type"));
        assertEquals("30s", service.get("WatchdogSec"));
        assertEquals("on-failure", service.get("Restart"));
        assertEquals("/bin/kill -HUP $MAINPID", service.get("ExecReload"));
        assertEquals("/etc/xdprecon/xdprecon.env", service.get("EnvironmentFile"));
        assertEquals("xdprecon", service.get("StateDirectory"));
        assertEquals("xdprecon", service.get("ConfigurationDirectory"));
        assertEquals("strict", service.get("ProtectSystem"));
        assertEquals("/sys/fs/bpf /sys/kernel/mm/hugepages /dev/hugepages", service.get("ReadWritePaths"));
        assertEquals("@system-service bpf", service.get("SystemCallFilter"));
        assertEquals("infinity", service.get("LimitMEMLOCK"));
        String caps = "CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE CAP_IPC_LOCK";
        assertEquals(caps, service.get("CapabilityBoundingSet"));
        assertEquals(caps, service.get("AmbientCapabilities"));
        assertEquals("AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_XDP", service.get("RestrictAddressFamilies"));
        assertFalse(service.containsKey("MemoryDenyWriteExecute"), "the JIT needs W+X memory");
        assertTrue(service.get("ExecStart").startsWith(EXEC + " run "), service.get("ExecStart"));
        assertTrue(service.get("ExecStart").contains("--state-dir /var/lib/xdprecon"), service.get("ExecStart"));
    }

    @Test
    void execStartUsesOnlyVariablesTheEnvFileDefines() throws IOException {
        String exec = section(Files.readString(UNIT), "Service").get("ExecStart");
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)\\}?").matcher(exec);
        while (m.find()) {
            used.add(m.group(1));
        }
        Set<String> defined = new TreeSet<>();
        for (String line : Files.readAllLines(ENV)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertTrue(line.matches("[A-Z_][A-Z0-9_]*=.*"), "not KEY=VALUE: " + line);
                defined.add(line.substring(0, line.indexOf('=')));
            }
        }
        assertNotEquals(Set.of(), used);
        assertTrue(defined.containsAll(used), "ExecStart uses " + used + ", env file defines " + defined);
    }

    /** Runs verify on {@code unit} with ExecStart pointed at /bin/true; returns stdout+stderr. */
    private String verify(String unit) throws Exception {
        assertTrue(unit.contains(EXEC), "unit does not start " + EXEC);
        Path copy = dir.resolve("xdprecon.service");
        Files.writeString(copy, unit.replace(EXEC, "/bin/true"));
        Path out = dir.resolve("verify.out");
        Process p;
        try {
            // --man=no: the unit's Documentation= names the man page the package installs, not present where this runs
            p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", copy.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException e) {
            fail("systemd-analyze not found: install systemd (apt-get install systemd; scripts/setup.sh does) — " + e);
            throw e;
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish in 60 s");
        String output = Files.readString(out, StandardCharsets.UTF_8).strip();
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    /** Key → value of one section, continuation lines joined, comments dropped (last assignment wins). */
    private static Map<String, String> section(String unit, String name) {
        Map<String, String> values = new LinkedHashMap<>();
        String current = null;
        StringBuilder pending = new StringBuilder();
        for (String raw : unit.lines().toList()) {
            String line = raw.strip();
            if (pending.isEmpty() && (line.startsWith("#") || line.isEmpty())) {
                continue;
            }
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            String full = (pending + line).replaceAll("\\s+", " ").strip();
            pending.setLength(0);
            if (name.equals(current) && full.contains("=")) {
                values.put(full.substring(0, full.indexOf('=')), full.substring(full.indexOf('=') + 1));
            }
        }
        return values;
    }

    private static Path findRepo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("systemd/xdprecon.service"))) {
                return p;
            }
        }
        throw new IllegalStateException("no systemd/xdprecon.service above " + Path.of("").toAbsolutePath());
    }

}
