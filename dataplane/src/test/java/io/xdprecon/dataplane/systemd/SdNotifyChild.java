package io.xdprecon.dataplane.systemd;

import java.time.Duration;
import java.util.Optional;

/**
 * Runs in a child JVM whose environment carries NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID (a JVM cannot
 * set its own environment). Prints one {@code key=value} line per result for the test to check.
 */
public final class SdNotifyChild {
    private SdNotifyChild() {}

    public static void main(String[] args) throws Exception {
        SdNotify notify = SdNotify.fromEnvironment();
        switch (args[0]) {
            case "lifecycle" -> {
                int pings = Integer.parseInt(args[1]);
                Optional<Duration> watchdog = SdNotify.watchdogInterval();
                System.out.println("watchdog=" + watchdog.map(Duration::toMillis).orElse(-1L));
                System.out.println("sent=" + notify.ready("applied 0123456789ab; 2 config rules, 0 session rules"));
                notify.status("reconciled\nagain");
                Duration ping = SdNotify.pingInterval().orElseThrow();
                for (int i = 0; i < pings; i++) { // the pacing under test: one ping per half interval
                    notify.watchdog();
                    Thread.sleep(ping);
                }
                notify.reloading();
                notify.ready();
                notify.stopping();
            }
            case "unsupervised" -> {
                System.out.println("supervised=" + notify.supervised());
                System.out.println("sent=" + (notify.ready("x") | notify.status("x") | notify.reloading()
                        | notify.watchdog() | notify.stopping()));
                System.out.println("watchdog=" + SdNotify.watchdogInterval().map(Duration::toMillis).orElse(-1L));
            }
            case "error" -> {
                try {
                    notify.ready("x");
                    System.out.println("error=none");
                } catch (SdNotifyException e) {
                    System.out.println("error=" + e.getMessage());
                    System.out.println("errno=" + e.errno());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
