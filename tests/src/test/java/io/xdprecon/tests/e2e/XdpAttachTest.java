package io.xdprecon.tests.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.bpf.BpfProgram;
import io.xdprecon.dataplane.bpf.Xdp;
import io.xdprecon.dataplane.bpf.Xdp.Attachment;
import io.xdprecon.dataplane.bpf.XdpMode;
import io.xdprecon.dataplane.ffm.BpfException;
import io.xdprecon.dataplane.netns.NetNs;
import io.xdprecon.lab.Lab;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Xdp} attach, query, atomic replace and detach on real veths inside a lab namespace. */
class XdpAttachTest {
    private static Lab lab;

    @BeforeAll
    static void startLab() {
        lab = Lab.start();
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void theLabAttachesTheDatapathNativelyToBothProxyInterfaces() {
        int mainId = lab.datapath().program().orElseThrow().id();
        int passId = lab.labObject().program("xdp_pass").id();
        assertEquals(Optional.of(new Attachment(lab.pc().ifindex(), mainId, XdpMode.NATIVE)), in(lab.proxyNs(), () -> Xdp.query(lab.pc().ifindex())));
        assertEquals(Optional.of(new Attachment(lab.ps().ifindex(), mainId, XdpMode.NATIVE)), in(lab.proxyNs(), () -> Xdp.query(lab.ps().ifindex())));
        assertEquals(Optional.of(new Attachment(lab.c0().ifindex(), passId, XdpMode.NATIVE)), in(lab.clientNs(), () -> Xdp.query(lab.c0().ifindex())));
        assertEquals(Optional.of(new Attachment(lab.s0().ifindex(), passId, XdpMode.NATIVE)), in(lab.serverNs(), () -> Xdp.query(lab.s0().ifindex())));
    }

    @Test
    void attachQueryReplaceDetachOnAVeth() {
        String ns = lab.proxyNs();
        Lab.ip("-n", ns, "link", "add", "xa0", "type", "veth", "peer", "name", "xa1");
        try {
            Lab.ip("-n", ns, "link", "set", "xa0", "up");
            Lab.ip("-n", ns, "link", "set", "xa1", "up");
            int ifindex = in(ns, () -> NetNs.ifindex("xa0"));
            BpfProgram pass = lab.labObject().program("xdp_pass");
            BpfProgram ceiling = lab.labObject().program("xdp_ceiling");
            BpfProgram main = lab.datapath().program().orElseThrow();
            assertNotEquals(pass.id(), ceiling.id());

            assertEquals(Optional.empty(), in(ns, () -> Xdp.query(ifindex)), "a new veth has no program");

            in(ns, () -> Xdp.attach(ifindex, pass, XdpMode.NATIVE));
            assertEquals(Optional.of(new Attachment(ifindex, pass.id(), XdpMode.NATIVE)), in(ns, () -> Xdp.query(ifindex)));

            // UPDATE_IF_NOEXIST: the kernel refuses a second program with EBUSY.
            BpfException second = assertThrows(BpfException.class, () -> in(ns, () -> Xdp.attach(ifindex, ceiling, XdpMode.NATIVE)));
            assertInstanceOf(BpfException.Busy.class, second, second.getMessage());
            assertTrue(second.getMessage().contains("ifindex " + ifindex), second.getMessage());
            assertEquals(Optional.of(new Attachment(ifindex, pass.id(), XdpMode.NATIVE)), in(ns, () -> Xdp.query(ifindex)));

            in(ns, () -> Xdp.replace(ifindex, pass.id(), ceiling, XdpMode.NATIVE));
            assertEquals(Optional.of(new Attachment(ifindex, ceiling.id(), XdpMode.NATIVE)), in(ns, () -> Xdp.query(ifindex)));

            // pass.id() is stale now (ceiling replaced it): the kernel says EEXIST and changes nothing.
            BpfException stale = assertThrows(BpfException.class, () -> in(ns, () -> Xdp.replace(ifindex, pass.id(), main, XdpMode.NATIVE)));
            assertInstanceOf(BpfException.AlreadyExists.class, stale, stale.getMessage());
            assertEquals(Optional.of(new Attachment(ifindex, ceiling.id(), XdpMode.NATIVE)), in(ns, () -> Xdp.query(ifindex)));

            in(ns, () -> Xdp.detach(ifindex, XdpMode.NATIVE));
            assertEquals(Optional.empty(), in(ns, () -> Xdp.query(ifindex)));
        } finally {
            Lab.ip("-n", ns, "link", "delete", "xa0");
        }
    }

    private static <T> T in(String ns, Callable<T> task) {
        return NetNs.call(ns, task);
    }

    private static void in(String ns, NetNs.Task task) {
        NetNs.run(ns, task);
    }
}
