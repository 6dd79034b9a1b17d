package io.xdprecon.tests.traffic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sequence-numbered UDP stream through the datapath, to prove an operation loses nothing: a sender
 * thread numbers datagrams 0, 1, 2… until stopped (or a bound), a receiver thread marks each number
 * that arrives. {@link #stop()} ends sending, waits until the receiver has been idle for the drain
 * time, and reports what was lost.
 *
 * <p>Bounded: at most {@code maxDatagrams}, paced to at most {@code maxRatePerSecond}.
 */
public final class SequencedStream implements AutoCloseable {
    private static final int SIZE = 64;

    private final DatagramSocket sender;
    private final DatagramSocket receiver;
    private final SocketAddress destination;
    private final long maxDatagrams;
    private final long nanosPerDatagram;
    private final BitSet seen = new BitSet();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final CountDownLatch firstArrived = new CountDownLatch(1);
    /** Notified as the count sent grows (every {@link #PROGRESS_EVERY} datagrams) and when sending ends. */
    private final Object progress = new Object();
    private static final int PROGRESS_EVERY = 64;
    private volatile boolean sending = true;
    private volatile boolean receiving = true;
    private final Thread sendThread;
    private final Thread receiveThread;

    /** What a stream lost: numbers sent but never received, in order. */
    public record Report(long sent, long received, long duplicates, long firstMissing, long missing) {
        public boolean lossless() {
            return missing == 0 && received == sent;
        }

        @Override
        public String toString() {
            return "sent " + sent + ", received " + received + ", missing " + missing
                    + (missing > 0 ? " (first #" + firstMissing + ")" : "") + ", duplicates " + duplicates;
        }
    }

    /**
     * Starts streaming from {@code sender} to {@code destination}; {@code receiver} is the socket the
     * datagrams must reach (its receive timeout is the drain time).
     */
    public SequencedStream(DatagramSocket sender, SocketAddress destination, DatagramSocket receiver, long maxDatagrams,
            int maxRatePerSecond) {
        this.sender = sender;
        this.receiver = receiver;
        this.destination = destination;
        this.maxDatagrams = maxDatagrams;
        this.nanosPerDatagram = 1_000_000_000L / maxRatePerSecond;
        try {
            receiver.setReceiveBufferSize(8 << 20);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        receiveThread = Thread.ofPlatform().name("stream-receive").start(this::receive);
        sendThread = Thread.ofPlatform().name("stream-send").start(this::send);
    }

    /** Blocks until the first datagram made it through (the path works), or the timeout. */
    public boolean awaitFirst(long timeout, TimeUnit unit) throws InterruptedException {
        return firstArrived.await(timeout, unit);
    }

    public long sentSoFar() {
        return sent.get();
    }

    /**
     * Blocks until {@code count} datagrams have been sent in all, or the timeout, or the sender stopped; whether they
     * have. A check that traffic kept flowing for a while, however fast the step it ran beside was.
     */
    public boolean awaitSent(long count, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (progress) {
            while (sent.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !sendThread.isAlive()) {
                    return sent.get() >= count;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
            return true;
        }
    }

    private void signalProgress() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void send() {
        ByteBuffer buffer = ByteBuffer.allocate(SIZE);
        DatagramPacket packet = new DatagramPacket(buffer.array(), SIZE, destination);
        long start = System.nanoTime();
        try {
            for (long seq = 0; sending && seq < maxDatagrams; seq++) {
                buffer.putLong(0, seq);
                sender.send(packet);
                if (sent.incrementAndGet() % PROGRESS_EVERY == 0) {
                    signalProgress();
                }
                long due = start + seq * nanosPerDatagram;
                while (System.nanoTime() < due) {
                    Thread.onSpinWait(); // pacing, not synchronisation
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("stream sender failed after " + sent.get() + " datagrams", e);
        } finally {
            signalProgress();
        }
    }

    private void receive() {
        byte[] bytes = new byte[2048];
        DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
        while (receiving) {
            try {
                receiver.receive(packet);
            } catch (SocketTimeoutException idle) {
                if (!sending && !sendThread.isAlive()) {
                    return; // drained: nothing arrived for a whole receive timeout after the last send
                }
                continue;
            } catch (IOException e) {
                if (receiving) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
            if (packet.getLength() >= 8) {
                int seq = (int) ByteBuffer.wrap(bytes).getLong(0);
                synchronized (seen) {
                    if (seen.get(seq)) {
                        duplicates.incrementAndGet();
                    }
                    seen.set(seq);
                }
                firstArrived.countDown();
            }
        }
    }

    /** Stops sending, drains, and reports. */
    public Report stop() throws InterruptedException {
        sending = false;
        sendThread.join();
        receiveThread.join();
        long total = sent.get();
        synchronized (seen) {
            int firstMissing = seen.nextClearBit(0);
            long received = seen.cardinality();
            long missing = total - seen.get(0, (int) total).cardinality();
            return new Report(total, received, duplicates.get(), firstMissing < total ? firstMissing : -1, missing);
        }
    }

    @Override
    public void close() throws InterruptedException {
        sending = false;
        sendThread.join();
        receiving = false;
        receiveThread.join();
    }
}
