package io.xdprecon.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xdprecon.check.CheckResult.Status;
import io.xdprecon.check.HostFacts.Admin;
import io.xdprecon.check.HostFacts.Device;
import io.xdprecon.check.HostFacts.HugepagePool;
import io.xdprecon.check.HostFacts.Library;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.link.LinkState;
import io.xdprecon.dataplane.link.XdpFeatures.Feature;
import io.xdprecon.state.DatapathSettings;
import io.xdprecon.state.TuningSetting;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule of the preflight, on facts made up to hit it: no privileges, no kernel needed. */
class PreflightTest {
    private static final long ROOT = -1L >>> 23; // capabilities 0..40, as root has
    private static final Path PINS = Path.of("/sys/fs/bpf");
    private static final Set<Feature> NIC = EnumSet.of(Feature.BASIC, Feature.REDIRECT, Feature.NDO_XMIT);
    private static final Target XDP = new Target("edge-1", "flows.yaml", DatapathSettings.Mode.XDP, XdpMode.NATIVE,
            List.of("eth1", "eth2"), Optional.empty());

    private static Device healthy(String name, int ifindex) {
        return new Device(name, OptionalInt.of(ifindex), Optional.of(new LinkState(true, true)), Optional.of(NIC),
                Optional.of("1"), Optional.of("1"), "");
    }

    private static HostFacts facts(long capabilities, List<Device> devices) {
        return new HostFacts("6.1.0-13-amd64", true, capabilities, Optional.of("bpf"), Library.found("1.1"),
                Library.missing("not loaded"), Optional.of("1"), devices, Optional.empty(),
                Optional.of(new Admin("127.0.0.1:9477", Admin.State.FREE, "free")));
    }

    private static CheckResult only(List<CheckResult> results, String name) {
        List<CheckResult> matching = results.stream().filter(r -> r.name().equals(name)).toList();
        assertEquals(1, matching.size(), name + " in " + results);
        return matching.getFirst();
    }

    @Test
    void aHealthyRootNodePassesEveryCheck() {
        List<CheckResult> results = Preflight.judge(Optional.of(XDP), PINS,
                facts(ROOT, List.of(healthy("eth1", 2), healthy("eth2", 3))));
        assertEquals(List.of(), results.stream().filter(r -> r.status() != Status.OK).toList());
        assertTrue(results.stream().allMatch(r -> r.fix().isEmpty()), "an ok line carries no fix");
        assertEquals("native XDP with redirect in and out", only(results, "xdp eth1").detail());
    }

    @Test
    void withoutCapabilitiesPrivilegesFailWithTheFix() {
        CheckResult none = Preflight.privileges(0);
        assertEquals(Status.FAIL, none.status());
        assertEquals("no CAP_BPF (or CAP_SYS_ADMIN), no CAP_NET_ADMIN: BPF maps and XDP programs are out of reach",
                none.detail());
        assertEquals("run as root (sudo), or with the capabilities the systemd unit grants", none.fix().orElseThrow());
        long bpfAndNet = (1L << Preflight.CAP_BPF) | (1L << Preflight.CAP_NET_ADMIN);
        assertEquals(Status.OK, Preflight.privileges(bpfAndNet).status());
        assertEquals(Status.FAIL, Preflight.privileges(1L << Preflight.CAP_BPF).status(), "CAP_NET_ADMIN is needed too");
        assertEquals(Status.OK, Preflight.privileges((1L << Preflight.CAP_SYS_ADMIN) | (1L << Preflight.CAP_NET_ADMIN))
                .status(), "CAP_SYS_ADMIN stands in for CAP_BPF");
    }

    @Test
    void oldKernelsFailAndUnreadableOnesWarn() {
        assertEquals(Status.FAIL, Preflight.kernel("5.4.0-150-generic").status());
        assertEquals(Status.FAIL, Preflight.kernel("4.19.0").status());
        assertEquals(Status.OK, Preflight.kernel("5.8.0").status());
        assertEquals(Status.OK, Preflight.kernel("6.18.44-fc-v1252").status());
        assertEquals(Status.WARN, Preflight.kernel("unknown").status());
    }

