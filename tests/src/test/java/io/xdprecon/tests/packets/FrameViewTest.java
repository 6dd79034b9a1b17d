package io.xdprecon.tests.packets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xdprecon.dataplane.maps.Ipv4;

import org.junit.jupiter.api.Test;

class FrameViewTest {
    private static FrameBuilder sample() {
        return FrameBuilder.udp(Ipv4.parse("198.18.0.7"), 40000, Ipv4.parse("10.0.0.1"), 5000).ttl(17).tos(0x2e)
                .payload("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void readsBackWhatTheBuilderWrote() {
        FrameView view = new FrameView(sample().build());
        assertEquals(14 + 20 + 8 + 5, view.length());
        assertEquals(Frames.ETH_P_IP, view.etherType());
        assertEquals(4, view.version());
        assertEquals(5, view.ihl());
        assertEquals(0x2e, view.tos());
        assertEquals(33, view.totLen());
        assertEquals(17, view.ttl());
        assertEquals(Ipv4.parse("198.18.0.7"), view.srcIp());
        assertEquals(Ipv4.parse("10.0.0.1"), view.dstIp());
        assertEquals(40000, view.srcPort());
        assertEquals(5000, view.dstPort());
        assertEquals(13, view.udpLen());
        assertTrue(view.ipChecksumValid());
        assertTrue(view.udpChecksumValid());
    }

    @Test
    void deliberateChecksumErrorsDoNotVerify() {
        assertFalse(new FrameView(sample().ipChecksumError(0x0101).build()).ipChecksumValid());
        assertFalse(new FrameView(sample().udpChecksumError(0x0101).build()).udpChecksumValid());
        FrameView none = new FrameView(sample().noUdpChecksum().build());
        assertEquals(0, none.udpChecksum());
        assertTrue(none.udpChecksumValid(), "0 means the sender computed no checksum");
    }

    @Test
    void optionsSetIhlAndTotLen() {
        FrameView view = new FrameView(sample().options(new byte[] {1, 1, 1, 0, 1, 1, 1, 0}).build());
        assertEquals(7, view.ihl());
        assertEquals(28 + 8 + 5, view.totLen());
        assertEquals(14 + 28, view.l4Offset());
        assertEquals(40000, view.srcPort());
        assertTrue(view.ipChecksumValid(), "the checksum covers the options");
        assertTrue(view.udpChecksumValid());
    }

    @Test
    void diffNamesTheFieldsThatDiffer() {
        byte[] expected = sample().build();
        byte[] actual = sample().ttl(16).build();
        String diff = FrameView.diff(expected, actual);
        assertTrue(diff.contains("ttl: expected 17, actual 16"), diff);
        assertTrue(diff.contains("ip checksum"), diff);
        assertFalse(diff.contains("udp"), diff);
        assertEquals("", FrameView.diff(expected, expected.clone()));
    }

    @Test
    void diffReportsLengthAndPayload() {
        byte[] expected = sample().build();
        byte[] actual = expected.clone();
        actual[actual.length - 1] ^= 1;
        assertTrue(FrameView.diff(expected, actual).startsWith("1 payload byte(s) differ, first at offset 46"), FrameView.diff(expected, actual));
        assertTrue(FrameView.diff(expected, Frames.truncate(expected, 40)).contains("length: expected 47, actual 40"));
    }

    @Test
    void otherFrameKinds() {
        byte[] tagged = Frames.vlanTagged(sample().build(), Frames.ETH_P_8021Q, 42);
        assertEquals(Frames.ETH_P_8021Q, new FrameView(tagged).etherType());
        assertEquals(47 + 4, tagged.length);
        byte[] arp = Frames.arp(Mac.parse("02:00:00:00:00:01"), Ipv4.parse("10.0.0.9"), Mac.ZERO, Ipv4.parse("10.0.0.1"), true);
        assertEquals(Frames.ETH_P_ARP, new FrameView(arp).etherType());
        assertEquals(Mac.BROADCAST, new FrameView(arp).dstMac());
        byte[] ipv6 = Frames.ipv6Udp(Mac.ZERO, Mac.ZERO, new byte[16], new byte[16], 1, 2, 64, new byte[3]);
        assertEquals(Frames.ETH_P_IPV6, new FrameView(ipv6).etherType());
        assertEquals(14 + 40 + 8 + 3, ipv6.length);
        assertEquals(60, Frames.padTo(sample().build(), 60).length);
    }

    @Test
    void macRoundTrip() {
        Mac mac = Mac.parse("02:ab:cd:ef:01:23");
        assertEquals("02:ab:cd:ef:01:23", mac.toString());
        byte[] frame = new byte[6];
        mac.write(frame, 0);
        assertEquals(mac, Mac.read(frame, 0));
    }
}