    @Test
    void aPinRootOutsideABpffsFails() {
        assertEquals(Status.OK, Preflight.bpffs(PINS, Optional.of("bpf")).status());
        CheckResult tmpfs = Preflight.bpffs(Path.of("/run/pins"), Optional.of("tmpfs"));
        assertEquals(Status.FAIL, tmpfs.status());
        assertTrue(tmpfs.detail().startsWith("/run/pins is on tmpfs, not a bpffs"), tmpfs.detail());
        assertTrue(tmpfs.fix().orElseThrow().startsWith("mount -t bpf bpf /sys/fs/bpf"), tmpfs.fix().orElseThrow());
        assertEquals(Status.FAIL, Preflight.bpffs(Path.of("/nowhere"), Optional.empty()).status());
    }

    @Test
    void eachDeviceIsCheckedForPresenceLinkXdpAndSysctls() {
        Device missing = new Device("eth9", OptionalInt.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), "");
        Device down = new Device("eth1", OptionalInt.of(2), Optional.of(new LinkState(false, false)), Optional.of(NIC),
                Optional.of("0"), Optional.of("1"), "");
        Device noDriverXdp = new Device("eth2", OptionalInt.of(3), Optional.of(new LinkState(true, true)),
                Optional.of(EnumSet.noneOf(Feature.class)), Optional.of("1"), Optional.of("0"), "");
        List<CheckResult> results = Preflight.judge(Optional.of(XDP), PINS, facts(ROOT, List.of(down, noDriverXdp, missing)));

        CheckResult gone = only(results, "device eth9");
        assertEquals(Status.FAIL, gone.status());
        assertTrue(gone.detail().startsWith("there is no device eth9 on this node"), gone.detail());
        CheckResult isDown = only(results, "device eth1");
        assertEquals("eth1 (ifindex 2) is down", isDown.detail());
        assertEquals("ip link set eth1 up", isDown.fix().orElseThrow());
        List<CheckResult> sysctls = results.stream().filter(r -> r.name().startsWith("sysctl ")).toList();
        assertEquals(List.of(Status.FAIL, Status.OK, Status.OK, Status.FAIL), sysctls.stream().map(CheckResult::status).toList());
        assertTrue(sysctls.get(0).detail().startsWith("net.ipv4.conf.eth1.forwarding=0: "), sysctls.get(0).detail());
        assertEquals("sysctl -w net.ipv4.conf.eth1.forwarding=1 (and in /etc/sysctl.d/ to keep it)",
                sysctls.get(0).fix().orElseThrow());
        assertTrue(sysctls.get(3).detail().startsWith("net.ipv4.conf.eth2.accept_local=0: "), sysctls.get(3).detail());
        CheckResult xdp = only(results, "xdp eth2");
        assertEquals(Status.FAIL, xdp.status());
        assertEquals("the driver of eth2 (ifindex 3) has no native XDP", xdp.detail());
        assertTrue(xdp.fix().orElseThrow().startsWith("attachMode: generic"), xdp.fix().orElseThrow());
    }

    @Test
    void xdpFeaturesDecideNativeModeOnly() {
        Device veth = new Device("pc", OptionalInt.of(5), Optional.of(new LinkState(true, true)),
                Optional.of(EnumSet.of(Feature.BASIC, Feature.REDIRECT)), Optional.of("1"), Optional.of("1"), "");
        CheckResult redirectTarget = only(Preflight.judge(Optional.of(XDP), PINS, facts(ROOT, List.of(veth))), "xdp pc");
        assertEquals(Status.WARN, redirectTarget.status(), "cannot take frames redirected from the other device");
        assertTrue(redirectTarget.fix().orElseThrow().contains("peer runs an XDP program"), redirectTarget.fix().orElseThrow());

        Target generic = new Target("n", "f", DatapathSettings.Mode.XDP, XdpMode.GENERIC, List.of("pc"), Optional.empty());
        Device noXdp = new Device("pc", OptionalInt.of(5), Optional.of(new LinkState(true, true)),
                Optional.of(EnumSet.noneOf(Feature.class)), Optional.of("1"), Optional.of("1"), "");
        assertEquals(Status.OK, only(Preflight.judge(Optional.of(generic), PINS, facts(ROOT, List.of(noXdp))), "xdp pc").status());

        Device oldKernel = new Device("pc", OptionalInt.of(5), Optional.of(new LinkState(true, true)), Optional.empty(),
                Optional.of("1"), Optional.of("1"), "");
        assertEquals(Status.WARN, only(Preflight.judge(Optional.of(XDP), PINS, facts(ROOT, List.of(oldKernel))), "xdp pc")
                .status(), "unknown before 6.3: not verified");
    }

    @Test
    void dpdkModeNeedsDpdk2211AndItsHugepagesMounted() {
        Target dpdk = new Target("n", "f", DatapathSettings.Mode.DPDK, XdpMode.NATIVE, List.of(),
                Optional.of(new TuningSetting.Hugepages(2048, OptionalInt.empty(), 512)));
        assertEquals(Status.FAIL, Preflight.dpdk(Optional.of(dpdk), Library.missing("cannot load librte_eal.so.23")).status());
        assertEquals(Status.FAIL, Preflight.dpdk(Optional.of(dpdk), Library.found("DPDK 23.11.1")).status());
        assertEquals(Status.OK, Preflight.dpdk(Optional.of(dpdk), Library.found("DPDK 22.11.11")).status());
        assertEquals(Status.OK, Preflight.dpdk(Optional.of(XDP), Library.missing("absent")).status(), "xdp mode needs none");

        assertEquals(Status.FAIL, Preflight.hugepages(dpdk, Optional.of(new HugepagePool(2048, 512, 512, false))).status());
        CheckResult short_ = Preflight.hugepages(dpdk, Optional.of(new HugepagePool(2048, 100, 100, true)));
        assertEquals(Status.WARN, short_.status());
        assertEquals("100 of 512 huge pages of 2048 kB reserved, 100 free", short_.detail());
        assertEquals(Status.OK, Preflight.hugepages(dpdk, Optional.of(new HugepagePool(2048, 512, 500, true))).status());
    }

    @Test
    void anAdminAddressHeldBySomethingElseFails() {
        assertEquals(Status.OK, Preflight.admin(new Admin("127.0.0.1:9477", Admin.State.DAEMON, "an xdprecon daemon"
                + " answers there")).status());
        CheckResult taken = Preflight.admin(new Admin("127.0.0.1:9477", Admin.State.TAKEN, "in use by another process"));
        assertEquals(Status.FAIL, taken.status());
        assertTrue(taken.fix().orElseThrow().contains("XDPRECON_ADMIN"), taken.fix().orElseThrow());
    }

    @Test
    void theReportAlignsLinesPutsEachFixBelowAndCounts() throws Exception {
        List<CheckResult> results = List.of(CheckResult.ok("kernel", "Linux 6.1"),
                CheckResult.fail("privileges", "no CAP_BPF", "run as root"), CheckResult.warn("bpf jit", "off", "turn it on"));
        assertEquals("""
                ok    kernel      Linux 6.1
                fail  privileges  no CAP_BPF
                                  fix: run as root
                warn  bpf jit     off
                                  fix: turn it on
                1 failed, 1 warning, 1 ok.
                """, CheckReport.text(results));
        JsonNode json = new ObjectMapper().readTree(CheckReport.json(results));
        assertEquals("xdprecon-check/v1", json.get("format").asText());
        assertEquals(false, json.get("ok").asBoolean());
        assertEquals(1, json.get("summary").get("fail").asInt());
        assertEquals("run as root", json.get("checks").get(1).get("fix").asText());
        assertTrue(json.get("checks").get(0).get("fix").isNull());
        assertEquals("check failed: privileges: no CAP_BPF (fix: run as root)\nwarning: bpf jit: off (fix: turn it on)\n",
                CheckReport.notOk(results));
    }
}
